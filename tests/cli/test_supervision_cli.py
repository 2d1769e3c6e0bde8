"""``stpi supervision`` and ``stpi notify``: a notice's life from the command line, the ledger and the notice files, deliveries and robots."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from stpi.store import Store
from stpi.store.accounts import add_user
from stpi.store.settings import SECRET_SETTINGS, SMTP_PASSWORD, settings
from tests.cli.clitools import run_main

SOON = (date.today() + timedelta(days=10)).isoformat()


def test_a_notice_from_the_command_line(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    add_user(store, "keji", role="department", actor="admin", department="sci")
    code, out = run_main(monkeypatch, capsys, "supervision", "issue", "--department", "市科技局", "--subject", "R&D投入强度滞后", "--deadline", SOON,
                         "--origin", "indicator", "--ref", "I05")
    assert code == 0 and f"督办〔{date.today().year}〕1号" in out and "市科技局" in out
    code, out = run_main(monkeypatch, capsys, "supervision", "reply", "1", "--measures", "专题会议", "--effect", "达标")
    assert code == 1 and "部门填报员" in out  # the admin does not reply for the department
    proof = tmp_path / "整改材料.txt"
    proof.write_text("清单", encoding="utf-8")
    code, out = run_main(monkeypatch, capsys, "supervision", "reply", "1", "--measures", "专题会议", "--effect", "达标", "--attach", str(proof), "--user", "keji")
    assert code == 0 and "已反馈" in out
    assert run_main(monkeypatch, capsys, "supervision", "return", "1", "--comment", "不具体")[0] == 0
    assert run_main(monkeypatch, capsys, "supervision", "close", "1", "--comment", "同意")[0] == 0
    code, out = run_main(monkeypatch, capsys, "supervision", "list", "--json")
    [item] = json.loads(out)
    assert (item["status"], item["department"], item["overdue"]) == ("closed", "sci", False)
    code, out = run_main(monkeypatch, capsys, "supervision", "close", "1")
    assert code == 1 and "刷新" in out  # already closed: a clean conflict
    ledger, notice = tmp_path / "台账.xlsx", tmp_path / "通知.docx"
    assert run_main(monkeypatch, capsys, "supervision", "ledger", "-o", str(ledger))[0] == 0
    assert run_main(monkeypatch, capsys, "supervision", "notice", "1", "-o", str(notice))[0] == 0
    assert ledger.read_bytes()[:2] == b"PK" and notice.read_bytes()[:2] == b"PK"
    code, out = run_main(monkeypatch, capsys, "supervision", "issue", "--department", "sci", "--subject", "x", "--deadline", "2000-01-01", "--user", "keji")
    assert code == 1 and "管理员" in out  # only the admin issues


def test_notify_settings_robots_and_status(store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    add_user(store, "keji", role="department", actor="admin", department="sci")
    assert run_main(monkeypatch, capsys, "notify", "email", "keji", "keji@example.cn")[0] == 0
    code, out = run_main(monkeypatch, capsys, "notify", "email", "keji", "not an address")
    assert code == 2 and "email" in out
    assert run_main(monkeypatch, capsys, "notify", "smtp-password", "--password", "s3cret-授权码")[0] == 0
    assert SMTP_PASSWORD in SECRET_SETTINGS and SMTP_PASSWORD not in settings(store)  # never listed, never in a backup
    code, out = run_main(monkeypatch, capsys, "setting", "list")
    assert "s3cret" not in out and "smtp_host" in out
    assert all("s3cret" not in e.new + e.old for e in store.audit(entity="setting"))
    code, out = run_main(monkeypatch, capsys, "notify", "webhook", "add", "科技局群", "--kind", "dingtalk", "--url", "https://oapi.dingtalk.com/robot/send?access_token=abc",
                         "--party", "sci")
    assert code == 0
    assert all("access_token" not in e.new for e in store.audit(entity="webhook"))  # the robot's key stays out of the audit log
    assert run_main(monkeypatch, capsys, "notify", "webhook", "add", "x", "--kind", "slack", "--url", "ftp://x")[0] == 2
    code, out = run_main(monkeypatch, capsys, "notify", "webhook", "list")
    assert "科技局群" in out and "dingtalk" in out
    run_main(monkeypatch, capsys, "supervision", "issue", "--department", "sci", "--subject", "进度滞后", "--deadline", SOON)
    code, out = run_main(monkeypatch, capsys, "notify", "status", "--json")
    assert [d["channel"] for d in json.loads(out)] == ["dingtalk"]  # no smtp_host yet: no e-mail owed
    assert run_main(monkeypatch, capsys, "notify", "webhook", "remove", "科技局群")[0] == 0
    code, out = run_main(monkeypatch, capsys, "notify", "status", "--user", "keji")
    assert code == 1
