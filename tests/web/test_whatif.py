"""The what-if page: start values, the index, groups and rank at typed values, bad input, the form without JavaScript."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.testclient import TestClient

from stpi.analysis.demo_peers import DEMO_LABEL, demo_peer_results
from stpi.analysis.index import compute_index
from stpi.analysis.values import values_from_frame
from stpi.engine import Aggregate, Recipe
from stpi.store import Entry, Store, notes
from stpi.store import models as m
from stpi.store import observations as ob
from tests.web.conftest import csrf_of, login

CITY = "621200"


def _targets(store: Store) -> dict[str, float]:
    return {i.code: i.target for i in store.plan().indicators}


def _post(client: TestClient, token: str, values: dict[str, object], year: int | None = None) -> dict[str, object]:
    r = client.post("/api/whatif", json={"year": year, "values": values}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_whatif_needs_an_account_and_a_csrf_token(client: TestClient) -> None:
    assert client.get("/api/whatif").status_code == 401
    r = client.get("/whatif", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/whatif"
    token = login(client, "leader")
    assert client.post("/api/whatif", json={"values": {"I01": 1.0}}).status_code == 403  # no X-CSRF-Token
    assert client.post("/api/whatif", json={"values": {"I01": 1.0}}, headers={"X-CSRF-Token": token + "x"}).status_code == 403
    assert client.post("/whatif", data={"I01": "1"}).status_code == 403  # the form without its csrf_token


def test_start_is_the_latest_known_value_with_baselines_filling_gaps(client: TestClient, store: Store) -> None:
    plan, fw = store.plan(), store.framework()
    ob.write(store, [Entry(CITY, "I01", "2023", 900.0), Entry(CITY, "I05", "2023", 3.5)], actor="admin")
    ob.transition(store, "approve", actor="admin")
    login(client, "keji")
    data = client.get("/api/whatif").json()
    assert data["year"] == 2023 and data["years"] == [2022, 2023] and data["changed"] == []
    rows = {r["code"]: r for r in data["indicators"]}
    assert (rows["I01"]["start"], rows["I01"]["start_year"]) == (900.0, 2023)
    assert (rows["I02"]["start"], rows["I02"]["start_year"]) == (plan.indicator("I02").baseline, 2022)
    assert rows["I28"]["start"] is None and rows["I28"]["score"] is None  # no baseline, no figure
    known = [(plan.region, 2023, c, r["start"]) for c, r in rows.items() if r["start"] is not None]
    expected = compute_index(fw, values_from_frame(pd.DataFrame(known, columns=["region", "year", "indicator", "value"]), fw), Recipe(aggregate=Aggregate(missing="reweight")))
    assert data["index"]["start"] == pytest.approx(float(expected.root[0, 0]), abs=1e-12) and data["index"]["change"] == 0
    earlier = client.get("/api/whatif?year=2022").json()
    assert {r["code"]: r["start"] for r in earlier["indicators"]}["I01"] == plan.indicator("I01").baseline
    assert client.get("/api/whatif?year=2019").status_code == 422  # no figures in that year
    page = client.get("/whatif").text
    assert f'id="whatif-index">{data["index"]["value"]:.2f}<' in page and 'data-code="I01"' in page and 'value="900.0"' in page
    assert "<small>(2022)</small>" in page  # a start value older than the start year says so


def test_all_targets_give_the_plans_goal_and_move_groups_and_rank(client: TestClient, store: Store) -> None:
    token = login(client, "leader")
    start = client.get("/api/whatif").json()
    data = _post(client, token, _targets(store))
    assert data["index"]["value"] == pytest.approx(43.26, abs=1e-9)  # the illustrative rule: every target met gives the goal
    assert data["index"]["change"] == pytest.approx(43.26 - start["index"]["start"], abs=1e-9)
    assert all(g["value"] == pytest.approx(43.26) for g in data["groups"] + data["areas"])
    assert len(data["groups"]) == 12 and len(data["areas"]) == 5 and len(data["changed"]) == 32
    assert sum(r["contribution"] for r in data["indicators"]) == pytest.approx(43.26, abs=1e-9)
    peers = {r.name for r in store.regions("city")} - {store.plan().region}
    latest = [pts[-1][1] for pts in demo_peer_results(sorted(peers)).values() if pts]
    assert data["rank"] == {"rank": 1 + sum(v > data["index"]["value"] for v in latest), "start": 1 + sum(v > start["index"]["start"] for v in latest),
                            "of": len(latest) + 1, "demo": True, "label": DEMO_LABEL, "peer_years": [2018, 2022]}
    assert data["rank"]["rank"] < data["rank"]["start"]
    page = client.get("/whatif").text
    assert DEMO_LABEL in page and "示意参数" in page and f'id="whatif-rank">{start["rank"]["start"]}<' in page


def test_rank_among_published_peers(client: TestClient, store: Store) -> None:
    for region, points in {"兰州市": [(2022, 50.0), (2023, 60.0)], "嘉峪关市": [(2023, 65.61)], "金昌市": [(2022, 35.0), (2023, 30.0)]}.items():
        for year, value in points:
            notes.add_published_result(store, region=region, year=year, index_value=value, rank=None, source="省科技厅通报", actor="admin")
    token = login(client, "admin")
    start = client.get("/api/whatif").json()
    assert start["rank"] == {"rank": 3, "start": 3, "of": 4, "demo": False, "label": "", "peer_years": [2022, 2023]}
    everything = _post(client, token, dict.fromkeys(_targets(store), 1e9))  # every indicator far past its standard
    assert everything["index"]["value"] == pytest.approx(100.0) and everything["rank"]["rank"] == 1
    assert _post(client, token, {"I01": None})["indicators"][0]["score"] is None  # null: no figure
    page = client.get("/whatif").text
    assert DEMO_LABEL not in page and "2022–2023" in page


@pytest.mark.parametrize("literal", ['"abc"', "1e13", "-1e400", "NaN", "Infinity", "true", '[1]'])
def test_bad_values_are_422_naming_the_indicator(client: TestClient, literal: str) -> None:
    token = login(client, "leader")
    body = '{"values": {"I01": 100, "I05": %s}}' % literal
    r = client.post("/api/whatif", content=body.encode(), headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    data = r.json()
    named = [str(p["field"]).split(".")[-1] for p in data.get("problems", [])] + [d["loc"][-1] for d in data.get("detail", [])]
    assert set(named) == {"I05"}  # FastAPI's detail and the problems in the user's words both name it


def test_unknown_codes_and_years_are_422(client: TestClient) -> None:
    token = login(client, "leader")
    r = client.post("/api/whatif", json={"values": {"I99": 1, "<b>": 2}}, headers={"X-CSRF-Token": token})
    assert r.status_code == 422 and [p["field"] for p in r.json()["problems"]] == ["I99", "<b>"]
    assert client.post("/api/whatif", json={"year": 1800, "values": {}}, headers={"X-CSRF-Token": token}).status_code == 422
    assert client.post("/api/whatif", json={"year": 2030, "values": {}}, headers={"X-CSRF-Token": token}).status_code == 422


def test_the_form_works_without_javascript(client: TestClient, store: Store) -> None:
    login(client, "renshe")
    page = client.get("/whatif")
    token = csrf_of(page.text)
    start = client.get("/api/whatif").json()["index"]["start"]
    r = client.post("/whatif", data={"csrf_token": token, "year": "2022", "I01": "2000", "action": "compute"})
    changed = _post(client, token, {"I01": 2000.0})
    assert r.status_code == 200 and f'id="whatif-index">{changed["index"]["value"]:.2f}<' in r.text and 'value="2000"' in r.text
    assert changed["index"]["value"] > start
    r = client.post("/whatif", data={"csrf_token": token, "year": "2022", "to_target": "I05"})
    one = _post(client, token, {"I05": _targets(store)["I05"]})
    assert f'id="whatif-index">{one["index"]["value"]:.2f}<' in r.text
    r = client.post("/whatif", data={"csrf_token": token, "year": "2022", "action": "all_target"})
    assert 'id="whatif-index">43.26<' in r.text
    r = client.post("/whatif", data={"csrf_token": token, "year": "2022", "I05": "12abc", "I01": "2000"})
    assert r.status_code == 422
    assert 'id="err-I05">' in r.text and 'aria-invalid="true"' in r.text and 'value="12abc"' in r.text
    assert f'id="whatif-index">{changed["index"]["value"]:.2f}<' in r.text  # the good value still counts
    assert client.post("/whatif", data={"csrf_token": token, "year": "twenty"}).status_code == 422


def test_names_with_markup_render_as_text(client: TestClient, store: Store) -> None:
    with store.session() as s:
        row = s.scalars(select(m.PlanRow).order_by(m.PlanRow.id.desc())).first()
        assert row is not None
        row.content = row.content.replace("name: 万人专业技术人员数", "name: <script>alert(1)</script>万人").replace("name: 市人社局", "name: <b>市人社局</b>")
    login(client, "leader")
    page = client.get("/whatif").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;万人" in page and "<script>alert(1)" not in page
    assert "&lt;b&gt;市人社局&lt;/b&gt;" in client.get("/goalseek").text


def test_raising_any_one_indicator_never_lowers_the_index(store: Store) -> None:
    from stpi.queries.whatif import make_scenario, whatif

    sc = make_scenario(store.plan(), store.framework(), pd.DataFrame(columns=["region", "year", "indicator", "value"]), {})
    codes = list(sc.codes)
    value = st.floats(min_value=-1e6, max_value=1e9, allow_nan=False)

    @settings(max_examples=150, deadline=None)
    @given(st.dictionaries(st.sampled_from(codes), st.one_of(st.none(), value)), st.sampled_from(codes), value, st.floats(min_value=0, max_value=1e9))
    def check(others: dict[str, float | None], code: str, low: float, step: float) -> None:
        before = whatif(sc, {**others, code: low})["index"]["value"]
        after = whatif(sc, {**others, code: low + step})["index"]["value"]
        assert before is not None and after is not None and math.isfinite(after)
        assert after >= before - 1e-9 * max(1.0, abs(before))

    check()
