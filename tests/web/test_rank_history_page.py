"""The overview's rank history: in the JSON twin, drawn from a page script (strict CSP), with its data table beneath."""

from __future__ import annotations

from starlette.testclient import TestClient

from stpi.store import Store


def test_no_history_without_figures(client: TestClient) -> None:
    data = client.get("/api/overview").json()
    assert data["ranks"]["years"] == [] and data["ranks"]["goal_rank"] == 9
    assert 'id="rank-history"' not in client.get("/").text


def test_history_and_its_table(client: TestClient, store: Store) -> None:
    from stpi.queries.demo import load_demo

    load_demo(store, years=(2024, 2025))
    ranks = client.get("/api/overview").json()["ranks"]
    assert ranks["years"] == [2024, 2025] and len(ranks["series"]) == 14 and ranks["series"][0]["self"]
    page = client.get("/").text
    assert 'data-chart="rank_history"' in page and "/static/pages/ranks.js" in page
    assert page.count('<tr class="self">') == 1 and "排名目标第9位" in page and "【演示数据】" in page
    en = client.get("/?lang=en").text
    assert "rank by year" in en and "The chart&#39;s data" in en
    assert client.get("/static/pages/ranks.js").status_code == 200
