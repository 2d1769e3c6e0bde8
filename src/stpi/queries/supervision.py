"""What the supervision pages, the ledger and the notice document show, as plain data."""

from __future__ import annotations

from datetime import date
from typing import Any

from stpi.readmodel import Snapshot
from stpi.store import Store
from stpi import service
from stpi.i18n import get_lang
from stpi.reports.supervision_docs import ORIGIN_WORDS, STATUS_WORDS, ledger_xlsx, notice_docx
from stpi.store import supervision as sv
from stpi.store.settings import DEMO_NOTE, is_demo

__all__ = ["ledger_bytes", "notice_bytes", "supervision_item", "supervision_list"]


def _word(words: dict[str, tuple[str, str]], key: str) -> str:
    pair = words.get(key, (key, key))
    return pair[1] if get_lang() == "en" else pair[0]


def _step(step: sv.Step) -> dict[str, Any]:
    return {"id": step.id, "at": step.at.isoformat(timespec="seconds"), "actor": step.actor, "kind": step.kind, "measures": step.measures, "effect": step.effect,
            "comment": step.comment, "files": [{"id": f.id, "filename": f.filename, "size": f.size, "sha256": f.sha256} for f in step.files]}


def supervision_item(x: sv.Supervision) -> dict[str, Any]:
    """One notice as the pages and the API give it."""
    return {
        "id": x.id, "number": x.number, "department": x.department, "department_name": x.department_name, "subject": x.subject, "request": x.request,
        "deadline": x.deadline.isoformat(), "origin": x.origin, "origin_text": _word(ORIGIN_WORDS, x.origin), "origin_ref": x.origin_ref,
        "status": x.status, "status_text": _word(STATUS_WORDS, x.status), "version": x.version, "overdue": x.overdue,
        "issued_at": x.issued_at.isoformat(timespec="seconds"), "issued_by": x.issued_by,
        "replied_at": x.replied_at.isoformat(timespec="seconds") if x.replied_at else None, "replied_on_time": x.replied_on_time,
        "closed_at": x.closed_at.isoformat(timespec="seconds") if x.closed_at else None, "steps": [_step(st) for st in x.steps],
    }


def supervision_list(store: Store, *, department: str | None = None, status: str | None = None, today: date | None = None) -> dict[str, Any]:
    """The notices (of one department, or all), with counts by status and of the overdue ones."""
    items = sv.supervisions(store, department_code=department, today=today)
    shown = [x for x in items if status in (None, "") or x.status == status or (status == "overdue" and x.overdue)]
    counts = {st: sum(x.status == st for x in items) for st in sv.STATUSES}
    return {"notices": [supervision_item(x) for x in shown], "counts": counts, "overdue": sum(x.overdue for x in items), "total": len(items),
            "department": department, "status": status or "",
            "statuses": [{"code": st, "text": _word(STATUS_WORDS, st)} for st in sv.STATUSES] + [{"code": "overdue", "text": "逾期" if get_lang() != "en" else "overdue"}],
            "origins": [{"code": o, "text": _word(ORIGIN_WORDS, o)} for o in sv.ORIGINS]}


def ledger_bytes(store: Store, *, year: int | None = None, department: str | None = None) -> bytes:
    """The 督办台账 workbook, with every notice's steps."""
    items = [sv.supervision(store, x.id) for x in sv.supervisions(store, year=year, department_code=department)]
    title = f"督办台账{f'（{year}年）' if year else ''}"
    return ledger_xlsx(items, title=title, demo_note=DEMO_NOTE if is_demo(store) else "")


def notice_bytes(store: Store, sid: int) -> bytes:
    """One 督办通知 as a Word document."""
    return notice_docx(sv.supervision(store, sid))
