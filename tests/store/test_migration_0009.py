"""0009 (plan versions valid from a year; county targets) upgrades and downgrades a populated store on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from stpi.store.db import current_revision, database_url, make_engine
from stpi.store.models import Base
from test_migrations import migrate  # the same helper as the other migration tests

PLAN = "plan:\n  id: longnan-2024\n  baseline_year: 2022\n"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0009_up_and_down(backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    engine = make_engine(database_url(url))
    request.addfinalizer(engine.dispose)
    migrate(engine, "0008")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO region (code, name, name_en, level) VALUES ('621200', '陇南市', '', 'city')"))
        conn.execute(text("INSERT INTO plan (code, title, region_id, content, created_at) VALUES ('longnan-2024', 't', (SELECT id FROM region), :c, '2026-01-01 00:00:00')"), {"c": PLAN})
    migrate(engine, "0009")
    assert current_revision(engine) == "0009"
    found = inspect(engine)
    for table in ("plan", "county_target"):  # the migration makes what the models say
        assert {c["name"] for c in found.get_columns(table)} == set(Base.metadata.tables[table].columns.keys()), table
    with engine.begin() as conn:
        assert conn.execute(text("SELECT valid_from, created_by FROM plan")).one() == (2022, "system")
        # a second version of the same plan is allowed now
        conn.execute(text("INSERT INTO plan (code, title, region_id, content, created_at, valid_from) VALUES ('longnan-2024', 't2', (SELECT id FROM region), :c, '2026-02-01 00:00:00', 2025)"), {"c": PLAN})
        conn.execute(text("INSERT INTO county_target (region_id, code, target, status, created_at, created_by) VALUES ((SELECT id FROM region), 'I13', 1.1, 'submitted', '2026-02-01 00:00:00', 'wudu')"))
    migrate(engine, "0008", down=True)
    assert current_revision(engine) == "0008"
    assert "county_target" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT title FROM plan")).all() == [("t",)]  # the first version of each plan is kept
    migrate(engine, "0009")
    assert current_revision(engine) == "0009"
