"""goalseek_store on the embedded default store: the recommended values reach the target."""

from __future__ import annotations

import pandas as pd
import pytest

from stpi.analysis.index import compute_index
from stpi.analysis.values import values_from_frame
from stpi.engine import Aggregate, Recipe
from stpi.queries.goalseek import goalseek_store, lead_departments, start_values
from stpi.store import Store
from tests.readkit import read


def test_goalseek_store_reaches_the_target(store: Store) -> None:
    plan, fw = store.plan(), store.framework()
    answer = goalseek_store(read(None))
    r = answer.result
    assert r.reachable and r.target == plan.goal.index and r.from_year == plan.baseline_year
    reached = {m.code: m.value_recommended if m.value_recommended is not None else m.value_start for m in r.indicators}
    frame = pd.DataFrame([(plan.region, plan.target_year, c, v) for c, v in reached.items() if v is not None], columns=["region", "year", "indicator", "value"])
    index = compute_index(fw, values_from_frame(frame, fw), Recipe(aggregate=Aggregate(missing="zero"))).long()
    root = float(index[index["code"] == fw.root.code]["value"].iloc[0])
    assert root == pytest.approx(r.achieved_index, abs=1e-6) and root >= r.target - 1e-6
    deps = lead_departments(r)
    assert deps["gain"].is_monotonic_decreasing and set(deps["department"]) == {d for m in r.moved() for d in m.lead}


def test_start_values_take_the_plan_baselines(store: Store) -> None:
    plan = store.plan()
    start, source = start_values(pd.DataFrame(columns=["region", "year", "indicator", "value"]), plan, plan.baseline_year)
    for ind in plan.indicators:
        assert (start[ind.code], source[ind.code]) == ((ind.baseline, "plan") if ind.baseline is not None else (None, "missing"))
