"""The department page shows one year at a time (year picker, ?year=), opens on the latest complete year, and says when a year is partial."""

from __future__ import annotations

from starlette.testclient import TestClient

from stpi.store import Entry, Store
from stpi.store import observations as ob
from tests.queries.seeds import CITY, city_2023
from tests.web.conftest import login
from tests.web.test_indicators import city_2024


def _partial_2025(store: Store) -> list[str]:
    """Only the first 5 indicators of 2025 approved: the year is incomplete."""
    chosen = store.plan().indicators[:5]
    ob.write(store, [Entry(CITY, i.code, "2025", i.target) for i in chosen], actor="admin")
    ob.transition(store, "approve", actor="admin", year=2025)
    return [i.code for i in chosen]


def test_the_page_opens_on_the_latest_complete_year_and_shows_only_that_year(client: TestClient, store: Store) -> None:
    city_2023(store)
    values_2024 = city_2024(store)
    reported = _partial_2025(store)
    login(client, "keji")
    data = client.get("/api/departments/sci").json()
    assert data["year"] == 2024 and data["years"][-1] == 2025 and data["complete"] is True and data["status"] == "complete"
    by_code = {i["code"]: i for i in data["indicators"]}
    assert all("latest" not in i for i in data["indicators"])  # no mix of years: each value is the shown year's
    for code, row in by_code.items():
        assert row["value"] is not None and abs(row["value"] - values_2024[code]) < 1e-9
    html = client.get("/departments/sci").text
    assert '<select id="year" name="year">' in html and '<option value="2024" selected>' in html and "2024年值" in html
    assert 'id="year-incomplete"' not in html

    partial = client.get("/api/departments/sci?year=2025").json()
    mine = [i["code"] for i in partial["indicators"]]
    unreported = [c for c in mine if c not in reported]
    assert partial["year"] == 2025 and partial["complete"] is False and partial["year_state"]["missing_count"] == 32 - len(reported)
    assert partial["status"] == "incomplete" and partial["missing"] == unreported
    assert all(i["value"] is None and i["status_text"] == "未报" for i in partial["indicators"] if i["code"] in unreported)
    assert all(i["value"] is not None for i in partial["indicators"] if i["code"] in reported)
    page = client.get("/departments/sci?year=2025").text
    assert 'id="year-incomplete"' in page and f"2025年数据尚不完整：{32 - len(reported)}项指标未报（其中本部门{len(unreported)}项）" in page
    assert partial["status_text"] == f"不完整：本部门 {len(unreported)} 项未报"
    assert '<option value="2025" selected>' in page and "2025年值" in page
    a = partial["assessment"]
    assert a["year"] == 2025 and a["complete"] is False and 'id="assess-incomplete"' in page
    assert f"2025 is incomplete: {32 - len(reported)} indicators not reported" in client.get("/departments/sci?year=2025&lang=en").text


def test_the_list_carries_the_years_state(client: TestClient, store: Store) -> None:
    city_2023(store)
    _partial_2025(store)
    login(client, "leader")
    assert client.get("/api/departments").json()["year"] == 2023  # the latest complete year
    partial = client.get("/api/departments?year=2025").json()
    assert partial["complete"] is False and partial["year_state"]["missing_count"] == 27
    assert 'id="year-incomplete"' in client.get("/departments?year=2025").text and 'id="year-incomplete"' not in client.get("/departments").text
