"""A county version of the framework: the counties' indices use it; the city's index does not."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from stpi import service
from stpi.cli import app
from stpi.errors import InputError
from stpi.store import Store
from tests.cli.clitools import plain
from tests.queries.seeds import counties_2023
from tests.readkit import plan_fw

runner = CliRunner()


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return plain(result.output)


def _counties() -> dict[str, float]:
    payload = json.loads(_run("report", "counties", "--json"))
    assert payload["framework"]  # the report names the framework its indices use
    return {r["region"]: r["index"] for r in payload["index"]}


def _exported(tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "city.csv"
    _run("framework", "export", "--format", "csv", "--output", str(path))
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_county_version_drives_the_county_index_only(store: Store, tmp_path: Path) -> None:
    counties_2023(store)
    assert _counties()["武都区"] == pytest.approx(43.26)  # no county version yet: the city's framework
    city_before = plan_fw(None)[1].fingerprint()
    table = _exported(tmp_path)
    leaf = table["standard"] != ""
    table.loc[leaf, "standard"] = [repr(2 * float(v)) for v in table.loc[leaf, "standard"]]  # counties held to twice the standard
    table.loc[leaf, "standard_provenance"] = ""
    county_file = tmp_path / "county.csv"
    table.to_csv(county_file, index=False)
    _run("framework", "import", str(county_file), "--county", "--source", "县区科技进步监测办法(测试)")
    assert _counties()["武都区"] == pytest.approx(43.26 / 2)  # every score halves: none was capped
    assert plan_fw(None)[1].fingerprint() == city_before  # the city keeps its own
    assert len(store.framework_versions("county")) == 1 and len(store.framework_versions()) == 1
    assert any(e.key.endswith("(county)") for e in store.audit(entity="framework"))


def test_county_version_may_only_use_city_indicators(store: Store, tmp_path: Path) -> None:
    table = _exported(tmp_path)
    table.loc[table["code"] == "I32", "code"] = "X99"
    bad = tmp_path / "bad.csv"
    table.to_csv(bad, index=False)
    result = runner.invoke(app, ["framework", "import", str(bad), "--county", "--source", "测试"])
    assert isinstance(result.exception, InputError) and "X99" in str(result.exception)
    assert store.framework_versions("county") == []
