"""An indicator without a baseline (I28) on the overview, the indicator page and the bulletin: measured from 2023, and labelled so."""

from __future__ import annotations

from stpi.queries.bulletin import gather_bulletin
from stpi.queries.indicator import indicator_page
from stpi.queries.overview import overview
from stpi.store import Entry, Store
from stpi.store import observations as ob
from tests.queries.seeds import CITY
from tests.readkit import read

LABEL = "基期缺失,以2023年为起点"


def _i28(store: Store) -> None:
    ob.write(store, [Entry(CITY, "I28", "2023", 0.010), Entry(CITY, "I28", "2024", 0.0102)], actor="admin")
    ob.transition(store, "approve", actor="admin")


def test_overview_indicator_page_and_bulletin_say_where_i28_is_measured_from(store: Store) -> None:
    _i28(store)
    row = next(r for r in overview(read(None), year=2024)["indicators"] if r["code"] == "I28")
    assert row["status"] == "limited" and row["status_text"] == f"进展有限({LABEL})" and row["start_year"] == 2023
    first = next(r for r in overview(read(None), year=2023)["indicators"] if r["code"] == "I28")
    assert first["status"] == "baseline_only" and first["status_text"] == LABEL  # its start year: never 无数据
    page = indicator_page(read(None), "I28")["status"]
    assert page["year"] == 2024 and page["status_text"] == f"进展有限({LABEL})" and page["start_year"] == 2023
    b = gather_bulletin(read(None), year=2024, top=40)
    line = next(m for light in b.lights.values() for m in light if m.label.startswith("28."))
    assert line.cells[-1] == f"进展有限({LABEL})"
    others = next(r for r in overview(read(None), year=2024)["indicators"] if r["code"] == "I01")
    assert LABEL not in others["status_text"] and others["start_year"] == 2022
