"""Fixtures: the test template spec, and the template written from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_support import Blob, make_spec

from stpi.ingest import TemplateSpec, write_template


@pytest.fixture
def spec() -> TemplateSpec:
    return make_spec()


@pytest.fixture
def template(tmp_path: Path, spec: TemplateSpec) -> Path:
    """A freshly written, empty template."""
    path = tmp_path / "template.xlsx"
    write_template(spec, path)
    return path


@pytest.fixture(scope="session")
def template_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of the empty template, for tests that build many variants."""
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    write_template(make_spec(), path)
    return Blob(path.read_bytes())
