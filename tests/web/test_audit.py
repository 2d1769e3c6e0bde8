"""The audit log: who may read it, filters, pages, the CSV export and markup rendered as text."""

from __future__ import annotations

import io
from datetime import timedelta

import pandas as pd
from starlette.testclient import TestClient

from stpi.store import Store
from stpi.store.core import now
from stpi.store.settings import set_setting
from tests.web.conftest import login


def _entries(client: TestClient, query: str = "") -> list[dict[str, object]]:
    r = client.get(f"/api/audit?{query}")
    assert r.status_code == 200, r.text
    entries: list[dict[str, object]] = r.json()["entries"]
    return entries


def test_who_may_read_the_log(client: TestClient, store: Store) -> None:
    assert client.get("/api/audit").status_code == 401
    assert client.get("/audit", follow_redirects=False).headers["location"] == "/login?next=/audit"
    for user in ("keji", "wudu"):
        login(client, user)
        assert client.get("/api/audit").status_code == 403 and client.get("/audit").status_code == 403
        assert client.get("/downloads/audit.csv").status_code == 403
        assert 'href="/audit"' not in client.get("/downloads").text  # not offered either
    for user in ("leader", "admin"):
        login(client, user)
        assert client.get("/audit").status_code == 200
        assert _entries(client, "actor=" + user)[0]["action"] == "login"


def test_filters_and_old_to_new(client: TestClient, store: Store) -> None:
    set_setting(store, "upload_limit_mb", "20", actor="admin")
    set_setting(store, "upload_limit_mb", "30", actor="admin")
    login(client, "leader")
    changes = _entries(client, "entity=setting&key=upload_limit")
    assert [(e["old"], e["new"]) for e in changes] == [("20", "30"), ("", "20")]  # newest first
    assert {e["action"] for e in _entries(client, "action=login")} == {"login"}
    assert {e["actor"] for e in _entries(client, "actor=admin")} == {"admin"}
    today = (now() + timedelta(hours=8)).date()  # the filters are days in the display zone (Beijing time by default)
    assert len(_entries(client, f"from={today}&to={today}")) == len(_entries(client))
    assert _entries(client, f"to={today - timedelta(days=1)}") == [] and _entries(client, f"from={today + timedelta(days=1)}") == []
    page = client.get("/audit?entity=setting&key=upload_limit")
    assert page.status_code == 200 and '<span class="old">20</span> → <span class="new">30</span>' in page.text
    assert '<span class="none">—</span> → <span class="new">20</span>' in page.text  # a first value: nothing before it
    assert 'href="/downloads/audit.csv?entity=setting&amp;key=upload_limit"' in page.text  # the export keeps the filters


def test_bad_dates_come_back_at_their_field(client: TestClient, store: Store) -> None:
    login(client, "admin")
    page = client.get("/audit?from=2025-13-01&actor=admin")
    assert page.status_code == 422
    assert 'aria-describedby="from-error"' in page.text and '<p class="field-error" id="from-error">' in page.text
    assert 'value="admin"' in page.text and 'id="audit"' not in page.text  # the form keeps what was typed, shows no rows
    r = client.get("/api/audit?from=2025-02-01&to=2025-01-01")
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "to"
    assert client.get("/downloads/audit.csv?from=yesterday").status_code == 422
    assert client.get("/api/audit?limit=5000").status_code == 422 and client.get("/api/audit?page=0").status_code == 422
    assert client.get("/api/audit?actor=" + "x" * 65).status_code == 422


def test_pages_of_a_hundred(client: TestClient, store: Store) -> None:
    with store.session() as s:
        for i in range(150):
            Store.audit_in(s, "admin", "update", "published_result", f"621200/{i}", str(i), str(i + 1), "测试 test")
    login(client, "leader")
    first = client.get("/api/audit?entity=published_result").json()
    second = client.get("/api/audit?entity=published_result&page=2").json()
    assert len(first["entries"]) == 100 and first["has_next"] and not first["has_prev"]
    assert len(second["entries"]) == 50 and not second["has_next"] and second["prev_url"] == "/audit?entity=published_result"
    ids = [e["id"] for e in first["entries"] + second["entries"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 150
    assert first["next_url"] == "/audit?entity=published_result&page=2"
    page = client.get(first["next_url"])
    assert page.status_code == 200 and page.text.count("<tr class=") == 50 and 'rel="prev"' in page.text and 'rel="next"' not in page.text
    assert len(client.get("/api/audit?entity=published_result&limit=7").json()["entries"]) == 7


def test_export_is_excel_safe_and_audited(client: TestClient, store: Store) -> None:
    client.post("/api/login", json={"username": "=HYPERLINK(\"http://evil\")", "password": "x"})  # a failed login records the name typed
    client.post("/api/login", json={"username": "<script>alert(1)</script>", "password": "x"})
    login(client, "admin")
    r = client.get("/downloads/audit.csv?action=login_failed")
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97" in r.headers["content-disposition"]  # 审计日志…csv
    assert r.content.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig", keep_default_na=False)
    assert list(frame["键 Key"]) == ["<script>alert(1)</script>", "'=HYPERLINK(\"http://evil\")"]  # newest first, formula guarded
    assert list(frame["编号 ID"]) == [e["id"] for e in _entries(client, "action=login_failed")]
    mine = _entries(client, "action=download")[0]
    assert mine["actor"] == "admin" and mine["key"] == "audit.csv" and mine["new"].startswith("2 entries")
    page = client.get("/audit?action=login_failed").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
