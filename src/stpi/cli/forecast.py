"""Commands on where the city may stand among its peers: rank-forecast and calibrate."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.panel import Panel

from stpi import console
from stpi.defaults import DEMO_LABEL
from stpi.defaults import RANK_FORECAST_SEED as DEFAULT_SEED
from stpi.cli.root import DatabaseOpt, FrameworkOpt, app, emit, reader
from stpi.errors import InputError, Problem
from stpi.i18n import add_messages, get_lang, tr

if TYPE_CHECKING:
    from stpi.analysis.calibrate import Calibration
    from stpi.analysis.values import Values
    from stpi.readmodel import Snapshot
    from stpi.analysis.rankforecast import RankForecast
    from stpi.analysis.rankforecast import Trend
    from stpi.framework import Framework

add_messages({
    "rf.title": ("{city} {year}年全省排名预测(共 {total} 个地区,目标第 {goal} 名)", "{city}: rank forecast for {year} ({total} regions, goal rank {goal})"),
    "rf.caveat": ("按各地区公布值的线性趋势外推并做蒙特卡洛模拟({draws:,} 次,随机种子 {seed}),仅供参考", "Linear trends of the published values, Monte Carlo ({draws:,} draws, seed {seed}); indicative only"),
    "rf.trends": ("各地区趋势与 {year} 年预测", "Trends and projections to {year}"),
    "rf.points": ("公布值(年:值)", "Published (year: value)"),
    "rf.method": ("方法", "Method"),
    "rf.slope": ("趋势(点/年)", "Trend (pts/yr)"),
    "rf.projection": ("{year}年预测", "Projected {year}"),
    "rf.sd": ("标准差", "SD"),
    "rf.method.ols": ("线性回归", "OLS trend"),
    "rf.method.two_point": ("两点连线(借用汇总波动)", "two points (pooled noise)"),
    "rf.method.one_point": ("一个点(借用汇总趋势)", "one point (pooled drift)"),
    "rf.method.given": ("给定值", "given"),
    "rf.ranks": ("{city} 名次概率(在 {n} 个地区中)", "{city}: probability of each rank (among {n} regions)"),
    "rf.rank": ("名次", "Rank"),
    "rf.prob": ("概率", "Probability"),
    "rf.cum": ("累计", "Cumulative"),
    "rf.p_goal": ("{label}:进入前 {goal} 名的概率 {p:.1%}", "{label}: probability of rank {goal} or better {p:.1%}"),
    "rf.label.trend": ("按本市自身趋势", "On the city's own trend"),
    "rf.label.given": ("按给定预测", "On the given projection"),
    "rf.label.targets": ("假如全部指标达标", "If every target is met"),
    "rf.p_goal_bounds": ("全省 {total} 个地区中进入前 {goal} 名的概率介于 {lo:.1%}(无数据地区全部领先)与 {hi:.1%}(全部落后)之间", "Among all {total} regions: between {lo:.1%} (regions without data all ahead) and {hi:.1%} (all behind)"),
    "rf.gap": ("与第 {goal} 名地区的差距:平均 {mean:+.2f} 点,中位数 {median:+.2f},90% 区间 [{lo:+.2f}, {hi:+.2f}](正数为落后的点数)", "Gap to the region at rank {goal}: mean {mean:+.2f} points, median {median:+.2f}, 90% interval [{lo:+.2f}, {hi:+.2f}] (positive: points short)"),
    "rf.at_goal": ("最可能位于第 {goal} 名的地区:{who}", "Most likely at rank {goal}: {who}"),
    "rf.headline.trend": ("【本市自身趋势】按 {city} 公布值的线性趋势外推:{year}年指数 {index:.2f}(标准差 {sd:.2f})", "[THE CITY'S OWN TREND] {city}'s published values projected linearly: {index:.2f} in {year} (sd {sd:.2f})"),
    "rf.headline.given": ("【给定预测】{city} {year}年指数 {index:.2f}(标准差 {sd:.2f})", "[GIVEN PROJECTION] {city}: {index:.2f} in {year} (sd {sd:.2f})"),
    "rf.headline.targets": ("【全部指标达标】{city} {year}年指数 {index:.2f}(实施方案目标)", "[EVERY TARGET MET] {city}: {index:.2f} in {year} (the plan's goal)"),
    "rf.scenario.targets_met": ("假如全部指标达标(指数 {index:.2f})", "If every target is met (index {index:.2f})"),
    "rf.p_goal.scenario": ("{label}:进入前 {goal} 名的概率 {p:.1%}(与上面同一组同级地区抽样)", "{label}: probability of rank {goal} or better {p:.1%} (the same draws of the peers as above)"),
    "rf.simulating": ("正在模拟 {n:,} 次 …", "Simulating {n:,} draws …"),
    "cal.title": ("权重校准:{parents} 的下级权重(据 {n} 个公布值)", "Weight calibration: children of {parents} ({n} published values)"),
    "cal.parent": ("上级", "Parent"),
    "cal.current": ("现行权重", "Current"),
    "cal.estimate": ("估计值", "Estimate"),
    "cal.range": ("范围", "Range"),
    "cal.range.leave_one_out": ("范围为逐一剔除一个公布值后重新估计的最小值至最大值", "Ranges: smallest to largest estimate leaving out one published value at a time"),
    "cal.range.consistent": ("范围为与数据同样吻合的全部参数取值(线性规划)", "Ranges: every parameter value that fits the data equally well (linear programming)"),
    "cal.scale": ("标准值缩放系数", "Scale of the standards"),
    "cal.fit": ("拟合质量", "Fit"),
    "cal.n_obs": ("公布值个数", "Published values"),
    "cal.n_free": ("待估参数个数", "Free parameters"),
    "cal.rank": ("设计矩阵秩(不含求和约束)", "Design rank (without the sum constraints)"),
    "cal.condition": ("条件数", "Condition number"),
    "cal.residuals": ("各公布值的拟合残差", "Residuals"),
    "cal.published": ("公布值", "Published"),
    "cal.fitted": ("拟合值", "Fitted"),
    "cal.residual": ("残差", "Residual"),
    "cal.dropped": ("未使用的公布值:", "Published values not used:"),
    "cal.unchanged": ("现行指标框架未作任何改动", "The framework in force is unchanged"),
    "cal.illustrative": ("注意:框架的标准值为示意参数,权重估计以这些标准值为前提", "Note: the framework's standards are illustrative; the weights are estimated given them"),
    "cal.written": ("已写出候选框架 {path}(标注为 assumed: 校准所得),未导入", "Wrote the candidate framework {path} (marked assumed: calibrated); not imported"),
    "cal.overwrite": ("输出文件不能覆盖输入的指标框架文件", "the output must not overwrite the framework file"),
    "cal.format": ("输出文件应为 .yaml、.csv 或 .xlsx", "the output must be .yaml, .csv or .xlsx"),
    "cal.status.identified": ("可识别", "identified"),
    "cal.status.weak": ("不够精确", "weak"),
    "cal.status.unidentified": ("无法识别", "unidentified"),
    "rec.only": ("--from-published 不能与 --parent、--depth、--scale-standards 同用 --from-published takes no --parent, --depth or --scale-standards", ""),
    "rec.title": ("据省评价反馈重建参数:标准值 {s}/{sn} 项,权重 {w}/{wn} 个上级节点可识别", "Parameters reconstructed from the feedback report: {s}/{sn} standards and the weights of {w}/{wn} parents identified"),
    "rec.fit": ("拟合:本市算法(重建参数)与公布得分之差最大 {max:.4g} 分,均方根 {rms:.4g} 分({n} 个公布得分;公布精度 ±{res:g})", "Fit: own computation (reconstructed parameters) against the published scores, max {max:.4g}, RMS {rms:.4g} points ({n} scores; published to ±{res:g})"),
    "rec.standards": ("标准值", "Standards"),
    "rec.weights": ("权重", "Weights"),
    "rec.direction": ("方向", "Direction"),
    "rec.current": ("现行值", "Current"),
    "rec.reconstructed": ("重建值", "Reconstructed"),
    "rec.interval": ("与公布得分相符的区间", "Interval consistent with the scores"),
    "rec.obs": ("采用/未封顶/公布", "used/uncapped/published"),
    "rec.why": ("说明", "Note"),
    "rec.kept": ("未识别,沿用现值", "not identified: kept"),
    "rec.by_depth": ("按层级的拟合(分)", "Fit by level (points)"),
    "rec.depth": ("层级", "Level"),
    "rec.worst": ("差异最大的公布得分", "Largest differences"),
    "rec.own": ("本市计算", "Own"),
    "rec.diff": ("差值", "Difference"),
    "rec.written": ("已写出完整框架 {path}:重建参数标注为 official: reconstructed from …,其余沿用原来源;用 stpi framework import {path} 使其生效", "Wrote the complete framework {path}: reconstructed parameters marked official: reconstructed from …, the rest keep theirs; stpi framework import {path} puts it in force"),
})


class PeerMissing(str, Enum):
    known = "known"
    prior = "prior"


@app.command("rank-forecast")
def rank_forecast(
    year: Annotated[Optional[int], typer.Option("--year", help="预测年份 target year (默认 default: 实施方案目标年 the plan's)")] = None,
    city_index: Annotated[Optional[float], typer.Option("--city-index", help="本市该年预测指数 the city's projected index (默认 default: 按本市公布值趋势外推 its own published trend)")] = None,
    city_sd: Annotated[float, typer.Option("--city-sd", help="本市预测指数的标准差 sd of the city's index")] = 0.0,
    city_trend: Annotated[bool, typer.Option("--city-trend", help="按本市公布值的趋势外推(现为默认) project the city from its own published values (now the default)")] = False,
    goal_rank: Annotated[Optional[int], typer.Option("--goal-rank", help="排名目标 goal rank (默认 default: 实施方案 the plan's)")] = None,
    missing: Annotated[PeerMissing, typer.Option("--missing", help="无公布值的同级地区 peers without published values: prior(按已知地区分布抽取,在全省地区中排名 drawn from the known peers' spread, ranked among all regions; default) / known(只在有数据者中排名,全省概率给上下限 ranked among the known, bounds for all)")] = PeerMissing.prior,
    draws: Annotated[int, typer.Option("--draws", help="模拟次数 Monte Carlo draws")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="随机种子 random seed")] = DEFAULT_SEED,
    demo: Annotated[bool, typer.Option("--demo", help="同级地区使用合成演示数据 use synthetic demo peers (演示数据)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """依据同级地区公布值与本市预测,给出目标年各名次的概率及与目标名次的差距 Rank forecast from published peer results."""
    from stpi.queries.forecast import rank_forecast_store
    with console.err.status(tr("rf.simulating", n=draws)) as status:
        result = rank_forecast_store(
            reader(database), year=year, city_index=city_index, city_sd=city_sd, city_trend=city_trend, goal_rank=goal_rank,
            missing=missing.value, draws=draws, seed=seed, demo=demo,
            progress=lambda done, total: status.update(f"{tr('rf.simulating', n=total)} {done / total:.0%}"),
        )
    if as_json:
        if demo:
            console.err.print(DEMO_LABEL, style="bold yellow")
        payload = result.to_dict() | ({"data_label": DEMO_LABEL} if demo else {})
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        _print_forecast(result)


def _kind(r: RankForecast) -> str:
    """What the headline assumes about the city: its own trend, a given index, or (no history of its own) every target met."""
    if r.city_trend.method != "given":
        return "trend"
    return "given" if r.scenarios else "targets"


def _headline(r: RankForecast) -> str:
    t = r.city_trend
    return tr(f"rf.headline.{_kind(r)}", city=r.city, year=r.target_year, index=t.projected, sd=t.sd)


def _points(t: Trend) -> str:
    return ", ".join(f"{y}: {v:.2f}" for y, v in zip(t.years, t.values)) or "—"


def _print_forecast(r: RankForecast) -> None:
    if r.demo:
        console.out.print(Panel(DEMO_LABEL, style="bold yellow"))
    console.out.print(tr("rf.title", city=r.city, year=r.target_year, total=r.regions_total, goal=r.goal_rank), style="bold")
    console.out.print(tr("rf.caveat", draws=r.draws, seed=r.seed), style="dim")
    rows = [
        [t.region, _points(t), tr(f"rf.method.{t.method}"), console.fmt(None if t.method == "given" else t.slope), console.fmt(t.projected), console.fmt(t.sd)]
        for t in (r.city_trend, *sorted(r.peers, key=lambda t: -t.projected))
    ]
    cols = [tr("region"), tr("rf.points"), tr("rf.method"), tr("rf.slope"), tr("rf.projection", year=r.target_year), tr("rf.sd")]
    console.out.print(console.table(tr("rf.trends", year=r.target_year), cols, rows, numeric_from=3))
    console.out.print(_headline(r), style="bold cyan")
    columns = [(r.rank_probability, tr(f"rf.label.{_kind(r)}"))]
    columns += [(sc.rank_probability, tr(f"rf.scenario.{sc.name}", index=sc.index)) for sc in r.scenarios]
    cums = [0.0] * len(columns)
    prob_rows = []
    for i in range(r.ranked):
        row = [str(i + 1)]
        for k, (probs, _) in enumerate(columns):
            cums[k] += probs[i]
            row += [f"{probs[i]:.1%}", f"{cums[k]:.1%}"]
        prob_rows.append(row)
    heads = [tr("rf.rank")] + [h for _, label in columns for h in (f"{label} {tr('rf.prob')}", tr("rf.cum"))]
    console.out.print(console.table(tr("rf.ranks", city=r.city, n=r.ranked), heads, prob_rows, numeric_from=1))
    console.out.print(tr("rf.p_goal", label=tr(f"rf.label.{_kind(r)}"), goal=r.goal_rank, p=r.p_goal), style="bold")
    for sc in r.scenarios:
        console.out.print(tr("rf.p_goal.scenario", label=tr(f"rf.scenario.{sc.name}", index=sc.index), goal=r.goal_rank, p=sc.p_goal))
    if r.unranked and r.missing_policy == "known":
        lo, hi = r.p_goal_bounds
        console.out.print(tr("rf.p_goal_bounds", total=r.regions_total, goal=r.goal_rank, lo=lo, hi=hi))
    if r.gap_mean is not None and r.gap_quantiles is not None:
        lo, median, hi = r.gap_quantiles
        console.out.print(tr("rf.gap", goal=r.goal_rank, mean=r.gap_mean, median=median, lo=lo, hi=hi))
        who = "、".join(f"{name} {p:.0%}" for name, p in r.at_goal_rank[:3])
        console.out.print(tr("rf.at_goal", goal=r.goal_rank, who=who))
    for note in r.notes:
        console.out.print(f"· {note.label(get_lang())}", style="yellow")


def _output_format(output: str, framework_path: str | None) -> str:
    """The format of an output framework file; refused when unknown or when it is the input framework."""
    fmt = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".xlsx": "xlsx"}.get(Path(output).suffix.lower())
    if fmt is None:
        raise InputError([Problem(output, None, None, tr("cal.format"))])
    if framework_path is not None and Path(output).resolve() == Path(framework_path).resolve():
        raise InputError([Problem(output, None, None, tr("cal.overwrite"))])
    return fmt


def _write_candidate(fw: Framework, cal: Calibration, output: str, framework_path: str | None) -> None:
    from stpi.analysis.calibrate import calibrated_framework
    from stpi.framework.io import export_framework
    export_framework(calibrated_framework(fw, cal), _output_format(output, framework_path), output)


def _reconstruct(snap: Snapshot, fw: Framework, values: Values, output: str | None, as_json: bool) -> None:
    """``stpi calibrate --from-published``: reconstruct, show (or print JSON), write the complete framework."""
    from stpi.analysis.reconstruct import reconstruct, reconstructed_framework
    from stpi.framework.io import export_framework
    from stpi.queries.published import published_node_scores
    published, source = published_node_scores(snap, values)
    with console.err.status(tr("computing", path="stpi")):
        rec = reconstruct(fw, values, published, source=source)
    if as_json:
        payload = rec.to_dict() | {"framework_unchanged": True, "output": output}
        emit((json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), None)
    else:
        from stpi.cli.reconstruct_view import print_reconstruction
        print_reconstruction(rec, fw)
    if output is not None:
        export_framework(reconstructed_framework(fw, rec), _output_format(output, None), output)
        console.err.print(tr("rec.written", path=output), style="green")


@app.command()
def calibrate(
    parent: Annotated[Optional[list[str]], typer.Option("--parent", help="估计其下级权重的节点(可多次) node whose children's weights are estimated (repeatable; default: the root)")] = None,
    depth: Annotated[Optional[int], typer.Option("--depth", help="估计该层全部节点的下级权重 estimate the child weights of every node at this depth")] = None,
    scale_standards: Annotated[bool, typer.Option("--scale-standards", help="同时估计全部标准值的共同缩放系数 also estimate one common factor on the standards")] = False,
    data: Annotated[Optional[str], typer.Option("--data", "-d", help="原始指标长表 raw values region,year,indicator,value (默认 default: 数据库 the store)")] = None,
    framework: FrameworkOpt = None,
    basis: Annotated[str, typer.Option(help="数据库口径 store basis: latest / evaluated")] = "latest",
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="写出候选框架 write a candidate framework (.yaml/.csv/.xlsx)")] = None,
    from_published: Annotated[bool, typer.Option("--from-published", help="据省评价反馈的节点得分重建全部可识别的标准值与权重 reconstruct every identifiable standard and weight from the published node scores")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """据公布的官方指数估计未知权重(约束最小二乘),或据评价反馈重建官方参数,报告拟合与可识别性 Calibrate weights on published values, or reconstruct the official parameters."""
    from stpi.analysis.calibrate import calibrate as calibrate_weights
    from stpi.framework import load_framework
    from stpi.queries.forecast import calibration_targets, calibration_values
    if from_published and (parent or depth is not None or scale_standards):
        raise InputError([Problem("--from-published", None, None, tr("rec.only"))])
    if output is not None:
        _output_format(output, framework)
    snap = reader(database)
    fw = load_framework(framework) if framework else snap.framework()
    values = calibration_values(snap, fw, data, basis)
    if from_published:
        _reconstruct(snap, fw, values, output, as_json)
        return
    with console.err.status(tr("computing", path=data or "stpi")):
        cal = calibrate_weights(fw, values, calibration_targets(snap, values), parents=parent, depth=depth, scale_standards=scale_standards)
    if as_json:
        payload = cal.to_dict() | {"framework_unchanged": True, "illustrative_standards": fw.is_illustrative, "output": output}
        emit((json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), None)
    else:
        _print_calibration(cal, fw)
    if output is not None:
        _write_candidate(fw, cal, output, framework)
        console.err.print(tr("cal.written", path=output), style="green")


def _print_calibration(cal: Calibration, fw: Framework) -> None:
    style = {"identified": "green", "weak": "bold yellow", "unidentified": "bold red"}[cal.status]
    lang = get_lang()
    console.out.print(Panel(f"{tr(f'cal.status.{cal.status}')}: {cal.message.label(lang)}", style=style))
    for reason in cal.reasons:
        console.out.print(f"· {reason.label(lang)}", style="yellow")
    est = cal.estimate or (None,) * len(cal.codes)
    rows = [
        [par, code, fw.node(code).label(lang), console.fmt(cur, 4), console.fmt(e, 4), f"{lo:.4f} – {hi:.4f}"]
        for par, code, cur, e, lo, hi in zip(cal.parent_of, cal.codes, cal.current, est, cal.low, cal.high)
    ]
    if cal.scale is not None:
        lo, hi = cal.scale_range or (cal.scale, cal.scale)
        rows.append(["", "λ", tr("cal.scale"), "1.0000", console.fmt(cal.scale, 4), f"{lo:.4f} – {hi:.4f}"])
    cols = [tr("cal.parent"), tr("code"), tr("name"), tr("cal.current"), tr("cal.estimate"), tr("cal.range")]
    console.out.print(console.table(tr("cal.title", parents=", ".join(cal.parents), n=cal.n_obs), cols, rows, numeric_from=3))
    console.out.print(tr(f"cal.range.{cal.range_method}"), style="dim")
    fit = [
        [tr("cal.n_obs"), str(cal.n_obs)], [tr("cal.n_free"), str(cal.n_free)], [tr("cal.rank"), str(cal.rank)],
        [tr("cal.condition"), "—" if cal.condition is None else f"{cal.condition:.3g}"],
        ["R²", console.fmt(cal.r2, 4)], ["RMSE", "—" if cal.rmse is None else f"{cal.rmse:.3g}"],
    ]
    console.out.print(console.table(tr("cal.fit"), ["", ""], fit, numeric_from=1))
    res = [[f.region, str(f.year), console.fmt(f.published), console.fmt(f.fitted), console.fmt(f.residual, 3)] for f in cal.residuals]
    console.out.print(console.table(tr("cal.residuals"), [tr("region"), tr("year"), tr("cal.published"), tr("cal.fitted"), tr("cal.residual")], res, numeric_from=2))
    if cal.dropped:
        console.out.print(tr("cal.dropped"), style="yellow")
        for region, year, why in cal.dropped:
            console.out.print(f"· {region} {year}: {why}")
    if fw.is_illustrative:
        console.out.print(tr("cal.illustrative"), style="yellow")
    console.out.print(tr("cal.unchanged"), style="dim")
