"""A file with very many bad rows gives a bounded report: the first problems, and how many there were in all."""

from __future__ import annotations

from starlette.testclient import TestClient

from stpi.errors import MAX_PROBLEMS, InputError, Problem
from stpi.store import Store
from stpi.store import observations as ob
from tests.web.conftest import login


def test_input_error_lists_the_first_problems_and_counts_all() -> None:
    exc = InputError([Problem("f.csv", i, "value", "不是数字 not a number", "x") for i in range(5000)])
    assert len(exc.problems) == MAX_PROBLEMS and exc.total == 5000
    assert str(exc).startswith("5000 个问题") and f"另有 {5000 - MAX_PROBLEMS + 1} 个问题未列出" in str(exc)
    again = InputError(list(exc.problems) + [Problem("g.csv", 1, None, "坏 bad")])  # gathered into another error: the count survives
    assert again.total == 5001 and len(again.problems) == MAX_PROBLEMS
    assert InputError([Problem("f.csv", 1, None, "坏 bad")]).total == 1


def test_an_upload_of_thousands_of_bad_rows_answers_with_a_bounded_report(client: TestClient, store: Store) -> None:
    token = login(client, "admin")
    rows = "".join(f"621200,2029,I06,不是数{i}\n" for i in range(5000))
    body = ("地区,年度,指标,数值\n" + rows).encode()
    r = client.post("/api/data/upload", files={"file": ("bad.csv", body, "text/csv")}, headers={"X-CSRF-Token": token})
    assert r.status_code == 422
    answer = r.json()
    assert answer["problems_total"] >= 5000 and len(answer["problems"]) <= MAX_PROBLEMS
    assert len(r.content) < 2_000_000
    assert ob.observations(store, year=2029) == []
