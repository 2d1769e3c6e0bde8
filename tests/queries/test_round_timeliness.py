"""Timeliness that means something: the demo's figures arrive on realistic days, so the assessment is not all late."""

from __future__ import annotations

import collections

from stpi.queries.assessment import gather_assessment
from stpi.queries.demo import load_demo
from stpi.store import Store
from stpi.store import rounds


def test_demo_figures_carry_their_received_dates_and_the_assessment_reads_them(store: Store) -> None:
    load_demo(None, years=(2023, 2024))
    city = store.region(store.plan().region).code
    times = rounds.submission_times(store, 2024, city)
    assert times and all(t.year == 2025 and t.month in (3, 4) for t in times.values())
    _, result = gather_assessment(None, year=2024)
    timely = collections.Counter(r for r in result.detail["rule"] if str(r).startswith("T-"))
    assert timely["T-on_time"] > timely["T-late"] > 0 and timely["T-missing"] == 0
