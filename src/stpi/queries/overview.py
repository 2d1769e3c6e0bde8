"""The dashboard's numbers: index now, at the milestone and the target; rank; areas and groups; the 32 lights."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from stpi.readmodel import Snapshot
from stpi import service
from stpi.analysis.index import compute_index
from stpi.analysis.track import start_note, track
from stpi.analysis.values import Values
from stpi.engine import Aggregate, Recipe
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.i18n import get_lang, tr
from stpi.queries.complete import incomplete_label, mark_incomplete, opening_year, year_state
from stpi.queries.published import comparison
from stpi.store.notes import published_results

__all__ = ["STATUS_WORDS", "department_names", "overview", "status_label", "status_word"]

STATUS_WORDS = {
    "reached": ("已达标", "Target reached"), "on_track": ("按进度推进", "On track"), "moderate": ("进展一般", "Moderate progress"),
    "limited": ("进展有限", "Limited progress"), "deterioration": ("倒退", "Deterioration"), "baseline_only": ("仅有基期", "Baseline only"),
    "no_data": ("无数据", "No data"), "incomplete": ("不完整", "Incomplete"),
}


def status_word(status: str) -> str:
    """The status in the language in force."""
    zh, en = STATUS_WORDS.get(status, (status, status))
    return en if get_lang() == "en" else zh


def status_label(status: str, start_year: object, baseline_year: int) -> str:
    """The status word, with '(基期缺失,以2023年为起点)' for an indicator measured from a later start."""
    note = start_note(start_year, baseline_year)
    word = status_word(status)
    if note is None:
        return word
    if status == "baseline_only":  # its start year: nothing to judge yet
        return note.label(get_lang())
    return f"{word} ({note.en})" if get_lang() == "en" else f"{word}({note.zh})"


def department_names(plan: Plan, codes: str | tuple[str, ...]) -> str:
    """'市科技局、市发改委' from department codes (a ';'-joined string or a tuple)."""
    items = [c for c in (codes.split(";") if isinstance(codes, str) else codes) if c]
    return "、".join(plan.department(c).label(get_lang()) for c in items)


def _num(x: object) -> float | None:
    if x is None:
        return None
    value = float(x)  # type: ignore[arg-type]
    return value if math.isfinite(value) else None


def _rank(snap: Snapshot, plan: Plan, year: int) -> dict[str, Any]:
    """The official rank when the province's published results for ``year`` are recorded."""
    code = snap.region(plan.region).code  # published results name regions by code
    mine = [p for p in snap.published_results(year=year) if p.region in (code, plan.region)]
    if mine and mine[0].rank is not None:
        return {"rank": mine[0].rank, "index_published": mine[0].index_value, "source": mine[0].source}
    return {"rank": None, "index_published": None, "source": ""}


def _node_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{"code": r.code, "name": r.name, "depth": int(r.depth),  # type: ignore[arg-type]  # pandas types itertuples fields loosely
             "value": _num(r.value), "milestone": _num(r.milestone), "target": _num(r.target),
             "status": r.status, "status_text": status_word(str(r.status)), "light": r.light} for r in frame.itertuples()]


def _indicator_rows(plan: Plan, fw: Framework, tracked: pd.DataFrame, year: int) -> list[dict[str, Any]]:
    leaves = tracked[tracked["code"].isin([n.code for n in fw.leaves])]
    latest = leaves[leaves["value"].notna()].sort_values("year").drop_duplicates("code", keep="last").set_index("code")
    now = leaves[leaves["year"] == year].set_index("code")
    rows = []
    for ind in plan.indicators:
        if ind.code not in now.index:
            continue
        r = now.loc[ind.code]
        last = latest.loc[ind.code] if ind.code in latest.index else None
        rows.append({
            "no": ind.no, "code": ind.code, "name": ind.name if get_lang() == "zh" or not ind.name_en else ind.name_en, "unit": ind.unit,
            "baseline": ind.baseline, "latest": None if last is None else _num(last["value"]), "latest_year": None if last is None else int(str(last["year"])),
            "value": _num(r["value"]), "milestone": _num(r["milestone"]), "target": ind.target, "target_at_least": ind.target_at_least,
            "status": r["status"], "status_text": status_label(str(r["status"]), r["start_year"], plan.baseline_year), "light": r["light"],
            "start_year": None if pd.isna(r["start_year"]) else int(r["start_year"]),
            "lead": department_names(plan, ind.lead), "lead_codes": list(ind.lead), "note": ind.note_label(get_lang()),
        })
    return rows


def _estimate(plan: Plan, fw: Framework, figures: pd.DataFrame, year: int, missing: str) -> dict[str, Any] | None:
    """The index with every unreported indicator at its latest earlier value (the what-if's start); None when nothing is carried."""
    from stpi.queries.whatif import latest_known  # the what-if's own rule, so both pages show the same estimate

    values, when = latest_known(plan, figures, year)
    carried = sorted(c for c, y in when.items() if y is not None and y < year)
    if not carried:
        return None
    leaves = tuple(n.code for n in fw.leaves)
    x = np.array([[[np.nan if values.get(c) is None else values[c] for c in leaves]]], dtype=float)
    result = compute_index(fw, Values((plan.region,), (year,), leaves, x), Recipe(aggregate=Aggregate(missing=missing)))
    return {"value": _num(result.root[0, 0]), "carried": carried}


def overview(snap: Snapshot, *, year: int | None = None, missing: str = "reweight", path: str | None = None) -> dict[str, Any]:
    """Everything the overview page shows, JSON-ready (floats finite or None); computed once per snapshot, parameters and language.

    The result is shared: callers copy before changing it.
    """
    key = ("overview", year, missing, path, get_lang(), snap.approved_key("published"))
    return snap.shared.get(key, lambda: _overview(snap, year=year, missing=missing, path=path))


def tracked_of(snap: Snapshot, *, missing: str = "reweight", path: str | None = None) -> Any:
    """The tracking table of the plan on the snapshot's figures (shared; do not change it)."""
    return snap.shared.get(("track", missing, path, snap.approved_key()), lambda: track(snap.plan(), snap.framework(), snap.figures(), path=path, missing=missing))


def _overview(snap: Snapshot, *, year: int | None, missing: str, path: str | None) -> dict[str, Any]:
    plan, fw = (snap.plan(), snap.framework())
    figures = snap.figures()
    tracked = tracked_of(snap, missing=missing, path=path)
    years = sorted({int(y) for y in tracked["year"]})
    year = opening_year(snap, plan, fw, figures, years) if year is None or year not in years else year
    state = year_state(snap, plan, fw, figures, year)
    now = mark_incomplete(tracked[tracked["year"] == year], fw, state.missing)
    root = now[now["depth"] == 0].iloc[0]
    index_rows = tracked[tracked["depth"] == 0].sort_values("year")
    leaves = now[now["code"].isin([n.code for n in fw.leaves])]
    estimate = _estimate(plan, fw, figures, year, missing)
    index = {"value": _num(root["value"]), "milestone": _num(root["milestone"]), "target": _num(root["target"]), "status": root["status"],
             "status_text": status_word(str(root["status"])), "light": root["light"]}
    if not state.complete:  # never a progress status on a partial basis: the estimate, labelled
        index |= {"value": estimate["value"] if estimate else index["value"], "partial_value": index["value"], "status_text": incomplete_label(len(state.missing))}
    return {
        "region": plan.region, "plan_title": plan.title, "year": year, "years": years,
        "baseline_year": plan.baseline_year, "target_year": plan.target_year,
        "complete": state.complete, "year_state": state.to_dict(),
        "index": index,
        "estimate": estimate,
        "goal": {"index": plan.goal.index, "at_least": plan.goal.at_least, "rank": plan.goal.rank, "rank_approx": plan.goal.rank_approx, "regions": plan.goal.regions},
        "rank": _rank(snap, plan, year),
        "with_data": int(leaves["value"].notna().sum()), "indicator_count": len(fw.leaves),
        "missing_codes": sorted(leaves.loc[leaves["value"].isna(), "code"]), "policy": tr(f"policy.{missing}"),
        "areas": _node_rows(now[now["depth"] == 1]), "groups": _node_rows(now[now["depth"] == 2]),
        "indicators": _indicator_rows(plan, fw, tracked, year),
        "path": {"years": [int(y) for y in index_rows["year"]], "values": [_num(v) for v in index_rows["value"]], "milestones": [_num(v) for v in index_rows["milestone"]]},
        "illustrative": fw.is_illustrative, "parameter_rules": list(fw.parameter_rules()),
        "milestone_path": path or plan.milestone_path,
        "feedback": comparison(snap, year=year, missing=missing, figures=figures),  # own computation against the province's feedback report
    }
