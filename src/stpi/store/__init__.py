"""The store: database models, migrations, and the one gateway to them."""

from stpi.store.core import Store
from stpi.store.observations import Entry
from stpi.store.records import STATUSES, AuditEntry, Observation, Region, Upload, User, WriteResult

__all__ = ["STATUSES", "AuditEntry", "Entry", "Observation", "Region", "Store", "Upload", "User", "WriteResult"]
