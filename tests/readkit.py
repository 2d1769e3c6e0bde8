"""Reading the store in tests as the app does: through one snapshot of the read model."""

from __future__ import annotations

from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.readmodel import Snapshot, snapshot
from stpi.store import Store

_OPENED: dict[str | None, Store] = {}  # stores opened by URL for one test; closed after it (tests/conftest.py)


def read(database: str | Store | None = None) -> Snapshot:
    """The current snapshot of the store at ``database`` (the test's default store when None)."""
    if isinstance(database, Store):
        return snapshot(database)
    if database not in _OPENED:
        _OPENED[database] = Store(database)
    return snapshot(_OPENED[database])


def plan_fw(database: str | Store | None = None) -> tuple[Plan, Framework]:
    """The plan in force and the framework in force."""
    snap = read(database)
    return snap.plan(), snap.framework()


def close_opened() -> None:
    """Close the stores :func:`read` opened."""
    while _OPENED:
        _OPENED.popitem()[1].close()
