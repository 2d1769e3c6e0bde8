"""Opening an up-to-date store is light: no Alembic, no pandas; the head is read from the migration files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from stpi.store import Store
from stpi.store.db import head_revision, shipped_head


def test_the_shipped_head_read_from_the_files_is_alembics() -> None:
    assert shipped_head() == head_revision()


def test_opening_an_upgraded_store_for_its_plan_loads_neither_alembic_nor_pandas(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stpi.db'}"
    Store(url).close()  # created and upgraded here
    probe = ("import sys, json; from stpi.store.core import Store; s = Store(sys.argv[1]); plan = s.plan(); "
             "print(json.dumps([plan.region, sorted(m for m in ('alembic', 'pandas', 'scipy') if m in sys.modules)]))")
    out = subprocess.run([sys.executable, "-c", probe, url], capture_output=True, text=True, check=True, timeout=120)
    region, heavy = json.loads(out.stdout.splitlines()[-1])
    assert region == "陇南市" and heavy == []


def test_a_store_behind_the_head_is_still_upgraded(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    Store(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:  # pretend the last migration has not run: the cheap check must not skip the upgrade
        conn.execute(text("UPDATE alembic_version SET version_num = 'not-the-head'"))
    engine.dispose()
    from stpi.store.db import _up_to_date, make_engine

    e = make_engine(url)
    try:
        assert not _up_to_date(e)
    finally:
        e.dispose()
