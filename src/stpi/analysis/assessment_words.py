"""The words of an assessment: each rule's name, what it says, the evidence and the sum behind every point.

Every function returns a ``(Chinese, English)`` pair, so a document in either language shows the
same thing: rule ids (``A-reached``, ``T-late``, ``B-cap`` …) stay in the data, never on paper.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stpi.analysis.assessment import Rules

__all__ = ["STATUS_WORDS", "TIMELY_WORDS", "cap_words", "item_words", "rule_name", "rule_text", "supervision_words"]

Pair = tuple[str, str]

STATUS_WORDS: dict[str, Pair] = {
    "reached": ("已达标", "target reached"), "on_track": ("按进度推进", "on track"), "moderate": ("进展一般", "moderate progress"),
    "limited": ("进展有限", "limited progress"), "deterioration": ("倒退", "deterioration"), "baseline_only": ("仅有基期", "baseline only"),
    "no_data": ("无数据", "no data"),
}
TIMELY_WORDS: dict[str, Pair] = {"on_time": ("按时报送", "on time"), "late": ("逾期报送", "late"), "missing": ("未报送", "not submitted")}
_NAMES: dict[str, Pair] = {
    "Q-clean": ("数据未被退回", "never returned"), "Q-returned": ("数据被退回", "returned"), "Q-missing": ("未报送数据", "not submitted"),
    "B-early": ("提前达标加分", "early-target bonus"), "B-cap": ("加分封顶", "bonus cap"), "C-total": ("总分封顶", "total cap"),
    "D-supervision": ("督办逾期扣分", "late supervision replies"),
}
_WEIGHT: dict[str, Pair] = {"lead": ("牵头权重", "lead weight"), "responsible": ("责任权重", "responsible weight")}


def _g(x: float) -> str:
    """A rule's own number as written in the rules (10, 0.3, 2.5)."""
    return f"{x:g}"


def rule_name(rule: str) -> Pair:
    """The short name of a rule id: 'A-reached' → ('已达标', 'target reached'); an unknown id is returned as it is."""
    part, _, key = rule.partition("-")
    if part == "A" and key in STATUS_WORDS:
        return STATUS_WORDS[key]
    if part == "T" and key in TIMELY_WORDS:
        return TIMELY_WORDS[key]
    return _NAMES.get(rule, (rule, rule))


def rule_text(rule: str, r: Rules, year: int, due: date | None = None) -> Pair:
    """What a rule says, with the numbers in force (``due``: the figure's own deadline, when it has one)."""
    part, _, key = rule.partition("-")
    if part == "A":
        share = r.achievement[key]
        return (f"{year}年进度状态为“{STATUS_WORDS[key][0]}”的指标，得达成分 {_g(r.achievement_points)} 分的 {share:.0%}",
                f"status '{STATUS_WORDS[key][1]}' in {year}: {share:.0%} of {_g(r.achievement_points)} achievement points")
    if part == "T":
        share, day = r.timeliness[key], (due or r.deadline_for(year)).isoformat()
        return (f"{TIMELY_WORDS[key][0]}（截止 {day}）得报送分 {_g(r.timeliness_points)} 分的 {share:.0%}",
                f"{TIMELY_WORDS[key][1]} (deadline {day}): {share:.0%} of {_g(r.timeliness_points)} timeliness points")
    texts: dict[str, Pair] = {
        "Q-clean": (f"数据未被退回，得质量分 {_g(r.quality_points)} 分", f"no figure returned: all {_g(r.quality_points)} quality points"),
        "Q-returned": (f"数据每被退回一次扣 {_g(r.per_return)} 分，最低 0 分（满分 {_g(r.quality_points)} 分）",
                       f"{_g(r.per_return)} points off per return, down to 0 (of {_g(r.quality_points)})"),
        "Q-missing": ("未报送数据，质量分计 0 分", "no figure submitted: no quality points"),
        "B-early": (f"目标年前已达到目标值，加 {_g(r.early_target)} 分", f"target reached before the target year: {_g(r.early_target)} bonus points"),
        "B-cap": (f"加分合计不超过 {_g(r.bonus_cap)} 分", f"bonus capped at {_g(r.bonus_cap)}"),
        "C-total": (f"总分不超过 {_g(r.total_cap)} 分", f"total capped at {_g(r.total_cap)}"),
        "D-supervision": (f"督办单逾期反馈或逾期未反馈，每件扣 {_g(r.supervision_per_late)} 分，最多扣 {_g(r.supervision_cap)} 分",
                          f"supervision notices answered late or overdue: {_g(r.supervision_per_late)} points off each, at most {_g(r.supervision_cap)}"),
    }
    return texts.get(rule, ("", ""))


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def _basis(part: str, key: str, *, year: int, target_year: int, start: Pair | None, at: datetime | None, due: date, returns: int) -> Pair:
    """The evidence of one point, in words."""
    if part == "A":
        zh, en = f"{year}年进度状态：{STATUS_WORDS[key][0]}", f"status in {year}: {STATUS_WORDS[key][1]}"
        return (f"{zh}（{start[0]}）", f"{en} ({start[1]})") if start else (zh, en)
    if part == "T":
        if at is None:
            return (f"截止 {due.isoformat()} 未报送", f"not submitted by {due.isoformat()}")
        when, late = at.strftime("%Y-%m-%d %H:%M"), (at.date() - due).days
        if late > 0:
            return (f"{when} 报送，截止 {due.isoformat()}，逾期 {late} 天", f"submitted {when}, deadline {due.isoformat()}, {late} day(s) late")
        return (f"{when} 报送，截止 {due.isoformat()}", f"submitted {when}, deadline {due.isoformat()}")
    if part == "Q":
        if key == "missing":
            return ("未报送数据", "no figure submitted")
        return ("数据未被退回", "never returned") if returns == 0 else (f"数据被退回 {returns} 次", f"returned {_times(returns)}")
    return (f"{year}年已达到目标值，早于目标年{target_year}年", f"target reached in {year}, before the target year {target_year}")


def item_words(rule: str, r: Rules, *, role: str, weight: float, points: float, year: int, target_year: int,
               start: Pair | None = None, at: datetime | None = None, due: date | None = None, returns: int = 0) -> dict[str, str]:
    """Name, rule, evidence and formula of one indicator's point (part A, T, Q or B), in both languages.

    ``points`` is the part's points before the role weight; ``at`` the first submission, ``due`` its deadline.
    """
    part, _, key = rule.partition("-")
    deadline = due or r.deadline_for(year)
    wz, we = _WEIGHT[role]
    tail_zh, tail_en = f" × {wz} {_g(weight)} = {weight * points:.2f}", f" × {we} {_g(weight)} = {weight * points:.2f}"
    if part == "A":
        share = r.achievement[key]
        zh, en = f"达成分 {_g(r.achievement_points)} 分 × {share:.0%}", f"{_g(r.achievement_points)} achievement points × {share:.0%}"
    elif part == "T":
        share = r.timeliness[key]
        zh, en = f"报送分 {_g(r.timeliness_points)} 分 × {share:.0%}", f"{_g(r.timeliness_points)} timeliness points × {share:.0%}"
    elif rule == "Q-missing":
        zh, en, tail_zh, tail_en = "未报送，质量分 0 分", "not submitted: 0 quality points", f" = {0:.2f}", f" = {0:.2f}"
    elif rule == "Q-returned":
        floor = "，最低 0 分" if r.quality_points - returns * r.per_return < 0 else ""
        zh = f"（质量分 {_g(r.quality_points)} 分 − 退回 {returns} 次 × {_g(r.per_return)} 分{floor}）"
        en = f"({_g(r.quality_points)} quality points − {returns} return(s) × {_g(r.per_return)}{', at least 0' if floor else ''})"
    elif rule == "Q-clean":
        zh, en = f"质量分 {_g(r.quality_points)} 分", f"{_g(r.quality_points)} quality points"
    else:
        zh, en = f"提前达标 {_g(r.early_target)} 分", f"{_g(r.early_target)} early-target points"
    name, text = rule_name(rule), rule_text(rule, r, year, due)
    basis = _basis(part, key, year=year, target_year=target_year, start=start, at=at, due=deadline, returns=returns)
    return {"rule_name": name[0], "rule_name_en": name[1], "rule_text": text[0], "rule_text_en": text[1],
            "basis": basis[0], "basis_en": basis[1], "formula": zh + tail_zh, "formula_en": en + tail_en}


def cap_words(rule: str, r: Rules, year: int, *, score: float, bonus: float, before: float, after: float) -> dict[str, str]:
    """Name, rule, evidence and formula of a cap (B-cap on the bonus, C-total on the total)."""
    name, text = rule_name(rule), rule_text(rule, r, year)
    if rule == "B-cap":
        basis = (f"加分合计 {before:.2f} 分，超过封顶 {_g(r.bonus_cap)} 分", f"bonuses add up to {before:.2f}, above the cap of {_g(r.bonus_cap)}")
    else:
        basis = (f"折算得分 {score:.2f} + 加分 {bonus:.2f} = {before:.2f} 分，超过封顶 {_g(r.total_cap)} 分",
                 f"score {score:.2f} + bonus {bonus:.2f} = {before:.2f}, above the cap of {_g(r.total_cap)}")
    formula = f"{after:.2f} − {before:.2f} = {after - before:.2f}"
    return {"rule_name": name[0], "rule_name_en": name[1], "rule_text": text[0], "rule_text_en": text[1],
            "basis": basis[0], "basis_en": basis[1], "formula": formula, "formula_en": formula}


def supervision_words(r: Rules, year: int, numbers: list[str], off: float) -> dict[str, str]:
    """Name, rule, evidence and formula of the deduction for supervision notices answered late (part D)."""
    name, text = rule_name("D-supervision"), rule_text("D-supervision", r, year)
    n, per = len(numbers), r.supervision_per_late
    capped_zh = f"，封顶 {_g(r.supervision_cap)} 分" if n * per > r.supervision_cap else ""
    capped_en = f", capped at {_g(r.supervision_cap)}" if n * per > r.supervision_cap else ""
    return {"rule_name": name[0], "rule_name_en": name[1], "rule_text": text[0], "rule_text_en": text[1],
            "basis": f"逾期反馈或逾期未反馈的督办单 {n} 件：" + "、".join(numbers),
            "basis_en": f"{n} notice(s) answered late or overdue: " + ", ".join(numbers),
            "formula": f"{n} 件 × 每件 {_g(per)} 分{capped_zh}：扣 {off:.2f} 分", "formula_en": f"{n} × {_g(per)} points{capped_en}: {off:.2f} off"}
