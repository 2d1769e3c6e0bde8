"""stpi track and stpi feasibility on a real SQLite store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stpi.cli import app
from stpi.store import Entry, Store
from stpi.store import observations as ob

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def out(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return ANSI.sub("", result.stdout)


def test_track_with_only_the_baseline_says_so() -> None:
    text = out("track")
    assert "只有基期数据" in text and "仅有基期" in text and "示意参数" in text
    payload = json.loads(out("track", "--json"))
    assert payload["year"] == 2022 and payload["missing_policy"] == "reweight"
    statuses = {r["code"]: r["status"] for r in payload["rows"]}
    assert statuses["I01"] == "baseline_only" and statuses["I28"] == "no_data"


def test_track_after_a_year_of_approved_data(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'home' / 'stpi.db'}")
    plan = store.plan()
    entries = [Entry("621200", i.code, "2023", (i.baseline or i.target) + ((i.target - (i.baseline or i.target)) / 4)) for i in plan.indicators]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin")
    store.close()
    payload = json.loads(out("track", "--json"))
    rows = {r["code"]: r for r in payload["rows"]}
    assert payload["year"] == 2023
    assert rows["I01"]["status"] == "on_track" and rows["I01"]["ratio"] == pytest.approx(1.0)
    assert rows["I28"]["status"] == "reached"  # no baseline; 2023 value equals its target
    text = out("--lang", "en", "track", "--path", "compound")
    assert "on track" in text and "Milestone" in text
    feas = json.loads(out("feasibility", "--json"))
    verdicts = {r["code"]: r["verdict"] for r in feas["rows"]}
    assert verdicts["I01"] == "in_line"  # a quarter of the way in a quarter of the time
    assert "目标可行性" in out("feasibility")


def test_unknown_path_is_refused() -> None:
    result = runner.invoke(app, ["track", "--path", "spline"])
    assert result.exit_code == 2 and "linear, compound" in ANSI.sub("", result.output)
