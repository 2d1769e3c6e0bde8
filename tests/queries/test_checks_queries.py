"""warnings_report and counties_report on a seeded store, and the files of reports.checks read back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from stpi import service
from stpi.analysis.counties import county_index
from stpi.analysis.track import track
from stpi.analysis.warnings import early_warnings
from stpi.queries.checks import counties_payload, counties_report, department_names, warnings_payload, warnings_report
from stpi.reports.checks import write_counties, write_warnings
from stpi.store import Store
from tests.queries.seeds import COUNTIES, city_2023, counties_2023
from tests.readkit import read


def test_counties_report_with_county_figures(store: Store, tmp_path: Path) -> None:
    counties_2023(store)
    plan, fw, rep = counties_report(read(None), year=2023, tolerance=0.005, missing="reweight")
    assert rep.city == plan.region and len(rep.counties) == 9 and set(COUNTIES.values()) <= set(rep.counties)
    engine = county_index(fw, read(None).figures(), list(COUNTIES.values()))
    assert rep.index[["region", "index", "rank"]].to_dict("records") == engine[["region", "index", "rank"]].to_dict("records")
    bad = rep.sums[rep.sums["status"] == "mismatch"]
    assert list(bad["variable"]) == ["rd_personnel"] and float(bad["difference"].iloc[0]) == pytest.approx(950.0 - 1000.0)
    payload = counties_payload(rep, fw)
    assert json.loads(json.dumps(payload))["index"][0]["region"] == rep.index["region"].iloc[0]
    path = tmp_path / "县区.xlsx"
    write_counties(rep, fw, str(path))
    book = load_workbook(path, read_only=True)
    try:
        assert book.sheetnames == ["县区指数 Index", "县区目标 Targets", "县区合计核对 Sums", "说明 Notes"]
        rows = list(book["县区指数 Index"].iter_rows(min_row=2, values_only=True))
        assert [r[0] for r in rows] == list(rep.index["region"])
    finally:
        book.close()


def test_warnings_report_matches_early_warnings(store: Store, tmp_path: Path) -> None:
    city_2023(store, share=0.1)
    plan, fw, table, year = warnings_report(read(None), year=None, years=1, path=None, missing="reweight")
    engine = early_warnings(track(plan, fw, read(None).figures()), plan, fw)
    assert year == 2023 and list(table["code"]) == list(engine["code"]) and len(table) > 0
    assert list(table["lead_names"]) == [department_names(plan, c) for c in engine["lead"]]
    payload = warnings_payload(plan, fw, table, year, 1)
    assert payload["year"] == 2023 and payload["illustrative_parameters"] is True and len(payload["rows"]) == len(table)
    path = tmp_path / "预警.csv"
    write_warnings(table, fw, year, str(path))
    with path.open(encoding="utf-8") as f:
        assert [r["代码 Code"] for r in csv.DictReader(f)] == list(table["code"])
