"""Writing many figures at once: vectorised checks and driver-level bulk inserts.

One import of a million figures is one transaction: checked as a whole with
pandas, then inserted with the database driver's executemany (SQLite) or COPY
(PostgreSQL). Every figure gets its own audit row.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stpi.errors import ConflictError, InputError, Problem
from stpi.store import models as m

__all__ = ["PERIOD_PATTERN", "apply_write", "insert_rows", "plan_write"]

PERIOD_PATTERN = r"^(\d{4})(?:Q[1-4]|M(?:0[1-9]|1[0-2]))?$"

OBS_COLUMNS = ["region_id", "code", "period", "year", "value", "source", "note", "status", "comment", "vintage", "current", "evaluated", "batch_id"]
AUDIT_COLUMNS = ["at", "actor", "action", "entity", "key", "old", "new", "reason"]


def _fmt(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else repr(float(v)))


def _problems(frame: pd.DataFrame, mask: pd.Series, field: str, reason: str, value: pd.Series) -> list[Problem]:
    rows = frame.loc[mask]
    return [Problem(f, int(r), field, reason, str(v)) for f, r, v in zip(rows["_file"], rows["_row"], value[mask])]


def _current(s: Session, frame: pd.DataFrame) -> pd.DataFrame:
    """Current vintages of the figures in ``frame`` (one query per period)."""
    parts = []
    for period in frame["period"].unique():
        q = select(m.ObservationRow.id, m.ObservationRow.region_id, m.ObservationRow.code, m.ObservationRow.period, m.ObservationRow.value, m.ObservationRow.source, m.ObservationRow.note, m.ObservationRow.status, m.ObservationRow.vintage)
        q = q.where(m.ObservationRow.period == str(period), m.ObservationRow.current.is_(True))
        parts.append(pd.DataFrame(s.execute(q).all(), columns=["prev_id", "region_id", "code", "period", "prev_value", "prev_source", "prev_note", "prev_status", "prev_vintage"]))
    return pd.concat(parts) if parts else pd.DataFrame(columns=["prev_id", "region_id", "code", "period"])


def plan_write(s: Session, frame: pd.DataFrame, *, actor: str, status: str, reason: str, revise: bool, stamp: datetime) -> tuple[pd.DataFrame, list[int], pd.DataFrame]:
    """Check every figure and work out the new vintages, the rows they retire and the audit rows.

    ``frame`` has columns region, code, period, value, source, note,
    expected_vintage, _file, _row. Raises with every problem found. The new rows
    come sorted by the unique key, which makes inserting them much faster.
    """
    regions = {}
    for r in s.scalars(select(m.RegionRow)):
        for name in (r.code, r.name):
            regions[name] = r.id
    locked = {y for (y,) in s.execute(select(m.YearLockRow.year))}
    periods = pd.Series(frame["period"].unique())  # few distinct periods: parse each once
    years = dict(zip(periods, pd.to_numeric(periods.str.extract(PERIOD_PATTERN)[0], errors="coerce")))
    frame = frame.assign(region_id=frame["region"].map(regions), year=frame["period"].map(years))
    bad_region, bad_period = frame["region_id"].isna(), frame["year"].isna()
    problems = _problems(frame, bad_region, "region", "未知地区 unknown region", frame["region"])
    problems += _problems(frame, bad_period & ~bad_region, "period", "期间格式应为 2023 / 2023Q1 / 2023M03 period must look like 2023, 2023Q1 or 2023M03", frame["period"])
    frame = frame[~bad_region & ~bad_period].astype({"region_id": "int64", "year": "int64"})
    merged = frame.merge(_current(s, frame), on=["region_id", "code", "period"], how="left")
    prev_v = merged["prev_vintage"].fillna(0).astype("int64")
    stale = merged["expected_vintage"].notna() & (merged["expected_vintage"] != prev_v)
    problems += _problems(merged, stale, "value", "该数据已被他人修改,请重新读取 changed by someone else since read", merged["code"])
    same_value = (merged["value"] == merged["prev_value"]) | (merged["value"].isna() & merged["prev_value"].isna() & merged["prev_id"].notna())
    unchanged = merged["prev_id"].notna() & same_value & (merged["source"] == merged["prev_source"]) & (merged["note"] == merged["prev_note"]) & (merged["prev_status"] != "returned")
    frozen = merged["year"].isin(locked) | (merged["prev_status"] == "locked")
    blocked = frozen & ~unchanged & ~stale & (not (revise and reason.strip()))
    problems += _problems(merged, blocked, "value", "该年评价已锁定,修改须作为修订并说明原因 year locked: change only as a revision with a reason", merged["code"])
    if problems:
        raise ConflictError("\n".join(map(str, problems))) if all("他人修改" in p.reason for p in problems) else InputError(problems)
    new = merged[~unchanged]
    rows = pd.DataFrame({
        "region_id": new["region_id"], "code": new["code"], "period": new["period"], "year": new["year"],
        "value": new["value"], "source": new["source"], "note": new["note"], "status": status, "comment": None,
        "vintage": prev_v[~unchanged] + 1, "current": True, "evaluated": False, "batch_id": 0,
    }).sort_values(["region_id", "code", "period"], kind="stable")
    changed = new[new["prev_id"].notna()]
    audits = pd.DataFrame({
        "at": stamp, "actor": actor, "action": np.where(frozen[changed.index], "revise", "update"), "entity": "observation",
        "key": changed["region"].astype(str) + "/" + changed["code"] + "/" + changed["period"],
        "old": _fmt(changed["prev_value"]), "new": _fmt(changed["value"]), "reason": reason,
    })
    retire = [int(i) for i in changed["prev_id"]]
    return rows, retire, audits


def insert_rows(s: Session, table: str, columns: list[str], frame: pd.DataFrame) -> None:
    """Insert a frame's rows with the driver's fastest bulk path, inside the session's transaction."""
    if frame.empty:
        return
    conn = s.connection()
    records = list(zip(*(_python_values(frame[c], conn.dialect.name) for c in columns)))
    if conn.dialect.name == "postgresql":
        cursor: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for record in records:
                copy.write_row(record)
        return
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", records)


def _python_values(column: pd.Series, dialect: str) -> list[Any]:
    """A column as plain Python values the driver binds: None for missing, no numpy or pandas types."""
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = {v: None if pd.isna(v) else v.to_pydatetime() for v in column.unique()}
        if dialect == "sqlite":  # the text form SQLAlchemy itself stores for DateTime on SQLite
            stamps = {k: None if v is None else v.strftime("%Y-%m-%d %H:%M:%S.%f") for k, v in stamps.items()}
        return [stamps[v] for v in column]
    if column.dtype == object or pd.api.types.is_float_dtype(column):
        return column.astype(object).where(column.notna(), None).tolist()
    return column.tolist()


def retire_rows(s: Session, ids: list[int]) -> None:
    """Mark previous vintages as no longer current."""
    for start in range(0, len(ids), 5000):
        s.execute(update(m.ObservationRow).where(m.ObservationRow.id.in_(ids[start : start + 5000])).values(current=False))


def apply_write(s: Session, rows: pd.DataFrame, retire: list[int], audits: pd.DataFrame) -> None:
    """Retire, insert and audit; a concurrent writer of the same vintage turns into a conflict."""
    driver_error = s.connection().dialect.dbapi.IntegrityError  # raised by COPY, below SQLAlchemy
    try:
        retire_rows(s, retire)
        insert_rows(s, "observation", OBS_COLUMNS, rows)
        insert_rows(s, "audit", AUDIT_COLUMNS, audits)
        s.flush()
    except (IntegrityError, driver_error) as exc:
        raise ConflictError(f"数据已被同时修改,请重新读取后再提交 concurrent change of the same figure: {getattr(exc, 'orig', exc)}") from exc


