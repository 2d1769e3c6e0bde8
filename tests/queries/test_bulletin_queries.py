"""gather_bulletin and its parts on a store seeded through the public store API."""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from stpi import service
from stpi.analysis.track import track
from stpi.errors import MethodError
from stpi.queries.bulletin import DEFAULT_ISSUER, LIGHTS, RANK_SOURCES, city_frame, gather_bulletin, owners, render_charts
from stpi.reports.bulletin import Line
from stpi.reports.chinese import latin_words
from stpi.store import Store
from tests.queries.seeds import city_2023
from tests.readkit import read

PNG = b"\x89PNG"
HALF = re.compile(r"[\u4e00-\u9fff（）：，；][,:;()]|[,:;()][\u4e00-\u9fff]")  # a half-width mark in Chinese text


def test_embedded_default_store_gives_the_plans_baseline(store: Store) -> None:
    plan = store.plan()
    b = gather_bulletin(read(None), year=None, issued=date(2024, 3, 1))
    assert (b.region, b.year, b.baseline_year, b.target_year) == (plan.region, plan.baseline_year, plan.baseline_year, plan.target_year)
    assert b.issuer == DEFAULT_ISSUER and b.doc_number == "陇科领办〔2024〕X号" and b.illustrative
    assert b.with_data == sum(i.baseline is not None for i in plan.indicators) and b.indicators == len(plan.indicators)
    assert b.previous_year is None and b.movers == () and b.warnings == () and b.counties == ()
    assert b.goal_index == plan.goal.index and b.focus  # the least-effort plan names indicators to push
    with pytest.raises(MethodError, match="2030"):
        gather_bulletin(read(None), year=2030)


def test_progress_year_matches_track(store: Store) -> None:
    city_2023(store, share=0.1)
    plan, fw = store.plan(), store.framework()
    tracked = track(plan, fw, read(None).figures())
    now = tracked[tracked["year"] == 2023]
    leaves = now[now["code"].isin([n.code for n in fw.leaves])]
    b = gather_bulletin(read(None), year=2023)
    assert b.year == 2023 and b.previous_year == plan.baseline_year
    assert b.index == pytest.approx(float(now[now["depth"] == 0]["value"].iloc[0]))
    assert {light: len(b.lights[light]) for light in LIGHTS} == {light: int((leaves["light"] == light).sum()) for light in LIGHTS}
    assert b.change is not None and b.movers  # the index moved since the baseline, and the movers say why
    assert len(b.warnings) == int(leaves["light"].eq("red").sum() + leaves["light"].eq("yellow").sum())
    charts = render_charts(b)
    assert set(charts) == {"groups", "path"} | {f"map_{which}" for which, _ in b.maps} and all(png.startswith(PNG) for png in charts.values())


def test_city_frame_fills_the_baseline_year_from_the_plan(store: Store) -> None:
    plan = store.plan()
    frame = city_frame(plan, read(None).figures(), [plan.baseline_year])
    assert len(frame) == sum(i.baseline is not None for i in plan.indicators)
    i01 = plan.indicator("I01")
    assert frame.set_index("indicator").loc["I01", "value"] == i01.baseline
    names = "、".join(plan.department(d).name for d in i01.lead)
    assert owners(plan, i01.lead) == names and owners(plan, ";".join(i01.lead) + ";") == names


def test_the_change_is_split_into_own_score_effects_and_re_weighting(store: Store) -> None:
    """I28 has no baseline and appears in 2023: its weight shift is a term of its own, not booked against the others."""
    from stpi.reports.bulletin import _change_blocks

    city_2023(store, share=0.1)  # every indicator moves toward its target: none may get a negative part
    b = gather_bulletin(read(None), year=2023, top=40)
    assert b.change is not None and b.reweight is not None and abs(b.reweight) > 1e-6
    parts = [float(m.cells[0]) for m in b.movers]
    assert parts and all(p >= 0 for p in parts)
    assert not any(m.label.startswith("28.") for m in b.movers)  # appearing is re-weighting, not a score change
    assert sum(parts) + b.reweight == pytest.approx(b.change, abs=5e-3)  # the lines print three decimals
    table = _change_blocks(b)[1][1]
    assert table[1][-1][0].startswith("权重重新分配") and table[1][-1][1] == f"{b.reweight:+.3f}"


# ------------------------------------------------------------------ on the demo store: rank, 督办, 抄送, charts, focus


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo store (2024, 2025) for the module; each test works on a copy."""
    from stpi.queries.demo import load_demo

    path = tmp_path_factory.mktemp("bulletin_demo") / "demo.db"
    store = Store(f"sqlite:///{path}")
    load_demo(store, years=(2024, 2025))
    store.close()  # everything in the one file (no write-ahead log left to copy)
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> str:
    copy = tmp_path / "demo.db"
    shutil.copy(demo_file, copy)
    return f"sqlite:///{copy}"


def test_the_rank_is_the_published_one_when_recorded(demo: str) -> None:
    from stpi.store.notes import published_results

    b = gather_bulletin(read(demo), year=2025, issued=date(2026, 12, 20))
    plan = read(demo).plan()
    code = read(demo).region(plan.region).code
    published = next(p for p in published_results(Store(demo), year=2025) if p.region == code)
    assert (b.rank, b.rank_regions, b.rank_source) == (published.rank, 14, RANK_SOURCES["published"])
    assert b.goal_rank == plan.goal.rank and b.policy == "reweight"  # the option's key: the writer words it


def test_the_rank_is_the_own_computation_without_a_published_one(demo: str) -> None:
    from stpi.queries.rank_history import rank_history

    with sqlite3.connect(demo.removeprefix("sqlite:///")) as db:  # as a store the province never reported to
        db.execute("DELETE FROM published_score")
        db.execute("DELETE FROM published_result")
    snap = read(demo)
    assert snap.published_results() == []
    b = gather_bulletin(snap, year=2025, issued=date(2026, 12, 20))
    history = rank_history(snap)
    k = history["years"].index(2025)
    assert history["series"][0]["self"] and history["series"][0]["points"][k]["source"] == "own"
    assert b.rank == history["series"][0]["points"][k]["rank"] and b.rank_source == RANK_SOURCES["own"] == "按同一方法对各市州的测算"
    assert b.rank_regions == sum(s["points"][k]["rank"] is not None for s in history["series"]) >= 2


def test_open_supervision_notices_are_listed_with_their_department(demo: str) -> None:
    from stpi.store import supervision as sv

    store = Store(demo)
    plan = store.plan()
    dept = plan.departments[0]
    first = sv.issue(store, department_code=dept.code, subject="技术合同登记进度滞后(请说明原因)", request="说明原因", deadline=date(2099, 1, 10), actor="admin")
    second = sv.issue(store, department_code=plan.departments[1].code, subject="已办结的事项", request="说明", deadline=date(2099, 2, 1), actor="admin")
    sv.close(store, second.id, version=second.version, actor="admin")
    b = gather_bulletin(read(demo), year=2025, issued=date(2099, 1, 20))
    assert b.supervision == (Line("技术合同登记进度滞后（请说明原因）", ("待反馈（已逾期）", "2099年1月10日"), dept.name),)  # overdue on the 成文日期
    assert first.status == "open"


def test_the_copy_to_list_is_a_setting(demo: str) -> None:
    from stpi.reports.bulletin import DEFAULT_COPY_TO
    from stpi.store.settings import set_setting

    assert gather_bulletin(read(demo), year=2025).copy_to == DEFAULT_COPY_TO == ("省科技厅", "市委办公室", "市人大常委会办公室", "市政府办公室", "市政协办公室")
    set_setting(Store(demo), "bulletin_copy_to", "省科技厅, 市政府办公室、市统计局", actor="admin")
    assert gather_bulletin(read(demo), year=2025).copy_to == ("省科技厅", "市政府办公室", "市统计局")
    assert gather_bulletin(read(demo), year=2025, copy_to=("市委办公室",)).copy_to == ("市委办公室",)


def test_the_path_chart_stops_at_the_bulletins_year(demo: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from stpi.reports import charts

    given: dict[str, object] = {}
    real_path, real_groups = charts.index_path_chart, charts.groups_chart

    def path_chart(years: list[int], *args: object, **kwargs: object) -> bytes:
        given["years"] = list(years)
        return real_path(years, *args, **kwargs)  # type: ignore[arg-type]

    def groups_chart(labels: list[str], *args: object, **kwargs: object) -> bytes:
        given["labels"] = list(labels)
        return real_groups(labels, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(charts, "index_path_chart", path_chart)
    monkeypatch.setattr(charts, "groups_chart", groups_chart)
    b = gather_bulletin(read(demo), year=2024)
    assert [y for y, _, _ in b.path] == [2022, 2024]  # the demo (2024, 2025) and the baseline
    render_charts(b)
    assert given["years"] == [2022, 2024]  # a 2024 bulletin does not plot 2025
    fw = read(demo).framework()
    groups = [n for area in fw.children(fw.root.code) for n in fw.children(area.code)]
    assert given["labels"] == [n.name for n in groups]  # names without codes, in the framework's order
    assert [(g.code, g.depth) for g in b.groups] == [(n.code, d) for area in fw.children(fw.root.code) for n, d in ((area, 1), *((c, 2) for c in fw.children(area.code)))]


def test_the_recommended_focus_never_falls_below_the_plan_target(demo: str) -> None:
    from stpi.analysis.goalseek import goal_seek
    from stpi.queries.bulletin import _at_least_target

    snap = read(demo)
    plan, fw = snap.plan(), snap.framework()
    b = gather_bulletin(snap, year=2025)
    known = city_frame(plan, snap.figures(), [2022, 2024, 2025]).sort_values("year").drop_duplicates("indicator", keep="last")
    answer = goal_seek(fw, plan, dict(zip(known["indicator"], known["value"].astype(float))), target=plan.goal.index, from_year=2025)
    moved = answer.moved()[:8]
    below = [m for m in moved if m.value_recommended is not None and m.direction > 0 and m.value_recommended < m.target]
    assert below, "the demo has an indicator whose evaluation standard lies below its plan target (I15)"
    for m in moved:
        value, gain = _at_least_target(m)
        assert value is not None and (value >= m.target - 1e-12 if m.direction > 0 else value <= m.target + 1e-12)
        assert gain >= m.gain - 1e-12
    i15 = next(f for f in b.focus if f.label.startswith("15."))
    assert i15.cells[1] == "0.21" == f"{plan.indicator('I15').target:g}"
    assert "建议值不低于实施方案确定的目标值" in b.focus_text and "第15项" in b.focus_text
    assert not HALF.search(b.focus_text + b.feedback_note) and all(not HALF.search(f.label) for f in b.focus)
    assert not latin_words(b.feedback_note)


def test_english_counts_are_singular_for_one() -> None:
    from stpi.i18n import set_lang
    from stpi.queries.changes import _summary

    set_lang("en")
    try:
        text = _summary("Since the last bulletin", 1, 1, 1, [], 1)
        assert text == "Since the last bulletin: 1 new figure; 1 revised figure; 1 light changed colour; 1 new supervision notice."
        assert _summary("Since", 2, 3, 0, [], 2) == "Since: 2 new figures; 3 revised figures; 2 new supervision notices."
    finally:
        set_lang(None)
    assert _summary("自上次", 1, 2, 0, [], 0) == "自上次：新增数据1项；修订数据2项。"


def test_departments_late_in_a_round_are_named_with_the_deadline(demo: str) -> None:
    import pandas as pd

    from stpi.queries.bulletin import department_lines, overdue_departments
    from stpi.store.rounds import open_round

    store = Store(demo)
    plan = store.plan()
    open_round(store, year=2025, period="2025Q4", actor="admin", deadline=date(2027, 3, 31), counties=False)  # a dispatch round: nothing reported for it
    snap = read(demo)
    assert overdue_departments(snap, 2025, today=date(2027, 3, 31)) == {}  # due, not yet late
    late = overdue_departments(snap, 2025, today=date(2027, 4, 1))
    leads = {plan.department(d).name for i in plan.indicators for d in i.lead}
    assert set(late) == leads and set(late.values()) == {date(2027, 3, 31)}
    i01 = plan.indicator("I01")
    leaves = pd.DataFrame({"code": ["I01"], "value": [float("nan")], "lead": [";".join(i01.lead)]})
    _, lines = department_lines(snap, plan, leaves, 2025, None, "reweight", today=date(2027, 4, 1))
    first = plan.department(i01.lead[0]).name
    assert Line(f"{i01.no}（填报截止2027年3月31日，已逾期）", (), first) in lines
    assert all(line.label.endswith("（填报截止2027年3月31日，已逾期）") for line in lines) and {line.owners for line in lines} == leads
