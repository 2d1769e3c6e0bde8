"""Reliability: concurrent edits, a process killed mid-import, backup and restore across backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from pathlib import Path

import pytest

from stpi.errors import ConflictError, ForbiddenError, InputError, StpiError
from stpi.store import Entry, Store
from stpi.store import backup as bk
from stpi.store import bulk
from stpi.store import observations as ob
from stpi.store import rules

LONGNAN = "621200"


def test_concurrent_writers_of_the_same_figure_cannot_both_win(pg_url: str) -> None:
    """Two transactions on PostgreSQL both add vintage 2 of one figure: one must fail loudly."""
    st = Store(pg_url)
    ob.write(st, [Entry(LONGNAN, "I01", "2023", 1.0)], actor="admin")
    barrier = threading.Barrier(2)
    original = bulk.apply_write
    outcomes: list[str] = []

    def slow_apply(*args, **kwargs):  # type: ignore[no-untyped-def]
        barrier.wait(timeout=10)  # both have read vintage 1 before either writes
        return original(*args, **kwargs)

    def writer(value: float) -> None:
        try:
            ob.write(st, [Entry(LONGNAN, "I01", "2023", value)], actor=f"w{value}")
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    bulk.apply_write = slow_apply  # type: ignore[assignment]
    try:
        threads = [threading.Thread(target=writer, args=(v,)) for v in (2.0, 3.0)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        bulk.apply_write = original  # type: ignore[assignment]
    assert sorted(outcomes) == ["conflict", "ok"]
    history = ob.observations(st, code="I01", history=True)
    assert [o.vintage for o in history] == [1, 2] and sum(o.current for o in history) == 1
    st.close()


CHILD = textwrap.dedent(
    """
    import sys, time
    from stpi.store import Entry, Store
    from stpi.store import bulk, observations as ob
    original = bulk.apply_write
    def apply_then_hang(*args, **kwargs):
        original(*args, **kwargs)
        print("inserted", flush=True)
        time.sleep(60)  # killed here: rows are written but the transaction never commits
    bulk.apply_write = apply_then_hang
    store = Store(sys.argv[1])
    entries = [Entry("621200", f"I{k:02d}", str(year), float(year + k)) for year in range(1900, 2100) for k in range(1, 33)]
    ob.write(store, entries, actor="admin", upload=("big.csv", b"x" * 1000))
    """
)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_killed_import_leaves_nothing(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    Store(url).close()  # create and seed first
    with subprocess.Popen([sys.executable, "-c", CHILD, url], stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "inserted"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    time.sleep(0.2)
    st = Store(url)
    assert ob.observations(st) == [] and ob.uploads(st) == []
    ob.write(st, [Entry(LONGNAN, "I01", "2023", 1.0)], actor="admin")  # the store still works
    assert len(ob.observations(st)) == 1
    st.close()


def test_backup_restore_round_trip_sqlite_to_postgresql(sqlite_url: str, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STPI_HOME", str(tmp_path / "home"))  # the backup key is made there
    source = Store(sqlite_url)
    ob.write(source, [Entry(LONGNAN, "I01", "2023", 1.5, note="备注")], actor="admin", upload=("a.xlsx", b"\x00\x01binary"))
    ob.transition(source, "approve", actor="admin", year=2023)
    counts = bk.backup(source, tmp_path / "b.zip")
    assert counts["observation"] == 1 and counts["region"] == 24
    target = Store(pg_url)
    ob.write(target, [Entry(LONGNAN, "I09", "2020", 9.0)], actor="admin")  # replaced by the restore
    assert bk.restore(target, tmp_path / "b.zip") == counts
    assert [(o.code, o.value, o.status, o.note) for o in ob.observations(target)] == [("I01", 1.5, "approved", "备注")]
    assert ob.upload_content(target, 1) == b"\x00\x01binary"
    ob.write(target, [Entry(LONGNAN, "I02", "2023", 2.0)], actor="admin", upload=("b.csv", b"y"))  # sequences moved on
    assert len(ob.uploads(target)) == 2
    source.close()
    target.close()


def test_restore_of_a_corrupt_file_changes_nothing(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STPI_HOME", str(tmp_path / "home"))
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 1.0)], actor="admin")
    bk.backup(store, tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["observation.jsonl"] = parts["observation.jsonl"].replace(b"1.0", b"9.0")
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(InputError, match="校验和"):
        bk.restore(store, tmp_path / "bad.zip")
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="不是有效"):
        bk.restore(store, tmp_path / "junk.zip")
    assert [o.value for o in ob.observations(store)] == [1.0]


def test_rules_for_departments_counties_and_viewers(store: Store) -> None:
    from stpi.framework.embedded import embedded_variables
    from stpi.store import models as m
    from stpi.store.core import now

    with store.session() as s:
        hrss = s.query(m.DepartmentRow).filter_by(code="hrss").one()
        wudu = s.query(m.RegionRow).filter_by(code="621202").one()
        s.add_all([
            m.UserRow(username="hr", role="department", department_id=hrss.id, created_at=now()),
            m.UserRow(username="wd", role="county", region_id=wudu.id, created_at=now()),
            m.UserRow(username="boss", role="viewer", created_at=now()),
            m.UserRow(username="gone", role="admin", active=False, created_at=now()),
        ])
    hr, wd, boss = (rules.acting_user(store, u) for u in ("hr", "wd", "boss"))
    mine = {"I01", "I03", "I07", "I10", "I11", "I16", "I17"}
    _, formulas = embedded_variables()
    assert rules.writable_codes(store, hr) == mine | {v for c in mine if c in formulas for v in formulas[c].variables}
    assert "resident_population" in rules.writable_codes(store, hr)  # I01 is per 10,000 residents: its template asks for it
    rules.check_write(store, hr, {(LONGNAN, "I01")})
    with pytest.raises(ForbiddenError, match="I12"):
        rules.check_write(store, hr, {(LONGNAN, "I12")})
    with pytest.raises(ForbiddenError, match="621202"):  # a department reports the city's figures, not a county's
        rules.check_write(store, hr, {("621202", "I01")})
    rules.check_write(store, wd, {("621202", "I12")})
    with pytest.raises(ForbiddenError, match="621221"):
        rules.check_write(store, wd, {("621221", "I12")})
    with pytest.raises(ForbiddenError):
        rules.check_write(store, boss, {(LONGNAN, "I01")})
    with pytest.raises(ForbiddenError):
        rules.check_admin(hr, "审核")
    with pytest.raises(ForbiddenError, match="停用"):
        rules.acting_user(store, "gone")
    with pytest.raises(StpiError):
        rules.acting_user(store, "nobody")
