"""Benchmark: other users' page times without and during a legitimate 100k-row XLSX upload.

Not a test. Makes a throwaway SQLite store with the demo data (演示数据), a viewer and the admin
account, starts the app with uvicorn (one worker) on 127.0.0.1, and lets --clients viewers loop
over /api/overview and /indicators/I01 — first for --seconds alone, then while the admin uploads
a long table of --rows rows as .xlsx (every row valid, with a note, so it is saved). Prints the
client-side p50/p95 of both phases and their ratio (target: during ≤ 2× normal), and how long
the upload took. Every loop is bounded (by time, and by --max-requests per client).

    .venv/bin/python bench/bench_upload.py                       # this checkout
    .venv/bin/python bench/bench_upload.py --src /tmp/old/src    # the same against another source tree

With ``--src`` the store is filled and the server run from that source tree (PYTHONPATH), so the
code before a change can be measured the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ADMIN_PW, VIEWER, VIEWER_PW = "bench-admin-42", "bench_viewer", "bench-password-42"
PAGES = ("/api/overview", "/indicators/I01")


def fill(url: str) -> None:
    """Demo data, the admin's password and a viewer (run in the measured source tree)."""
    from stpi.queries.demo import load_demo
    from stpi.store import Store
    from stpi.store.accounts import add_user, set_password

    store = Store(url)
    try:
        load_demo(store, actor="admin")
        set_password(store, "admin", ADMIN_PW, actor="system")
        add_user(store, VIEWER, role="viewer", actor="admin", password=VIEWER_PW, display_name="bench")
    finally:
        store.close()


def make_xlsx(path: Path, rows: int) -> None:
    """A long table of ``rows`` distinct figures: 23 regions × 32 indicators × as many years as needed, each with a note."""
    from openpyxl import Workbook

    regions = ["陇南市", "兰州市", "嘉峪关市", "金昌市", "白银市", "天水市", "武威市", "张掖市", "平凉市", "酒泉市", "庆阳市", "定西市",
               "临夏回族自治州", "甘南藏族自治州", "武都区", "成县", "文县", "宕昌县", "康县", "西和县", "礼县", "徽县", "两当县"]
    rng = np.random.default_rng(2026)
    book = Workbook()  # as Excel and WPS save: shared strings and a <dimension>
    ws = book.active
    ws.title = "数据"
    ws.append(["region", "year", "indicator", "value", "note"])
    n = 0
    year = 1950
    while n < rows:
        for region in regions:
            for k in range(1, 33):
                if n >= rows:
                    break
                ws.append([region, year, f"I{k:02d}", round(float(rng.uniform(0.5, 90)), 3), "演示数据 bench"])
                n += 1
        year += 1
    book.save(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "stpi.web.app:app_from_env", "--factory", "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1", "--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(cmd, env={**env, "STPI_DATABASE_URL": url})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{base}/api/me", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the server did not start (exit {proc.poll()})")
        time.sleep(0.3)


async def client_loop(base: str, k: int, stop: asyncio.Event, out: list[tuple[float, float]], max_requests: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        (await client.post("/api/login", json={"username": VIEWER, "password": VIEWER_PW})).raise_for_status()
        for i in range(max_requests):
            if stop.is_set():
                return
            began = time.perf_counter()
            r = await client.get(PAGES[(i + k) % len(PAGES)])
            if r.status_code == 200:
                out.append((began, (time.perf_counter() - began) * 1000))
            await asyncio.sleep(0.02)  # a reader clicks, not a load generator


async def phase(base: str, clients: int, seconds: float, max_requests: int, upload: Path | None) -> tuple[list[float], float | None, int | None]:
    """Latencies (ms) of the requests the clients started in ``seconds``, or while the upload ran (answered then or later)."""
    stop, out = asyncio.Event(), []  # type: ignore[var-annotated]
    tasks = [asyncio.create_task(client_loop(base, k, stop, out, max_requests)) for k in range(clients)]
    took, status = None, None
    await asyncio.sleep(1.0)  # the clients log in and settle
    began = time.perf_counter()
    if upload is None:
        await asyncio.sleep(seconds)
        ended = time.perf_counter()
    else:
        async with httpx.AsyncClient(base_url=base, timeout=600) as admin:
            token = (await admin.post("/api/login", json={"username": "admin", "password": ADMIN_PW})).json()["csrf_token"]
            began = time.perf_counter()
            r = await admin.post("/api/data/upload", files={"file": (upload.name, upload.read_bytes(), "application/octet-stream")}, headers={"X-CSRF-Token": token})
            ended = time.perf_counter()
            took, status = ended - began, r.status_code
            if r.status_code != 200:
                print("upload answered", r.status_code, r.text[:300])
    stop.set()
    await asyncio.gather(*tasks)
    return [ms for start, ms in out if began <= start < ended], took, status


async def warm(base: str) -> None:
    """One small upload, so the child-process server is running (as on any server up for a while)."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as admin:
        token = (await admin.post("/api/login", json={"username": "admin", "password": ADMIN_PW})).json()["csrf_token"]
        csv = "region,year,indicator,value,note\n陇南市,2023,I01,196,bench\n".encode()
        await admin.post("/api/data/upload", files={"file": ("warm.csv", csv, "text/csv")}, headers={"X-CSRF-Token": token})


async def first_page_after(base: str) -> float:
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:
        (await client.post("/api/login", json={"username": VIEWER, "password": VIEWER_PW})).raise_for_status()
        began = time.perf_counter()
        await client.get(PAGES[0])
        return time.perf_counter() - began


def pct(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    p50, p95 = np.percentile(values, [50, 95])
    return float(p50), float(p95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the phase without upload")
    parser.add_argument("--max-requests", type=int, default=5000, help="per client and phase")
    parser.add_argument("--src", help="source tree to measure (PYTHONPATH for filling and serving)")
    parser.add_argument("--fill", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        fill(args.fill)
        return
    env = {**os.environ, "STPI_WEB_CACHE": "on"}
    if args.src:
        env["PYTHONPATH"] = args.src
    with tempfile.TemporaryDirectory(prefix="stpi-bench-upload-") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        xlsx = Path(tmp) / "bench-100k.xlsx"
        began = time.perf_counter()
        make_xlsx(xlsx, args.rows)
        print(f"workbook: {args.rows:,} rows, {xlsx.stat().st_size / 2**20:.1f} MB ({time.perf_counter() - began:.1f} s to make)")
        subprocess.run([sys.executable, __file__, "--fill", url], env={**env, "STPI_HOME": tmp}, check=True)
        proc, base = start_server(url, {**env, "STPI_HOME": tmp})
        try:
            asyncio.run(warm(base))
            normal, _, _ = asyncio.run(phase(base, args.clients, args.seconds, args.max_requests, None))
            during, took, status = asyncio.run(phase(base, args.clients, args.seconds, args.max_requests, xlsx))
            after = asyncio.run(first_page_after(base))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    (n50, n95), (d50, d95) = pct(normal), pct(during)
    result = {"source": args.src or "this checkout", "rows": args.rows, "clients": args.clients, "upload_s": took, "upload_status": status,
              "normal": {"n": len(normal), "p50_ms": n50, "p95_ms": n95}, "during": {"n": len(during), "p50_ms": d50, "p95_ms": d95},
              "ratio_p50": d50 / n50, "ratio_p95": d95 / n95, "max_during_ms": max(during) if during else None, "first_page_after_s": after}
    print(f"normal  p50 {n50:7.1f} ms  p95 {n95:7.1f} ms  ({len(normal)} requests)")
    print(f"during  p50 {d50:7.1f} ms  p95 {d95:7.1f} ms  ({len(during)} requests; max {result['max_during_ms']:.0f} ms)")
    print(f"ratio   p50 {d50 / n50:5.2f}×     p95 {d95 / n95:5.2f}×   (target p95 ≤ 2×); upload {took:.1f} s, HTTP {status}")
    print(json.dumps(result))
    print(f"after the upload the first overview took {after:.1f} s (the store gained {args.rows:,} figures)")


if __name__ == "__main__":
    main()
