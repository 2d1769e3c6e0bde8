"""Every query test runs on its own fresh store, as the command-line tests do (the same fixtures)."""

from __future__ import annotations

from tests.cli.conftest import isolated, store

__all__ = ["isolated", "store"]
