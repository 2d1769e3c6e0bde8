"""A reporter may not replace another department's figure in progress (a draft, submitted or returned), through any door."""

from __future__ import annotations

from pathlib import Path

import pytest

from stpi.errors import InputError
from stpi.queries.data_page import save_entries
from stpi.store import Store
from stpi.store import observations as ob
from stpi.store.accounts import add_user
from stpi.submissions import import_submission

PASSWORD = "correct-horse-42"


@pytest.fixture
def store(sqlite_url: str) -> Store:
    st = Store(sqlite_url)
    add_user(st, "hr1", role="department", actor="admin", department="hrss", password=PASSWORD)  # 市人社局: lead of I07
    add_user(st, "hr2", role="department", actor="admin", department="hrss", password=PASSWORD)
    add_user(st, "sci1", role="department", actor="admin", department="sci", password=PASSWORD)  # 市科技局: responsible for I07
    return st


def test_uploads_and_entries_keep_off_another_departments_draft(store: Store, tmp_path: Path) -> None:
    ob.write(store, [ob.Entry("621200", "I07", "2031", 120.0)], actor="sci1", status="draft")
    csv = tmp_path / "hr.csv"
    csv.write_text("地区,年度,指标,数值\n621200,2031,I07,130\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_submission(store, str(csv), actor="hr1", status="draft")
    assert "其他单位" in info.value.problems[0].reason and info.value.problems[0].value == "sci1"
    (current,) = ob.observations(store, year=2031, code="I07")
    with pytest.raises(InputError):
        save_entries(store, username="hr1", items=[{"region": "621200", "year": 2031, "code": "I07", "value": "131", "vintage": current.vintage}])
    assert [o.value for o in ob.observations(store, year=2031, code="I07")] == [120.0] and ob.observations(store, year=2031, code="I07")[0].vintage == current.vintage
    # a colleague of the same department may, and the bureau may
    ob.write(store, [ob.Entry("621200", "I07", "2032", 120.0)], actor="hr2", status="draft")
    csv2 = tmp_path / "hr2.csv"
    csv2.write_text("地区,年度,指标,数值\n621200,2032,I07,135\n", encoding="utf-8")
    import_submission(store, str(csv2), actor="hr1", status="draft")
    assert [o.value for o in ob.observations(store, year=2032, code="I07")] == [135.0]
    import_submission(store, str(csv), actor="admin", status="draft")
    assert [o.value for o in ob.observations(store, year=2031, code="I07")] == [130.0]


def test_an_approved_figure_is_anyones_to_revise(store: Store, tmp_path: Path) -> None:
    ob.write(store, [ob.Entry("621200", "I07", "2033", 120.0)], actor="sci1", status="submitted")
    ob.transition(store, "approve", actor="admin", year=2033)
    csv = tmp_path / "hr.csv"
    csv.write_text("地区,年度,指标,数值,备注\n621200,2033,I07,125,\n", encoding="utf-8")
    import_submission(store, str(csv), actor="hr1", status="draft")
    assert sorted(o.status for o in ob.observations(store, year=2033, code="I07", history=True)) == ["approved", "draft"]
