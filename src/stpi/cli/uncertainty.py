"""The ``stpi uncertainty`` command: rank intervals and sensitivity indices."""

from __future__ import annotations

import json
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from stpi import console
from stpi.defaults import UNCERTAINTY_SEED
from stpi.cli.root import DatabaseOpt, FrameworkOpt, app, reader
from stpi.i18n import add_messages, get_lang, tr

if TYPE_CHECKING:
    from stpi.analysis import uncertainty as unc
    from stpi.engine import Normalise
    from stpi.framework import Framework
    import pandas as pd

add_messages(
    {
        "unc.title": ("{year}年 排名不确定性(蒙特卡洛 {n:,} 次重复)", "{year}: rank uncertainty ({n:,} Monte Carlo replications)"),
        "unc.index": ("名义指数", "Nominal index"),
        "unc.rank": ("名义排名", "Nominal rank"),
        "unc.index_range": ("指数 5%–95%", "Index 5%–95%"),
        "unc.rank_p5": ("排名 5%", "Rank 5%"),
        "unc.rank_p50": ("排名中位数", "Median rank"),
        "unc.rank_p95": ("排名 95%", "Rank 95%"),
        "unc.shift": ("平均排名变动", "Mean rank shift"),
        "unc.assumed": (
            "【假设的不确定性】各节点权重 ±{w:.0%}(同级内重新归一)、各指标标准值 ±{s:.0%}(均匀分布),方法 {methods},缺失值 {missing},随机种子 {seed}",
            "[ASSUMED UNCERTAINTY] every weight ±{w:.0%} (re-normalised among siblings), every standard ±{s:.0%} (uniform), methods {methods}, missing values {missing}, seed {seed}",
        ),
        "unc.methods": ("方法选择(每次重复随机选一种)", "Method choices (one drawn per replication)"),
        "unc.normalise": ("标准化", "Normalisation"),
        "unc.aggregate": ("加权", "Aggregation"),
        "unc.count": ("重复次数", "Replications"),
        "unc.nominal": ("名义", "nominal"),
        "unc.sens_title": (
            "敏感性(Sobol 指数,SALib;{n:,} 次计算):一阶 S1 为单独贡献的方差份额,总效应 ST 含交互",
            "Sensitivity (Sobol' indices, SALib; {n:,} runs): S1 = share of variance alone, ST = including interactions",
        ),
        "unc.output": ("输出", "Output"),
        "unc.input": ("输入", "Input"),
        "unc.out.rank_shift": ("全部地区平均排名变动", "mean rank shift, all regions"),
        "unc.out.rank": ("{region} 的排名", "rank of {region}"),
        "unc.in.weights": ("{code} {name} 下的权重", "weights under {code} {name}"),
        "unc.in.standards": ("标准值", "standards"),
        "unc.in.method": ("方法选择", "method choice"),
        "unc.stage.monte_carlo": ("蒙特卡洛重复", "Monte Carlo"),
        "unc.stage.sobol": ("敏感性计算", "Sensitivity runs"),
    }
)


class UncMissing(str, Enum):
    reweight = "reweight"
    zero = "zero"


def parse_normalisations(text: str) -> tuple[Normalise, ...]:
    """``"ratio,minmax:0,100"`` → the methods; a number after a comma is a parameter of the method before."""
    from stpi import service
    from stpi.engine import Normalise
    items: list[str] = []
    for token in (t.strip() for t in text.split(",")):
        try:
            float(token)
            is_number = bool(items)
        except ValueError:
            is_number = False
        if is_number:
            items[-1] += "," + token
        else:
            items.append(token)
    return tuple(Normalise(*service.parse_method(i)) for i in items)


@app.command("uncertainty")
def uncertainty_command(
    data: Annotated[Optional[str], typer.Option("--data", "-d", help="长表数据 long table region,year,indicator,value; 省略则用数据库中审核通过的数据 omitted: the store's approved figures")] = None,
    framework: FrameworkOpt = None,
    year: Annotated[Optional[int], typer.Option(help="年份 year (默认最近一年 default: the latest)")] = None,
    replications: Annotated[int, typer.Option("--replications", "-n", help="蒙特卡洛重复次数 Monte Carlo replications")] = 10_000,
    weight_noise: Annotated[float, typer.Option(help="权重相对扰动幅度 relative weight noise (0.25 = ±25%)")] = 0.25,
    standard_noise: Annotated[float, typer.Option(help="标准值相对扰动幅度 relative standard noise (0.10 = ±10%)")] = 0.10,
    normalise: Annotated[str, typer.Option(help="候选标准化方法,逗号分隔 normalisations to choose from, e.g. ratio,minmax (first = nominal)")] = "ratio",
    aggregate: Annotated[str, typer.Option(help="候选加权方法 aggregations, e.g. arithmetic,geometric (first = nominal)")] = "arithmetic",
    missing: Annotated[UncMissing, typer.Option(help="缺失值处理 missing-value policy")] = UncMissing.reweight,
    seed: Annotated[int, typer.Option(help="随机种子 random seed")] = UNCERTAINTY_SEED,
    sobol_samples: Annotated[int, typer.Option(help="Sobol 基础样本数(2 的幂;0 不做敏感性分析) Sobol' base sample (power of two; 0 skips)")] = 512,
    region: Annotated[Optional[list[str]], typer.Option("--region", help="单独计算其排名敏感性的地区(可重复) regions whose own rank gets Sobol' indices (repeatable)")] = None,
    top: Annotated[Optional[int], typer.Option(help="只显示名义排名前 N 的地区 show the first N regions only")] = None,
    basis: Annotated[str, typer.Option(help="数据库口径 store basis: latest / evaluated")] = "latest",
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """权重、标准值与方法的不确定性:各地区排名区间与 Sobol 敏感性 Rank intervals under uncertain weights, standards and methods."""
    from stpi.analysis import uncertainty as unc
    from stpi.queries.uncertainty import uncertainty_inputs
    settings = unc.Settings(
        replications=replications,
        weight_noise=weight_noise,
        standard_noise=standard_noise,
        normalisations=parse_normalisations(normalise),
        aggregations=tuple(a.strip() for a in aggregate.split(",")),
        missing=missing.value,
        seed=seed,
        sobol_samples=sobol_samples,
        focus=tuple(region or ()),
    )
    settings.check()
    fw, values = uncertainty_inputs(data, framework, reader(database), basis, year)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console.err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(tr(f"unc.stage.{stage}"), total=total)
            bar.update(tasks[stage], completed=done)

        result = unc.uncertainty(fw, values, year=year, settings=settings, progress=progress)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    _print(result, fw, top)


def _print(result: unc.Uncertainty, fw: Framework, top: int | None) -> None:
    s = result.settings
    console.out.print(console.illustrative_label(result.illustrative, result.parameter_rules))
    methods = " / ".join(f"{r.normalise.method}×{r.aggregate.method}" for r in s.recipes())
    console.out.print(tr("unc.assumed", w=s.weight_noise, s=s.standard_noise, methods=methods, missing=tr(f"policy.{s.missing}"), seed=s.seed), style="yellow")
    f = console.fmt
    frame = result.summary if top is None else result.summary.head(top)
    rows = [
        [r.region, f(r.index), f"{f(r.rank, 0)}/{r.of}", f"{f(r.index_p5)} – {f(r.index_p95)}", f(r.rank_p5, 1), f(r.rank_p50, 1), f(r.rank_p95, 1), f(r.rank_shift)]
        for r in frame.itertuples()
    ]
    cols = [tr("region"), tr("unc.index"), tr("unc.rank"), tr("unc.index_range"), tr("unc.rank_p5"), tr("unc.rank_p50"), tr("unc.rank_p95"), tr("unc.shift")]
    console.out.print(console.table(tr("unc.title", year=result.year, n=s.replications), cols, rows, numeric_from=1))
    if len(result.methods) > 1:
        body = [
            [m.normalise + (f" {m.params}" if m.params else ""), m.aggregate + (f" ({tr('unc.nominal')})" if m.nominal else ""), str(m.replications)]
            for m in result.methods.itertuples()
        ]
        console.out.print(console.table(tr("unc.methods"), [tr("unc.normalise"), tr("unc.aggregate"), tr("unc.count")], body, numeric_from=2))
    if len(result.sensitivity):
        _print_sensitivity(result.sensitivity, fw, result.sobol_runs)


def _label_input(name: str, fw: Framework) -> str:
    kind, _, code = name.partition(":")
    if kind == "weights":
        return tr("unc.in.weights", code=code, name=fw.node(code).label(get_lang()))
    return tr(f"unc.in.{kind}")


def _print_sensitivity(frame: pd.DataFrame, fw: Framework, runs: int) -> None:
    f = console.fmt
    rows = []
    for r in frame.itertuples():
        kind, _, region = r.output.partition(":")
        output = tr("unc.out.rank", region=region) if kind == "rank" else tr("unc.out.rank_shift")
        rows.append([output, _label_input(r.input, fw), f(r.S1, 3), f"±{f(r.S1_conf, 3)}", f(r.ST, 3), f"±{f(r.ST_conf, 3)}"])
    console.out.print(console.table(tr("unc.sens_title", n=runs), [tr("unc.output"), tr("unc.input"), "S1", "±95%", "ST", "±95%"], rows, numeric_from=2))
