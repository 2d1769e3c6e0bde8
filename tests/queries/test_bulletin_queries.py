"""gather_bulletin and its parts on a store seeded through the public store API."""

from __future__ import annotations

from datetime import date

import pytest

from stpi import service
from stpi.analysis.track import track
from stpi.errors import MethodError
from stpi.queries.bulletin import DEFAULT_ISSUER, LIGHTS, city_frame, gather_bulletin, owners, render_charts
from stpi.store import Store
from tests.queries.seeds import city_2023
from tests.readkit import read

PNG = b"\x89PNG"


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
