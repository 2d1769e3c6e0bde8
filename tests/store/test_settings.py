"""Settings: one declarative list, documented, validated, audited; the embedded store opens the overview."""

from __future__ import annotations

from pathlib import Path

import pytest

from stpi.errors import InputError
from stpi.store import Store
from stpi.store.settings import SETTINGS, get_setting, session_secret, set_setting, settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme() -> None:
    assert [s.key for s in SETTINGS if f"`{s.key}`" not in README] == []


def test_set_validates_parses_and_audits(store: Store) -> None:
    assert settings(store)["public_overview"] is False  # a store opened by URL is a production store: closed
    assert set_setting(store, "upload_limit_mb", "20", actor="admin") == 20
    assert set_setting(store, "public_overview", "是", actor="admin") is True
    for key, value in (("upload_limit_mb", "0"), ("upload_limit_mb", "ten"), ("public_overview", "maybe"), ("no_such", "1")):
        with pytest.raises(InputError):
            set_setting(store, key, value, actor="admin")
    assert get_setting(store, "upload_limit_mb") == 20
    changes = [(e.key, e.old, e.new) for e in store.audit(entity="setting")]
    assert changes == [("public_overview", "", "true"), ("upload_limit_mb", "", "20")]


def test_session_secret_is_made_once_and_shared(store: Store) -> None:
    first = session_secret(store)
    other = Store(store.url)  # another worker on the same database
    try:
        assert len(first) > 40 and session_secret(other) == first
    finally:
        other.close()


def test_embedded_default_store_opens_the_overview(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STPI_HOME", str(tmp_path))
    monkeypatch.delenv("STPI_DATABASE_URL", raising=False)
    st = Store()
    assert st.embedded and settings(st)["public_overview"] is True
    st.close()
