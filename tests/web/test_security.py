"""The security suite, on SQLite and PostgreSQL: forged, tampered and replayed cookies, timeouts, parallel login
bursts, distributed guessing, unlock, the timing of unknown accounts, X-Forwarded-For, headers, a busy database."""

from __future__ import annotations

import functools
import json
import statistics
import threading
import time
from base64 import b64encode
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from itsdangerous import TimestampSigner
from sqlalchemy import event, update
from starlette.testclient import TestClient

from stpi.store import Store
from stpi.store import observations as ob
from stpi.store import models as m
from stpi.store.accounts import add_user, session_account, set_active, set_password
from stpi.store.settings import session_secret, set_setting
from stpi.web import create_app
from tests.store.conftest import _plain, pg_url  # noqa: F401  (the PostgreSQL fixture)
from tests.web.conftest import ACCOUNTS, PASSWORD, login

ATTEMPTS = 3  # login_attempts in these stores (fewer slow password checks than the default 5)
PROXY = "10.9.0.1"  # the reverse proxy of the tests that trust one


@functools.cache
def _password_hash() -> str:
    """PASSWORD hashed once, by the app's own hasher and cost (each new store reuses it: fewer slow hashes)."""
    from stpi.store.accounts import _hasher

    return _hasher.hash(PASSWORD)


def _accounts(store: Store) -> None:
    """One account per role, all with PASSWORD (as add_accounts, with the one hash)."""
    for name, (role, dep, county) in ACCOUNTS.items():
        if name != "admin":
            add_user(store, name, role=role, actor="admin", department=dep, region=county, display_name=name)
    with store.session() as s:
        s.execute(update(m.UserRow).values(password_hash=_password_hash()))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Store]:
    """A production store (opened by URL) on each backend, with one account per role."""
    url = f"sqlite:///{tmp_path / 'stpi.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    st = Store(url)
    _accounts(st)
    set_setting(st, "login_attempts", str(ATTEMPTS), actor="admin")
    yield st
    st.close()


@pytest.fixture
def app(backend: Store) -> FastAPI:
    return create_app(store=backend)


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A SQLite production store shared by the checks that do not depend on the backend (none of them is held)."""
    st = Store(f"sqlite:///{tmp_path_factory.mktemp('security') / 'stpi.db'}")
    _accounts(st)
    yield st
    st.close()


@pytest.fixture
def local_app(local: Store) -> FastAPI:
    return create_app(store=local)


def cookie(secret: str, session: dict[str, Any]) -> str:
    """A session cookie made the way the server makes them, signed with ``secret``."""
    return TimestampSigner(secret).sign(b64encode(json.dumps(session).encode())).decode()


def epoch(store: Store, username: str) -> int:
    """The account's session epoch now."""
    found = session_account(store, username)
    assert found is not None
    return found[1]


def me(app: FastAPI, session_cookie: str) -> Any:
    """Who a fresh client with only this cookie is."""
    return TestClient(app, cookies={"stpi_session": session_cookie}).get("/api/me").json()["user"]


def saved_session(app: FastAPI, username: str) -> tuple[str, str]:
    """Log in as ``username``: the cookie the browser holds and its CSRF token."""
    client = TestClient(app)
    token = login(client, username)
    return str(client.cookies["stpi_session"]), token


def write_with(app: FastAPI, session_cookie: str, token: str) -> int:
    """Try a write (a figure entry) with a saved cookie and token: the status."""
    client = TestClient(app, cookies={"stpi_session": session_cookie})
    r = client.post("/api/data/entries", json=[{"region": "621200", "year": 2023, "code": "I03", "value": 1.234}], headers={"X-CSRF-Token": token})
    return r.status_code


# --------------------------------------------------------------------- cookies


def test_forged_cookie_with_a_wrong_key_is_nobody(local: Store, local_app: FastAPI) -> None:
    now = int(time.time())
    session = {"user": "admin", "epoch": epoch(local, "admin"), "iat": now, "seen": now, "csrf": "x"}
    assert me(local_app, cookie(session_secret(local), session))["username"] == "admin"  # the forging method is right ...
    assert me(local_app, cookie("not-the-key", session)) is None  # ... and without the key it gets nowhere
    client = TestClient(local_app, cookies={"stpi_session": cookie("not-the-key", session)})
    r = client.post("/api/admin/users", json={"username": "intruder", "role": "admin", "password": "long-enough-1"}, headers={"X-CSRF-Token": "x"})
    assert r.status_code in (401, 403) and "intruder" not in [u.username for u in local.users()]


def test_tampered_cookie_is_nobody(local_app: FastAPI) -> None:
    saved, _ = saved_session(local_app, "keji")
    payload, stamp, sig = saved.rsplit(".", 2)
    data = json.loads(__import__("base64").b64decode(payload))
    data["user"] = "admin"
    assert me(local_app, f"{b64encode(json.dumps(data).encode()).decode()}.{stamp}.{sig}") is None
    assert me(local_app, f"{payload}.{stamp}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}") is None
    assert me(local_app, saved)["username"] == "keji"


def test_a_cookie_from_an_older_epoch_or_without_one_is_nobody(local: Store, local_app: FastAPI) -> None:
    now = int(time.time())
    key = session_secret(local)
    assert me(local_app, cookie(key, {"user": "admin", "epoch": epoch(local, "admin") - 1, "iat": now, "seen": now})) is None
    assert me(local_app, cookie(key, {"user": "admin", "iat": now, "seen": now})) is None  # a cookie made before sessions had epochs


def _logout(app: FastAPI, store: Store, saved: str, token: str) -> None:
    assert TestClient(app, cookies={"stpi_session": saved}).post("/api/logout", headers={"X-CSRF-Token": token}).status_code == 200


def _reset(app: FastAPI, store: Store, saved: str, token: str) -> None:
    set_password(store, "keji", "a-new-password-7", actor="admin")
    set_password(store, "keji", PASSWORD, actor="admin")  # even back to the same password


def _disable_enable(app: FastAPI, store: Store, saved: str, token: str) -> None:
    set_active(store, "keji", False, actor="admin")
    set_active(store, "keji", True, actor="admin")


def test_a_saved_cookie_neither_signs_in_nor_writes_after_logout_reset_or_disable(backend: Store, app: FastAPI) -> None:
    tried = 0
    for event in (_logout, _reset, _disable_enable):
        saved, token = saved_session(app, "keji")
        other, other_token = saved_session(app, "keji")  # the same account on another device
        assert me(app, saved)["username"] == "keji"
        before = ob.observations(backend, history=True)
        event(app, backend, saved, token)
        for session_cookie, csrf in ((saved, token), (other, other_token)):
            assert me(app, session_cookie) is None, event.__name__
            assert write_with(app, session_cookie, csrf) in (401, 403), event.__name__
            tried += 1
        assert ob.observations(backend, history=True) == before
    fresh, fresh_token = saved_session(app, "keji")  # a new login works again
    assert write_with(app, fresh, fresh_token) == 200 and tried == 6


def test_idle_and_absolute_timeouts(local: Store, local_app: FastAPI) -> None:
    set_setting(local, "session_idle_minutes", "30", actor="admin")
    set_setting(local, "session_max_hours", "8", actor="admin")
    key, now, e = session_secret(local), int(time.time()), epoch(local, "keji")
    assert me(local_app, cookie(key, {"user": "keji", "epoch": e, "iat": now - 3600, "seen": now - 29 * 60}))["username"] == "keji"
    assert me(local_app, cookie(key, {"user": "keji", "epoch": e, "iat": now - 3600, "seen": now - 31 * 60})) is None  # idle too long
    assert me(local_app, cookie(key, {"user": "keji", "epoch": e, "iat": now - 8 * 3600 - 60, "seen": now - 60})) is None  # too old, however busy


# ------------------------------------------------------------------- throttling


def _burst(app: FastAPI, username: str, sources: list[str], password: str = "wrong-password") -> list[int]:
    """One wrong password per source, all at once (threads): the statuses."""
    statuses: list[int] = []
    start = threading.Barrier(len(sources))

    def attempt(source: str) -> None:
        client = TestClient(app, client=(PROXY, 40000))
        start.wait()
        r = client.post("/api/login", json={"username": username, "password": password}, headers={"X-Forwarded-For": source})
        statuses.append(r.status_code)

    threads = [threading.Thread(target=attempt, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def _checks(store: Store, username: str) -> int:
    """Password checks that ran for the account (each is audited)."""
    return sum(e.action in ("login", "login_failed") for e in store.audit(key=username, entity="account"))


def _login_from(app: FastAPI, source: str, username: str, password: str = PASSWORD) -> int:
    r = TestClient(app, client=(PROXY, 40001)).post("/api/login", json={"username": username, "password": password}, headers={"X-Forwarded-For": source})
    return r.status_code


def test_parallel_bursts_from_one_source_run_at_most_the_limit(backend: Store, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STPI_TRUSTED_PROXIES", PROXY)
    tried = held = 0
    for n, username in enumerate(("keji", "renshe", "wudu", "leader")):  # 4 × 30 = 120 simultaneous wrong passwords
        source = f"198.51.100.{n + 1}"
        statuses = _burst(app, username, [source] * 30)
        tried += len(statuses)
        assert sorted(set(statuses)) == [403, 429] and statuses.count(403) <= ATTEMPTS, (username, statuses)
        assert _checks(backend, username) <= ATTEMPTS
        held += statuses.count(429)
        assert _login_from(app, source, username) == 429  # the right password does not get in from there ...
        assert _login_from(app, "203.0.113.9", username) == 200  # ... but one source cannot lock the owner out
    assert tried == 120 and held >= 120 - 4 * ATTEMPTS


def test_one_source_spraying_many_accounts_is_held_for_all(backend: Store, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STPI_TRUSTED_PROXIES", PROXY)
    for username in ("keji", "renshe", "wudu"):
        for _ in range(ATTEMPTS):
            assert _login_from(app, "198.51.100.99", username, "wrong-password") == 403
    assert _login_from(app, "198.51.100.99", "leader", "wrong-password") == 429  # a fourth account: held before any check
    assert _checks(backend, "leader") == 0


def test_guessing_from_many_sources_locks_the_account_until_unlocked(backend: Store, app: FastAPI, monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from tests.cli.clitools import run_main

    monkeypatch.setenv("STPI_TRUSTED_PROXIES", PROXY)
    statuses = _burst(app, "admin", [f"198.51.100.{i}" for i in range(1, 31)])  # 30 sources at once
    assert statuses.count(403) <= ATTEMPTS and _checks(backend, "admin") <= ATTEMPTS
    assert _login_from(app, "203.0.113.9", "admin") == 429  # evidence from many sources: held for everyone
    code, out = run_main(monkeypatch, capsys, "user", "unlock", "admin", "--database", backend.url)
    assert code == 0 and "admin" in out
    assert any(e.action == "unlock" and e.key == "admin" for e in backend.audit())
    assert _login_from(app, "203.0.113.9", "admin") == 200


def test_an_anonymous_source_cannot_keep_the_admin_out(backend: Store, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STPI_TRUSTED_PROXIES", PROXY)
    for _ in range(12):
        assert _login_from(app, "198.51.100.66", "admin", "guess") in (403, 429)
    assert _login_from(app, "198.51.100.66", "admin") == 429
    assert _login_from(app, "203.0.113.10", "admin") == 200


def test_unknown_accounts_take_as_long_as_known_ones(backend: Store, app: FastAPI) -> None:
    client = TestClient(app)

    def took(username: str) -> float:
        start = time.perf_counter()
        assert client.post("/api/login", json={"username": username, "password": "wrong-password"}).status_code == 403
        return time.perf_counter() - start

    took("nobody-at-all")  # the dummy hash is made once per process
    known = statistics.median(took("keji") for _ in range(3))
    unknown = statistics.median(took(f"ghost{i}") for i in range(3))
    assert unknown >= 0.5 * known, (unknown, known)


def test_x_forwarded_for_only_from_a_trusted_proxy(local: Store, local_app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    def logged_source(client: TestClient, forwarded: str) -> str:
        assert client.post("/api/login", json={"username": "leader", "password": PASSWORD}, headers={"X-Forwarded-For": forwarded}).status_code == 200
        return next(e.new for e in local.audit(action="login", key="leader"))

    monkeypatch.delenv("STPI_TRUSTED_PROXIES", raising=False)
    assert logged_source(TestClient(local_app, client=("127.0.0.1", 5000)), "1.2.3.4") == "127.0.0.1"  # a local client is no proxy
    monkeypatch.setenv("STPI_TRUSTED_PROXIES", f"{PROXY},10.8.0.0/16")
    assert logged_source(TestClient(local_app, client=("127.0.0.1", 5000)), "1.2.3.4") == "127.0.0.1"
    assert logged_source(TestClient(local_app, client=(PROXY, 5000)), "6.6.6.6, 1.2.3.4") == "1.2.3.4"  # the hop our proxy saw, not what the client wrote
    assert logged_source(TestClient(local_app, client=(PROXY, 5000)), "1.2.3.4, 10.8.1.1") == "1.2.3.4"  # through two proxies of ours


# ---------------------------------------------------------------------- headers


def _secure(r: Any) -> None:
    csp = r.headers["content-security-policy"]
    script = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script and "unsafe-eval" not in script and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] in ("same-origin", "no-referrer")


def test_every_kind_of_response_carries_the_security_headers(local: Store, local_app: FastAPI) -> None:
    def boom() -> None:
        raise RuntimeError("secret driver text")

    local_app.add_api_route("/boom", boom)
    client = TestClient(local_app, raise_server_exceptions=False)
    responses = [client.get(path) for path in ("/login", "/api/me", "/static/app.css", "/static/vendor/plotly.min.js", "/nope", "/api/nope",
                                               "/indicators", "/api/indicators", "/api/docs")]
    responses += [client.post("/api/login", json={"username": "keji", "password": "wrong-password"}),  # 403 JSON
                  client.post("/api/admin/users", json={}),  # 401 / 422
                  client.get("/indicators", follow_redirects=False)]  # 303 to the login page
    crashed = client.get("/boom")
    for r in [*responses, crashed]:
        _secure(r)
    assert crashed.status_code == 500 and "secret driver text" not in crashed.text and "服务器" in crashed.text
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/data/entries" in docs.text and "<script" not in docs.text and "cdn" not in docs.text.lower()


@pytest.mark.parametrize("https_only", [False, True])
def test_cookies_are_http_only_same_site_and_secure_behind_https(local: Store, https_only: bool) -> None:
    client = TestClient(create_app(store=local, https_only=https_only), base_url="https://testserver" if https_only else "http://testserver")
    r = client.post("/api/login", json={"username": "keji", "password": PASSWORD})
    lang = client.get("/login?lang=en")
    for header in (r.headers["set-cookie"], lang.headers["set-cookie"]):
        flags = header.lower()
        assert "httponly" in flags and "samesite=lax" in flags and ("secure" in flags) == https_only
    assert ("strict-transport-security" in r.headers) == https_only


# -------------------------------------------------------------- a busy database


def test_a_busy_database_answers_503_with_retry_after_and_no_driver_text(backend: Store, app: FastAPI) -> None:
    """Another connection holds the write lock (SQLite) or the row every login updates (PostgreSQL); the wait is kept short."""
    url = backend.url
    if url.startswith("sqlite"):
        import sqlite3

        event.listen(backend.engine, "connect", lambda conn, _: conn.execute("PRAGMA busy_timeout=300"))
        backend.engine.dispose()
        holder: Any = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        event.listen(backend.engine, "connect", lambda conn, _: conn.execute("SET lock_timeout = '300ms'"))
        backend.engine.dispose()
        schema = url.split("search_path%3D", 1)[1]
        holder = psycopg.connect(_plain(url.split("?", 1)[0]))
        holder.execute(f'SELECT * FROM "{schema}".login_gate FOR UPDATE')
    try:
        for lang, word in (("zh", "数据库正忙"), ("en", "database is busy")):
            client = TestClient(app, cookies={"lang": lang})
            r = client.post("/api/login", json={"username": "keji", "password": PASSWORD})
            assert r.status_code == 503 and int(r.headers["retry-after"]) > 0, r.text
            assert word in r.json()["message"].lower() or word in r.json()["message"]
            assert not any(t in r.text for t in ("OperationalError", "locked", "LockNotAvailable", "lock timeout", "sqlite", "psycopg"))
            _secure(r)
    finally:
        holder.rollback() if not url.startswith("sqlite") else holder.execute("ROLLBACK")
        holder.close()
    assert TestClient(app).post("/api/login", json={"username": "keji", "password": PASSWORD}).status_code == 200
