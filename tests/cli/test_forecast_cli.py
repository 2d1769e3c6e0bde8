"""``stpi rank-forecast`` and ``stpi calibrate`` on a real SQLite store, driven with Typer's runner."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

import stpi.cli.forecast  # noqa: F401  (registers the commands)
from stpi.analysis import compute_index, values_from_frame
from stpi.cli import app
from stpi.framework import load_framework
from stpi.framework.model import Framework
from stpi.store import Entry, Store, notes
from stpi.store import observations as ob
from tests.cli.clitools import plain, run_main

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
runner = CliRunner()
TRUE_AREAS = {"A1": 0.1, "A2": 0.15, "A3": 0.2, "A4": 0.25, "A5": 0.3}


def run(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def publish(store: Store, region: str, points: dict[int, float]) -> None:
    for year, value in points.items():
        notes.add_published_result(store, region=region, year=year, index_value=value, rank=None, source="测试 test", actor="admin")


def test_help() -> None:
    out = plain(run("rank-forecast", "--help").stdout)
    for option in ("--city-index", "--draws", "--seed", "--demo", "--json", "--missing", "--goal-rank"):
        assert option in out
    out = plain(run("calibrate", "--help").stdout)
    for option in ("--parent", "--depth", "--scale-standards", "--output", "--json"):
        assert option in out


def test_without_published_results_it_says_so(store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_main(monkeypatch, capsys, "rank-forecast")
    assert code == 1 and "没有同级地区的公布结果" in out and "--demo" in out
    code, out = run_main(monkeypatch, capsys, "calibrate")
    assert code == 1 and "还没有审核通过的数据" in out


def test_rank_forecast_from_the_store(store: Store) -> None:
    publish(store, "嘉峪关市", {2020: 60.0, 2021: 61.0, 2022: 62.0})  # 66 in 2026
    publish(store, "兰州市", {2020: 44.0, 2021: 44.5, 2022: 45.0})  # 47
    publish(store, "天水市", {2020: 40.0, 2021: 40.0, 2022: 40.0})  # 40
    publish(store, "陇南市", {2022: 35.0})  # the city's own value is its history, not a peer
    # the headline is the city's own projection: one point, the pooled drift; every target met beside it
    data = json.loads(run("rank-forecast", "--json", "--goal-rank", "2", "--missing", "known").stdout)
    assert data["city"] == "陇南市" and data["target_year"] == 2026 and data["city_trend"]["method"] == "one_point"
    assert data["city_trend"]["years"] == [2022] and data["ranked"] == 4 and data["regions_total"] == 14
    assert data["city_trend"]["mean"] == pytest.approx(35.0 + 0.5 * 4)  # the peers' mean slope, 0.5 a year
    assert data["p_goal"] < 0.01 and data["gap_mean"] == pytest.approx(47.0 - 37.0, abs=0.5)
    (met,) = data["scenarios"]
    assert met["name"] == "targets_met" and met["index"] == 43.26 and data["p_goal"] < met["p_goal"] < 0.5  # 43.26 is still behind 兰州市's 47
    assert len(data["unranked"]) == 10 and "金昌市" in data["unranked"] and data["demo"] is False
    data = json.loads(run("rank-forecast", "--json", "--city-index", "50", "--goal-rank", "2", "--missing", "known").stdout)
    assert data["city_trend"]["method"] == "given" and data["p_goal"] > 0.7 and data["p_goal_bounds"][0] == 0.0
    # by default the 10 cities without a published value are drawn from the known peers' spread: ranks among all 14
    data = json.loads(run("rank-forecast", "--json").stdout)
    assert data["ranked"] == 14 and data["missing_policy"] == "prior" and len(data["rank_probability"]) == 14
    assert any("按已知地区预测值的分布随机抽取" in n["zh"] for n in data["notes"])
    table = plain(run("rank-forecast").stdout)
    assert "陇南市 2026年全省排名预测" in table and "【本市自身趋势】" in table and "(在 14 个地区中)" in table
    assert "按本市自身趋势:进入前 9 名的概率" in table and "假如全部指标达标(指数 43.26):进入前 9 名的概率" in table
    assert "演示数据" not in table


def test_rank_forecast_with_demo_peers_is_labelled_and_reproducible(store: Store) -> None:
    first = run("rank-forecast", "--demo", "--json")
    data = json.loads(first.stdout)
    assert data["demo"] is True and "演示数据" in data["data_label"] and "演示数据" in first.stderr
    assert data["notes"][0]["zh"].startswith("【演示数据】") and data["seed"] == 2026 and data["draws"] == 10_000
    assert data["unranked"] == ["白银市", "定西市"] and data["ranked"] == 14 and data["missing_policy"] == "prior"
    assert sum(data["rank_probability"]) == pytest.approx(1.0)
    assert json.loads(run("rank-forecast", "--demo", "--json").stdout) == data
    other = json.loads(run("rank-forecast", "--demo", "--json", "--seed", "5", "--draws", "2000").stdout)
    assert other["rank_probability"] != data["rank_probability"] and other["draws"] == 2000
    table = plain(run("rank-forecast", "--demo").stdout)
    assert table.count("演示数据") >= 2 and "名次概率" in table and "与第 9 名地区的差距" in table


def test_rank_forecast_city_trend_and_prior(store: Store) -> None:
    publish(store, "嘉峪关市", {2020: 60.0, 2021: 61.0, 2022: 62.0})
    publish(store, "兰州市", {2020: 44.0, 2021: 44.5, 2022: 45.0})
    publish(store, "陇南市", {2020: 30.0, 2021: 32.0, 2022: 34.0})  # 42 in 2026
    data = json.loads(run("rank-forecast", "--json", "--city-trend", "--goal-rank", "2", "--missing", "known").stdout)
    assert data["city_trend"]["method"] == "ols" and data["city_trend"]["mean"] == pytest.approx(42.0)
    assert data["rank_probability"][2] == max(data["rank_probability"]) < 0.95  # most likely third of three, not certainly: the floor on the spread
    assert json.loads(run("rank-forecast", "--json", "--goal-rank", "2", "--missing", "known").stdout) == data  # --city-trend is the default
    prior = json.loads(run("rank-forecast", "--json", "--missing", "prior", "--draws", "500").stdout)
    assert prior["ranked"] == 14 and prior["missing_policy"] == "prior"


def synthetic_figures(store: Store, fw: Framework) -> dict[tuple[str, int], float]:
    """Approved raw values for the 14 cities in 2022 and 2023; the index they would get with TRUE_AREAS."""
    cities = store.regions("city")
    rng = np.random.default_rng(0)
    leaves = [n.code for n in fw.leaves]
    entries = [Entry(c.code, code, str(y), float(v)) for c in cities for y in (2022, 2023) for code, v in zip(leaves, rng.uniform(0.2, 1.5, len(leaves)) * fw.tree.standard)]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin")
    truth = replace(fw, nodes=tuple(replace(n, weight=TRUE_AREAS.get(n.code, n.weight)) for n in fw.nodes))
    values = values_from_frame(ob.frame(store), fw)
    root = compute_index(truth, values).root
    return {(r, y): round(float(root[i, j]), 2) for i, r in enumerate(values.regions) for j, y in enumerate(values.years)}


def test_calibrate_identified_and_writes_a_candidate(store: Store, tmp_path: Path) -> None:
    for (region, year), value in synthetic_figures(store, store.framework()).items():
        publish(store, region, {year: value})
    data = json.loads(run("calibrate", "--json", "-o", str(tmp_path / "cand.yaml")).stdout)
    assert data["status"] == "identified" and data["n_obs"] == 28 and data["n_free"] == 4
    np.testing.assert_allclose(data["estimate"], list(TRUE_AREAS.values()), atol=0.005)
    assert data["framework_unchanged"] is True and data["illustrative_standards"] is True
    cand = load_framework(tmp_path / "cand.yaml")
    assert cand.node("A5").weight == pytest.approx(0.3, abs=0.005)
    assert str(cand.node("A5").weight_provenance).startswith("assumed: 由 28 个公布值校准 calibrated from 28 published values (fit R²=")
    assert store.framework().node("A5").weight == 0.2  # the framework in force is untouched
    table = plain(run("calibrate").stdout)
    assert "可识别" in table and "INDEX 的下级权重" in table and "现行指标框架未作任何改动" in table and "示意参数" in table


def test_calibrate_refuses_what_the_data_cannot_support(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    plan = store.plan()
    ob.write(store, [Entry("621200", i.code, "2023", i.target) for i in plan.indicators], actor="admin")
    ob.transition(store, "approve", actor="admin")
    publish(store, "陇南市", {2023: 43.26})
    publish(store, "嘉峪关市", {2022: 65.61})
    data = json.loads(run("calibrate", "--json").stdout)
    assert data["status"] == "unidentified" and data["estimate"] is None and data["n_obs"] == 1
    assert data["low"] == [0.0] * 5 and data["high"] == [pytest.approx(1.0)] * 5
    assert data["dropped"] == [["嘉峪关市", 2022, "没有该地区该年的指标数据 no figures for this region and year"]]
    code, out = run_main(monkeypatch, capsys, "calibrate", "-o", str(tmp_path / "cand.yaml"))
    assert code == 1 and "数据不足,参数无法识别" in out and not (tmp_path / "cand.yaml").exists()


def test_calibrate_never_overwrites_the_framework_file(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fw_path = tmp_path / "fw.yaml"
    run("framework", "export", "-o", str(fw_path))
    before = fw_path.read_bytes()
    for (region, year), value in synthetic_figures(store, store.framework()).items():
        publish(store, region, {year: value})
    code, out = run_main(monkeypatch, capsys, "calibrate", "-f", str(fw_path), "-o", str(fw_path))
    assert code == 2 and "不能覆盖" in out and fw_path.read_bytes() == before
    code, out = run_main(monkeypatch, capsys, "calibrate", "-o", str(tmp_path / "cand.txt"))
    assert code == 2 and ".xlsx" in out
