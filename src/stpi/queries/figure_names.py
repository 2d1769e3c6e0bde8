"""What a figure is called on a page: an indicator by its plan number and name, a raw statistic by its short code (I01-2) and name.

The review queue and the data tables show every stored code this way, in the language in force,
with the unit the figure is reported in and the year-over-year limit above which a change is a jump.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from stpi.i18n import get_lang
from stpi.readmodel import Snapshot

__all__ = ["FigureName", "change_pct", "figure_names"]


@dataclass(frozen=True)
class FigureName:
    """A stored code as a person reads it."""

    code: str  # the stored code (I03, resident_population)
    shown: str  # the code a person sees (I03, I01-2)
    name: str
    unit: str  # the unit it is reported in, as the language in force writes it
    no: int | None = None  # the plan's number of an indicator
    raw: bool = False  # a raw statistic behind the indicators
    change_limit: float = 0.5  # a larger relative change from last year needs a note


def figure_names(snap: Snapshot, lang: str | None = None) -> dict[str, FigureName]:
    """Every indicator of the plan and every raw statistic of the framework's formulas, by stored code."""
    lang = lang or get_lang()
    return snap.memo.get(("figure_names", lang), lambda: _build(snap, lang))


def _build(snap: Snapshot, lang: str) -> dict[str, FigureName]:
    from stpi.framework.embedded import embedded_variables
    from stpi.framework.plausibility import plausibility_rules
    from stpi.submissions import statistic_labels, unit_label

    en = lang == "en"
    fw = snap.framework()
    variables, formulas = embedded_variables()
    rules = plausibility_rules(fw, variables)
    labels = statistic_labels(fw, formulas)
    out = {v.code: FigureName(v.code, labels.get(v.code, v.code), (v.name_en or v.name) if en else v.name, unit_label(v.unit, lang), raw=True,
                              change_limit=rules[v.code].change_limit)
           for v in variables.values()}
    for ind in snap.plan().indicators:
        limit = rules[ind.code].change_limit if ind.code in rules else 0.5
        unit = ind.unit_en if en and ind.unit_en else ind.unit
        out[ind.code] = FigureName(ind.code, ind.code, ind.label(lang), unit, no=ind.no, change_limit=limit)
    return out


def change_pct(new: float | None, old: float | None) -> float | None:
    """The relative change from ``old`` to ``new`` in percent; None without both or from zero."""
    if new is None or old is None or old == 0 or not math.isfinite(new) or not math.isfinite(old):
        return None
    pct = (new - old) / abs(old) * 100
    return pct if math.isfinite(pct) else None
