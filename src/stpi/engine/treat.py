"""Imputation and outlier treatment before normalisation, as the R package COINr does them.

Written after COINr's source (bluefoxr/COINr v1.1.x):

- ``R/impute.R``: ``i_mean`` (a missing value takes the mean of the present
  values) and ``i_mean_grp`` (the mean within the region's group; regions
  without a group are left alone, ``skip_f_na = TRUE``), applied column by
  column by ``Impute.coin(f_i = "i_mean_grp", use_group = ...)``.
- ``R/treat.R``: ``Treat.numeric`` with COINr's default specification —
  ``check_SkewKurt`` (an indicator fails when |skew| ≥ 2 *and* kurtosis ≥ 3.5),
  ``winsorise`` (up to ``winmax = 5`` points, from the side the skew points to,
  one extreme at a time) and, if the indicator still fails, ``log_CT`` applied
  to the *original* values (``combine_treat = FALSE``). ``skew``/``kurt`` are
  e1071's type 2 estimators (Excel's), as in COINr.

Statistics are taken along the regions axis (axis 0) of an (R, T, K) array,
separately for every year and indicator (COINr treats each year's coin alone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from stpi.engine.methods import pick
from stpi.engine.tree import FloatArray, IntArray
from stpi.errors import MethodError

__all__ = [
    "FALLBACKS",
    "IMPUTERS",
    "Check",
    "Imputed",
    "Treated",
    "Treatment",
    "check_skew_kurt",
    "impute",
    "kurt",
    "log_ct",
    "skew",
    "treat",
    "winsorise",
]

BoolArray = NDArray[np.bool_]


# ---------------------------------------------------------------- imputation


@dataclass(frozen=True, eq=False)
class Imputed:
    """Imputed values (R, T, K) and where a value was filled in (R, T, K, bool)."""

    values: FloatArray
    filled: BoolArray

    @property
    def n_filled(self) -> IntArray:
        """Number of values filled in per year and indicator, shape (T, K)."""
        return np.asarray(self.filled.sum(axis=0), dtype=np.intp)

    @property
    def n_missing(self) -> IntArray:
        """Values still missing after imputation (e.g. a group with no data), shape (T, K)."""
        return np.asarray(np.isnan(self.values).sum(axis=0), dtype=np.intp)


def _group_codes(groups: Sequence[object] | None, n: int) -> IntArray:
    """Integer code of each region's group; −1 where the region has no group (None, NaN or '')."""
    if groups is None:
        raise MethodError("按组均值插补需要每个地区的分组 group-mean imputation needs a group per region")
    if len(groups) != n:
        raise MethodError(f"分组数与地区数不符 {len(groups)} groups for {n} regions")
    labels: dict[object, int] = {}
    codes = np.full(n, -1, dtype=np.intp)
    for i, g in enumerate(groups):
        if g is None or g == "" or (isinstance(g, float) and np.isnan(g)):
            continue
        codes[i] = labels.setdefault(g, len(labels))
    return codes


def _fill_with_group_mean(x: FloatArray, codes: IntArray) -> Imputed:
    """Replace NaN by the mean of the present values of the same group, per year and indicator."""
    n_groups = int(codes.max()) + 1 if codes.size else 0
    member = np.zeros((x.shape[0], n_groups))
    member[codes >= 0, codes[codes >= 0]] = 1.0
    present = ~np.isnan(x)
    flat = (x.shape[0], -1)  # regions × everything else: one matrix product per statistic
    sums = (member.T @ np.where(present, x, 0.0).reshape(flat)).reshape((n_groups,) + x.shape[1:])
    counts = (member.T @ present.reshape(flat).astype(float)).reshape((n_groups,) + x.shape[1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        means = sums / counts  # NaN for a group with no data: its gaps stay (i_mean gives NaN)
    fill = means[np.maximum(codes, 0)]
    fill[codes < 0] = np.nan
    values = np.where(present, x, fill)
    return Imputed(values, ~present & ~np.isnan(values))


def _impute_group_mean(x: FloatArray, groups: Sequence[object] | None) -> Imputed:
    return _fill_with_group_mean(x, _group_codes(groups, x.shape[0]))


def _impute_mean(x: FloatArray, groups: Sequence[object] | None) -> Imputed:
    return _fill_with_group_mean(x, np.zeros(x.shape[0], dtype=np.intp))


IMPUTERS: dict[str, Callable[[FloatArray, Sequence[object] | None], Imputed]] = {
    "group_mean": _impute_group_mean,
    "mean": _impute_mean,
}


def impute(x: FloatArray, *, method: str = "group_mean", groups: Sequence[object] | None = None) -> Imputed:
    """Fill missing values: COINr ``i_mean_grp`` (``group_mean``) or ``i_mean`` (``mean``).

    Parameters
    ----------
    x : float array, shape (R, ...)
        Raw values, regions on axis 0; NaN where missing.
    method : {"group_mean", "mean"}
    groups : sequence of labels, length R
        Group of each region (e.g. COINr's ``EurAsia_group``), needed by ``group_mean``.
        A region whose label is None, NaN or '' is neither used nor filled.

    Returns
    -------
    Imputed
    """
    fn = pick(IMPUTERS, method, "插补 impute")
    return fn(np.asarray(x, dtype=float), groups)


# ---------------------------------------------------------------- skew and kurtosis


def _moments(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """COINr ``skew`` and ``kurt`` together along axis 0 (one centring, products not powers)."""
    x = np.asarray(x, dtype=float)
    present = ~np.isnan(x)
    n = present.sum(axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, x, 0.0).sum(axis=0) / n
        d = np.where(present, x - mean, 0.0)
        d2 = d * d
        m2, m3, m4 = d2.sum(axis=0), (d2 * d).sum(axis=0), (d2 * d2).sum(axis=0)
        g1 = np.sqrt(n) * m3 / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2)
        r = n * m4 / m2**2
        g2 = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return np.where(n >= 3, g1, np.nan), np.where(n >= 4, g2, np.nan)


def skew(x: FloatArray) -> FloatArray:
    """COINr ``skew`` (e1071 ``skewness`` type 2, Excel's SKEW) along axis 0, NaN ignored.

    ``sqrt(n)·Σd³/(Σd²)^1.5 · sqrt(n(n − 1))/(n − 2)``; NaN with fewer than 3 values
    or a constant column.
    """
    return _moments(x)[0]


def kurt(x: FloatArray) -> FloatArray:
    """COINr ``kurt`` (e1071 ``kurtosis`` type 2, Excel's KURT, excess) along axis 0, NaN ignored.

    ``((n + 1)(r − 3) + 6)(n − 1)/((n − 2)(n − 3))`` with ``r = n·Σd⁴/(Σd²)²``; NaN with
    fewer than 4 values or a constant column.
    """
    return _moments(x)[1]


@dataclass(frozen=True)
class Check:
    """One COINr ``check_SkewKurt``: skew, kurtosis and pass (None where R gives NA)."""

    skew: float
    kurt: float
    passed: bool | None


def _verdict(sk: float, kt: float, skew_thresh: float, kurt_thresh: float) -> Check:
    """Pass when |skew| < threshold *or* kurtosis < threshold, with R's NA logic for ``|``."""
    a = None if np.isnan(sk) else bool(abs(sk) < skew_thresh)
    b = None if np.isnan(kt) else bool(kt < kurt_thresh)
    passed = True if (a or b) else (None if a is None or b is None else False)
    return Check(float(sk), float(kt), passed)


def check_skew_kurt(x: FloatArray, *, skew_thresh: float = 2.0, kurt_thresh: float = 3.5) -> Check:
    """COINr ``check_SkewKurt`` on one column: passes when |skew| < 2 *or* kurtosis < 3.5.

    As R's ``|`` on logicals, one true side is enough; otherwise an undefined side gives None.
    """
    sk, kt = _moments(x)
    return _verdict(float(sk), float(kt), skew_thresh, kurt_thresh)


# ---------------------------------------------------------------- winsorisation and log


def winsorise(
    x: FloatArray, *, winmax: int | None = 5, skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> tuple[FloatArray, int, tuple[int, ...], tuple[int, ...]]:
    """COINr ``winsorise`` on one column (shape (R,)), step for step.

    While the column fails :func:`check_skew_kurt` and fewer than ``winmax`` points
    are counted: where skew ≥ 0 every point equal to the maximum takes the largest
    other value, else every point equal to the minimum takes the smallest other
    value. COINr counts ``nwin = length(imax) + length(imin)`` from the *latest*
    high and low steps — points already winsorised tie with the extreme, so a
    one-sided run counts 1, 2, 3 … — and so does this function.

    Returns
    -------
    (values, nwin, high, low)
        The winsorised column, COINr's ``nwin``, and the regions it marks ``winhi``/``winlo``.
    """
    x = np.array(x, dtype=float)
    imax: IntArray = np.empty(0, dtype=np.intp)
    imin: IntArray = np.empty(0, dtype=np.intp)
    nwin = 0
    check = check_skew_kurt(x, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
    while check.passed is False and (winmax is None or nwin < winmax):
        # COINr computes skew(x) again here; it is the skew of the same x as the last check
        if check.skew >= 0:
            imax = np.flatnonzero(x == np.nanmax(x))
            x[imax] = np.nanmax(np.delete(x, imax))
        else:
            imin = np.flatnonzero(x == np.nanmin(x))
            x[imin] = np.nanmin(np.delete(x, imin))
        nwin = len(imax) + len(imin)
        check = check_skew_kurt(x, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
    return x, nwin, tuple(int(i) for i in imax), tuple(int(i) for i in imin)


def log_ct(x: FloatArray) -> FloatArray:
    """COINr ``log_CT``: ``log(x − min(x) + 0.01·(max(x) − min(x)))``, NaN ignored, along axis 0."""
    x = np.asarray(x, dtype=float)
    lo, hi = np.fmin.reduce(x, axis=0), np.fmax.reduce(x, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.log(x - lo + 0.01 * (hi - lo)), dtype=float)


FALLBACKS: dict[str, Callable[[FloatArray], FloatArray] | None] = {"log_CT": log_ct, "none": None}


# ---------------------------------------------------------------- treatment


@dataclass(frozen=True)
class Treatment:
    """What COINr's treatment did to one indicator in one year.

    ``checks`` are COINr's ``check_SkewKurt0/1/2``: before treatment, after
    winsorisation, after the fallback (as many as the stages run).
    """

    year: int
    indicator: int
    checks: tuple[Check, ...]
    winsorised: int = 0
    high: tuple[int, ...] = ()
    low: tuple[int, ...] = ()
    fallback: str | None = None

    @property
    def treated(self) -> bool:
        """True when the values were changed."""
        return self.fallback is not None or self.winsorised > 0

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return asdict(self)


@dataclass(frozen=True, eq=False)
class Treated:
    """Treated values (R, T, K) and one :class:`Treatment` per year and indicator."""

    values: FloatArray
    records: tuple[Treatment, ...]

    def record(self, year: int, indicator: int) -> Treatment:
        """The record of one year index and indicator index."""
        k = int(self.values.shape[2])
        return self.records[year * k + indicator]

    def treated(self, year: int = 0) -> list[int]:
        """Indicator indices changed in a year (index along the year axis)."""
        return [r.indicator for r in self.records if r.year == year and r.treated]


def _treat_column(
    x: FloatArray, first: Check, t: int, k: int, *, winmax: int | None, skew_thresh: float, kurt_thresh: float, fallback: str
) -> tuple[FloatArray, Treatment]:
    """COINr ``Treat.numeric`` after a failed first check: winsorise, check, fallback on the original values, check."""
    limits = {"skew_thresh": skew_thresh, "kurt_thresh": kurt_thresh}
    x1, nwin, high, low = winsorise(x, winmax=winmax, **limits)
    second = check_skew_kurt(x1, **limits)
    if second.passed is None:
        return x, Treatment(t, k, (first, second))
    f2 = FALLBACKS[fallback]
    if second.passed or f2 is None:
        return x1, Treatment(t, k, (first, second), nwin, high, low)
    x2 = f2(x)
    third = check_skew_kurt(x2, **limits)
    if third.passed is None:
        return x, Treatment(t, k, (first, second, third))
    return x2, Treatment(t, k, (first, second, third), nwin, high, low, fallback)


def treat(
    x: FloatArray,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    fallback: str = "log_CT",
) -> Treated:
    """Outlier treatment of every indicator in every year, as COINr's default ``Treat``.

    Parameters
    ----------
    x : float array, shape (R, T, K)
        Values (typically imputed), regions on axis 0; NaN ignored.
    winmax : int or None
        Most points to winsorise (COINr ``winmax``; None: no limit).
    skew_thresh, kurt_thresh : float
        An indicator fails when |skew| ≥ ``skew_thresh`` and kurtosis ≥ ``kurt_thresh``.
    fallback : {"log_CT", "none"}
        Applied to the original values when winsorisation does not make the indicator pass.

    Returns
    -------
    Treated
    """
    pick(FALLBACKS, fallback, "异常值处理 treat fallback")
    x = np.array(x, dtype=float)
    if x.ndim != 3:
        raise MethodError(f"异常值处理需要 (地区, 年份, 指标) 数组 treat needs shape (R, T, K), got {x.shape}")
    sk, kt = _moments(x)  # the first check of every column at once; most columns pass it
    records = []
    for t in range(x.shape[1]):
        for k in range(x.shape[2]):
            first = _verdict(sk[t, k], kt[t, k], skew_thresh, kurt_thresh)
            if first.passed is not False:  # passes, or NA: COINr returns the column untreated
                records.append(Treatment(t, k, (first,)))
                continue
            x[:, t, k], rec = _treat_column(
                x[:, t, k], first, t, k, winmax=winmax, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh, fallback=fallback
            )
            records.append(rec)
    return Treated(x, tuple(records))
