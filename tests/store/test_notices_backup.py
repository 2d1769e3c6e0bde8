"""Backups and notices: the SMTP password is never written into a backup; notices, messages and the outbox are, and come back."""

from __future__ import annotations

import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from stpi.store import Store
from stpi.store import backup as bk
from stpi.store import models as m
from stpi.store import supervision as sv
from stpi.store.accounts import add_user
from stpi.store.notices import inbox, set_email, set_smtp_password
from stpi.store.settings import SMTP_PASSWORD, set_setting

SECRET = "smtp-授权码-Zq81x"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STPI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STPI_BACKUP_KEY", raising=False)
    return tmp_path / "home"


def test_the_smtp_password_stays_out_of_backups(store: Store, tmp_path: Path) -> None:
    add_user(store, "keji", role="department", actor="admin", department="sci")
    set_setting(store, "smtp_host", "127.0.0.1", actor="admin")
    set_email(store, "keji", "keji@example.cn", actor="admin")
    set_smtp_password(store, SECRET, actor="admin")
    sv.issue(store, department_code="sci", subject="进度滞后", request="说明原因", deadline=date.today() + timedelta(days=5), actor="admin")
    counts = bk.backup(store, tmp_path / "b.zip")
    assert counts["supervision"] == 1 and counts["message"] == 1 and counts["outbox"] == 1 and counts["contact"] == 1
    with zipfile.ZipFile(tmp_path / "b.zip") as z:
        assert all(SECRET.encode() not in z.read(name) for name in z.namelist())
        assert SMTP_PASSWORD.encode() not in z.read("setting.jsonl")
    assert SECRET.encode() not in (tmp_path / "b.zip").read_bytes()
    bk.restore(store, tmp_path / "b.zip")
    with store.session() as s:
        assert s.get(m.SettingRow, SMTP_PASSWORD) is None  # to be set again after a restore
    assert [x.subject for x in sv.supervisions(store)] == ["进度滞后"] and len(inbox(store, "keji")) == 1
