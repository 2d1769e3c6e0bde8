"""The supervision pages, the inbox and the outbox in the app; the ledger and the notice read back from their files."""

from __future__ import annotations

import io
from datetime import date, timedelta

from starlette.testclient import TestClient

from stpi.defaults import ISSUER
from stpi.store import Store
from stpi.store.notices import set_email
from stpi.store.settings import set_setting
from tests.web.conftest import login

SOON = (date.today() + timedelta(days=10)).isoformat()


def _issue(client: TestClient) -> int:
    token = login(client, "admin")
    form = {"csrf_token": token, "department": "sci", "subject": "R&D经费投入强度进度滞后", "request": "说明原因并提出整改措施", "deadline": SOON,
            "origin": "indicator", "origin_ref": "I05"}
    r = client.post("/supervision", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    client.post("/api/logout", headers={"X-CSRF-Token": token})
    return int(r.headers["location"].split("/")[2].split("?")[0])


def test_issue_reply_close_through_the_pages(client: TestClient, store: Store) -> None:
    sid = _issue(client)
    token = login(client, "keji")
    home = client.get("/").text
    assert 'id="unread-count">1<' in home  # the count on every page
    inbox = client.get("/api/inbox").json()
    assert [m["kind"] for m in inbox["messages"]] == ["supervision"] and inbox["messages"][0]["link"] == f"/supervision/{sid}"
    page = client.get(f"/supervision/{sid}").text
    assert 'id="reply-form"' in page and 'id="close-form"' not in page
    assert client.get("/api/inbox").json()["unread"] == 0  # opening the notice read its message
    assert "督办" in client.get("/departments/sci").text and client.get("/api/departments/sci").json()["supervisions"][0]["id"] == sid
    version = client.get(f"/api/supervision/{sid}").json()["version"]
    r = client.post("/supervision/reply", data={"csrf_token": token, "id": str(sid), "version": str(version), "measures": "", "effect": ""}, follow_redirects=False)
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text  # the problems at their fields
    r = client.post("/supervision/reply", data={"csrf_token": token, "id": str(sid), "version": str(version), "measures": "召开专题会议", "effect": "年底达到1.5%"},
                    files=[("files", ("企业清单.xlsx", b"PK\x03\x04", "application/octet-stream"))], follow_redirects=False)
    assert r.status_code == 303
    item = client.get(f"/api/supervision/{sid}").json()
    assert item["status"] == "replied" and item["steps"][-1]["files"][0]["filename"] == "企业清单.xlsx"
    file_id = item["steps"][-1]["files"][0]["id"]
    assert client.get(f"/supervision/{sid}/files/{file_id}").content == b"PK\x03\x04"
    client.post("/inbox/read", data={"csrf_token": token}, follow_redirects=False)
    assert client.get("/api/inbox").json()["unread"] == 0
    client.post("/api/logout", headers={"X-CSRF-Token": token})
    # another department sees nothing of it; a county neither
    login(client, "renshe")
    assert client.get(f"/supervision/{sid}").status_code == 403 and client.get("/api/supervision").json()["notices"] == []
    client.post("/api/logout", headers={"X-CSRF-Token": client.get("/api/me").json()["csrf_token"]})
    token = login(client, "admin")
    assert client.get("/api/inbox").json()["messages"][0]["kind"] == "reply"
    r = client.post("/api/supervision/close", json={"id": sid, "version": item["version"], "comment": "同意办结"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    stale = client.post("/api/supervision/close", json={"id": sid, "version": item["version"]}, headers={"X-CSRF-Token": token})
    assert stale.status_code == 409
    assert "Supervision" in client.get("/supervision?lang=en").text and "Closed" in client.get(f"/supervision/{sid}").text
    client.get("/?lang=zh")


def test_ledger_and_notice_files(client: TestClient, store: Store) -> None:
    import docx
    from openpyxl import load_workbook

    sid = _issue(client)
    login(client, "admin")
    r = client.get("/supervision/ledger.xlsx")
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["A2"].value == "督办编号" and ws["A3"].value == f"督办〔{date.today().year}〕1号" and ws["B3"].value == "市科技局"
    assert ws["E3"].value == "进度滞后指标（I05）" and ws["H3"].value == "待反馈"
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$2"  # the title and the header repeat on every page
    d = docx.Document(io.BytesIO(client.get(f"/supervision/{sid}/notice.docx").content))
    texts = [p.text for p in d.paragraphs if p.text]
    assert texts[0] == ISSUER and texts[1] == f"督办〔{date.today().year}〕1号" and texts[2] == "关于R&D经费投入强度进度滞后的督办通知"
    assert texts[3] == "市科技局：" and "说明原因并提出整改措施。" in texts
    assert d.paragraphs[0].runs[0].font.color.rgb is not None and str(d.paragraphs[0].runs[0].font.color.rgb) == "C00000"  # the red masthead
    section = d.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm), round(section.top_margin.mm), round(section.left_margin.mm)) == (210, 297, 37, 28)


def test_the_outbox_page_shows_each_delivery(client: TestClient, store: Store) -> None:
    set_setting(store, "smtp_host", "127.0.0.1", actor="admin")
    set_email(store, "keji", "keji@example.cn", actor="admin")
    _issue(client)
    login(client, "admin")
    out = client.get("/api/admin/outbox").json()
    assert out["counts"]["pending"] == 1 and out["deliveries"][0]["to"] == "keji" and out["deliveries"][0]["channel"] == "email"
    assert 'id="outbox"' in client.get("/admin/outbox").text
    login(client, "keji")
    assert client.get("/api/admin/outbox").status_code == 403


def test_an_off_track_indicator_links_to_a_filled_in_notice(client: TestClient, store: Store) -> None:
    login(client, "admin")
    page = client.get("/supervision?department=sci&origin=indicator&origin_ref=I05&subject=R%26D进度滞后").text
    assert 'value="R&amp;D进度滞后"' in page and 'value="I05"' in page and '<option value="indicator" selected>' in page
    assert 'id="issue-for-department"' in client.get("/departments/sci").text
    assert client.get("/supervision?origin=nonsense").status_code == 200
    login(client, "keji")
    assert 'id="issue-for-department"' not in client.get("/departments/sci").text


def test_an_overdue_department_on_the_round_page_links_to_a_notice(client: TestClient, store: Store) -> None:
    from stpi.store import rounds

    rounds.open_round(store, year=2025, actor="admin", deadline=date.today() - timedelta(days=1), counties=False)
    login(client, "admin")
    page = client.get("/due?year=2025").text
    assert "/supervision?department=sci&amp;origin=task&amp;origin_ref=2025%3A" in page
    assert "2025年数据逾期未报送" in client.get("/supervision?department=sci&origin=task&origin_ref=2025:I05&subject=2025年数据逾期未报送").text
