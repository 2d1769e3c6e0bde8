"""The store on SQLite and PostgreSQL: seeding, all-or-nothing writes, vintages, workflow, audit."""

from __future__ import annotations

import pytest

from stpi.errors import ConflictError, InputError, NotFoundError
from stpi.framework import default_plan, embedded_framework
from stpi.store import Entry, Store
from stpi.store import observations as ob

LONGNAN = "621200"


def test_first_use_seeds_the_embedded_default(store: Store) -> None:
    regions = store.regions()
    assert len(regions) == 24
    assert len(store.regions("county")) == 9 and all(r.parent == LONGNAN for r in store.regions("county"))
    assert len(store.regions("city")) == 14
    assert store.region("陇南市").code == LONGNAN and store.region("Longnan").code == LONGNAN
    assert store.framework().fingerprint() == embedded_framework().fingerprint()
    plan = store.plan()
    assert plan.region == "陇南市" and len(plan.indicators) == 32 and len(plan.departments) == 18
    assert [i.lead for i in plan.indicators] == [i.lead for i in default_plan().indicators]
    assert store.user("admin").role == "admin"
    assert store.audit(action="seed")


def test_reopening_does_not_seed_twice(store: Store) -> None:
    again = Store(store.url)
    assert len(again.regions()) == 24 and len(again.audit(action="seed")) == 1
    again.close()


def test_write_is_all_or_nothing(store: Store) -> None:
    entries = [Entry(LONGNAN, "I01", "2023", 200.0), Entry("999999", "I02", "2023", 1.0), Entry(LONGNAN, "I03", "2023x", 1.0)]
    with pytest.raises(InputError) as info:
        ob.write(store, entries, actor="admin", upload=("bad.csv", b"x"))
    assert [(p.row, p.field) for p in info.value.problems] == [(2, "region"), (3, "period")]
    assert ob.observations(store) == [] and ob.uploads(store) == []


def test_change_adds_a_vintage_and_keeps_the_old(store: Store) -> None:
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 200.0, source="人社局")], actor="admin")
    result = ob.write(store, [Entry(LONGNAN, "I01", "2023", 201.5, source="人社局")], actor="admin")
    assert result.written == 1
    same = ob.write(store, [Entry(LONGNAN, "I01", "2023", 201.5, source="人社局")], actor="admin")
    assert (same.written, same.unchanged) == (0, 1)
    history = ob.observations(store, code="I01", history=True)
    assert [(o.vintage, o.value, o.current) for o in history] == [(1, 200.0, False), (2, 201.5, True)]
    audit = store.audit(entity="observation")
    assert [(a.action, a.key, a.old, a.new) for a in audit] == [("update", f"{LONGNAN}/I01/2023", "200.0", "201.5")]
    batches = store.audit(entity="batch")  # each write: who, when, how many new and changed
    assert [b.new for b in batches] == ["0 new, 0 changed, 1 unchanged", "0 new, 1 changed, 0 unchanged", "1 new, 0 changed, 0 unchanged"]
    assert [(o.created_by, o.vintage) for o in history] == [("admin", 1), ("admin", 2)]


def test_stale_edit_is_a_conflict(store: Store) -> None:
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 200.0)], actor="admin")
    seen = ob.observations(store, code="I01")[0].vintage
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 210.0, expected_vintage=seen)], actor="alice")
    with pytest.raises(ConflictError, match="他人修改"):
        ob.write(store, [Entry(LONGNAN, "I01", "2023", 220.0, expected_vintage=seen)], actor="bob")
    assert ob.observations(store, code="I01")[0].value == 210.0


def test_workflow_approve_return_lock_and_revise(store: Store) -> None:
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 200.0), Entry(LONGNAN, "I02", "2023", 40.0)], actor="admin")
    assert ob.frame(store).empty  # nothing approved yet
    with pytest.raises(InputError, match="意见"):
        ob.transition(store, "return", actor="admin", year=2023, codes=["I02"])
    assert ob.transition(store, "return", actor="admin", year=2023, codes=["I02"], comment="口径不对") == 1
    assert ob.transition(store, "approve", actor="admin", year=2023) == 1  # only I01 is submitted
    with pytest.raises(ConflictError, match="returned"):
        ob.lock_year(store, 2023, actor="admin")
    ob.write(store, [Entry(LONGNAN, "I02", "2023", 41.0, note="按新口径")], actor="admin")
    ob.transition(store, "approve", actor="admin", year=2023)
    assert ob.lock_year(store, 2023, actor="admin") == 2
    assert ob.locked_years(store) == [2023]
    with pytest.raises(InputError, match="锁定"):
        ob.write(store, [Entry(LONGNAN, "I01", "2023", 205.0)], actor="admin")
    with pytest.raises(InputError, match="锁定"):  # a revision needs a reason
        ob.write(store, [Entry(LONGNAN, "I01", "2023", 205.0)], actor="admin", revise=True)
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 205.0)], actor="admin", revise=True, reason="统计局年报修订")
    pending = ob.frame(store).set_index("indicator")["value"].to_dict()
    assert pending == {"I01": 200.0, "I02": 41.0}  # a revision awaiting approval leaves the approved figure in force
    ob.transition(store, "approve", actor="admin", year=2023)
    latest = ob.frame(store).set_index("indicator")["value"].to_dict()
    evaluated = ob.frame(store, basis="evaluated").set_index("indicator")["value"].to_dict()
    assert latest == {"I01": 205.0, "I02": 41.0} and evaluated == {"I01": 200.0, "I02": 41.0}
    revision = store.audit(action="revise")[0]
    assert (revision.old, revision.new, revision.reason) == ("200.0", "205.0", "统计局年报修订")


def test_in_year_estimates_never_mix_with_the_final_figure(store: Store) -> None:
    ob.write(store, [Entry(LONGNAN, "I01", "2024Q1", 50.0), Entry(LONGNAN, "I01", "2024M03", 51.0), Entry(LONGNAN, "I01", "2024", 200.0)], actor="admin")
    ob.transition(store, "approve", actor="admin", year=2024)
    assert ob.frame(store)["value"].tolist() == [200.0]
    assert {o.period for o in ob.observations(store, year=2024)} == {"2024", "2024Q1", "2024M03"}


def test_upload_is_archived_with_checksum_and_linked(store: Store) -> None:
    content = "region,year,indicator,value\n621200,2023,I01,1\n".encode()
    result = ob.write(store, [Entry(LONGNAN, "I01", "2023", 1.0)], actor="admin", upload=("f.csv", content))
    (up,) = ob.uploads(store)
    assert up.id == result.upload_id and up.rows == 1 and up.size == len(content)
    assert ob.upload_content(store, up.id) == content
    assert ob.observations(store)[0].upload_id == up.id
    import hashlib

    assert up.sha256 == hashlib.sha256(content).hexdigest()


def test_unknown_names_list_the_valid_ones(store: Store) -> None:
    with pytest.raises(NotFoundError, match="approve"):
        ob.transition(store, "publish", actor="admin")
    with pytest.raises(NotFoundError):
        store.region("火星市")
