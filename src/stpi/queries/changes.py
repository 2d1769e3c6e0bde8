"""What changed since a moment: the last bulletin, a date, or the user's last visit.

The figures in force then are rebuilt from the audit log (see :mod:`stpi.store.asof`), so the
answer compares like with like: new and revised figures, the plan region's lights that changed
colour, its rank each year (published first, own computation where none, as the rank history),
and supervision notices (督办单) issued since, each item with a link.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from stpi.readmodel import Snapshot
from stpi import service
from stpi.analysis.derived import derive_indicators
from stpi.analysis.track import track
from stpi.errors import InputError, Problem
from stpi.framework.embedded import embedded_variables
from stpi.i18n import add_messages, get_lang, tr
from stpi.queries.overview import status_word, tracked_of
from stpi.queries.rank_history import history_of, rank_history
from stpi.store import observations as ob
from stpi.store.asof import approvals_since, approved_frame_as_of
from stpi.store.core import Store
from stpi.store.notes import published_results
from stpi.store.records import PublishedResult

__all__ = ["LIMIT", "bulletin_key", "changes", "record_bulletin", "reference_moment"]

LIMIT = 12  # items listed per kind; the counts cover all

add_messages({
    "chg.since.bulletin": ("自上次下载进展通报（{at}）以来", "Since the last bulletin was downloaded ({at})"),
    "chg.since.visit": ("自您上次登录（{at}）以来", "Since your last visit ({at})"),
    "chg.since.date": ("自{at}以来", "Since {at}"),
    "chg.since.none_bulletin": ("尚无进展通报下载记录，以下为全部已审核数据", "No bulletin downloaded yet: everything approved so far"),
    "chg.since.none_visit": ("这是您的首次登录，以下为全部已审核数据", "Your first visit: everything approved so far"),
    "chg.new": ("新增数据{n}项", "{n} new figures"),
    "chg.new.one": ("新增数据{n}项", "{n} new figure"),
    "chg.revised": ("修订数据{n}项", "{n} revised figures"),
    "chg.revised.one": ("修订数据{n}项", "{n} revised figure"),
    "chg.lights": ("{n}项指标灯色变化", "{n} lights changed colour"),
    "chg.lights.one": ("{n}项指标灯色变化", "{n} light changed colour"),
    "chg.rank": ("{year}年排名由第{old}位变为第{new}位", "rank {year}: {old} → {new}"),
    "chg.rank_new": ("{year}年排名：第{new}位（新）", "rank {year}: {new} (new)"),
    "chg.notices": ("新督办单{n}件", "{n} new supervision notices"),
    "chg.notices.one": ("新督办单{n}件", "{n} new supervision notice"),
    "chg.nothing": ("没有变化", "nothing changed"),
    "chg.bad_since": ("since 应为 bulletin、visit 或日期 YYYY-MM-DD", "since must be bulletin, visit or a date YYYY-MM-DD"),
})


def reference_moment(store: Store, since: str, *, user: str | None = None, before: datetime | None = None) -> tuple[str, datetime | None]:
    """The mode and the moment ``since`` names: ``bulletin`` (the last bulletin download), ``visit`` (``user``'s login before the newest), a date.

    ``before``: only moments before it count (the bulletin being made now is not its own reference).
    Raises InputError for anything else.
    """
    if since == "bulletin":
        for e in store.audit(action="download", entity="document", key="bulletin.", limit=50):
            if e.key.startswith("bulletin.") and (before is None or e.at < before):
                return "bulletin", e.at
        return "bulletin", None
    if since == "visit":
        logins = [e for e in store.audit(action="login", entity="account", key=user or "", limit=50) if e.key == user and (before is None or e.at < before)]
        return "visit", logins[1].at if len(logins) > 1 else None  # the newest is this visit
    try:
        return "date", datetime.combine(date.fromisoformat(since), datetime.min.time())
    except ValueError:
        raise InputError([Problem("<since>", None, "since", f"{tr('chg.bad_since')}: {since!r}")]) from None


def bulletin_key(fmt: str, year: int) -> str:
    """The audit key of a bulletin made (``bulletin.docx?year=2025``), as the downloads page records it; :func:`reference_moment` looks for it."""
    return f"bulletin.{fmt}?year={year}"


def record_bulletin(store: Store, *, actor: str, fmt: str, year: int, name: str) -> None:
    """Audit a bulletin made outside the web app (the command line) like a download, so "since the last bulletin" counts it."""
    with store.session() as s:
        Store.audit_in(s, actor, "download", "document", bulletin_key(fmt, year), "", name)


def _published_at(store: Store, at: datetime | None, results: list[PublishedResult]) -> list[PublishedResult]:
    """The published results as they were at ``at``: those created after it left out, those changed after it as before."""
    if at is None:
        return []
    codes = {r.code: r.code for r in store.regions()} | {r.name: r.code for r in store.regions()}
    first_change: dict[tuple[str, int], tuple[str, str]] = {}
    for e in sorted(store.audit(entity="published_result", since=at + timedelta(microseconds=1), limit=100000), key=lambda e: e.id):
        region, _, year = e.key.partition("/")
        key = (codes.get(region, region), int(year))
        first_change.setdefault(key, (e.action, e.old))
    out = []
    for r in results:
        action, old = first_change.get((r.region, r.year), ("", ""))
        if action == "create":
            continue
        if action == "update":
            value, _, rank = old.partition(" #")
            r = PublishedResult(r.region, r.year, _number(value), int(rank) if rank.strip().isdigit() else None, r.source, r.note)
        out.append(r)
    return out


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _figure_items(snap: Snapshot, before: pd.DataFrame, now: pd.DataFrame, leaves: list[str], limit: int) -> tuple[int, int, list[dict[str, Any]]]:
    """How many figures are new and revised, and the first ``limit`` of them (newest year first)."""
    keys = ["region", "year", "indicator"]
    a = before[before["indicator"].isin(leaves)][keys + ["value"]].drop_duplicates(keys)
    b = now[now["indicator"].isin(leaves)][keys + ["value"]].drop_duplicates(keys)
    both = b.merge(a, on=keys, how="left", suffixes=("", "_old"))
    new = both["value_old"].isna() & both["value"].notna()
    revised = both["value_old"].notna() & ~((both["value"] - both["value_old"]).abs() <= 1e-9 * both["value_old"].abs().clip(lower=1))
    plan = snap.plan()
    indicators = {i.code: i for i in plan.indicators}
    regions = {r.name: r for r in snap.regions()}
    en = get_lang() == "en"
    items = []
    for r in both[new | revised].sort_values(["year", "region", "indicator"], ascending=[False, True, True]).head(limit).to_dict("records"):
        ind = indicators[str(r["indicator"])] if str(r["indicator"]) in indicators else plan.indicator(str(r["indicator"]))
        region = regions.get(str(r["region"]))
        year, old = int(r["year"]), _number(str(r["value_old"]))
        items.append({"kind": "new" if old is None else "revised", "region": str(r["region"]),
                      "region_name": (region.name_en or region.name) if region and en else str(r["region"]),
                      "year": year, "code": ind.code, "no": ind.no, "name": ind.name_en if en and ind.name_en else ind.name,
                      "old": old, "new": _number(str(r["value"])), "url": f"/indicators/{ind.code}?year={year}"})
    return int(new.sum()), int(revised.sum()), items


def _light_items(before: pd.DataFrame, now: pd.DataFrame) -> list[dict[str, Any]]:
    keys = ["code", "year"]
    merged = now[keys + ["name", "depth", "light", "status"]].merge(before[keys + ["light", "status"]], on=keys, suffixes=("", "_old"))
    moved = merged[merged["light"] != merged["light_old"]].sort_values(["year", "depth", "code"], ascending=[False, True, True])
    out = []
    for r in moved.to_dict("records"):
        year, depth, code = int(r["year"]), int(r["depth"]), str(r["code"])
        out.append({"code": code, "name": str(r["name"]), "year": year, "depth": depth, "old": str(r["light_old"]), "new": str(r["light"]),
                    "old_text": status_word(str(r["status_old"])), "new_text": status_word(str(r["status"])),
                    "url": "/" if depth == 0 else f"/indicators/{code}?year={year}" if depth == 3 else f"/?year={year}"})
    return out


def _rank_items(then: dict[str, Any], now: dict[str, Any]) -> list[dict[str, Any]]:
    old = dict(zip(then["years"], then["ranks"]))
    out = []
    for year, rank in zip(now["years"], now["ranks"]):
        if rank is not None and old.get(year) != rank:
            out.append({"year": year, "old": old.get(year), "new": rank, "url": "/#rank-history"})
    return sorted(out, key=lambda r: -r["year"])


def _notice_items(store: Store, at: datetime | None, departments: dict[str, str]) -> list[dict[str, Any]]:
    """Supervision notices issued since (read from the audit log, so this works whatever the notices' own tables hold), each naming its department."""
    found = store.audit(action="issue", entity="supervision", since=None if at is None else at + timedelta(microseconds=1), limit=1000)
    return [{"number": e.key, "text": _notice_text(e.new, departments), "at": e.at.isoformat(timespec="minutes"), "url": "/supervision"}
            for e in sorted(found, key=lambda e: e.id)]


def _notice_text(audited: str, departments: dict[str, str]) -> str:
    """``sci: subject (by 2026-12-10)`` (as the audit log holds it) → ``市科技局：subject``: the department by name, not code."""
    code, sep, subject = re.sub(r" \(by .*\)$", "", audited).partition(": ")
    if not sep:
        return code
    return f"{departments.get(code, code)}{'：' if get_lang() == 'zh' else ': '}{subject}"


def changes(snap: Snapshot, *, since: str = "bulletin", user: str | None = None, before: datetime | None = None, missing: str = "reweight") -> dict[str, Any]:
    """What changed since the moment ``since`` names (see :func:`reference_moment`), JSON-ready, with a one-line ``summary``."""
    store = snap.source  # the audit trail and live lists are read from the store itself
    mode, at = reference_moment(store, since, user=user, before=before)
    plan, fw = snap.plan(), snap.framework()
    now = snap.figures()
    then, then_tracked, then_ranks = _then(snap, at, missing)
    new, revised, figures = _figure_items(snap, then, now, [n.code for n in fw.leaves], LIMIT)
    mine = now[now["region"] == plan.region]
    lights = _light_items(then_tracked, tracked_of(snap, missing=missing)) if len(mine) and then_tracked is not None else []
    ranks = _rank_items(then_ranks, rank_history(snap))
    notices = _notice_items(store, at, {d.code: d.label(get_lang()) for d in plan.departments})
    label = tr(f"chg.since.{mode}", at=at.strftime("%Y-%m-%d %H:%M") if mode != "date" else at.strftime("%Y-%m-%d")) if at is not None else tr(f"chg.since.none_{mode}")
    return {
        "since": {"mode": mode, "at": None if at is None else at.isoformat(timespec="seconds"), "label": label},
        "figures": {"new": new, "revised": revised, "items": figures, "more": max(0, new + revised - len(figures))},
        "lights": {"count": len(lights), "items": lights[:LIMIT], "more": max(0, len(lights) - LIMIT)},
        "ranks": ranks, "notices": {"count": len(notices), "items": notices[:LIMIT], "more": max(0, len(notices) - LIMIT)},
        "summary": _summary(label, new, revised, len(lights), ranks, len(notices)),
    }


def _then(snap: Snapshot, at: datetime | None, missing: str) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, Any]]:
    """The figures, tracking table and rank history as they were at ``at``, rebuilt from the audit trail.

    Kept across snapshots (``snap.shared``): what was approved before ``at`` does not change with what is
    approved after it; only a restore (which moves every counter) or another plan or region list does.
    """
    def build() -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, Any]]:
        store = snap.source
        _, formulas = embedded_variables()
        raw_now = snap.frame()
        raw_then = approved_frame_as_of(store, at, raw_now, approvals_since(store, at)) if at is not None else raw_now.iloc[0:0]
        then = derive_indicators(raw_then, formulas)
        tracked = track(snap.plan(), snap.framework(), then, missing=missing) if at is not None else None
        return then, tracked, history_of(snap, then, _published_at(store, at, snap.published_results()))

    gens = snap.generations
    return snap.shared.get(("changes-then", at, missing, get_lang(), gens.get("plan"), gens.get("regions"), gens.get("published"), gens.get("settings")), build)


def _summary(label: str, new: int, revised: int, lights: int, ranks: list[dict[str, Any]], notices: int) -> str:
    parts = [_count(kind, n) for kind, n in (("new", new), ("revised", revised), ("lights", lights)) if n]
    for r in ranks[:2]:
        parts.append(tr("chg.rank", year=r["year"], old=r["old"], new=r["new"]) if r["old"] is not None else tr("chg.rank_new", year=r["year"], new=r["new"]))
    if notices:
        parts.append(_count("notices", notices))
    sep, colon, end = ("；", "：", "。") if get_lang() == "zh" else ("; ", ": ", ".")
    return f"{label}{colon}{sep.join(parts) if parts else tr('chg.nothing')}{end}"


def _count(kind: str, n: int) -> str:
    """``1 revised figure``, ``2 revised figures``: the message of a count, singular for one (Chinese has one form)."""
    return tr(f"chg.{kind}.one" if n == 1 else f"chg.{kind}", n=n)


def bulletin_changes(snap: Snapshot, *, before: datetime | None = None) -> dict[str, Any]:
    """The bulletin's opening: what changed since the last bulletin, as a summary and lines (kind; what; link)."""
    from stpi.reports.bulletin import Line

    ch = changes(snap, since="bulletin", before=before)
    if ch["since"]["at"] is None:  # the first bulletin: nothing to compare with
        return {"changes": (), "changes_text": ""}
    site = str(snap.setting("site_url")).rstrip("/")
    lines = [Line("排名变化", (tr("chg.rank", year=r["year"], old=r["old"], new=r["new"]) if r["old"] is not None else tr("chg.rank_new", year=r["year"], new=r["new"]), site + r["url"]), "")
             for r in ch["ranks"]]
    lines += [Line("灯色变化", (f"{x['year']}年{x['name']}：由“{x['old_text']}”变为“{x['new_text']}”", site + x["url"]), "") for x in ch["lights"]["items"]]
    lines += [Line("新增数据" if f["kind"] == "new" else "修订数据", (f"{f['region_name']}{f['year']}年 {f['no']}. {f['name']}：" + (f"{_short(f['new'])}" if f["kind"] == "new" else f"{_short(f['old'])} → {_short(f['new'])}"), site + f["url"]), "")
              for f in ch["figures"]["items"]]
    lines += [Line("新督办单", (f"{x['number']} {x['text']}", site + x["url"]), "") for x in ch["notices"]["items"]]
    more = ch["figures"]["more"] + ch["lights"]["more"] + ch["notices"]["more"]
    return {"changes": tuple(lines), "changes_text": ch["summary"] + (f"（另有{more}项未列出，详见系统总览页）" if more else "")}


def _short(x: float | None) -> str:
    return "—" if x is None else f"{x:.4g}"
