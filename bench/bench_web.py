"""Benchmark: simulated users browsing the dashboard and indicator pages, on SQLite and PostgreSQL.

Not a test. For each backend the bench makes a throwaway store (a SQLite file in a temporary
folder; a PostgreSQL database it creates and drops), loads the demo data (演示数据) and adds a
viewer account, starts the app with uvicorn in a subprocess on loopback, and lets --users
simulated users (asyncio + httpx, one session each) log in and browse /, /api/overview,
/indicators and /indicators/{code} for --seconds, each pausing --think seconds between pages.

Printed per run: requests/s, errors (status ≥ 400 other than the expected, or no response),
p50/p95/p99 of the client's latency and of the server's own time (``Server-Timing: app;dur=``),
and the same per page. Baselines: the same browsing with the web cache off (STPI_WEB_CACHE=off)
and fetching a static file; the goal is p95 server time ≤ 50 ms with 0 errors.

With ``--writers N`` that many department reporters each enter a figure of their own (a draft
through ``/api/data/entries``) every ``--write-every`` seconds while the users read: the season's
load of issue 11 (50 readers, 5 reporters every 2 s, 60 s; goals read p95 ≤ 100 ms and write p95
≤ 200 ms with 0 errors, SQLite on 1 worker and PostgreSQL on 4). Every write changes the store, so
readers keep meeting the first view after a change.

    .venv/bin/python bench/bench_web.py                      # 60 s per run, both backends
    .venv/bin/python bench/bench_web.py --seconds 10 --backends sqlite --baselines ''
    .venv/bin/python bench/bench_web.py --writers 5 --backends sqlite --baselines ''
    .venv/bin/python bench/bench_web.py --writers 5 --backends postgresql --workers 4 --baselines ''
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import numpy as np
import psycopg

from stpi.queries.demo import load_demo
from stpi.store import Store
from stpi.store.accounts import add_user

PG_ADMIN = os.environ.get("STPI_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
USER, PASSWORD = "bench_viewer", "bench-password-42"
GOAL_MS = 50.0  # reading only
READ_GOAL_MS, WRITE_GOAL_MS = 100.0, 200.0  # reading while reporters write (issue 11)
TIMING = re.compile(r"app;dur=([0-9.]+)")


# ----------------------------------------------------------------------------- stores


@contextmanager
def sqlite_store() -> Iterator[str]:
    """A SQLite file in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="stpi-bench-") as tmp:
        yield f"sqlite:///{tmp}/bench.db"


@contextmanager
def postgres_store() -> Iterator[str]:
    """A PostgreSQL database made for the run and dropped afterwards."""
    name = f"stpi_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


WRITER = "bench_writer{k}"


def fill(url: str, writers: int = 0) -> tuple[int, list[str], list[tuple[str, list[str]]]]:
    """Demo data, a viewer account and ``writers`` department reporters; returns the figure count, the indicator codes and each reporter's (city, ["code=target" of its lead indicators])."""
    store = Store(url)
    try:
        done = load_demo(store, actor="admin")
        add_user(store, USER, role="viewer", actor="admin", password=PASSWORD, display_name="bench")
        plan = store.plan()
        city = store.region(plan.region).code
        leading = [d for d in plan.departments if any(d.code in i.lead for i in plan.indicators)]
        reporters, taken = [], set()
        for k in range(writers):  # each its own department and indicators: co-led ones would (rightly) refuse each other's drafts
            dep = leading[k % len(leading)]
            mine = [i for i in plan.indicators if dep.code in i.lead and i.code not in taken]
            taken |= {i.code for i in mine}
            add_user(store, WRITER.format(k=k), role="department", department=dep.code, actor="admin", password=PASSWORD, display_name=f"bench {k}")
            reporters.append((city, [f"{i.code}={i.target}" for i in mine]))
        reporters = [r for r in reporters if r[1]]
        return done.written, [i.code for i in plan.indicators], reporters
    finally:
        store.close()


# ----------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, *, workers: int, cache: bool) -> Iterator[str]:
    """The app under uvicorn in a subprocess on loopback; yields its base URL."""
    port = free_port()
    env = {**os.environ, "STPI_DATABASE_URL": url, "STPI_WEB_CACHE": "on" if cache else "off"}
    cmd = [sys.executable, "-m", "uvicorn", "stpi.web.app:app_from_env", "--factory", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(cmd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/me", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start (exit {proc.poll()})")
            time.sleep(0.2)
        server.pid = proc.pid  # type: ignore[attr-defined]  # for rss() while it runs
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rss_mb(pid: int) -> list[float]:
    """Resident memory (MB) of the server process and of each of its worker processes (Linux /proc)."""
    def one(p: int) -> float:
        with open(f"/proc/{p}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    kids = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(x) for x in f.read().split()]
    except OSError:
        pass
    return [one(p) for p in [pid, *kids]]


# ----------------------------------------------------------------------------- users


@dataclass
class Sample:
    path: str
    status: int  # 0: no response
    client_ms: float
    server_ms: float | None


@dataclass
class Run:
    label: str
    seconds: float
    samples: list[Sample] = field(default_factory=list)


@dataclass(frozen=True)
class Pages:
    """What a user opens next (``pick``), and every page there is (opened once to warm the caches)."""

    pick: Callable[[random.Random], str]
    every: tuple[str, ...]


def dashboard_pages(codes: list[str]) -> Pages:
    """The dashboard and its JSON twin, the indicator list, one indicator."""
    def pick(rng: random.Random) -> str:
        r = rng.random()
        if r < 0.30:
            return "/"
        if r < 0.45:
            return "/api/overview"
        if r < 0.65:
            return "/indicators"
        return f"/indicators/{rng.choice(codes)}"
    return Pages(pick, ("/", "/api/overview", "/indicators", *(f"/indicators/{c}" for c in codes)))


STATIC = Pages(lambda rng: "/static/app.css", ("/static/app.css",))


@dataclass
class Clock:
    """Shared by the users: how many are ready, when to start, when to stop."""

    ready: int = 0
    start: asyncio.Event = field(default_factory=asyncio.Event)
    logins: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(3))  # one account's logins from one source are throttled: a few at a time
    deadline: float = 0.0


async def one_user(base: str, k: int, pick: Callable[[random.Random], str], think: tuple[float, float], clock: Clock, out: list[Sample], login: bool) -> None:
    """Log in, then open pages until the deadline, pausing between them like a reader."""
    rng = random.Random(k)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        if login:
            async with clock.logins:
                r = await client.post("/api/login", json={"username": USER, "password": PASSWORD})
            r.raise_for_status()
        clock.ready += 1
        await clock.start.wait()
        await asyncio.sleep(rng.uniform(0, max(think[1], 0.05)))  # users do not all click at once
        while time.perf_counter() < clock.deadline:
            path = pick(rng)
            began = time.perf_counter()
            try:
                r = await client.get(path)
                status, timing = r.status_code, TIMING.search(r.headers.get("server-timing", ""))
                server_ms = float(timing.group(1)) if timing else None
            except httpx.HTTPError:
                status, server_ms = 0, None
            out.append(Sample(path if not path.startswith("/indicators/") else "/indicators/{code}", status, (time.perf_counter() - began) * 1000, server_ms))
            if think[1] > 0:
                await asyncio.sleep(rng.uniform(*think))


async def one_writer(base: str, k: int, city: str, codes: list[str], every: float, clock: Clock, out: list[Sample]) -> None:
    """A department reporter entering one figure of its own (a draft through /api/data/entries) every ``every`` seconds."""
    rng = random.Random(1000 + k)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        async with clock.logins:
            r = await client.post("/api/login", json={"username": WRITER.format(k=k), "password": PASSWORD})
        r.raise_for_status()
        headers = {"X-CSRF-Token": r.json()["csrf_token"]}
        clock.ready += 1
        await clock.start.wait()
        await asyncio.sleep(rng.uniform(0, every))
        n = 0
        while time.perf_counter() < clock.deadline:
            code, _, target = codes[n % len(codes)].partition("=")
            year = 2027 + n // len(codes)  # a new figure each time: no vintage to name
            n += 1
            value = float(target) * rng.uniform(0.95, 1.05)  # near the plan's target: plausible, never refused
            entry = {"region": city, "year": str(year), "code": code, "value": f"{value:.6g}", "note": "基准测试 bench"}
            began = time.perf_counter()
            try:
                r = await client.post("/api/data/entries", json=[entry], headers=headers)
                status, timing = r.status_code, TIMING.search(r.headers.get("server-timing", ""))
                server_ms = float(timing.group(1)) if timing else None
            except httpx.HTTPError:
                status, server_ms = 0, None
            out.append(Sample("POST /api/data/entries", status, (time.perf_counter() - began) * 1000, server_ms))
            await asyncio.sleep(max(0.0, every - (time.perf_counter() - began)))


async def warm_up(base: str, pages: Pages, login: bool) -> list[float]:
    """Open every page once, alone: the first view after a change builds the page's cache entry."""
    first = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as warm:
        if login:
            (await warm.post("/api/login", json={"username": USER, "password": PASSWORD})).raise_for_status()
        for path in pages.every:
            timing = TIMING.search((await warm.get(path)).headers.get("server-timing", ""))
            first.append(float(timing.group(1)) if timing else float("nan"))
    return first


async def browse(base: str, *, users: int, seconds: float, think: tuple[float, float], pages: Pages, login: bool = True,
                 writers: list[tuple[str, list[str]]] = (), every: float = 2.0, written: list[Sample] | None = None) -> tuple[list[Sample], list[float]]:  # type: ignore[assignment]
    """``users`` concurrent sessions for ``seconds`` (after all have logged in and the pages are warm), with ``writers`` reporters writing meanwhile."""
    samples: list[Sample] = []
    clock = Clock()
    first = await warm_up(base, pages, login)
    pick = pages.pick
    tasks = [asyncio.create_task(one_user(base, k, pick, think, clock, samples, login)) for k in range(users)]
    tasks += [asyncio.create_task(one_writer(base, k, city, codes, every, clock, written if written is not None else samples)) for k, (city, codes) in enumerate(writers)]
    while clock.ready < users + len(writers):  # every user logged in (argon2 takes a while) before the clock starts
        if any(t.done() for t in tasks):
            await asyncio.gather(*tasks)  # a user failed to log in: raise its error
        await asyncio.sleep(0.05)
    clock.deadline = time.perf_counter() + seconds
    clock.start.set()
    await asyncio.gather(*tasks)
    return samples, first


# ----------------------------------------------------------------------------- report


def pct(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (float("nan"),) * 3
    p = np.percentile(np.asarray(values), [50, 95, 99])
    return float(p[0]), float(p[1]), float(p[2])


def summary(run: Run) -> dict[str, float]:
    ok = [s for s in run.samples if 200 <= s.status < 400]
    errors = len(run.samples) - len(ok)
    client = pct([s.client_ms for s in run.samples if s.status])
    server = pct([s.server_ms for s in ok if s.server_ms is not None])
    return {"n": len(run.samples), "rps": len(run.samples) / run.seconds, "errors": errors, "c50": client[0], "c95": client[1], "c99": client[2], "s50": server[0], "s95": server[1], "s99": server[2]}


def print_run(run: Run) -> dict[str, float]:
    s = summary(run)
    print(f"  {run.label:<28} {s['n']:>7} {s['rps']:>7.1f} {s['errors']:>6}   {s['c50']:>6.1f} {s['c95']:>6.1f} {s['c99']:>7.1f}   {s['s50']:>6.1f} {s['s95']:>6.1f} {s['s99']:>7.1f}")
    for path in sorted({x.path for x in run.samples}):
        mine = [x for x in run.samples if x.path == path]
        statuses = ", ".join(f"{k}×{v}" for k, v in sorted(_count(x.status for x in mine).items()))
        c, sv = pct([x.client_ms for x in mine if x.status]), pct([x.server_ms for x in mine if x.server_ms is not None and 200 <= x.status < 400])
        print(f"      {path:<24} {len(mine):>7} {'':>7} {'':>6}   {c[0]:>6.1f} {c[1]:>6.1f} {c[2]:>7.1f}   {sv[0]:>6.1f} {sv[1]:>6.1f} {sv[2]:>7.1f}   status {statuses}")
    return s


def _count(items: Iterator[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return out


HEADER = f"  {'run':<28} {'requests':>7} {'req/s':>7} {'errors':>6}   {'client p50':>6} {'p95':>6} {'p99':>7}   {'server p50':>6} {'p95':>6} {'p99':>7}  (ms)"


def bench_backend(name: str, url: str, args: argparse.Namespace) -> None:
    figures, codes, reporters = fill(url, args.writers)
    print(f"\n{name}: {figures} demo figures (演示数据), {args.users} users, {args.seconds:g} s per run, think {args.think[0]:g}–{args.think[1]:g} s, {args.workers} worker(s); "
          f"machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(HEADER)
    think = tuple(args.think)
    runs: dict[str, dict[str, float]] = {}
    pages = dashboard_pages(codes)
    with server(url, workers=args.workers, cache=True) as base:
        written: list[Sample] = []
        samples, first = asyncio.run(browse(base, users=args.users, seconds=args.seconds, think=think, pages=pages, writers=reporters, every=args.write_every, written=written))
        runs["cache"] = print_run(Run("pages, cache on" + (f", {args.writers} writing" if args.writers else ""), args.seconds, samples))
        if written:
            runs["writes"] = print_run(Run(f"writes ({args.writers} reporters, every {args.write_every:g} s)", args.seconds, written))
        memory = rss_mb(server.pid)  # type: ignore[attr-defined]
        print(f"  resident memory after the run: {', '.join(f'{m:.0f}' for m in memory)} MB (server{' and workers' if len(memory) > 1 else ''}; goal ≤ 300 MB per worker)")
        if "static" in args.baselines:
            samples, _ = asyncio.run(browse(base, users=args.users, seconds=args.seconds, think=think, pages=STATIC, login=False))
            runs["static"] = print_run(Run("static file /static/app.css", args.seconds, samples))
    if "cache-off" in args.baselines:
        with server(url, workers=args.workers, cache=False) as base:
            samples, _ = asyncio.run(browse(base, users=args.users, seconds=args.seconds, think=think, pages=pages))
            runs["nocache"] = print_run(Run("pages, STPI_WEB_CACHE=off", args.seconds, samples))
    print(f"  first view of each of the {len(first)} pages (builds its cache entry, before the run): server median {np.median(first):.0f} ms, max {max(first):.0f} ms")
    main = runs["cache"]
    if "nocache" in runs:
        b = runs["nocache"]
        print(f"  cache off / on: server p95 {b['s95']:.0f} / {main['s95']:.1f} ms = {b['s95'] / main['s95']:.0f}×, "
              f"client p95 {b['c95']:.0f} / {main['c95']:.1f} ms = {b['c95'] / main['c95']:.0f}×; req/s {b['rps']:.1f} against {main['rps']:.1f}")
    if "static" in runs:
        b = runs["static"]
        print(f"  pages / static file: server p95 {main['s95']:.1f} / {b['s95']:.1f} ms = {main['s95'] / b['s95']:.1f}×, "
              f"client p95 {main['c95']:.1f} / {b['c95']:.1f} ms = {main['c95'] / b['c95']:.1f}×")
    goal = GOAL_MS if not args.writers else READ_GOAL_MS
    verdict = "met" if main["s95"] <= goal and main["errors"] == 0 else "MISSED"
    print(f"  goal read p95 server ≤ {goal:g} ms and 0 errors: {verdict} (p95 {main['s95']:.1f} ms, {int(main['errors'])} errors)")
    if "writes" in runs:
        w = runs["writes"]
        verdict = "met" if w["s95"] <= WRITE_GOAL_MS and w["errors"] == 0 else "MISSED"
        print(f"  goal write p95 server ≤ {WRITE_GOAL_MS:g} ms and 0 errors: {verdict} (p95 {w['s95']:.1f} ms, client p95 {w['c95']:.1f} ms, {int(w['errors'])} errors)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each run (default 60)")
    parser.add_argument("--users", type=int, default=50, help="concurrent simulated users (default 50)")
    parser.add_argument("--think", type=lambda s: [float(x) for x in s.split(",")], default=[0.5, 2.0], help="pause between pages, min,max seconds (default 0.5,2; 0,0 = no pause)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite, postgresql or both (default)")
    parser.add_argument("--baselines", default="cache-off,static", help="cache-off, static, both (default) or ''")
    parser.add_argument("--writers", type=int, default=0, help="department reporters entering a figure meanwhile (issue 11's season: 5)")
    parser.add_argument("--write-every", type=float, default=2.0, help="seconds between one reporter's figures (default 2)")
    args = parser.parse_args()
    stores = {"sqlite": sqlite_store, "postgresql": postgres_store}
    print("stpi web load benchmark — 演示数据 demo data (synthetic, not real statistics); loopback only")
    for name in [b for b in args.backends.split(",") if b]:
        with stores[name]() as url:
            bench_backend(name, url, args)


if __name__ == "__main__":
    main()
