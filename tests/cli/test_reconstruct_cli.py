"""``stpi published import`` and ``stpi calibrate --from-published`` on a real SQLite store, and the round trip
through ``stpi framework import``: the reconstructed parameters become the framework in force."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

import stpi.cli.data  # noqa: F401  (registers the commands)
import stpi.cli.forecast  # noqa: F401
import stpi.cli.index  # noqa: F401
from stpi.analysis import compute_index, values_from_frame
from stpi.cli import app
from stpi.framework.model import Framework
from stpi.store import Entry, Store, notes
from stpi.store import observations as ob
from tests.cli.clitools import plain, run_main

runner = CliRunner()
YEARS = (2023, 2024, 2025)
SOURCE = "甘肃省科技厅2025年评价反馈"


def run(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def truth_of(fw: Framework, seed: int = 3) -> Framework:
    """Random 'official' parameters: Dirichlet weights in every parent, standards 0.5–2 × the illustrative ones."""
    rng = np.random.default_rng(seed)
    weights: dict[str, float] = {}
    for parent in (n for n in fw.nodes if not n.is_leaf):
        kids = fw.children(parent.code)
        weights.update(zip((k.code for k in kids), rng.dirichlet(np.full(len(kids), 3.0))))
    return replace(fw, nodes=tuple(replace(n, weight=weights.get(n.code, n.weight), standard=None if n.standard is None else n.standard * rng.uniform(0.5, 2.0)) for n in fw.nodes))


def feedback_file(store: Store, truth: Framework, path: Path) -> Path:
    """Raw values of the 14 cities approved in the store; every node's score under ``truth``, to 2 decimals, as a CSV."""
    fw = store.framework()
    rng = np.random.default_rng(4)
    cities = store.regions("city")
    entries = [Entry(c.code, n.code, str(y), float(rng.uniform(0.2, 1.2) * s)) for c in cities for y in YEARS for n, s in zip(fw.leaves, truth.tree.standard)]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin")
    values = values_from_frame(ob.frame(store), fw)
    scores = compute_index(truth, values).built.scores
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["地区", "年份", "指标代码", "得分"])
        for i, region in enumerate(values.regions):
            for t, year in enumerate(values.years):
                for k, code in enumerate(fw.tree.codes):
                    w.writerow([region, year, code, f"{scores[i, t, k]:.2f}"])
    return path


def test_published_import_reconstruct_and_put_in_force(store: Store, tmp_path: Path) -> None:
    fw = store.framework()
    truth = truth_of(fw)
    report = feedback_file(store, truth, tmp_path / "反馈.csv")
    out = plain(run("published", "import", str(report), "--source", SOURCE).stdout)
    assert "已导入 2100 个公布得分" in out and "14 个地区" in out
    assert len(notes.published_scores(store)) == 14 * 3 * 50 and len(notes.published_results(store)) == 42
    listed = plain(run("published", "list", "--nodes", "--region", "陇南市", "--year", "2025").stdout)
    assert "公布的节点得分(50 条)" in listed and "科技进步环境" in listed
    data = json.loads(run("calibrate", "--from-published", "--json", "-o", str(tmp_path / "official.csv")).stdout)
    assert data["n_identified"] == {"standards": 32, "of_standards": 32, "parents": 18, "of_parents": 18}
    assert data["fit"]["max_abs"] < 0.02 and data["fit"]["rms"] < 0.01 and data["resolution"] == 0.005
    for st in data["standards"]:
        assert st["estimate"] == pytest.approx(truth.node(st["code"]).standard, rel=1e-3)
    for wf in data["weights"]:
        np.testing.assert_allclose(wf["estimate"], [truth.node(c).weight for c in wf["codes"]], atol=0.002)
    assert store.framework().is_illustrative  # nothing in force changed yet
    run("framework", "import", str(tmp_path / "official.csv"))
    now = store.framework()
    assert not now.is_illustrative
    assert all(str(p) == f"official: reconstructed from {SOURCE}" for p in now.parameter_provenances())
    for n in now.nodes[1:]:
        assert n.weight == pytest.approx(truth.node(n.code).weight, abs=0.002)
        if n.standard is not None:
            assert n.standard == pytest.approx(truth.node(n.code).standard, rel=1e-3)
    table = plain(run("calibrate", "--from-published").stdout)
    assert "标准值 32/32 项,权重 18/18 个上级节点可识别" in table and "公布精度 ±0.005" in table


def test_reconstruction_says_what_is_not_identified(store: Store, tmp_path: Path) -> None:
    fw = store.framework()
    report = feedback_file(store, truth_of(fw), tmp_path / "all.csv")
    rows = list(csv.reader(report.read_text(encoding="utf-8").splitlines()))
    city = [r for r in rows[1:] if r[0] == "陇南市" and r[1] == "2025" and r[2] in ("INDEX", "A1", "A2", "A3", "A4", "A5", "I01")]
    with (tmp_path / "few.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([rows[0], *city])
    run("published", "import", str(tmp_path / "few.csv"), "--source", SOURCE)
    data = json.loads(run("calibrate", "--from-published", "--json").stdout)
    st = {s["code"]: s for s in data["standards"]}
    assert st["I01"]["identified"] and not st["I02"]["identified"] and st["I02"]["reason"]["en"] == "no published score"
    root = next(w for w in data["weights"] if w["parent"] == "INDEX")
    assert not root["identified"] and root["n_obs"] == 1 and "too few observations" in root["reason"]["en"]
    assert data["n_identified"]["standards"] == 1


def test_import_problems_and_options(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("region,year,code,score\n陇南市,2025,I01,101\n陇南市,2025,ZZ,1\n", encoding="utf-8")
    code, out = run_main(monkeypatch, capsys, "published", "import", str(bad), "--source", SOURCE)
    assert code == 2 and "I01 万人专业技术人员数" in out and "ZZ" in out and notes.published_scores(store) == []
    code, out = run_main(monkeypatch, capsys, "calibrate", "--from-published", "--depth", "1")
    assert code == 2 and "--from-published" in out
    code, out = run_main(monkeypatch, capsys, "calibrate", "--from-published", "-o", str(tmp_path / "fw.txt"))
    assert code == 2 and ".xlsx" in out
