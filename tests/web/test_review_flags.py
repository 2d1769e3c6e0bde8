"""The review queue flags a value far from its peers' (robust z-score), and an upload's report says so too."""

from __future__ import annotations

from starlette.testclient import TestClient

from stpi.store import Store
from stpi.store import observations as ob
from tests.web.conftest import login


def _peers(store: Store) -> None:
    cities = [r for r in store.regions("city") if r.name != "陇南市"][:8]
    ob.write(store, [ob.Entry(r.code, "I13", "2024", v) for r, v in zip(cities, [0.9, 1.0, 1.1, 1.2, 0.95, 1.05, 1.15, 1.0])], actor="admin")
    ob.transition(store, "approve", actor="admin", year=2024)


def test_a_pending_value_far_from_its_peers_is_flagged_on_the_queue(client: TestClient, store: Store) -> None:
    _peers(store)
    ob.write(store, [ob.Entry("621200", "I13", "2024", 9.5, note="决算口径")], actor="admin", status="submitted")
    login(client, "admin")
    items = [i for g in client.get("/api/data/review").json()["groups"] for i in g["items"]]
    (flagged,) = [i for i in items if i["flag"]]
    assert flagged["code"] == "I13" and "稳健 z 值" in flagged["flag"]
    assert "⚑" in client.get("/data/review").text


def test_an_upload_far_from_the_peers_is_saved_and_flagged(client: TestClient, store: Store) -> None:
    _peers(store)
    token = login(client, "keji")
    body = "region,year,indicator,value,note\n陇南市,2024,I13,9.5,\n".encode()
    r = client.post("/api/data/upload", files={"file": ("d.csv", body, "text/csv")}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    (w,) = r.json()["warnings"]
    assert (w["row"], w["code"], w["indicator"]) == (2, "I13", "I13 地方财政科技支出占一般公共预算支出比重") and "flagged for review" in w["reason"]
    page = client.post("/data/upload", data={"csrf_token": token, "year": "2024"}, files={"file": ("e.csv", body.replace(b"9.5", b"9.6"), "text/csv")})
    assert "已标记待复核" in page.text


def test_the_form_checks_a_typed_indicator_against_the_stores_raw_statistics(client: TestClient, store: Store) -> None:
    ob.write(store, [ob.Entry("621200", "fiscal_st_expenditure", "2024", 1100.0), ob.Entry("621200", "general_budget_expenditure", "2024", 100000.0)], actor="admin")
    ob.transition(store, "approve", actor="admin", year=2024)
    token = login(client, "admin")
    r = client.post("/api/data/entries", json=[{"region": "621200", "year": "2024", "code": "I13", "value": "1.15"}], headers={"X-CSRF-Token": token})
    assert r.status_code == 422, r.text
    (p,) = r.json()["problems"]
    assert (p["field"], p["code"], p["name"]) == ("note", "I13", "地方财政科技支出占一般公共预算支出比重") and "库中已审核" in p["reason"]
    r = client.post("/api/data/entries", json=[{"region": "621200", "year": "2024", "code": "I13", "value": "1.15", "note": "按决算数"}], headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["warnings"] == []
