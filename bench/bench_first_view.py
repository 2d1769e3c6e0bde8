"""Benchmark: every page's server time on the first view after a change, and a figure written then read back.

Not a test. On a throwaway demo store (演示数据; SQLite by default, --backend postgresql for a database
made and dropped for the run) the app runs in this process behind Starlette's test client. Each round
approves one changed figure of the city through the API (``/api/data/entries``, ``/api/data/submit``,
``/api/data/approve``: what a reporter and the bureau do), then opens one page once and reads the
server's own time (``Server-Timing: app;dur=``): the first view after the change, with the page cache
and the snapshot both out of date. The login page is timed in the same rounds, as the floor.

Printed: per page the median and p95 of the first view after a change, the ratio to the login page,
and the same with the read model rebuilt from scratch on every change (``--baseline``: what the
incremental snapshot saves). Then "written → read back": the API write plus the first GET of the
indicator page showing the new value. The goals (issue 11): ≤ 50 ms and ≤ 10× login per page;
written → read back ≤ 100 ms.

    .venv/bin/python bench/bench_first_view.py                       # 12 rounds per page, SQLite
    .venv/bin/python bench/bench_first_view.py --rounds 5 --backend postgresql --baseline
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

sys.path.insert(0, os.path.dirname(__file__))
from benchkit import pg_database  # noqa: E402

from stpi.queries.demo import load_demo  # noqa: E402
from stpi.store import Store  # noqa: E402
from stpi.store.accounts import add_user  # noqa: E402
from stpi.web.app import create_app  # noqa: E402

TIMING = re.compile(r"app;dur=([0-9.]+)")
PASSWORD = "bench-password-42"
GOAL_MS, GOAL_RATIO, ROUNDTRIP_MS = 50.0, 10.0, 100.0


@contextmanager
def demo_store(backend: str) -> Iterator[Store]:
    """A demo store on the backend, removed afterwards."""
    if backend == "postgresql":
        with pg_database() as url:
            store = Store(url)
            yield store
            store.close()
        return
    with tempfile.TemporaryDirectory(prefix="stpi-bench-") as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db")
        yield store
        store.close()


def server_ms(response: object) -> float:
    found = TIMING.search(response.headers.get("server-timing", ""))  # type: ignore[attr-defined]
    if found is None:
        raise SystemExit("no Server-Timing header")
    return float(found.group(1))


class Session:
    """The bureau's admin logged in through the API; writes one figure and approves it."""

    def __init__(self, store: Store) -> None:
        self.client = TestClient(create_app(store=store))
        r = self.client.post("/api/login", json={"username": "bench_admin", "password": PASSWORD})
        r.raise_for_status()
        self.csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
        self.store = store
        plan = store.plan()
        self.city = store.region(plan.region).code
        self.year = 2025
        self.value = 1.0

    def change(self, code: str = "I03") -> float:
        """One more approved vintage of the city's figure: enter, submit, approve (three API calls)."""
        from stpi.store import observations as ob

        self.value += 0.01
        current = [o for o in ob.observations(self.store, year=self.year, region=self.city, code=code) if o.period == str(self.year)]
        entry = {"region": self.city, "year": str(self.year), "code": code, "value": f"{self.value:.4f}", "note": "基准测试 bench",
                 **({"vintage": current[0].vintage} if current else {})}
        for path, body in (("/api/data/entries", [entry]), ("/api/data/submit", {"year": self.year})):
            self.client.post(path, json=body, headers=self.csrf).raise_for_status()
        ids = [o.id for o in ob.observations(self.store, year=self.year, region=self.city, code=code) if o.status == "submitted"]
        self.client.post("/api/data/approve", json={"ids": ids}, headers=self.csrf).raise_for_status()
        return self.value

    def get(self, path: str) -> float:
        r = self.client.get(path)
        if r.status_code != 200:
            raise SystemExit(f"{path}: HTTP {r.status_code}")
        return server_ms(r)


def pages(store: Store) -> list[tuple[str, str]]:
    plan = store.plan()
    return [("login", "/login"), ("overview", "/"), ("indicator", f"/indicators/{plan.indicators[2].code}"),
            ("department", f"/departments/{plan.departments[0].code}"), ("counties", "/counties"), ("what-if", "/whatif"),
            ("goal-seek", "/goalseek"), ("data", "/data"), ("review", "/data/review")]


def first_views(session: Session, rounds: int) -> dict[str, list[float]]:
    """Each page's server time on its first view after a change, ``rounds`` times."""
    out: dict[str, list[float]] = {name: [] for name, _ in pages(session.store)}
    for _ in range(rounds):
        for name, path in pages(session.store):
            session.change()
            out[name].append(session.get(path))
    return out


def roundtrip(session: Session, rounds: int) -> list[float]:
    """Wall time of writing a figure through the API (enter, submit, approve) and then opening the page that shows it."""
    code = session.store.plan().indicators[2].code
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        value = session.change(code)
        r = session.client.get(f"/api/indicators/{code}")
        times.append((time.perf_counter() - start) * 1000)
        shown = [h.get("value") for h in r.json().get("history", [])]
        if not any(isinstance(v, float) and abs(v - value) < 1e-9 for v in shown):
            raise SystemExit(f"the page does not show the value just written ({value}): {shown[-3:]}")
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def report(title: str, times: dict[str, list[float]]) -> None:
    login = statistics.median(times["login"])
    print(f"\n{title}")
    print(f"  {'page':<11}{'median ms':>10}{'p95 ms':>9}{'× login':>9}   goal ≤{GOAL_MS:.0f} ms and ≤{GOAL_RATIO:.0f}× login")
    for name, values in times.items():
        med = statistics.median(values)
        ok = name == "login" or (med <= GOAL_MS and med <= GOAL_RATIO * login)
        print(f"  {name:<11}{med:>10.1f}{p95(values):>9.1f}{med / login:>9.1f}   {'ok' if ok else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12, help="first views per page (default 12)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--baseline", action="store_true", help="also with the snapshot rebuilt from scratch after every change")
    args = parser.parse_args()
    with demo_store(args.backend) as store:
        load_demo(store, actor="admin")
        add_user(store, "bench_admin", role="admin", actor="admin", password=PASSWORD, display_name="bench")
        session = Session(store)
        for _, path in pages(store):  # imports and first builds out of the way
            session.get(path)
        print(f"stpi first view after a change — {args.backend}, demo store, {args.rounds} rounds per page, load {os.getloadavg()[0]:.1f}")
        report("incremental snapshot (the read model)", first_views(session, args.rounds))
        trip = roundtrip(session, args.rounds)
        print(f"\nwritten → read back (enter + submit + approve + GET): median {statistics.median(trip):.1f} ms, p95 {p95(trip):.1f} ms "
              f"(goal ≤ {ROUNDTRIP_MS:.0f} ms: {'ok' if statistics.median(trip) <= ROUNDTRIP_MS else 'MISSED'})")
        if args.baseline:
            os.environ["STPI_READ_MODEL"] = "rebuild"
            report("baseline: snapshot rebuilt from scratch after every change", first_views(session, args.rounds))
            del os.environ["STPI_READ_MODEL"]


if __name__ == "__main__":
    main()
