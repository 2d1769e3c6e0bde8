"""Connecting to the database and keeping its schema current (Alembic)."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from stpi.errors import StpiError
from stpi.framework.embedded import data_dir

if TYPE_CHECKING:  # Alembic is imported only when a migration runs: opening an up-to-date store needs none of it
    from alembic.config import Config

__all__ = ["database_url", "make_engine", "upgrade", "current_revision", "head_revision", "shipped_head"]


def database_url(explicit: str | None = None) -> str:
    """The database URL: explicit, else STPI_DATABASE_URL, else a SQLite file in the data folder."""
    url = explicit or os.environ.get("STPI_DATABASE_URL")
    if not url:
        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / 'stpi.db'}"
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; safe with WAL
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MB: large imports touch many index pages
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets foreign keys, WAL and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("stpi.store") / "migrations"))
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this version of stpi."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> Path | None:
    """Bring the schema to the newest migration; return the copy of the SQLite file made first, if any.

    PostgreSQL runs every pending migration in one transaction (its DDL is transactional). SQLite
    does too here, on a connection of its own that begins with ``BEGIN IMMEDIATE`` (the driver
    otherwise commits each DDL statement by itself), after leftover ``_alembic_tmp_*`` tables of
    an older, killed upgrade are dropped and the file is copied (``stpi.db.before-<rev>-<time>``,
    the newest few kept): a killed upgrade leaves the store as it was, ready to upgrade again.
    """
    if _up_to_date(engine):
        return None  # the common case, on every start: nothing to do, and no Alembic to load
    if engine.dialect.name == "sqlite":
        return _upgrade_sqlite(engine)
    with engine.begin() as conn:
        _run_migrations(conn)
    return None


_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*['\"]?(\w+|None)['\"]?", re.M)


def shipped_head() -> str:
    """The newest shipped migration, read from the migration files themselves (no Alembic import; tested equal to :func:`head_revision`)."""
    revisions, parents = set(), set()
    for script in (resources.files("stpi.store") / "migrations" / "versions").iterdir():
        if script.name.endswith(".py") and script.name[0].isdigit():
            found = dict((k, v) for k, v in _REVISION.findall(script.read_text(encoding="utf-8")))
            revisions.add(found["revision"])
            parents.add(found.get("down_revision", "None"))
    heads = revisions - parents
    if len(heads) != 1:
        raise StpiError(f"迁移脚本应恰有一个最新版本 the migrations should have exactly one head: {sorted(heads)}")
    return heads.pop()


def _up_to_date(engine: Engine) -> bool:
    """Is the store at the shipped head, with no leftovers of a killed SQLite upgrade? (plain SQL, cheap)"""
    try:
        with engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            if engine.dialect.name == "sqlite" and conn.exec_driver_sql(_TMP_TABLES).first() is not None:
                return False
    except DBAPIError:  # no alembic_version table yet: a new database
        return False
    return bool(stored == shipped_head())


def _run_migrations(conn: Connection) -> None:
    from alembic import command

    cfg = _config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


_TMP_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_alembic\\_tmp\\_%' ESCAPE '\\'"
KEEP_COPIES = 3


def _pending(conn: Connection) -> tuple[str | None, list[str]]:
    """The revision and the leftovers of a killed upgrade."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision(), [r[0] for r in conn.exec_driver_sql(_TMP_TABLES)]


def _upgrade_sqlite(engine: Engine) -> Path | None:
    with engine.connect() as conn:
        revision, leftovers = _pending(conn)
    if revision == head_revision() and not leftovers:
        return None  # the common case, on every start: nothing to do
    path = engine.url.database
    copy = _copy_file(Path(path), revision) if path and path != ":memory:" and revision is not None else None
    own = create_engine(engine.url, poolclass=NullPool)
    event.listen(own, "connect", _upgrade_pragmas)
    event.listen(own, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    try:
        with own.begin() as conn:
            for name in _pending(conn)[1]:  # read again under the write lock
                original = name.removeprefix("_alembic_tmp_")
                if not conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (original,)).first():
                    raise StpiError(f"数据库升级曾中断且表 {original} 已缺失;请从 {copy or '升级前的备份'} 恢复 "
                                    f"an interrupted upgrade left table {original} missing: restore the copy made before the upgrade")
                conn.exec_driver_sql(f'DROP TABLE "{name}"')
            _run_migrations(conn)
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StpiError(f"升级后外键不一致,已撤销升级 the upgrade broke foreign keys and was rolled back: {broken[:5]}")
    finally:
        own.dispose()
    return copy


def _upgrade_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver issues no BEGIN/COMMIT of its own: the "begin" event does
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")  # batch migrations copy and drop tables; checked before the commit instead
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _copy_file(path: Path, revision: str) -> Path:
    """A consistent copy of the SQLite file (online backup API), written aside then renamed; older copies pruned."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.before-{revision}-{stamp}")
    part = target.with_name(target.name + ".part")
    source, dest = sqlite3.connect(path), sqlite3.connect(part)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
    part.replace(target)
    copies = sorted((p for p in path.parent.glob(f"{path.name}.before-*") if not p.name.endswith(".part")), key=lambda p: p.name.rsplit("-", 1)[-1])
    for old in copies[:-KEEP_COPIES]:
        old.unlink(missing_ok=True)
    return target
