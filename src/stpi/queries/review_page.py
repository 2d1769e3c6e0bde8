"""The approval queue page: submitted figures grouped by reporter, region and year; what blocks locking a year."""

from __future__ import annotations

import math
from typing import Any

from stpi.readmodel import Snapshot
from stpi.store import Store
from stpi import service
from stpi.errors import InputError, Problem
from stpi.framework.plan import Plan
from stpi.i18n import get_lang, tr
from stpi.ingest.plausible import peer_reason
from stpi.numbers import number
from stpi.queries.figure_names import FigureName, change_pct, figure_names
from stpi.queries.previous import previous_values
from stpi.store import observations as ob
from stpi.store import queue, rounds
from stpi.store.records import User
from stpi.store.rules import acting_user, check_admin

__all__ = ["REVIEW_LIMIT", "lock", "return_each", "review_action", "review_page"]

REVIEW_LIMIT = 2000  # figures drawn at once; the rest wait for the next page load
DONE = ("approved", "locked")


def _finite(x: float | None) -> float | None:
    return x if x is None or math.isfinite(x) else None


def _reporter(user: User | None, username: str, plan: Plan, names: dict[str, str]) -> str:
    """Who reported, as the S&T bureau names them: the department, the county, or the person."""
    if user is not None and user.department:
        return plan.department(user.department).label(get_lang())
    if user is not None and user.region:
        return names.get(user.region, user.region)
    return (user.display_name if user is not None and user.display_name else "") or username


def _peer_flags(snap: Snapshot, items: list[Any]) -> dict[int, str]:
    """Pending indicator values far from the same year's values of their peers (same level and parent), by id: flagged for review."""
    leaves = {n.code for n in snap.framework().leaves}
    regions = {r.code: r for r in snap.regions()}
    group = {r.name: (r.level, r.parent) for r in regions.values()} | {r.code: (r.level, r.parent) for r in regions.values()}
    code_of = {r.name: r.code for r in regions.values()}
    years = sorted({p.year for p in items if p.code in leaves})
    values: dict[tuple[int, str], dict[str, float]] = {}
    if years:
        found = snap.frame(years=years)
        for name, y, code, v in zip(found["region"], found["year"], found["indicator"], found["value"]):
            if code in leaves and v is not None and math.isfinite(v):
                values.setdefault((int(y), str(code)), {})[code_of.get(str(name), str(name))] = float(v)
    for p in items:  # pending figures count among the peers too (a whole province submitted at once)
        if p.code in leaves and p.value is not None and math.isfinite(p.value) and p.period == str(p.year):
            values.setdefault((p.year, p.code), {})[p.region] = p.value
    flags = {}
    for p in items:
        if p.code not in leaves or p.value is None or not math.isfinite(p.value) or p.period != str(p.year):
            continue
        peers = [v for r, v in values.get((p.year, p.code), {}).items() if r != p.region and group.get(r) == group.get(p.region)]
        reason = peer_reason(p.value, peers)
        if reason:
            flags[p.id] = reason
    return flags


def review_page(snap: Snapshot, *, year: int | None = None, limit: int = REVIEW_LIMIT) -> dict[str, Any]:
    """Everything the review page shows, JSON-ready."""
    store = snap.source  # the queue's details (who submitted, the vintage replaced) and the round's tasks
    plan = snap.plan()
    known = figure_names(snap)
    en = get_lang() == "en"
    names = {r.code: (r.name_en or r.name) if en else r.name for r in snap.regions()}
    users = {u.username: u for u in store.users()}
    items = queue.pending(store, year=year, limit=limit)
    last = {y: previous_values(snap, y) for y in {p.year for p in items}}
    flags = _peer_flags(snap, items)
    groups: dict[tuple[int, str, str], list[dict[str, Any]]] = {}
    for p in items:
        what = known.get(p.code) or FigureName(p.code, p.code, p.code, "")
        prior = last[p.year].get((p.region, p.code)) if p.period == str(p.year) else None
        change = change_pct(p.value, prior)
        row = {
            "id": p.id, "code": p.code, "shown_code": what.shown, "no": what.no, "unit": what.unit, "raw": what.raw, "name": what.name, "period": p.period,
            "new": _finite(p.value), "old": _finite(p.old_value), "old_status": p.old_status, "last_year": _finite(prior),
            "new_text": number(_finite(p.value), what.unit), "old_text": number(_finite(p.old_value), what.unit), "last_year_text": number(_finite(prior), what.unit),
            "change_pct": change, "jump": change is not None and abs(change) > what.change_limit * 100,
            "flag": flags.get(p.id, ""), "vintage": p.vintage, "source": p.source, "note": p.note,
            "submitted_by": p.submitted_by, "submitted_at": p.submitted_at.strftime("%Y-%m-%d %H:%M"),
        }
        groups.setdefault((p.year, _reporter(users.get(p.submitted_by), p.submitted_by, plan, names), p.region), []).append(row)
    counts = queue.status_counts(store)
    locked = snap.locked_years()
    return {
        "year": year, "years": sorted(set(counts) | set(locked)), "total": queue.pending_count(store, year=year), "shown": len(items), "limit": limit,
        "groups": [{"id": f"g{n}", "year": y, "reporter": who, "region": region, "region_name": names.get(region, region), "items": rows}
                   for n, ((y, who, region), rows) in enumerate(sorted(groups.items()), start=1)],
        "locked_years": locked,
        "lockable": [{"year": y, "approved": c.get("approved", 0), "blocking": {s: n for s, n in c.items() if s not in DONE},
                      "blocking_text": "、".join(f"{tr(f'status.{s}')} {n}" for s, n in sorted(c.items()) if s not in DONE),
                      "open_tasks": len(waiting), "tasks_text": rounds.missing_by_reporter(waiting, lang=get_lang())}
                     for y, c in sorted(counts.items()) if y not in locked for waiting in [rounds.open_tasks(store, y)]],
        "lock_reasons": snap.lock_reasons(),
    }


def review_action(store: Store, *, username: str, action: str, ids: list[int], comment: str = "") -> int:
    """Approve or return exactly the figures the reviewer saw (the admin only, as ``stpi approve/return``)."""
    check_admin(acting_user(store, username), tr(f"action.{action}"))
    return queue.transition_ids(store, action, ids, actor=username, comment=comment)


def return_each(store: Store, *, username: str, comments: dict[int, str]) -> int:
    """Return exactly these figures, each with its own comment, all or none (the admin only)."""
    check_admin(acting_user(store, username), tr("action.return"))
    return queue.return_each(store, comments, actor=username)


def lock(store: Store, *, username: str, year: int, force: bool = False, reason: str = "") -> int:
    """Freeze a year's evaluation (the admin only, as ``stpi lock``)."""
    check_admin(acting_user(store, username), tr("action.lock"))
    if year not in queue.status_counts(store) and year not in ob.locked_years(store):
        raise InputError([Problem("<lock>", None, "year", f"{year}年没有任何数据,无需锁定 {year} holds no figures to lock", str(year))])
    return ob.lock_year(store, year, actor=username, force=force, reason=reason)
