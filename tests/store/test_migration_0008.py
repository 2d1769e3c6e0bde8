"""0008 (supervision notices, inbox, outbox, group robots, contacts) upgrades and downgrades a populated store on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from stpi.store.db import current_revision, database_url, make_engine
from stpi.store.models import Base
from test_migrations import migrate  # the same helper as the other migration tests

TABLES = {"supervision", "supervision_event", "supervision_file", "message", "outbox", "webhook", "contact"}
LATER = {"webhook": {"secret"}}  # columns later migrations add to these tables (0011: a robot's signing secret)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0008_up_and_down(backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    engine = make_engine(database_url(url))
    request.addfinalizer(engine.dispose)
    migrate(engine, "0007")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO department (code, name, name_en) VALUES ('sci', '市科技局', '')"))
    migrate(engine, "0008")
    assert current_revision(engine) == "0008"
    found = inspect(engine)
    assert TABLES <= set(found.get_table_names())
    for table in TABLES:  # the migration makes what the models say
        assert {c["name"] for c in found.get_columns(table)} == set(Base.metadata.tables[table].columns.keys()) - LATER.get(table, set()), table
    with engine.begin() as conn:
        dep = conn.execute(text("SELECT id FROM department")).scalar_one()
        conn.execute(text("INSERT INTO supervision (year, seq, department_id, subject, request, deadline, origin, status, version, issued_at, issued_by) "
                          "VALUES (2026, 1, :d, 'x', 'y', '2026-12-31', 'free', 'open', 1, '2026-12-01 00:00:00', 'admin')"), {"d": dep})
        conn.execute(text("INSERT INTO message (recipient, kind, key, subject, body, created_at) VALUES ('keji', 'supervision', 'k', 's', 'b', '2026-12-01 00:00:00')"))
    migrate(engine, "0007", down=True)
    assert current_revision(engine) == "0007"
    assert not TABLES & set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT code FROM department")).scalar_one() == "sci"
    migrate(engine, "0008")
    assert current_revision(engine) == "0008"
