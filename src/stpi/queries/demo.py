"""Loading the synthetic demo figures (演示数据) into a store, and the separate demo store of ``stpi serve --demo``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stpi.analysis.demo_data import DEMO_LABEL, DEMO_SEED, DEMO_YEARS, demo_figures, demo_ranks
from stpi.analysis.derived import derive_indicators
from stpi.errors import ConflictError
from stpi.framework.embedded import data_dir, embedded_variables
from stpi.i18n import get_lang
from stpi.store import notes
from stpi.store import observations as ob
from stpi.store.core import Store
from stpi.store.records import WriteResult
from stpi.store.rules import acting_user, check_admin
from stpi.store.settings import get_setting, set_setting

__all__ = ["DEMO_NOTE", "DemoLoad", "demo_database", "ensure_demo_store", "load_demo"]

DEMO_NOTE = "由演示数据计算,非省里公布 computed from the demo figures, not published by the province"
REASON = "载入演示数据 demo data"


@dataclass(frozen=True)
class DemoLoad:
    """What ``stpi demo load`` wrote: counts, and the city's index and rank each year."""

    region: str
    region_label: str  # in the language in force
    years: tuple[int, ...]
    regions: int
    written: int
    unchanged: int
    approved: int
    ranks: pd.DataFrame  # region, year, index, rank of every city


def _refuse_real_data(store: Store) -> None:
    """Demo figures go only into a store without real ones: never mix them, never overwrite them."""
    real = [o for o in ob.observations(store) if o.source != DEMO_LABEL]
    published = [p for p in notes.published_results(store) if p.source != DEMO_LABEL]
    if real or published:
        what = f"{len(real)} 条数据 figures" if real else f"{len(published)} 条公布结果 published results"
        raise ConflictError(
            f"库中已有非演示数据({what}),不能载入演示数据;请换一个数据库,或用 stpi serve --demo "
            f"the store holds real data ({what}); demo data is loaded only into a store without any: use another --database, or stpi serve --demo"
        )


def _figures(store: Store, years: Sequence[int], seed: int) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The demo figures for this store's plan: its city, the city's counties, the other cities."""
    plan, fw = store.plan(), store.framework()
    city = store.region(plan.region)
    counties = [r.name for r in store.regions("county") if r.parent == city.code]
    peers = [r.name for r in store.regions(city.level) if r.parent == city.parent and r.code != city.code]
    variables, formulas = embedded_variables()
    frame = demo_figures(plan, fw, counties=counties, peers=peers, variables=variables, formulas=formulas, years=years, seed=seed)
    return frame, counties, [plan.region, *peers]


def _entries(frame: pd.DataFrame) -> pd.DataFrame:
    """The figures as store.observations.write_frame takes them, each saying it is demo data."""
    return pd.DataFrame({
        "region": frame["region"], "code": frame["code"], "period": frame["year"].astype(str), "value": frame["value"],
        "source": DEMO_LABEL, "note": "", "expected_vintage": np.nan, "_file": "<demo>", "_row": np.arange(1, len(frame) + 1),
    })


def _received(store: Store, frame: pd.DataFrame) -> pd.DataFrame:
    """Who reported each demo figure and when it was received: realistic dates around the yearly deadline.

    A city figure comes from the lead department of its indicator (a raw statistic from the lead of the
    first indicator computed from it), each department on its own day before 31 March of the next year,
    one in seven a little late; county and peer figures arrive on 15 March. Never later than now.
    """
    from datetime import datetime, timedelta

    from stpi.store.core import now

    plan = store.plan()
    _, formulas = embedded_variables()
    lead = {i.code: i.lead[0] for i in plan.indicators if i.lead}
    for code, formula in formulas.items():
        for v in formula.variables:
            lead.setdefault(v, lead.get(code, ""))
    order = {d.code: k for k, d in enumerate(plan.departments)}
    city = frame["region"] == plan.region
    reporter = np.where(city, frame["code"].map(lead).fillna(""), "")
    offset = np.array([(-9 - 3 * (order[r] % 7) if order[r] % 7 != 5 else 6 + order[r] % 5) if r in order else -16 for r in reporter])
    deadline = pd.to_datetime((frame["year"].astype(int) + 1).astype(str) + "-03-31")
    received = deadline + pd.to_timedelta(offset, unit="D") + timedelta(hours=10)
    latest = pd.Timestamp(now())
    received = received.where(received <= latest, latest)
    return pd.DataFrame({"reporter": reporter, "received": received}, index=frame.index)


def load_demo(store: Store, *, years: Sequence[int] = DEMO_YEARS, seed: int = DEMO_SEED, actor: str = "admin") -> DemoLoad:
    """Write the demo figures (approved), the cities' demo ranks, and switch the demo banner on.

    Refuses, writing nothing, when the store holds figures or published results that
    are not demo data. Loading again with the same seed changes nothing; with
    another seed the figures get new vintages.
    """
    return _load(store, years=years, seed=seed, actor=actor)


def _load(store: Store, *, years: Sequence[int], seed: int, actor: str) -> DemoLoad:
    check_admin(acting_user(store, actor), "载入演示数据 load demo data")
    _refuse_real_data(store)
    plan, fw = store.plan(), store.framework()
    frame, counties, cities = _figures(store, years, seed)
    entries, received = _entries(frame), _received(store, frame)
    written = unchanged = 0
    for (who, _), rows in received.groupby(["reporter", "received"], sort=True):  # one batch per reporter and day received
        part = ob.write_frame(store, entries.loc[rows.index], actor=actor, status="submitted", reason=REASON,
                              on_behalf_of=str(who) or None, received_at=rows["received"].iloc[0].to_pydatetime())
        written, unchanged = written + part.written, unchanged + part.unchanged
    result = WriteResult(written, unchanged, None)
    regions = sorted(set(frame["region"]))
    approved = sum(ob.transition(store, "approve", actor=actor, year=int(y), regions=regions, comment=REASON) for y in sorted(set(frame["year"])))
    _, formulas = embedded_variables()
    ranks = demo_ranks(fw, derive_indicators(frame.rename(columns={"code": "indicator"}), formulas), cities)
    for region, year, index, rank in zip(ranks["region"], ranks["year"], ranks["index"], ranks["rank"]):
        notes.add_published_result(store, region=str(region), year=int(year), index_value=round(float(index), 2), rank=int(rank), source=DEMO_LABEL, actor=actor, note=DEMO_NOTE)
    if not get_setting(store, "demo_data"):
        set_setting(store, "demo_data", "true", actor=actor)
    return DemoLoad(plan.region, plan.region_label(get_lang()), tuple(int(y) for y in years), len(regions), result.written, result.unchanged, approved, ranks)


def demo_database() -> str:
    """The URL of the separate demo store: ``demo.db`` in the data folder, apart from the real one."""
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'demo.db'}"


def ensure_demo_store(*, seed: int = DEMO_SEED) -> tuple[str, bool]:
    """The demo store's URL, and whether it was made now (embedded default + demo data, overview public)."""
    url = demo_database()
    store = Store(url)
    try:
        made = not get_setting(store, "demo_data")
        if made:
            _load(store, years=DEMO_YEARS, seed=seed, actor="admin")
        if not get_setting(store, "public_overview"):
            set_setting(store, "public_overview", "true", actor="admin")
    finally:
        store.close()
    return url, made
