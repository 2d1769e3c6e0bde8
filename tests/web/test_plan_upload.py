"""The admin uploads a plan file in the web app: checked, every problem listed, imported as a new version only when clean."""

from __future__ import annotations

from starlette.testclient import TestClient

from stpi import service
from stpi.framework.planfile import plan_document
from stpi.store import Store
from tests.web.conftest import login


def _export(store: Store, fmt: str) -> bytes:
    plan, fw = store.plan(), store.framework()
    return service.plan_export(plan, fw, fmt, None)


def test_upload_a_plan_as_a_new_version(client: TestClient, store: Store) -> None:
    login(client, "admin")
    page = client.get("/admin/plan")
    assert page.status_code == 200 and 'id="plan-upload"' in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    original = plan_document(store.plan())
    data = _export(store, "xlsx")
    r = client.post("/admin/plan", data={"csrf_token": token, "valid_from": "2025"}, files={"file": ("陇南方案.xlsx", data)}, follow_redirects=False)
    assert r.status_code == 303 and "saved=" in r.headers["location"]
    versions = client.get("/api/admin/plan").json()["versions"]
    assert [(v["valid_from"], v["source"], v["created_by"]) for v in versions] == [(2022, "embedded", "system"), (2025, "陇南方案.xlsx", "admin")]
    assert plan_document(store.plan()) == original
    assert "自2025年起适用" in client.get(r.headers["location"]).text
    assert 'href="/admin/plan"' in client.get("/admin").text


def test_a_bad_plan_lists_its_problems_and_imports_nothing(client: TestClient, store: Store) -> None:
    login(client, "admin")
    token = client.get("/admin/plan").text.split('name="csrf_token" value="')[1].split('"')[0]
    text = _export(store, "csv").decode("utf-8").replace("197.02", "很多", 1)
    r = client.post("/admin/plan", data={"csrf_token": token}, files={"file": ("方案.csv", text.encode("utf-8"))})
    assert r.status_code == 422 and 'id="plan-problems"' in r.text and "很多" in r.text and "方案.csv" in r.text
    r = client.post("/admin/plan", data={"csrf_token": token}, files={"file": ("方案.docx", b"x")})
    assert r.status_code == 422 and ".xlsx" in r.text
    r = client.post("/admin/plan", data={"csrf_token": token, "check": "1"}, files={"file": ("方案.csv", _export(store, "csv"))}, follow_redirects=False)
    assert r.status_code == 303 and len(client.get("/api/admin/plan").json()["versions"]) == 1  # checked only


def test_only_the_admin(client: TestClient) -> None:
    login(client, "keji")
    assert client.get("/admin/plan").status_code == 403
    assert client.get("/api/admin/plan").status_code == 403
