"""Benchmark: each document of the demo store made as the downloads page makes it, right after a change.

Not a test. A throwaway SQLite store gets the demo data (演示数据); before each timing one figure of
the city is approved again (enter, submit, approve), so the snapshot and everything computed from it
are out of date: the time is the first download after a change, not a warm cache. Each document is
made --rounds times; the median and the worst are printed with the goal of issue 11 (bulletin DOCX
≤ 1 s, PDF ≤ 1.5 s, assessment ≤ 1 s, workbook ≤ 2 s) and, as a baseline, the same document made a
second time on the same snapshot (what the change costs over a warm snapshot).

    .venv/bin/python bench/bench_documents.py             # 3 rounds, the latest complete year
    .venv/bin/python bench/bench_documents.py --rounds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from stpi.queries.demo import load_demo
from stpi.queries.documents import make_document
from stpi.readmodel import snapshot
from stpi.store import Store
from stpi.store import observations as ob

GOALS = {("bulletin", "docx"): 1.0, ("bulletin", "pdf"): 1.5, ("bulletin", "html"): 1.0, ("assessment", "xlsx"): 1.0, ("assessment", "docx"): 1.0,
         ("workbook", "xlsx"): 2.0, ("warnings", "xlsx"): 1.0, ("counties", "xlsx"): 1.0}


def change(store: Store, city: str, year: int, step: list[float]) -> None:
    """Approve one more vintage of the city's I03 of ``year``."""
    step[0] += 0.01
    ob.write(store, [ob.Entry(city, "I03", str(year), 1.0 + step[0], source="基准测试 bench")], actor="admin", status="submitted", revise=True, reason="bench")
    ob.transition(store, "approve", actor="admin", year=year, regions=[city], codes=["I03"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stpi-bench-") as tmp:
        store = Store(f"sqlite:///{tmp}/docs.db")
        load_demo(store, actor="admin")
        city = store.region(store.plan().region).code
        year = max(snapshot(store).figure_years())
        step = [0.0]
        print(f"stpi documents after a change — demo store, year {year}, {args.rounds} rounds, load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"  {'document':<18}{'median s':>9}{'worst s':>9}{'warm s':>8}{'goal s':>8}   size")
        for (kind, fmt), goal in GOALS.items():
            make_document(snapshot(store), kind, fmt, year)  # imports, fonts and templates loaded once
            cold, warm, size = [], [], 0
            for _ in range(args.rounds):
                change(store, city, year, step)
                start = time.perf_counter()
                snap = snapshot(store)
                _, _, data = make_document(snap, kind, fmt, year)
                cold.append(time.perf_counter() - start)
                start = time.perf_counter()
                make_document(snap, kind, fmt, year)
                warm.append(time.perf_counter() - start)
                size = len(data)
            med = statistics.median(cold)
            print(f"  {kind + '.' + fmt:<18}{med:>9.2f}{max(cold):>9.2f}{statistics.median(warm):>8.2f}{goal:>8.1f}   {size / 1024:.0f} KB  {'ok' if med <= goal else 'MISSED'}")
        store.close()


if __name__ == "__main__":
    main()
