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
    firsts = figures.drop_duplicates(["region", "year", "indicator"], keep="first")  # the first of a repeated figure
    wide = firsts.set_index(["region", "year", "indicator"])["value"].unstack("indicator") if len(firsts) else pd.DataFrame()
    regions, years, codes, values = [], [], [], []
    if not wide.empty:
        columns = {c: wide[c].to_numpy(dtype=float) for c in wide.columns}
        row_regions = wide.index.get_level_values(0).to_numpy()
        row_years = wide.index.get_level_values(1).to_numpy()
        for code, formula in formulas.items():
            if not set(formula.variables) <= set(columns):
                continue
            with np.errstate(all="ignore"):
                result = np.asarray(formula.evaluate({v: columns[v] for v in formula.variables}), dtype=float)
            keep = np.isfinite(result)
            regions.append(row_regions[keep])
            years.append(row_years[keep])
            codes.append(np.full(int(keep.sum()), code, dtype=object))
            values.append(result[keep])
    if not regions:
        return pd.DataFrame(reported.reset_index(drop=True))
    made = pd.DataFrame({"region": np.concatenate(regions), "year": np.concatenate(years), "indicator": np.concatenate(codes), "value": np.concatenate(values)})
    made = made.assign(origin="derived")
    have = pd.MultiIndex.from_frame(reported[["region", "year", "indicator"]])
    made = made[~pd.MultiIndex.from_frame(made[["region", "year", "indicator"]]).isin(have)]
    out: pd.DataFrame = pd.concat([reported, made.astype({"year": reported["year"].dtype}) if len(reported) else made], ignore_index=True)
    return out


def _variable_codes(formulas: Mapping[str, Formula], figures: pd.DataFrame) -> set[str]:
    used = {v for f in formulas.values() for v in f.variables}
    return used & set(figures["indicator"])
