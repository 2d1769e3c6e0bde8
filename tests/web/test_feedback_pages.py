"""The overview and indicator pages show own computation against the province's feedback report, and their JSON twins."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from stpi.numbers import number
from stpi.store import Store
from tests.queries.seeds import city_2023
from tests.queries.test_published_queries import SOURCE, feedback
from tests.web.conftest import login


def test_pages_show_published_own_and_difference(client: TestClient, store: Store, tmp_path: Path) -> None:
    city_2023(store)
    published = feedback(store, tmp_path / "fb.csv", {"I07": -2.0})
    data = client.get("/api/overview?year=2023").json()
    rows = {r["code"]: r for r in data["feedback"]["rows"]}
    assert len(rows) == 50 and rows["I07"]["published"] == published["I07"]
    page = client.get("/?year=2023").text
    assert 'id="feedback-table"' in page and "省评价反馈与本市计算对比" in page and SOURCE in page
    assert number(published['I07']) in page and '<td class="n">+2</td>' in page and "示意参数" in page
    login(client, "admin")
    ind = client.get("/api/indicators/I07").json()["feedback"]
    assert ind["rows"][0]["year"] == 2023 and ind["parameters"]["kind"] == "illustrative"
    page = client.get("/indicators/I07").text
    assert 'id="feedback-table"' in page and '<td class="n">+2</td>' in page and SOURCE in page
    listing = client.get("/api/indicators?year=2023").json()
    i07 = next(r for a in listing["areas"] for g in a["groups"] for r in g["indicators"] if r["code"] == "I07")
    assert i07["feedback"]["published"] == published["I07"] and listing["feedback"]["year"] == 2023
    page = client.get("/indicators?year=2023").text
    assert '<td class="n">+2</td>' in page and 'id="feedback-parameters"' in page
