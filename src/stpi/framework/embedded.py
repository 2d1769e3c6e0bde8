"""The embedded default: Gansu's city framework (illustrative parameters) and Longnan's plan.

``stpi framework import`` stores an official parameter table in the user's data
folder; from then on it replaces the embedded parameters everywhere.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from platformdirs import user_data_dir

from stpi.framework.io import load_framework
from stpi.framework.model import Framework
from stpi.framework.plan import Plan, load_plan

__all__ = ["data_dir", "default_framework", "default_plan", "embedded_framework", "imported_framework_path"]


def data_dir() -> Path:
    """The user's stpi data folder (``STPI_HOME`` overrides it)."""
    return Path(os.environ.get("STPI_HOME") or user_data_dir("stpi", appauthor=False))


def imported_framework_path() -> Path:
    """Where ``stpi framework import`` keeps the imported framework."""
    return data_dir() / "framework.yaml"


def _data(name: str) -> Path:
    return Path(str(resources.files("stpi") / "data" / name))


def embedded_framework() -> Framework:
    """The framework shipped with stpi, with its illustrative parameters."""
    return load_framework(_data("gansu-city.yaml"))


def default_framework() -> Framework:
    """The framework in force: the imported one if any, else the embedded one."""
    path = imported_framework_path()
    return load_framework(path) if path.exists() else embedded_framework()


def default_plan() -> Plan:
    """Longnan's plan (2024), transcribed from the published text."""
    return load_plan(_data("longnan-plan-2024.yaml"))
