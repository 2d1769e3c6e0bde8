"""The web app on a fresh embedded default store, with one account per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from stpi.i18n import set_lang
from stpi.store import Store
from stpi.store.accounts import add_user, set_password
from stpi.web import create_app

PASSWORD = "correct-horse-42"
# username → (role, department, county)
ACCOUNTS = {
    "admin": ("admin", None, None),
    "keji": ("department", "sci", None),  # 市科技局: lead of several indicators
    "renshe": ("department", "hrss", None),  # 市人社局: lead of I01
    "wudu": ("county", None, "621202"),  # 武都区
    "leader": ("viewer", None, None),
}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh STPI_HOME: the embedded default store, new for each test."""
    monkeypatch.setenv("STPI_HOME", str(tmp_path / "home"))
    for name in ("STPI_DATABASE_URL", "STPI_USER", "STPI_LANG"):
        monkeypatch.delenv(name, raising=False)
    yield
    set_lang(None)


def add_accounts(store: Store) -> None:
    """One account per role, all with PASSWORD."""
    for name, (role, dep, county) in ACCOUNTS.items():
        if name == "admin":
            set_password(store, "admin", PASSWORD, actor="system")
        else:
            add_user(store, name, role=role, actor="admin", department=dep, region=county, password=PASSWORD, display_name=name)


@pytest.fixture
def store(isolated: None) -> Iterator[Store]:
    """The embedded default store (public overview on), with the accounts."""
    st = Store()
    add_accounts(st)
    yield st
    st.close()


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    """A browser-like client of the app on ``store``, nobody logged in."""
    with TestClient(create_app(store=store)) as c:
        yield c


def csrf_of(html: str) -> str:
    """The CSRF token in a rendered page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the API; return the CSRF token for X-CSRF-Token."""
    r = client.post("/api/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])
