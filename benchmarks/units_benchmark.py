"""Anniversary test per unit: time of ``anniversary_by_unit`` over 20 provinces against one test.

Seven years of simulated records kept to the 20 busiest provinces. For each
method, the median over several runs of ``anniversary_by_unit(events, "01-03",
by="admin1")`` (20 unit tests and the pooled one) is divided by the median of
one ``anniversary_test`` on the pooled series, measured in the same run. The
issue's target is about 10x for 20 units.

Run::

    .venv/bin/python benchmarks/units_benchmark.py            # ~1 min on a quiet 2-core machine
    .venv/bin/python benchmarks/units_benchmark.py --quick    # fewer runs
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import eventdata as ed


def median_seconds(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--methods", nargs="+", default=["placebo", "negbin"])
    args = parser.parse_args()
    runs = 3 if args.quick else 5

    events = ed.datasets.simulate("2016-01-01", "2022-12-31", seed=21)
    busiest = events["admin1"].value_counts().index[:20]
    events = events[events["admin1"].isin(busiest)].reset_index(drop=True)
    print(f"{len(events)} events, {events['admin1'].nunique()} provinces, 7 years; {runs} runs")
    print(f"{'method':<10} {'one test (s)':>13} {'by unit (s)':>12} {'ratio':>7}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in args.methods:
            one = median_seconds(
                lambda m=method: ed.anniversary_test(events, "01-03", method=m), runs
            )
            by_unit = median_seconds(
                lambda m=method: ed.anniversary_by_unit(
                    events, "01-03", by="admin1", min_events=1, method=m
                ),
                runs,
            )
            print(f"{method:<10} {one:>13.3f} {by_unit:>12.3f} {by_unit / one:>6.1f}x")


if __name__ == "__main__":
    main()
