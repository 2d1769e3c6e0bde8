"""The workflow's guards, one at a time: who may submit what, entries that must name their vintage, conflicts that name the figure."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from stpi import service
from stpi.cli import app
from stpi.errors import ConflictError, ForbiddenError, InputError
from stpi.queries.data_page import save_entries, submit_year
from stpi.store import Entry, Store
from stpi.store import observations as ob
from stpi.store import queue
from stpi.store.accounts import add_user
from tests.cli.clitools import run_main

LONGNAN = "621200"


def cli(*args: str) -> Result:
    """``stpi …`` in this process. A command opens its store and leaves closing it to the process's end: no warning for that here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        result = CliRunner().invoke(app, list(args))
        if result.exception is not None:  # its traceback holds the command's store: let it go here
            result.exception.__traceback__ = None
            result.exc_info = None
        gc.collect()
    return result


def _departments(store: Store) -> None:
    add_user(store, "renshe", role="department", actor="admin", department="hrss", password="pw-123456789")  # lead of I07
    add_user(store, "keji", role="department", actor="admin", department="sci", password="pw-123456789")  # responsible for I07 too
    add_user(store, "keji2", role="department", actor="admin", department="sci", password="pw-123456789")


def test_a_department_submits_only_its_own_draft_of_a_shared_indicator(store: Store) -> None:
    """I07 has two departments: neither submits the other's draft (web and CLI); a colleague's draft is the department's own."""
    _departments(store)
    ob.write(store, [Entry(LONGNAN, "I07", "2023", 1.2)], actor="renshe", status="draft")
    ob.write(store, [Entry(LONGNAN, "I03", "2023", 1.5)], actor="keji2", status="draft")
    assert submit_year(store, username="keji", year=2023) == 1  # its colleague's I03, not hrss's I07
    assert {o.code: o.status for o in ob.observations(store, year=2023)} == {"I07": "draft", "I03": "submitted"}
    result = cli("submit", "--year", "2023", "--user", "keji", "--database", store.url)
    assert result.exit_code == 0 and {o.code: o.status for o in ob.observations(store, year=2023)}["I07"] == "draft"
    assert submit_year(store, username="renshe", year=2023) == 1
    assert [e.actor for e in store.audit(action="submit", key="I07")] == ["renshe"]


def test_a_department_cannot_submit_a_county_or_a_code_it_does_not_report(store: Store) -> None:
    _departments(store)
    result = cli("submit", "--year", "2023", "--user", "keji", "--region", "621202", "--database", store.url)
    assert result.exit_code != 0 and isinstance(result.exception, ForbiddenError)
    result = cli("submit", "--year", "2023", "--user", "renshe", "--code", "I04", "--database", store.url)
    assert result.exit_code != 0 and isinstance(result.exception, ForbiddenError)


def test_typed_entries_that_change_a_figure_must_name_its_vintage(store: Store) -> None:
    """A new figure needs no vintage; a change without one is refused (reload), not last-writer-wins; a stale one too."""
    item = {"region": LONGNAN, "year": "2023", "code": "I03", "value": "1.5"}
    assert save_entries(store, username="admin", items=[item])["written"] == 1
    assert save_entries(store, username="admin", items=[item])["unchanged"] == 1  # the same value again changes nothing
    with pytest.raises(ConflictError, match=r"vintage.*621200/I03/2023"):
        save_entries(store, username="admin", items=[{**item, "value": "1.7"}])
    assert save_entries(store, username="admin", items=[{**item, "value": "1.7", "vintage": "1"}])["written"] == 1
    with pytest.raises(ConflictError, match="621200/I03/2023"):
        save_entries(store, username="admin", items=[{**item, "value": "1.9", "vintage": "1"}])
    assert [(o.vintage, o.value) for o in ob.observations(store, code="I03", history=True)] == [(1, 1.5), (2, 1.7)]


def test_a_transition_that_lost_the_race_names_the_figure_and_what_it_is_now(store: Store) -> None:
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 1.0)], actor="admin")
    (figure,) = ob.observations(store, code="I01")
    assert queue.transition_ids(store, "approve", [figure.id], actor="reviewer-1") == 1
    with pytest.raises(ConflictError, match="621200/I01/2023.*approved"):
        queue.transition_ids(store, "return", [figure.id], actor="reviewer-2", comment="请核实")
    assert [e.actor for e in store.audit(entity="observation") if e.action in ("approve", "return")] == ["reviewer-1"]


def test_the_cli_names_what_blocks_a_lock_and_exits_non_zero(store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 1.0)], actor="admin")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        code, out = run_main(monkeypatch, capsys, "lock", "--year", "2023", "--database", store.url)
        gc.collect()
    assert code != 0 and "621200/I01/2023" in out.replace("\n", "") and "Traceback" not in out
    assert ob.locked_years(store) == []


def test_an_import_into_a_locked_year_needs_a_revision_with_a_reason(store: Store) -> None:
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 1.0)], actor="admin")
    ob.transition(store, "approve", actor="admin", year=2023)
    ob.lock_year(store, 2023, actor="admin")
    with pytest.raises(InputError, match="locked"):
        ob.write(store, [Entry(LONGNAN, "I01", "2023", 2.0), Entry(LONGNAN, "I02", "2023", 2.0)], actor="importer")
    ob.write(store, [Entry(LONGNAN, "I01", "2023", 2.0)], actor="admin", revise=True, reason="统计年鉴修订")
    assert [e.key for e in store.audit(action="revise")] == ["621200/I01/2023"] and store.audit(action="update") == []
