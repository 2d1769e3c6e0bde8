"""Rendering results for the terminal with Rich: tables, labels, problem reports."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from stpi.i18n import get_lang, tr

if TYPE_CHECKING:  # types only: the console is imported by every command and stays light
    import pandas as pd

    from stpi.analysis.status import IndicatorRow, PlanStatus
    from stpi.errors import Problem
    from stpi.framework.model import Framework
    from stpi.framework.plan import Plan

__all__ = ["out", "err", "fmt", "print_problems", "print_status", "print_plan", "print_framework", "table"]

out = Console(soft_wrap=False)
err = Console(stderr=True)


def fmt(x: float | None, digits: int = 2) -> str:
    """A number for a table; '—' when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:,.{digits}f}"


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[str]], *, numeric_from: int = 99) -> Table:
    """A Rich table; columns from ``numeric_from`` on are right-aligned."""
    t = Table(title=title, title_justify="left", header_style="bold")
    for i, c in enumerate(columns):
        t.add_column(c, justify="right" if i >= numeric_from else "left")
    for r in rows:
        t.add_row(*r)
    return t


def print_problems(problems: Sequence[Problem], *, title: str | None = None) -> None:
    """Every located problem of an input, on standard error (``title``: instead of 错误 errors, e.g. for warnings).

    In a terminal: a table whose cells wrap (a path is never cut). Anywhere else (a log, a pipe, CI):
    one full line each, ``FILE:ROW:COLUMN: CODE 名称: reason``, which editors and grep understand.
    """
    total = sum(getattr(p, "count", 1) if type(p).__name__ == "MoreProblems" else 1 for p in problems)  # a long list ends with a count of the rest
    if not err.is_terminal:
        err.file.write(f"{title or tr('errors')} ({total})\n" + "".join(p.line() + "\n" for p in problems))
        err.file.flush()
        return
    rows = [
        (p.file, "" if p.row is None else str(p.row), p.field or "", p.subject, p.reason, "" if p.value is None else p.value)
        for p in problems
    ]
    cols = [tr("file"), tr("row"), tr("field"), tr("problem_subject"), tr("reason"), tr("value")]
    t = table(f"{title or tr('errors')} ({total})", cols, rows)
    for column in t.columns:
        column.overflow = "fold"
    err.print(t)


def illustrative_label(illustrative: bool, rules: Sequence[str]) -> Panel:
    """The label shown wherever an index is shown."""
    if not illustrative:
        return Panel(tr("official"), style="green")
    body = tr("illustrative") + "\n" + "\n".join(f"· {r}" for r in rules)
    return Panel(body, style="bold yellow")


def _names(plan: Plan, codes: Sequence[str]) -> str:
    return "、".join(plan.department(c).label(get_lang()) for c in codes)


def print_status(s: PlanStatus, plan: Plan, *, top: int = 8) -> None:
    """The main job in a terminal."""
    lang = get_lang()
    region = s.region_en if lang == "en" and s.region_en else s.region
    out.print(illustrative_label(s.illustrative, s.parameter_rules))
    goal = f"≥ {s.goal_index:.2f}" if s.goal_at_least else f"{s.goal_index:.2f}"
    rank = f"{s.goal_rank} / {s.goal_regions}" + (f" ({tr('about')})" if s.goal_rank_approx else "")
    head = table(
        f"{region} · {tr('index')}",
        ["", str(s.baseline_year), str(s.target_year), tr("goal"), tr("rank_goal")],
        [[tr("index") + " (%)", fmt(s.index_baseline) + ("*" if s.missing_at_baseline else ""), fmt(s.index_target), goal, rank]],
        numeric_from=1,
    )
    out.print(head)
    if s.missing_at_baseline:
        policy = tr(f"policy.{s.missing_policy}")
        out.print("* " + tr("incomplete", year=s.baseline_year, codes=", ".join(s.missing_at_baseline), policy=policy), style="yellow")
    rows = [
        ["  " * (g.depth - 1) + g.code, ("  " * (g.depth - 1)) + (g.name_en if lang == "en" else g.name), fmt(g.weight, 3), fmt(g.baseline), fmt(g.target), fmt(g.headroom)]
        for g in s.groups
    ]
    out.print(table(tr("areas_groups"), [tr("code"), tr("name"), tr("weight"), str(s.baseline_year), str(s.target_year), tr("headroom")], rows, numeric_from=2))
    _ranked(tr("top_contrib"), s.indicators, lambda i: i.contribution, tr("contribution"), plan, top)
    _ranked(tr("top_headroom"), s.indicators, lambda i: i.headroom, tr("headroom"), plan, top)
    _ranked(tr("top_gain"), s.indicators, lambda i: i.gain, tr("gain"), plan, top)
    if s.gain_reweight:
        out.print(tr("gain_reweight", points=fmt(s.gain_reweight, 3)), style="dim")
    notes = [n.label(lang) for n in s.notes] + [f"{i.no}. {i.note.label(lang)}" for i in s.indicators if i.note.zh]
    out.print(tr("notes") + ":", style="bold")
    for n in notes:
        out.print(f"· {n}")


def _ranked(
    title: str, rows: Sequence[IndicatorRow], key: Callable[[IndicatorRow], float | None], label: str, plan: Plan, top: int
) -> None:
    present = sorted((r for r in rows if key(r) is not None), key=lambda r: key(r) or 0.0, reverse=True)
    lang = get_lang()
    body = [
        [str(r.no), r.name_en if lang == "en" else r.name, fmt(key(r), 3), _names(plan, r.lead), _names(plan, r.responsible)]
        for r in present[:top]
    ]
    out.print(table(title, [tr("no"), tr("name"), label, tr("lead"), tr("responsible")], body, numeric_from=2))


def print_plan(plan: Plan) -> None:
    """The plan's indicators as a table."""
    lang = get_lang()
    rows = []
    for i in plan.indicators:
        target = fmt(i.target, i.decimals) + (tr("at_least") if i.target_at_least else "")
        rows.append(
            [str(i.no), i.label(lang), i.unit_en if lang == "en" and i.unit_en else i.unit, fmt(i.baseline, i.decimals), target, i.rank_goal, _names(plan, i.lead), _names(plan, i.responsible)]
        )
    cols = [tr("no"), tr("name"), tr("unit"), str(plan.baseline_year), str(plan.target_year), tr("rank"), tr("lead"), tr("responsible")]
    out.print(table(f"{plan.title} · {tr('plan_table')}", cols, rows))
    for n in plan.notes:
        out.print(f"· {n.label(lang)}", style="yellow")
    for i in plan.indicators:
        if i.note:
            out.print(f"· {i.no}. {i.note_label(lang)}", style="yellow")


def print_framework(fw: Framework) -> None:
    """The tree with weights, standards and provenance."""
    lang = get_lang()
    rows = []
    for n in fw.nodes:
        depth = fw.depth(n.code)
        rows.append(
            ["  " * depth + n.code, "  " * depth + n.label(lang), n.unit, "" if n.parent is None else fmt(n.weight, 4), "" if n.standard is None else f"{n.standard:.6g}", "" if n.direction is None else f"{n.direction:+d}"]
        )
    out.print(illustrative_label(fw.is_illustrative, fw.parameter_rules()))
    out.print(table(fw.title_en if lang == "en" and fw.title_en else fw.title, [tr("code"), tr("name"), tr("unit"), tr("weight"), "standard", "±"], rows, numeric_from=3))


def print_contributions(frame: pd.DataFrame, title: str) -> None:
    """Per-indicator value, score, effective weight, contribution and headroom."""
    rows = [
        [r.code, r.name, fmt(r.value, 4), fmt(r.score), fmt(r.effective_weight, 4), fmt(r.contribution, 3), fmt(r.headroom, 3)]
        for r in frame.itertuples()
    ]
    cols = [tr("code"), tr("name"), tr("raw"), tr("score"), tr("effective_weight"), tr("contribution"), tr("headroom")]
    out.print(table(title, cols, rows, numeric_from=2))


def print_decomposition(frame: pd.DataFrame, title: str) -> None:
    """Every node's change, its own score effect on the root, and the re-weighting term (a column of its own when not 0)."""
    reweighted = bool((frame["reweight"].fillna(0.0) != 0).any())
    rows = [
        ["  " * int(r.depth) + r.code, "  " * int(r.depth) + r.name, fmt(r.start), fmt(r.end), fmt(r.change), fmt(r.part, 3), *([fmt(r.reweight, 3)] if reweighted else [])]
        for r in frame.itertuples()
    ]
    cols = [tr("code"), tr("name"), tr("start"), tr("end"), tr("change"), tr("part"), *([tr("reweight")] if reweighted else [])]
    out.print(table(title, cols, rows, numeric_from=2))
    root = frame.iloc[0]
    out.print(tr("decomp_sum", part=fmt(root["part"], 3), reweight=fmt(root["reweight"], 3), change=fmt(root["change"], 3)))
    out.print(tr("decomp_note"), style="dim")


def demo_notice(database: str | None) -> None:
    """Say so, first, when the store's figures are synthetic demo data."""
    from stpi.cli.root import open_store
    from stpi.store.settings import DEMO_NOTE, is_demo

    if is_demo(open_store(database)):
        err.print(DEMO_NOTE, style="bold red")
