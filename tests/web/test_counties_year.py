"""The counties page: complete and incomplete county years (opening year, 不完整 with the count), and a county plan's 县本级/乡镇 split beside its target."""

from __future__ import annotations

from starlette.testclient import TestClient

from stpi.store import Entry, Store
from stpi.store import observations as ob
from stpi.store.county_targets import TargetEntry, set_county_targets
from tests.web.conftest import login


def _every_county(store: Store, year: int, *, short: int = 0) -> None:
    """Every county's figure of every indicator in ``year`` (the last county ``short`` indicators fewer); approved."""
    counties = store.regions("county")
    indicators = store.plan().indicators
    entries = []
    for k, county in enumerate(counties):
        mine = indicators[: len(indicators) - short] if k == len(counties) - 1 else indicators
        entries += [Entry(county.code, i.code, str(year), i.target * (0.5 + k / 20)) for i in mine]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin", year=year)


def test_the_page_opens_on_the_full_year_and_marks_a_partial_one(client: TestClient, store: Store) -> None:
    _every_county(store, 2023)
    _every_county(store, 2024, short=4)
    last = store.regions("county")[-1].name
    login(client, "leader")
    full = client.get("/api/counties").json()
    assert full["years"] == [2023, 2024] and full["year"] == 2023 and full["complete"] is True and full["year_state"]["missing_count"] == 0
    assert all(r["status"] == "complete" and r["status_text"] == "" for r in full["ranking"])
    assert 'id="year-incomplete"' not in client.get("/counties").text
    partial = client.get("/api/counties?year=2024").json()
    assert partial["complete"] is False and partial["year_state"]["missing_count"] == 4 and partial["year_state"]["incomplete_counties"] == [last]
    row = next(r for r in partial["ranking"] if r["region"] == last)
    assert (row["status"], row["missing_count"], row["status_text"]) == ("incomplete", 4, "预估（不完整：4项未报）")
    assert all(r["complete"] for r in partial["ranking"] if r["region"] != last)
    html = client.get("/counties?year=2024").text
    assert 'id="year-incomplete"' in html and "预估（不完整：4项未报）" in html and f"未报齐的县区：{last}" in html
    assert "Estimate (incomplete: 4 not reported)" in client.get("/counties?year=2024&lang=en").text


def test_a_locked_partial_year_opens_the_page(client: TestClient, store: Store) -> None:
    _every_county(store, 2023)
    _every_county(store, 2024, short=2)
    ob.lock_year(store, 2024, actor="admin", force=True, reason="I31 数据暂缺")
    login(client, "leader")
    data = client.get("/api/counties").json()
    assert data["year"] == 2024 and data["year_state"]["locked"] is True and data["year_state"]["lock_label"] == "2024年评价已锁定（I31 数据暂缺）"


def test_a_county_plans_split_is_shown_beside_its_own_target(client: TestClient, store: Store) -> None:
    _every_county(store, 2023)
    set_county_targets(store, [TargetEntry("621202", "I13", 1.6, sub_targets="县本级 2.1;乡镇 1.0")], user=store.user("admin"), source="武都区方案.csv")
    login(client, "leader")
    data = client.get("/api/counties").json()
    i13 = next(r for r in data["targets"] if r["code"] == "I13")
    wudu = next(v for v in i13["values"] if v["region"] == "武都区")
    assert wudu["own"] is True and wudu["target"] == 1.6 and wudu["parts"] == [{"name": "县本级", "target": 2.1}, {"name": "乡镇", "target": 1.0}]
    other = next(v for v in i13["values"] if v["region"] != "武都区")
    assert other["own"] is False and other["parts"] == []
    html = client.get("/counties").text
    assert '<small class="split-target">县本级 2.1 · 乡镇 1</small>' in html
