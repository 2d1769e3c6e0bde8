"""Problem reports everyone can read: each names its node; logs and pipes get one full line each; a terminal wraps, never cuts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from stpi import console
from stpi.errors import Problem

BAD = "code,parent,name,unit,weight,standard,direction\nR,,总指数,%,,,\nK1,R,甲指标,%,0.5,-3,1\nK2,R,乙指标,%,0.5,10,2\n"


def _bad(tmp_path: Path) -> Path:
    folder = tmp_path / ("很长的文件夹名称" * 4) / "another-rather-long-folder-name"
    folder.mkdir(parents=True)
    path = folder / "bad-framework.csv"
    path.write_text(BAD, encoding="utf-8")
    return path


def test_framework_problems_name_the_node_and_print_one_full_line_each_when_piped(tmp_path: Path) -> None:
    path = _bad(tmp_path)
    result = subprocess.run([sys.executable, "-c", "from stpi.cli import main; main()", "framework", "validate", str(path)],
                            capture_output=True, text=True, timeout=120)  # a real pipe, as in a log or CI
    assert result.returncode == 2
    lines = [ln for ln in result.stderr.splitlines() if str(path) in ln]
    assert len(lines) == 2, result.stderr
    assert any(re.fullmatch(rf"{re.escape(str(path))}:3:standard: K1 甲指标: .*正的标准值.*", ln) for ln in lines), lines
    assert any(re.fullmatch(rf"{re.escape(str(path))}:4:direction: K2 乙指标: .*", ln) for ln in lines), lines


def test_in_a_terminal_the_table_wraps_long_paths_instead_of_cutting_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(_bad(tmp_path))
    narrow = Console(stderr=True, force_terminal=True, width=60, color_system=None, record=True)
    monkeypatch.setattr(console, "err", narrow)
    console.print_problems([Problem(path, 3, "standard", "末级指标须有正的标准值 leaf needs a positive standard", "-3", "K1", "甲指标")])
    text = narrow.export_text()
    assert "…" not in text
    cells = "".join(ln.split("│")[1].strip() for ln in text.splitlines() if ln.startswith("│"))
    assert path in cells  # every character of the path is there, folded over lines
    assert "K1 甲指标" in text


def test_problem_line_and_text_name_the_subject() -> None:
    p = Problem("f.csv", 5, "value", "不是数字 not a number", "abc", "I13", "研发经费投入强度")
    assert p.line() == "f.csv:5:value: I13 研发经费投入强度: 不是数字 not a number (值 value: 'abc')"
    assert "I13 研发经费投入强度" in str(p)
    assert Problem("f.csv", None, None, "坏文件 bad file").line() == "f.csv: 坏文件 bad file"
