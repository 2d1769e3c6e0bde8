"""Two senders at once (threads on one store, as two processes would be): every event told once, every delivery claimed and sent once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pytest

from stpi.errors import BusyError
from stpi.notify.worker import run_once
from stpi.store import Store
from stpi.store import outbox
from stpi.store import supervision as sv
from stpi.store.notices import inbox, sweep
from tests.notify.test_delivery import configure


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Store:
    st = Store(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
    request.addfinalizer(st.close)
    return st


def _together(*calls: object) -> None:
    start = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: object) -> None:
        start.wait(10)
        for _ in range(20):
            try:
                call()  # type: ignore[operator]
                return
            except BusyError:  # SQLite's one writer: the other waits its turn, as a second process would retry
                continue
            except BaseException as exc:  # noqa: BLE001  (reported below)
                errors.append(exc)
                return

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors


def test_two_senders_deliver_each_notice_once(store: Store, smtp: tuple[object, int], receiver: tuple[object, str]) -> None:
    box, port = smtp
    rec, base = receiver
    configure(store, port, base)
    for n in range(6):
        sv.issue(store, department_code="sci", subject=f"第{n + 1}件", request="说明原因", deadline=date.today() + timedelta(days=5), actor="admin")
    _together(lambda: sweep(store), lambda: sweep(store))
    assert Counter(m.kind for m in inbox(store, "keji")) == {"supervision": 6}
    owed = len(outbox.deliveries(store))
    _together(lambda: run_once(store), lambda: run_once(store))
    run_once(store)
    assert outbox.status_counts(store)["sent"] == owed == 12
    assert len(box.accepted) == 6 and len(set(box.ids())) == 6  # type: ignore[attr-defined]
    assert len(rec.posts) == 6  # type: ignore[attr-defined]
