"""Departments' annual assessment (年度考核): a score per department from configurable rules.

The plan (三、保障措施 (三) 强化督考评估) makes the yearly evaluation of every task a basis of
each department's annual performance assessment. The rules are a YAML file (the embedded
``assessment-rules.yaml`` is an illustrative default, 示意规则). For every department and every
indicator it leads or shares, with role weight w (lead / responsible):

=====  ==========================================================================
part   points earned (and the most it could earn)
=====  ==========================================================================
A      w × achievement.points × share of the indicator's track status in the year (an
       indicator without a baseline is measured from its first year with data, as track does)
T      w × timeliness.points × share of on_time / late / missing (first batch time
       of the year's figure against the deadline)
Q      w × max(0, quality.points − returns × quality.per_return); 0 when missing
B      w × bonus.early_target when the target is reached before the target year
=====  ==========================================================================

A department's score is 100 × earned / possible (``total.method: percent``) or the
points earned (``sum``); bonuses (capped at ``bonus.cap``) are added; the total is capped
at ``total.cap``. Ranks: 1 = highest, ties share the best rank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from stpi.analysis.track import start_note
from stpi.analysis.assessment_words import cap_words, item_words, supervision_words
from stpi.errors import InputError, NotFoundError, Problem
from stpi.framework.plan import Plan

__all__ = ["NO_DATA", "STATUSES", "TIMELINESS", "Assessment", "Rules", "assess", "load_rules", "require_data", "rules_from_text", "timeliness_status"]

STATUSES = ("reached", "on_track", "moderate", "limited", "deterioration", "baseline_only", "no_data")
TIMELINESS = ("on_time", "late", "missing")
METHODS = ("percent", "sum")
NO_DATA = ("{region}{year}年度尚无任何指标数据（既无审核通过的数据，也无部门报送），无法考核；请在数据报送并审核通过后再生成考核结果。",
           "{region} has no figures for {year} (none approved, none submitted): there is nothing to assess yet.")

# expected layout: section -> key -> kind; "shares:<names>" is a mapping of those names to shares in [0, 1]
SCHEMA: dict[str, dict[str, str]] = {
    "meta": {"title": "text", "illustrative": "bool", "issuer": "text", "note": "text"},
    "roles": {"lead": "share", "responsible": "share"},
    "achievement": {"points": "points", "shares": "shares:" + ",".join(STATUSES)},
    "timeliness": {"points": "points", "deadline": "deadline", "shares": "shares:" + ",".join(TIMELINESS)},
    "quality": {"points": "points", "per_return": "points"},
    "bonus": {"early_target": "points", "cap": "points"},
    "total": {"method": "method", "cap": "points"},
    "supervision": {"per_late": "points", "cap": "points"},
}
OPTIONAL = {("meta", "note")}
OPTIONAL_SECTIONS = {"supervision"}  # rules written before 督办 existed stay valid: no deduction


@dataclass(frozen=True)
class Rules:
    """A validated set of assessment rules (see the module docstring for their meaning)."""

    title: str
    illustrative: bool
    issuer: str
    roles: dict[str, float]
    achievement_points: float
    achievement: dict[str, float]
    timeliness_points: float
    deadline: str
    timeliness: dict[str, float]
    quality_points: float
    per_return: float
    early_target: float
    bonus_cap: float
    method: str
    total_cap: float
    note: str = ""
    source: str = ""
    supervision_per_late: float = 0.0  # points off per supervision notice replied to late, or overdue unreplied
    supervision_cap: float = 0.0  # at most this much off in all

    def deadline_for(self, year: int) -> date:
        """The submission deadline of ``year``'s figures: 'MM-DD' falls in the following year."""
        if len(self.deadline) == 5:
            return date.fromisoformat(f"{year + 1}-{self.deadline}")
        return date.fromisoformat(self.deadline)


@dataclass(frozen=True)
class Assessment:
    """The result: ``summary`` one row per department, ``detail`` one row per point-giving rule."""

    year: int
    rules: Rules
    summary: pd.DataFrame
    detail: pd.DataFrame
    demo: bool = False  # computed from synthetic demo data: every document says so
    empty: bool = False  # the year has no figure and no submission: every point is a zero, the documents say 无数据
    missing: tuple[str, ...] = ()  # the year is incomplete: these indicators have no approved figure; the documents say so


# ---------------------------------------------------------------- rules file


def load_rules(path: str | Path) -> Rules:
    """Load and validate a rules file; every problem is reported at once (file, line, key, reason)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError([Problem(str(path), None, None, f"无法读取考核规则 cannot read the rules: {exc}")]) from exc
    return _rules_cached(text, str(path))


@lru_cache(maxsize=8)
def _rules_cached(text: str, where: str) -> Rules:
    """Rules parsed once per text (the file is read every time, so an edited file is seen at once)."""
    return rules_from_text(text, where)


def _lines(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    """1-based line of every key path ('a.b') in a YAML document."""
    found: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            found[path] = key.start_mark.line + 1
            found.update(_lines(value, path))
    return found


def rules_from_text(text: str, where: str) -> Rules:
    """Rules from YAML text; ``where`` names the source in problems.

    Raises
    ------
    InputError
        Listing every unknown key, missing section or key, non-numeric value, share
        outside [0, 1], negative points, bad deadline or method.
    """
    try:
        doc = yaml.safe_load(text)
        lines = _lines(yaml.compose(text))
    except yaml.YAMLError as exc:
        raise InputError([Problem(where, None, None, f"YAML 格式错误 malformed YAML: {exc}")]) from exc
    if not isinstance(doc, dict):
        raise InputError([Problem(where, None, None, "考核规则应为键值映射 the rules must be a mapping")])
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key in doc:
        if key not in SCHEMA:
            problems.append(Problem(where, lines.get(str(key)), str(key), f"未知的部分 unknown section; 可选 valid: {', '.join(SCHEMA)}"))
    for section, keys in SCHEMA.items():
        body = doc.get(section)
        if section in OPTIONAL_SECTIONS and section not in doc:
            continue
        if not isinstance(body, dict):
            problems.append(Problem(where, lines.get(section), section, "缺少该部分或不是映射 missing section, or not a mapping"))
            continue
        for key in body:
            if key not in keys:
                problems.append(Problem(where, lines.get(f"{section}.{key}"), f"{section}.{key}", f"未知的键 unknown key; 可选 valid: {', '.join(keys)}"))
        for key, kind in keys.items():
            path = f"{section}.{key}"
            if key not in body:
                if (section, key) not in OPTIONAL:
                    problems.append(Problem(where, lines.get(section), path, "缺少该键 missing key"))
                continue
            values[path] = _check(body[key], kind, path, where, lines, problems)
    if not problems:
        problems += _meaningless(values, where, lines)
    if problems:
        raise InputError(problems)
    return _rules(values, where)


# a slower status (timeliness) never earns a larger share than a faster one
_ORDERS = (("achievement.shares", STATUSES[:5], ("已达标", "按进度推进", "进展一般", "进展有限", "倒退")),
           ("timeliness.shares", TIMELINESS, ("按时报送", "逾期报送", "未报送")))


def _meaningless(v: dict[str, Any], where: str, lines: dict[str, int]) -> list[Problem]:
    """Values each valid alone but meaningless as rules: caps that void what they cap, points nobody can earn, inverted shares."""
    found: list[Problem] = []

    def bad(path: str, reason: str) -> None:
        section, _, key = path.rpartition(".")
        value = v[path] if path in v else v[section][key]  # a share sits inside its section's mapping
        found.append(Problem(where, lines.get(path), path, reason, repr(value)))

    if v["total.cap"] <= 0:
        bad("total.cap", "总分封顶应大于 0 分，否则所有部门总分均为 0 the total cap must be above 0, or every total is 0")
    if v["bonus.cap"] <= 0 < v["bonus.early_target"]:
        bad("bonus.cap", "加分封顶为 0 时提前达标加分永远不计；不设加分请把 bonus.early_target 设为 0 a cap of 0 voids the bonus: set bonus.early_target to 0 instead")
    if v.get("supervision.cap", 0.0) <= 0 < v.get("supervision.per_late", 0.0):
        bad("supervision.cap", "扣分封顶为 0 时督办扣分永远不计；不扣分请把 supervision.per_late 设为 0 a cap of 0 voids the deduction: set supervision.per_late to 0 instead")
    if v["achievement.points"] + v["timeliness.points"] + v["quality.points"] <= 0:
        bad("achievement.points", "达成分、报送分、质量分全为 0，无从计分 achievement, timeliness and quality points are all 0: nothing can be earned")
    if v["roles.lead"] <= 0:
        bad("roles.lead", "牵头权重应大于 0，否则牵头单位不得分 the lead weight must be above 0, or leads earn nothing")
    elif v["roles.responsible"] > v["roles.lead"]:
        bad("roles.responsible", f"责任单位权重不应高于牵头权重 {v['roles.lead']:g} the responsible weight must not exceed the lead weight")
    for path, keys, words in _ORDERS:
        shares = v[path]
        for k in range(1, len(keys)):
            if shares[keys[k]] > shares[keys[k - 1]]:
                bad(f"{path}.{keys[k]}", f"“{words[k]}”的比例高于“{words[k - 1]}”的 {shares[keys[k - 1]]:g}：进度越慢（报送越迟）得分应越少 "
                                          f"'{keys[k]}' earns more than '{keys[k - 1]}' ({shares[keys[k - 1]]:g})")
    return found


def _check(value: Any, kind: str, path: str, where: str, lines: dict[str, int], problems: list[Problem]) -> Any:
    def bad(reason: str, shown: Any = value) -> None:
        problems.append(Problem(where, lines.get(path), path, reason, repr(shown)))

    if kind.startswith("shares:"):
        names = kind.split(":", 1)[1].split(",")
        if not isinstance(value, dict):
            bad(f"应为映射 should map {', '.join(names)} to shares")
            return None
        shares = {}
        for name in value:
            if name not in names:
                problems.append(Problem(where, lines.get(f"{path}.{name}"), f"{path}.{name}", f"未知的键 unknown key; 可选 valid: {', '.join(names)}"))
        for name in names:
            if name not in value:
                problems.append(Problem(where, lines.get(path), f"{path}.{name}", "缺少该键 missing key"))
            else:
                shares[name] = _check(value[name], "share", f"{path}.{name}", where, lines, problems)
        return shares
    if kind in ("share", "points"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            bad("应为数字 not a number")
        elif kind == "share" and not 0 <= value <= 1:
            bad("权重/比例应在 [0, 1] 之间 weight or share outside [0, 1]")
        elif value < 0:
            bad("分值不能为负 points cannot be negative")
        else:
            return float(value)
        return None
    if kind == "bool" and not isinstance(value, bool):
        bad("应为 true 或 false should be true or false")
    if kind == "method" and value not in METHODS:
        bad(f"未知的计分方式 unknown method; 可选 valid: {', '.join(METHODS)}")
    if kind == "deadline" and not _deadline_ok(value):
        bad("截止日期应为 MM-DD(次年)或 YYYY-MM-DD deadline should be MM-DD (of the following year) or YYYY-MM-DD")
    if kind == "text" and not isinstance(value, str):
        bad("应为文字 should be text")
    elif kind == "text" and not value.strip() and path != "meta.note":
        bad("不能为空 cannot be empty")
    return value


def _deadline_ok(value: Any) -> bool:
    text = value.isoformat() if isinstance(value, date) else str(value)
    try:
        date.fromisoformat(f"2001-{text}" if len(text) == 5 else text)
    except ValueError:
        return False
    return True


def _rules(v: dict[str, Any], where: str) -> Rules:
    deadline = v["timeliness.deadline"]
    return Rules(
        title=v["meta.title"], illustrative=v["meta.illustrative"], issuer=v["meta.issuer"], note=v.get("meta.note") or "",
        roles=dict(lead=v["roles.lead"], responsible=v["roles.responsible"]),
        achievement_points=v["achievement.points"], achievement=v["achievement.shares"],
        timeliness_points=v["timeliness.points"], timeliness=v["timeliness.shares"],
        deadline=deadline.isoformat() if isinstance(deadline, date) else str(deadline),
        quality_points=v["quality.points"], per_return=v["quality.per_return"],
        early_target=v["bonus.early_target"], bonus_cap=v["bonus.cap"],
        method=v["total.method"], total_cap=v["total.cap"], source=where,
        supervision_per_late=v.get("supervision.per_late", 0.0), supervision_cap=v.get("supervision.cap", 0.0),
    )


# ------------------------------------------------------------------- scoring


def timeliness_status(submitted_at: datetime | None, deadline: date) -> str:
    """'on_time' when the first batch is on or before the deadline day, 'late' after it, else 'missing'."""
    if submitted_at is None or pd.isna(submitted_at):
        return "missing"
    return "on_time" if submitted_at.date() <= deadline else "late"


_DETAIL = ["department", "code", "indicator", "role", "role_weight", "part", "rule", "rule_name", "rule_name_en", "rule_text", "rule_text_en",
           "basis", "basis_en", "formula", "formula_en", "points", "max_points"]
_SUMMARY = ["rank", "department", "name", "indicators", "lead", "responsible", "earned", "possible", "score", "bonus", "deduction", "total", "capped"]


def assess(plan: Plan, status: pd.DataFrame, submissions: pd.DataFrame, rules: Rules, *, year: int, late_notices: pd.DataFrame | None = None) -> Assessment:
    """Score every department owning an indicator of the plan.

    Parameters
    ----------
    plan : the plan (indicators with their lead and responsible departments)
    status : DataFrame, one row per indicator: code, status (a track status of ``year``);
        missing indicators count as ``no_data``; an optional ``start_year`` column (track's)
        names the start of an indicator measured without a baseline, shown in the basis
    submissions : DataFrame, one row per indicator: code, submitted_at (first batch time
        of the year's figure, NaT when none), returns (times a figure was returned), and
        optionally deadline (the figure's own deadline in the round, a date, or None)
    rules : the rules
    year : the assessed year
    late_notices : DataFrame, one row per supervision notice of the year replied to late or overdue
        without a reply: department, number; each costs ``supervision.per_late`` points off the
        department's total, at most ``supervision.cap`` in all (part D)

    Returns
    -------
    Assessment
        ``summary`` (n_departments rows): rank, department, name, indicators, lead,
        responsible, earned, possible, score, bonus, deduction (督办), total, capped (rule ids);
        ``detail``: one row per department × indicator × part: the rule id, and in Chinese and
        English (``…_en``) its name, its text, the evidence (``basis``) and the sum (``formula``);
        ``empty`` when the year has neither a status other than no_data nor a submission.
    """
    by_status = dict(zip(status["code"], status["status"])) if len(status) else {}
    starts = dict(zip(status["code"], status["start_year"])) if len(status) and "start_year" in status else {}
    subs = {str(c): (at, int(n)) for c, at, n in zip(submissions["code"], submissions["submitted_at"], submissions["returns"])}
    # a figure's own deadline (a reporter given more time in the round); the rules' deadline otherwise
    dues = {str(c): d for c, d in zip(submissions["code"], submissions["deadline"]) if isinstance(d, date)} if "deadline" in submissions else {}
    rows: list[dict[str, Any]] = []
    for ind in plan.indicators:
        for dep in dict.fromkeys(ind.lead + ind.responsible):
            role = "lead" if dep in ind.lead else "responsible"
            at, returns = subs.get(ind.code, (None, 0))
            base = dict(department=dep, code=ind.code, indicator=ind.name, role=role, role_weight=rules.roles[role])
            note = start_note(starts.get(ind.code), plan.baseline_year)
            start = None if note is None else (note.zh, note.en)
            rows += _items(base, by_status.get(ind.code, "no_data"), at, returns, rules, year, plan.target_year, start, dues.get(ind.code))
    detail = pd.DataFrame(rows, columns=_DETAIL)
    late: dict[str, list[str]] = {}
    if late_notices is not None:
        for dep, number in zip(late_notices["department"], late_notices["number"]):
            late.setdefault(str(dep), []).append(str(number))
    summary, caps = _summary(plan, detail, rules, year, late)
    detail = pd.concat([detail, pd.DataFrame(caps, columns=_DETAIL)], ignore_index=True) if caps else detail
    order = {d: k for k, d in enumerate(summary["department"])}
    detail = detail.sort_values("department", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    empty = all(by_status.get(i.code, "no_data") == "no_data" and pd.isna(subs.get(i.code, (None, 0))[0]) for i in plan.indicators)
    return Assessment(year, rules, summary, detail, empty=empty)


def require_data(a: Assessment, region: str) -> Assessment:
    """``a`` itself, or NotFoundError when its year has neither a figure nor a submission: an assessment of nothing but zeros."""
    if a.empty:
        raise NotFoundError(NO_DATA[0].format(region=region, year=a.year) + " " + NO_DATA[1].format(region=region, year=a.year))
    return a


def _items(base: dict[str, Any], status: str, at: Any, returns: int, r: Rules, year: int, target_year: int,
           start: tuple[str, str] | None = None, due: date | None = None) -> list[dict[str, Any]]:
    w, role = float(base["role_weight"]), str(base["role"])
    when = None if at is None or pd.isna(at) else pd.Timestamp(at).to_pydatetime()
    timely = timeliness_status(when, due or r.deadline_for(year))
    quality = "Q-missing" if timely == "missing" else ("Q-returned" if returns else "Q-clean")
    q_points = 0.0 if timely == "missing" else max(0.0, r.quality_points - returns * r.per_return)
    parts = [
        ("A", f"A-{status}", r.achievement_points * r.achievement[status], r.achievement_points),
        ("T", f"T-{timely}", r.timeliness_points * r.timeliness[timely], r.timeliness_points),
        ("Q", quality, q_points, r.quality_points),
    ]
    if status == "reached" and year < target_year and r.early_target > 0:
        parts.append(("B", "B-early", r.early_target, 0.0))
    out = []
    for part, rule, points, most in parts:
        words = item_words(rule, r, role=role, weight=w, points=points, year=year, target_year=target_year,
                           start=start if part == "A" else None, at=when, due=due, returns=returns)
        out.append({**base, "part": part, "rule": rule, **words, "points": w * points, "max_points": w * most})
    return out


def _cap_row(dep: str, part: str, rule: str, words: dict[str, str], points: float) -> dict[str, Any]:
    return dict(department=dep, code="", indicator="", role="", role_weight=float("nan"), part=part, rule=rule, **words, points=points, max_points=0.0)


def _summary(plan: Plan, detail: pd.DataFrame, r: Rules, year: int, late: dict[str, list[str]] | None = None) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    rows, caps = [], []
    # every sum by department at once (one group-by each), then one pass over the plan's departments
    regular, extra = detail[detail["part"] != "B"], detail[detail["part"] == "B"]
    earned_by = regular.groupby("department")["points"].sum().to_dict()
    possible_by = regular.groupby("department")["max_points"].sum().to_dict()
    bonus_by = extra.groupby("department")["points"].sum().to_dict()
    codes = detail.drop_duplicates(["department", "code"])
    count_by = codes.groupby("department").size().to_dict()
    lead_by = codes[codes["role"] == "lead"].groupby("department").size().to_dict()
    resp_by = codes[codes["role"] == "responsible"].groupby("department").size().to_dict()
    present = set(detail["department"])
    for dep in plan.departments:
        if dep.code not in present:
            continue  # owns no indicator: nothing to assess
        earned, possible = float(earned_by.get(dep.code, 0.0)), float(possible_by.get(dep.code, 0.0))
        score = (100 * earned / possible if possible else 0.0) if r.method == "percent" else earned
        raw_bonus = float(bonus_by.get(dep.code, 0.0))
        bonus = min(raw_bonus, r.bonus_cap)
        total = min(score + bonus, r.total_cap)
        capped = []
        for rule, before, after in (("B-cap", raw_bonus, bonus), ("C-total", score + bonus, total)):
            if after < before:
                capped.append(rule)
                caps.append(_cap_row(dep.code, "C", rule, cap_words(rule, r, year, score=score, bonus=bonus, before=before, after=after), after - before))
        numbers = (late or {}).get(dep.code, [])
        off = min(r.supervision_cap, len(numbers) * r.supervision_per_late, total)
        if off > 0:  # 督办 answered late: off the total, after the caps
            caps.append(_cap_row(dep.code, "D", "D-supervision", supervision_words(r, year, numbers, off), -off))
            total -= off
        rows.append(dict(department=dep.code, name=dep.name, indicators=int(count_by.get(dep.code, 0)), lead=int(lead_by.get(dep.code, 0)),
                         responsible=int(resp_by.get(dep.code, 0)), earned=earned, possible=possible, score=score, bonus=bonus,
                         deduction=max(off, 0.0), total=total, capped=",".join(capped)))
    summary = pd.DataFrame(rows, columns=[c for c in _SUMMARY if c != "rank"])
    summary = summary.sort_values(["total", "department"], ascending=[False, True], kind="stable").reset_index(drop=True)
    summary.insert(0, "rank", summary["total"].round(9).rank(method="min", ascending=False).astype(int))
    return summary, caps
