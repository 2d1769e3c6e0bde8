"""``stpi uncertainty`` with Typer's runner: files, the store, JSON, tables, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import stpi.cli.uncertainty  # noqa: F401  (registers the command)
from stpi.cli import app
from stpi.cli.uncertainty import parse_normalisations
from stpi.engine import Normalise
from stpi.errors import MethodError, NotFoundError
from stpi.store import Entry, Store
from stpi.store import observations as ob
from tests.cli.clitools import plain
from tests.cli.samples import FRAMEWORK

runner = CliRunner()

# 2023 indices by hand: R1 0.6·50 + 0.4·50 = 50; R2 0.6·100 + 0.4·25 = 70; R3 = 50; R4 0.6·75 + 0.4·75 = 75
DATA = """region,year,indicator,value
R1,2023,X1,5
R1,2023,X2,8
R1,2023,X3,100
R2,2023,X1,20
R2,2023,X2,2
R2,2023,X3,50
R3,2023,X1,5
R3,2023,X2,8
R3,2023,X3,100
R4,2023,X1,7.5
R4,2023,X2,5.333333333333333
R4,2023,X3,150
R1,2022,X1,1
"""
FAST = ["-n", "400", "--sobol-samples", "16"]


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    (tmp_path / "fw.csv").write_text(FRAMEWORK, encoding="utf-8")
    (tmp_path / "data.csv").write_text(DATA, encoding="utf-8")
    return ["--framework", str(tmp_path / "fw.csv"), "--data", str(tmp_path / "data.csv")]


def run(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result




def test_help_names_every_option() -> None:
    text = plain(run("uncertainty", "--help").stdout)
    for option in ("--data", "--framework", "--year", "--replications", "--weight-noise", "--standard-noise", "--normalise", "--aggregate", "--missing", "--seed", "--sobol-samples", "--region", "--json"):
        assert option in text
    assert "排名区间" in text


def test_json_gives_nominal_values_and_intervals(files: list[str]) -> None:
    data = json.loads(run("uncertainty", *files, *FAST, "--region", "R2", "--json").stdout)
    assert data["year"] == 2023 and data["illustrative_parameters"] is True and data["assumed_uncertainty"] is True
    rows = {r["region"]: r for r in data["regions"]}
    assert [r["region"] for r in data["regions"]] == ["R4", "R2", "R1", "R3"]
    assert rows["R4"]["index"] == pytest.approx(75.0) and rows["R2"]["index"] == pytest.approx(70.0)
    assert rows["R1"]["index"] == rows["R3"]["index"] == pytest.approx(50.0) and rows["R1"]["rank"] == rows["R3"]["rank"] == 3
    for r in data["regions"]:
        assert r["rank_p5"] <= r["rank"] <= r["rank_p95"] and r["index_p5"] <= r["index_p50"] <= r["index_p95"]
    # R1 and R3 have the same values: tied in every replication
    assert rows["R1"]["rank_p5"] == rows["R1"]["rank_p95"] == 3 and rows["R1"]["rank_shift"] == 0
    assert {s["output"] for s in data["sensitivity"]} == {"rank_shift", "rank:R2"}
    # X3, B's lone child, keeps its weight whatever its factor: it is no input
    assert [s["input"] for s in data["sensitivity"]][:3] == ["weights:A", "weights:B", "standards"]
    assert data["sobol_runs"] == 16 * (3 + 2) and data["settings"]["seed"] == 20240103


def test_same_seed_same_output_other_seed_other(files: list[str]) -> None:
    first = run("uncertainty", *files, *FAST, "--json").stdout
    assert run("uncertainty", *files, *FAST, "--json").stdout == first
    other = run("uncertainty", *files, *FAST, "--json", "--seed", "7").stdout
    assert other != first and json.loads(other)["regions"][0]["index"] == json.loads(first)["regions"][0]["index"]


def test_table_is_chinese_and_labelled(files: list[str]) -> None:
    result = run("uncertainty", *files, *FAST, "--normalise", "ratio,minmax:1,100", "--aggregate", "arithmetic,geometric")
    out = plain(result.stdout)
    assert "示意参数" in out and "假设的不确定性" in out and "±25%" in out and "±10%" in out
    assert "2023年 排名不确定性(蒙特卡洛 400 次重复)" in out and "名义排名" in out and "排名 95%" in out
    line = next(ln for ln in out.splitlines() if "│ R2 " in ln)
    assert "70.00" in line
    assert "minmax {'low': 1.0, 'high': 100.0}" in out and "arithmetic (名义)" in out
    assert "A Area A 下的权重" in out and "方法选择" in out and "Sobol" in out


def test_english_and_top(files: list[str]) -> None:
    out = plain(run("--lang", "en", "uncertainty", *files, *FAST, "--top", "2").stdout)
    assert "rank uncertainty (400 Monte Carlo replications)" in out and "Nominal rank" in out
    assert "│ R2 " in out and "│ R1 " not in out


def test_year_option_and_missing_policy_choices(files: list[str]) -> None:
    data = json.loads(run("uncertainty", *files, *FAST, "--year", "2022", "--missing", "zero", "--json").stdout)
    assert [r["region"] for r in data["regions"]] == ["R1"] and data["regions"][0]["index"] == pytest.approx(0.6 * 0.5 * 10)
    bad = runner.invoke(app, ["uncertainty", *files, "--missing", "propagate"])
    assert bad.exit_code == 2 and "propagate" in plain(bad.output)


def test_invalid_settings_fail_before_computing(files: list[str]) -> None:
    result = runner.invoke(app, ["uncertainty", *files, "--sobol-samples", "100"])
    assert isinstance(result.exception, MethodError) and "100" in str(result.exception)
    result = runner.invoke(app, ["uncertainty", *files, "--normalise", "ratio,softmax"])
    assert isinstance(result.exception, MethodError) and "softmax" in str(result.exception)


def test_normalisation_list_parsing() -> None:
    assert parse_normalisations("ratio, minmax:0,100,zscore:50,10") == (
        Normalise("ratio"),
        Normalise("minmax", {"low": 0.0, "high": 100.0}),
        Normalise("zscore", {"mean": 50.0, "sd": 10.0}),
    )


def test_from_the_store(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'home' / 'stpi.db'}")
    try:
        plan = store.plan()
        entries = [Entry("621200", i.code, "2023", i.target) for i in plan.indicators]  # every 2026 target met
        entries += [Entry("620200", i.code, "2023", i.target * 2) for i in plan.indicators]  # twice every target
        entries += [Entry("620100", i.code, "2023", i.target / 2) for i in plan.indicators]
        ob.write(store, entries, actor="admin")
        ob.transition(store, "approve", actor="admin", year=2023)
    finally:
        store.close()
    data = json.loads(run("uncertainty", *FAST, "--json", "--region", "陇南市").stdout)
    rows = {r["region"]: r for r in data["regions"]}
    assert rows["陇南市"]["index"] == pytest.approx(43.26, abs=1e-9) and rows["陇南市"]["rank"] == 2
    assert rows["兰州市"]["index"] == pytest.approx(43.26 / 2, abs=1e-9) and rows["嘉峪关市"]["rank"] == 1
    assert data["illustrative_parameters"] is True
    result = runner.invoke(app, ["uncertainty", *FAST, "--year", "2020"])
    assert isinstance(result.exception, NotFoundError) and "2020" in str(result.exception)
