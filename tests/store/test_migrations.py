"""Migrations on a populated database: 0003 re-keys the observation table without losing a figure."""

from __future__ import annotations

from importlib import resources

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from stpi.store import Entry, Store
from stpi.store import observations as ob
from stpi.store.db import current_revision, database_url, make_engine

REGIONS = {1: "621200", 2: "621202"}
# (region, code, period, year, value, vintage, current): two vintages of one figure, and others
FIGURES = [
    (1, "I01", "2022", 2022, 10.0, 1, False),
    (1, "I01", "2022", 2022, 11.5, 2, True),
    (1, "I02", "2022", 2022, None, 1, True),
    (1, "I01", "2023Q1", 2023, 3.25, 1, True),
    (2, "I01", "2023", 2023, 0.1, 1, True),
]


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("stpi.store") / "migrations"))
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # as stpi's own upgrade does: batch migrations copy and drop tables that others reference
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
        conn.commit()
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def populate(engine: Engine) -> None:
    """Figures written the way the 0002 schema stored them (ids from the database's own sequences)."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO region (code, name, name_en, level) VALUES ('621200', '陇南市', '', 'city'), ('621202', '武都区', '', 'county')"))
        conn.execute(text("INSERT INTO batch (at, actor, reason, created, changed) VALUES (:at, 'admin', '', 5, 0)"), {"at": "2026-01-01 00:00:00"})
        region = dict(conn.execute(text("SELECT code, id FROM region")).all())
        batch = conn.execute(text("SELECT id FROM batch")).scalar_one()
        conn.execute(
            text("INSERT INTO observation (region_id, code, period, year, value, source, note, status, vintage, current, evaluated, batch_id) "
                 "VALUES (:r, :c, :p, :y, :v, '', '', 'submitted', :n, :cur, false, :b)"),
            [dict(zip(("r", "c", "p", "y", "v", "n", "cur"), f), r=region[REGIONS[f[0]]], b=batch) for f in FIGURES],
        )


def stored(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        number = {code: n for n, code in REGIONS.items()}
        rows = conn.execute(text("SELECT r.code, o.code, period, year, value, vintage, current FROM observation o JOIN region r ON r.id = o.region_id ORDER BY o.id"))
        return [(number[r[0]], *r[1:6], bool(r[6])) for r in rows]


def keys(engine: Engine) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """The observation table's unique constraints (name, columns) and index names."""
    found = inspect(engine)
    unique = [(u["name"], u["column_names"]) for u in found.get_unique_constraints("observation")]
    return unique, [i["name"] for i in found.get_indexes("observation") if "duplicates_constraint" not in i]  # PostgreSQL lists a key's index too


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0003_upgrades_a_populated_0002_database(backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    engine = make_engine(database_url(url))
    migrate(engine, "0002")
    populate(engine)
    assert keys(engine) == ([("uq_observation_region_id", ["region_id", "code", "period", "vintage"])], ["ix_observation_current"])
    migrate(engine, "0003")
    assert current_revision(engine) == "0003"
    assert stored(engine) == [f[:6] + (f[6],) for f in FIGURES]
    assert keys(engine) == ([("uq_observation_year", ["year", "period", "region_id", "code", "vintage"])], [])
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the same vintage of a figure twice
        conn.execute(text("INSERT INTO observation (region_id, code, period, year, value, status, vintage, current, evaluated, batch_id) "
                          "SELECT region_id, code, period, year, 12.0, status, vintage, current, evaluated, batch_id FROM observation WHERE vintage = 2"))
    store = Store(url)  # the store works on the migrated table: a change retires the current vintage
    ob.write(store, [Entry("621200", "I01", "2022", 12.0)], actor="admin")
    history = [(o.vintage, o.value, o.current) for o in ob.observations(store, region="621200", code="I01", year=2022, history=True)]
    assert history == [(1, 10.0, False), (2, 11.5, False), (3, 12.0, True)]
    store.close()
    migrate(engine, "0002", down=True)  # and back: the old key and index return, the figures stay
    assert keys(engine) == ([("uq_observation_region_id", ["region_id", "code", "period", "vintage"])], ["ix_observation_current"])
    assert len(stored(engine)) == len(FIGURES) + 1
    engine.dispose()
