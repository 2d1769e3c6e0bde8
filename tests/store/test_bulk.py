"""Bulk writes on both backends: exact values through the fast insert paths, vintages across periods."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sqlalchemy import func, select

from stpi.errors import ConflictError
from stpi.store import Entry, Store, bulk
from stpi.store import models as m
from stpi.store import observations as ob
from stpi.store.core import now

LONGNAN, WUDU = "621200", "621202"
AWKWARD = ["it's", 'a "quote"', "tab\there", "line\nbreak", "back\\slash", "'); DROP TABLE observation; --", "中文 备注", ""]


def figures(rows: list[tuple[str, str, str, float, str, str]]) -> pd.DataFrame:
    """A frame as imports hand it to the store: region, code, period, value, source, note."""
    frame = pd.DataFrame(rows, columns=["region", "code", "period", "value", "source", "note"])
    return frame.assign(expected_vintage=np.nan, _file="t.csv", _row=np.arange(2, len(frame) + 2))


def current(store: Store) -> dict[tuple[str, str, str], tuple[float | None, str, str, int]]:
    return {(o.region, o.code, o.period): (o.value, o.source, o.note, o.vintage) for o in ob.observations(store)}


def test_values_and_texts_arrive_exactly(store: Store) -> None:
    values = [0.1, 1 / 3, 1e-300, -2.5e15, 123456789.123456789, math.nan, 0.30000000000000004, 5e-324]
    rows = [(region, f"I{k + 1:02d}", period, v, "统计年鉴", note)
            for region in (LONGNAN, WUDU) for period in ("2022", "2023Q1") for k, (v, note) in enumerate(zip(values, AWKWARD))]
    result = ob.write_frame(store, figures(rows), actor="admin", upload=("t.csv", b"x"))
    assert (result.written, result.unchanged) == (len(rows), 0)
    got = current(store)
    for region, code, period, v, source, note in rows:
        value, src, text, vintage = got[(region, code, period)]
        assert (src, text, vintage) == (source, note, 1)
        assert (value is None) if math.isnan(v) else value == v
    assert all(o.current and not o.evaluated and o.status == "submitted" for o in ob.observations(store))


def test_one_text_in_every_row_is_still_bound(store: Store) -> None:
    """A column holding the same user text throughout is sent as a value, never written into the SQL."""
    for text in ("it's", "x'); DELETE FROM region; --"):
        rows = [(LONGNAN, f"I{k:02d}", "2023", float(k), text, text) for k in range(1, 6)]
        ob.write_frame(store, figures(rows), actor="admin")
    assert {(v[1], v[2], v[3]) for v in current(store).values()} == {("x'); DELETE FROM region; --",) * 2 + (2,)}
    assert len(store.regions()) == 24


def test_a_second_import_adds_vintages_only_where_figures_changed(store: Store) -> None:
    first = [(region, code, "2022", 1.0, "", "") for region in (LONGNAN, WUDU) for code in ("I01", "I02", "I03")]
    ob.write_frame(store, figures(first), actor="admin")
    second = [(LONGNAN, "I01", "2022", 1.0, "", ""), (LONGNAN, "I02", "2022", 2.0, "", ""), (WUDU, "I03", "2022", 1.0, "", "新口径"),
              (LONGNAN, "I01", "2023", 5.0, "", ""), (WUDU, "I01", "2023M03", math.nan, "", "")]
    result = ob.write_frame(store, figures(second), actor="alice")
    assert (result.written, result.unchanged) == (4, 1)
    got = current(store)
    assert got[(LONGNAN, "I01", "2022")] == (1.0, "", "", 1) and got[(LONGNAN, "I02", "2022")] == (2.0, "", "", 2)
    assert got[(WUDU, "I03", "2022")] == (1.0, "", "新口径", 2) and got[(LONGNAN, "I01", "2023")] == (5.0, "", "", 1)
    assert got[(WUDU, "I01", "2023M03")] == (None, "", "", 1) and len(got) == 8
    history = ob.observations(store, code="I02", region=LONGNAN, history=True)
    assert [(o.vintage, o.current) for o in history] == [(1, False), (2, True)]
    audit = sorted((a.key, a.old, a.new) for a in store.audit(entity="observation"))
    assert audit == [(f"{LONGNAN}/I02/2022", "1.0", "2.0"), (f"{WUDU}/I03/2022", "1.0", "1.0")]


def test_a_vintage_written_meanwhile_is_a_conflict_and_nothing_is_kept(store: Store) -> None:
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 1.0)], actor="admin")
    many = figures([(LONGNAN, "I01", "2023", 2.0, "", "")] + [(WUDU, f"I{k:02d}", "2023", 1.0, "", "") for k in range(1, 30)])
    with store.session() as s:
        rows, retire, audits = bulk.plan_write(s, many, actor="alice", status="submitted", reason="", revise=False, stamp=now())
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 3.0)], actor="bob")  # vintage 2, after alice read vintage 1
    with pytest.raises(ConflictError, match="同时修改"), store.session() as s:
        rows["batch_id"] = s.scalar(select(func.max(m.BatchRow.id)))
        bulk.apply_write(s, rows, retire, audits)
    assert [(o.vintage, o.value, o.created_by) for o in ob.observations(store, history=True)] == [(1, 1.0, "admin"), (2, 3.0, "bob")]


def test_rows_are_inserted_in_key_order() -> None:
    rng = np.random.default_rng(7)
    periods = rng.choice(["2023", "2022Q4", "2022", "2023M01"], 500).astype(object)
    regions, codes = rng.integers(1, 40, 500), rng.choice(["I10", "I02", "I01", "V_x"], 500).astype(object)
    order = bulk._key_order(periods, regions, codes)
    assert (order == np.lexsort((codes.astype(str), regions, periods.astype(str)))).all()


@pytest.mark.parametrize(("values", "literal"), [
    ([3, 3, 3], "3"), ([True, True], "1"), ([False, False], "0"), ([None, None], "NULL"), (["submitted"] * 2, "'submitted'"),
    ([""] * 2, "''"), (["it's", "it's"], None), ([1, 2], None), ([0.5, 0.5], None), (["a", None], None), (["a b"] * 2, None),
])
def test_only_plain_constants_are_written_into_the_sql(values: list[object], literal: str | None) -> None:
    column = pd.Series(values, dtype=object if any(v is None or isinstance(v, str) for v in values) else None)
    assert bulk._literal(column) == literal
