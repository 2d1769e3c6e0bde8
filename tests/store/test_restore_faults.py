"""kill -9 of a real `stpi db restore` at random moments, on both backends: the store reopens holding
either all of its old content or all of the backup's, never a mix."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from stpi.store import Store
from stpi.store import backup as bk
from stpi.store.settings import set_setting
from tests.store.faultkit import child_env, cli, fingerprint, populate, run_killed, timed

KILLS = 22


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_killed_restore_leaves_the_old_or_the_new_content(backend: str, request: pytest.FixtureRequest, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    home = tmp_path / "home"
    monkeypatch.setenv("STPI_HOME", str(home))  # the backup key, shared with the child processes
    monkeypatch.delenv("STPI_BACKUP_KEY", raising=False)
    st = Store(url)
    populate(url, (2000, 2099))  # 76,800 figures
    bk.backup(st, tmp_path / "a.zip")
    contents = {"a": fingerprint(url)}
    populate(url, (1950, 1999), offset=7.0)  # another 38,400, another batch and setting
    set_setting(st, "upload_limit_mb", "3", actor="admin")
    bk.backup(st, tmp_path / "b.zip")
    contents["b"] = fingerprint(url)
    st.close()
    env = child_env(home)

    def restore(name: str) -> list[str]:
        return cli("db", "restore", str(tmp_path / f"{name}.zip"), "--yes", "--database", url)

    whole, done = timed(restore("a"), env)  # calibration, from b to a
    assert done.returncode == 0, done.stdout + done.stderr
    assert fingerprint(url) == contents["a"]
    now, rng, outcomes = "a", random.Random(1204 + len(backend)), Counter[str]()
    while outcomes["old kept"] + outcomes["new complete"] < KILLS and outcomes["not killed"] < KILLS:
        target = "b" if now == "a" else "a"
        killed = run_killed(restore(target), env, rng.uniform(0, whole * 1.1))
        if backend == "sqlite":
            conn = sqlite3.connect(url.split("///", 1)[1])
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            conn.close()
        st = Store(url)  # reopens
        st.close()
        found = fingerprint(url)
        assert found in (contents[now], contents[target]), "a mix of old and new content"
        outcomes["not killed" if not killed else "old kept" if found == contents[now] else "new complete"] += 1
        now = target if found == contents[target] else now
    print(f"\n{backend} restore kills: {dict(outcomes)}, all consistent (whole run {whole:.2f} s)")
    assert outcomes["old kept"] + outcomes["new complete"] == KILLS
