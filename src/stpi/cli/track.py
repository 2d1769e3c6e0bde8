"""Commands on the plan's progress: track (milestones and status) and feasibility."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.text import Text

from stpi import console
from stpi.defaults import MILESTONE_PATHS as PATHS
from stpi.cli.root import DatabaseOpt, Missing, app, reader
from stpi.i18n import add_messages, get_lang, tr

if TYPE_CHECKING:
    from stpi.framework.plan import Plan

add_messages({
    "track.title": ("{region} {year}年 进度监测(里程碑路径:{path})", "{region} {year}: progress against milestones ({path} path)"),
    "track.milestone": ("里程碑", "Milestone"),
    "track.ratio": ("进度比", "Ratio"),
    "track.light": ("灯", "Light"),
    "track.summary": ("{year}年 32 项指标:{counts}", "{year}, 32 indicators: {counts}"),
    "track.baseline_only": ("目前只有基期数据:还无法判断进度,不作推测。请导入并审核后续年度数据。", "Only the baseline has data: progress cannot be judged yet, and is not guessed. Import and approve later years."),
    "track.policy": ("一二级指标与综合指数在有缺失时按“{policy}”计算", "Groups and the index are computed under the missing-value policy '{policy}' where inputs are missing"),
    "status.reached": ("已达标", "target reached"),
    "status.on_track": ("按进度推进", "on track"),
    "status.moderate": ("进展一般", "moderate progress"),
    "status.limited": ("进展有限", "limited progress"),
    "status.deterioration": ("倒退", "deterioration"),
    "status.baseline_only": ("仅有基期", "baseline only"),
    "status.no_data": ("无数据", "no data"),
    "status.incomplete": ("不完整", "incomplete"),
    "feas.title": ("{region} 目标可行性:实现目标所需年均增速与历史增速对比", "{region}: growth each target requires, against history"),
    "feas.latest": ("最新值", "Latest"),
    "feas.required": ("所需年均增速", "Required rate"),
    "feas.own": ("本地历史增速", "Own rate"),
    "feas.peers": ("同类地区增速(P75)", "Peers' rate (p75)"),
    "feas.verdict": ("判断", "Verdict"),
    "verdict.reached": ("已达标", "reached"),
    "verdict.easy": ("偏易", "easy"),
    "verdict.in_line": ("与历史相符", "in line"),
    "verdict.ambitious": ("有挑战", "ambitious"),
    "verdict.implausible": ("历史看难以实现", "implausible"),
    "verdict.no_history": ("无历史数据,无法判断", "no history: cannot judge"),
})

STYLE = {"green": "bold green", "yellow": "bold yellow", "red": "bold red", "grey": "dim"}
LIGHT = {"green": "●", "yellow": "●", "red": "●", "grey": "○"}


def _owners(plan: Plan, codes: str) -> str:
    return "、".join(plan.department(c).label(get_lang()) for c in codes.split(";") if c)


def _status(status: str, start_year: object, baseline_year: int) -> str:
    """The status, with '(基期缺失,以2023年为起点)' for an indicator measured from a later start."""
    from stpi.analysis.track import start_note
    note = start_note(start_year, baseline_year)
    word = tr(f"status.{status}")
    if note is None:
        return word
    return note.label(get_lang()) if status == "baseline_only" else f"{word} ({note.label(get_lang())})"  # its start year: nothing to judge yet


def _pct(x: float | None) -> str:
    import pandas as pd
    return "—" if x is None or pd.isna(x) else f"{x:+.1%}"


@app.command()
def track(
    year: Annotated[Optional[int], typer.Option("--year", help="显示的年度(默认最新) year shown (default: latest)")] = None,
    path: Annotated[Optional[str], typer.Option("--path", help="里程碑路径 milestone path: linear / compound (默认按实施方案 default: the plan's)")] = None,
    missing: Annotated[Missing, typer.Option(help="缺失值处理 missing-value policy for groups and the index")] = Missing.reweight,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """各指标、一二级指标与综合指数相对里程碑的进度与状态(红黄绿灯) Progress against milestones."""
    import pandas as pd
    from stpi import service
    from stpi.analysis.track import track as track_table
    console.demo_notice(database)
    snap = reader(database)
    plan, fw = snap.plan(), snap.framework()
    path = path or plan.milestone_path
    if path not in PATHS:
        raise typer.BadParameter(f"{path!r}: {', '.join(PATHS)}", param_hint="--path")
    from stpi.queries.complete import incomplete_label, mark_incomplete, opening_year, year_state
    figures = snap.figures()
    table = track_table(plan, fw, figures, path=path, missing=missing.value)
    shown = year or opening_year(snap, plan, fw, figures, sorted(int(y) for y in table["year"].unique()))
    state = year_state(snap, plan, fw, figures, shown)
    rows = mark_incomplete(table[table["year"] == shown], fw, state.missing)  # no progress status on a partial basis
    if as_json:
        payload = {"region": plan.region, "year": shown, "path": path, "missing_policy": missing.value, "illustrative_parameters": fw.is_illustrative,
                   "complete": state.complete, "year_state": state.to_dict(), "rows": json.loads(rows.to_json(orient="records", force_ascii=False))}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console.out.print(console.illustrative_label(fw.is_illustrative, fw.parameter_rules()))
    if shown == plan.baseline_year:
        console.out.print(tr("track.baseline_only"), style="yellow")
    if not state.complete:
        console.out.print(f"{shown}: {incomplete_label(len(state.missing))} {'、'.join(state.missing)}", style="yellow")
    if state.locked and state.lock_reason:
        console.out.print(state.to_dict()["lock_label"], style="yellow")
    lang = get_lang()
    body = []
    for r in rows.itertuples():
        name = fw.node(r.code).label(lang)
        digits = 2 if r.depth < 3 else plan.indicator(r.code).decimals
        light = Text(LIGHT[r.light], style=STYLE[r.light])
        body.append(["  " * r.depth + r.code, "  " * r.depth + name, console.fmt(r.value, digits), console.fmt(r.milestone, digits), console.fmt(r.target, digits), "—" if pd.isna(r.ratio) else f"{r.ratio:.0%}", light, _status(r.status, r.start_year, plan.baseline_year), _owners(plan, r.lead)])
    cols = [tr("code"), tr("name"), str(shown), tr("track.milestone"), tr("target"), tr("track.ratio"), tr("track.light"), tr("status"), tr("lead")]
    console.out.print(console.table(tr("track.title", region=plan.region_label(lang), year=shown, path=path), cols, body, numeric_from=2))
    console.out.print(tr("track.policy", policy=tr(f"policy.{missing.value}")), style="dim")
    counts = rows[rows["depth"] == rows["depth"].max()]["status"].value_counts()
    console.out.print(tr("track.summary", year=shown, counts=",".join(f"{tr('status.' + k)} {v}" for k, v in counts.items())))


@app.command()
def feasibility(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """目标可行性:所需增速与本地及同类地区历史增速对比 Targets against historical growth."""
    from stpi import service
    from stpi.analysis.feasibility import feasibility as feasibility_table
    console.demo_notice(database)
    snap = reader(database)
    plan = snap.plan()
    table = feasibility_table(plan, snap.figures())
    if as_json:
        typer.echo(json.dumps({"region": plan.region, "rows": json.loads(table.to_json(orient="records", force_ascii=False))}, ensure_ascii=False, indent=2))
        return
    lang = get_lang()
    body = [
        [str(r.no), plan.indicator(r.code).label(lang), "—" if r.latest is None or r.latest != r.latest else f"{r.latest:g} ({int(r.latest_year)})", f"{r.target:g}", _pct(r.required_rate), _pct(r.own_rate), _pct(r.peer_rate_p75), tr(f"verdict.{r.verdict}"), _owners(plan, r.lead)]
        for r in table.itertuples()
    ]
    cols = [tr("no"), tr("name"), tr("feas.latest"), tr("target"), tr("feas.required"), tr("feas.own"), tr("feas.peers"), tr("feas.verdict"), tr("lead")]
    console.out.print(console.table(tr("feas.title", region=plan.region_label(lang)), cols, body, numeric_from=2))
