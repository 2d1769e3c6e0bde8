"""Logging in: argon2 passwords, CSRF, throttling, safe redirects; every attempt audited."""

from __future__ import annotations

from starlette.testclient import TestClient

from stpi.store import Store
from tests.web.conftest import PASSWORD, csrf_of, login


def test_login_form_round_trip(client: TestClient, store: Store) -> None:
    form = client.get("/login?next=/indicators")
    token = csrf_of(form.text)
    r = client.post("/login", data={"username": "keji", "password": PASSWORD, "csrf_token": token, "next": "/indicators"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/indicators"
    assert client.get("/api/me").json()["user"]["username"] == "keji"
    assert any(e.action == "login" and e.key == "keji" for e in store.audit())


def test_login_refuses_without_csrf(client: TestClient) -> None:
    client.get("/login")
    r = client.post("/login", data={"username": "keji", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403 and client.get("/api/me").json()["user"] is None


def test_wrong_password_then_throttled(client: TestClient, store: Store) -> None:
    for _ in range(5):
        assert client.post("/api/login", json={"username": "keji", "password": "wrong-password"}).status_code == 403
    held = client.post("/api/login", json={"username": "keji", "password": PASSWORD})
    assert held.status_code == 429 and "分钟" in held.json()["message"]
    assert sum(e.action == "login_failed" for e in store.audit(key="keji")) == 5


def test_open_redirect_is_refused(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "keji", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/due"  # home, not the other site: for a reporter, its due list


def test_disabled_account_cannot_log_in_and_loses_its_session(client: TestClient, store: Store) -> None:
    from stpi.store.accounts import set_active

    login(client, "leader")
    set_active(store, "leader", False, actor="admin")
    assert client.get("/api/me").json()["user"] is None
    assert client.post("/api/login", json={"username": "leader", "password": PASSWORD}).status_code == 403


def test_logout_needs_the_token(client: TestClient) -> None:
    token = login(client, "keji")
    assert client.post("/api/logout").status_code == 403
    assert client.post("/api/logout", headers={"X-CSRF-Token": token}).status_code == 200
    assert client.get("/api/me").json()["user"] is None
