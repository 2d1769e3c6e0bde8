"""stpi import --on-behalf-of --received-on: the bureau enters a department's figures; the task records the day they were received."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from stpi.store import Store
from stpi.store import rounds
from tests.cli.clitools import run_main


def test_figures_entered_on_a_reporters_behalf_keep_the_date_received(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_main(monkeypatch, capsys, "round", "open", "--year", "2025", "--deadline", "2026-03-31", "--no-counties")
    assert code == 0, out
    (tmp_path / "hr.csv").write_text("region,year,indicator,value\n陇南市,2025,I01,196\n", encoding="utf-8")
    code, out = run_main(monkeypatch, capsys, "import", str(tmp_path / "hr.csv"), "--on-behalf-of", "市人社局", "--received-on", "2026-03-20")
    assert code == 0, out
    task = next(t for t in rounds.tasks(store, year=2025) if t.code == "I01")
    assert task.status == "submitted" and task.submitted_at == datetime(2026, 3, 20) and task.submitted_by == "hrss" and task.on_time is True
    code, out = run_main(monkeypatch, capsys, "import", str(tmp_path / "hr.csv"), "--on-behalf-of", "没有这个单位")
    assert code == 1 and "没有该填报单位" in out
    code, out = run_main(monkeypatch, capsys, "import", str(tmp_path / "hr.csv"), "--received-on", "3月20日")
    assert code == 2 and "YYYY-MM-DD" in out
    code, out = run_main(monkeypatch, capsys, "round", "deadline", "--period", "2025", "--reporter", "市人社局", "--deadline", "2026-04-30")
    assert code == 0 and "2026-04-30" in out
    assert {t.deadline.isoformat() for t in rounds.tasks(store, year=2025, reporter="hrss")} == {"2026-04-30"}
    code, out = run_main(monkeypatch, capsys, "round", "open", "--year", "2025")
    assert code == 1 and "已开启" in out  # one round per period
    code, out = run_main(monkeypatch, capsys, "round", "list")
    assert code == 0 and "2025" in out and "进行中" in out
    code, out = run_main(monkeypatch, capsys, "round", "status", "--year", "2025")
    assert code == 0 and "市人社局" in out
