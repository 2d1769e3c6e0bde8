"""Migration 0005 on a populated database: accounts get a session epoch, logins a counter table and the gate row; and back."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from stpi.store import Store
from stpi.store.db import current_revision, database_url, make_engine
from tests.store.test_migrations import migrate


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0005_upgrades_and_downgrades_with_the_accounts_kept(backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    engine = make_engine(database_url(url))
    migrate(engine, "0004")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO app_user (username, display_name, role, password_hash, active, created_at) "
                          "VALUES ('keji', '', 'viewer', 'h', true, '2026-01-01 00:00:00')"))
    migrate(engine, "0005")
    assert current_revision(engine) == "0005"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT username, session_epoch, password_hash FROM app_user")).all() == [("keji", 0, "h")]
        assert conn.execute(text("SELECT id, turns FROM login_gate")).all() == [(1, 0)]
    assert {i["name"] for i in inspect(engine).get_indexes("login_attempt")} == {"ix_login_attempt_username_at", "ix_login_attempt_source_at"}
    migrate(engine, "0004", down=True)
    found = inspect(engine)
    assert "login_attempt" not in found.get_table_names() and "login_gate" not in found.get_table_names()
    assert "session_epoch" not in {c["name"] for c in found.get_columns("app_user")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT username, password_hash FROM app_user")).all() == [("keji", "h")]
    engine.dispose()
    store = Store(url)  # and up to the newest again, as a store opens
    assert "keji" in [u.username for u in store.users()]
    store.close()
