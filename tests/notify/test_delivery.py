"""Every notice reaches a real SMTP server and an HTTP robot receiver exactly once, in the documented JSON; failures are retried."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from stpi.notify.worker import run_once
from stpi.store import Entry, Store
from stpi.store import models as m
from stpi.store import observations as ob
from stpi.store import outbox, rounds
from stpi.store import supervision as sv
from stpi.store.accounts import add_user
from stpi.store.core import now
from stpi.store.notices import inbox, remind, set_email, sweep, unread_count
from stpi.store.settings import set_setting

PASSWORD = "correct-horse-42"
KINDS = {"returned", "supervision", "reply", "sent_back", "closed", "deadline", "overdue"}


def configure(store: Store, smtp_port: int, base: str) -> None:
    """Accounts with addresses, the SMTP settings, a WeCom robot for 市科技局 and 武都区 and a DingTalk one for the bureau."""
    add_user(store, "keji", role="department", actor="admin", department="sci", password=PASSWORD)
    add_user(store, "wudu", role="county", actor="admin", region="621202", password=PASSWORD)
    for user in ("admin", "keji", "wudu"):
        set_email(store, user, f"{user}@example.cn", actor="admin")
    for key, value in (("smtp_host", "127.0.0.1"), ("smtp_port", str(smtp_port)), ("smtp_tls", "none"), ("smtp_from", "stpi@example.cn"),
                       ("site_url", "https://stpi.example.cn")):
        set_setting(store, key, value, actor="admin")
    outbox.webhook_add(store, name="科技局群", kind="wecom", url=f"{base}/wecom/sci", party="sci", actor="admin")
    outbox.webhook_add(store, name="武都区群", kind="wecom", url=f"{base}/wecom/wudu", party="621202", actor="admin")
    outbox.webhook_add(store, name="市科技局工作群", kind="dingtalk", url=f"{base}/dingtalk/bureau", party="", actor="admin")


def every_event(store: Store) -> None:
    """One of each event: two figures returned (city, county), a round's deadline near and then passed, a notice's whole life."""
    ob.write(store, [Entry("621200", "I05", "2025", 1.2)], actor="keji")
    ob.write(store, [Entry("621202", "I05", "2025", 0.8)], actor="wudu")
    ob.transition(store, "return", actor="admin", year=2025, codes=["I05"], comment="请核对统计口径")
    today = now().date()
    rounds.open_round(store, year=2025, actor="admin", deadline=today + timedelta(days=3))
    sweep(store)  # due in 3 days
    sweep(store, today=now() + timedelta(days=5))  # overdue
    x = sv.issue(store, department_code="sci", subject="R&D经费投入强度进度滞后", request="说明原因并提出整改措施", deadline=today + timedelta(days=10), actor="admin",
                 origin="indicator", origin_ref="I05")
    x = sv.reply(store, x.id, version=x.version, actor="keji", as_department="sci", measures="召开专题会议，逐企业摸排", effect="年底达到1.5%")
    x = sv.send_back(store, x.id, version=x.version, actor="admin", comment="措施不够具体")
    x = sv.reply(store, x.id, version=x.version, actor="keji", as_department="sci", measures="列出20家重点企业清单", effect="年底达到1.5%",
                 files=[("清单.xlsx", b"PK\x03\x04demo")])
    sv.close(store, x.id, version=x.version, actor="admin", comment="同意办结")


def drain(store: Store) -> int:
    """Passes until nothing is due; how many were sent."""
    sent = 0
    for _ in range(10):
        done = run_once(store, tell=False)
        sent += done.sent
        if not (done.sent or done.retried):
            break
    return sent


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Store:
    st = Store(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
    request.addfinalizer(st.close)
    return st


def test_every_notice_is_delivered_exactly_once(store: Store, smtp: tuple[object, int], receiver: tuple[object, str]) -> None:
    box, port = smtp
    rec, base = receiver
    configure(store, port, base)
    every_event(store)
    sweep(store), sweep(store, today=now() + timedelta(days=5))  # telling again adds nothing
    owed = outbox.deliveries(store, limit=10000)
    assert {d.subject.split("：")[0] for d in owed} >= {"数据被退回", "督办通知", "督办反馈", "督办退回", "督办办结", "填报提醒", "填报逾期"}
    sent = drain(store)
    assert run_once(store).sent == 0  # a further pass (with a sweep) sends nothing again
    assert sent == len(owed) and outbox.status_counts(store) == {"pending": 0, "sending": 0, "sent": len(owed), "failed": 0}
    mails = [d for d in owed if d.channel == "email"]
    posts = [d for d in owed if d.channel != "email"]
    # e-mail: each delivery once, to its account's address, with its subject; every Message-ID once
    assert Counter(box.ids()) == Counter(f"<stpi-outbox-{d.id}@127.0.0.1>" for d in mails)  # type: ignore[attr-defined]
    got = {str(msg["Message-ID"]): (rcpt, str(msg["Subject"]), msg.get_content()) for rcpt, msg in box.accepted}  # type: ignore[attr-defined]
    for d in mails:
        rcpt, subject, body = got[f"<stpi-outbox-{d.id}@127.0.0.1>"]
        assert rcpt == [f"{d.label}@example.cn"] and subject == d.subject and "https://stpi.example.cn/" in body
    # robots: each post once, in the documented JSON, to its party's robot
    assert rec.bad == []  # type: ignore[attr-defined]
    texts = Counter((path, body["markdown"].get("content") or body["markdown"]["text"]) for path, body in rec.posts)  # type: ignore[attr-defined]
    assert sum(texts.values()) == len(posts) and max(texts.values()) == 1
    paths = Counter(path for path, _ in rec.posts)  # type: ignore[attr-defined]
    assert set(paths) == {"/wecom/sci", "/wecom/wudu", "/dingtalk/bureau"}
    # the inbox: every kind reached someone; the department sees the returned figure's own comment
    kinds = {msg.kind for user in ("admin", "keji", "wudu") for msg in inbox(store, user)}
    assert kinds == KINDS
    assert any("请核对统计口径" in msg.body for msg in inbox(store, "keji") if msg.kind == "returned")
    assert unread_count(store, "wudu") == len(inbox(store, "wudu")) > 0


def test_a_failed_delivery_is_retried_then_failed_for_the_admin(store: Store, smtp: tuple[object, int], receiver: tuple[object, str]) -> None:
    box, port = smtp
    rec, base = receiver
    configure(store, port, base)
    set_setting(store, "notify_max_attempts", "2", actor="admin")
    rec.fail = 1  # type: ignore[attr-defined]
    sv.issue(store, department_code="sci", subject="逾期未报", request="说明原因", deadline=date.today() + timedelta(days=5), actor="admin")
    first = run_once(store, tell=False)
    assert (first.sent, first.retried) == (1, 1)  # the e-mail went, the robot answered 500
    [waiting] = outbox.deliveries(store, status="pending")
    assert waiting.attempts == 1 and "500" in waiting.last_error
    assert run_once(store, tell=False).sent == 0  # not before its wait is over
    _due_now(store)
    assert run_once(store, tell=False).sent == 1 and len(rec.posts) == 1  # type: ignore[attr-defined]
    # a robot that keeps failing: failed after notify_max_attempts, shown to the admin, sent again on retry
    rec.fail = 2  # type: ignore[attr-defined]
    sv.issue(store, department_code="sci", subject="第二件", request="说明原因", deadline=date.today() + timedelta(days=5), actor="admin")
    run_once(store, tell=False)
    _due_now(store)
    assert run_once(store, tell=False).failed == 1
    [failed] = outbox.deliveries(store, status="failed")
    assert failed.attempts == 2 and failed.label == "科技局群"
    assert outbox.retry(store, None, actor="admin") == 1
    assert run_once(store, tell=False).sent == 1 and len(rec.posts) == 2  # type: ignore[attr-defined]
    assert len(box.accepted) == 2  # type: ignore[attr-defined]


def _due_now(store: Store) -> None:
    with store.session() as s:
        s.execute(update(m.OutboxRow).where(m.OutboxRow.status == "pending").values(next_at=now() - timedelta(seconds=1)))


def test_a_reminder_for_one_reporter_or_every_overdue_one(store: Store, smtp: tuple[object, int], receiver: tuple[object, str]) -> None:
    box, port = smtp
    rec, base = receiver
    configure(store, port, base)
    rounds.open_round(store, year=2025, actor="admin", deadline=now().date() + timedelta(days=30))
    assert remind(store, actor="admin") == 0  # nobody is overdue yet
    assert remind(store, actor="admin", reporter="市科技局") == 1
    [msg] = [x for x in inbox(store, "keji") if x.kind == "reminder"]
    assert msg.subject.startswith("催报提醒：") and "I05" in msg.body
    later = now() + timedelta(days=31)
    assert remind(store, actor="admin", today=later) >= 2  # every reporter with overdue tasks: departments and counties
    assert any("已逾期" in x.body for x in inbox(store, "wudu") if x.kind == "reminder")
    assert drain(store) == len(outbox.deliveries(store)) and len(box.accepted) == 3  # type: ignore[attr-defined]  (keji twice, wudu once)
    assert [e.key for e in store.audit(action="remind")] == ["overdue", "市科技局", "overdue"]
