"""The assessment of an incomplete year says so: its JSON, the DOCX (a bold note after the title) and the XLSX banner; a complete year says nothing of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook

from stpi.queries.assessment import gather_assessment
from stpi.reports.assessment_doc import assessment_payload, write_assessment
from stpi.store import Entry, Store
from stpi.store import observations as ob
from tests.queries.seeds import CITY, city_2023
from tests.readkit import read


@pytest.fixture
def partial(tmp_path: Path) -> Iterator[Store]:
    """2023 complete; of 2024 only the first 6 indicators approved."""
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    city_2023(store)
    ob.write(store, [Entry(CITY, i.code, "2024", i.target) for i in store.plan().indicators[:6]], actor="admin")
    ob.transition(store, "approve", actor="admin", year=2024)
    yield store
    store.close()


def _docx_text(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def test_a_partial_year_is_stated_in_every_form(partial: Store, tmp_path: Path) -> None:
    plan, a = gather_assessment(read(partial), year=2024)
    assert len(a.missing) == 26 and a.missing[0] == plan.indicators[6].code
    payload = assessment_payload(a, plan)
    assert payload["complete"] is False and len(payload["missing"]) == 26 and "26项指标未报" in payload["incomplete"]
    text = _docx_text(write_assessment(a, plan, tmp_path / "a.docx"))
    notes = [t for t in text if "数据尚不完整" in t]
    assert notes == [f"注：2024年数据尚不完整，26项指标未报（{'、'.join(a.missing[:10])}等），进度达成分按已报数据计算，为预估，待数据报齐后更新。"]
    assert text.index(notes[0]) < next(i for i, t in enumerate(text) if t.startswith("一") or "汇总" in t or "Summary" in t)  # before the tables
    ws = load_workbook(write_assessment(a, plan, tmp_path / "a.xlsx")).worksheets[0]
    banner = " ".join(str(c.value) for row in ws.iter_rows(max_row=2) for c in row if c.value)
    assert "2024年数据尚不完整，26项指标未报" in banner


def test_a_complete_year_says_nothing_of_it(partial: Store, tmp_path: Path) -> None:
    plan, a = gather_assessment(read(partial), year=2023)
    assert a.missing == () and assessment_payload(a, plan)["complete"] is True
    assert not any("不完整" in t for t in _docx_text(write_assessment(a, plan, tmp_path / "b.docx")))
