"""The words of each notice, in Chinese (full-width punctuation) and in English, with the link it opens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stpi.store.notices import Notice

__all__ = ["deadline_notice", "reminder_notice", "returned_notice", "supervision_notice"]


def returned_notice(audit_id: int, region: str, code: str, period: str, comment: str) -> Notice:
    """A figure sent back by the reviewer, with its own comment."""
    return Notice(
        "returned", f"returned:{audit_id}",
        f"数据被退回：{code}（{period}年，{region}）", f"审核人退回了{region} {code} {period}年的数据，意见：{comment}。请修改后重新报送。",
        f"Figure returned: {code} ({period}, {region})", f"The reviewer returned {region} {code} {period} with this comment: {comment}. Please correct it and submit again.",
        f"/data?year={period[:4]}",
    )


def deadline_notice(status: str, reporter: str, reporter_name: str, period: str, deadline: str, items: Sequence[Any]) -> Notice:
    """Tasks of a round due within the reminder window, or overdue."""
    codes = "、".join(t.code for t in items[:12]) + ("等" if len(items) > 12 else "")
    codes_en = ", ".join(t.code for t in items[:12]) + (" …" if len(items) > 12 else "")
    n, days = len(items), items[0].days_left
    if status == "overdue":
        return Notice("overdue", f"overdue:{period}:{reporter}:{deadline}",
                      f"填报逾期：{period}轮次尚有{n}项未报", f"{reporter_name}在{period}填报轮次中尚有{n}项数据未报送（{codes}），截止日期{deadline}已过，请尽快报送。",
                      f"Overdue: {n} item(s) of round {period}", f"{reporter_name} still owes {n} item(s) of round {period} ({codes_en}); the deadline {deadline} has passed.",
                      "/data")
    return Notice("deadline", f"deadline:{period}:{reporter}:{deadline}",
                  f"填报提醒：{period}轮次{n}项将于{deadline}截止", f"{reporter_name}在{period}填报轮次中尚有{n}项数据未报送（{codes}），距截止日期{deadline}还有{days}天。",
                  f"Reminder: {n} item(s) of round {period} due on {deadline}", f"{reporter_name} still owes {n} item(s) of round {period} ({codes_en}), due in {days} day(s) on {deadline}.",
                  "/data")


def supervision_notice(kind: str, sid: int, number: str, subject: str, department: str, *, deadline: str = "", text: str = "", step: int = 0) -> Notice:
    """A supervision notice issued, replied to, sent back or closed; ``step`` (the event's id) keeps each step its own notice."""
    link = f"/supervision/{sid}"
    words = {
        "supervision": (f"督办通知：{number} {subject}", f"市科技局向{department}发出{number}督办单：{subject}。要求：{text}。请于{deadline}前反馈办理情况。",
                        f"Supervision notice {number}: {subject}", f"The bureau has issued {number} to {department}: {subject}. Asked: {text}. Reply by {deadline}."),
        "reply": (f"督办反馈：{number} {subject}", f"{department}已反馈{number}督办单的办理情况：{text}",
                  f"Reply to {number}: {subject}", f"{department} has replied to {number}: {text}"),
        "sent_back": (f"督办退回：{number} {subject}", f"市科技局退回了{department}对{number}的反馈，意见：{text}。请补充后重新反馈，截止日期{deadline}。",
                      f"Reply sent back: {number} {subject}", f"The bureau sent back {department}'s reply to {number}: {text}. Reply again by {deadline}."),
        "closed": (f"督办办结：{number} {subject}", f"{number}督办单已办结。{text}", f"Closed: {number} {subject}", f"{number} is closed. {text}"),
    }[kind]
    return Notice(kind, f"supervision:{sid}:{kind}:{step}", *words, link=link)


def reminder_notice(reporter: str, reporter_name: str, items: Sequence[Any], at: str) -> Notice:
    """The bureau's reminder of a reporter's open tasks (overdue ones first)."""
    items = sorted(items, key=lambda t: (t.status != "overdue", t.deadline))
    late = sum(t.status == "overdue" for t in items)
    lines = "；".join(f"{t.code}（{t.period}，截止{t.deadline.isoformat()}{'，已逾期' if t.status == 'overdue' else ''}）" for t in items[:12])
    lines_en = "; ".join(f"{t.code} ({t.period}, due {t.deadline.isoformat()}{', overdue' if t.status == 'overdue' else ''})" for t in items[:12])
    more, more_en = ("等" if len(items) > 12 else ""), (" …" if len(items) > 12 else "")
    return Notice("reminder", f"remind:{reporter}:{at}",
                  f"催报提醒：尚有{len(items)}项未报送" + (f"（{late}项已逾期）" if late else ""), f"市科技局提醒{reporter_name}尽快报送：{lines}{more}。",
                  f"Reminder: {len(items)} item(s) still owed" + (f" ({late} overdue)" if late else ""), f"The bureau reminds {reporter_name} to submit: {lines_en}{more_en}.",
                  "/data")
