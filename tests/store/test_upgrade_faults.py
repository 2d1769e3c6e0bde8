"""kill -9 of a real `stpi db upgrade` from a populated revision 0002 store, at random moments, on both backends:
after every kill the store opens, the upgrade completes and the data are intact."""

from __future__ import annotations

import random
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from stpi.store import Store
from stpi.store.db import KEEP_COPIES, current_revision, head_revision
from tests.store.faultkit import child_env, cli, downgrade, engine_of, fingerprint, kill_when, populate, run_killed, timed, window

OLD = "0002"
YEARS = (1800, 2099)  # 24 regions × 32 indicators × 300 years = 230,400 figures: 0003 copies them (batch mode on SQLite)
KILLS = 24


def _wipe(db: Path) -> None:
    for p in db.parent.glob(db.name + "*"):
        p.unlink()


def _raw_state(db: Path) -> tuple[str, str, list[str]]:
    """Integrity, revision and leftover tables of a SQLite file, read without stpi."""
    conn = sqlite3.connect(db)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        leftovers = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '\\_alembic\\_tmp\\_%' ESCAPE '\\'")]
    finally:
        conn.close()
    return integrity, revision, leftovers


@pytest.fixture(scope="module")
def old_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, object]]]:
    """A populated SQLite store at revision 0002 (as a file to copy) and its fingerprint."""
    folder = tmp_path_factory.mktemp("old")
    url = f"sqlite:///{folder / 'old.db'}"
    Store(url).close()
    populate(url, YEARS)
    downgrade(url, OLD)
    conn = sqlite3.connect(folder / "old.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    yield folder / "old.db", fingerprint(url)


def test_upgrade_copies_the_file_first_and_cleans_leftovers(old_sqlite: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    template, expected = old_sqlite
    db = tmp_path / "stpi.db"
    shutil.copy(template, db)
    conn = sqlite3.connect(db)  # what a killed upgrade of an older stpi left behind: the batch copy of 0003
    conn.execute("CREATE TABLE _alembic_tmp_observation (id INTEGER PRIMARY KEY, code VARCHAR(64))")
    conn.execute("INSERT INTO _alembic_tmp_observation VALUES (1, 'I01')")
    conn.commit()
    conn.close()
    _, done = timed(cli("db", "upgrade", "--database", f"sqlite:///{db}"), child_env(tmp_path / "home"))
    assert done.returncode == 0, done.stderr
    copies = sorted(tmp_path.glob("stpi.db.before-0002-*"))
    assert len(copies) == 1 and str(copies[0]) in done.stdout.replace("\n", "")
    assert _raw_state(copies[0])[1] == OLD and _raw_state(db) == ("ok", head_revision(), [])
    assert fingerprint(f"sqlite:///{db}") == expected
    for _ in range(KEEP_COPIES + 2):  # only the newest copies are kept
        downgrade(f"sqlite:///{db}", OLD)
        Store(f"sqlite:///{db}").close()
        time.sleep(0.01)
    assert len(list(tmp_path.glob("stpi.db.before-*"))) == KEEP_COPIES
    _, done = timed(cli("db", "upgrade", "--database", f"sqlite:///{db}"), child_env(tmp_path / "home"))
    assert "复制" not in done.stdout  # nothing to do: no copy


def test_killed_sqlite_upgrade_leaves_a_store_that_opens_and_upgrades(old_sqlite: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    template, expected = old_sqlite
    db, url, env = tmp_path / "stpi.db", f"sqlite:///{tmp_path / 'stpi.db'}", child_env(tmp_path / "home")
    args = cli("db", "upgrade", "--database", url)
    shutil.copy(template, db)
    whole, done = timed(args, env)  # calibration: the whole run, and from the copy (migrations start) to the end
    assert done.returncode == 0, done.stderr
    _wipe(db)
    shutil.copy(template, db)
    migrating = window(args, env, lambda: _copied(db), lambda: _revision(db) != OLD)
    rng = random.Random(20261204)
    phases: Counter[str] = Counter()
    trial = 0
    while sum(n for phase, n in phases.items() if phase != "not killed") < KILLS and phases["not killed"] < KILLS:
        trial += 1
        _wipe(db)
        shutil.copy(template, db)
        if trial % 3 == 0:  # any moment of the run, start-up included
            killed = run_killed(args, env, rng.uniform(0, whole))
        else:  # a moment while the migrations run: after the copy is made, before the end
            killed = kill_when(args, env, lambda: _copied(db), rng.uniform(0, 0.8 * migrating))[0]
        integrity, revision, leftovers = _raw_state(db)
        assert integrity == "ok" and leftovers == [] and revision in (OLD, head_revision())
        copied = any(db.parent.glob("stpi.db.before-*")) and not any(db.parent.glob("*.part"))
        phases["not killed" if not killed else "after commit" if revision != OLD else "in migrations" if copied else "before migrations"] += 1
        st = Store(url)  # opens: the upgrade runs again and completes
        assert current_revision(st.engine) == head_revision()
        st.close()
        assert fingerprint(url) == expected
    print(f"\nSQLite upgrade kills: {dict(phases)}, all consistent (whole run {whole:.2f} s, migrations {migrating:.2f} s)")
    assert phases["in migrations"] >= KILLS // 3


def _revision(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        conn.close()


def _copied(db: Path) -> bool:
    return any(not p.name.endswith(".part") for p in db.parent.glob("stpi.db.before-*"))


# ---------------------------------------------------------------------------- PostgreSQL


def _pg_schema_state(pg_url: str) -> tuple[str, bool, bool, bool]:
    """Revision and three marks of the newer schema: 0003's key, 0004's column, 0005's table."""
    engine = engine_of(pg_url)
    with engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        key = conn.execute(text("SELECT COUNT(*) FROM pg_constraint WHERE conname = 'uq_observation_year' AND connamespace = current_schema()::regnamespace")).scalar_one()
        scope = conn.execute(text("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                                  "AND table_name = 'framework_version' AND column_name = 'scope'")).scalar_one()
        gate = conn.execute(text("SELECT to_regclass('login_gate') IS NOT NULL")).scalar_one()
    engine.dispose()
    return str(revision), bool(key), bool(scope), bool(gate)


def _holds_observation(pg_url: str) -> Callable[[], bool]:
    """Does a session hold the observation table exclusively (0003 is running)?"""
    schema, plain = pg_url.rsplit("%3D", 1)[1], pg_url.split("?")[0]
    with psycopg.connect(plain, autocommit=True) as conn:
        found = conn.execute("SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = 'observation'",
                             (schema,)).fetchone()
    assert found is not None

    def ready() -> bool:
        with psycopg.connect(plain, autocommit=True) as conn:
            return conn.execute("SELECT 1 FROM pg_locks WHERE relation = %s AND mode = 'AccessExclusiveLock' AND granted", (found[0],)).fetchone() is not None

    return ready


def test_killed_postgresql_upgrade_is_all_or_nothing(pg_url: str, tmp_path: Path) -> None:
    Store(pg_url).close()
    populate(pg_url, YEARS)
    downgrade(pg_url, OLD)
    expected = fingerprint(pg_url)
    old_state = (OLD, False, False, False)
    new_state = (head_revision(), True, True, True)
    assert _pg_schema_state(pg_url) == old_state
    args, env = cli("db", "upgrade", "--database", pg_url), child_env(tmp_path / "home")
    whole, done = timed(args, env)
    assert done.returncode == 0, done.stderr
    downgrade(pg_url, OLD)
    migrating = window(args, env, _holds_observation(pg_url), lambda: _pg_schema_state(pg_url)[0] != OLD)
    downgrade(pg_url, OLD)
    rng = random.Random(4)
    phases: Counter[str] = Counter()
    trial = 0
    while sum(n for phase, n in phases.items() if phase != "not killed") < KILLS and phases["not killed"] < KILLS:
        trial += 1
        if trial % 3 == 0:
            killed = run_killed(args, env, rng.uniform(0, whole))
        else:
            killed = kill_when(args, env, _holds_observation(pg_url), rng.uniform(0, 0.8 * migrating))[0]
        state = _pg_schema_state(pg_url)
        assert state in (old_state, new_state), state  # all the migrations or none
        phases["not killed" if not killed else "after commit" if state == new_state else "rolled back"] += 1
        st = Store(pg_url)
        assert current_revision(st.engine) == head_revision()
        st.close()
        assert fingerprint(pg_url) == expected
        downgrade(pg_url, OLD)
    print(f"\nPostgreSQL upgrade kills: {dict(phases)}, all consistent (whole run {whole:.2f} s, migrations {migrating:.2f} s)")
    assert phases["rolled back"] >= KILLS // 3
