"""The indicators list and the indicator page, with their JSON twins, on figures written through the store API."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from stpi import service
from stpi.numbers import number
from stpi.store import Entry, Store
from stpi.store import observations as ob
from tests.queries.seeds import CITY, city_2023
from tests.web.conftest import login
from tests.readkit import read, plan_fw


def city_2024(store: Store) -> dict[str, float]:
    """2024 figures of the city: 60% of the way to the target, every third indicator below its baseline; approved."""
    values = {}
    for i in store.plan().indicators:
        values[i.code] = i.target if i.baseline is None else i.baseline + (i.target - i.baseline) * (-0.1 if i.no % 3 == 0 else 0.6)
    ob.write(store, [Entry(CITY, code, "2024", v, source="市统计局年鉴") for code, v in values.items()], actor="admin")
    ob.transition(store, "approve", actor="admin")
    return values


@pytest.fixture
def seeded(store: Store) -> dict[str, float]:
    """Approved city figures for 2023 and 2024; returns the 2024 values."""
    city_2023(store)
    return city_2024(store)


def test_list_groups_all_indicators_with_the_latest_figures(client: TestClient, store: Store, seeded: dict[str, float]) -> None:
    login(client, "leader")
    data = client.get("/api/indicators").json()
    assert data["year"] == 2024 and data["years"] == [2022, 2023, 2024] and data["count"] == 32 and data["illustrative"] is True
    assert len(data["areas"]) == 5 and sum(len(a["groups"]) for a in data["areas"]) == 12
    rows = [r for a in data["areas"] for g in a["groups"] for r in g["indicators"]]
    assert [r["no"] for r in rows] == list(range(1, 33))  # every indicator once, in the plan's order
    assert {r["code"]: r["latest"] for r in rows} == pytest.approx(seeded)
    assert sum(data["lights"].values()) == 32 and data["lights"]["red"] >= 10  # every third fell below its baseline
    overview = client.get("/api/overview?year=2024").json()
    assert {r["code"]: r["light"] for r in rows} == {r["code"]: r["light"] for r in overview["indicators"]}
    page = client.get("/indicators")
    assert page.status_code == 200 and "示意参数" in page.text
    i01 = rows[0]
    assert f"{i01['latest']:.2f}" in page.text and 'href="/indicators/I01"' in page.text and 'href="/departments/hrss"' in page.text
    older = client.get("/api/indicators?year=2023").json()
    assert older["year"] == 2023 and older["areas"][0]["groups"][0]["indicators"][0]["value"] == pytest.approx(194.76 + (197.02 - 194.76) * 0.25)


def test_indicator_page_has_definition_parameters_trend_owners_history_and_contribution(client: TestClient, store: Store, seeded: dict[str, float]) -> None:
    ob.write(store, [Entry(CITY, "I01", "2024", 196.5, source="<script>alert(1)</script>", note="修订 revised")], actor="admin")  # a second vintage
    ob.transition(store, "approve", actor="admin", codes=["I01"])
    login(client, "keji")
    d = client.get("/api/indicators/I01").json()
    plan, fw = plan_fw(None)
    ind, node = plan.indicator("I01"), fw.node("I01")
    assert d["name"] == ind.name and d["unit"] == "人" and d["group"]["code"] == "G01" and d["area"]["code"] == "A1"
    assert d["parameters"]["standard"] == node.standard and d["parameters"]["standard_provenance"]["kind"] == "assumed"
    assert "年末常住人口" in d["formula"]["readable"] and {v["code"] for v in d["formula"]["variables"]} == {"professional_technical_personnel", "resident_population"}
    assert d["trend"]["years"] == [2022, 2023, 2024] and d["trend"]["values"][0] == ind.baseline and d["trend"]["values"][2] == 196.5
    assert d["trend"]["path"][0] == ind.baseline and d["trend"]["path"][-1] == ind.target and d["trend"]["path_years"][-1] == plan.target_year
    assert [x["code"] for x in d["lead"]] == ["hrss"] and "sci" in [x["code"] for x in d["responsible"]]
    assert d["measures"] == ind.measures and d["status"]["year"] == 2024
    vintages = [(h["period"], h["vintage"], h["current"], h["status"]) for h in d["history"] if h["code"] == "I01"]
    assert vintages == [("2024", 2, True, "approved"), ("2024", 1, False, "approved"), ("2023", 1, True, "approved")]
    recipe = service.make_recipe("reweight", "ratio", "arithmetic")
    results, _ = service.compute_store(read(None), recipe)
    engine = results[0].contributions(plan.region, 2024).set_index("code").loc["I01"]  # computed from the store, not from the track
    c = d["contribution"]
    assert c["year"] == 2024 and c["contribution"] == pytest.approx(engine["contribution"]) and c["headroom"] == pytest.approx(engine["headroom"])
    assert c["index"] == pytest.approx(client.get("/api/overview?year=2024").json()["index"]["value"])
    page = client.get("/indicators/I01")
    assert page.status_code == 200 and 'data-chart="indicator_trend"' in page.text and "/static/pages/indicator.js" in page.text
    assert number(c['contribution']) in page.text and number(node.standard) in page.text and ind.measures in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert(1)" not in page.text
    assert 'href="/departments/hrss"' in page.text and "示意参数" in page.text


def test_indicator_by_number_quality_note_and_sub_targets(client: TestClient) -> None:
    login(client, "leader")
    d = client.get("/api/indicators/13").json()
    assert d["code"] == "I13" and [s["target"] for s in d["sub_targets"]] == [2.1, 1.1]
    assert d["history"] == [] and d["trend"]["years"] == [2022] and d["contribution"]["year"] == 2022
    i28 = client.get("/api/indicators/I28").json()
    assert i28["baseline"] is None and i28["quality_note"] and i28["contribution"] is None and i28["trend"]["path"] == []
    page = client.get("/indicators/I28")
    assert i28["quality_note"][:10] in page.text and "尚无该指标的数值" in page.text
    en = client.get("/indicators/I13?lang=en")
    assert "Local fiscal S&amp;T expenditure" in en.text and "Sub-targets" in en.text


def test_unknown_or_bad_codes_and_no_account(client: TestClient) -> None:
    assert client.get("/api/indicators").status_code == 401
    r = client.get("/indicators/I01", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    login(client, "wudu")
    assert client.get("/api/indicators/I99").status_code == 404
    missing = client.get("/indicators/I99")
    assert missing.status_code == 404 and "I99" in missing.text
    assert client.get("/api/indicators/" + "x" * 40).status_code == 422
    assert client.get("/api/indicators?year=abc").status_code == 422
