"""Estimating unknown weights from published index values, and saying when the data cannot tell.

The free parameters are the weights of the children of chosen parent nodes
(by default the root's: the area weights), each parent's weights non-negative
and summing to 1, and optionally one common factor ``λ`` on every standard.
With the rest of the framework fixed, a region-year's index is linear in the
free weights::

    index = offset + Σ_c eff(parent(c)) · score_c · w_c

so the weights are a constrained least-squares fit of the published values.
The parents must not be nested (then the index would be a product of free
weights). ``λ`` enters through the capped scores and is fitted by a search on
a grid of factors (0.25 to 4) with the weights solved at each one.

Identifiability decides what is reported:

- ``unidentified`` — fewer published values than free parameters, or a
  rank-deficient design (e.g. collinear groups): no point estimates; each
  weight's range over every parameter set that fits equally well (linear
  programming).
- ``weak`` — identified, but fewer than 5 degrees of freedom, an
  ill-conditioned design, a leave-one-out spread above 0.05, or ``λ`` at the
  edge of its grid: point estimates with their leave-one-out ranges, flagged.
- ``identified`` — otherwise; ranges are the leave-one-out ranges.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from functools import partial
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from stpi.analysis.simplex_fit import consistent_ranges, fit_simplex, rank_condition
from stpi.analysis.values import Values
from stpi.engine import Recipe, build
from stpi.engine.tree import FloatArray, IntArray
from stpi.errors import MethodError, NotFoundError, StpiError
from stpi.framework.model import Framework, Provenance
from stpi.framework.plan import Note

__all__ = ["Calibration", "Design", "calibrate", "calibrated_framework", "consistent_ranges", "design", "fit_simplex", "free_parents"]

MIN_DOF = 5
MAX_CONDITION = 1e3
MAX_SPREAD = 0.05
SCALE_GRID = np.geomspace(0.25, 4.0, 49)
Rows = IntArray | slice


@dataclass(frozen=True, eq=False)
class Design:
    """The linear model of the published values in the free weights.

    ``matrix`` has shape (n, p): row i, column c is ``eff(parent(c)) · score_c``
    of observation i; ``block[c]`` is the index of column c's parent in ``parents``.
    """

    rows: tuple[tuple[str, int], ...]
    parents: tuple[str, ...]
    codes: tuple[str, ...]
    block: IntArray
    matrix: FloatArray
    offset: FloatArray
    target: FloatArray
    dropped: tuple[tuple[str, int, str], ...]


def free_parents(framework: Framework, *, parents: Sequence[str] | None = None, depth: int | None = None) -> tuple[str, ...]:
    """The parents whose children's weights are free: given, all inner nodes at ``depth``, or the root."""
    if parents and depth is not None:
        raise MethodError("--parent 与 --depth 只能选一个 give parents or a depth, not both")
    if depth is not None:
        chosen = tuple(n.code for n in framework.level(depth) if not n.is_leaf)
        if not chosen:
            raise MethodError(f"第 {depth} 层没有非末级节点 no inner node at depth {depth}")
    else:
        chosen = tuple(parents or (framework.root.code,))
    for code in chosen:
        if framework.node(code).is_leaf:
            raise MethodError(f"{code} 是末级指标,没有下级权重 {code} is an indicator: it has no child weights")
    nested = sorted(c for c in chosen if any(a.code in chosen for a in framework.ancestors(c)))
    if nested:
        raise MethodError(f"所选上级节点互相嵌套,指数不再是权重的线性函数 nested parents make the model non-linear: {', '.join(nested)}")
    return chosen


def design(framework: Framework, values: Values, published: Mapping[tuple[str, int], float], parents: Sequence[str], *, scale: float = 1.0) -> Design:
    """The design of the calibration for the framework with every standard multiplied by ``scale``.

    Parameters
    ----------
    framework : Framework
    values : Values
        Raw indicator values, shape (R, T, K).
    published : mapping of (region, year) to index
    parents : sequence of str
        Parents whose children's weights are free (not nested).
    scale : float
        Common factor on the standards.

    Returns
    -------
    Design
        Observations without complete figures are dropped, with the reason.
    """
    tree = framework.tree
    scores = build(Recipe(), replace(tree, standard=tree.standard * scale), values.data).scores
    index = {c: i for i, c in enumerate(tree.codes)}
    children = [(p, n.code) for p in parents for n in framework.children(p)]
    cols = np.array([index[c] for _, c in children], dtype=np.intp)
    block = np.array([parents.index(p) for p, _ in children], dtype=np.intp)
    par_eff = tree.effective_weight[[index[p] for p, _ in children]]
    rows, used, dropped = [], [], []
    for (region, year), y in sorted(published.items()):
        known = region in values.regions and year in values.years
        at = (values.regions.index(region), values.years.index(year)) if known else (0, 0)
        if not known or np.isnan(scores[at][0]):
            dropped.append((region, year, "指标数据不完整 incomplete figures" if known else "没有该地区该年的指标数据 no figures for this region and year"))
            continue
        rows.append((region, year))
        used.append((*at, y))
    at_i = np.array([u[:2] for u in used], dtype=np.intp).reshape(-1, 2)
    child_scores = scores[at_i[:, 0], at_i[:, 1]][:, cols]
    offset = scores[at_i[:, 0], at_i[:, 1], 0] - child_scores @ tree.effective_weight[cols]
    matrix, target = child_scores * par_eff, np.array([u[2] for u in used], dtype=float)
    return Design(tuple(rows), tuple(parents), tuple(c for _, c in children), block, matrix, offset, target, tuple(dropped))


@dataclass(frozen=True)
class Fitted:
    """One observation's published and fitted index."""

    region: str
    year: int
    published: float
    fitted: float
    residual: float


@dataclass(frozen=True)
class Calibration:
    """Estimated weights (and scale of the standards), fit quality and identifiability."""

    parents: tuple[str, ...]
    codes: tuple[str, ...]
    parent_of: tuple[str, ...]
    current: tuple[float, ...]
    estimate: tuple[float, ...] | None
    low: tuple[float, ...]
    high: tuple[float, ...]
    range_method: str
    scale: float | None
    scale_range: tuple[float, float] | None
    n_obs: int
    n_free: int
    rank: int
    condition: float | None
    r2: float | None
    rmse: float | None
    status: str
    reasons: tuple[Note, ...]
    message: Note
    residuals: tuple[Fitted, ...]
    dropped: tuple[tuple[str, int, str], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def _fit(d: Design, rows: Rows = slice(None)) -> tuple[FloatArray, FloatArray, FloatArray, int]:
    """(w, low, high, rank) on some rows: low = high = w when identified, else the consistent ranges."""
    a, b = d.matrix[rows], (d.target - d.offset)[rows]
    w = fit_simplex(a, b, d.block)
    rank, _ = rank_condition(a, d.block)
    if rank < len(w) - (int(d.block.max()) + 1):
        low, high = consistent_ranges(a, b, d.block, w)
        return w, low, high, rank
    return w, w, w, rank


def _rss(d: Design, w: FloatArray, rows: Rows = slice(None)) -> float:
    return float(np.sum((d.matrix[rows] @ w + d.offset[rows] - d.target[rows]) ** 2))


def _best_scale(designs: Sequence[Design], rows: Rows = slice(None)) -> int:
    """Index of the grid factor with the smallest residual sum of squares on the rows."""
    return int(np.argmin([_rss(d, fit_simplex(d.matrix[rows], (d.target - d.offset)[rows], d.block), rows) for d in designs]))


def calibrate(
    framework: Framework,
    values: Values,
    published: Mapping[tuple[str, int], float],
    *,
    parents: Sequence[str] | None = None,
    depth: int | None = None,
    scale_standards: bool = False,
) -> Calibration:
    """Estimate the free weights (and a common scale of the standards) from published index values.

    Parameters
    ----------
    framework : Framework
        The framework in force: its tree, standards and the weights not estimated.
    values : Values
        Raw indicator values of the regions and years with published results.
    published : mapping of (region, year) to index
    parents, depth
        Whose children's weights are free (see :func:`free_parents`; default: the root's).
    scale_standards : bool
        Also estimate one common factor on every standard.

    Returns
    -------
    Calibration
        Point estimates only when the data identify them; ranges always.
    """
    chosen = free_parents(framework, parents=parents, depth=depth)
    grid = list(SCALE_GRID) if scale_standards else [1.0]
    designs = [design(framework, values, published, chosen, scale=float(s)) for s in grid]
    k = _best_scale(designs) if scale_standards and designs[0].rows else 0
    d, scale = designs[k], float(grid[k])
    n, p = len(d.rows), len(d.codes) - len(chosen) + int(scale_standards)
    if n == 0:
        raise NotFoundError("没有可用于校准的公布值(须有同一地区同一年的完整指标数据) no published value has complete figures for its region and year")
    refine = partial(_refine, framework, values, published, chosen, designs)
    if scale_standards:
        d, scale = refine(k)
    w, low, high, rank = _fit(d)
    _, cond = rank_condition(d.matrix, d.block)
    unidentified = n < p or rank < len(d.codes) - len(chosen)
    scale_range = None
    if not unidentified:
        low, high, scale_range = _leave_one_out(designs, k, w, refine if scale_standards else None)
    return _result(framework, d, w, low, high, rank, cond, n, p, unidentified, scale if scale_standards else None, scale_range)


def _refine(
    fw: Framework, values: Values, published: Mapping[tuple[str, int], float], parents: Sequence[str], designs: Sequence[Design], k: int, rows: Rows = slice(None)
) -> tuple[Design, float]:
    """The best scale between the grid neighbours of grid factor ``k`` (bounded Brent search on the rows)."""
    def rss(s: float) -> float:
        d = design(fw, values, published, parents, scale=s)
        return _rss(d, fit_simplex(d.matrix[rows], (d.target - d.offset)[rows], d.block), rows)

    lo, hi = float(SCALE_GRID[max(k - 1, 0)]), float(SCALE_GRID[min(k + 1, len(SCALE_GRID) - 1)])
    res = minimize_scalar(rss, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
    if float(res.fun) < rss(float(SCALE_GRID[k])):
        return design(fw, values, published, parents, scale=float(res.x)), float(res.x)
    return designs[k], float(SCALE_GRID[k])


def _leave_one_out(designs: Sequence[Design], k: int, w: FloatArray, refine: Callable[..., tuple[Design, float]] | None) -> tuple[FloatArray, FloatArray, tuple[float, float] | None]:
    """Ranges of the estimates over the fits leaving out one published value at a time (scale refitted too)."""
    n = len(designs[k].rows)
    low, high, scales = w.copy(), w.copy(), []
    for i in range(n):
        rows = np.delete(np.arange(n), i)
        d = designs[k]
        if refine is not None:
            d, s = refine(_best_scale(designs, rows), rows)
            scales.append(s)
        w_i, low_i, high_i, _ = _fit(d, rows)
        low = np.minimum(low, np.minimum(low_i, w_i))
        high = np.maximum(high, np.maximum(high_i, w_i))
    return low, high, (min(scales), max(scales)) if scales else None


def _result(
    fw: Framework, d: Design, w: FloatArray, low: FloatArray, high: FloatArray, rank: int, cond: float | None,
    n: int, p: int, unidentified: bool, scale: float | None, scale_range: tuple[float, float] | None,
) -> Calibration:
    fitted = d.matrix @ w + d.offset
    resid = d.target - fitted
    tss = float(np.sum((d.target - d.target.mean()) ** 2))
    r2 = 1.0 - float(resid @ resid) / tss if tss > 0 and n > p else None
    reasons = _weak_reasons(n, p, cond, high - low, scale, unidentified)
    status = "unidentified" if unidentified else ("weak" if reasons else "identified")
    return Calibration(
        parents=d.parents,
        codes=d.codes,
        parent_of=tuple(d.parents[b] for b in d.block),
        current=tuple(fw.node(c).weight for c in d.codes),
        estimate=None if unidentified else tuple(float(x) for x in w),
        low=tuple(float(x) for x in low),
        high=tuple(float(x) for x in high),
        range_method="consistent" if unidentified else "leave_one_out",
        scale=None if unidentified else scale,
        scale_range=scale_range,
        n_obs=n,
        n_free=p,
        rank=rank,
        condition=cond,
        r2=r2,
        rmse=float(np.sqrt(np.mean(resid**2))),
        status=status,
        reasons=reasons,
        message=_message(status, n, p, rank),
        residuals=tuple(Fitted(r, y, float(a), float(b), float(c)) for (r, y), a, b, c in zip(d.rows, d.target, fitted, resid)),
        dropped=d.dropped,
    )


def _weak_reasons(n: int, p: int, cond: float | None, spread: FloatArray, scale: float | None, unidentified: bool) -> tuple[Note, ...]:
    if unidentified:
        return ()
    out = []
    if n - p < MIN_DOF:
        out.append(Note(f"自由度仅 {n - p}(公布值 {n} 个,参数 {p} 个),少于 {MIN_DOF}", f"only {n - p} degrees of freedom ({n} values, {p} parameters), fewer than {MIN_DOF}"))
    if cond is not None and cond > MAX_CONDITION:
        out.append(Note(f"设计矩阵病态(条件数 {cond:.3g})", f"ill-conditioned design (condition number {cond:.3g})"))
    if spread.size and float(spread.max()) > MAX_SPREAD:
        out.append(Note(f"逐一剔除公布值后权重变化达 {float(spread.max()):.3f}", f"leaving one value out moves a weight by up to {float(spread.max()):.3f}"))
    if scale is not None and not SCALE_GRID[0] * (1 + 1e-6) < scale < SCALE_GRID[-1] * (1 - 1e-6):
        out.append(Note(f"标准值缩放系数位于搜索边界 {scale:.3g}", f"the scale of the standards is at the edge of its search range ({scale:.3g})"))
    return tuple(out)


def _message(status: str, n: int, p: int, rank: int) -> Note:
    if status == "unidentified":
        return Note(
            f"数据不足,参数无法识别:公布值 {n} 个,待估参数 {p} 个,设计矩阵秩 {rank};不给出点估计,只给出与数据同样吻合的参数范围",
            f"Insufficient data: the parameters are not identified ({n} values, {p} parameters, design rank {rank}); no point estimates, only the range of parameters that fit equally well",
        )
    if status == "weak":
        return Note(
            "数据不足以精确估计:点估计仅供参考,请以估计范围为准",
            "The data cannot support precise estimates: the point estimates are indicative only; read the ranges",
        )
    return Note(f"参数可识别:公布值 {n} 个,待估参数 {p} 个;范围为逐一剔除公布值后的估计范围", f"Identified: {n} values, {p} parameters; ranges are leave-one-out ranges")


def calibrated_framework(framework: Framework, cal: Calibration) -> Framework:
    """A candidate framework with the estimated weights (and scaled standards), marked as calibrated.

    The framework passed in is not changed. Refused when the parameters are not identified.
    """
    if cal.estimate is None:
        raise StpiError(cal.message.zh + " " + cal.message.en)
    fit = f"R²={cal.r2:.4f}" if cal.r2 is not None else "R² —"
    how = f"由 {cal.n_obs} 个公布值校准 calibrated from {cal.n_obs} published values (fit {fit}, RMSE {cal.rmse:.3g}; {cal.status})"
    prov = Provenance("assumed", how)
    weights = dict(zip(cal.codes, cal.estimate))
    nodes = []
    for n in framework.nodes:
        if n.code in weights:
            n = replace(n, weight=weights[n.code], weight_provenance=prov)
        if cal.scale is not None and n.standard is not None:
            n = replace(n, standard=n.standard * cal.scale, standard_provenance=prov)
        nodes.append(n)
    title = f"{framework.title}(校准候选 calibrated candidate)"
    return replace(framework, id=f"{framework.id}-calibrated", title=title, nodes=tuple(nodes))
