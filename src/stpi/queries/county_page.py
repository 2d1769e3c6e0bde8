"""The counties page: county indices and ranking for a year, county targets, and whether county figures add up."""

from __future__ import annotations

from typing import Any

from stpi.queries.overview import tracked_of
from stpi.readmodel import Snapshot
from stpi import service
from stpi.analysis.counties import COUNTY_SCOPE, OWN_SCOPE
from stpi.analysis.jsonable import jsonable
from stpi.i18n import get_lang, tr
from stpi.queries.checks import counties_payload, counties_report

__all__ = ["TOLERANCE", "counties_page", "split_targets"]

TOLERANCE = 0.005  # 0.5%: rounding in the departments' published tables stays inside it


def _sub_targets(plan: Any) -> list[dict[str, Any]]:
    """The plan's targets for parts of the region (indicator 13: 市本级 2.1%, 县区 1.1%)."""
    return [{"no": i.no, "code": i.code, "name": i.label(get_lang()), "unit": i.unit, "target": i.target, "target_at_least": i.target_at_least,
             "parts": [{"scope": s.scope, "name": s.name, "target": s.target} for s in i.sub_targets]} for i in plan.indicators if i.sub_targets]


def split_targets(text: str) -> list[dict[str, Any]]:
    """A county plan's split of its target, "县本级 2.1;乡镇 1.0" → [{"name": "县本级", "target": 2.1}, …] (as the county plan file writes it)."""
    out = []
    for part in text.replace("；", ";").split(";"):
        name, _, number = part.strip().rpartition(" ")
        try:
            out.append({"name": name.strip(), "target": float(number)})
        except ValueError:
            continue  # checked when the plan was read; an odd part is left out rather than shown wrong
    return [p for p in out if p["name"]]


def _matrix(targets: list[dict[str, Any]], counties: list[str], names: dict[str, str], own: dict[tuple[str, str], Any] | None = None) -> list[dict[str, Any]]:
    """One row per indicator: the county target (县区 sub-target or the city's) and each county's value against it (its own target where its plan sets one,
    with the plan's 县本级 / 乡镇 split beside it)."""
    own = own or {}
    by_code: dict[str, dict[str, Any]] = {}
    for t in targets:
        row = by_code.setdefault(t["code"], {k: t[k] for k in ("no", "code", "unit", "target", "target_scope")} | {"name": names.get(t["code"], t["name"]), "values": {}})
        if row["target_scope"] == OWN_SCOPE and t["target_scope"] != OWN_SCOPE:  # the row shows the target of the counties without a plan of their own
            row["target"], row["target_scope"] = t["target"], t["target_scope"]
        if t["region"] in counties:
            mine = own.get((t["region"], t["code"])) if t["target_scope"] == OWN_SCOPE else None
            row["values"][t["region"]] = {"value": t["value"], "met": t["met"], "target": t["target"], "own": t["target_scope"] == OWN_SCOPE,
                                          "parts": split_targets(mine.sub_targets) if mine is not None else []}
    empty: dict[str, Any] = {"value": None, "met": None, "target": None, "own": False, "parts": []}
    return [{**r, "values": [{"region": c, **r["values"].get(c, empty)} for c in counties]} for r in by_code.values()]


def _met(targets: list[dict[str, Any]], counties: list[str]) -> list[dict[str, Any]]:
    """Per county: how many indicators meet the county target, miss it, or have no value."""
    out = []
    for c in counties:
        mine = [t for t in targets if t["region"] == c]
        out.append({"region": c, "met": sum(t["met"] is True for t in mine), "not_met": sum(t["met"] is False for t in mine), "no_value": sum(t["met"] is None for t in mine)})
    return out


def _city_index(snap: Snapshot, year: int) -> float | None:
    """The city's own index in the year (same framework and policy), as a reference line."""
    plan, fw = (snap.plan(), snap.framework())
    tracked = tracked_of(snap)
    root = tracked[(tracked["depth"] == 0) & (tracked["year"] == year)]
    return None if root.empty else float(root["value"].iloc[0])


def _completeness(index: Any, counties: list[str], leaves: int, year: int) -> dict[str, int]:
    """County → how many of the framework's indicators it has not reported in ``year`` (every county reports every indicator)."""
    have = {str(r.region): int(r.indicators) for r in index[index["year"] == year].itertuples()}
    return {c: leaves - have.get(c, 0) for c in counties}


def _opening(snap: Snapshot, index: Any, counties: list[str], leaves: int, years: list[int]) -> int | None:
    """The latest locked year, or the latest year every county reported in full; else the latest year with county figures."""
    locked = set(snap.locked_years())
    for y in sorted(years, reverse=True):
        if y in locked or not any(_completeness(index, counties, leaves, y).values()):
            return y
    return years[-1] if years else None


def _year_state(snap: Snapshot, owed: dict[str, int], year: int) -> dict[str, Any]:
    """The counties' year: complete when every county reported every indicator; the counties that did not and how many they owe; the lock."""
    from stpi.queries.complete import incomplete_label, lock_label

    short = {c: n for c, n in owed.items() if n}
    n = sum(short.values())
    locked = year in snap.locked_years()
    reason = snap.lock_reasons().get(year, "") if locked else ""
    return {"year": year, "complete": not short, "missing_count": n, "incomplete_counties": sorted(short, key=list(owed).index),
            "locked": locked, "lock_reason": reason, "label": incomplete_label(n) if short else "", "lock_label": lock_label(year, reason) if locked else ""}


def _rank_rows(ranking: list[dict[str, Any]], owed: dict[str, int]) -> list[dict[str, Any]]:
    """Each county's row with its completeness: a partial county's index is an estimate, never a progress status."""
    from stpi.queries.complete import incomplete_label

    return [{**r, "complete": not owed.get(r["region"], 0), "missing_count": owed.get(r["region"], 0),
             "status": "incomplete" if owed.get(r["region"], 0) else "complete",
             "status_text": incomplete_label(owed[r["region"]]) if owed.get(r["region"], 0) else ""} for r in ranking]


def counties_page(snap: Snapshot, *, year: int | None = None, tolerance: float = TOLERANCE, missing: str = "reweight") -> dict[str, Any]:
    """Everything the counties page shows; without county figures it says so and shows no numbers.

    It opens on the latest year the counties reported in full (or a locked year); a partial year, when asked for, says 不完整 and how many are unreported.
    """
    plan, fw, everything = counties_report(snap, year=None, tolerance=tolerance, missing=missing)
    years = sorted({int(y) for y in everything.index["year"]})
    leaves = len(fw.leaves)
    chosen = year if year in years else _opening(snap, everything.index, list(everything.counties), leaves, years)
    base = {"city": everything.city, "counties": everything.counties, "years": years, "year": chosen, "has_figures": bool(years),
            "tolerance": tolerance, "policy": tr(f"policy.{missing}"), "sub_targets": _sub_targets(plan), "county_scope": COUNTY_SCOPE,
            "illustrative": fw.is_illustrative, "parameter_rules": list(fw.parameter_rules())}
    if chosen is None:
        sums = counties_payload(everything, fw)["sums"]
        empty: dict[str, Any] = jsonable({**base, "complete": False, "year_state": None, "ranking": [], "missing_counties": everything.counties, "targets": [], "met": [], "sums": sums,
                         "mismatches": sum(s["status"] == "mismatch" for s in sums), "city_index": None, "download": None})
        return empty
    _, _, rep = counties_report(snap, year=chosen, tolerance=tolerance, missing=missing)
    payload = counties_payload(rep, fw)
    ranking = [r for r in payload["index"] if r["year"] == chosen]
    sums = [s for s in payload["sums"] if s["year"] == chosen]
    ranked = {r["region"] for r in ranking}
    owed = _completeness(everything.index, list(rep.counties), leaves, chosen)
    state = _year_state(snap, owed, chosen)
    out: dict[str, Any] = jsonable({
        **base, "complete": state["complete"], "year_state": state, "ranking": _rank_rows(ranking, owed), "missing_counties": [c for c in rep.counties if c not in ranked],
        "targets": _matrix(payload["targets"], [r["region"] for r in ranking], {i.code: i.label(get_lang()) for i in plan.indicators}, snap.county_targets()),
        "met": _met(payload["targets"], [r["region"] for r in ranking]),
        "sums": sums, "mismatches": sum(s["status"] == "mismatch" for s in sums), "city_index": _city_index(snap, chosen),
        "download": f"/downloads/counties.xlsx?year={chosen}",
    })
    return out
