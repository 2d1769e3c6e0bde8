"""Supervision notices in the store: the life of a notice, compare-and-set, who may reply, files within the limit, overdue, audit, notices."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from stpi.errors import ConflictError, ForbiddenError, InputError
from stpi.store import Store
from stpi.store import supervision as sv
from stpi.store.accounts import add_user
from stpi.store.notices import inbox, mark_read, unread_count
from stpi.store.settings import set_setting

SOON = date.today() + timedelta(days=10)


def _accounts(store: Store) -> None:
    add_user(store, "keji", role="department", actor="admin", department="sci", password="correct-horse-42")
    add_user(store, "renshe", role="department", actor="admin", department="hrss", password="correct-horse-42")


def test_a_notice_from_issue_to_close(store: Store) -> None:
    _accounts(store)
    x = sv.issue(store, department_code="市科技局", subject="R&D经费投入强度进度滞后", request="说明原因并提出整改措施", deadline=SOON, actor="admin",
                 origin="indicator", origin_ref="I05")
    assert (x.number, x.department, x.status, x.version, x.overdue) == (f"督办〔{date.today().year}〕1号", "sci", "open", 1, False)
    assert sv.issue(store, department_code="sci", subject="第二件", request="说明", deadline=SOON, actor="admin").seq == 2
    assert [m.kind for m in inbox(store, "keji")] == ["supervision", "supervision"] and inbox(store, "renshe") == []
    x = sv.reply(store, x.id, version=1, actor="keji", as_department="sci", measures="专题会议", effect="年底达标", files=[("材料.pdf", b"%PDF-1.4 x")])
    assert x.status == "replied" and x.replied_on_time is True and x.steps[-1].files[0].filename == "材料.pdf"
    assert sv.attachment(store, x.id, x.steps[-1].files[0].id) == ("材料.pdf", b"%PDF-1.4 x")
    assert [m.kind for m in inbox(store, "admin")] == ["reply"]
    x = sv.send_back(store, x.id, version=x.version, actor="admin", comment="措施不具体", deadline=SOON + timedelta(days=5))
    assert (x.status, x.deadline) == ("returned", SOON + timedelta(days=5))
    assert "措施不具体" in inbox(store, "keji")[0].body
    x = sv.reply(store, x.id, version=x.version, actor="keji", as_department="sci", measures="列出企业清单", effect="年底达标")
    x = sv.close(store, x.id, version=x.version, actor="admin", comment="同意办结")
    assert x.status == "closed" and [s.kind for s in x.steps] == ["issue", "reply", "return", "reply", "close"]
    audit = [(e.action, e.key) for e in reversed(store.audit(entity="supervision"))]
    assert [a for a, _ in audit] == ["issue", "issue", "reply", "return", "reply", "close"] and audit[0][1] == x.number
    assert [s.number for s in sv.supervisions(store, department_code="sci", status="closed")] == [x.number]
    assert mark_read(store, "keji") == unread_count(store, "keji") + 4 and unread_count(store, "keji") == 0


def test_steps_are_compare_and_set_and_only_the_department_replies(store: Store) -> None:
    _accounts(store)
    x = sv.issue(store, department_code="sci", subject="进度滞后", request="说明原因", deadline=SOON, actor="admin")
    with pytest.raises(ForbiddenError):
        sv.reply(store, x.id, version=x.version, actor="renshe", as_department="hrss", measures="m", effect="e")
    with pytest.raises(ConflictError):  # nothing to send back before a reply
        sv.send_back(store, x.id, version=x.version, actor="admin", comment="c")
    sv.close(store, x.id, version=x.version, actor="admin")
    with pytest.raises(ConflictError):  # the page was drawn before the close: refused, names the notice
        sv.reply(store, x.id, version=x.version, actor="keji", as_department="sci", measures="m", effect="e")
    y = sv.issue(store, department_code="sci", subject="两人同时办结", request="说明原因", deadline=SOON, actor="admin")
    results: list[str] = []

    def close() -> None:
        try:
            sv.close(store, y.id, version=y.version, actor="admin")
            results.append("ok")
        except ConflictError:
            results.append("conflict")

    threads = [threading.Thread(target=close) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert sorted(results) == ["conflict", "ok"]
    assert [s.kind for s in sv.supervision(store, y.id).steps] == ["issue", "close"]


def test_input_files_and_overdue(store: Store) -> None:
    _accounts(store)
    with pytest.raises(InputError) as caught:
        sv.issue(store, department_code="sci", subject="", request="", deadline=date.today() - timedelta(days=1), actor="admin", origin="indicator")
    assert {p.field for p in caught.value.problems} == {"subject", "request", "deadline", "origin_ref"}
    with pytest.raises(InputError):
        sv.issue(store, department_code="没有这个部门", subject="x", request="y", deadline=SOON, actor="admin")
    x = sv.issue(store, department_code="sci", subject="附件过大", request="说明原因", deadline=SOON, actor="admin")
    set_setting(store, "upload_limit_mb", "1", actor="admin")
    with pytest.raises(InputError) as caught:
        sv.reply(store, x.id, version=x.version, actor="keji", as_department="sci", measures="m", effect="e", files=[("a.bin", b"x" * 600_000), ("b.bin", b"y" * 600_000)])
    assert caught.value.problems[0].field == "files"
    assert sv.supervision(store, x.id).status == "open"  # refused whole: nothing written
    later = SOON + timedelta(days=1)
    assert sv.supervision(store, x.id, today=later).overdue and [s.id for s in sv.supervisions(store, status="overdue", today=later)] == [x.id]
    x = sv.reply(store, x.id, version=x.version, actor="keji", as_department="sci", measures="m", effect="e")
    assert not sv.supervision(store, x.id, today=later).overdue
