"""Inputs of the uncertainty analysis: the framework and raw values, from a file or the store."""

from __future__ import annotations

from stpi.readmodel import Snapshot
from stpi import service
from stpi.analysis import Values, read_values
from stpi.engine import Recipe
from stpi.errors import NotFoundError
from stpi.framework import Framework
from stpi.i18n import add_messages, tr

__all__ = ["uncertainty_inputs"]

add_messages({
    "unc.no_year": ("数据库中没有 {year} 年的数据 no approved figures for {year}", "no approved figures for {year}"),
})


def uncertainty_inputs(data: str | None, framework: str | None, snap: Snapshot, basis: str, year: int | None) -> tuple[Framework, Values]:
    """The framework and raw values: from the file, or the store's approved figures (the latest year, or ``year``)."""
    if data is not None:
        fw = service.resolve_framework(framework, snap)
        return fw, read_values(data, fw)
    results, _ = service.compute_store(snap, Recipe(), basis=basis, framework=framework)
    wanted = max(y for r in results for y in r.values.years) if year is None else year
    for r in results:
        if wanted in r.values.years:
            return r.framework, r.values
    raise NotFoundError(tr("unc.no_year", year=wanted))
