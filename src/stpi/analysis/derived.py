"""Indicators from what departments report: the indicator itself, or raw statistics and a formula."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from stpi.framework.formula import Formula

__all__ = ["derive_indicators"]


def derive_indicators(figures: pd.DataFrame, formulas: Mapping[str, Formula]) -> pd.DataFrame:
    """Indicator values per region and year, each marked ``reported`` or ``derived``.

    Parameters
    ----------
    figures : DataFrame
        Columns region, year, indicator (an indicator or a raw-variable code), value.
    formulas : mapping of indicator code to Formula

    Returns
    -------
    DataFrame
        Columns region, year, indicator, value, origin. A reported indicator value wins
        over one derived from raw statistics; a formula is evaluated for every
        region-year at once, and a region-year missing one of its variables gets none.
    """
    reported = figures[~figures["indicator"].isin(_variable_codes(formulas, figures))].assign(origin="reported")
    wide = figures.pivot_table(index=["region", "year"], columns="indicator", values="value", aggfunc="first")
    derived = []
    for code, formula in formulas.items():
        if wide.empty or not set(formula.variables) <= set(wide.columns):
            continue
        values = formula.evaluate({v: wide[v].to_numpy(dtype=float) for v in formula.variables})
        frame = pd.DataFrame({"region": wide.index.get_level_values(0), "year": wide.index.get_level_values(1), "indicator": code, "value": values})
        derived.append(frame[np.isfinite(frame["value"])])
    if not derived:
        return pd.DataFrame(reported.reset_index(drop=True))
    made = pd.concat(derived).assign(origin="derived")
    have = pd.MultiIndex.from_frame(reported[["region", "year", "indicator"]])
    made = made[~pd.MultiIndex.from_frame(made[["region", "year", "indicator"]]).isin(have)]
    out: pd.DataFrame = pd.concat([reported, made], ignore_index=True)
    return out


def _variable_codes(formulas: Mapping[str, Formula], figures: pd.DataFrame) -> set[str]:
    used = {v for f in formulas.values() for v in f.variables}
    return used & set(figures["indicator"])
