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

__all__ = ["TOLERANCE", "counties_page"]

TOLERANCE = 0.005  # 0.5%: rounding in the departments' published tables stays inside it


def _sub_targets(plan: Any) -> list[dict[str, Any]]:
    """The plan's targets for parts of the region (indicator 13: 市本级 2.1%, 县区 1.1%)."""
    return [{"no": i.no, "code": i.code, "name": i.label(get_lang()), "unit": i.unit, "target": i.target, "target_at_least": i.target_at_least,
             "parts": [{"scope": s.scope, "name": s.name, "target": s.target} for s in i.sub_targets]} for i in plan.indicators if i.sub_targets]


def _matrix(targets: list[dict[str, Any]], counties: list[str], names: dict[str, str]) -> list[dict[str, Any]]:
    """One row per indicator: the county target (县区 sub-target or the city's) and each county's value against it (its own target where its plan sets one)."""
    by_code: dict[str, dict[str, Any]] = {}
    for t in targets:
        row = by_code.setdefault(t["code"], {k: t[k] for k in ("no", "code", "unit", "target", "target_scope")} | {"name": names.get(t["code"], t["name"]), "values": {}})
        if row["target_scope"] == OWN_SCOPE and t["target_scope"] != OWN_SCOPE:  # the row shows the target of the counties without a plan of their own
            row["target"], row["target_scope"] = t["target"], t["target_scope"]
        if t["region"] in counties:
            row["values"][t["region"]] = {"value": t["value"], "met": t["met"], "target": t["target"], "own": t["target_scope"] == OWN_SCOPE}
    empty = {"value": None, "met": None, "target": None, "own": False}
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


def counties_page(snap: Snapshot, *, year: int | None = None, tolerance: float = TOLERANCE, missing: str = "reweight") -> dict[str, Any]:
    """Everything the counties page shows; without county figures it says so and shows no numbers."""
    plan, fw, everything = counties_report(snap, year=None, tolerance=tolerance, missing=missing)
    years = sorted({int(y) for y in everything.index["year"]})
    chosen = year if year in years else (years[-1] if years else None)
    base = {"city": everything.city, "counties": everything.counties, "years": years, "year": chosen, "has_figures": bool(years),
            "tolerance": tolerance, "policy": tr(f"policy.{missing}"), "sub_targets": _sub_targets(plan), "county_scope": COUNTY_SCOPE,
            "illustrative": fw.is_illustrative, "parameter_rules": list(fw.parameter_rules())}
    if chosen is None:
        sums = counties_payload(everything, fw)["sums"]
        empty: dict[str, Any] = jsonable({**base, "ranking": [], "missing_counties": everything.counties, "targets": [], "met": [], "sums": sums,
                         "mismatches": sum(s["status"] == "mismatch" for s in sums), "city_index": None, "download": None})
        return empty
    _, _, rep = counties_report(snap, year=chosen, tolerance=tolerance, missing=missing)
    payload = counties_payload(rep, fw)
    ranking = [r for r in payload["index"] if r["year"] == chosen]
    sums = [s for s in payload["sums"] if s["year"] == chosen]
    ranked = {r["region"] for r in ranking}
    out: dict[str, Any] = jsonable({
        **base, "ranking": ranking, "missing_counties": [c for c in rep.counties if c not in ranked],
        "targets": _matrix(payload["targets"], [r["region"] for r in ranking], {i.code: i.label(get_lang()) for i in plan.indicators}), "met": _met(payload["targets"], [r["region"] for r in ranking]),
        "sums": sums, "mismatches": sum(s["status"] == "mismatch" for s in sums), "city_index": _city_index(snap, chosen),
        "download": f"/downloads/counties.xlsx?year={chosen}",
    })
    return out
