"""The official parameters reconstructed from the province's feedback report (评价反馈).

A feedback report gives the score of every node — indicators, groups, areas, the index — for the
city and its peers. With the raw indicator values, the method (score = 100·min(1, x/s), parent =
Σ weight·child) can be inverted:

- **Standards.** An uncapped indicator score p = 100·x/s gives s = 100·x/p (direction −1:
  p = 100·s/x, s = p·x/100). Published scores are rounded, so each observation gives an
  interval of standards; the estimate is the least-squares fit (in score points) over the
  observations whose intervals share a point with the most others, so a mistyped figure is
  left out rather than averaged in. A score of 100 is capped and says only s ≤ x (direction −1:
  s ≥ x).
- **Weights.** Per parent, the published parent score is Σ w·child score over the region-years:
  constrained least squares with weights ≥ 0 summing to 1 (:func:`fit_simplex`), parents from the
  deepest up; a child without a published score takes its own computed score, but only when every
  parameter below it was reconstructed (never a score resting on assumed parameters).

A parameter is reconstructed only where the data identify it; the others keep their value and
provenance, and the reason is said: no published score, capped everywhere, too few observations,
collinear child scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from stpi.analysis.simplex_fit import consistent_ranges, fit_simplex
from stpi.analysis.values import Values
from stpi.engine import Recipe, build
from stpi.engine.tree import FloatArray
from stpi.errors import NotFoundError, StpiError
from stpi.framework.model import Framework, Provenance
from stpi.framework.plan import Note

__all__ = ["FitSummary", "Reconstruction", "StandardFit", "WeightFit", "reconstruct", "reconstructed_framework", "resolution"]

EXACT = 1e-7  # relative tolerance of a score given without rounding
Published = Mapping[tuple[str, int, str], float]


@dataclass(frozen=True)
class StandardFit:
    """One indicator's standard: the estimate when identified, the observations behind it, or why not."""

    code: str
    direction: int
    current: float
    estimate: float | None
    low: float | None  # every standard in [low, high] reproduces each observation used, rounded
    high: float | None
    n_published: int
    n_uncapped: int
    n_used: int
    bound: float | None  # from capped scores: s ≤ bound (direction 1), s ≥ bound (direction −1)
    identified: bool
    reason: Note | None


@dataclass(frozen=True)
class WeightFit:
    """One parent's child weights: estimates when identified, else each weight's consistent range."""

    parent: str
    codes: tuple[str, ...]
    current: tuple[float, ...]
    estimate: tuple[float, ...] | None
    low: tuple[float, ...]
    high: tuple[float, ...]
    n_obs: int
    rank: int
    rms: float | None
    max_abs: float | None
    identified: bool
    reason: Note | None


@dataclass(frozen=True)
class FitSummary:
    """Own computation under the reconstructed parameters against the published scores (score points)."""

    n: int
    max_abs: float | None
    rms: float | None
    by_depth: tuple[tuple[int, int, float, float], ...]  # (depth, n, max |difference|, rms)
    worst: tuple[tuple[str, int, str, float, float, float], ...]  # (region, year, code, published, own, own − published)


@dataclass(frozen=True)
class Reconstruction:
    """Every standard and weight the feedback report identifies, and the fit they give."""

    source: str
    resolution: float
    standards: tuple[StandardFit, ...]
    weights: tuple[WeightFit, ...]
    fit: FitSummary
    unused: int  # published scores of regions or years without raw values

    @property
    def n_identified(self) -> tuple[int, int, int, int]:
        """(standards identified, standards, parents identified, parents)."""
        return (sum(s.identified for s in self.standards), len(self.standards), sum(w.identified for w in self.weights), len(self.weights))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self) | {"n_identified": dict(zip(("standards", "of_standards", "parents", "of_parents"), self.n_identified))}


def resolution(scores: list[float]) -> float:
    """Half a unit of the last decimal the scores are given to (0.005 for two decimals); 0 when unrounded."""
    arr = np.asarray(scores, dtype=float)
    for digits in range(7):
        scaled = arr * 10.0**digits
        if arr.size and np.all(np.abs(scaled - np.round(scaled)) < 1e-6):
            return 0.5 * 10.0**-digits
    return 0.0


def _cube(fw: Framework, values: Values, published: Published) -> tuple[FloatArray, int]:
    """Published scores as an array (R, T, N), NaN where none; and how many had no region-year in the values."""
    index = {c: i for i, c in enumerate(fw.tree.codes)}
    out = np.full((len(values.regions), len(values.years), len(index)), np.nan)
    regions, years, unused = {r: i for i, r in enumerate(values.regions)}, {y: i for i, y in enumerate(values.years)}, 0
    for (region, year, code), score in published.items():
        if region in regions and year in years and code in index:
            out[regions[region], years[year], index[code]] = score
        else:
            unused += 1
    return out, unused


def _standard(fw: Framework, k: int, x: FloatArray, p: FloatArray, delta: float) -> StandardFit:
    """The standard of leaf ``k`` from its raw values ``x`` and published scores ``p`` (flat arrays)."""
    node = fw.leaves[k]
    d = node.direction or 1
    have = np.isfinite(p)
    both = have & np.isfinite(x) & (x > 0)
    tol = np.maximum(delta, EXACT * np.abs(p))
    capped = both & (p >= 100.0 - tol)
    use = both & ~capped & (p - tol > 0)
    bound = None
    if capped.any():
        bound = float(x[capped].min() if d == 1 else x[capped].max())
    base: dict[str, Any] = dict(code=node.code, direction=d, current=float(node.standard or 0.0), n_published=int(have.sum()), n_uncapped=int(use.sum()), bound=bound)
    if not use.any():
        return StandardFit(**base, estimate=None, low=None, high=None, n_used=0, identified=False, reason=_standard_reason(int(have.sum()), int(both.sum()), int(capped.sum()), bound, d))
    xs, ps, ts = x[use], p[use], tol[use]
    lo, hi = (100.0 * xs / (ps + ts), 100.0 * xs / (ps - ts)) if d == 1 else ((ps - ts) * xs / 100.0, (ps + ts) * xs / 100.0)
    inlier = _consensus(lo, hi)
    xs, ps = xs[inlier], ps[inlier]
    if d == 1:  # p = 100·x/s: least squares in 1/s, the score points being what is rounded
        est = float(np.sum(xs * xs) * 100.0 / np.sum(ps * xs))
    else:  # p = 100·s/x
        u = 1.0 / xs
        est = float(np.sum(ps * u) / (100.0 * np.sum(u * u)))
    low, high = float(lo[inlier].max()), float(hi[inlier].min())
    est = min(max(est, low), high)
    left = int(use.sum() - inlier.sum())
    if capped.any():  # a capped score says x ≥ s (direction −1: x ≤ s); one that says otherwise disagrees too
        fits = x[capped] >= low * (1 - EXACT) if d == 1 else x[capped] <= high * (1 + EXACT)
        left += int((~fits).sum())
        base["bound"] = float(x[capped][fits].min() if d == 1 else x[capped][fits].max()) if fits.any() else None
    reason = None
    if left:
        reason = Note(f"{left} 个观测与其余不一致,未采用", f"{left} observations disagree with the others and are left out")
    elif inlier.sum() == 1:
        reason = Note("仅有一个未封顶的观测", "only one uncapped observation")
    return StandardFit(**base, estimate=est, low=low, high=high, n_used=int(inlier.sum()), identified=True, reason=reason)


def _standard_reason(n: int, with_values: int, capped: int, bound: float | None, d: int) -> Note:
    if n == 0:
        return Note("没有公布得分", "no published score")
    if with_values == 0:
        return Note("有公布得分的地区年份没有原始值", "no raw value where a score is published")
    if capped == with_values and bound is not None:
        rel = "≤" if d == 1 else "≥"
        return Note(f"各观测均已封顶(100 分),只知标准值 {rel} {bound:.6g}", f"capped at 100 everywhere: only standard {rel} {bound:.6g} is known")
    return Note("得分为 0,无法反推", "scores of 0 say nothing of the standard")


def _consensus(lo: FloatArray, hi: FloatArray) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """The intervals containing the point that the most intervals contain."""
    points = np.concatenate([lo, hi])
    kinds = np.concatenate([np.zeros(len(lo)), np.ones(len(hi))])  # starts before ends at a tie
    order = np.lexsort((kinds, points))
    depth = np.cumsum(np.where(kinds[order] == 0, 1, -1))
    at = float(points[order][int(np.argmax(depth))])
    inside: np.ndarray[Any, np.dtype[np.bool_]] = (lo <= at) & (at <= hi)
    return inside


def _with(fw: Framework, standards: Mapping[str, float], weights: Mapping[str, float]) -> Framework:
    nodes = tuple(replace(n, standard=standards.get(n.code, n.standard), weight=weights.get(n.code, n.weight)) for n in fw.nodes)
    return replace(fw, nodes=nodes)


def _rank(a: FloatArray) -> int:
    """Rank of the weights' design under the sum constraint: of the children's score differences.

    The tolerance is absolute (score points), so children that score alike in every observation
    give rank 0 even when rounding leaves a difference of 1e-15 behind.
    """
    if a.shape[1] < 2:
        return 0
    diff = a[:, 1:] - a[:, :1]
    sv = np.linalg.svd(diff, compute_uv=False)
    return int((sv > 1e-9 * max(1.0, float(np.abs(a).max())) * np.sqrt(len(a))).sum())


def _weights(fw: Framework, parent: str, y: FloatArray, children: FloatArray) -> WeightFit:
    """One parent's weights from its published scores ``y`` (n,) and its children's scores (n, m)."""
    kids = fw.children(parent)
    codes, current = tuple(n.code for n in kids), tuple(n.weight for n in kids)
    ok = np.isfinite(y) & np.isfinite(children).all(axis=1)
    a, b, n = children[ok], y[ok], int(ok.sum())
    m = len(kids)
    block = np.zeros(m, dtype=np.intp)
    if n == 0:
        reason = Note("没有同一地区年份的本节点与全部下级得分(下级未公布得分,且不能仅由重建的参数算出)",
                      "no region-year with the node's score and all its children's (a child without a published score is computed only from reconstructed parameters)")
        return WeightFit(parent, codes, current, None, (0.0,) * m, (1.0,) * m, 0, 0, None, None, False, reason)
    w = fit_simplex(a, b, block)
    rank = _rank(a)
    resid = a @ w - b
    rms, worst = float(np.sqrt(np.mean(resid**2))), float(np.abs(resid).max())
    if m > 1 and rank < m - 1:
        low, high = consistent_ranges(a, b, block, w)
        if n < m - 1:
            reason = Note(f"观测太少:{n} 个,至少需要 {m - 1} 个", f"too few observations: {n}, at least {m - 1} needed")
        elif np.ptp(a, axis=1).max() < 1e-9:
            reason = Note("各下级得分在每个观测中都相同(如均已封顶),无法区分权重", "the children score alike in every observation (e.g. all capped): the weights cannot be told apart")
        else:
            reason = Note(f"下级得分共线(秩 {rank},需要 {m - 1})", f"collinear child scores (rank {rank}, {m - 1} needed)")
        return WeightFit(parent, codes, current, None, tuple(map(float, low)), tuple(map(float, high)), n, rank, rms, worst, False, reason)
    est = tuple(float(v) for v in w)
    return WeightFit(parent, codes, current, est, est, est, n, rank, rms, worst, True, None)


def reconstruct(framework: Framework, values: Values, published: Published, *, source: str) -> Reconstruction:
    """Reconstruct the standards and weights that the published node scores identify.

    Parameters
    ----------
    framework : Framework
        The framework in force: its tree, and the parameters the data do not identify.
    values : Values
        Raw indicator values, shape (R, T, K), leaves in the framework's order.
    published : mapping of (region, year, node code) to score
        Region as ``values`` names it; scores in points (the index in %).
    source : str
        Where the scores were published (it becomes the parameters' provenance).

    Returns
    -------
    Reconstruction
    """
    if tuple(values.indicators) != tuple(n.code for n in framework.leaves):
        raise StpiError("原始值的指标与框架不一致 the raw values' indicators are not the framework's leaves")
    cube, unused = _cube(framework, values, published)
    if not np.isfinite(cube).any():
        raise NotFoundError("没有可用的公布得分(须有同一地区同一年的原始值) no published score has raw values for its region and year")
    delta = resolution([v for v in published.values()])
    tree = framework.tree
    flat_x = values.data.reshape(-1, len(framework.leaves))
    flat_p = cube.reshape(-1, tree.n_nodes)
    standards = tuple(_standard(framework, k, flat_x[:, k], flat_p[:, int(i)], delta) for k, i in enumerate(tree.leaves))
    found_s = {s.code: s.estimate for s in standards if s.identified and s.estimate is not None}
    fits, found_w = _all_weights(framework, values, flat_p, found_s)
    order = [n.code for n in framework.nodes if n.code in fits]
    result = Reconstruction(source, delta, standards, tuple(fits[c] for c in order), _summary(_with(framework, found_s, found_w), values, cube), unused)
    return result


def _all_weights(fw: Framework, values: Values, flat_p: FloatArray, found_s: Mapping[str, float]) -> tuple[dict[str, WeightFit], dict[str, float]]:
    """Every parent's weights, the deepest first.

    A child's score is its published one, else its own computed score only when everything below it was
    reconstructed (a score resting on assumed parameters would make the weights assumed too).
    """
    tree = fw.tree
    index = {c: i for i, c in enumerate(tree.codes)}
    solid = set(found_s)
    found_w: dict[str, float] = {}
    fits: dict[str, WeightFit] = {}
    for level in range(int(tree.depth.max()) - 1, -1, -1):
        model = build(Recipe(), _with(fw, found_s, found_w).tree, values.data).scores.reshape(-1, tree.n_nodes)
        for parent in (n for n, d in zip(fw.nodes, tree.depth) if d == level and not n.is_leaf):
            kids = fw.children(parent.code)
            cols = [index[c.code] for c in kids]
            computed = np.array([c.code in solid for c in kids])
            known = np.where(np.isfinite(flat_p[:, cols]) | ~computed, flat_p[:, cols], model[:, cols])
            fit = _weights(fw, parent.code, flat_p[:, index[parent.code]], known)
            fits[parent.code] = fit
            if fit.identified and fit.estimate is not None:
                found_w.update(zip(fit.codes, fit.estimate))
                if computed.all():
                    solid.add(parent.code)
    return fits, found_w


def _summary(fw: Framework, values: Values, cube: FloatArray) -> FitSummary:
    own = build(Recipe(), fw.tree, values.data).scores
    diff = own - cube
    ok = np.isfinite(diff)
    if not ok.any():
        return FitSummary(0, None, None, (), ())
    depth = fw.tree.depth
    rows = []
    for d in sorted(set(int(v) for v in depth)):
        part = diff[..., depth == d]
        part = part[np.isfinite(part)]
        if part.size:
            rows.append((d, int(part.size), float(np.abs(part).max()), float(np.sqrt(np.mean(part**2)))))
    r, t, n = np.nonzero(ok)
    top = np.argsort(-np.abs(diff[r, t, n]), kind="stable")[:10]
    worst = tuple((values.regions[r[i]], int(values.years[t[i]]), fw.tree.codes[n[i]], float(cube[r[i], t[i], n[i]]), float(own[r[i], t[i], n[i]]), float(diff[r[i], t[i], n[i]])) for i in top)
    flat = diff[ok]
    return FitSummary(int(flat.size), float(np.abs(flat).max()), float(np.sqrt(np.mean(flat**2))), tuple(rows), worst)


def reconstructed_framework(framework: Framework, rec: Reconstruction) -> Framework:
    """The complete framework: reconstructed parameters marked ``official: reconstructed from <source>``, the rest as they were."""
    identified = rec.n_identified
    if identified[0] == 0 and identified[2] == 0:
        raise StpiError("评价反馈中没有可识别的参数,未写出框架 the published scores identify no parameter: no framework written")
    prov = Provenance("official", f"reconstructed from {rec.source}")
    standards = {s.code: s.estimate for s in rec.standards if s.identified and s.estimate is not None}
    weights = {c: v for w in rec.weights if w.identified and w.estimate is not None for c, v in zip(w.codes, w.estimate)}
    nodes = []
    for n in framework.nodes:
        if n.code in standards:
            n = replace(n, standard=standards[n.code], standard_provenance=prov)
        if n.code in weights:
            n = replace(n, weight=weights[n.code], weight_provenance=prov)
        nodes.append(n)
    fit = rec.fit
    note = (f"据评价反馈重建 reconstructed from {rec.source}: 标准值 standards {identified[0]}/{identified[1]}, 权重 parents {identified[2]}/{identified[3]}; "
            f"拟合 fit max {fit.max_abs:.4g}, RMS {fit.rms:.4g} ({fit.n} scores)" if fit.max_abs is not None and fit.rms is not None else f"reconstructed from {rec.source}")
    out = replace(framework, nodes=tuple(nodes), notes=(*framework.notes, note))
    title = framework.title.replace("(示意参数)", "") + "(据评价反馈重建参数)" if not out.is_illustrative else f"{framework.title}(部分参数据评价反馈重建)"
    return replace(out, title=title)
