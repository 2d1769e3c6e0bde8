"""Complete and incomplete years: a partial year never gets a progress status on a partial basis.

A year is complete when every indicator of the framework has an approved figure for the plan's
region (given, or derived from its raw statistics). An incomplete year's index and every node
with a missing indicator under it get the status ``incomplete`` (no 已达标 / 按进度推进), and the
index shown is the estimate with the unreported indicators at their latest earlier value.
Pages and documents open on the latest complete (or locked) year.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from stpi.readmodel import Snapshot
from stpi import service
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.i18n import get_lang

__all__ = ["YearState", "incomplete_label", "mark_incomplete", "missing_indicators", "opening_year", "year_state"]


@dataclass(frozen=True)
class YearState:
    """Whether a year is complete, what is missing, whether it is locked and why (a forced lock's reason)."""

    year: int
    complete: bool
    missing: tuple[str, ...]
    locked: bool
    lock_reason: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {"year": self.year, "complete": self.complete, "missing": list(self.missing), "missing_count": len(self.missing),
                "locked": self.locked, "lock_reason": self.lock_reason, "label": incomplete_label(len(self.missing)) if not self.complete else "",
                "lock_label": lock_label(self.year, self.lock_reason) if self.locked else ""}


def incomplete_label(n: int) -> str:
    """预估（不完整：N项未报） (or the English)."""
    return f"Estimate (incomplete: {n} not reported)" if get_lang() == "en" else f"预估（不完整：{n}项未报）"


def lock_label(year: int, reason: str) -> str:
    """2025年评价已锁定（I28 数据暂缺） — the reason of a forced lock shown with the year."""
    if get_lang() == "en":
        return f"{year} evaluation locked" + (f" ({reason})" if reason else "")
    return f"{year}年评价已锁定" + (f"（{reason}）" if reason else "")


def missing_indicators(plan: Plan, fw: Framework, figures: pd.DataFrame, year: int) -> tuple[str, ...]:
    """The framework's indicators without an approved figure for the plan's region in ``year``."""
    mine = figures[(figures["region"] == plan.region) & (figures["year"].astype(int) == year) & figures["value"].notna()] if len(figures) else figures
    have = set(mine["indicator"]) if len(mine) else set()
    return tuple(n.code for n in fw.leaves if n.code not in have)


def year_state(snap: Snapshot, plan: Plan, fw: Framework, figures: pd.DataFrame, year: int) -> YearState:
    """The state of one year: complete, missing indicators, locked and the lock's reason."""
    from stpi.store import observations as ob

    locked = year in snap.locked_years()
    missing = () if year == plan.baseline_year else missing_indicators(plan, fw, figures, year)
    return YearState(year, not missing, missing, locked, snap.lock_reasons().get(year, "") if locked else "")


def opening_year(snap: Snapshot, plan: Plan, fw: Framework, figures: pd.DataFrame, years: list[int]) -> int:
    """The year a page or document opens on: the latest complete or locked one, else the latest."""
    from stpi.store import observations as ob

    locked = set(snap.locked_years())
    for year in sorted(years, reverse=True):
        if year != plan.baseline_year and (year in locked or not missing_indicators(plan, fw, figures, year)):
            return year
    return years[-1]


def mark_incomplete(now: pd.DataFrame, fw: Framework, missing: tuple[str, ...]) -> pd.DataFrame:
    """One year's tracked rows with the root and every node above a missing indicator set to status ``incomplete`` (grey)."""
    if not missing:
        return now
    above = {a.code for code in missing if code in fw for a in fw.ancestors(code)}
    out = now.copy()
    hit = out["code"].isin(above)
    out.loc[hit, "status"] = "incomplete"
    out.loc[hit, "light"] = "grey"
    return out
