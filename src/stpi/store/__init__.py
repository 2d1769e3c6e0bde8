"""The store: database models, migrations, and the one gateway to them."""

from typing import TYPE_CHECKING, Any

from stpi.store.core import Store
from stpi.store.records import STATUSES, AuditEntry, Observation, Region, Upload, User, WriteResult

if TYPE_CHECKING:
    from stpi.store.observations import Entry


def __getattr__(name: str) -> Any:
    if name == "Entry":  # figures need pandas: loaded on first use, so that opening a store for its plan stays light
        from stpi.store.observations import Entry

        return Entry
    raise AttributeError(f"module 'stpi.store' has no attribute {name!r}")

__all__ = ["STATUSES", "AuditEntry", "Entry", "Observation", "Region", "Store", "Upload", "User", "WriteResult"]
