"""Timeliness that means something: the demo's figures arrive on realistic days, so the assessment is not all late."""

from __future__ import annotations

import collections

from stpi.queries.assessment import gather_assessment
from stpi.queries.demo import load_demo
from stpi.store import Store
from stpi.store import rounds
from tests.readkit import read


def test_demo_figures_carry_their_received_dates_and_the_assessment_reads_them(store: Store) -> None:
    load_demo(Store(None), years=(2023, 2024))
    city = store.region(store.plan().region).code
    times = rounds.submission_times(store, 2024, city)
    assert times and all(t.year == 2025 and t.month in (3, 4) for t in times.values())
    _, result = gather_assessment(read(None), year=2024)
    timely = collections.Counter(r for r in result.detail["rule"] if str(r).startswith("T-"))
    assert timely["T-on_time"] > timely["T-late"] > 0 and timely["T-missing"] == 0


def test_the_assessment_judges_each_figure_by_its_round_deadline(store: Store) -> None:
    from datetime import date, datetime

    from stpi.store import Entry
    from stpi.store import observations as ob

    plan = store.plan()
    rounds.open_round(store, year=2025, actor="admin", deadline=date(2026, 3, 31), deadlines={"市人社局": date(2026, 4, 30)}, counties=False)
    city = store.region(plan.region).code
    other = next(i.code for i in plan.indicators if "hrss" not in i.lead and i.lead)
    for code in ("I01", other):  # I01 is led by 市人社局, given until 30 April; the other figure is not
        ob.write_frame(store, _frame([Entry(city, code, "2025", float(plan.indicator(code).target))]), actor="admin",
                       on_behalf_of=plan.indicator(code).lead[0], received_at=datetime(2026, 4, 10))
    _, result = gather_assessment(read(None), year=2025)
    t = result.detail[result.detail["part"] == "T"]
    assert set(t[t["code"] == "I01"]["rule"]) == {"T-on_time"} and all("2026-04-30" in x for x in t[t["code"] == "I01"]["rule_text"])
    assert set(t[t["code"] == other]["rule"]) == {"T-late"} and all("2026-03-31" in x for x in t[t["code"] == other]["rule_text"])


def _frame(entries: list[object]) -> object:
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame([(e.region, e.code, e.period, e.value, "", "", np.nan) for e in entries],  # type: ignore[attr-defined]
                         columns=["region", "code", "period", "value", "source", "note", "expected_vintage"])
    frame["_file"], frame["_row"] = "<entries>", np.arange(1, len(frame) + 1)
    return frame
