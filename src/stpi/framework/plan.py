"""A region's plan: goal, per-indicator baselines and targets, and departments."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stpi.tables import load_yaml
from stpi.errors import InputError, NotFoundError, Problem
from stpi.framework.model import Framework

__all__ = ["Department", "Goal", "Note", "Plan", "PlanIndicator", "SubTarget", "load_plan", "plan_from_text"]


@dataclass(frozen=True)
class Department:
    """A department that leads or shares responsibility for indicators."""

    code: str
    name: str
    name_en: str = ""

    def label(self, lang: str = "zh") -> str:
        """Name in the given language."""
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Note:
    """A remark in Chinese with its English version."""

    zh: str
    en: str = ""

    def label(self, lang: str = "zh") -> str:
        """The remark in the given language, falling back to Chinese."""
        return self.en if lang == "en" and self.en else self.zh


@dataclass(frozen=True)
class SubTarget:
    """A target for part of the region (e.g. city level, counties) of one indicator."""

    scope: str
    name: str
    target: float


@dataclass(frozen=True)
class PlanIndicator:
    """What the plan says of one indicator."""

    no: int
    code: str
    group: str
    name: str
    unit: str
    baseline: float | None
    target: float
    target_at_least: bool
    rank_goal: str
    lead: tuple[str, ...]
    responsible: tuple[str, ...]
    measures: str = ""
    source: str = ""
    name_en: str = ""
    unit_en: str = ""
    decimals: int = 2
    note: str = ""
    note_en: str = ""
    sub_targets: tuple[SubTarget, ...] = ()

    def note_label(self, lang: str = "zh") -> str:
        """The data-quality note in the given language."""
        return Note(self.note, self.note_en).label(lang)

    def label(self, lang: str = "zh") -> str:
        """Name in the given language."""
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Goal:
    """The plan's overall goal for the composite index and the rank."""

    index: float
    at_least: bool
    rank: int
    rank_approx: bool
    regions: int
    text: str = ""


@dataclass(frozen=True, eq=False)
class Plan:
    """A region's plan to raise its index."""

    id: str
    title: str
    region: str
    framework: str
    baseline_year: int
    target_year: int
    goal: Goal
    departments: tuple[Department, ...]
    indicators: tuple[PlanIndicator, ...]
    region_en: str = ""
    province: str = ""
    title_en: str = ""
    issued: str = ""
    source: str = ""
    provenance: str = ""
    notes: tuple[Note, ...] = field(default_factory=tuple)
    milestone_path: str = "linear"  # how milestones run from baseline to target: linear or compound

    def indicator(self, code: str) -> PlanIndicator:
        """The plan entry of one indicator, by code (I13) or number (13)."""
        for ind in self.indicators:
            if code in (ind.code, str(ind.no)):
                return ind
        raise NotFoundError(f"实施方案中没有指标 no indicator {code!r} in the plan")

    def department(self, code_or_name: str) -> Department:
        """A department by code or Chinese name."""
        for d in self.departments:
            if code_or_name in (d.code, d.name, d.name_en):
                return d
        raise NotFoundError(f"没有该部门 no department {code_or_name!r}")

    def region_label(self, lang: str = "zh") -> str:
        """Region name in the given language."""
        return self.region_en if lang == "en" and self.region_en else self.region

    def check_against(self, fw: Framework) -> None:
        """Fail unless every plan indicator is a leaf of the framework and vice versa."""
        problems = []
        leaves = {n.code for n in fw.leaves}
        for ind in self.indicators:
            if ind.code not in leaves:
                problems.append(Problem(fw.id, None, "code", "实施方案的指标不在指标框架中 plan indicator not in framework", ind.code))
        for code in sorted(leaves - {i.code for i in self.indicators}):
            problems.append(Problem(fw.id, None, "code", "指标框架的指标不在实施方案中 framework indicator not in plan", code))
        if problems:
            raise InputError(problems)


def _indicator(item: dict[str, Any]) -> PlanIndicator:
    subs = tuple(SubTarget(**s) for s in item.pop("sub_targets", []) or [])
    item["lead"] = tuple(item.get("lead") or ())
    item["responsible"] = tuple(item.get("responsible") or ())
    return PlanIndicator(sub_targets=subs, **item)


def load_plan(path: str | Path) -> Plan:
    """Load a plan from YAML."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError([Problem(str(path), None, None, f"无法读取实施方案 cannot read plan: {exc}")]) from exc
    return plan_from_text(text, str(path))


def plan_from_text(text: str, where: str) -> Plan:
    """A plan from its YAML text; ``where`` names the source in error messages."""
    path = where
    try:
        doc = load_yaml(text)
        head = dict(doc["plan"])
        goal = Goal(**head.pop("goal"))
        departments = tuple(Department(**d) for d in doc["departments"])
        indicators = tuple(_indicator(dict(i)) for i in doc["indicators"])
        head["notes"] = tuple(Note(**n) if isinstance(n, dict) else Note(str(n)) for n in head.get("notes") or ())
        head["issued"] = str(head.get("issued", ""))
        plan = Plan(goal=goal, departments=departments, indicators=indicators, **head)
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise InputError([Problem(str(path), None, None, f"实施方案文件无效 invalid plan file: {exc}")]) from exc
    known = {d.code for d in departments}
    problems = [
        Problem(str(path), ind.no, "lead/responsible", "未知部门代码 unknown department code", code)
        for ind in indicators
        for code in ind.lead + ind.responsible
        if code not in known
    ]
    if problems:
        raise InputError(problems)
    return plan
