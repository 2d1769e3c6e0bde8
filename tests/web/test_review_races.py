"""The reviewers' race through HTTP, on both backends: /api/data/approve and /api/data/return of one figure at once answer 200 and 409, never 200 twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from stpi.store import Store
from stpi.web import create_app
from tests.store.conftest import pg_url  # noqa: F401  (the fixture)
from tests.store.workflow_kit import LONGNAN, figures, transitions_by_key
from tests.web.conftest import add_accounts, login

TRIALS = 30


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, TestClient]]:
    url = f"sqlite:///{tmp_path / 'race.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    store = Store(url)
    add_accounts(store)
    with TestClient(create_app(store=store)) as client:
        yield store, client
    store.close()


def test_approve_and_return_of_one_figure_at_once(served: tuple[Store, TestClient]) -> None:
    store, client = served
    ids = figures(store, 2023, [f"W{k:03d}" for k in range(TRIALS)])
    token = login(client, "admin")
    held = 0
    for figure_id in ids.values():
        barrier, codes = threading.Barrier(2), {}

        def post(path: str, body: dict[str, object]) -> None:
            barrier.wait(timeout=30)
            codes[path] = client.post(path, json=body, headers={"X-CSRF-Token": token}).status_code

        threads = [threading.Thread(target=post, args=("/api/data/approve", {"ids": [figure_id]})),
                   threading.Thread(target=post, args=("/api/data/return", {"ids": [figure_id], "comment": "请核实"}))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        held += sorted(codes.values()) == [200, 409]
    print(f"\napprove vs return over HTTP [{store.engine.dialect.name}]: held {held}/{len(ids)}")
    assert held == len(ids)
    counts = transitions_by_key(store.url, ["approve", "return"])
    assert [c for c in ids if counts.get(f"{LONGNAN}/{c}/2023") != 1] == []
