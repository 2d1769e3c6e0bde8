"""Benchmark: one what-if answer (index, areas, groups, contributions, rank) on the embedded default store.

Compares the web app's path — the scenario read from the store once, then one engine call per
answer — with the simple baseline of recomputing from the store on every keystroke
(``scenario`` + ``whatif`` each time). Prints median / p95 per answer and the ratio.

Run: python bench/bench_whatif.py [--repeat N]
Runs on a throwaway SQLite store (STPI_HOME in a temporary folder); illustrative parameters.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def _time(fn: object, repeat: int) -> list[float]:
    took = []
    for k in range(repeat):
        begin = time.perf_counter()
        fn(k)  # type: ignore[operator]
        took.append(1000 * (time.perf_counter() - begin))
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    os.environ["STPI_HOME"] = tempfile.mkdtemp(prefix="stpi-bench-whatif-")
    os.environ.pop("STPI_DATABASE_URL", None)
    from stpi.queries.whatif import scenario, whatif
    from stpi.store import Store

    store = Store()
    plan = store.plan()
    targets = {i.code: i.target for i in plan.indicators}
    sc = scenario(store.url)

    def kept(k: int) -> None:
        whatif(sc, {c: v * (1 + k / 1000) for c, v in targets.items()})

    def baseline(k: int) -> None:
        whatif(scenario(store.url), {c: v * (1 + k / 1000) for c, v in targets.items()})

    fast = _time(kept, args.repeat)
    slow = _time(baseline, max(10, args.repeat // 10))
    p95 = lambda xs: sorted(xs)[int(0.95 * (len(xs) - 1))]  # noqa: E731
    print("what-if answer on Longnan's 32 indicators (illustrative parameters)")
    print(f"  web path (scenario kept, one engine call): median {statistics.median(fast):7.2f} ms   p95 {p95(fast):7.2f} ms   ({len(fast)} answers)")
    print(f"  baseline (re-read the store every time):   median {statistics.median(slow):7.2f} ms   p95 {p95(slow):7.2f} ms   ({len(slow)} answers)")
    print(f"  ratio baseline / web path: {statistics.median(slow) / statistics.median(fast):.0f}×")


if __name__ == "__main__":
    main()
