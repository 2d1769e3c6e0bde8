"""The page cache: kept across sign-ins, emptied by any change, built once under concurrent misses, switchable off."""

from __future__ import annotations

import threading
import time

import pytest
from starlette.requests import Request
from starlette.testclient import TestClient

from stpi.store import Entry, Store
from stpi.store import observations as ob
from stpi.readmodel import snapshot
from stpi.web.render import cached
from tests.web.conftest import login


def test_sign_ins_keep_the_cache_and_changes_empty_it(client: TestClient, store: Store) -> None:
    before = snapshot(store).revision
    login(client, "leader")
    client.post("/api/login", json={"username": "leader", "password": "wrong"})
    assert snapshot(store).revision == before  # audited, but nothing a page shows changed
    first = client.get("/api/overview").json()
    ob.write(store, [Entry("621200", "I01", "2023", 199.0, source="市人社局")], actor="admin")
    ob.transition(store, "approve", actor="admin")
    assert snapshot(store).revision > before
    again = client.get("/api/overview").json()
    assert first["year"] == 2022 and again["year"] == 2023  # never stale: the new figure shows at once
    assert next(r for r in again["indicators"] if r["code"] == "I01")["value"] == 199.0


def _request(app: object) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b"", "app": app, "state": {}})


def test_concurrent_misses_build_once(client: TestClient) -> None:
    builds: list[int] = []

    def build() -> int:
        builds.append(1)
        time.sleep(0.2)  # slow enough for every thread to miss at once
        return 42

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(cached(_request(client.app), ("slow",), build))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 8 and len(builds) == 1


def test_switched_off_builds_every_time(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []
    request = _request(client.app)
    assert [cached(request, ("k",), lambda: builds.append(1) or len(builds)) for _ in range(3)] == [1, 1, 1]
    monkeypatch.setenv("STPI_WEB_CACHE", "off")
    assert [cached(_request(client.app), ("k",), lambda: builds.append(1) or len(builds)) for _ in range(2)] == [2, 3]
