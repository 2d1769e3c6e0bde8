"""``stpi compute`` with COINr's alternative methods, on a small hand-worked framework."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stpi.cli import app, main
from tests.cli.samples import DATA, FRAMEWORK

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# FRAMEWORK and DATA (tests/cli/samples.py): X2 is lower-is-better; R1 lacks X3 in 2024.

runner = CliRunner()
Table = dict[tuple[str, int, str], tuple[float | None, int | None]]


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    fw, data = tmp_path / "fw.csv", tmp_path / "data.csv"
    fw.write_text(FRAMEWORK, encoding="utf-8")
    data.write_text(DATA, encoding="utf-8")
    return str(fw), str(data)


def compute(files: tuple[str, str], *options: str) -> tuple[Table, str]:
    result = runner.invoke(app, ["compute", "-f", files[0], "-d", files[1], *options])
    assert result.exit_code == 0, (result.output, result.exception)
    rows = csv.DictReader(io.StringIO(result.stdout))
    table = {
        (r["region"], int(r["year"]), r["code"]): (float(r["value"]) if r["value"] else None, int(r["rank"]) if r["rank"] else None)
        for r in rows
    }
    return table, ANSI.sub("", result.stderr)


def check(table: Table, expected: dict[tuple[str, int, str], float | None]) -> None:
    for key, value in expected.items():
        got = table[key][0]
        if value is None:
            assert got is None, key
        else:
            assert got == pytest.approx(value, rel=1e-12, abs=1e-12), key


def test_minmax(files: tuple[str, str]) -> None:
    table, err = compute(files, "--normalise", "minmax:0,100")
    assert "非官方方法" in err
    # 2023: X1 and (reversed) X2 put R2 at 100, R1 and R3 at 0; X3 the other way round
    check(table, {("R1", 2023, "X2"): 0, ("R2", 2023, "X2"): 100, ("R1", 2023, "X3"): 100,
                  ("R1", 2023, "INDEX"): 40, ("R2", 2023, "INDEX"): 60, ("R3", 2023, "INDEX"): 40})
    # 2024: X1 (7.5 − 2.5)/7.5; X2 reversed (−5 + 16)/12; R1's X3 is missing
    check(table, {("R1", 2024, "X1"): 200 / 3, ("R1", 2024, "X2"): 1100 / 12, ("R1", 2024, "A"): (200 / 3 + 1100 / 12) / 2,
                  ("R1", 2024, "INDEX"): None, ("R2", 2024, "INDEX"): 100, ("R3", 2024, "INDEX"): 0})
    assert table[("R2", 2023, "INDEX")][1] == 1 and table[("R1", 2023, "INDEX")][1] == 2 and table[("R3", 2023, "INDEX")][1] == 2


def test_zscore(files: tuple[str, str]) -> None:
    table, _ = compute(files, "--normalise", "zscore:0,1")
    z = 1 / 3**0.5  # X1 = (5, 20, 5): mean 10, sample sd √75, z = −1/√3, 2/√3
    check(table, {("R1", 2023, "X1"): -z, ("R2", 2023, "X1"): 2 * z, ("R2", 2023, "X2"): 2 * z, ("R1", 2023, "X3"): z,
                  ("R1", 2023, "INDEX"): 0.6 * -z + 0.4 * z, ("R2", 2023, "INDEX"): 0.6 * 2 * z - 0.4 * 2 * z})


def test_rank(files: tuple[str, str]) -> None:
    table, _ = compute(files, "--normalise", "rank")
    # X1 (5, 20, 5) → 1, 3, 1; X2 reversed (−8, −2, −8) → 1, 3, 1; X3 (100, 50, 100) → 2, 1, 2
    check(table, {("R1", 2023, "X1"): 1, ("R2", 2023, "X2"): 3, ("R3", 2023, "X3"): 2,
                  ("R1", 2023, "INDEX"): 0.6 * 1 + 0.4 * 2, ("R2", 2023, "INDEX"): 0.6 * 3 + 0.4 * 1})


def test_goalposts_and_dist2targ(files: tuple[str, str], tmp_path: Path) -> None:
    table, _ = compute(files, "--normalise", "goalposts:0,20,100")
    # X1 5/20; X2 reversed (20 − 8)/20; X3 truncated at the upper goalpost
    check(table, {("R1", 2023, "X1"): 25, ("R1", 2023, "X2"): 60, ("R1", 2023, "X3"): 100, ("R2", 2023, "X2"): 90,
                  ("R1", 2023, "INDEX"): 0.6 * 42.5 + 40, ("R2", 2023, "INDEX"): 0.6 * 95 + 40})
    table, _ = compute(files, "--normalise", "dist2targ:1", "-o", str(tmp_path / "out.csv"))
    recipe = json.loads((tmp_path / "out.recipe.json").read_text(encoding="utf-8"))["recipe"]
    assert recipe == {"normalise": {"method": "dist2targ", "params": {"cap": 1.0}}, "aggregate": {"method": "arithmetic", "missing": "propagate"}}


def test_dist2targ_uses_the_standard_as_target(files: tuple[str, str]) -> None:
    uncapped, _ = compute(files, "--normalise", "dist2targ")
    capped, _ = compute(files, "--normalise", "dist2targ:1")
    # X1: (20 − 5)/(10 − 5) = 3, capped 1; X2 reversed: (−2 + 8)/(−4 + 8) = 1.5; X3: (100 − 50)/(200 − 50)
    check(uncapped, {("R2", 2023, "X1"): 3, ("R2", 2023, "X2"): 1.5, ("R1", 2023, "X3"): 1 / 3})
    check(capped, {("R2", 2023, "X1"): 1, ("R2", 2023, "X2"): 1, ("R1", 2023, "INDEX"): 0.4 / 3, ("R2", 2023, "INDEX"): 0.6})


def test_geometric_and_harmonic(files: tuple[str, str]) -> None:
    geo, _ = compute(files, "--aggregate", "geometric")
    har, _ = compute(files, "--aggregate", "harmonic")
    # R2 2023 (ratio scores): A = mean of (100, 100) = 100, B = 50/200 → 25
    check(geo, {("R1", 2023, "INDEX"): 50, ("R2", 2023, "INDEX"): 100**0.6 * 25**0.4})
    check(har, {("R1", 2023, "INDEX"): 50, ("R2", 2023, "INDEX"): 1 / (0.6 / 100 + 0.4 / 25)})


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["stpi", *args])
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    return (0 if code is None else int(code)), ANSI.sub("", capsys.readouterr().err)


def test_unknown_names_list_the_valid_ones(files: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_main(monkeypatch, capsys, "compute", "-f", files[0], "-d", files[1], "--normalise", "bogus")
    assert code == 1 and "'bogus'" in err and "dist2targ, goalposts, minmax, rank, ratio, zscore" in err
    code, err = run_main(monkeypatch, capsys, "compute", "-f", files[0], "-d", files[1], "--aggregate", "median")
    assert code == 1 and "'median'" in err and "arithmetic, geometric, harmonic" in err
    code, err = run_main(monkeypatch, capsys, "compute", "-f", files[0], "-d", files[1], "--normalise", "rank:3")
    assert code == 1 and "p0" in err and "Traceback" not in err


def test_geometric_and_harmonic_refuse_zero_scores(files: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """minmax:0,100 scores the lowest region 0: the geometric mean refuses (as COINr does), naming nodes and regions."""
    for method, word in (("geometric", "几何平均"), ("harmonic", "调和平均")):
        code, err = run_main(monkeypatch, capsys, "compute", "-f", files[0], "-d", files[1], "--normalise", "minmax:0,100", "--aggregate", method)
        assert code == 1 and "Traceback" not in err
        flat = " ".join(err.split())
        assert f"{word}要求得分为正" in flat and "X1 (R1 2023" in flat and "R3 2023" in flat and "minmax:1,100" in flat
    geo, _ = compute(files, "--normalise", "minmax:1,100", "--aggregate", "geometric")  # COINr's way out: a positive floor
    assert all(v is None or v >= 1 for v, _ in geo.values())
