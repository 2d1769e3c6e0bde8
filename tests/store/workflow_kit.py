"""Helpers of the workflow race and kill -9 tests: two racers (threads or forked processes), figures made in bulk, the consistency check."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import text

from stpi.errors import ConflictError, InputError, StpiError
from stpi.store import Store
from stpi.store import observations as ob

LONGNAN = "621200"
FORK = mp.get_context("fork")  # a child starts with stpi, pandas and SQLAlchemy imported: milliseconds, not a second
Outcome = tuple[str, str]


def frame_of(rows: Sequence[tuple[str, str, str, float]], expected: Sequence[float] | None = None) -> pd.DataFrame:
    """A write frame of (region, code, period, value) rows, as an import makes it."""
    f = pd.DataFrame(list(rows), columns=["region", "code", "period", "value"])
    f["source"], f["note"] = "", ""
    f["expected_vintage"] = np.nan if expected is None else np.asarray(expected, dtype=float)
    f["_file"], f["_row"] = "<test>", np.arange(1, len(f) + 1)
    return f


def figures(store: Store, year: int, codes: Sequence[str], *, status: str = "submitted", value: float = 1.0) -> dict[str, int]:
    """Write one annual figure of Longnan per code (status submitted, or approved); their ids by code."""
    ob.write_frame(store, frame_of([(LONGNAN, c, str(year), value) for c in codes]), actor="setup", status="submitted")
    if status == "approved":
        ob.transition(store, "approve", actor="setup", year=year, codes=list(codes))
    return {o.code: o.id for o in ob.observations(store, year=year) if o.code in set(codes)}


def attempt(fn: Callable[..., Any], store: Store, *args: Any) -> Outcome:
    """Run one racer's step: ("ok", result), ("conflict" | "input" | "error", message)."""
    try:
        return "ok", repr(fn(store, *args))
    except ConflictError as exc:
        return "conflict", str(exc)
    except InputError as exc:
        return "input", str(exc)
    except StpiError as exc:
        return "error", f"{type(exc).__name__}: {exc}"


def _work(url: str, inbox: Any, outbox: Any, barrier: Any) -> None:
    store = Store(url, prepare=False)  # its own engine and connections
    while (job := inbox.get()) is not None:
        fn, delay, args = job
        barrier.wait()
        if delay:
            time.sleep(delay)
        outbox.put(attempt(fn, store, *args))
    store.close()


class Racers:
    """Two racers that start each step at the same moment: threads sharing the store, or forked processes with a store each."""

    def __init__(self, store: Store, mode: str) -> None:
        self.store, self.mode = store, mode
        if mode == "process":
            store.close()  # no pooled connection may cross the fork
            self.barrier = FORK.Barrier(2)
            self.inboxes = [FORK.Queue(), FORK.Queue()]
            self.outboxes = [FORK.Queue(), FORK.Queue()]
            self.procs = [FORK.Process(target=_work, args=(store.url, i, o, self.barrier), daemon=True) for i, o in zip(self.inboxes, self.outboxes)]
            for p in self.procs:
                p.start()

    def race(self, a: tuple[Callable[..., Any], float, tuple[Any, ...]], b: tuple[Callable[..., Any], float, tuple[Any, ...]]) -> list[Outcome]:
        """Run steps a and b at once, each (function of a store, delay in seconds, arguments); their outcomes in order."""
        if self.mode == "process":
            for inbox, job in zip(self.inboxes, (a, b)):
                inbox.put(job)
            return [box.get(timeout=60) for box in self.outboxes]
        barrier = threading.Barrier(2)
        out: list[Outcome] = [("error", "did not finish"), ("error", "did not finish")]

        def run(i: int, job: tuple[Callable[..., Any], float, tuple[Any, ...]]) -> None:
            fn, delay, args = job
            barrier.wait(timeout=30)
            if delay:
                time.sleep(delay)
            out[i] = attempt(fn, self.store, *args)

        threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate((a, b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        return out

    def close(self) -> None:
        if self.mode == "process":
            for inbox in self.inboxes:
                inbox.put(None)
            for p in self.procs:
                p.join(timeout=30)


def _count(conn: Any, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(text(sql), params)]


def inconsistencies(url: str) -> list[str]:
    """Everything wrong with a store's figures, years, batches and audit; empty when it is consistent.

    Exactly one current vintage per figure; vintages 1..n without gaps; a year's lock row present
    exactly when every current annual figure of the year is locked (these tests make no revisions)
    and its lock audited once; each batch holds as many figures as it says and is audited once.
    """
    store = Store(url, prepare=False)
    found: list[str] = []
    with store.engine.connect() as conn:
        one = "SUM(CASE WHEN current THEN 1 ELSE 0 END)"
        found += [f"current vintages {r}" for r in _count(conn, f"SELECT region_id, code, period, {one} FROM observation GROUP BY region_id, code, period HAVING {one} <> 1")]
        found += [f"vintage gap {r}" for r in _count(conn, "SELECT region_id, code, period, COUNT(*), MAX(vintage) FROM observation GROUP BY region_id, code, period HAVING COUNT(*) <> MAX(vintage)")]
        locks = {int(y) for (y,) in _count(conn, "SELECT year FROM year_lock")}
        annual = "current AND period = CAST(year AS VARCHAR(16))"
        for year, status, n in _count(conn, f"SELECT year, status, COUNT(*) FROM observation WHERE {annual} GROUP BY year, status"):
            if (int(year) in locks) != (status == "locked"):
                found.append(f"year {year}: {n} current annual figures {status}, lock row {'present' if int(year) in locks else 'absent'}")
        found += [f"evaluated but not locked {r}" for r in _count(conn, "SELECT year, COUNT(*) FROM observation WHERE evaluated AND year NOT IN (SELECT year FROM year_lock) GROUP BY year")]
        audited = {k: int(n) for k, n in _count(conn, "SELECT key, COUNT(*) FROM audit WHERE action = 'lock' AND entity = 'year' GROUP BY key")}
        found += [f"year {y}: {audited.get(str(y), 0)} lock audit rows" for y in locks if audited.get(str(y), 0) != 1]
        found += [f"lock audit of unlocked year {k}" for k in audited if int(k) not in locks]
        sizes = dict(_count(conn, "SELECT batch_id, COUNT(*) FROM observation GROUP BY batch_id"))
        writes = {}
        for (key,) in _count(conn, "SELECT key FROM audit WHERE action = 'write' AND entity = 'batch'"):
            batch = int(key.split()[0].lstrip("#"))
            writes[batch] = writes.get(batch, 0) + 1
        for batch, created, changed in _count(conn, "SELECT id, created, changed FROM batch"):
            if sizes.get(batch, 0) != created + changed:
                found.append(f"batch #{batch}: says {created}+{changed}, holds {sizes.get(batch, 0)}")
            if writes.get(batch, 0) != 1:
                found.append(f"batch #{batch}: {writes.get(batch, 0)} write audit rows")
    store.close()
    return found


def year_state(store: Store, year: int) -> tuple[int, tuple[str, int] | None, bool]:
    """A year in three numbers: how many current figures, (status, vintage) of the current L000, whether the year is locked."""
    with store.engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM observation WHERE year = :y AND current"), {"y": year}).scalar_one()
        first = conn.execute(text("SELECT status, vintage FROM observation WHERE year = :y AND code = 'L000' AND current"), {"y": year}).first()
        locked = conn.execute(text("SELECT COUNT(*) FROM year_lock WHERE year = :y"), {"y": year}).scalar_one()
    return int(n), None if first is None else (str(first[0]), int(first[1])), bool(locked)


def transitions_by_key(url: str, actions: Sequence[str]) -> dict[str, int]:
    """How many audit rows of these actions each observation key has."""
    store = Store(url, prepare=False)
    with store.engine.connect() as conn:
        marks = ", ".join(f"'{a}'" for a in actions)
        out = {k: int(n) for k, n in _count(conn, f"SELECT key, COUNT(*) FROM audit WHERE entity = 'observation' AND action IN ({marks}) GROUP BY key")}
    store.close()
    return out
