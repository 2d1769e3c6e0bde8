"""``stpi user unlock`` and ``stpi serve --trusted-proxies``: clean results and clean refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stpi.store import Store
from stpi.store import logins
from stpi.store.core import now
from tests.cli.clitools import run_main


def test_unlock_clears_the_failures_of_every_source_and_is_audited(store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    checked = []
    for source in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        for _ in range(2):
            attempt = logins.reserve(store, "admin", source, attempts=2, minutes=15)
            if attempt is not None:
                logins.settle(store, attempt, ok=False, username="admin", source=source)
                checked.append(source)
    assert len(checked) == 5  # 2 + 2 from the first two sources; the third source's first failure is the evidence that locks
    assert logins.reserve(store, "admin", "203.0.113.1", attempts=2, minutes=15) is None  # held for everyone now
    assert logins.failures(store, minutes=15) == {"admin": 5}
    code, out = run_main(monkeypatch, capsys, "user", "unlock", "admin")
    assert code == 0 and "admin" in out and "5" in out
    assert logins.failures(store, minutes=15) == {}
    assert logins.reserve(store, "admin", "203.0.113.1", attempts=2, minutes=15) is not None
    assert [(e.actor, e.key, e.old) for e in store.audit(action="unlock")] == [("admin", "admin", "5")]
    assert all(e.at >= now() - timedelta(minutes=1) for e in store.audit(action="login_failed"))


def test_unlock_of_an_unknown_account_is_a_clean_error(store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_main(monkeypatch, capsys, "user", "unlock", "nobody")
    assert code == 1 and "nobody" in out and "Traceback" not in out


def test_serve_refuses_a_mistyped_proxy_list(store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_main(monkeypatch, capsys, "serve", "--trusted-proxies", "10.0.0.0/8,not-an-address")
    assert code == 2 and "--trusted-proxies" in out and "Traceback" not in out
