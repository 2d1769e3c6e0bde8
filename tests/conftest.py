"""Shared fixtures: small hand-made trees and the embedded Longnan plan."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from stpi.engine import Tree


def make_tree(spec: list[tuple[str, str | None, float, float | None, int | None]]) -> Tree:
    """A tree from (code, parent, weight, standard, direction) rows in topological order."""
    codes = tuple(s[0] for s in spec)
    index = {c: i for i, c in enumerate(codes)}
    leaves = [i for i, s in enumerate(spec) if s[3] is not None]
    return Tree(
        codes=codes,
        parent=np.array([-1 if s[1] is None else index[s[1]] for s in spec], dtype=np.intp),
        weight=np.array([s[2] for s in spec], dtype=float),
        leaves=np.array(leaves, dtype=np.intp),
        standard=np.array([spec[i][3] for i in leaves], dtype=float),
        direction=np.array([spec[i][4] for i in leaves], dtype=float),
    )


@pytest.fixture
def unbalanced() -> Tree:
    """root → A (0.6) → a1, a2 (0.5 each); root → b (0.4), a leaf at depth 1; a2 lower-is-better."""
    return make_tree(
        [
            ("R", None, 1.0, None, None),
            ("A", "R", 0.6, None, None),
            ("b", "R", 0.4, 10.0, 1),
            ("a1", "A", 0.5, 10.0, 1),
            ("a2", "A", 0.5, 10.0, -1),
        ]
    )


# Property tests must not fail because a shared CI machine is busy: no per-example deadline.
from hypothesis import settings as _settings  # noqa: E402

_settings.register_profile("stpi", deadline=None)
_settings.load_profile("stpi")


@pytest.fixture(autouse=True)
def _close_read_stores() -> Iterator[None]:
    """Stores the test opened through tests.readkit are closed after it (no connection left to the garbage collector)."""
    yield
    from tests.readkit import close_opened

    close_opened()
