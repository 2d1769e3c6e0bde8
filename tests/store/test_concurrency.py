"""Races of the workflow on both backends, with real threads and real (forked) processes: of two transitions exactly one wins.

Each race runs TRIALS times per backend and mode (so 100 per backend: 50 with threads, 50 with
processes); the audit must show exactly one transition per figure and no update may be lost.
The figures are printed with ``-s``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stpi.store import Entry, Store
from stpi.store import observations as ob
from stpi.store import queue
from tests.store.workflow_kit import LONGNAN, Racers, figures, frame_of, inconsistencies, transitions_by_key, year_state

TRIALS = 50  # per backend and mode
MODES = ["thread", "process"]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    found = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    Store(found).close()  # migrated and seeded once, before any racer opens it
    yield found


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    st = Store(url, prepare=False)
    yield st
    st.close()


def _review(store: Store, action: str, figure_id: int) -> int:
    return queue.transition_ids(store, action, [figure_id], actor=f"reviewer-{action}", comment="请核实 check it" if action == "return" else "")


def _approve_as(store: Store, who: str, figure_id: int) -> int:
    return queue.transition_ids(store, "approve", [figure_id], actor=who)


def _enter(store: Store, code: str, value: float, vintage: int | None) -> int:
    return ob.write(store, [Entry(LONGNAN, code, "2023", value, expected_vintage=vintage)], actor=f"typist-{value:g}", status="draft", require_vintage=True).written


def _import(store: Store, year: int, n: int) -> int:
    rows = [(LONGNAN, "L000", str(year), 2.0)] + [(LONGNAN, f"M{k:04d}", str(year), float(k)) for k in range(1, n)]
    return ob.write_frame(store, frame_of(rows), actor="importer").written


def _lock(store: Store, year: int) -> int:
    return ob.lock_year(store, year, actor="locker")


def _report(name: str, url: str, mode: str, held: int, tried: int, seconds: float) -> None:
    print(f"\n{name} [{url.split(':')[0]}, {mode}]: held {held}/{tried} in {seconds:.1f} s")


@pytest.mark.parametrize("mode", MODES)
def test_approve_races_return_of_the_same_figure(url: str, store: Store, mode: str) -> None:
    """Approve and return of one submitted figure at once: one wins, the other is a conflict naming the figure."""
    ids = figures(store, 2023, [f"A{k:03d}" for k in range(TRIALS)])
    racers, held, start = Racers(store, mode), 0, time.perf_counter()
    try:
        for code, figure_id in ids.items():
            a, b = racers.race((_review, 0.0, ("approve", figure_id)), (_review, 0.0, ("return", figure_id)))
            (winner,) = [x for x, (kind, _) in zip(("approved", "returned"), (a, b)) if kind == "ok"]
            loser = b if winner == "approved" else a
            (now,) = ob.observations(store, year=2023, code=code)
            held += loser[0] == "conflict" and f"{LONGNAN}/{code}/2023" in loser[1] and now.status == winner and now.vintage == 1
    finally:
        racers.close()
    _report("approve vs return", url, mode, held, len(ids), time.perf_counter() - start)
    assert held == len(ids)
    counts = transitions_by_key(url, ["approve", "return"])
    assert [k for k in (f"{LONGNAN}/{c}/2023" for c in ids) if counts.get(k) != 1] == []
    assert inconsistencies(url) == []


@pytest.mark.parametrize("mode", MODES)
def test_two_reviewers_approving_the_same_figure(url: str, store: Store, mode: str) -> None:
    """Two reviewers approve one figure at once: one approval is recorded, the other reviewer gets a conflict."""
    ids = figures(store, 2023, [f"B{k:03d}" for k in range(TRIALS)])
    racers, held, start = Racers(store, mode), 0, time.perf_counter()
    try:
        for figure_id in ids.values():
            outcomes = racers.race((_approve_as, 0.0, ("reviewer-1", figure_id)), (_approve_as, 0.0, ("reviewer-2", figure_id)))
            held += sorted(kind for kind, _ in outcomes) == ["conflict", "ok"]
    finally:
        racers.close()
    _report("approve vs approve", url, mode, held, len(ids), time.perf_counter() - start)
    assert held == len(ids)
    counts = transitions_by_key(url, ["approve"])
    assert [c for c in ids if counts.get(f"{LONGNAN}/{c}/2023") != 1] == []
    assert {o.status for o in ob.observations(store, year=2023) if o.code in ids} == {"approved"}
    assert inconsistencies(url) == []


@pytest.mark.parametrize("mode", MODES)
def test_entries_of_the_same_vintage_and_entries_without_one(url: str, store: Store, mode: str) -> None:
    """Two typists change one figure from the same vintage: one change is kept, the other is a conflict, none is lost.

    Odd trials race a change that names its vintage with one that does not: the unversioned one is
    always refused, whatever the timing, and never replaces the other.
    """
    codes = [f"E{k:03d}" for k in range(TRIALS)]
    figures(store, 2023, codes)
    racers, held, start = Racers(store, mode), 0, time.perf_counter()
    try:
        for k, code in enumerate(codes):
            other = 1 if k % 2 == 0 else None  # same vintage, or none
            a, b = racers.race((_enter, 0.0, (code, 10.0, 1)), (_enter, 0.0, (code, 20.0, other)))
            history = ob.observations(store, year=2023, code=code, history=True)
            kept = history[-1].value
            if other is None:
                ok = a[0] == "ok" and b[0] == "conflict" and "vintage" in b[1] and kept == 10.0
            else:
                ok = sorted((a[0], b[0])) == ["conflict", "ok"] and kept == (10.0 if a[0] == "ok" else 20.0)
            held += ok and [o.vintage for o in history] == [1, 2] and sum(o.current for o in history) == 1
    finally:
        racers.close()
    _report("entries vs entries (with and without vintage)", url, mode, held, len(codes), time.perf_counter() - start)
    assert held == len(codes)
    assert inconsistencies(url) == []


@pytest.mark.parametrize("mode", MODES)
def test_lock_races_an_import_into_the_year(url: str, store: Store, mode: str) -> None:
    """``stpi lock`` while an import of 2,000 figures into the year runs: exactly one of them wins, in either order.

    Import first: the lock sees its submitted figures and refuses. Lock first: the import refuses to
    write into the locked year, and the locked figure it would change is never retired as a plain update.
    """
    trials = TRIALS
    years = list(range(2101, 2101 + trials))
    for year in years:  # one approved figure per year, so that each year can be locked
        figures(store, year, ["L000"], status="approved")
    t0 = time.perf_counter()
    _import(store, 2099, 2000)  # how long an import takes here, to spread the lock's start over it
    span = time.perf_counter() - t0
    rng = random.Random(10)
    racers, held, wins, start = Racers(store, mode), 0, {"import": 0, "lock": 0}, time.perf_counter()
    try:
        for k, year in enumerate(years):
            # even trials: the lock comes while the import runs; odd ones: the import comes while the lock runs
            a, b = racers.race((_import, 0.0, (year, 2000)), (_lock, rng.uniform(0, span) if k % 2 == 0 else 0.0, (year,)))
            n, first, is_locked = year_state(store, year)
            if a[0] == "ok":
                wins["import"] += 1
                ok = b[0] == "conflict" and f"{LONGNAN}/L000/{year}" in b[1] and not is_locked and n == 2000 and first == ("submitted", 2)
            else:
                wins["lock"] += 1
                ok = b[0] == "ok" and "locked" in a[1] and is_locked and n == 1 and first == ("locked", 1)
            held += ok
    finally:
        racers.close()
    _report(f"lock vs import of 2,000 figures (import first {wins['import']}, lock first {wins['lock']})", url, mode, held, trials, time.perf_counter() - start)
    assert held == trials
    locked = set(ob.locked_years(store))
    assert [e.key for e in store.audit(action="update", key="L000") if int(e.key.rsplit("/", 1)[1]) in locked] == []  # no locked figure retired as a plain update
    assert inconsistencies(url) == []
