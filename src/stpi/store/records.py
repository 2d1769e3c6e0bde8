"""Plain value objects the store hands back (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "STATUSES",
    "AuditEntry",
    "Observation",
    "ProgressNote",
    "PublishedResult",
    "Region",
    "Upload",
    "User",
    "WriteResult",
]

STATUSES = ("draft", "submitted", "returned", "approved", "locked")


@dataclass(frozen=True)
class Region:
    """A province, city or county."""

    code: str
    name: str
    name_en: str
    level: str
    parent: str | None


@dataclass(frozen=True)
class Observation:
    """One vintage of one figure."""

    id: int
    region: str
    code: str
    period: str
    year: int
    value: float | None
    source: str
    note: str
    status: str
    comment: str
    vintage: int
    current: bool
    evaluated: bool
    created_at: datetime
    created_by: str
    upload_id: int | None


@dataclass(frozen=True)
class AuditEntry:
    """One recorded change: who, when, what, old and new value, why."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    key: str
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class Upload:
    """An archived input file."""

    id: int
    filename: str
    sha256: str
    size: int
    uploaded_at: datetime
    uploaded_by: str
    rows: int


@dataclass(frozen=True)
class User:
    """An account."""

    username: str
    display_name: str
    role: str
    department: str | None
    region: str | None
    active: bool
    has_password: bool = False


@dataclass(frozen=True)
class ProgressNote:
    """A department's note on the measures behind an indicator."""

    id: int
    department: str
    code: str
    period: str
    text: str
    done_on: str
    done_by: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class PublishedResult:
    """A region's index and rank for a year as the province published them."""

    region: str
    year: int
    index_value: float | None
    rank: int | None
    source: str
    note: str


@dataclass(frozen=True)
class WriteResult:
    """What one all-or-nothing write did."""

    written: int
    unchanged: int
    upload_id: int | None
