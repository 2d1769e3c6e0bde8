"""Generations: a counter per part of the store, bumped inside the transaction that changes that part.

Readers compare the counters (one small query) with those of the snapshot they hold: equal counters
mean nothing they show has changed; a changed counter names the part to read again. Figures also
count per year (``figures/2025``), so one approved figure makes the read model reload one year.

A transaction learns what it changed in three ways, all inside :meth:`Store.session`: the audit
entry every change writes (:func:`mark_entity`), the ORM objects it flushes (:func:`mark_flushed`)
and the years a figure writer locks (:func:`mark_years`). Just before the commit, :func:`bump_in`
adds one to every part marked, in name order (two writers never wait for each other in a cycle).
Counters only grow; a restore keeps them (they are not in a backup) and bumps them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from stpi.store import models as m

__all__ = ["ALL", "PARTS", "bump_in", "mark_entity", "mark_flushed", "mark_years", "read_generations", "year_part"]

PARTS = ("county_targets", "figures", "notes", "people", "plan", "published", "regions", "rounds", "settings")
ALL = frozenset(PARTS)

# audit entity → part it changes; an entity not listed changes everything (the safe reading)
ENTITY_PART: Mapping[str, str] = {
    "observation": "figures", "batch": "figures", "upload": "figures", "year": "figures",
    "plan": "plan", "framework": "plan", "region": "regions",
    "setting": "settings", "contact": "settings", "webhook": "settings",
    "published_result": "published", "published_score": "published",
    "round": "rounds", "county_target": "county_targets",
    "user": "people", "account": "people",
    "progress_note": "notes", "supervision": "notes", "outbox": "notes", "message": "notes",
}
READS = frozenset({"login", "login_failed", "download"})  # audited actions that change nothing a reader shows

# table → part, for changes made through the ORM
TABLE_PART: Mapping[str, str] = {
    "region": "regions", "framework_version": "plan", "plan": "plan", "county_target": "county_targets",
    "department": "plan", "assignment": "plan", "upload": "figures", "batch": "figures", "observation": "figures",
    "year_lock": "figures", "progress_note": "notes", "published_result": "published", "published_score": "published",
    "app_user": "people", "setting": "settings", "reporting_round": "rounds", "reporting_task": "rounds",
    "supervision": "notes", "supervision_event": "notes", "supervision_file": "notes", "message": "notes",
    "outbox": "notes", "webhook": "settings", "contact": "settings",
}
_QUIET = frozenset({"login_attempt", "login_gate", "audit", "generation"})  # tables whose rows no reader shows

_PARTS_KEY, _YEARS_KEY = "stpi_parts", "stpi_years"


def year_part(year: int) -> str:
    """The counter of one year's figures."""
    return f"figures/{int(year)}"


def _parts(s: Session) -> set[str]:
    found: set[str] = s.info.setdefault(_PARTS_KEY, set())
    return found


def mark_entity(s: Session, action: str, entity: str, key: str) -> None:
    """Note what an audited change touched (called by :meth:`Store.audit_in`)."""
    if action in READS:
        return
    part = ENTITY_PART.get(entity)
    if part is None:
        _parts(s).update(ALL)
        return
    _parts(s).add(part)
    if entity == "observation":  # key region/code/period
        period = key.rsplit("/", 1)[-1]
        if period[:4].isdigit():
            mark_years(s, [int(period[:4])])
    elif entity == "year" and key.isdigit():
        mark_years(s, [int(key)])


def mark_years(s: Session, years: Iterable[int]) -> None:
    """Note the years whose figures this transaction writes."""
    s.info.setdefault(_YEARS_KEY, set()).update(int(y) for y in years)
    _parts(s).add("figures")


def mark_flushed(s: Session, tables: Iterable[str]) -> None:
    """Note the tables of the ORM objects a flush wrote."""
    for table in tables:
        if table not in _QUIET:
            _parts(s).add(TABLE_PART.get(table, "settings"))


def bump_in(s: Session) -> None:
    """Add one to the counter of every part this transaction changed (its last statements before the commit)."""
    s.flush()
    parts = s.info.pop(_PARTS_KEY, set())
    years = s.info.pop(_YEARS_KEY, set())
    if not parts:
        return
    g = m.GenerationRow
    s.execute(update(g).where(g.part.in_(sorted(parts))).values(gen=g.gen + 1))
    if years:
        if s.get_bind().dialect.name == "postgresql":  # imported here: a command that only reads never loads either dialect's insert
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        rows = [{"part": year_part(y), "gen": 1} for y in sorted(years)]
        stmt = insert(g).values(rows)
        s.execute(stmt.on_conflict_do_update(index_elements=[g.part], set_={"gen": g.gen + 1}))
    s.info.pop(_PARTS_KEY, None)  # the statements above flushed nothing of their own
    s.info.pop(_YEARS_KEY, None)


def read_generations(s: Session) -> dict[str, int]:
    """Every counter, by part name."""
    return {part: int(gen) for part, gen in s.execute(select(m.GenerationRow.part, m.GenerationRow.gen))}
