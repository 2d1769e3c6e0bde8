"""Benchmark: importing ~1,000,000 observations (3,000 regions × 32 indicators × 10 years) from CSV.

Runs the real import (`stpi import`: read, validate every row, write all or nothing with
vintages and audit) into SQLite and into PostgreSQL, each in its own process so that peak
memory is its own, and compares with a plain pandas ``DataFrame.to_sql`` of the same rows
(no validation, no vintages) as the simple baseline. The data are synthetic (演示数据).

Run: python bench/bench_import.py [--regions 3000] [--years 10] [--postgres URL] [--backends sqlite,postgresql]

Each line shows the total and its parts: read (the file into text cells), check (every
row validated, current vintages looked up, new vintages planned) and write (insert,
audit, archive, commit), and the CPU seconds of the importing process.
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

import numpy as np
import pandas as pd

from benchkit import drop_schema, pg_schema_url  # bench/ is on sys.path when a benchmark runs

PG = os.environ.get("STPI_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def make_csv(path: Path, regions: int, years: int) -> int:
    """Synthetic demo data: region D0000…, years 2014…, I01…I32."""
    r, t, k = np.meshgrid(np.arange(regions), np.arange(years), np.arange(32), indexing="ij")
    frame = pd.DataFrame({
        "region": np.char.add("演示地区", np.char.zfill(r.ravel().astype(str), 4)),
        "year": 2014 + t.ravel(),
        "indicator": np.char.add("I", np.char.zfill((k.ravel() + 1).astype(str), 2)),
        "value": np.round(np.random.default_rng(2026).uniform(0, 100, r.size), 4),
    })
    frame.to_csv(path, index=False)
    return len(frame)


def timed(module: Any, name: str, phases: dict[str, float], phase: str) -> None:
    """Wrap ``module.name`` so that the seconds spent in it add up in ``phases[phase]``."""
    original = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            phases[phase] = phases.get(phase, 0.0) + time.perf_counter() - start

    setattr(module, name, wrapper)


def child(url: str, csv: str, regions: int, mode: str) -> None:
    """One measured run in this process: prints a JSON line."""
    import resource

    from stpi import submissions
    from stpi.ingest import fastlong
    from stpi.store import Region, Store, bulk
    from stpi.store import observations as ob

    store = Store(url)
    store.add_regions([Region(f"D{i:04d}", f"演示地区{i:04d}", "", "demo", None) for i in range(regions)], actor="bench")
    phases: dict[str, float] = {}
    # read: the file into text cells; write: from the planned rows to the commit; check: the rest
    timed(fastlong, "read_frame", phases, "read")
    timed(ob, "write_frame", phases, "write")
    timed(bulk, "plan_write", phases, "plan")
    start, cpu = time.perf_counter(), time.process_time()
    if mode == "stpi":
        written = submissions.import_submission(url, csv, actor="admin").written
    else:
        frame = pd.read_csv(csv)
        frame.to_sql("baseline_observation", store.engine, if_exists="replace", index=False, chunksize=50_000)
        written = len(frame)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    read, write, plan = (phases.get(k, 0.0) for k in ("read", "write", "plan"))
    split = {"read": read, "check": seconds - read - write + plan, "write": write - plan}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": written, "peak_mb": peak} | split))


def run(url: str, csv: Path, regions: int, mode: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", url, str(csv), str(regions), mode], check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--regions", type=int, default=3000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--postgres", default=PG)
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "observations.csv"
        n = make_csv(csv, args.regions, args.years)
        print(f"演示数据 synthetic data: {args.regions} regions × 32 indicators × {args.years} years = {n:,} rows, {csv.stat().st_size / 1e6:.1f} MB CSV")
        print(f"{'backend':<11} {'import (stpi)':>14} {'read':>6} {'check':>6} {'write':>6} {'cpu':>6} {'rows/s':>10} {'peak MB':>8}   {'to_sql baseline':>16} {'ratio':>6}")
        for backend in args.backends.split(","):
            results = {}
            for mode in ("stpi", "baseline"):
                if backend == "sqlite":
                    url, schema = f"sqlite:///{tmp}/{mode}.db", None
                else:
                    url, schema = pg_schema_url(args.postgres)
                try:
                    results[mode] = run(url, csv, args.regions, mode)
                finally:
                    if schema:
                        drop_schema(args.postgres, schema)
            ours, base = results["stpi"], results["baseline"]
            phases = " ".join(f"{ours[k]:>6.1f}" for k in ("read", "check", "write", "cpu"))
            print(f"{backend:<11} {ours['seconds']:>12.1f} s {phases} {ours['rows'] / ours['seconds']:>10,.0f} {ours['peak_mb']:>8.0f}   {base['seconds']:>14.1f} s {ours['seconds'] / base['seconds']:>5.2f}×")
        print("stpi: every row validated, one transaction, vintages and audit; baseline: raw insert without checks.")
        print("seconds are wall-clock; cpu is this process's own (not the database server's), steadier on a busy machine.")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        main()
