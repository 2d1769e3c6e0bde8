"""What people read on the pages: Beijing time, Chinese words for codes, login sources for the admin only."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from starlette.testclient import TestClient

from stpi.store import Store
from stpi.store.settings import set_setting
from tests.web.conftest import login


def _audit_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="act-[a-z_]+">(.*?)</tr>', html, flags=re.S)


def test_audit_times_are_beijing_time_and_codes_are_words(client: TestClient, store: Store) -> None:
    set_setting(store, "upload_limit_mb", "20", actor="admin")
    login(client, "admin")
    entry = client.get("/api/audit?entity=setting&key=upload_limit").json()["entries"][0]
    page = client.get("/audit?entity=setting&key=upload_limit").text
    assert "时间（北京时间）" in page and "时间为北京时间" in page and "UTC" not in page.split('id="audit"')[1].split("</table>")[0]
    stamp = re.search(r'<time datetime="([^"]+)Z">([^<]+)</time>', page)
    assert stamp and stamp.group(1) == entry["at"]
    assert datetime.fromisoformat(stamp.group(2)) == datetime.fromisoformat(entry["at"]) + timedelta(hours=8)
    row = _audit_rows(page)[0]
    assert '<span class="tag">设置</span>' in row and "<td>设置</td>" in row and ">setting<" not in row
    assert '<option value="approve">审核通过</option>' in page and '<option value="observation">数据</option>' in page
    english = client.get("/audit?entity=setting&key=upload_limit&lang=en").text
    assert '<span class="tag">setting</span>' in english and "When (Beijing time)" in english and "times in Beijing time" in english


def test_the_display_zone_is_a_setting(client: TestClient, store: Store) -> None:
    set_setting(store, "display_timezone", "UTC", actor="admin")
    login(client, "admin")
    entry = client.get("/api/audit?action=login").json()["entries"][0]
    page = client.get("/audit?action=login").text
    assert "时间（UTC）" in page and f'<time datetime="{entry["at"]}Z">{entry["at"]}</time>' in page


def test_login_sources_are_for_the_admin_only(client: TestClient, store: Store) -> None:
    login(client, "admin")
    login(client, "leader")  # a viewer may read the log
    assert store.audit(action="login")[0].new  # the store keeps where the login came from
    assert client.get("/api/audit?action=login").json()["entries"][0]["new"] == ""  # but a viewer's JSON leaves it out, as the page does
    page = client.get("/audit?action=login").text
    rows = _audit_rows(page)
    assert rows and all("来源地址仅管理员可见" in r and '<span class="new">' not in r for r in rows)
    login(client, "admin")
    rows = _audit_rows(client.get("/audit?action=login").text)
    assert rows and all('<span class="new">' in r and "仅管理员可见" not in r for r in rows)


def test_figure_statuses_in_the_log_are_words(client: TestClient, store: Store) -> None:
    from stpi.store import Entry
    from stpi.store import observations as ob

    ob.write(store, [Entry("621200", "I03", "2023", 1.7)], actor="admin", status="draft")
    ob.transition(store, "submit", actor="admin", year=2023, regions=["621200"], codes=["I03"])
    login(client, "admin")
    row = _audit_rows(client.get("/audit?action=submit").text)[0]
    assert '<span class="tag">报送</span>' in row and '<span class="old">草稿</span> → <span class="new">已报送</span>' in row


def test_a_new_account_shows_its_role_in_words(client: TestClient, store: Store) -> None:
    login(client, "admin")
    rows = _audit_rows(client.get("/audit?action=create&entity=user").text)
    assert any('<td class="key">leader</td>' in r and '<span class="new">只读</span>' in r for r in rows)
