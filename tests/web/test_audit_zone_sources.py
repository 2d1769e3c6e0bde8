"""The audit log's date filters are days in the display zone; where a login came from is the admin's to see, also in /api/audit and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from starlette.testclient import TestClient

from stpi.store import Store
from stpi.store import models as m
from stpi.store.settings import set_setting
from tests.web.conftest import login


def _at(store: Store, when: datetime, key: str) -> None:
    """An entry stamped at ``when`` (naive UTC, as the store keeps time)."""
    with store.session(write=True) as s:
        s.add(m.AuditRow(at=when, actor="admin", action="update", entity="setting", key=key, old="", new="x", reason=""))


def _keys(client: TestClient, query: str) -> list[str]:
    r = client.get(f"/api/audit?entity=setting&{query}")
    assert r.status_code == 200, r.text
    return [e["key"] for e in r.json()["entries"]]


def test_dates_are_days_in_the_display_zone(client: TestClient, store: Store) -> None:
    _at(store, datetime(2025, 1, 1, 20, 0), "late-utc")  # 2025-01-02 04:00 in Beijing
    _at(store, datetime(2025, 1, 1, 15, 59), "early")  # 2025-01-01 23:59 in Beijing
    login(client, "leader")
    assert _keys(client, "from=2025-01-02&to=2025-01-02") == ["late-utc"]
    assert _keys(client, "from=2025-01-01&to=2025-01-01") == ["early"]
    page = client.get("/audit?from=2025-01-02&to=2025-01-02&entity=setting").text
    assert "late-utc" in page and "early" not in page and "含当天（北京时间日期）" in page.replace("(", "（").replace(")", "）")
    set_setting(store, "display_timezone", "UTC", actor="admin")
    assert sorted(_keys(client, "from=2025-01-01&to=2025-01-01")) == ["early", "late-utc"]
    csv_text = client.get("/downloads/audit.csv?entity=setting&from=2025-01-02&to=2025-01-02").content.decode("utf-8-sig")
    assert "late-utc" not in csv_text  # the export filters the same way


def _login_rows(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text)) if len(row) > 3 and row[3] in ("login", "login_failed")]


def test_login_sources_for_the_admin_only(client: TestClient, store: Store) -> None:
    assert client.post("/api/login", json={"username": "leader", "password": "wrong-password-1"}).status_code in (401, 403)
    login(client, "leader")
    mine = client.get("/api/audit?action=login").json()["entries"] + client.get("/api/audit?action=login_failed").json()["entries"]
    assert mine and all(e["new"] == "" and e["old"] == "" for e in mine)  # a viewer never sees an address
    rows = _login_rows(client.get("/downloads/audit.csv").content.decode("utf-8-sig"))
    assert rows and all("testclient" not in ",".join(r) and "127.0.0.1" not in ",".join(r) for r in rows)
    client.post("/api/logout", headers={"X-CSRF-Token": client.get("/api/me").json()["csrf_token"]})
    login(client, "admin")
    theirs = client.get("/api/audit?action=login").json()["entries"]
    assert any(e["new"] for e in theirs)  # the admin sees where each login came from
    assert any(r[-2] or r[-3] for r in _login_rows(client.get("/downloads/audit.csv").content.decode("utf-8-sig")))
