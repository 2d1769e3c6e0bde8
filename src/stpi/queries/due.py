"""What is due from whom by when: a reporter's due list, and the admin's view of a round."""

from __future__ import annotations

from datetime import date
from typing import Any

from stpi.readmodel import Snapshot
from stpi import service
from stpi.i18n import get_lang
from stpi.store import rounds
from stpi.store.rounds import Task

__all__ = ["GIVES", "due_list", "round_view", "task_dict"]

GIVES = {
    "value": ("报指标值", "the indicator value"),
    "either": ("报指标值或其原始数据（两者都报时以指标值为准）", "the indicator value or its raw statistics (the value wins when both come)"),
}


def task_dict(t: Task) -> dict[str, Any]:
    """One task, JSON-ready: reporter, code, name, status, deadline (ISO), days_left, what to give, the return comment."""
    lang = get_lang()
    zh, en = GIVES[t.gives]
    return {
        "period": t.period, "year": t.year, "reporter": t.reporter, "reporter_name": t.reporter_name, "reporter_kind": t.reporter_kind,
        "region": t.region, "region_name": t.region_name, "code": t.code, "name": t.name,
        "status": t.status, "status_text": rounds.status_word(t.status, lang), "deadline": t.deadline.isoformat(), "days_left": t.days_left,
        "gives": t.gives, "gives_text": en if lang == "en" else zh, "variables": list(t.variables), "wins": "value",
        "submitted_at": None if t.submitted_at is None else t.submitted_at.isoformat(timespec="seconds"),
        "submitted_by": t.submitted_by, "on_time": t.on_time, "comment": t.comment,
    }


def due_list(snap: Snapshot, *, year: int | None = None, reporter: str | None = None, today: date | None = None) -> list[dict[str, Any]]:
    """Every task (of one year, one reporter) with its status today: what ``stpi due --json`` and a reporter's home page show."""
    store = snap.source  # the audit trail and live lists are read from the store itself
    if reporter is not None:
        _check_reporter(store, reporter)
    return [task_dict(t) for t in rounds.tasks(store, year=year, reporter=reporter, today=today)]


def _check_reporter(store: Any, reporter: str) -> None:
    from stpi.errors import NotFoundError

    plan = store.plan()
    known = {d.code for d in plan.departments} | {d.name for d in plan.departments}
    known |= {r.code for r in store.regions("county")} | {r.name for r in store.regions("county")}
    if reporter not in known:
        raise NotFoundError(f"没有该填报单位：{reporter} no such reporter: {reporter}")


def _share(items: list[Task]) -> dict[str, Any]:
    counts = {s: sum(t.status == s for t in items) for s in rounds.TASK_STATUSES}
    return {"tasks": len(items), "approved": counts["approved"], "counts": counts,
            "share": round(counts["approved"] / len(items), 4) if items else None}


def round_view(snap: Snapshot, *, year: int | None = None, today: date | None = None) -> dict[str, Any]:
    """The admin's view of a year's round: completeness per department, per county and per indicator, and who is overdue."""
    store = snap.source  # the audit trail and live lists are read from the store itself
    found = rounds.rounds(store)
    years = sorted({r.year for r in found})
    if year is None:
        year = years[-1] if years else None
    mine = [r for r in found if r.year == year]
    items = rounds.tasks(store, year=year, today=today) if year is not None else []
    by: dict[tuple[str, str, str], list[Task]] = {}
    per_code: dict[tuple[str, str], list[Task]] = {}
    for t in items:
        by.setdefault((t.reporter_kind, t.reporter, t.reporter_name), []).append(t)
        per_code.setdefault((t.code, t.name), []).append(t)
    reporters = [{"kind": k, "reporter": r, "reporter_name": n, **_share(ts), "overdue": [t.code for t in ts if t.status == "overdue"],
                  "deadline": min(t.deadline for t in ts).isoformat()} for (k, r, n), ts in by.items()]
    overdue = sorted({(t.reporter, t.reporter_name) for t in items if t.status == "overdue"})
    return {
        "year": year, "years": years,
        "rounds": [{"period": r.period, "deadline": r.deadline.isoformat(), "status": r.status, "tasks": r.tasks, "opened_by": r.opened_by} for r in mine],
        "total": _share(items),
        "departments": [r for r in reporters if r["kind"] == "department"],
        "counties": [r for r in reporters if r["kind"] == "county"],
        "indicators": [{"code": c, "name": n, **_share(ts)} for (c, n), ts in sorted(per_code.items())],
        "overdue": [{"reporter": r, "reporter_name": n, "codes": [t.code for t in by_r if t.status == "overdue"]}
                    for r, n in overdue for by_r in [[t for t in items if t.reporter == r]]],
        "returned": [task_dict(t) for t in items if t.status == "returned"],
    }
