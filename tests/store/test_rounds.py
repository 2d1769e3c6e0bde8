"""Rounds and tasks: default deadlines from the settings, a task's status from its figures, the due-soon hook."""

from __future__ import annotations

from datetime import date

import pytest

from stpi.errors import ConflictError, InputError
from stpi.store import Entry, Store
from stpi.store import observations as ob
from stpi.store import rounds
from stpi.store.rounds import task_status
from stpi.store.settings import set_setting

DEADLINE = date(2026, 3, 31)


def test_a_task_status_reads_the_figures() -> None:
    fig = {"I01": ("submitted", "")}
    assert task_status({}, "I01", (), DEADLINE, date(2026, 3, 1)) == ("due", "")
    assert task_status({}, "I01", (), DEADLINE, date(2026, 4, 1)) == ("overdue", "")
    assert task_status({"I01": ("draft", "")}, "I01", (), DEADLINE, date(2026, 3, 31)) == ("due", "")  # the deadline day is still on time
    assert task_status(fig, "I01", (), DEADLINE, date(2026, 4, 1)) == ("submitted", "")
    assert task_status({"I01": ("returned", "请核实")}, "I01", (), DEADLINE, date(2026, 4, 1)) == ("returned", "请核实")
    assert task_status({"I01": ("locked", "")}, "I01", (), DEADLINE, date(2026, 4, 1)) == ("approved", "")
    raw = ("a", "b")  # the indicator computed from raw statistics: all of them, the least advanced counts
    assert task_status({"a": ("approved", "")}, "I01", raw, DEADLINE, date(2026, 3, 1)) == ("due", "")
    assert task_status({"a": ("approved", ""), "b": ("submitted", "")}, "I01", raw, DEADLINE, date(2026, 3, 1)) == ("submitted", "")
    assert task_status({"a": ("approved", ""), "b": ("returned", "口径")}, "I01", raw, DEADLINE, date(2026, 3, 1)) == ("returned", "口径")
    assert task_status({"I01": ("approved", ""), "b": ("returned", "x")}, "I01", raw, DEADLINE, date(2026, 3, 1)) == ("approved", "")  # the value wins


def test_default_deadlines_come_from_the_settings(store: Store) -> None:
    assert rounds.default_deadline(store, "2025") == date(2026, 3, 31)
    assert rounds.default_deadline(store, "2025Q3") == date(2025, 10, 15)
    assert rounds.default_deadline(store, "2025M02") == date(2025, 3, 15)
    set_setting(store, "yearly_deadline", "04-15", actor="admin")
    set_setting(store, "period_deadline_days", "10", actor="admin")
    assert rounds.default_deadline(store, "2025") == date(2026, 4, 15) and rounds.default_deadline(store, "2025Q3") == date(2025, 10, 10)
    set_setting(store, "yearly_deadline", "april", actor="admin")
    with pytest.raises(InputError):
        rounds.default_deadline(store, "2025")
    with pytest.raises(InputError):
        rounds.open_round(store, year=2025, period="2024Q3", actor="admin")  # a period of another year


def test_a_dispatch_round_and_the_due_soon_hook(store: Store) -> None:
    found = rounds.open_round(store, year=2025, period="2025Q3", actor="admin", counties=False)
    assert found.deadline == date(2025, 10, 15) and found.tasks > 0
    city = store.region(store.plan().region).code
    ob.write(store, [Entry(city, "I01", "2025Q3", 50.0)], actor="admin")
    quarter = rounds.tasks(store, period="2025Q3", today=date(2025, 10, 1))
    assert {t.status for t in quarter if t.code == "I01"} == {"submitted"} and {t.status for t in quarter if t.code != "I01"} == {"due"}
    assert rounds.due_tasks(store, within_days=7, today=date(2025, 10, 1)) == []
    soon = rounds.due_tasks(store, within_days=14, today=date(2025, 10, 1))
    assert soon and all(t.status == "due" and t.days_left == 14 for t in soon)
    late = rounds.due_tasks(store, within_days=0, today=date(2025, 10, 20))
    assert late and {t.status for t in late} == {"overdue"} and "I01" not in {t.code for t in late}
    assert rounds.open_tasks(store, 2025) == []  # only the yearly round holds up the year's lock
    with pytest.raises(ConflictError):
        rounds.open_round(store, year=2025, period="2025Q3", actor="admin")
