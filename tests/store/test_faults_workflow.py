"""kill -9 in the middle of an import and of a year lock, on both backends: the store opens and is consistent after every kill.

A forked child (its own store and connections) says when it starts the write; the parent waits a
random part of how long such a write takes, then SIGKILLs it. After each kill the store is reopened
and checked (see :func:`tests.store.workflow_kit.inconsistencies`), and the write is all there or
not at all. The figures are printed with ``-s``.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from stpi.errors import StpiError
from stpi.store import Store
from stpi.store import observations as ob
from tests.store.workflow_kit import FORK, LONGNAN, figures, frame_of, inconsistencies, year_state

KILLS = 20
IMPORT_ROWS = 3000
LOCK_ROWS = 1000


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    found = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    Store(found).close()
    yield found


def _import_rows(year: int, stamp: float) -> list[tuple[str, str, str, float]]:
    """An import into ``year`` that also changes the one figure of 2199 (so that each import retires a vintage)."""
    return [(LONGNAN, "K000", "2199", stamp)] + [(LONGNAN, f"N{k:04d}", str(year), float(k)) for k in range(1, IMPORT_ROWS)]


def _child(url: str, what: str, year: int, stamp: float, started: Any) -> None:
    store = Store(url, prepare=False)
    frame = frame_of(_import_rows(year, stamp)) if what == "import" else None
    started.set()
    try:
        if frame is not None:
            ob.write_frame(store, frame, actor="killed")
        else:
            ob.lock_year(store, year, actor="killed")
    except StpiError:  # PostgreSQL: a lock whose commit was on its way when its client was killed took effect after all
        os._exit(1)
    store.close()


def _kill_during(url: str, what: str, year: int, stamp: float, within: float, rng: random.Random) -> bool:
    """Start the write in a child, SIGKILL it at a random moment within ``within`` seconds of its start; True if it was still running."""
    started = FORK.Event()
    child = FORK.Process(target=_child, args=(url, what, year, stamp, started), daemon=True)
    child.start()
    assert started.wait(timeout=30)
    time.sleep(rng.uniform(0, within))
    running = child.exitcode is None
    try:
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    except ProcessLookupError:  # it had finished already
        running = False
    child.join(timeout=30)
    return running


def _report(what: str, url: str, killed: int, consistent: int, committed: int, seconds: float) -> None:
    print(f"\nkill -9 during {what} [{url.split(':')[0]}]: {killed}/{KILLS} killed before their commit, {committed} had committed, "
          f"consistent after {consistent}/{KILLS} in {seconds:.1f} s")


def test_kill_during_an_import(url: str) -> None:
    """An import killed at any moment is all there or not at all; the vintage it would retire stays current otherwise."""
    store = Store(url, prepare=False)
    figures(store, 2199, ["K000"])
    t0 = time.perf_counter()
    ob.write_frame(store, frame_of(_import_rows(2300, -1.0)), actor="timing")  # how long one import takes here
    span = time.perf_counter() - t0
    store.close()  # no pooled connection may cross the fork
    rng = random.Random(9)
    killed = consistent = committed = 0
    start = time.perf_counter()
    within = span * 2.0
    for k in range(KILLS):
        running = _kill_during(url, "import", 2301 + k, float(k), within, rng)
        n, _, _ = year_state(store, 2301 + k)
        (k000,) = ob.observations(store, year=2199, code="K000")
        done = n == IMPORT_ROWS - 1 and k000.value == float(k)
        undone = n == 0 and k000.value != float(k)
        committed += done
        killed += running and not done
        within *= 0.6 if done else 1.0  # a busy machine makes writes slower or faster than measured: aim earlier after a kill too late
        store.close()
        consistent += (done or undone) and inconsistencies(url) == []
    _report("an import", url, killed, consistent, committed, time.perf_counter() - start)
    assert consistent == KILLS and killed >= KILLS // 4  # most kills land mid-write; a few after the commit
    store.close()


def test_kill_during_a_lock(url: str) -> None:
    """A lock killed at any moment leaves the year either locked with every figure locked, or open with every figure approved."""
    store = Store(url, prepare=False)
    codes = [f"Q{k:04d}" for k in range(LOCK_ROWS)]
    years = iter(range(2400, 2500))
    year = next(years)
    figures(store, year, codes, status="approved")
    t0 = time.perf_counter()
    ob.lock_year(store, year, actor="timing")  # how long one lock takes here
    span = time.perf_counter() - t0
    year = next(years)
    figures(store, year, codes, status="approved")
    store.close()
    rng = random.Random(10)
    killed = consistent = committed = 0
    start = time.perf_counter()
    within = span * 2.0
    for _ in range(KILLS):
        running = _kill_during(url, "lock", year, 0.0, within, rng)  # each lock that commits costs a new year of approved figures
        n, _, is_locked = year_state(store, year)
        killed += running and not is_locked
        with store.engine.connect() as conn:
            statuses = set(conn.execute(text("SELECT DISTINCT status FROM observation WHERE year = :y AND current"), {"y": year}).scalars())
        store.close()
        consistent += n == LOCK_ROWS and statuses == ({"locked"} if is_locked else {"approved"}) and inconsistencies(url) == []
        if is_locked:  # the lock had committed: the next kill needs an open year, and comes earlier
            committed += 1
            within *= 0.6
            year = next(years)
            figures(store, year, codes, status="approved")
            store.close()
    _report("a lock", url, killed, consistent, committed, time.perf_counter() - start)
    assert consistent == KILLS and killed >= KILLS // 4  # most kills land mid-write; a few after the commit
    store.close()
