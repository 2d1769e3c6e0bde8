"""``stpi demo load``: synthetic figures (演示数据) so the dashboard can be explored."""

from __future__ import annotations

from typing import Annotated

import typer

from stpi import console
from stpi.defaults import DEMO_LABEL, DEMO_SEED, DEMO_STORE_YEARS as DEMO_YEARS
from stpi.cli.root import DatabaseOpt, UserOpt, app, open_store
from stpi.errors import InputError, Problem
from stpi.i18n import add_messages, tr

__all__ = ["demo_app", "demo_load", "parse_years"]

add_messages({
    "demo.loaded": ("已载入演示数据:{regions} 个地区,{years} 年;新写入 {written} 条,未变 {unchanged} 条,审核通过 {approved} 条",
                    "Demo data loaded: {regions} regions, years {years}; {written} figures written, {unchanged} unchanged, {approved} approved"),
    "demo.banner": ("已开启设置 demo_data:每个页面显示“演示数据”标注", "Setting demo_data is on: every page shows the demo-data banner"),
    "demo.ranks": ("{region} 演示指数与排名", "{region}: demo index and rank"),
    "demo.year": ("年份", "Year"),
    "demo.index": ("指数", "Index"),
    "demo.rank": ("排名", "Rank"),
})

demo_app = typer.Typer(help="演示数据(合成,非真实统计) Demo data (synthetic, not real statistics).", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


def parse_years(text: str) -> tuple[int, ...]:
    """'2023,2024,2025' → (2023, 2024, 2025); every problem reported."""
    years, problems = [], []
    for part in (p.strip() for p in text.split(",")):
        if part.isdigit() and 1900 <= int(part) <= 2100:
            years.append(int(part))
        else:
            problems.append(Problem("--years", None, "year", "年份应为 1900–2100 的整数,以逗号分隔 years are integers 1900–2100 separated by commas", part))
    if problems or not years:
        raise InputError(problems or [Problem("--years", None, "year", "至少一个年份 at least one year", text)])
    return tuple(sorted(set(years)))


@demo_app.command("load")
def demo_load(
    database: DatabaseOpt = None,
    years: Annotated[str, typer.Option("--years", help="年份,逗号分隔 years, comma-separated")] = ",".join(map(str, DEMO_YEARS)),
    seed: Annotated[int, typer.Option("--seed", min=0, help="随机种子:同一种子总得到同样的数据 seed: the same seed gives the same figures")] = DEMO_SEED,
    user: UserOpt = "admin",
) -> None:
    """载入合成演示数据(本市、各县区、省内其他市州),并开启演示数据标注 Load synthetic demo figures and turn the demo banner on."""
    from stpi.queries.demo import load_demo
    done = load_demo(open_store(database), years=parse_years(years), seed=seed, actor=user)
    console.out.print(tr("demo.loaded", regions=done.regions, years=", ".join(map(str, done.years)), written=done.written, unchanged=done.unchanged, approved=done.approved), style="green")
    mine = done.ranks[done.ranks["region"] == done.region]
    ranked = done.ranks["year"].value_counts()
    rows = [[str(y), console.fmt(float(v)), f"{int(k)}/{int(ranked[y])}"] for y, v, k in zip(mine["year"], mine["index"], mine["rank"])]
    console.out.print(console.table(tr("demo.ranks", region=done.region_label), [tr("demo.year"), tr("demo.index"), tr("demo.rank")], rows, numeric_from=1))
    console.out.print(DEMO_LABEL, style="bold yellow")
    console.err.print(tr("demo.banner"), style="yellow")
