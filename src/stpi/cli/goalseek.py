"""``stpi goalseek``: the least-effort indicator improvements that reach a target index.

The command parses options, calls :func:`stpi.queries.goalseek.goalseek_store` (plan, framework,
history and overrides from the store and files) and renders the answer.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from stpi import console
from stpi.cli.root import DatabaseOpt, FrameworkOpt, Missing, app, reader
from stpi.i18n import add_messages, get_lang, tr

if TYPE_CHECKING:
    from stpi.framework import Plan
    from stpi.queries.goalseek import GoalSeekAnswer

__all__ = ["goalseek", "print_goalseek"]

add_messages(
    {
        "gs.title": ("{region} · 达到目标指数的最小努力方案({start}→{year}年)", "{region} · least-effort way to the target ({start}→{year})"),
        "gs.item": ("项目", "Item"),
        "gs.start_policy": ("{year}年指数(缺失值按“{policy}”)", "{year} index (missing: '{policy}')"),
        "gs.base": ("规划起点(未知指标记 0 分)", "Program base (unknown indicators score 0)"),
        "gs.target": ("目标指数", "Target index"),
        "gs.achieved": ("方案可达指数", "Index reached"),
        "gs.max": ("上界内最高可达指数", "Best index within the bounds"),
        "gs.total_cost": ("总努力(相对提升之和)", "Total effort (sum of relative increases)"),
        "gs.targets_index": ("全部目标达成时的指数", "Index if every target is met"),
        "gs.targets_cost": ("全部目标达成所需努力", "Effort of meeting every target"),
        "gs.unreachable": (
            "在给定上界内无法达到目标 {target:.2f}:最高可达 {best:.2f}(下表为达到该最高值的最小努力方案)",
            "The target {target:.2f} cannot be reached within the bounds: at best {best:.2f} (the table reaches that at least effort)",
        ),
        "gs.reachable": ("目标可达:以下为总努力最小的提升方案", "The target is reachable; the least-effort improvements follow"),
        "gs.moves": ("需提升的指标", "Indicators to improve"),
        "gs.from": ("现值", "From"),
        "gs.to": ("建议值", "To"),
        "gs.change": ("提升(%)", "Change (%)"),
        "gs.gain": ("指数增量(点)", "Index gain (pts)"),
        "gs.cost": ("努力", "Effort"),
        "gs.departments": ("牵头单位汇总(共同牵头的指标分别全额计入)", "Lead departments (jointly led indicators count fully for each)"),
        "gs.indicators": ("指标", "Indicators"),
        "gs.marginal": ("各指标每提升 1% 的指数增量(点,超过标准值为 0)", "Index points per 1% improvement of each indicator (0 past the standard)"),
        "gs.per_pct": ("每1%(点)", "Pts per 1%"),
        "gs.bound": ("上界", "Bound"),
        "gs.bound_source": ("上界来源", "Bound from"),
        "gs.dependence": ("规划最依赖的目标:单项未达成(保持起始值)时损失的指数点", "Targets the plan depends on most: index lost if one alone is missed (stays at its start)"),
        "gs.loss": ("损失(点)", "Loss (pts)"),
        "gs.if_missed": ("未达成时指数", "Index if missed"),
        "gs.notes": ("说明", "Notes"),
        "gs.note_effort": (
            "努力 = 各指标相对提升之和(Δx/x 现值,逆向指标为 x现值/x − 1),乘以成本系数;线性规划(HiGHS)精确求解,超过标准值的提升不计分也不推荐",
            "Effort = sum of relative improvements (Δx/x_now; x_now/x − 1 where lower is better) times the cost factors; solved exactly as a linear program (HiGHS); no improvement past a standard is scored or recommended",
        ),
        "gs.note_missing": (
            "{codes} 无{year}年值:规划中按 0 分起算,努力按其目标值的倍数计(每达到一次目标值计 1)",
            "{codes} have no {year} value: the program starts them at score 0 and counts their effort in units of their target",
        ),
        "gs.note_policy": (
            "{year}年指数按缺失值处理方式“{policy}”计算,与 `stpi status` 相同;规划起点则把缺失指标记 0 分",
            "The {year} index uses the missing-value policy '{policy}', as `stpi status`; the program base scores missing indicators 0",
        ),
        "gs.note_bound": ("上界方式:{mode}(target=规划目标,history=按历史年均增长外推,max=二者较优者)", "Bounds: {mode} (target = plan target, history = compound annual growth extrapolated, max = the better of the two)"),
        "gs.note_history": ("{n} 项指标有历史数据可外推", "{n} indicators have history to extrapolate"),
        "gs.src.store": ("数据库", "store"),
        "gs.src.plan": ("实施方案基期值", "plan baseline"),
        "gs.src.missing": ("缺失", "missing"),
        "gs.bsrc.target": ("规划目标", "plan target"),
        "gs.bsrc.history": ("历史增长外推", "historical growth"),
        "gs.bsrc.override": ("用户指定", "user override"),
        "gs.bsrc.target (no history)": ("规划目标(无历史数据)", "plan target (no history)"),
    }
)


class Bound(str, Enum):
    target = "target"
    history = "history"
    max = "max"


@app.command()
def goalseek(
    target: Annotated[Optional[float], typer.Option("--target", help="目标指数 target index (默认 default: 规划目标 the plan's goal)")] = None,
    year: Annotated[Optional[int], typer.Option("--year", help="目标年份 target year (默认 default: 规划目标年)")] = None,
    from_year: Annotated[Optional[int], typer.Option("--from-year", help="起始年份 start year (默认 default: 基期 baseline year)")] = None,
    bound: Annotated[Bound, typer.Option("--bound", help="上界 bound: target / history / max")] = Bound.max,
    upper: Annotated[Optional[str], typer.Option("--upper", help="逐项上界 CSV code,upper (覆盖 overrides)")] = None,
    costs: Annotated[Optional[str], typer.Option("--costs", help="成本系数 CSV code,factor (默认 1)")] = None,
    missing: Annotated[Missing, typer.Option(help="起始年指数的缺失值处理 missing-value policy for the start index")] = Missing.reweight,
    framework: FrameworkOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """以最小努力达到目标指数的指标提升方案(线性规划) Least-effort indicator improvements reaching a target index."""
    from stpi.queries.goalseek import goalseek_store
    console.demo_notice(database)
    answer = goalseek_store(
        reader(database), target=target, year=year, from_year=from_year, bound=bound.value, upper_file=upper,
        costs_file=costs, missing=missing.value, framework=framework,
    )
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_goalseek(answer)


def _dep_names(plan: Plan, codes: tuple[str, ...]) -> str:
    return "、".join(plan.department(c).label(get_lang()) for c in codes)


def print_goalseek(answer: GoalSeekAnswer) -> None:
    """The answer in a terminal: headline, moves, departments, marginal points, dependence, notes."""
    from stpi.queries.goalseek import lead_departments
    r, plan, fmt = answer.result, answer.plan, console.fmt
    console.out.print(console.illustrative_label(r.illustrative, r.parameter_rules))
    policy = tr(f"policy.{r.missing_policy}")
    head = [
        [tr("gs.start_policy", year=r.from_year, policy=policy), fmt(r.index_start)],
        [tr("gs.base"), fmt(r.index_base)],
        [tr("gs.target"), fmt(r.target)],
        [tr("gs.achieved"), fmt(r.achieved_index)],
        [tr("gs.max"), fmt(r.max_index)],
        [tr("gs.total_cost"), fmt(r.total_cost, 3)],
        [tr("gs.targets_index"), fmt(r.targets_index)],
        [tr("gs.targets_cost"), fmt(r.targets_cost, 3)],
    ]
    region = plan.region_label(get_lang())
    console.out.print(console.table(tr("gs.title", region=region, start=r.from_year, year=r.year), [tr("gs.item"), tr("value")], head, numeric_from=1))
    if r.reachable:
        console.out.print(tr("gs.reachable"), style="green")
    else:
        console.out.print(tr("gs.unreachable", target=r.target, best=r.achieved_index), style="bold red")
    lang = get_lang()
    rows = [
        [str(m.no), m.name_en if lang == "en" and m.name_en else m.name, fmt(m.value_start, 4), fmt(m.value_recommended, 4), fmt(m.change_pct, 1), fmt(m.gain, 3), fmt(m.cost, 3), _dep_names(plan, m.lead), _dep_names(plan, m.responsible)]
        for m in r.moved()
    ]
    cols = [tr("no"), tr("name"), tr("gs.from"), tr("gs.to"), tr("gs.change"), tr("gs.gain"), tr("gs.cost"), tr("lead"), tr("responsible")]
    console.out.print(console.table(tr("gs.moves") + f" ({len(rows)})", cols, rows, numeric_from=2))
    deps = [[plan.department(str(d["department"])).label(lang), str(d["codes"]), fmt(float(d["gain"]), 3), fmt(float(d["cost"]), 3)] for d in lead_departments(r).to_dict("records")]
    console.out.print(console.table(tr("gs.departments"), [tr("lead"), tr("gs.indicators"), tr("gs.gain"), tr("gs.cost")], deps, numeric_from=2))
    _print_marginal(answer)
    _print_notes(answer, policy)


def _print_marginal(answer: GoalSeekAnswer) -> None:
    r, fmt, lang = answer.result, console.fmt, get_lang()
    rows = [
        [str(m.no), m.name_en if lang == "en" and m.name_en else m.name, fmt(m.value_start, 4), tr(f"gs.src.{answer.start_source[m.code]}"), fmt(m.marginal_per_pct, 4), fmt(m.bound, 4), tr(f"gs.bsrc.{m.bound_source}")]
        for m in r.indicators
    ]
    cols = [tr("no"), tr("name"), tr("gs.from"), tr("source"), tr("gs.per_pct"), tr("gs.bound"), tr("gs.bound_source")]
    console.out.print(console.table(tr("gs.marginal"), cols, rows, numeric_from=2))
    names = {m.code: m for m in r.indicators}
    dep = [
        [str(d["rank"]), str(names[d["code"]].no), names[d["code"]].name_en if lang == "en" and names[d["code"]].name_en else names[d["code"]].name, fmt(d["loss"], 3), fmt(d["index_if_missed"])]
        for d in r.dependence()[:10]
    ]
    console.out.print(console.table(tr("gs.dependence"), ["#", tr("no"), tr("name"), tr("gs.loss"), tr("gs.if_missed")], dep, numeric_from=3))


def _print_notes(answer: GoalSeekAnswer, policy: str) -> None:
    r = answer.result
    notes = [tr("gs.note_effort"), tr("gs.note_policy", year=r.from_year, policy=policy), tr("gs.note_bound", mode=answer.bound_mode), tr("gs.note_history", n=len(answer.history))]
    if r.missing_start:
        notes.append(tr("gs.note_missing", codes=", ".join(r.missing_start), year=r.from_year))
    console.out.print(tr("gs.notes") + ":", style="bold")
    for n in notes:
        console.out.print(f"· {n}")
