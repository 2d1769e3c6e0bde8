"""Own computation against the province's feedback report, node by node, and the inputs of reconstruction."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from stpi.readmodel import Snapshot
from stpi import service
from stpi.analysis.index import compute_index
from stpi.analysis.reconstruct import resolution
from stpi.analysis.values import Values, values_from_frame
from stpi.engine import Aggregate, Recipe
from stpi.errors import NotFoundError
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.i18n import add_messages, get_lang, tr
from stpi.store import Store, notes

__all__ = ["RECONSTRUCTED", "comparison", "indicator_comparison", "parameters_kind", "published_node_scores"]

RECONSTRUCTED = "reconstructed from"

add_messages({
    "cal.no_scores": ("数据库中没有公布的节点得分:请先用 stpi published import 导入省评价反馈", "No published node scores in the store: import the province's feedback report with stpi published import"),
    "pub.kind.illustrative": ("本市计算使用示意参数(非官方),与公布得分的差异主要来自参数", "Own computation with illustrative (not official) parameters: differences come mostly from the parameters"),
    "pub.kind.official": ("本市计算使用官方参数", "Own computation with the official parameters"),
    "pub.kind.reconstructed": ("本市计算使用据省评价反馈重建的参数", "Own computation with parameters reconstructed from the feedback report"),
    "pub.kind.partly": ("(部分参数仍为示意参数)", " (some parameters still illustrative)"),
    "web.pub.title": ("{year}年省评价反馈与本市计算对比", "{year}: the province's feedback report against own computation"),
    "web.pub.title_node": ("省评价反馈与本市计算对比", "The province's feedback report against own computation"),
    "web.pub.published": ("公布得分", "Published"),
    "web.pub.own": ("本市计算", "Own"),
    "web.pub.diff": ("差值(本市−公布)", "Difference (own − published)"),
    "web.pub.sources": ("出处", "Source"),
    "web.pub.max": ("最大差 {max} 分", "largest difference {max} points"),
    "web.pub.rounding": ("公布得分精确到 ±{res},此范围内的差值来自四舍五入", "published to ±{res}: differences within it are rounding"),
})


def parameters_kind(fw: Framework) -> dict[str, Any]:
    """Which parameters an own computation uses: illustrative, official or reconstructed (and a sentence saying so)."""
    provs = [p for p in fw.parameter_provenances() if p is not None]
    rebuilt = any(p.kind == "official" and p.note.startswith(RECONSTRUCTED) for p in provs)
    kind = "reconstructed" if rebuilt else ("illustrative" if fw.is_illustrative else "official")
    text = tr(f"pub.kind.{kind}") + (tr("pub.kind.partly") if rebuilt and fw.is_illustrative else "")
    return {"kind": kind, "complete": not fw.is_illustrative, "text": text}


def published_node_scores(snap: Snapshot, values: Values) -> tuple[dict[tuple[str, int, str], float], str]:
    """Published node scores keyed by (region as the values name it, year, node), and their sources joined."""
    regions = {r.code: r for r in snap.regions()}
    out: dict[tuple[str, int, str], float] = {}
    sources: dict[str, None] = {}
    for p in snap.published_scores():
        region = regions[p.region]
        key = region.code if region.code in values.regions else region.name
        out[(key, p.year, p.code)] = p.score
        sources.setdefault(p.source)
    if not out:
        raise NotFoundError(tr("cal.no_scores"))
    return out, "; ".join(sources)


def _num(x: object) -> float | None:
    if x is None:
        return None
    value = float(x)  # type: ignore[arg-type]
    return value if math.isfinite(value) else None


def _own(snap: Snapshot, plan: Plan, fw: Framework, years: list[int], missing: str, figures: pd.DataFrame | None) -> dict[int, np.ndarray[Any, Any]]:
    """The city's own node scores (all nodes, framework order) in each of ``years`` that has figures."""
    from stpi.queries.bulletin import city_frame

    frame = city_frame(plan, snap.figures() if figures is None else figures, years)
    frame = frame[frame["indicator"].isin([n.code for n in fw.leaves])]
    if frame.empty:
        return {}
    result = compute_index(fw, values_from_frame(frame, fw), Recipe(aggregate=Aggregate(missing=missing)))
    scores = result.built.scores[result.values.regions.index(plan.region)]
    return {int(y): scores[t] for t, y in enumerate(result.values.years)}


def _mine(snap: Snapshot, plan: Plan) -> list[notes.PublishedScore]:
    return snap.published_scores(region=plan.region)


def comparison(snap: Snapshot, *, year: int, missing: str = "reweight", figures: pd.DataFrame | None = None) -> dict[str, Any] | None:
    """The city's published node scores of ``year`` beside its own computation, node by node; None when nothing is published.

    ``figures``: the store's figures when the caller has them already (as ``service.store_figures`` gives them).
    """
    plan, fw = (snap.plan(), snap.framework())
    mine = [p for p in _mine(snap, plan) if p.year == year and p.code in fw]
    if not mine:
        return None
    own = _own(snap, plan, fw, [year], missing, figures).get(year)
    index = {c: i for i, c in enumerate(fw.tree.codes)}
    by_code = {p.code: p for p in mine}
    rows: list[dict[str, Any]] = []
    diffs: list[float] = []
    for n, depth in zip(fw.nodes, fw.tree.depth):
        p = by_code.get(n.code)
        if p is None:
            continue
        value = None if own is None else _num(own[index[n.code]])
        rows.append({"code": n.code, "name": n.label(get_lang()), "depth": int(depth), "published": p.score, "rank": p.rank,
                     "own": value, "difference": None if value is None else value - p.score})
        if value is not None:
            diffs.append(abs(value - p.score))
    return {
        "year": year, "rows": rows, "sources": sorted({p.source for p in mine}), "resolution": resolution([p.score for p in mine]),
        "max_abs": max(diffs) if diffs else None, "rms": float(np.sqrt(np.mean(np.square(diffs)))) if diffs else None,
        "parameters": parameters_kind(fw), "policy": tr(f"policy.{missing}"),
    }


def indicator_comparison(snap: Snapshot, code: str, *, missing: str = "reweight", figures: pd.DataFrame | None = None) -> dict[str, Any] | None:
    """One node's published score beside its own computation in every year with a published score; None when none."""
    plan, fw = (snap.plan(), snap.framework())
    node = fw.node(code)
    mine = sorted((p for p in _mine(snap, plan) if p.code == node.code), key=lambda p: p.year)
    if not mine:
        return None
    own = _own(snap, plan, fw, [p.year for p in mine], missing, figures)
    at = list(fw.tree.codes).index(node.code)
    rows = []
    for p in mine:
        value = _num(own[p.year][at]) if p.year in own else None
        rows.append({"year": p.year, "published": p.score, "rank": p.rank, "own": value, "difference": None if value is None else value - p.score, "source": p.source})
    return {"code": node.code, "rows": rows, "parameters": parameters_kind(fw), "policy": tr(f"policy.{missing}")}
