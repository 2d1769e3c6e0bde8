"""Plausibility across rows: derived indicators, typed values against their raw statistics, peers.

Row by row (:mod:`stpi.ingest.entries`) a value is checked against its own code's range and last
year's figure. Here the rows of one region and year are taken together:

- every indicator derivable from the raw statistics of the file (completed by the store's approved
  figures of the same year) is computed with its formula and gets the same checks: its valid range
  (a refusal) and its year-over-year limit (a note is required on one of its rows);
- a typed indicator value that differs from what its own raw statistics give by more than
  ``tolerance`` (relative) needs a note;
- an indicator value far from the same year's values of the region's peers (same level and parent, at
  least ``MIN_PEERS`` besides it; modified z-score ``0.6745 · (x − median) / MAD`` over the group, the
  value included, above ``z_limit``) is a warning: flagged for review, never a refusal.

Nothing here reads the database: the caller passes the figures as plain mappings.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stpi.errors import Problem
from stpi.framework.formula import Formula
from stpi.framework.plausibility import Rule, is_default, relative_change
from stpi.ingest.entries import range_reason

__all__ = ["CONSISTENCY_TOLERANCE", "MIN_PEERS", "Z_LIMIT", "Figures", "cross_row_problems", "peer_reason", "robust_z"]

CONSISTENCY_TOLERANCE = 0.01  # relative: 1.15 typed against 1.10 computed (4.5%) needs a note
Z_LIMIT = 3.5  # Iglewicz and Hoaglin's rule for the modified z-score
MIN_PEERS = 5  # fewer peers give no robust spread


@dataclass(frozen=True)
class Figures:
    """What the store knows, keyed by region *name*: approved figures, regions' peer groups.

    ``current`` holds the same years as the file, ``last`` the year before each of them (both
    (region name, year, code) → value, ``last`` keyed by the file's year); ``alias`` maps a
    region's code or name to its name; ``group`` maps a region name to its (level, parent).
    """

    current: Mapping[tuple[str, int, str], float] = field(default_factory=dict)
    last: Mapping[tuple[str, int, str], float] = field(default_factory=dict)
    alias: Mapping[str, str] = field(default_factory=dict)
    group: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)


@dataclass
class _Row:
    code: str
    value: float
    note: str
    file: str
    line: int


def robust_z(x: float, peers: Sequence[float]) -> float | None:
    """The modified z-score of ``x`` against the median and MAD of ``peers``; ``None`` without a spread (or too few)."""
    if len(peers) < MIN_PEERS:
        return None
    arr = np.asarray(peers, dtype=float)
    med = float(np.median(arr))
    mad = float(np.median(np.abs(arr - med)))
    if mad == 0 or not math.isfinite(mad):
        return None
    return 0.6745 * (x - med) / mad


def cross_row_problems(
    table: pd.DataFrame,
    file: str,
    *,
    rules: Mapping[str, Rule],
    formulas: Mapping[str, Formula],
    figures: Figures,
    indicators: Collection[str],
    change_threshold: float = 0.5,
    tolerance: float = CONSISTENCY_TOLERANCE,
    z_limit: float = Z_LIMIT,
) -> tuple[list[Problem], list[Problem]]:
    """(problems, warnings) of a file's good rows (``region, year, code, value, note, sheet, _row``).

    ``indicators`` are the codes compared with peers (the framework's indicators, not raw statistics,
    whose size follows the region's).
    """
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if table.empty:
        return problems, warnings
    rows: dict[tuple[str, int], dict[str, _Row]] = {}
    for region, year, code, value, note, sheet, line in zip(table["region"], table["year"], table["code"], table["value"], table["note"], table["sheet"], table["_row"]):
        if value is None or pd.isna(value):
            continue
        where = file if sheet is None or pd.isna(sheet) else f"{file}:{sheet}"
        name = figures.alias.get(str(region), str(region))
        rows.setdefault((name, int(year)), {})[str(code)] = _Row(str(code), float(value), str(note or ""), where, int(line))
    shown: dict[tuple[str, int], dict[str, tuple[float, _Row]]] = {}
    for (region, year), mine in rows.items():
        values = shown.setdefault((region, year), {c: (r.value, r) for c, r in mine.items() if c in indicators})
        for code, formula in formulas.items():
            if code not in mine and not any(v in mine for v in formula.variables):
                continue  # nothing of this file goes into it
            derived = _derive(formula, region, year, mine, figures.current)
            if derived is None:
                continue
            value, used = derived
            rule = rules.get(code)
            typed = mine.get(code)
            if typed is not None:
                problems += _consistency(code, typed, value, formula, used, tolerance)
                continue
            if not used or rule is None:
                continue  # nothing of this file goes into it
            at = used[0]
            values[code] = (value, at)
            if not rule.range.contains(value):
                problems.append(_problem(at, code, f"由原始数据计算的 {code} = {_num(value)}:" + range_reason(rule), value, "value"))
                continue
            problems += _jump(code, rule, value, at, used, region, year, formula, figures, change_threshold)
    warnings += _peers(shown, figures, z_limit)
    return problems, warnings


def _derive(formula: Formula, region: str, year: int, mine: Mapping[str, _Row], current: Mapping[tuple[str, int, str], float]) -> tuple[float, list[_Row]] | None:
    """The formula's value from the file's raw statistics (the store's for the rest) and the file's rows used."""
    env: dict[str, float] = {}
    used: list[_Row] = []
    for name in formula.variables:
        if name in mine:
            env[name] = mine[name].value
            used.append(mine[name])
        elif (region, year, name) in current:
            env[name] = current[(region, year, name)]
        else:
            return None
    value = float(formula.evaluate(env))
    used.sort(key=lambda r: formula.text.find(r.code))  # the numerator first: the row a reader looks at
    return (value, used) if math.isfinite(value) else None


def _consistency(code: str, typed: _Row, value: float, formula: Formula, used: list[_Row], tolerance: float) -> list[Problem]:
    """A typed value away from what its own raw statistics give needs a note."""
    if typed.note or relative_change(typed.value, value) <= tolerance:
        return []
    where = "本文件" if used else "库中已审核"
    where_en = "this file's" if used else "the store's approved"
    diff = relative_change(typed.value, value)
    reason = (
        f"填报值 {_num(typed.value)} 与其{where}原始数据计算值 {_num(value)} 相差 {_pct(diff)},超过 {tolerance:.0%},须在备注中说明 "
        f"typed {_num(typed.value)} differs by {_pct(diff)} from the {_num(value)} {where_en} raw statistics give ({formula.text}), above {tolerance:.0%}: a note is required"
    )
    return [_problem(typed, code, reason, typed.value, "note")]


def _jump(code: str, rule: Rule, value: float, at: _Row, used: list[_Row], region: str, year: int, formula: Formula,
          figures: Figures, change_threshold: float) -> list[Problem]:
    """A derived indicator moving more than its limit from last year's needs a note on one of its rows."""
    previous = figures.last.get((region, year, code))
    if previous is None:
        last = _derive(formula, region, year, {}, {(region, year, k): v for (r, y, k), v in figures.last.items() if (r, y) == (region, year)})
        previous = None if last is None else last[0]
    if previous is None or any(r.note for r in used):
        return []
    limit = change_threshold if is_default(rule.provenance) else rule.change_limit
    change = relative_change(value, previous)
    if change <= limit:
        return []
    reason = (
        f"由原始数据计算的 {code} = {_num(value)},与上年值 {_num(previous)} 相比变化 {_pct(change)},超过 {limit:.0%},须在备注中说明原因 "
        f"{code} derived from the raw statistics ({formula.text}) changes by {_pct(change)} from last year's {_num(previous)}, above {limit:.0%}: a note is required"
    )
    return [_problem(at, code, reason, value, "note")]


def _peers(shown: Mapping[tuple[str, int], Mapping[str, tuple[float, _Row]]], figures: Figures, z_limit: float) -> list[Problem]:
    """Indicator values far from the same year's values of the region's peers (warnings).

    The median and MAD are those of the whole peer group, the value itself included (Iglewicz and
    Hoaglin's modified z-score): one median per group and year, however many rows the file has.
    """
    Key = tuple[int, str, tuple[str, str | None]]
    pool: dict[Key, dict[str, float]] = {}
    mine: dict[Key, list[tuple[str, float, _Row]]] = {}
    for (region, year), values in shown.items():  # the file's own values replace the store's
        group = figures.group.get(region)
        if group is not None:
            for code, (x, row) in values.items():
                pool.setdefault((year, code, group), {})[region] = x
                mine.setdefault((year, code, group), []).append((region, x, row))
    for (region, year, code), v in figures.current.items():
        group = figures.group.get(region)
        if group is not None and (year, code, group) in mine:
            pool[(year, code, group)].setdefault(region, v)
    out: list[Problem] = []
    for key, members in mine.items():
        arr = np.fromiter(pool[key].values(), dtype=float)
        if len(arr) <= MIN_PEERS:
            continue
        med = float(np.median(arr))
        mad = float(np.median(np.abs(arr - med)))
        if not mad > 0:
            continue
        for _, x, row in members:
            z = 0.6745 * (x - med) / mad
            if abs(z) > z_limit:
                out.append(_problem(row, key[1], _peer_text(z, len(arr) - 1, med, z_limit), x, "value"))
    return out


def _peer_text(z: float, peers: int, med: float, z_limit: float) -> str:
    return (
        f"与同级 {peers} 个地区相比异常(稳健 z 值 {z:.1f},中位数 {_num(med)}),请复核 "
        f"far from its {peers} peers' values (robust z-score {z:.1f}, median {_num(med)}, above {z_limit:g}): flagged for review"
    )


def peer_reason(x: float, peers: Sequence[float], z_limit: float = Z_LIMIT) -> str | None:
    """Why ``x`` is flagged among its peers' values (modified z-score over the peers and ``x``), or ``None``."""
    values = [*peers, x]
    z = robust_z(x, values) if len(peers) >= MIN_PEERS else None
    if z is None or abs(z) <= z_limit:
        return None
    return _peer_text(z, len(peers), float(np.median(np.asarray(values, dtype=float))), z_limit)


def _problem(row: _Row, code: str, reason: str, value: float, column: str) -> Problem:
    return Problem(row.file, row.line, column, reason, _num(value), code=code)


def _num(x: float) -> str:
    return f"{x:.6g}"


def _pct(x: float) -> str:
    return "∞" if math.isinf(x) else f"{x:.1%}".replace(".0%", "%")
