"""Helpers of the kill -9 tests: big stores made fast in SQL, older schema revisions, a CLI child killed at a moment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

from alembic import command
from sqlalchemy import Engine, text

from stpi.store.db import _config, database_url, make_engine

ROOT = Path(__file__).resolve().parents[2]


def engine_of(url: str) -> Engine:
    return make_engine(database_url(url))


def populate(url: str, years: tuple[int, int], *, offset: float = 0.0) -> int:
    """Add draft figures of 32 indicators for every region and year in ``years`` (inclusive), in SQL; return how many."""
    engine = engine_of(url)
    with engine.begin() as conn:
        batch = conn.execute(text("INSERT INTO batch (at, actor, reason, created, changed) VALUES (:at, 'bench', '', 0, 0) RETURNING id"),
                             {"at": "2026-01-01 00:00:00"}).scalar_one()
        rows = conn.execute(text(
            "INSERT INTO observation (region_id, code, period, year, value, status, vintage, current, evaluated, batch_id) "
            "WITH RECURSIVE y(n) AS (SELECT CAST(:y0 AS INTEGER) UNION ALL SELECT n + 1 FROM y WHERE n < :y1), "
            "k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 32) "
            "SELECT r.id, CASE WHEN k.n < 10 THEN 'I0' || k.n ELSE 'I' || k.n END, CAST(y.n AS VARCHAR(16)), y.n, "
            "y.n + k.n * 0.5 + :offset, 'draft', 1, TRUE, FALSE, :batch FROM region r, y, k"),
            {"y0": years[0], "y1": years[1], "offset": offset, "batch": batch}).rowcount
    engine.dispose()
    return int(rows)


def downgrade(url: str, revision: str) -> None:
    """Take the store's schema back to an older revision (its data kept).

    SQLite runs it with foreign keys off, as stpi's own upgrade does: batch migrations copy and drop tables.
    """
    full = database_url(url)
    if full.startswith("sqlite"):
        from sqlalchemy import create_engine, event
        from sqlalchemy.pool import NullPool

        engine = create_engine(full, poolclass=NullPool)
        event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA foreign_keys=OFF"))
    else:
        engine = engine_of(url)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    engine.dispose()


def fingerprint(url: str) -> dict[str, Any]:
    """What must survive: figures (count, sum of values, of ids), regions, accounts, settings but the session key."""
    engine = engine_of(url)
    with engine.connect() as conn:
        obs = conn.execute(text("SELECT COUNT(*), SUM(value), SUM(id) FROM observation")).one()
        found = {
            "observation": (int(obs[0]), round(float(obs[1] or 0), 3), int(obs[2] or 0)),
            "region": [tuple(r) for r in conn.execute(text("SELECT id, code, name FROM region ORDER BY id"))],
            "app_user": [tuple(r) for r in conn.execute(text("SELECT id, username, password_hash, role FROM app_user ORDER BY id"))],
            "setting": [tuple(r) for r in conn.execute(text("SELECT key, value FROM setting WHERE key <> 'session_secret' ORDER BY key"))],
            "batch": int(conn.execute(text("SELECT COUNT(*) FROM batch")).scalar_one()),
        }
    engine.dispose()
    return found


def cli(*args: str) -> list[str]:
    """The stpi command line (as a child process) for ``args``."""
    return [sys.executable, "-m", "stpi", *args]


def child_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("STPI_DATABASE_URL", "STPI_USER", "STPI_LANG", "STPI_BACKUP_KEY")}
    env.update({"STPI_HOME": str(home), "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1", "COLUMNS": "200"}, **extra)
    return env


def run_killed(args: list[str], env: dict[str, str], delay: float) -> bool:
    """Run ``args``, SIGKILL it after ``delay`` seconds; True when it was still running (so really killed)."""
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, err = child.communicate(timeout=delay)
        assert child.returncode == 0, err.decode("utf-8", "replace")[-2000:]  # ended by itself: it must have succeeded
        return False
    except subprocess.TimeoutExpired:
        os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=60)
        return True


def kill_when(args: list[str], env: dict[str, str], ready: Callable[[], bool], delay: float | None) -> tuple[bool, float]:
    """Run ``args``; once ``ready()`` holds, SIGKILL it after ``delay`` s (None: let it end). (Killed?, seconds from ready to the end.)"""
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # (a pipe could fill while we poll)
    deadline = time.monotonic() + 120
    while child.poll() is None and not ready():
        time.sleep(0.002)
        assert time.monotonic() < deadline, "never ready"
    seen = time.perf_counter()
    try:
        child.wait(timeout=600 if delay is None else delay)
        assert child.returncode == 0, f"{args} failed: exit {child.returncode}"
        return False, time.perf_counter() - seen
    except subprocess.TimeoutExpired:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        return True, time.perf_counter() - seen


def window(args: list[str], env: dict[str, str], ready: Callable[[], bool], finished: Callable[[], bool]) -> float:
    """Run ``args`` to its end; the seconds from ``ready()`` first holding to ``finished()`` first holding (e.g. migrations start → commit)."""
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marks: list[float] = []
    for condition in (ready, finished):
        while not condition():
            assert child.poll() is None or condition(), "ended before the condition held"
            time.sleep(0.002)
        marks.append(time.perf_counter())
    child.wait(timeout=600)
    return marks[1] - marks[0]


def timed(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``args`` to its end; its wall time and result."""
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    return time.perf_counter() - start, done
