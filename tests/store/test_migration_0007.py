"""0007 (rounds, tasks, forced locks, figures received on behalf) upgrades and downgrades a populated store on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from stpi.store.db import current_revision, database_url, make_engine
from test_migrations import migrate  # the same helper as the other migration tests


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0007_up_and_down_keeps_locks_and_batches(backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    engine = make_engine(database_url(url))
    request.addfinalizer(engine.dispose)
    migrate(engine, "0006")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO batch (at, actor, reason, created, changed) VALUES ('2026-01-01 00:00:00', 'admin', '', 0, 0)"))
        conn.execute(text("INSERT INTO year_lock (year, locked_at, locked_by) VALUES (2024, '2026-01-02 00:00:00', 'admin')"))
    migrate(engine, "0007")
    assert current_revision(engine) == "0007"
    found = inspect(engine)
    assert {"reporting_round", "reporting_task"} <= set(found.get_table_names())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT year, forced, reason FROM year_lock")).one() == (2024, False, "")
        assert conn.execute(text("SELECT actor, received_at, on_behalf_of FROM batch")).one() == ("admin", None, None)
    migrate(engine, "0006", down=True)
    assert current_revision(engine) == "0006"
    found = inspect(engine)
    assert "reporting_task" not in found.get_table_names()
    assert "forced" not in {c["name"] for c in found.get_columns("year_lock")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT year, locked_by FROM year_lock")).one() == (2024, "admin")
    migrate(engine, "0007")
    assert current_revision(engine) == "0007"
