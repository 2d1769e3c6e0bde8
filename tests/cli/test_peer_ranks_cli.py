"""Ranks among peers of one level: the province's cities among themselves, a city's counties among themselves."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner, Result

from stpi.cli import app
from stpi.store import Store
from stpi.store import notes
from tests.cli.clitools import plain
from tests.cli.samples import DATA, FRAMEWORK

runner = CliRunner()


def run(*args: str, ok: bool = True) -> Result:
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    return result


def table(result: Result) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(result.stdout))


def _files(tmp_path: Path, data: str) -> tuple[str, str]:
    fw, values = tmp_path / "fw.csv", tmp_path / "data.csv"
    fw.write_text(FRAMEWORK, encoding="utf-8")
    values.write_text(data, encoding="utf-8")
    return str(fw), str(values)


def _with_column(name: str, labels: dict[str, str]) -> str:
    lines = DATA.strip().splitlines()
    return "\n".join([f"{lines[0]},{name}"] + [f"{line},{labels[line.split(',')[0]]}" for line in lines[1:]]) + "\n"


def test_without_a_level_or_parent_column_every_row_is_a_peer(tmp_path: Path) -> None:
    fw, data = _files(tmp_path, DATA)
    out = table(run("compute", "-f", fw, "-d", data))
    assert sorted(out[(out["year"] == 2023) & (out["code"] == "INDEX")]["rank"]) == [1, 2, 2]


def test_a_parent_column_ranks_within_each_parent(tmp_path: Path) -> None:
    fw, data = _files(tmp_path, _with_column("parent", {"R1": "P1", "R2": "P2", "R3": "P1"}))
    out = table(run("compute", "-f", fw, "-d", data))
    root = out[out["code"] == "INDEX"].set_index(["region", "year"])["rank"]
    assert root[("R2", 2023)] == 1 and root[("R2", 2024)] == 1  # alone under P2
    assert {root[("R1", 2023)], root[("R3", 2023)]} == {1}  # equal values: both first among P1's two
    assert pd.isna(root[("R1", 2024)]) and root[("R3", 2024)] == 1  # R1 lacks X3 in 2024 (propagate)
    assert out["rank"].max() <= 2


def test_a_region_must_keep_one_level(tmp_path: Path) -> None:
    text = _with_column("level", {"R1": "city", "R2": "county", "R3": "city"}).replace("R1,2024,X1,7.5,city", "R1,2024,X1,7.5,county")
    fw, data = _files(tmp_path, text)
    result = run("compute", "-f", fw, "-d", data, ok=False)
    assert result.exit_code != 0
    message = plain(result.output + str(result.exception))
    assert "level" in message and "11" in message  # the row with the other level


def test_after_demo_load_longnan_ranks_among_the_fourteen_cities(store: Store) -> None:
    run("demo", "load", "--years", "2024,2025", "--seed", "11")
    published = {(p.region, p.year): p.rank for p in notes.published_results(store)}
    out = table(run("compute"))
    root = out[out["code"] == "INDEX"]
    cities = {r.name for r in store.regions("city")}
    counties = {r.name for r in store.regions("county")}
    for year in (2024, 2025):
        now = root[root["year"] == year].set_index("region")["rank"]
        assert sorted(now[list(cities)]) == list(range(1, 15))
        assert sorted(now[list(counties)]) == list(range(1, 10))
        assert now["陇南市"] == published[("621200", year)]  # what demo load printed
    unc = json.loads(run("uncertainty", "-n", "200", "--sobol-samples", "0", "--json").stdout)
    longnan = next(r for r in unc["regions"] if r["region"] == "陇南市")
    assert longnan["of"] == 14 and longnan["rank"] == published[("621200", 2025)]
    assert max(r["rank_p95"] for r in unc["regions"] if r["region"] in counties) <= 9


def test_a_level_given_once_per_region_is_enough(tmp_path: Path) -> None:
    text = _with_column("level", {"R1": "city", "R2": "county", "R3": "city"})
    lines, seen = text.splitlines(), set()
    body = []
    for ln in lines[1:]:  # the level on each region's first row only, blank after it
        region = ln.split(",")[0]
        body.append(ln if region not in seen else ln.rsplit(",", 1)[0] + ",")
        seen.add(region)
    text = "\n".join([lines[0], *body]) + "\n"
    fw, data = _files(tmp_path, text)
    out = table(run("compute", "-f", fw, "-d", data))
    root = out[(out["code"] == "INDEX") & (out["year"] == 2023)].set_index("region")["rank"]
    assert root["R2"] == 1 and root["R1"] == root["R3"] == 1  # R2 alone among the counties; R1 and R3 tie among the cities
