"""A sender killed (kill -9) in the middle of a delivery leaves the outbox intact; the next pass, once the claim lapses, sends it once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest

from stpi.notify.worker import run_once
from stpi.store import Store
from stpi.store import outbox
from stpi.store import supervision as sv
from tests.notify.conftest import WAIT
from tests.notify.test_delivery import configure

LEASE = 2  # seconds: the killed sender's claim lapses after it


@pytest.mark.parametrize("channel", ["email", "wecom"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_mid_send_leaves_the_outbox_and_the_next_pass_resends(backend: str, channel: str, request: pytest.FixtureRequest,
                                                                   smtp: tuple[object, int], receiver: tuple[object, str]) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    store = Store(url)
    request.addfinalizer(store.close)
    box, port = smtp
    rec, base = receiver
    configure(store, port, base)
    sv.issue(store, department_code="sci", subject="进度滞后", request="说明原因并提出整改措施", deadline=date.today() + timedelta(days=7), actor="admin")
    owed = {d.id: d.channel for d in outbox.deliveries(store)}
    assert sorted(owed.values()) == ["email", "wecom"]
    stalled = box if channel == "email" else rec
    stalled.hold = True  # type: ignore[attr-defined]
    child = subprocess.Popen([sys.executable, "-m", "stpi", "notify", "send", "--database", url, "--lease-seconds", str(LEASE)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "STPI_HOME": str(request.getfixturevalue("tmp_path"))})
    try:
        assert stalled.entered.wait(WAIT), "the sender never reached the server"  # type: ignore[attr-defined]
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(WAIT) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(WAIT)
        stalled.release.set()  # type: ignore[attr-defined]
    left = {d.id: (d.status, d.attempts) for d in outbox.deliveries(store)}
    stuck = [i for i, c in owed.items() if c == channel]
    assert all(left[i] == ("sending", 1) for i in stuck)  # claimed, not sent, not lost
    assert run_once(store, tell=False).sent == 0  # a live claim is not taken over
    assert {d.id: d.status for d in outbox.deliveries(store)}[stuck[0]] == "sending"
    time.sleep(LEASE + 0.5)
    run_once(store, tell=False)
    assert outbox.status_counts(store)["sent"] == 2
    assert len(box.accepted) == 1 and len(rec.posts) == 1  # type: ignore[attr-defined]  (each delivered once)
