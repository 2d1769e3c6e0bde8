"""The store: the one door to the database. Returns plain records, never ORM rows."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources

from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import Session

from stpi.tables import load_yaml
from stpi.errors import BusyError, ConflictError, NotFoundError, StoreError, StpiError
from stpi.i18n import tr
from stpi.framework.embedded import embedded_framework
from stpi.framework.io import export_framework, framework_from_records
from stpi.framework.model import Framework, Provenance
from stpi.framework.plan import Plan, plan_from_text
from stpi.store import generations
from stpi.store import models as m
from stpi.store.db import database_url, make_engine, upgrade
from stpi.store.records import AuditEntry, Region, User

__all__ = ["Store", "now"]

_log = logging.getLogger("stpi.store")

YEAR_LOCK_SPACE = 0x5354  # "ST": the first key of stpi's PostgreSQL advisory locks; the year is the second


class StoreSession(Session):
    """The store's sessions: each notes the parts of the store its flushes change (see :mod:`stpi.store.generations`)."""


@event.listens_for(StoreSession, "after_flush")
def _note_flushed(session: Session, _context: object) -> None:
    generations.mark_flushed(session, {obj.__table__.name for obj in (*session.new, *session.dirty, *session.deleted)})


def now() -> datetime:
    """The current time in UTC, without tzinfo (stored as UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Store:
    """The database behind stpi: SQLite by default, PostgreSQL by URL.

    Opening a store brings its schema up to date and, on an empty database,
    seeds the embedded default (Longnan's framework, plan, departments, regions).
    """

    def __init__(self, url: str | None = None, *, prepare: bool = True) -> None:
        self.url = database_url(url)
        # the embedded default: no URL given anywhere, so the SQLite file in the user's data folder
        self.embedded = url is None and not os.environ.get("STPI_DATABASE_URL")
        self.engine = make_engine(self.url)
        if prepare:
            self.prepare()

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error.

        ``write=True`` for a transaction that checks state and then changes it: on SQLite it
        starts with ``BEGIN IMMEDIATE``, so it holds the one write lock from its first read and
        no other writer can change what it checked (readers go on, WAL). PostgreSQL writers
        rely on row locks, compare-and-set updates and :meth:`lock_years` instead.
        """
        try:
            with StoreSession(self.engine, expire_on_commit=False) as session, session.begin():
                if write and self.engine.dialect.name == "sqlite":
                    # pysqlite begins a deferred transaction only at the first change; take the lock now
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                yield session
                generations.bump_in(session)  # in the same transaction: a reader sees the change and its counter together
        except SQLAlchemyError as exc:
            raise _store_error(exc) from exc

    @staticmethod
    def lock_years(s: Session, years: Iterable[int], *, exclusive: bool = False) -> None:
        """Take the year-level lock for these years inside a write transaction (PostgreSQL; SQLite writers are serial already).

        Writes into a year take it shared, so they run side by side; locking a year takes it
        exclusive, so a lock and an import of the same year never overlap: one commits first and
        the other then sees its result. Taken in year order, so two writers cannot deadlock.
        """
        years = sorted(set(int(y) for y in years))
        generations.mark_years(s, years)
        if s.get_bind().dialect.name != "postgresql":
            return
        fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        for year in years:
            s.execute(text(f"SELECT {fn}(:space, :year)"), {"space": YEAR_LOCK_SPACE, "year": year})

    def prepare(self) -> None:
        """Migrate to the newest schema and seed an empty database."""
        upgrade(self.engine)
        with self.session() as s:
            if s.scalar(select(func.count()).select_from(m.RegionRow)) == 0:
                _seed(s)
                if self.embedded:  # a newcomer sees the dashboard at / at once; a production store starts closed
                    s.add(m.SettingRow(key="public_overview", value="true"))

    # ------------------------------------------------------------------ audit

    @staticmethod
    def audit_in(s: Session, actor: str, action: str, entity: str, key: str, old: object = "", new: object = "", reason: str = "") -> None:
        """Record one change inside the caller's transaction."""
        generations.mark_entity(s, action, entity, key)
        s.add(m.AuditRow(at=now(), actor=actor, action=action, entity=entity, key=key, old=_text(old), new=_text(new), reason=reason))

    def audit(self, *, actor: str | None = None, entity: str | None = None, action: str | None = None, key: str | None = None, since: datetime | None = None,
              until: datetime | None = None, limit: int = 1000, offset: int = 0) -> list[AuditEntry]:
        """The audit log, newest first, filtered (``since`` inclusive, ``until`` exclusive); ``offset`` skips the newest for paging."""
        q = select(m.AuditRow).order_by(m.AuditRow.id.desc()).limit(limit).offset(offset)
        for column, value in ((m.AuditRow.actor, actor), (m.AuditRow.entity, entity), (m.AuditRow.action, action)):
            if value:
                q = q.where(column == value)
        if key:
            q = q.where(m.AuditRow.key.contains(key, autoescape=True))  # % and _ typed by a user are literal
        if since:
            q = q.where(m.AuditRow.at >= since)
        if until:
            q = q.where(m.AuditRow.at < until)
        with self.session() as s:
            return [AuditEntry(r.id, r.at, r.actor, r.action, r.entity, r.key, r.old, r.new, r.reason) for r in s.scalars(q)]

    # ---------------------------------------------------------------- regions

    def generations(self) -> dict[str, int]:
        """How often each part of the store has changed (one small query; see :mod:`stpi.store.generations`)."""
        with self.session() as s:
            return generations.read_generations(s)

    def regions(self, level: str | None = None) -> list[Region]:
        """All regions (optionally of one level), in code order."""
        with self.session() as s:
            rows = list(s.scalars(select(m.RegionRow).order_by(m.RegionRow.code)))
            codes = {r.id: r.code for r in rows}
            return [Region(r.code, r.name, r.name_en, r.level, codes.get(r.parent_id or -1)) for r in rows if level in (None, r.level)]

    def region(self, code_or_name: str) -> Region:
        """A region by code or name (Chinese or English)."""
        for r in self.regions():
            if code_or_name in (r.code, r.name, r.name_en):
                return r
        raise NotFoundError(f"没有该地区 no region {code_or_name!r}")

    def add_regions(self, regions: list[Region], *, actor: str) -> None:
        """Add regions (a parent must exist already or come earlier in the list)."""
        with self.session() as s:
            ids = {r.code: r.id for r in s.scalars(select(m.RegionRow))}
            for r in regions:
                row = m.RegionRow(code=r.code, name=r.name, name_en=r.name_en, level=r.level, parent_id=ids.get(r.parent or ""))
                s.add(row)
                s.flush()
                ids[r.code] = row.id
            self.audit_in(s, actor, "create", "region", f"{len(regions)} regions", "", ", ".join(r.code for r in regions[:5]))

    # -------------------------------------------------------------- framework

    def framework(self, year: int | None = None, *, scope: str = "city") -> Framework:
        """The framework version valid in ``year`` (the newest one when no year is given).

        ``scope="county"``: the county version valid in ``year``; the city's when no county version is stored.
        """
        _check_scope(scope)
        with self.session() as s:
            for wanted in dict.fromkeys((scope, "city")):
                q = select(m.FrameworkVersionRow).where(m.FrameworkVersionRow.scope == wanted)
                q = q.order_by(m.FrameworkVersionRow.valid_from.desc(), m.FrameworkVersionRow.id.desc())
                if year is not None:
                    q = q.where(m.FrameworkVersionRow.valid_from <= year)
                row = s.scalars(q.limit(1)).first()
                if row is not None:
                    return _framework_from_yaml(row.content, f"framework_version #{row.id}")
            raise NotFoundError(f"{year} 年没有有效的指标框架 no framework valid in {year}")

    def framework_versions(self, scope: str = "city") -> list[tuple[int, str, str, str]]:
        """(valid_from, title, fingerprint, created_by) of every stored version of the scope."""
        _check_scope(scope)
        with self.session() as s:
            rows = s.scalars(select(m.FrameworkVersionRow).where(m.FrameworkVersionRow.scope == scope).order_by(m.FrameworkVersionRow.valid_from))
            return [(r.valid_from, r.title, r.fingerprint, r.created_by) for r in rows]

    def add_framework_version(self, fw: Framework, *, valid_from: int, actor: str, scope: str = "city") -> None:
        """Store a framework valid from a year on; a newer import for the same year wins, older ones stay."""
        _check_scope(scope)
        content = export_framework(fw, "yaml").decode("utf-8")
        with self.session() as s:
            before = self._fingerprint_in(s, valid_from, scope)
            s.add(m.FrameworkVersionRow(framework_id=fw.id, valid_from=valid_from, title=fw.title, content=content, fingerprint=fw.fingerprint(), created_at=now(), created_by=actor, scope=scope))
            self.audit_in(s, actor, "import", "framework", f"{fw.id}@{valid_from}" + ("" if scope == "city" else f" ({scope})"), before, fw.fingerprint())

    @staticmethod
    def _fingerprint_in(s: Session, year: int, scope: str = "city") -> str:
        q = select(m.FrameworkVersionRow.fingerprint).where(m.FrameworkVersionRow.valid_from <= year, m.FrameworkVersionRow.scope == scope)
        q = q.order_by(m.FrameworkVersionRow.valid_from.desc(), m.FrameworkVersionRow.id.desc()).limit(1)
        return s.scalar(q) or ""

    # ------------------------------------------------------------------- plan

    def plan(self, year: int | None = None) -> Plan:
        """The plan in force in ``year`` (default: the newest version; the embedded Longnan plan unless replaced)."""
        with self.session() as s:
            q = select(m.PlanRow).order_by(m.PlanRow.valid_from.desc(), m.PlanRow.id.desc()).limit(1)
            row = s.scalars(q if year is None else q.where(m.PlanRow.valid_from <= year)).first()
            if row is None and year is not None:  # a year before the first version: the first
                row = s.scalars(select(m.PlanRow).order_by(m.PlanRow.valid_from, m.PlanRow.id).limit(1)).first()
            if row is None:
                raise NotFoundError("数据库中没有实施方案 no plan in the database")
            return _plan_from_yaml(row.content)

    def plan_records(self) -> list[tuple[int, int, str]]:
        """(id, valid_from, YAML) of every stored plan version, for the read model."""
        with self.session() as s:
            return [(int(i), int(v), str(c)) for i, v, c in s.execute(select(m.PlanRow.id, m.PlanRow.valid_from, m.PlanRow.content))]

    def framework_records(self) -> list[tuple[int, str, int, str, str, str, str]]:
        """(id, scope, valid_from, title, fingerprint, created_by, YAML) of every stored framework version, for the read model."""
        f = m.FrameworkVersionRow
        with self.session() as s:
            return [(int(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]), str(r[5]), str(r[6]))
                    for r in s.execute(select(f.id, f.scope, f.valid_from, f.title, f.fingerprint, f.created_by, f.content))]

    @staticmethod
    def parse_plan(content: str) -> Plan:
        """A stored plan version's YAML as a plan."""
        return _plan_from_yaml(content)

    @staticmethod
    def parse_framework(content: str, where: str) -> Framework:
        """A stored framework version's YAML as a framework."""
        return _framework_from_yaml(content, where)

    # ------------------------------------------------------------------ users

    def users(self) -> list[User]:
        """All accounts."""
        with self.session() as s:
            return [_user(s, u) for u in s.scalars(select(m.UserRow).order_by(m.UserRow.username))]

    def user(self, username: str) -> User:
        """One account (active or not)."""
        with self.session() as s:
            row = s.scalars(select(m.UserRow).where(m.UserRow.username == username)).first()
            if row is None:
                raise NotFoundError(f"没有该用户 no user {username!r}")
            return _user(s, row)


# SQLSTATEs of a lock or snapshot that could not be had in time (PostgreSQL): the same request may succeed shortly
_BUSY_STATES = {"40001", "40P01", "55P03", "57014"}  # serialization failure, deadlock, lock not available, statement/lock timeout
_BUSY_TEXT = ("database is locked", "database table is locked", "database is busy")  # SQLite


def _store_error(exc: SQLAlchemyError) -> StpiError:
    """The package's own error for a driver's: busy, conflict or failed; the driver's text goes to the server log only."""
    orig = getattr(exc, "orig", None)
    _log.warning("database error: %s: %s", type(exc).__name__, orig if orig is not None else exc)
    if isinstance(exc, SATimeoutError) or getattr(orig, "sqlstate", None) in _BUSY_STATES or any(t in str(orig).lower() for t in _BUSY_TEXT):
        return BusyError(tr("error.busy"))
    if isinstance(exc, IntegrityError):
        return ConflictError(tr("error.conflict"))
    return StoreError(tr("error.store"))


def _user(s: Session, u: m.UserRow) -> User:
    dep = s.get(m.DepartmentRow, u.department_id).code if u.department_id else None  # type: ignore[union-attr]
    reg = s.get(m.RegionRow, u.region_id).code if u.region_id else None  # type: ignore[union-attr]
    return User(u.username, u.display_name, u.role, dep, reg, u.active, bool(u.password_hash))


SCOPES = ("city", "county")


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise NotFoundError(f"未知框架范围 unknown framework scope {scope!r}; 可选 valid: {', '.join(SCOPES)}")


def _text(value: object) -> str:
    return "" if value is None else str(value)


@lru_cache(maxsize=32)
def _framework_from_yaml(content: str, where: str) -> Framework:
    """A stored framework version, parsed once per content (frameworks are immutable)."""
    doc = load_yaml(content)
    records = [(i, {k: "" if v is None else v for k, v in n.items()}) for i, n in enumerate(doc["nodes"], start=1)]
    head = doc.get("framework") or {"id": "framework", "title": "framework"}
    return framework_from_records(records, file=where, head=head, default_provenance=Provenance("assumed", "未注明 not stated"))


@lru_cache(maxsize=16)
def _plan_from_yaml(content: str) -> Plan:
    """A stored plan version, parsed once per content (plans are immutable)."""
    return plan_from_text(content, "plan (database)")


def _seed(s: Session) -> None:
    """The embedded default: regions, framework, Longnan's plan, departments, an admin account."""
    doc = load_yaml((resources.files("stpi") / "data" / "gansu-regions.yaml").read_text(encoding="utf-8"))
    ids: dict[str, int] = {}
    for r in doc["regions"]:
        row = m.RegionRow(code=r["code"], name=r["name"], name_en=r.get("name_en", ""), level=r["level"], parent_id=ids.get(r.get("parent", "")))
        s.add(row)
        s.flush()
        ids[r["code"]] = row.id
    fw = embedded_framework()
    plan_text = (resources.files("stpi") / "data" / "longnan-plan-2024.yaml").read_text(encoding="utf-8")
    plan = _plan_from_yaml(plan_text)
    s.add(m.FrameworkVersionRow(framework_id=fw.id, valid_from=plan.baseline_year, title=fw.title, content=export_framework(fw, "yaml").decode("utf-8"), fingerprint=fw.fingerprint(), created_at=now(), created_by="system"))
    region_id = next(ids[r["code"]] for r in doc["regions"] if r["name"] == plan.region)
    plan_row = m.PlanRow(code=plan.id, title=plan.title, region_id=region_id, content=plan_text, created_at=now(), valid_from=plan.baseline_year, source="embedded")
    s.add(plan_row)
    s.flush()
    dep_ids = {}
    for d in plan.departments:
        row = m.DepartmentRow(code=d.code, name=d.name, name_en=d.name_en)
        s.add(row)
        s.flush()
        dep_ids[d.code] = row.id
    for ind in plan.indicators:
        for role, codes in (("lead", ind.lead), ("responsible", ind.responsible)):
            for code in codes:
                s.add(m.AssignmentRow(plan_id=plan_row.id, department_id=dep_ids[code], code=ind.code, role=role))
    s.add(m.UserRow(username="admin", display_name="市科技局统计员(管理员)", role="admin", created_at=now()))
    Store.audit_in(s, "system", "seed", "store", "embedded default", "", f"{fw.id} + {plan.id}")
