"""Benchmark: time to produce each report from a store holding a year of figures.

The store is a temporary SQLite file with Longnan's plan and synthetic 2023 figures for the
city and its 9 counties (演示数据). Each report is produced 3 times; the best time is printed
with its ratio to the issue's goal of "a few seconds at most" (3 s).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from stpi.cli import app
from stpi.store import Entry, Store
from stpi.store import observations as ob

GOAL = 3.0


def fill(url: str) -> None:
    store = Store(url)
    plan = store.plan()
    rng = np.random.default_rng(2023)
    regions = ["621200"] + [r.code for r in store.regions("county")]
    entries = [Entry(r, i.code, "2023", float((i.baseline or i.target) * rng.uniform(0.9, 1.2))) for r in regions for i in plan.indicators]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin")
    store.close()


def main() -> None:
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        fill(url)
        jobs = {
            "bulletin docx": ["report", "bulletin", "--year", "2023", "--output", f"{tmp}/b.docx"],
            "bulletin html": ["report", "bulletin", "--year", "2023", "--output", f"{tmp}/b.html"],
            "assessment xlsx": ["report", "assessment", "--year", "2023", "--output", f"{tmp}/a.xlsx"],
            "assessment docx": ["report", "assessment", "--year", "2023", "--output", f"{tmp}/a.docx"],
            "warnings xlsx": ["report", "warnings", "--year", "2023", "--output", f"{tmp}/w.xlsx"],
            "counties xlsx": ["report", "counties", "--year", "2023", "--output", f"{tmp}/c.xlsx"],
            "workbook xlsx": ["report", "workbook", "--output", f"{tmp}/wb.xlsx"],
        }
        print("演示数据 synthetic figures: 陇南市 and 9 counties × 32 indicators, 2023")
        print(f"{'report':<18} {'best of 3':>10} {'size':>9} {'vs 3 s goal':>12}")
        for name, args in jobs.items():
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                result = runner.invoke(app, [*args, "--database", url])
                best = min(best, time.perf_counter() - start)
                assert result.exit_code == 0, result.output
            size = Path(args[args.index("--output") + 1]).stat().st_size
            print(f"{name:<18} {best:>8.2f} s {size / 1024:>7.0f} KB {best / GOAL:>11.2f}×")


if __name__ == "__main__":
    main()
