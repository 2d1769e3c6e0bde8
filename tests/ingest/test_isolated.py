"""A check in a child process: its result, its problems, its memory limit and its time limit."""

from __future__ import annotations

import time

import pytest

from stpi.errors import InputError, Problem
from stpi.ingest.isolated import run_isolated


def _double(x: int) -> int:
    return 2 * x


def _refuse(name: str) -> None:
    raise InputError([Problem(name, 3, "value", "不是数字 not a number", "x")])


def _hog(mb: int) -> int:
    block = bytearray(mb * 1024 * 1024)
    return len(block)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def test_result_and_problems_come_back() -> None:
    assert run_isolated(_double, 21, file="f.csv") == 42
    with pytest.raises(InputError) as info:
        run_isolated(_refuse, "f.csv", file="f.csv")
    assert info.value.problems == [Problem("f.csv", 3, "value", "不是数字 not a number", "x")]


def test_memory_and_time_limits_end_the_check_with_a_located_problem() -> None:
    with pytest.raises(InputError) as info:
        run_isolated(_hog, 3000, file="big.xlsx", memory_mb=1024)
    assert info.value.problems[0].file == "big.xlsx" and "内存" in info.value.problems[0].reason
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        run_isolated(_sleep, 30.0, file="slow.xlsx", seconds=0.5)
    assert time.perf_counter() - started < 5 and "秒" in info.value.problems[0].reason
