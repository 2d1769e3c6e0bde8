"""The departments' annual assessment (年度考核): the rules and the scores, read from the store."""

from __future__ import annotations

from importlib import resources

from dataclasses import replace

from stpi.readmodel import Snapshot
from stpi import service
from stpi.store.settings import is_demo
from stpi.analysis.assessment import Assessment, Rules, load_rules
from stpi.framework.embedded import embedded_variables
from stpi.framework.plan import Plan
from stpi.queries.complete import missing_indicators
from stpi.reports.assessment_doc import gather

__all__ = ["DEFAULT_RULES", "assessment_rules", "gather_assessment"]

DEFAULT_RULES = "assessment-rules.yaml"


def assessment_rules(rules_path: str | None = None) -> Rules:
    """The rules in ``rules_path``, or the embedded (illustrative) rules."""
    return load_rules(rules_path) if rules_path else load_rules(str(resources.files("stpi") / "data" / DEFAULT_RULES))


def gather_assessment(snap: Snapshot, *, year: int, rules_path: str | None = None) -> tuple[Plan, Assessment]:
    """The plan and the assessment of ``year`` (its rules in ``.rules``): what the xlsx/docx writers and the JSON need."""
    def build() -> tuple[Plan, Assessment]:
        rules = assessment_rules(rules_path)
        plan, fw = snap.plan(), snap.framework(year)
        figures = snap.figures()
        result = gather(snap.source, plan, fw, figures, rules, year, embedded_variables()[1])
        missing = () if year == plan.baseline_year or result.empty else missing_indicators(plan, fw, figures, year)
        return plan, replace(result, demo=snap.demo, missing=missing)

    return snap.memo.get(("assessment", year, rules_path), build)
