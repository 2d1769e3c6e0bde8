"""The overview page and its JSON twin."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from stpi.store import Store
from stpi.store.settings import set_setting


def test_overview_is_public_on_the_embedded_store(client: TestClient) -> None:
    data = client.get("/api/overview").json()
    assert data["region"] == "陇南市" and data["year"] == 2022 and data["goal"]["index"] == 43.26
    assert len(data["indicators"]) == 32 and len(data["groups"]) == 12 and len(data["areas"]) == 5
    assert data["missing_codes"] == ["I28"] and data["illustrative"] is True
    page = client.get("/")
    assert page.status_code == 200
    assert "示意参数" in page.text and "陇南市" in page.text and 'data-chart="groups_bars"' in page.text
    assert f"{data['index']['value']:.2f}" in page.text  # the page shows the same number as the JSON


def test_overview_closed_when_the_setting_is_off(client: TestClient, store: Store) -> None:
    set_setting(store, "public_overview", "false", actor="admin")
    assert client.get("/api/overview").status_code == 401
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_english_switch_is_remembered(client: TestClient) -> None:
    r = client.get("/?lang=en")
    assert "Overview" in r.text and 'lang="en"' in r.text
    assert "Overview" in client.get("/").text  # the cookie keeps it
    assert "总览" in client.get("/?lang=zh").text


def test_new_production_store_starts_closed(tmp_path: object) -> None:
    from stpi.web import create_app

    st = Store(f"sqlite:///{tmp_path}/prod.db")
    with TestClient(create_app(store=st)) as c:
        assert c.get("/api/overview").status_code == 401
    st.close()


def test_partial_year_shows_the_estimate_the_whatif_starts_from(client: TestClient, store: Store) -> None:
    from stpi.store import Entry
    from stpi.store import observations as ob

    ob.write(store, [Entry("621200", "I01", "2023", 196.0), Entry("621200", "I10", "2023", 4.0)], actor="admin")
    ob.transition(store, "approve", actor="admin")
    data = client.get("/api/overview").json()
    assert data["year"] == 2023 and data["with_data"] == 2
    assert len(data["estimate"]["carried"]) == 29 and "I01" not in data["estimate"]["carried"]  # I28 was never known
    from tests.web.conftest import login

    login(client, "leader")
    start = client.get("/api/whatif").json()["index"]["start"]
    assert data["estimate"]["value"] == pytest.approx(start, abs=1e-12)
    page = client.get("/").text
    assert f"{data['estimate']['value']:.2f}" in page
    assert 'href="/downloads/bulletin.docx?year=2023"' in page  # the documents of the year, from the overview
    r = client.get("/downloads/bulletin.docx?year=2023")
    assert r.status_code == 200 and r.content[:2] == b"PK"
