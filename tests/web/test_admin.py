"""Accounts and settings on the web: the admin adds, disables, resets; errors at their fields; everything audited."""

from __future__ import annotations

from starlette.testclient import TestClient

from stpi.store import Store
from stpi.store.settings import settings
from tests.web.conftest import PASSWORD, csrf_of, login


def test_admin_adds_an_account_that_can_log_in(client: TestClient, store: Store) -> None:
    token = login(client, "admin")
    r = client.post("/api/admin/users", json={"username": "nongye", "role": "department", "department": "agri", "password": "long-enough-1", "display_name": "农业农村局填报员"},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 201 and r.json()["user"]["department"] == "agri"
    page = client.get("/admin")
    assert page.status_code == 200 and "nongye" in page.text and "农业农村局填报员" in page.text
    other = TestClient(client.app)
    assert other.post("/api/login", json={"username": "nongye", "password": "long-enough-1"}).status_code == 200
    assert any(e.action == "create" and e.key == "nongye" for e in store.audit(entity="user"))


def test_form_errors_at_their_fields_and_nothing_written(client: TestClient, store: Store) -> None:
    login(client, "admin")
    token = csrf_of(client.get("/admin").text)
    before = store.users()
    bad = [({"username": "a b", "role": "viewer", "password": "long-enough-1"}, 'id="username-error"'),
           ({"username": "keji", "role": "viewer", "password": "long-enough-1"}, "已存在"),
           ({"username": "x1", "role": "boss", "password": "long-enough-1"}, 'id="role-error"'),
           ({"username": "x2", "role": "department", "password": "long-enough-1"}, 'id="department-error"'),
           ({"username": "x3", "role": "county", "password": "long-enough-1"}, 'id="county-error"'),
           ({"username": "x4", "role": "viewer", "password": "short"}, 'id="password-error"')]
    for form, marker in bad:
        r = client.post("/admin/users", data={**form, "csrf_token": token})
        assert r.status_code == 422 and marker in r.text, form
    assert store.users() == before


def test_disable_enable_and_reset_password(client: TestClient, store: Store) -> None:
    login(client, "admin")
    token = csrf_of(client.get("/admin").text)
    assert client.post("/admin/users/leader/active", data={"csrf_token": token, "active": "0"}, follow_redirects=False).status_code == 303
    assert not store.user("leader").active
    other = TestClient(client.app)
    assert other.post("/api/login", json={"username": "leader", "password": PASSWORD}).status_code == 403
    client.post("/admin/users/leader/active", data={"csrf_token": token, "active": "1"})
    r = client.post("/admin/users/leader/password", data={"csrf_token": token, "password": "short"})
    assert r.status_code == 422 and 'id="password-leader-error"' in r.text
    client.post("/admin/users/leader/password", data={"csrf_token": token, "password": "brand-new-pass"})
    assert other.post("/api/login", json={"username": "leader", "password": "brand-new-pass"}).status_code == 200


def test_settings_form_all_or_nothing(client: TestClient, store: Store) -> None:
    login(client, "admin")
    token = csrf_of(client.get("/admin").text)
    before = settings(store)
    r = client.post("/admin/settings", data={"csrf_token": token, "public_overview": "1", "upload_limit_mb": "0", "login_attempts": "5", "login_lockout_minutes": "15"})
    assert r.status_code == 422 and 'id="setting-upload_limit_mb-error"' in r.text and settings(store) == before
    # as a browser sends the form: the switches still ticked (maps is on by default) come with it
    r = client.post("/admin/settings", data={"csrf_token": token, "upload_limit_mb": "20", "login_attempts": "5", "login_lockout_minutes": "15", "maps": "1"}, follow_redirects=False)
    assert r.status_code == 303
    now = settings(store)
    assert now["upload_limit_mb"] == 20 and now["public_overview"] is False  # an unticked switch is off
    assert {e.key for e in store.audit(entity="setting")} == {"upload_limit_mb", "public_overview"}  # unchanged ones are not logged


def test_only_the_admin_sees_it(client: TestClient) -> None:
    assert client.get("/api/admin").status_code == 401
    login(client, "keji")
    assert client.get("/api/admin").status_code == 403 and "/admin" not in client.get("/").text


def test_the_admin_cannot_disable_itself(client: TestClient, store: Store) -> None:
    token = login(client, "admin")
    r = client.post("/api/admin/users/admin/active", json={"active": False}, headers={"X-CSRF-Token": token})
    assert r.status_code == 403 and store.user("admin").active
