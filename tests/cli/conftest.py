"""Every command-line test runs in its own data folder, in Chinese, with a wide terminal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stpi.i18n import set_lang
from stpi.store import Store


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh STPI_HOME (so a fresh SQLite store), no inherited database, user or language."""
    monkeypatch.setenv("STPI_HOME", str(tmp_path / "home"))
    for name in ("STPI_DATABASE_URL", "STPI_USER", "STPI_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "400")
    yield
    set_lang(None)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """The store the commands of this test use."""
    st = Store(f"sqlite:///{tmp_path / 'home' / 'stpi.db'}")
    yield st
    st.close()
