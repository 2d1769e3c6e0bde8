"""A year's round end to end on SQLite and PostgreSQL.

open → due lists → partial approval → the overview says incomplete → the lock is refused →
a return with its comment → submissions → approval → complete → lock (and a forced lock with its reason).
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from stpi import service
from stpi.errors import ConflictError, InputError
from stpi.queries.bulletin import gather_bulletin
from stpi.queries.overview import overview
from stpi.store import Entry, Store
from stpi.store import observations as ob
from stpi.store import rounds
from tests.cli.clitools import run_main
from tests.readkit import read

YEAR = 2025
DEADLINE = date(2026, 3, 31)
BEFORE, AFTER = date(2026, 3, 1), date(2026, 4, 2)


def _figures(store: Store, codes: list[str]) -> list[Entry]:
    plan = store.plan()
    city = store.region(plan.region).code
    return [Entry(city, c, str(YEAR), float(plan.indicator(c).target)) for c in codes]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_round_from_opening_to_lock(backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    monkeypatch.setenv("COLUMNS", "400")

    def _cli(*args: str) -> tuple[int, str]:
        return run_main(monkeypatch, capsys, *args, "--database", url)

    store = Store(url)
    plan, fw = store.plan(), store.framework(YEAR)
    leaves = [n.code for n in fw.leaves]

    # open: one task per (department, indicator it leads)
    code, out = _cli("round", "open", "--year", str(YEAR), "--deadline", DEADLINE.isoformat(), "--no-counties", "--reporter-deadline", "市财政局=2026-04-15")
    assert code == 0, out
    leads = {(d, i.code) for i in plan.indicators for d in i.lead}
    assert "开启2025轮次" in out and f"{len(leads)}项填报任务" in out
    found = rounds.tasks(store, year=YEAR, today=BEFORE)
    assert {(t.reporter, t.code) for t in found} == leads and {t.status for t in found} == {"due"}
    assert {t.deadline for t in found if t.reporter_name == "市财政局"} == {date(2026, 4, 15)}
    assert {t.status for t in rounds.tasks(store, year=YEAR, reporter="市科技局", today=AFTER)} == {"overdue"}

    # the due list as JSON: what a reporter owes, by when
    code, out = _cli("due", "--year", str(YEAR), "--reporter", "市科技局", "--json")
    assert code == 0, out
    items = json.loads(out)
    mine = sorted(i.code for i in plan.indicators if "市科技局" in [plan.department(d).name for d in i.lead])
    assert sorted(i["code"] for i in items) == mine
    first = items[0]
    assert {"reporter", "code", "name", "status", "deadline", "days_left"} <= set(first)
    assert first["reporter"] == plan.department("市科技局").code and first["deadline"] == DEADLINE.isoformat() and first["status"] in ("due", "overdue")
    assert first["days_left"] == DEADLINE.toordinal() - date.today().toordinal()

    # 15 of 32 submitted and approved (one entered by the bureau on a department's behalf, received before the deadline)
    part = leaves[:15]
    ob.write(store, _figures(store, part[:14]), actor="admin")
    received = datetime(2026, 3, 20)
    ob.write_frame(store, _frame(_figures(store, part[14:])), actor="admin", on_behalf_of=_lead(plan, part[14]), received_at=received)
    ob.transition(store, "approve", actor="admin", year=YEAR, codes=part)
    behalf = [t for t in rounds.tasks(store, year=YEAR) if t.code == part[14]]
    assert {t.submitted_at for t in behalf} == {received} and {t.on_time for t in behalf} == {True}
    assert {t.status for t in rounds.tasks(store, year=YEAR) if t.code in part} == {"approved"}

    # the overview and the bulletin say incomplete: the estimate, never a progress status
    view = overview(read(store), year=YEAR)
    assert view["complete"] is False and view["index"]["status"] == "incomplete"
    assert view["index"]["status_text"] == f"预估（不完整：{len(leaves) - 15}项未报）"
    assert view["year_state"]["missing"] == leaves[15:]
    groups_missing = {a.code for c in leaves[15:] for a in fw.ancestors(c)}
    assert all(g["status"] == "incomplete" for g in view["groups"] + view["areas"] if g["code"] in groups_missing)
    assert not any(g["status"] in ("reached", "on_track") for g in view["groups"] + view["areas"] if g["code"] in groups_missing)
    bulletin = gather_bulletin(read(store), year=YEAR)
    assert "预估" in bulletin.title and bulletin.index_status == "incomplete" and not bulletin.complete
    code, out = _cli("track", "--year", str(YEAR), "--json")
    tracked = json.loads(out[out.index("{"):])
    assert code == 0 and tracked["complete"] is False
    assert next(r for r in tracked["rows"] if r["depth"] == 0)["status"] == "incomplete"

    # the lock is refused, naming what is missing by reporter, in Chinese
    with pytest.raises(ConflictError) as refused:
        ob.lock_year(store, YEAR, actor="admin")
    text = str(refused.value)
    assert "不能锁定" in text and "市科技局：" in text and "{" not in text and "--force --reason" in text
    code, out = _cli("lock", "--year", str(YEAR))
    assert code != 0 and "不能锁定" in out and "{'" not in out
    with pytest.raises(InputError):
        ob.lock_year(store, YEAR, actor="admin", force=True)  # a forced lock needs its reason

    # the rest comes in; one figure is returned with its own comment and comes back corrected
    rest = leaves[15:]
    ob.write(store, _figures(store, rest), actor="admin")
    assert {t.status for t in rounds.tasks(store, year=YEAR) if t.code in rest} == {"submitted"}
    ob.transition(store, "return", actor="admin", year=YEAR, codes=[rest[0]], comment="口径与统计年鉴不一致，请核实")
    returned = [t for t in rounds.tasks(store, year=YEAR) if t.code == rest[0]]
    assert {t.status for t in returned} == {"returned"} and {t.comment for t in returned} == {"口径与统计年鉴不一致，请核实"}
    code, out = _cli("due", "--year", str(YEAR), "--json")
    listed = [i for i in json.loads(out) if i["code"] == rest[0]]
    assert listed and all(i["status"] == "returned" and i["comment"] == "口径与统计年鉴不一致，请核实" for i in listed)
    ob.transition(store, "approve", actor="admin", year=YEAR)
    assert {t.status for t in rounds.tasks(store, year=YEAR) if t.code == rest[0]} == {"returned"}  # approving all leaves the returned one alone
    current = next(o for o in ob.observations(store, year=YEAR, code=rest[0]))
    ob.write(store, [Entry(current.region, rest[0], str(YEAR), (current.value or 1.0) * 1.01, expected_vintage=current.vintage)], actor="admin")
    ob.transition(store, "approve", actor="admin", year=YEAR)

    # complete: a progress status again, and the lock goes through and closes the round
    assert {t.status for t in rounds.tasks(store, year=YEAR)} == {"approved"}
    view = overview(read(store))
    assert view["year"] == YEAR and view["complete"] is True and view["index"]["status"] != "incomplete"
    code, out = _cli("track", "--json")
    assert json.loads(out[out.index("{"):])["complete"] is True
    code, out = _cli("lock", "--year", str(YEAR))
    assert code == 0, out
    assert [r.status for r in rounds.rounds(store, year=YEAR)] == ["closed"]

    # a forced lock of another year keeps its reason, shown with the year
    rounds.open_round(store, year=2024, actor="admin", deadline=DEADLINE, counties=False)
    code, out = _cli("lock", "--year", "2024", "--force", "--reason", "I28 数据暂缺")
    assert code == 0, out
    assert ob.lock_reasons(store) == {2024: "I28 数据暂缺"}
    store.close()


def _lead(plan: object, code: str) -> str:
    return plan.indicator(code).lead[0]  # type: ignore[attr-defined]


def _frame(entries: list[Entry]) -> object:
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame([(e.region, e.code, e.period, e.value, "", "", np.nan) for e in entries],
                         columns=["region", "code", "period", "value", "source", "note", "expected_vintage"])
    frame["_file"], frame["_row"] = "<entries>", np.arange(1, len(frame) + 1)
    return frame
