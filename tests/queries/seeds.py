"""Figures written and approved through the public store API, shared by the query tests."""

from __future__ import annotations

from stpi.store import Entry, Store, notes
from stpi.store import observations as ob

CITY = "621200"
COUNTIES = {"621202": "武都区", "621221": "成县", "621222": "文县"}


def city_2023(store: Store, *, share: float = 0.25) -> None:
    """2023 figures of the city: each indicator ``share`` of the way from its baseline to its target."""
    plan = store.plan()
    entries = [Entry(CITY, i.code, "2023", i.target if i.baseline is None else i.baseline + (i.target - i.baseline) * share) for i in plan.indicators]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin")


PACE = (1.0, 0.8, 0.3, -0.5)  # share of the 2023 milestone step achieved: green, yellow, red, red


def city_2023_paced(store: Store) -> None:
    """2023 figures for every indicator with a baseline, at the four paces in turn (so every light shows); all approved."""
    plan = store.plan()
    share = (2023 - plan.baseline_year) / (plan.target_year - plan.baseline_year)
    entries = [Entry(CITY, i.code, "2023", round(i.baseline + (i.target - i.baseline) * share * PACE[k % 4], 6))
               for k, i in enumerate(x for x in plan.indicators if x.baseline is not None and x.baseline > 0)]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin")


def counties_2023(store: Store) -> None:
    """武都区 at the targets, 成县 at the baselines, 文县 at half the targets; one raw variable's county sum off."""
    entries = []
    for i in store.plan().indicators:
        entries.append(Entry("621202", i.code, "2023", i.target))
        if i.baseline is not None:
            entries.append(Entry("621221", i.code, "2023", i.baseline))
        entries.append(Entry("621222", i.code, "2023", i.target / 2))
    entries.append(Entry(CITY, "rd_personnel", "2023", 1000.0))
    entries += [Entry(region, "rd_personnel", "2023", v) for region, v in zip(COUNTIES, [500.0, 400.0, 50.0])]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin")


def published(store: Store, values: dict[str, list[tuple[int, float]]]) -> None:
    """Published index values by region code."""
    for region, points in values.items():
        for year, value in points:
            notes.add_published_result(store, region=region, year=year, index_value=value, rank=None, source="测试 test", actor="admin")
