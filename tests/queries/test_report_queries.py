"""gather_workbook and gather_assessment on a seeded store."""

from __future__ import annotations

from pathlib import Path

import pytest

from stpi import service
from stpi.analysis.track import track
from stpi.errors import InputError
from stpi.queries.assessment import assessment_rules, gather_assessment
from stpi.queries.workbook import ASSESSMENT_COLUMNS, gather_workbook
from stpi.store import Store
from tests.queries.seeds import city_2023
from tests.readkit import read


def test_workbook_without_figures_shows_the_plans_scenarios(store: Store) -> None:
    plan = store.plan()
    data = gather_workbook(read(None))
    assert data.scenarios and data.figures.empty and data.assessment is None
    assert data.region == plan.region and len(data.plan_rows) == len(plan.indicators)
    assert data.results["rank"].isna().all() and set(data.results["code"]) >= {i.code for i in plan.indicators}


def test_workbook_with_figures(store: Store) -> None:
    city_2023(store)
    plan, fw = store.plan(), store.framework()
    data = gather_workbook(read(None), year=2023)
    assert not data.scenarios and set(data.figures["period"]) == {"2023"} and (data.figures["status"] == "approved").all()
    expected = track(plan, fw, read(None).figures())
    assert len(data.progress) == int((expected["year"] == 2023).sum())
    assert data.assessment is not None and list(data.assessment.columns[1:-1]) == list(ASSESSMENT_COLUMNS.values())
    assert len(data.assessment) == len(plan.departments)


def test_gather_assessment(store: Store, tmp_path: Path) -> None:
    city_2023(store)
    plan, result = gather_assessment(read(None), year=2023)
    assert result.year == 2023 and result.rules == assessment_rules() and result.rules.illustrative
    assert sorted(result.summary["department"]) == sorted(d.code for d in plan.departments)
    assert list(result.summary["rank"]) == sorted(result.summary["rank"])
    bad = tmp_path / "rules.yaml"
    bad.write_text("meta: {title: x}\n", encoding="utf-8")
    with pytest.raises(InputError):
        gather_assessment(read(None), year=2023, rules_path=str(bad))
