"""Rank history: the plan region's index and rank against each peer, year by year.

A region's peers are the regions of its level under its parent (the province's cities). Each
point is the province's published result where one is recorded (``source="published"``), else
the store's own computation from the approved figures (``source="own"``), whose ranks are among
the peers with figures that year, on the parameters in force (illustrative until imported).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from stpi.readmodel import Snapshot
from stpi import service
from stpi.analysis.index import compute_index
from stpi.analysis.values import values_from_frame
from stpi.engine import Aggregate, Recipe
from stpi.framework.model import Framework
from stpi.i18n import get_lang
from stpi.store.records import PublishedResult, Region

__all__ = ["RANK_POLICY", "history_of", "own_ranks", "rank_history"]

RANK_POLICY = "reweight"  # the maps' rule: a peer missing an indicator is ranked on the present ones, marked incomplete

Point = dict[str, Any]


def _finite(x: object) -> float | None:
    if x is None:
        return None
    value = float(x)  # type: ignore[arg-type]
    return value if math.isfinite(value) else None


def own_ranks(snap: Snapshot, figures: pd.DataFrame, names: dict[str, str], *, missing: str = RANK_POLICY) -> dict[tuple[str, int], Point]:
    """(code, year) → the index, rank among peers and completeness computed from ``figures`` (region name, year, indicator, value).

    Each year under the framework valid in it, ranked among the regions of the same level and parent (as ``service.compute_store``).
    """
    if figures.empty:
        return {}
    peers = snap.peers()
    by_version: dict[str, tuple[Framework, list[int]]] = {}
    for year in sorted({int(y) for y in figures["year"]}):
        fw = snap.framework(year)
        by_version.setdefault(fw.fingerprint(), (fw, []))[1].append(year)
    out: dict[tuple[str, int], Point] = {}
    for fw, years in by_version.values():
        part = figures[figures["year"].isin(years) & figures["indicator"].isin([n.code for n in fw.leaves])]
        if part.empty:
            continue
        res = compute_index(fw, values_from_frame(part, fw, peers=peers), Recipe(aggregate=Aggregate(missing=missing)))
        root = res.framework.tree.codes.index(fw.root.code)
        full = np.asarray(~np.isnan(res.values.data).any(axis=-1), dtype=bool)  # (R, T): every indicator present
        for i, name in enumerate(res.values.regions):
            if name not in names:
                continue
            for t, year in enumerate(res.values.years):
                value = _finite(res.built.scores[i, t, root])
                rank = res.built.ranks[i, t, root]
                if value is not None:
                    out[(names[name], int(year))] = {"index": value, "rank": int(rank) if math.isfinite(rank) else None, "complete": bool(full[i, t])}
    return out


def _points(code: str, years: list[int], published: dict[tuple[str, int], Any], own: dict[tuple[str, int], Point]) -> list[Point]:
    points = []
    for year in years:
        pub, mine = published.get((code, year)), own.get((code, year))
        if pub is not None and (pub.rank is not None or pub.index_value is not None):
            points.append({"year": year, "index": _finite(pub.index_value), "rank": pub.rank, "source": "published", "published_source": pub.source, "complete": True})
        elif mine is not None:
            points.append({"year": year, **mine, "source": "own", "published_source": ""})
        else:
            points.append({"year": year, "index": None, "rank": None, "source": "", "published_source": "", "complete": False})
    return points


def _label(region: Region) -> str:
    return region.name_en if get_lang() == "en" and region.name_en else region.name


def rank_history(snap: Snapshot, *, missing: str = RANK_POLICY) -> dict[str, Any]:
    """The plan region's and every peer's index and rank by year, JSON-ready.

    ``series`` has one entry per peer (the plan region first), each with one point per year in
    ``years``: ``index``, ``rank``, ``source`` (``published``, ``own`` or empty when neither exists).
    """
    return snap.shared.get(("rank_history", missing, get_lang(), snap.approved_key("published", "settings")),
                           lambda: history_of(snap, snap.figures(), snap.published_results(), missing=missing))


def history_of(snap: Snapshot, figures: pd.DataFrame, results: list[PublishedResult], *, missing: str = RANK_POLICY) -> dict[str, Any]:
    """:func:`rank_history` from given figures and published results (the state at another moment, for "what changed")."""
    plan = snap.plan()
    me = snap.region(plan.region)
    peers = [r for r in snap.regions() if r.level == me.level and r.parent == me.parent]
    codes = {r.code for r in peers}
    published = {(p.region, p.year): p for p in results if p.region in codes}
    own = own_ranks(snap, figures, {r.name: r.code for r in peers}, missing=missing)
    years = sorted({y for _, y in published} | {y for _, y in own})
    series: list[dict[str, Any]] = [{"code": r.code, "name": _label(r), "self": r.code == me.code, "points": _points(r.code, years, published, own)} for r in peers]
    series.sort(key=lambda s: (not s["self"], _last_rank(s["points"]), s["code"]))
    mine = series[0]["points"] if series and series[0]["self"] else []
    fw = snap.framework()
    return {
        "region": me.code, "region_name": _label(me), "years": years, "series": series,
        "goal_rank": plan.goal.rank, "goal_rank_approx": plan.goal.rank_approx, "peers": len(peers), "target_year": plan.target_year,
        "ranks": [p["rank"] for p in mine], "sources": sorted({p["source"] for p in mine if p["source"]}),
        "policy": missing, "illustrative": fw.is_illustrative, "demo": snap.demo,
    }


def _last_rank(points: list[Point]) -> float:
    ranks = [p["rank"] for p in points if p["rank"] is not None]
    return float(ranks[-1]) if ranks else math.inf
