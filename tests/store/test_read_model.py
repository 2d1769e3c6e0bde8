"""The read model: a snapshot equals a direct read of the store, is rebuilt only where the store changed, and is never stale."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stpi.analysis.derived import derive_indicators
from stpi.framework.embedded import embedded_variables
from stpi.readmodel import build, snapshot
from stpi.store import Store
from stpi.store import observations as ob
from stpi.store.notes import published_results
from stpi.store.settings import set_setting, settings as store_settings

LONGNAN = "621200"
KEY = ["region", "year", "indicator"]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEY).reset_index(drop=True)


def _write(store: Store, year: int, code: str, value: float, *, approve: bool = True) -> None:
    ob.write(store, [ob.Entry(LONGNAN, code, str(year), value, source="test")], actor="admin", status="submitted", revise=True, reason="test")
    if approve:
        ob.transition(store, "approve", actor="admin", year=year, regions=[LONGNAN], codes=[code])


def _same_as_store(store: Store) -> None:
    """Every part of the current snapshot equals what the store says when asked directly."""
    snap = snapshot(store)
    _, formulas = embedded_variables()
    for basis in ("latest", "evaluated"):
        direct = derive_indicators(ob.frame(store, basis=basis), formulas)
        assert _sorted(snap.figures(basis)).equals(_sorted(direct)), basis
        assert _sorted(snap.frame(basis=basis)).equals(_sorted(ob.frame(store, basis=basis)))
    assert sorted(snap.observations(), key=lambda o: o.id) == sorted(ob.observations(store), key=lambda o: o.id)
    assert sorted(snap.observations(history=True), key=lambda o: o.id) == sorted(ob.observations(store, history=True), key=lambda o: o.id)
    assert snap.locked_years() == ob.locked_years(store)
    mine, theirs = snap.plan(), store.plan()  # a Plan compares by identity: compare what it holds
    assert all(getattr(mine, f.name) == getattr(theirs, f.name) for f in dataclasses.fields(mine))
    assert snap.framework().fingerprint() == store.framework().fingerprint()
    assert snap.regions() == store.regions()
    assert snap.published_results() == published_results(store)
    assert dict(snap.settings) == store_settings(store)


def test_a_snapshot_is_what_the_store_holds(store: Store) -> None:
    _same_as_store(store)
    _write(store, 2024, "I03", 1.5)
    _write(store, 2025, "I07", 120.0, approve=False)
    _same_as_store(store)
    ob.lock_year(store, 2024, actor="admin")
    _same_as_store(store)


def test_nothing_changed_same_snapshot_one_figure_reloads_one_year(store: Store) -> None:
    _write(store, 2023, "I03", 1.0)
    _write(store, 2024, "I03", 1.2)
    first = snapshot(store)
    assert snapshot(store) is first  # no change: the very same object, nothing read but the counters
    first.figures()
    _write(store, 2024, "I03", 1.3)
    second = snapshot(store)
    assert second is not first
    assert second.years[2023] is first.years[2023]  # the year not written is shared, with what was derived from it
    assert second.years[2024] is not first.years[2024]
    assert second.plans is first.plans and second.regions_ is first.regions_ and second.settings is first.settings
    assert 1.3 in set(second.figures().query("year == 2024 and indicator == 'I03'")["value"])
    set_setting(store, "public_overview", "true", actor="admin")
    third = snapshot(store)
    assert third.years is second.years and third.settings["public_overview"] is True


def test_a_restore_is_seen_and_the_counters_only_grow(store: Store, tmp_path: Path) -> None:
    from stpi.store import backup

    _write(store, 2024, "I03", 1.5)
    path = tmp_path / "b.zip"
    backup.backup(store, path)
    before = snapshot(store)
    _write(store, 2024, "I03", 2.5)
    backup.restore(store, path)
    after = snapshot(store)
    assert all(after.generations.get(k, 0) >= v for k, v in before.generations.items())
    assert 1.5 in set(after.figures().query("year == 2024 and indicator == 'I03'")["value"])
    _same_as_store(store)


ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.sampled_from([2023, 2024, 2025]), st.sampled_from(["I03", "I07", "I15"]), st.floats(0.1, 99, allow_nan=False), st.booleans()),
        st.tuples(st.just("setting"), st.booleans()),
    ),
    min_size=1, max_size=6,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_random_writes_never_leave_a_stale_snapshot(tmp_path_factory: pytest.TempPathFactory, actions: list[tuple[object, ...]]) -> None:
    """After any sequence of writes, the incrementally updated snapshot equals one built from scratch, and the store."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('rm')}/s.db")
    try:
        snapshot(store)
        for action in actions:
            if action[0] == "write":
                _, year, code, value, approve = action
                _write(store, int(year), str(code), float(value), approve=bool(approve))  # type: ignore[arg-type]
            else:
                set_setting(store, "public_overview", "true" if action[1] else "false", actor="admin")
            incremental, fresh = snapshot(store), build(store)
            for basis in ("latest", "evaluated"):
                assert _sorted(incremental.figures(basis)).equals(_sorted(fresh.figures(basis)))
            assert sorted(incremental.observations(history=True), key=lambda o: o.id) == sorted(fresh.observations(history=True), key=lambda o: o.id)
            assert dict(incremental.settings) == dict(fresh.settings)
        _same_as_store(store)
    finally:
        store.close()


def test_readers_alongside_writers_see_every_write_they_follow(store: Store) -> None:
    """Threads read while others write: a read started after a write returned always sees it; no error anywhere."""
    errors: list[BaseException] = []
    done = threading.Event()
    written: list[float] = []

    def writer(k: int) -> None:
        try:
            for i in range(4):
                value = float(100 * k + i + 1)
                _write(store, 2024, ["I03", "I07"][k], value)
                seen = set(snapshot(store).figures().query(f"year == 2024 and indicator == '{['I03', 'I07'][k]}' and region == '陇南市'")["value"])
                assert value in seen, (value, seen)
                written.append(value)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    def reader() -> None:
        try:
            while not done.is_set():
                snapshot(store).figures()
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    writers = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    for t in readers:
        t.join()
    assert not errors, errors
    assert len(written) == 8
    _same_as_store(store)


def test_a_draft_keeps_what_was_computed_from_approved_figures(store: Store) -> None:
    """A draft changes the snapshot (the data page shows it) but not what is computed from approved figures; an approval does."""
    from stpi.queries.overview import overview

    _write(store, 2024, "I03", 1.0)
    first = snapshot(store)
    figures, view = first.figures(), overview(first)
    ob.write(store, [ob.Entry(LONGNAN, "I07", "2024", 130.0, source="test")], actor="admin", status="draft")
    second = snapshot(store)
    assert second is not first and any(o.code == "I07" and o.status == "draft" for o in second.observations(year=2024))
    assert second.approved_key() == first.approved_key()
    assert second.figures() is figures and overview(second) is view  # nothing recomputed for a draft
    _write(store, 2024, "I03", 1.1)
    third = snapshot(store)
    assert third.approved_key() != second.approved_key()
    assert third.figures() is not figures and 1.1 in set(third.figures().query("year == 2024 and indicator == 'I03'")["value"])
    assert overview(third) is not view
