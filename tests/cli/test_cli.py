"""The ``stpi`` command, driven with Typer's runner (and ``main`` for error exits)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from stpi.cli import app, main
from stpi.framework import embedded_framework, load_framework
from stpi.framework.io import REQUIRED, framework_rows
from stpi.store import Store
from stpi.tables import write_table
from tests.cli.samples import DATA, FRAMEWORK

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


# FRAMEWORK and DATA (tests/cli/samples.py): X2 is lower-is-better; R1 lacks X3 in 2024.

# (region, year, code) -> (value, rank), worked out by hand; None = empty.
COMMON = {
    ("R1", 2023, "X1"): (50, 2), ("R1", 2023, "X2"): (50, 2), ("R1", 2023, "X3"): (50, 1),
    ("R1", 2023, "A"): (50, 2), ("R1", 2023, "B"): (50, 1), ("R1", 2023, "INDEX"): (50, 2),
    ("R2", 2023, "X1"): (100, 1), ("R2", 2023, "X2"): (100, 1), ("R2", 2023, "X3"): (25, 3),
    ("R2", 2023, "A"): (100, 1), ("R2", 2023, "B"): (25, 3), ("R2", 2023, "INDEX"): (70, 1),
    ("R3", 2023, "X1"): (50, 2), ("R3", 2023, "X2"): (50, 2), ("R3", 2023, "X3"): (50, 1),
    ("R3", 2023, "A"): (50, 2), ("R3", 2023, "B"): (50, 1), ("R3", 2023, "INDEX"): (50, 2),
    ("R1", 2024, "X1"): (75, 2), ("R1", 2024, "X2"): (80, 2), ("R1", 2024, "X3"): (None, None),
    ("R1", 2024, "A"): (77.5, 2),
    ("R2", 2024, "X1"): (100, 1), ("R2", 2024, "X2"): (100, 1), ("R2", 2024, "X3"): (100, 1),
    ("R2", 2024, "A"): (100, 1), ("R2", 2024, "B"): (100, 1), ("R2", 2024, "INDEX"): (100, 1),
    ("R3", 2024, "X1"): (25, 3), ("R3", 2024, "X2"): (25, 3), ("R3", 2024, "X3"): (25, 2),
    ("R3", 2024, "A"): (25, 3), ("R3", 2024, "B"): (25, 2),
}
BY_POLICY = {
    "propagate": {("R1", 2024, "B"): (None, None), ("R1", 2024, "INDEX"): (None, None), ("R3", 2024, "INDEX"): (25, 2)},
    "zero": {("R1", 2024, "B"): (0, 3), ("R1", 2024, "INDEX"): (46.5, 2), ("R3", 2024, "INDEX"): (25, 3),
             ("R2", 2024, "B"): (100, 1), ("R3", 2024, "B"): (25, 2), ("R1", 2024, "X3"): (0, 3)},  # a missing leaf scores 0
    "reweight": {("R1", 2024, "B"): (None, None), ("R1", 2024, "INDEX"): (77.5, 2), ("R3", 2024, "INDEX"): (25, 3)},
}

runner = CliRunner()


@pytest.fixture
def fw_csv(tmp_path: Path) -> Path:
    path = tmp_path / "fw.csv"
    path.write_text(FRAMEWORK, encoding="utf-8")
    return path


@pytest.fixture
def data_csv(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(DATA, encoding="utf-8")
    return path


def plain(text: str) -> str:
    return ANSI.sub("", text)


def invoke(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the console entry point in this process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["stpi", *args])
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return (0 if code is None else int(code)), plain(captured.out), plain(captured.err)


def problem_line(err: str, file: Path, row: int | None, field: str, reason: str) -> str:
    """The line (``FILE:ROW:COLUMN: … reason``, as printed when not in a terminal) that names this file, row, column and reason."""
    cell = "" if row is None else f"{row}:"
    pattern = re.compile(rf"{re.escape(file.name)}:{cell}{re.escape(field)}:.*{re.escape(reason)}")
    lines = [ln for ln in err.splitlines() if pattern.search(ln)]
    assert lines, f"no problem line for row {row} {field} {reason!r} in:\n{err}"
    return lines[0]


def result_table(text: str) -> dict[tuple[str, int, str], tuple[float | None, int | None]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["region", "year", "code", "value", "rank"]
    return {
        (r["region"], int(r["year"]), r["code"]): (
            float(r["value"]) if r["value"] else None,
            int(r["rank"]) if r["rank"] else None,
        )
        for r in rows
    }


def check_result(table: dict[tuple[str, int, str], tuple[float | None, int | None]], policy: str) -> None:
    expected = {**COMMON, **BY_POLICY[policy]}
    assert len(table) == 3 * 2 * 6
    for key, (value, rank) in expected.items():
        got_value, got_rank = table[key]
        if value is None:
            assert got_value is None, key
        else:
            assert got_value == pytest.approx(value, rel=1e-12, abs=1e-12), key
        assert got_rank == rank, key


# ---------------------------------------------------------------- status


def test_status_in_chinese() -> None:
    out = plain(invoke("status").stdout)
    assert "综合科技进步水平指数" in out
    assert "示意参数" in out
    assert "43.26" in out and "≥ 43.26" in out
    assert "9 / 14 (左右)" in out
    assert re.search(r"2022年指数不完整:缺少 I28 的数值", out)
    assert "31.61*" in out  # the incomplete baseline is starred
    assert "高新技术产业化效益" in out  # data-quality notes
    assert "市工信局" in out


@pytest.mark.parametrize("how", ["option", "env"])
def test_status_in_english(how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if how == "env":
        monkeypatch.setenv("STPI_LANG", "en")
        out = plain(invoke("status").stdout)
    else:
        out = plain(invoke("--lang", "en", "status").stdout)
    assert "Composite S&T progress index" in out
    assert "ILLUSTRATIVE PARAMETERS" in out
    assert "The 2022 index is incomplete: I28 missing" in out
    assert "Longnan" in out
    assert "综合科技进步水平指数 (%)" not in out


def test_language_option_does_not_stick() -> None:
    invoke("--lang", "en", "status")
    assert "综合科技进步水平指数" in plain(invoke("status").stdout)


def test_status_json() -> None:
    s = json.loads(invoke("status", "--json").stdout)
    assert s["index_target"] == pytest.approx(43.26, abs=1e-9)
    assert s["index_baseline_complete"] is None
    assert s["missing_at_baseline"] == ["I28"]
    assert s["missing_policy"] == "reweight"
    assert s["illustrative"] is True
    assert s["index_baseline"] == pytest.approx(31.61187557656836, rel=1e-9)
    assert (s["goal_index"], s["goal_at_least"], s["goal_rank"], s["goal_regions"]) == (43.26, True, 9, 14)
    assert len(s["indicators"]) == 32 and len(s["groups"]) == 17
    i28 = s["indicators"][27]
    assert (i28["code"], i28["baseline"], i28["score_baseline"]) == ("I28", None, None)


def test_status_missing_policies_differ() -> None:
    zero = json.loads(invoke("status", "--json", "--missing", "zero").stdout)
    strict = json.loads(invoke("status", "--json", "--missing", "propagate").stdout)
    reweight = json.loads(invoke("status", "--json").stdout)
    assert strict["index_baseline"] is None
    assert zero["index_baseline"] < reweight["index_baseline"]
    assert zero["index_target"] == pytest.approx(43.26, abs=1e-9)


# ---------------------------------------------------------------- compute


@pytest.mark.parametrize("policy", ["propagate", "zero", "reweight"])
def test_compute_to_stdout(policy: str, fw_csv: Path, data_csv: Path) -> None:
    args = ["compute", "--framework", str(fw_csv), "--data", str(data_csv)]
    if policy != "propagate":
        args += ["--missing", policy]
    result = invoke(*args)
    check_result(result_table(result.stdout), policy)
    err = plain(result.stderr)
    assert "示意参数" in err  # the CSV states no provenance
    assert f"缺失的输入(按“{policy}”处理)" in err
    assert re.search(r"R1\s+2024\s+X3", err)


def test_compute_to_file_writes_recipe_beside(tmp_path: Path, fw_csv: Path, data_csv: Path) -> None:
    out = tmp_path / "out" / "result.csv"
    out.parent.mkdir()
    result = invoke("compute", "-f", str(fw_csv), "-d", str(data_csv), "-o", str(out))
    assert result.stdout == ""
    check_result(result_table(out.read_text(encoding="utf-8")), "propagate")
    recipe = json.loads(out.with_suffix(".recipe.json").read_text(encoding="utf-8"))
    assert recipe["recipe"] == {
        "normalise": {"method": "ratio", "params": {}},
        "aggregate": {"method": "arithmetic", "missing": "propagate"},
    }
    assert recipe["framework"] == [{"id": "fw", "sha256": load_framework(fw_csv).fingerprint(), "years": [2023, 2024]}]
    assert recipe["data"] == {"file": "data.csv", "sha256": hashlib.sha256(data_csv.read_bytes()).hexdigest()}
    assert recipe["illustrative_parameters"] is True
    assert sorted(p.name for p in out.parent.iterdir()) == ["result.csv", "result.recipe.json"]


def test_compute_with_official_parameters_prints_no_label(tmp_path: Path, data_csv: Path) -> None:
    path = tmp_path / "official.csv"
    path.write_text(
        "code,parent,name,unit,weight,standard,direction,weight_provenance,standard_provenance\n"
        "INDEX,,Index,%,,,,,\n"
        "A,INDEX,Area A,%,0.6,,,official: 省厅,\n"
        "X1,A,x one,u,0.5,10,1,official: 省厅,official: 省厅\n"
        "X2,A,x two,u,0.5,4,-1,official: 省厅,official: 省厅\n"
        "B,INDEX,Area B,%,0.4,,,official: 省厅,\n"
        "X3,B,x three,u,1,200,1,official: 省厅,official: 省厅\n",
        encoding="utf-8",
    )
    assert not load_framework(path).is_illustrative
    result = invoke("compute", "-f", str(path), "-d", str(data_csv), "--missing", "zero")
    assert "示意参数" not in plain(result.stderr)
    check_result(result_table(result.stdout), "zero")


def test_compute_with_data_in_xlsx(tmp_path: Path, fw_csv: Path) -> None:
    rows = [dict(zip(["region", "year", "indicator", "value"], line.split(","))) for line in DATA.splitlines()[1:]]
    xlsx = tmp_path / "data.xlsx"
    write_table(rows, ["region", "year", "indicator", "value"], xlsx, fmt="xlsx")
    check_result(result_table(invoke("compute", "-f", str(fw_csv), "-d", str(xlsx)).stdout), "propagate")


def test_compute_on_the_embedded_framework(tmp_path: Path) -> None:
    plan_rows = [
        {"region": "陇南市", "year": 2026, "indicator": n.code, "value": repr(n.standard * 0.4326)}
        for n in embedded_framework().leaves
    ]
    data = tmp_path / "targets.csv"
    write_table(plan_rows, ["region", "year", "indicator", "value"], data, fmt="csv")
    table = result_table(invoke("compute", "-d", str(data)).stdout)
    assert table[("陇南市", 2026, "INDEX")][0] == pytest.approx(43.26, abs=1e-9)
    assert table[("陇南市", 2026, "INDEX")][1] == 1


def test_malformed_data_reports_every_row_and_writes_nothing(
    tmp_path: Path, fw_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "region,year,indicator,value\n"
        "R1,2023,X1,5\n"  # row 2: fine
        "R1,2023,NOPE,5\n"  # row 3: unknown indicator
        "R1,2023,X2,abc\n"  # row 4: not a number
        "R1,20x3,X3,1\n"  # row 5: bad year
        "R1,2023,X1,6\n"  # row 6: duplicate of row 2
        ",2023,X3,1\n"  # row 7: no region
        "R2,1850.5,X3,1\n",  # row 8: not a whole year
        encoding="utf-8",
    )
    out = tmp_path / "result.csv"
    code, stdout, err = run_main(monkeypatch, capsys, "compute", "-f", str(fw_csv), "-d", str(bad), "-o", str(out))
    assert code != 0
    assert stdout == ""
    assert "输入有误,未写出任何文件 (6)" in err
    problem_line(err, bad, 3, "indicator", "unknown indicator code")
    assert "NOPE" in problem_line(err, bad, 3, "indicator", "unknown indicator code")
    assert "abc" in problem_line(err, bad, 4, "value", "not a number")
    assert "20x3" in problem_line(err, bad, 5, "year", "year must be a whole year")
    assert "R1 2023 X1" in problem_line(err, bad, 6, "indicator", "duplicate row")
    problem_line(err, bad, 7, "region", "empty region")
    problem_line(err, bad, 8, "year", "year must be a whole year")
    assert not out.exists() and not out.with_suffix(".recipe.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "fw.csv"]
    assert "Traceback" not in err


def test_data_missing_a_column(tmp_path: Path, fw_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "cols.csv"
    bad.write_text("region,year,code,val\nR1,2023,X1,5\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    code, _, err = run_main(monkeypatch, capsys, "compute", "-f", str(fw_csv), "-d", str(bad), "-o", str(out))
    assert code != 0
    problem_line(err, bad, 1, "indicator", "missing required column")
    problem_line(err, bad, 1, "value", "missing required column")
    assert not out.exists()


def test_compute_with_a_bad_framework_writes_nothing(
    tmp_path: Path, data_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "badfw.csv"
    bad.write_text(FRAMEWORK.replace("X3,B,x three,u,1,200,1", "X3,Q,x three,u,1,-200,1"), encoding="utf-8")
    out = tmp_path / "o.csv"
    code, _, err = run_main(monkeypatch, capsys, "compute", "-f", str(bad), "-d", str(data_csv), "-o", str(out))
    assert code != 0
    problem_line(err, bad, 7, "parent", "unknown parent")
    problem_line(err, bad, 7, "standard", "leaf needs a positive standard")
    assert not out.exists()


def test_unknown_method_lists_valid_ones(fw_csv: Path, data_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(monkeypatch, capsys, "compute", "-f", str(fw_csv), "-d", str(data_csv), "--aggregate", "median")
    assert code == 1
    assert "unknown" in err and "'median'" in err and "arithmetic, geometric, harmonic" in err


def test_non_official_method_is_flagged(fw_csv: Path, data_csv: Path) -> None:
    result = invoke("compute", "-f", str(fw_csv), "-d", str(data_csv), "--aggregate", "geometric")
    assert "非官方方法" in plain(result.stderr)
    table = result_table(result.stdout)
    assert table[("R1", 2023, "INDEX")][0] == pytest.approx(50.0, rel=1e-12)


@pytest.mark.parametrize(
    "args",
    [["bogus"], ["compute", "--missing", "nope"], ["status", "--missing", "nope"], ["framework", "export", "--format", "docx"]],
)
def test_usage_errors_exit_cleanly(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(monkeypatch, capsys, *args)
    assert code == 2
    assert "Usage" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- framework


@pytest.mark.parametrize("fmt", ["csv", "yaml", "xlsx"])
def test_framework_export_to_stdout_and_file(fmt: str, tmp_path: Path) -> None:
    stdout = invoke("framework", "export", "--format", fmt).stdout_bytes
    out = tmp_path / f"fw.{fmt}"
    result = invoke("framework", "export", "--format", fmt, "--output", str(out))
    assert result.stdout_bytes == b""
    assert f"已写出 {out}" in plain(result.stderr)
    if fmt == "xlsx":  # zip timestamps may differ between the two runs
        assert stdout[:2] == out.read_bytes()[:2] == b"PK"
        book = load_workbook(io.BytesIO(stdout), read_only=True)
        rows = list(book["framework"].iter_rows(values_only=True))
        book.close()
        assert rows[0][:7] == REQUIRED and len(rows) == 51
    else:
        assert stdout == out.read_bytes()
    back, fw = load_framework(out).nodes, embedded_framework().nodes
    assert [n.code for n in back] == [n.code for n in fw]
    # XLSX keeps 16 significant digits (Excel's precision); CSV and YAML are exact
    standards = [(n.standard or 0.0, m.standard or 0.0) for n, m in zip(back, fw)]
    assert [a for a, _ in standards] == pytest.approx([b for _, b in standards], rel=1e-15 if fmt == "xlsx" else 0)


def test_framework_export_of_a_given_file(fw_csv: Path) -> None:
    text = invoke("framework", "export", "--format", "csv", "-f", str(fw_csv)).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["code"] for r in rows] == ["INDEX", "A", "B", "X1", "X2", "X3"]
    assert rows[4]["direction"] == "-1" and rows[4]["standard"] == "4.0"


def test_framework_show() -> None:
    out = plain(invoke("framework", "show").stdout)
    assert "示意参数" in out and "高新技术产业化" in out and "I32" in out


def test_framework_validate_good(fw_csv: Path) -> None:
    assert "校验通过:6 个节点,3 个末级指标" in plain(invoke("framework", "validate", str(fw_csv)).stdout)


def test_framework_validate_bad(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        FRAMEWORK.replace("X2,A,x two,u,0.5,4,-1", "X2,A,x two,u,0.4,4,2").replace("X3,B,x three,u,1,200,1", "X3,B,x three,u,1,,1")
        + "X1,B,dup,u,0,5,1\n",
        encoding="utf-8",
    )
    code, _, err = run_main(monkeypatch, capsys, "framework", "validate", str(bad))
    assert code == 2
    assert "(4)" in err
    assert "A" in problem_line(err, bad, 3, "weight", "children's weights sum to")
    problem_line(err, bad, 5, "direction", "direction must be 1 or -1")
    problem_line(err, bad, 7, "standard", "leaf needs a positive standard")
    problem_line(err, bad, 8, "code", "duplicate code")


def test_console_script_exit_code(tmp_path: Path) -> None:
    """The installed ``stpi`` command itself: a clean table and a non-zero exit, no traceback."""
    exe = shutil.which("stpi", path=str(Path(sys.executable).parent)) or shutil.which("stpi")
    if exe is None:
        pytest.skip("stpi console script not installed")
    bad = tmp_path / "bad.csv"
    bad.write_text(FRAMEWORK.replace("X3,B,", "X3,NOPE,"), encoding="utf-8")
    env = {**os.environ, "STPI_HOME": str(tmp_path / "home"), "COLUMNS": "400", "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    proc = subprocess.run([exe, "framework", "validate", str(bad)], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 2
    assert "unknown parent" in proc.stderr and "NOPE" in proc.stderr and "bad.csv" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = subprocess.run([exe, "bogus"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 2 and "No such command" in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------- framework import


def official_table(tmp_path: Path, *, factor: float = 2.0, name: str = "official.csv") -> Path:
    """The embedded tree with standards × factor and no provenance columns."""
    rows = framework_rows(embedded_framework())
    for r in rows:
        if r["standard"]:
            r["standard"] = repr(float(r["standard"]) * factor)
    path = tmp_path / name
    write_table(rows, list(REQUIRED), path, fmt="csv")
    return path


def stored_versions(tmp_path: Path) -> list[tuple[int, str, str, str]]:
    """The framework versions in the test's store."""
    store = Store(f"sqlite:///{tmp_path / 'home' / 'stpi.db'}")
    try:
        return store.framework_versions()
    finally:
        store.close()


def status_json() -> dict[str, object]:
    return json.loads(invoke("status", "--json").stdout)  # type: ignore[no-any-return]


def test_import_with_source_replaces_the_illustrative_parameters(tmp_path: Path) -> None:
    before = status_json()
    table = official_table(tmp_path)
    result = invoke("framework", "import", str(table), "--source", "甘肃省科技厅 2025")
    assert "已导入指标框架" in plain(result.stdout)
    store = Store(f"sqlite:///{tmp_path / 'home' / 'stpi.db'}")
    assert [v[0] for v in store.framework_versions()] == [2022, 2022]  # the embedded version is kept
    fw = store.framework()
    store.close()
    assert not fw.is_illustrative and fw.parameter_rules() == ("official: 甘肃省科技厅 2025",)
    after = status_json()
    assert after["illustrative"] is False
    assert after["parameter_rules"] == ["official: 甘肃省科技厅 2025"]
    assert after["index_target"] == pytest.approx(43.26 / 2, abs=1e-9)
    assert after["index_baseline"] == pytest.approx(before["index_baseline"] / 2, rel=1e-12)  # type: ignore[operator]
    out = plain(invoke("status").stdout)
    assert "示意参数" not in out and "参数来源:官方" in out and "21.63" in out
    assert "official: 甘肃省科技厅 2025" in invoke("framework", "export").stdout


def test_import_with_provenance_in_the_file(tmp_path: Path) -> None:
    rows = framework_rows(embedded_framework())
    for r in rows:
        for key in ("weight_provenance", "standard_provenance"):
            if r[key]:
                r[key] = "official: 省统计局表 3"
    path = tmp_path / "stated.csv"
    write_table(rows, list(rows[0]), path, fmt="csv")
    invoke("framework", "import", str(path))
    assert status_json()["illustrative"] is False


def test_import_without_provenance_or_source_fails_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table = official_table(tmp_path)
    code, _, err = run_main(monkeypatch, capsys, "framework", "import", str(table))
    assert code == 2
    assert "--source" in err and "weight_provenance" in err
    assert len(stored_versions(tmp_path)) == 1  # only the embedded one
    # with an earlier import in force, a failed one leaves it untouched
    invoke("framework", "import", str(official_table(tmp_path, factor=3.0, name="first.csv")), "--source", "省厅")
    kept = stored_versions(tmp_path)
    code, _, _ = run_main(monkeypatch, capsys, "framework", "import", str(table))
    assert code == 2 and stored_versions(tmp_path) == kept and len(kept) == 2


def test_import_of_a_framework_that_does_not_match_the_plan(
    tmp_path: Path, fw_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(monkeypatch, capsys, "framework", "import", str(fw_csv), "--source", "省厅")
    assert code == 2
    assert "plan indicator not in framework" in err and "I01" in err
    assert "framework indicator not in plan" in err and "X1" in err
    assert len(stored_versions(tmp_path)) == 1
    assert status_json()["illustrative"] is True


def test_import_of_an_invalid_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    table = official_table(tmp_path)
    table.write_text(table.read_text(encoding="utf-8").replace("I05,G02", "I05,G99"), encoding="utf-8")
    code, _, err = run_main(monkeypatch, capsys, "framework", "import", str(table), "--source", "省厅")
    assert code == 2 and "unknown parent" in err
    assert len(stored_versions(tmp_path)) == 1


# ---------------------------------------------------------------- plan


def test_plan_show() -> None:
    out = plain(invoke("plan", "show").stdout)
    assert "陇南市提升综合科技进步水平指数实施方案 · 实施方案指标表" in out
    assert "27.20以上" in out and "0.25以上" in out
    assert "0.013" in out and "—" in out
    assert "市工信局、市教育局、市农业农村局、市林草局、市卫生健康委" in out
    assert "信息传输、软件和信息技术服务业增加值占GDP比重" in out


def test_plan_show_in_english() -> None:
    out = plain(invoke("--lang", "en", "plan", "show").stdout)
    assert "Plan indicators" in out and "Municipal Science and Technology Bureau" in out


FIRST_COLUMNS = ["no", "code", "group", "name", "unit", "baseline_2022", "target_2026", "target_at_least", "lead", "responsible", "rank_goal"]


def test_plan_export_csv(tmp_path: Path) -> None:
    text = invoke("plan", "export", "--format", "csv").stdout
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames is not None and list(reader.fieldnames[:11]) == FIRST_COLUMNS
    rows = list(reader)
    assert len(rows) == 32
    assert [r["no"] for r in rows] == [str(i) for i in range(1, 33)]
    assert [r["code"] for r in rows if r["baseline_2022"] == ""] == ["I28"]
    assert [r["code"] for r in rows if r["target_at_least"] == "1"] == ["I09", "I17"]
    assert {r["target_at_least"] for r in rows} == {"0", "1"}
    first, fourth = rows[0], rows[3]
    assert (first["group"], first["name"], first["unit"]) == ("科技人力资源", "万人专业技术人员数", "人")
    assert (float(first["baseline_2022"]), float(first["target_2026"])) == (194.76, 197.02)
    assert first["lead"] == "市人社局"
    assert first["responsible"] == "市教育局;市科技局;市农业农村局;市卫生健康委;市林草局"
    assert fourth["lead"] == "市工信局;市教育局;市农业农村局;市林草局;市卫生健康委"
    assert first["rank_goal"] == "达到全省中等水平"
    assert rows[12]["sub_targets"] == "市本级 2.1;县区 1.1"
    assert rows[23]["group"] == "高新技术产业化"
    out = tmp_path / "plan.csv"
    invoke("plan", "export", "--output", str(out))
    assert out.read_text(encoding="utf-8") == text


def test_plan_export_xlsx(tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    invoke("plan", "export", "--format", "xlsx", "--output", str(out))
    book = load_workbook(out, read_only=True)
    rows = list(book["plan"].iter_rows(values_only=True))
    book.close()
    assert list(rows[0][:11]) == FIRST_COLUMNS
    assert len(rows) == 33
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [b["code"] for b in body] == [f"I{i:02d}" for i in range(1, 33)]
    assert body[27]["baseline_2022"] in (None, "")
    assert float(body[1]["baseline_2022"]) == 41.8  # type: ignore[arg-type]
    assert [b["code"] for b in body if str(b["target_at_least"]) == "1"] == ["I09", "I17"]
    assert body[2]["lead"] == "市科技局;市人社局"


# ---------------------------------------------------------------- help


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "科技进步水平指数监测评估系统"),
        (["status"], "--json"),
        (["compute"], "--data"),
        (["framework"], "validate"),
        (["framework", "show"], "--framework"),
        (["framework", "export"], "--format"),
        (["framework", "validate"], "框架文件"),
        (["framework", "import"], "--source"),
        (["plan"], "export"),
        (["plan", "show"], "32"),
        (["plan", "export"], "--format"),
    ],
)
def test_help(args: list[str], words: str) -> None:
    result = invoke(*args, "--help")
    out = plain(result.stdout)
    assert "Usage" in out and words in out


def _command_paths(group: object, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in getattr(group, "commands", {}).items():
        yield prefix + (name,)
        yield from _command_paths(command, prefix + (name,))


def test_help_on_every_registered_command() -> None:
    paths = list(_command_paths(typer.main.get_command(app)))
    assert {("status",), ("compute",), ("framework", "import"), ("plan", "export")} <= set(paths)
    for path in paths:
        out = plain(invoke(*path, "--help").stdout)
        assert out.startswith("Usage: ") and " ".join(path) in out.splitlines()[0], path


# ---------------------------------------------------------------- contributions


def test_contributions_json_hand_computed(fw_csv: Path, data_csv: Path) -> None:
    result = invoke("contributions", "-f", str(fw_csv), "-d", str(data_csv), "--region", "R2", "--year", "2024", "--from-year", "2023", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    contrib = {r["code"]: r for r in payload["contributions"]}
    assert {c: contrib[c]["effective_weight"] for c in contrib} == pytest.approx({"X1": 0.3, "X2": 0.3, "X3": 0.4})
    assert {c: contrib[c]["contribution"] for c in contrib} == pytest.approx({"X1": 30.0, "X2": 30.0, "X3": 40.0})
    assert {c: contrib[c]["headroom"] for c in contrib} == pytest.approx({"X1": 0.0, "X2": 0.0, "X3": 0.0})
    parts = {r["code"]: r["part"] for r in payload["decomposition"]}
    # X3 went from 25 to 100 at effective weight 0.4: the whole 30-point rise of the index
    assert parts == pytest.approx({"INDEX": 30.0, "A": 0.0, "B": 30.0, "X1": 0.0, "X2": 0.0, "X3": 30.0})
    assert payload["illustrative_parameters"] is True


def test_contributions_table(fw_csv: Path, data_csv: Path) -> None:
    result = invoke("contributions", "-f", str(fw_csv), "-d", str(data_csv), "--region", "R1", "--year", "2023")
    assert result.exit_code == 0, result.output
    out = plain(result.stdout)
    assert "R1 2023年 各指标贡献与提升空间" in out and "示意参数" in out
    assert "20.000" in out  # X3: effective weight 0.4 × score 50


def test_contributions_unknown_region(fw_csv: Path, data_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_main(monkeypatch, capsys, "contributions", "-f", str(fw_csv), "-d", str(data_csv), "--region", "R9", "--year", "2023")
    assert code == 1 and "R9" in err


def test_import_of_assumed_parameters_warns_still_illustrative(tmp_path: Path) -> None:
    rows = framework_rows(embedded_framework())
    path = tmp_path / "assumed.csv"
    write_table(rows, list(rows[0]), path, fmt="csv")
    result = invoke("framework", "import", str(path), "--source", "某来源")
    assert result.exit_code == 0, result.output
    assert "仍有未标为 official 的参数" in plain(result.stderr)
    assert status_json()["illustrative"] is True
