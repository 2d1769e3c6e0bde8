"""Helpers for driving the ``stpi`` command in tests."""

from __future__ import annotations

import re
import sys

import pytest

from stpi.cli import main

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    """Text without terminal colour codes."""
    return ANSI.sub("", text)


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run the console entry point in this process: (exit code, stdout and stderr without colours)."""
    monkeypatch.setattr(sys, "argv", ["stpi", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, plain(captured.out + captured.err)
