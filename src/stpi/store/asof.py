"""The approved figures as they stood at a moment: what "what changed since …" compares with now.

A figure becomes approved only by the ``approve`` action, which the audit log records per figure
(``region/code/period``) and which acts on the vintage current at that moment: the newest one
written before it. So the value in force at time T is the vintage written before the latest
approval of its key at or before T; a key approved only after T had no approved value then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import String, select

from stpi.store import models as m
from stpi.store.core import Store

__all__ = ["ApprovalChange", "approved_frame_as_of", "approvals_since"]


@dataclass(frozen=True)
class ApprovalChange:
    """One figure approved after the reference moment: its key and the latest approval."""

    region: str  # code
    code: str
    period: str
    at: datetime
    actor: str


def approvals_since(store: Store, since: datetime | None) -> list[ApprovalChange]:
    """Figures approved after ``since`` (every approved figure when None), the latest approval of each."""
    a = m.AuditRow
    q = select(a.key, a.at, a.actor).where(a.action == "approve", a.entity == "observation").order_by(a.id)
    if since is not None:
        q = q.where(a.at > since)
    latest: dict[str, tuple[datetime, str]] = {}
    with store.session() as s:
        for key, at, actor in s.execute(q):
            latest[key] = (at, actor)
    out = []
    for key, (at, actor) in latest.items():
        region, _, rest = key.partition("/")
        code, _, period = rest.rpartition("/")
        out.append(ApprovalChange(region, code, period, at, actor))
    return out


def approved_frame_as_of(store: Store, at: datetime | None, now_frame: pd.DataFrame, changed: list[ApprovalChange]) -> pd.DataFrame:
    """``now_frame`` (region name, year, indicator, value: annual approved figures) as it stood at ``at``.

    Only the ``changed`` keys (approved after ``at``) can differ: each takes the value approved
    at or before ``at``, or drops out when it had none. ``at`` None: nothing was approved then.
    """
    annual = [c for c in changed if c.period.isdigit()]
    if not annual:
        return now_frame
    regions = {r.code: r.name for r in store.regions()}
    keys = {(regions.get(c.region, c.region), c.code, int(c.period)) for c in annual}
    before: dict[tuple[str, str, int], float | None] = {}
    if at is not None:
        before = _values_at(store, at, {f"{c.region}/{c.code}/{c.period}" for c in annual}, regions)
    index = pd.MultiIndex.from_frame(now_frame[["region", "indicator", "year"]].astype({"year": int}))
    kept = now_frame[[k not in keys for k in index]]
    extra = pd.DataFrame([(r, y, c, v) for (r, c, y), v in before.items()], columns=["region", "year", "indicator", "value"])
    return pd.concat([kept, extra], ignore_index=True) if len(extra) else kept.reset_index(drop=True)


def _values_at(store: Store, at: datetime, keys: set[str], regions: dict[str, str]) -> dict[tuple[str, str, int], float | None]:
    """(region name, code, year) → the value approved at or before ``at``, for the keys that had one."""
    a, o, b = m.AuditRow, m.ObservationRow, m.BatchRow
    approved: dict[str, datetime] = {}
    with store.session() as s:
        for key, when in s.execute(select(a.key, a.at).where(a.action == "approve", a.entity == "observation", a.at <= at)):
            if key in keys and (key not in approved or when > approved[key]):
                approved[key] = when
        if not approved:
            return {}
        ids = {r.code: r.id for r in s.scalars(select(m.RegionRow))}
        codes = {key.split("/")[1] for key in approved}
        q = (select(o.region_id, o.code, o.period, o.vintage, o.value, b.at).join(b, b.id == o.batch_id)
             .where(o.code.in_(sorted(codes)), o.period == o.year.cast(String)).order_by(o.vintage))
        names = {v: regions[k] for k, v in ids.items()}
        by_id = {v: k for k, v in ids.items()}
        out: dict[tuple[str, str, int], float | None] = {}
        for region_id, code, period, _, value, written in s.execute(q):
            key = f"{by_id[region_id]}/{code}/{period}"
            if key in approved and written <= approved[key]:
                out[(names[region_id], code, int(period))] = value  # ordered by vintage: the newest written before the approval wins
    return out
