"""Connecting to the database and keeping its schema current (Alembic)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event

from stpi.framework.embedded import data_dir

__all__ = ["database_url", "make_engine", "upgrade", "current_revision", "head_revision"]


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
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("stpi.store") / "migrations"))
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this version of stpi."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
