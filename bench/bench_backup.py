"""Benchmark: backup and restore of a ~1,000,000-figure store, time and peak memory.

Builds the store through the bulk import path (``observations.write_frame``: 3,000 demo regions ×
32 indicators × 10 years, synthetic 演示数据), then, each in a process of its own so that peak
memory is its own: ``stpi db backup`` (``backup.backup``), ``stpi db restore`` of that backup
(``backup.restore``: checks the signature and checksums, then streams the JSON Lines entries in
batches, one transaction) and, as the baseline, a restore that reads the whole ZIP into memory and
inserts each table at once (what the stpi-backup/1 reader did). Peak memory is the process's
maximum resident set (ru_maxrss); "idle" is the same process after opening the store only.

Run: python bench/bench_backup.py [--regions 3000] [--years 10] [--backends sqlite,postgresql] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchkit import drop_schema, pg_schema_url  # bench/ is on sys.path when a benchmark runs

PG = os.environ.get("STPI_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def build(url: str, regions: int, years: int) -> int:
    """The store: demo regions and their figures written through the bulk import path."""
    import numpy as np
    import pandas as pd

    from stpi.store import Region, Store
    from stpi.store import observations as ob

    store = Store(url)
    store.add_regions([Region(f"D{i:04d}", f"演示地区{i:04d}", "", "demo", None) for i in range(regions)], actor="bench")
    rng = np.random.default_rng(2026)
    written = 0
    for year in range(2014, 2014 + years):
        r, k = np.meshgrid(np.arange(regions), np.arange(32), indexing="ij")
        frame = pd.DataFrame({
            "region": np.char.add("D", np.char.zfill(r.ravel().astype(str), 4)),
            "code": np.char.add("I", np.char.zfill((k.ravel() + 1).astype(str), 2)),
            "period": str(year),
            "value": np.round(rng.uniform(0, 100, r.size), 4),
            "source": "演示数据", "note": None, "expected_vintage": np.nan,
            "_file": "bench", "_row": np.arange(r.size) + 2,
        })
        ob.write_frame(store, frame, actor="admin", reason="bench")
        written += len(frame)
    store.close()
    return written


def _baseline_restore(store: Any, path: str) -> None:
    """The whole ZIP read into memory, every table parsed, then inserted at once (the old way)."""
    import zipfile

    from sqlalchemy import delete, insert

    from stpi.store import backup as bk
    from stpi.store.backuprows import converter
    from stpi.store.models import Base

    with zipfile.ZipFile(path) as z:
        manifest = json.loads(z.read(bk.MANIFEST))
        tables = {item["table"]: (item, z.read(item["entry"])) for item in manifest["tables"]}
    parsed = {}
    for table in bk._tables():
        item, data = tables[table.name]
        checks = [converter(table.c[n]) for n in item["columns"]]
        parsed[table.name] = [{n: c(v) for n, c, v in zip(item["columns"], checks, json.loads(line))} for line in data.splitlines()]
    del tables
    with store.session() as s:
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(delete(table))
        for table in bk._tables():
            rows = [r for r in parsed[table.name] if not (table.name == "setting" and r["key"] == "session_secret")]
            if rows:
                s.execute(insert(table), rows)


def child(url: str, path: str, mode: str) -> None:
    """One measured run in this process: prints a JSON line."""
    import resource

    from stpi.store import Store
    from stpi.store import backup as bk

    store = Store(url)
    idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start, cpu = time.perf_counter(), time.process_time()
    if mode == "backup":
        bk.backup(store, path)
    elif mode == "restore":
        bk.restore(store, path)
    else:
        _baseline_restore(store, path)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak, "idle_mb": idle}))


def run(url: str, path: Path, mode: str, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", url, str(path), mode], capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(f"{mode} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--regions", type=int, default=3000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--postgres", default=PG)
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "STPI_HOME": str(Path(tmp) / "home")}  # the backup key of this run
        env.pop("STPI_BACKUP_KEY", None)
        print(f"{'backend':<11} {'figures':>9} {'store MB':>9} {'backup MB':>10} {'backup s':>9} {'peak MB':>8}   "
              f"{'restore s':>10} {'peak MB':>8}   {'whole-ZIP baseline s':>21} {'peak MB':>8}   {'idle MB':>8}")
        for backend in args.backends.split(","):
            schema = None
            if backend == "sqlite":
                url = f"sqlite:///{tmp}/bench.db"
            else:
                url, schema = pg_schema_url(args.postgres)
            try:
                n = build(url, args.regions, args.years)
                size = Path(f"{tmp}/bench.db").stat().st_size / 1e6 if backend == "sqlite" else float("nan")
                zipped = Path(tmp) / f"{backend}.zip"
                b = run(url, zipped, "backup", env)
                r = run(url, zipped, "restore", env)
                base = run(url, zipped, "baseline", env)
            finally:
                if schema:
                    drop_schema(args.postgres, schema)
            print(f"{backend:<11} {n:>9,} {size:>9.0f} {zipped.stat().st_size / 1e6:>10.1f} {b['seconds']:>9.1f} {b['peak_mb']:>8.0f}   "
                  f"{r['seconds']:>10.1f} {r['peak_mb']:>8.0f}   {base['seconds']:>21.1f} {base['peak_mb']:>8.0f}   {r['idle_mb']:>8.0f}")
        print("演示数据 synthetic data. Peak = the process's maximum resident set; idle = after opening the store, before the work.")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
