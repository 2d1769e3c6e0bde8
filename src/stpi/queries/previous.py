"""Last year's figures, as a reviewer or a reporter compares a new figure with them.

One lookup for the reporting templates, the review queue and the data tables: the approved figures
of the year before (raw statistics and indicators as reported), the indicators derived from that
year's raw statistics (:func:`stpi.analysis.derived.derive_indicators`, through the snapshot), and
for the plan's own region in the year after the baseline year, the plan's baseline values.
"""

from __future__ import annotations

import math

from stpi.readmodel import Snapshot

__all__ = ["previous_values"]


def previous_values(snap: Snapshot, year: int) -> dict[tuple[str, str], float]:
    """The figures of ``year − 1`` by (region code, code): raw statistics, reported and derived indicators."""
    return snap.memo.get(("previous_values", year), lambda: _build(snap, year))


def _build(snap: Snapshot, year: int) -> dict[tuple[str, str], float]:
    code_of = {r.name: r.code for r in snap.regions()}
    out: dict[tuple[str, str], float] = {}
    last = year - 1
    raw = snap.frame(years=[last])
    derived = snap.figures()
    derived = derived[derived["year"] == last]
    for frame in (derived, raw):  # a figure as reported wins over one derived
        for name, code, value in zip(frame["region"], frame["indicator"], frame["value"]):
            if value is not None and math.isfinite(float(value)):
                out[(code_of.get(str(name), str(name)), str(code))] = float(value)
    plan = snap.plan(last)
    if last == plan.baseline_year:
        city = snap.region(plan.region).code
        for ind in plan.indicators:
            if ind.baseline is not None:
                out.setdefault((city, ind.code), ind.baseline)
    return out
