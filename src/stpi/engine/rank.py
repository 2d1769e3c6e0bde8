"""Ranks among regions within a year, optionally within peer groups (cities among cities, counties among counties)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from collections.abc import Sequence

import numpy as np

from stpi.engine.tree import FloatArray, IntArray
from stpi.errors import MethodError

__all__ = ["rank_regions"]


def rank_regions(values: FloatArray, *, axis: int = 0, groups: Sequence[object] | None = None) -> FloatArray:
    """Rank along the region axis: 1 = highest, ties share the best rank, NaN stays NaN.

    One sort for all years and nodes at once: in descending order a value's rank
    is its position, carried forward over equal values. With ``groups`` the
    regions are ranked among the regions of their own group only (one more,
    stable sort by group brings each group's regions together).

    Parameters
    ----------
    values : float array, shape (R, ...)
        Scores; regions along ``axis``.
    groups : sequence of hashable labels, length R, optional
        The peer group of each region (e.g. level and parent). Default: all regions are peers.

    Returns
    -------
    float array, same shape
        Ranks as floats (NaN where the value is missing); with ``groups``, 1 is the
        highest within the region's group.
    """
    values = np.asarray(values, dtype=float)
    moved = np.moveaxis(values, axis, -1)
    n = moved.shape[-1]
    if n == 0 or moved.size == 0:
        return np.moveaxis(moved.astype(float, copy=True), -1, axis)
    codes = _group_codes(groups, n)
    # regions on the last, contiguous axis, negated so that an ascending sort is descending (NaN last)
    neg = np.ascontiguousarray(np.negative(moved)).reshape(-1, n)
    ranks = np.empty(neg.shape)
    chunks = _chunks(neg.shape[0], neg.size)
    if len(chunks) == 1:
        _rank_grouped(neg, ranks, codes)
    else:  # numpy releases the GIL while sorting: rows ranked on several cores at once
        list(_pool().map(lambda c: _rank_grouped(neg[c], ranks[c], codes), chunks))
    return np.moveaxis(ranks.reshape(moved.shape), -1, axis)


def _group_codes(groups: Sequence[object] | None, n: int) -> IntArray | None:
    """Integer code of each region's group, or None when there is at most one group."""
    if groups is None:
        return None
    labels = list(groups)
    if len(labels) != n:
        raise MethodError(f"分组标签数 {len(labels)} 与地区数 {n} 不符 {len(labels)} group labels for {n} regions")
    index: dict[object, int] = {}
    codes = np.array([index.setdefault(g, len(index)) for g in labels], dtype=np.intp)
    return codes if len(index) > 1 else None


PARALLEL_FROM = 1 << 20  # values; below this one thread is faster than handing work out
_POOL: list[ThreadPoolExecutor] = []
os.register_at_fork(after_in_child=_POOL.clear)  # a forked child has none of the parent's threads


def _chunks(rows: int, size: int) -> list[slice]:
    """Row blocks to rank separately: one for small arrays, one per core (at most 4) for large ones."""
    workers = min(4, os.cpu_count() or 1, rows)
    if size < PARALLEL_FROM or workers < 2:
        return [slice(0, rows)]
    step = -(-rows // workers)
    return [slice(i, min(i + step, rows)) for i in range(0, rows, step)]


def _pool() -> ThreadPoolExecutor:
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="stpi-rank"))
    return _POOL[0]


def _rank_grouped(neg: FloatArray, out: FloatArray, codes: IntArray | None) -> None:
    """Ranks of each row of ``neg`` into ``out``, within the groups ``codes`` (shape (n,)) when given.

    The regions of a group are the same in every row, so one gather puts each group's
    columns side by side; each group is then ranked on its own, all rows at once.
    """
    if codes is None:
        _rank_rows(neg, out)
        return
    perm = np.argsort(codes, kind="stable")
    grouped = neg[:, perm]
    ranked = np.empty(grouped.shape)
    bounds = np.flatnonzero(np.r_[True, codes[perm][1:] != codes[perm][:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:]):
        block = np.ascontiguousarray(grouped[:, a:b])
        result = np.empty(block.shape)
        _rank_rows(block, result)
        ranked[:, a:b] = result
    out[:, perm] = ranked


def _rank_rows(neg: FloatArray, out: FloatArray) -> None:
    """Ranks of each row of ``neg`` (negated values, shape (M, n)) into ``out``; one flat index addresses every row."""
    m, n = neg.shape
    order = np.argsort(neg, axis=-1)
    order += (np.arange(m, dtype=order.dtype) * n)[:, None]
    flat = order.ravel()
    ordered = neg.ravel()[flat].reshape(neg.shape)
    is_new = np.empty(neg.shape, dtype=bool)
    is_new[:, 0] = True
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=is_new[:, 1:])
    position = np.arange(1, n + 1, dtype=float)
    if is_new.all():  # no ties (NaN never equals NaN): the rank is the position
        rank_sorted = np.broadcast_to(position, neg.shape)
    else:
        rank_sorted = np.where(is_new, position, 0.0)
        np.maximum.accumulate(rank_sorted, axis=-1, out=rank_sorted)
    result = out.reshape(-1)
    result[flat] = rank_sorted.ravel()
    missing = np.isnan(neg.ravel())
    if missing.any():
        result[missing] = np.nan
