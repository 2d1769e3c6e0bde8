"""The embedded default: Gansu's city framework (illustrative parameters) and Longnan's plan.

The framework *in force* lives in the store (``Store().framework()``), where
``stpi framework import`` adds official versions; these functions give the
embedded defaults for use without a database.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from platformdirs import user_data_dir

from stpi.framework.formula import Formula, Variable, load_variables
from stpi.framework.io import load_framework
from stpi.framework.model import Framework
from stpi.framework.plan import Plan, load_plan

__all__ = ["data_dir", "default_framework", "default_plan", "embedded_framework", "embedded_variables"]


def data_dir() -> Path:
    """The user's stpi data folder (``STPI_HOME`` overrides it)."""
    return Path(os.environ.get("STPI_HOME") or user_data_dir("stpi", appauthor=False))


def _data(name: str) -> Path:
    return Path(str(resources.files("stpi") / "data" / name))


def embedded_framework() -> Framework:
    """The framework shipped with stpi, with its illustrative parameters."""
    return load_framework(_data("gansu-city.yaml"))


def default_framework() -> Framework:
    """The embedded framework (the store's framework in force may be an imported official one)."""
    return embedded_framework()


def embedded_variables() -> tuple[dict[str, Variable], dict[str, Formula]]:
    """The raw statistics behind the embedded framework and the formulas deriving its indicators (read once per process; fresh dicts each call)."""
    variables, formulas = _embedded_variables()
    return dict(variables), dict(formulas)


@lru_cache(maxsize=1)
def _embedded_variables() -> tuple[dict[str, Variable], dict[str, Formula]]:
    return load_variables(_data("gansu-city-variables.yaml"))


def default_plan() -> Plan:
    """Longnan's plan (2024), transcribed from the published text."""
    return load_plan(_data("longnan-plan-2024.yaml"))
