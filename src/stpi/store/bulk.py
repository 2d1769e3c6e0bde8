"""Writing many figures at once: vectorised checks and driver-level bulk inserts.

One import of a million figures is one transaction: checked as a whole with
pandas, then inserted with the database driver's executemany (SQLite) or COPY
(PostgreSQL), from plain Python values. Every changed figure gets its own audit row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import datetime
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Boolean, DateTime, Float, Integer, LargeBinary, SmallInteger, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stpi.errors import ConflictError, InputError, Problem
from stpi.store import models as m
from stpi.store.core import Store

__all__ = ["PERIOD_PATTERN", "apply_write", "insert_rows", "plan_write"]

PERIOD_PATTERN = r"^(\d{4})(?:Q[1-4]|M(?:0[1-9]|1[0-2]))?$"

OBS_COLUMNS = ["region_id", "code", "period", "year", "value", "source", "note", "status", "comment", "vintage", "current", "evaluated", "batch_id"]
AUDIT_COLUMNS = ["at", "actor", "action", "entity", "key", "old", "new", "reason"]
# The columns of the current vintages that a write compares with, as prev_*.
PREVIOUS = ["prev_id", "region_id", "code", "period", "prev_value", "prev_source", "prev_note", "prev_status", "prev_vintage", "prev_actor"]
STALE = "该数据已被他人修改,请刷新后重新填写 changed by someone else since read; reload and enter it again"
UNVERSIONED = "该数据已存在,修改须注明所改的版本(vintage),请刷新后在原数据上修改 the figure exists: a change must name the vintage it replaces; reload and edit it"
CONFLICTS = (STALE, UNVERSIONED)


def _fmt(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else repr(float(v)))


def _problems(frame: pd.DataFrame, mask: Any, field: str, reason: str, value: pd.Series) -> list[Problem]:
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return []
    rows = frame.loc[mask]
    codes = rows["code"] if "code" in rows else [None] * len(rows)  # every problem names its indicator or raw statistic
    return [Problem(f, int(r), field, reason, str(v), code=None if c is None else str(c)) for f, r, v, c in zip(rows["_file"], rows["_row"], value[mask], codes)]


def _current(s: Session, frame: pd.DataFrame) -> pd.DataFrame:
    """Current vintages of the figures in ``frame``: one query per period, which the unique key (year, period, …) serves.

    Read with the driver's own cursor into columns: a million ORM or SQLAlchemy rows would take seconds.
    """
    conn = s.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = ("SELECT o.id, o.region_id, o.code, o.period, o.value, o.source, o.note, o.status, o.vintage, b.actor FROM observation o "
           f"JOIN batch b ON b.id = o.batch_id WHERE o.year = {mark} AND o.period = {mark} AND o.current")
    cursor: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    parts = []
    try:
        for period in frame["period"].unique():
            cursor.execute(sql, (int(str(period)[:4]), str(period)))
            found = cursor.fetchall()
            if found:
                parts.append(pd.DataFrame(dict(zip(PREVIOUS, zip(*found)))))
    finally:
        cursor.close()
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=PREVIOUS)


def _resolve(s: Session, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Region ids and years for the rows; problems for unknown regions and malformed periods.

    Regions and periods repeat, so each distinct one is looked up once.
    """
    regions = {}
    for region_id, code, name in s.execute(select(m.RegionRow.id, m.RegionRow.code, m.RegionRow.name)):
        regions[code] = regions[name] = region_id
    region_codes, region_names = pd.factorize(frame["region"].to_numpy())
    period_codes, periods = pd.factorize(frame["period"].to_numpy())
    ids = np.array([regions.get(r, -1) for r in region_names], dtype=np.int64)[region_codes]
    found = pd.Series(periods, dtype=object).str.extract(PERIOD_PATTERN)[0]
    years = pd.to_numeric(found, errors="coerce").fillna(-1).to_numpy(dtype=np.int64)[period_codes]
    bad_region, bad_period = ids < 0, years < 0
    problems = _problems(frame, bad_region, "region", "未知地区 unknown region", frame["region"])
    problems += _problems(frame, bad_period & ~bad_region, "period", "期间格式应为 2023 / 2023Q1 / 2023M03 period must look like 2023, 2023Q1 or 2023M03", frame["period"])
    frame = frame.assign(region_id=ids, year=years)
    good = ~bad_region & ~bad_period
    return (frame if good.all() else frame[good]), problems


def _with_previous(s: Session, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows with the current vintage of each figure beside them (prev_* columns, NaN when new)."""
    current = _current(s, frame)
    if len(current):
        return frame.merge(current, on=["region_id", "code", "period"], how="left")
    # nothing stored yet for these periods (a first import): nothing to compare or supersede
    nothing = np.full(len(frame), np.nan)
    return frame.reset_index(drop=True).assign(**{c: nothing for c in PREVIOUS if c.startswith("prev_")})


def _unchanged(merged: pd.DataFrame, has_prev: np.ndarray) -> np.ndarray:
    """Rows equal to their current vintage (value, source, note), which was not returned."""
    out = np.zeros(len(merged), dtype=bool)
    if has_prev.any():
        p = merged[has_prev]
        same_value = (p["value"] == p["prev_value"]) | (p["value"].isna() & p["prev_value"].isna())
        out[has_prev] = (same_value & (p["source"] == p["prev_source"]) & (p["note"] == p["prev_note"]) & (p["prev_status"] != "returned")).to_numpy()
    return out


def _new_rows(new: pd.DataFrame, vintage: np.ndarray, status: str) -> pd.DataFrame:
    """The rows to insert, sorted by the unique key (year and period, region, code): each insert then appends to the index.

    Periods start with their year, so sorting by period sorts by year too.
    """
    order = _key_order(new["period"].to_numpy(), new["region_id"].to_numpy(), new["code"].to_numpy())
    columns = {c: new[c].to_numpy()[order] for c in ("region_id", "code", "period", "year", "value", "source", "note")}
    n = len(order)
    columns |= {"status": np.full(n, status, dtype=object), "comment": np.full(n, None, dtype=object), "vintage": vintage[order]}
    columns |= {"current": np.ones(n, dtype=bool), "evaluated": np.zeros(n, dtype=bool), "batch_id": np.zeros(n, dtype=np.int64)}
    # concat keeps each column as it is: no text inference, no copying into blocks
    rows: pd.DataFrame = pd.concat({c: pd.Series(v, dtype=v.dtype, copy=False) for c, v in columns.items()}, axis=1)
    return rows


def _key_order(*keys: np.ndarray) -> np.ndarray:
    """The positions that sort the rows by the keys, first key first; stable."""
    ranks = [pd.factorize(k, sort=True) for k in keys]
    sizes = [max(len(u), 1) for _, u in ranks]
    if math.prod(sizes) >= 2**62:  # one combined integer would overflow
        return np.lexsort([codes for codes, _ in reversed(ranks)])
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for (codes, _), size in zip(ranks, sizes):
        combined = combined * size + codes
    return np.argsort(combined, kind="stable")


WORK_IN_PROGRESS = ("draft", "submitted", "returned")  # a reporter's figure not yet approved
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # invisible characters no figure, source or note has (PostgreSQL refuses NUL)


def _control_characters(frame: pd.DataFrame) -> list[Problem]:
    """Codes, sources and notes with control characters (NUL …), located; one joined scan when there are none (the common case)."""
    out: list[Problem] = []
    for column in ("code", "source", "note"):
        if column not in frame:
            continue
        text = frame[column].fillna("").astype(str)
        if CONTROL.search("".join(text.tolist())) is None:
            continue
        mask = text.map(lambda v: CONTROL.search(v) is not None).to_numpy()
        out += _problems(frame, mask, column, "含有不可见的控制字符(如 NUL),请删除后重新提交 contains control characters (such as NUL): remove them", text.map(repr))
    return out


def plan_write(s: Session, frame: pd.DataFrame, *, actor: str, status: str, reason: str, revise: bool, stamp: datetime,
               require_vintage: bool = False, colleagues: frozenset[str] | None = None) -> tuple[pd.DataFrame, list[tuple[int, str]], pd.DataFrame]:
    """Check every figure and work out the new vintages, the rows they retire and the audit rows.

    ``frame`` has columns region, code, period, value, source, note,
    expected_vintage, _file, _row. Raises with every problem found. The new rows
    come sorted by the unique key, which makes inserting them much faster.
    ``require_vintage``: a change of an existing figure must name the vintage it replaces
    (typed entries); a file import replaces whatever is current, except that ``colleagues`` (the
    accounts of the writer's own department or county and the bureau's; None for the bureau) bounds whose
    work in progress — a draft, a submitted or a returned figure — it may replace: another department's is refused.
    Runs in a write transaction holding the year-level lock of every year written
    (shared), so a year cannot be locked between these checks and the write.
    """
    frame, problems = _resolve(s, frame)
    problems += _control_characters(frame)
    Store.lock_years(s, frame["year"].unique())
    locked = {y for (y,) in s.execute(select(m.YearLockRow.year))}
    merged = _with_previous(s, frame)
    has_prev = merged["prev_id"].notna().to_numpy()
    prev_v = merged["prev_vintage"].fillna(0).astype("int64")
    where = _figure(merged, prev_v)
    stale = (merged["expected_vintage"].notna() & (merged["expected_vintage"] != prev_v)).to_numpy()
    problems += _problems(merged, stale, "value", STALE, where)
    unchanged = _unchanged(merged, has_prev)
    if require_vintage:
        unversioned = has_prev & merged["expected_vintage"].isna().to_numpy() & ~unchanged
        problems += _problems(merged, unversioned, "vintage", UNVERSIONED, where)
    if colleagues is not None and has_prev.any():
        theirs = has_prev & merged["prev_status"].isin(WORK_IN_PROGRESS).to_numpy() & ~merged["prev_actor"].isin(colleagues).to_numpy() & ~unchanged
        problems += _problems(merged, theirs, "value", "该数据是其他单位填报、尚未审核通过的数据,不能覆盖;请与填报人(见“值”)协调,或由市科技局处理 "
                              "another reporter's figure, not yet approved (its reporter is the value shown): agree with them, or ask the S&T bureau", merged["prev_actor"])
    frozen = merged["year"].isin(locked).to_numpy()
    if has_prev.any():
        frozen = frozen | (has_prev & (merged["prev_status"] == "locked").to_numpy())
    blocked = frozen & ~unchanged & ~stale & (not (revise and reason.strip()))
    problems += _problems(merged, blocked, "value", "该年评价已锁定,修改须作为修订并说明原因 year locked: change only as a revision with a reason", merged["code"])
    if problems:
        raise ConflictError("\n".join(map(str, problems))) if all(p.reason in CONFLICTS for p in problems) else InputError(problems)
    new = merged if not unchanged.any() else merged[~unchanged]
    rows = _new_rows(new, prev_v.to_numpy()[~unchanged] + 1, status)
    changed = new[has_prev[~unchanged]]
    audits = pd.DataFrame({
        "at": stamp, "actor": actor, "action": np.where(frozen[changed.index], "revise", "update"), "entity": "observation",
        "key": changed["region"].astype(str) + "/" + changed["code"] + "/" + changed["period"],
        "old": _fmt(changed["prev_value"]), "new": _fmt(changed["value"]), "reason": reason,
    })
    retire = list(zip(changed["prev_id"].astype("int64").tolist(), changed["prev_status"].tolist()))
    return rows, retire, audits


def _figure(merged: pd.DataFrame, prev_v: pd.Series) -> pd.Series:
    """Each row's figure as a reader names it: region/code/period, and the vintage and status stored now."""
    vintage, status = prev_v.astype(str), merged["prev_status"].astype(str)
    now_is = pd.Series(np.where(merged["prev_id"].notna(), "(现为第" + vintage + "版 " + status + ", now vintage " + vintage + ")", ""), index=merged.index, dtype=str)
    key: pd.Series = merged["region"].astype(str) + "/" + merged["code"].astype(str) + "/" + merged["period"].astype(str)
    return key + now_is


def insert_rows(s: Session, table: str, columns: list[str], frame: pd.DataFrame) -> None:
    """Insert a frame's rows with the driver's fastest bulk path, inside the session's transaction."""
    if frame.empty:
        return
    conn = s.connection()
    dialect = conn.dialect.name
    # the session's own DBAPI connection, so the rows join its transaction
    cursor: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    if dialect == "postgresql":
        types = _binary_types(table, columns)
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN" + (" (FORMAT BINARY)" if types else "")) as copy:
            if types:  # the binary format costs the client a third of the text format's formatting
                copy.set_types(types)
            for record in _records(frame, columns, dialect):
                copy.write_row(record)
        return
    # a column with one simple value throughout (status, flags, batch) goes into the SQL once
    fixed = {c: text for c in columns if (text := _literal(frame[c])) is not None} if len(frame) > 1 else {}
    bound = [c for c in columns if c not in fixed]
    values = ", ".join(fixed.get(c, "?") for c in columns)
    records = _records(frame, bound, dialect) if bound else repeat((), len(frame))
    try:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})", records)
    finally:
        cursor.close()


# binary COPY needs the exact type of each column; the first match wins (BigInteger is an Integer)
_PG_TYPES = ((Boolean, "bool"), (BigInteger, "int8"), (SmallInteger, "int2"), (Integer, "int4"), (Float, "float8"), (String, "text"), (LargeBinary, "bytea"))


def _binary_types(table: str, columns: list[str]) -> list[str] | None:
    """PostgreSQL type names for a binary COPY into the table's columns; None if one is not known here."""
    names = []
    for c in columns:
        kind = m.Base.metadata.tables[table].c[c].type
        if isinstance(kind, DateTime):
            found: str | None = "timestamptz" if kind.timezone else "timestamp"
        else:
            found = next((name for base, name in _PG_TYPES if isinstance(kind, base)), None)
        if found is None:
            return None
        names.append(found)
    return names


def _records(frame: pd.DataFrame, columns: list[str], dialect: str) -> Iterator[tuple[Any, ...]]:
    """The rows as tuples of plain Python values, made one at a time (a million tuples would cost memory)."""
    return zip(*(_python_values(frame[c], dialect) for c in columns))


_WORD = re.compile(r"[A-Za-z0-9_]*")


def _literal(column: pd.Series) -> str | None:
    """SQL text for a column that holds one integer, flag, NULL or plain word throughout, else None.

    Only such values are written into the SQL (no user text), so no quoting can go wrong.
    """
    values = column.to_numpy()
    first = values[0]
    if values.dtype.kind in "biu":
        return str(int(first)) if (values == first).all() else None
    if values.dtype != object:
        return None
    if first is None:
        return "NULL" if pd.isna(values).all() else None
    if isinstance(first, str) and _WORD.fullmatch(first) and (values == first).all():
        return f"'{first}'"
    return None


def _python_values(column: pd.Series, dialect: str) -> list[Any]:
    """A column as plain Python values the driver binds: None for missing, no numpy or pandas types."""
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = {v: None if pd.isna(v) else v.to_pydatetime() for v in column.unique()}
        if dialect == "sqlite":  # the text form SQLAlchemy itself stores for DateTime on SQLite
            stamps = {k: None if v is None else v.strftime("%Y-%m-%d %H:%M:%S.%f") for k, v in stamps.items()}
        return [stamps[v] for v in column]
    values = column.to_numpy()
    if values.dtype.kind == "b" and dialect == "sqlite":  # sqlite3 binds exact ints faster than bools, and stores 1/0 alike
        return values.astype(np.int64).tolist()
    if values.dtype == object or values.dtype.kind == "f":
        missing = pd.isna(values)
        if missing.any():
            values = values.astype(object)
            values[missing] = None
    return values.tolist()  # numpy numbers become Python ones


def retire_rows(s: Session, retire: list[tuple[int, str]]) -> None:
    """Mark previous vintages as no longer current: compare-and-set on each one's current flag and status.

    ``retire`` holds (id, status) as read. A vintage another writer retired or moved
    on meanwhile (on PostgreSQL the update waits for that writer, then sees its result) makes
    the write a :class:`ConflictError` naming it.
    """
    o = m.ObservationRow
    by_status: dict[str, list[int]] = {}
    for id_, status in retire:
        by_status.setdefault(status, []).append(id_)
    for status, ids in by_status.items():
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            done = s.execute(update(o).where(o.id.in_(part), o.current.is_(True), o.status == status).values(current=False)).rowcount  # type: ignore[attr-defined]
            if done != len(part):
                raise ConflictError(f"数据在读取后已被他人同时修改或处理,请刷新后重试 changed or handled by someone else since read; reload and try again: {_moved(s, part, status)}")


def _moved(s: Session, ids: list[int], status: str) -> str:
    """The figures among these vintages that are no longer current or no longer in the status read, as region/code/period."""
    o = m.ObservationRow
    q = select(m.RegionRow.code, o.code, o.period, o.vintage, o.status, o.current).join(m.RegionRow, m.RegionRow.id == o.region_id)
    found = s.execute(q.where(o.id.in_(ids), (o.current.is_(False)) | (o.status != status))).all()
    return ", ".join(f"{r}/{c}/{p} (第{v}版 vintage {v}: {status} → {st if cur else '已被新版本取代 superseded'})" for r, c, p, v, st, cur in found[:20])


def apply_write(s: Session, rows: pd.DataFrame, retire: list[tuple[int, str]], audits: pd.DataFrame) -> None:
    """Retire, insert and audit; a concurrent writer of the same vintage turns into a conflict."""
    dbapi = s.connection().dialect.dbapi
    driver_error = IntegrityError if dbapi is None else dbapi.IntegrityError  # raised by COPY and executemany, below SQLAlchemy
    try:
        retire_rows(s, retire)
        insert_rows(s, "observation", OBS_COLUMNS, rows)
        insert_rows(s, "audit", AUDIT_COLUMNS, audits)
        s.flush()
    except (IntegrityError, driver_error) as exc:
        raise ConflictError(f"数据已被同时修改,请重新读取后再提交 concurrent change of the same figure: {getattr(exc, 'orig', exc)}") from exc
