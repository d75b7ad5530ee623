"""Anniversary test per unit: time of ``anniversary_by_unit`` over 20 provinces against one test.

Seven years of simulated records kept to the 20 busiest provinces. For each
method, ``anniversary_by_unit(events, "01-03", by="admin1")`` (20 unit tests and
the pooled one) and one ``anniversary_test`` on all events are run in turn,
several times, and the median of each is printed with their ratio (the ratio
of the fastest runs too: on a shared machine it moves less). The issue's target
is at most about 10x for 20 units.

The units share the calendar, the design matrix, one stack of Newton steps for
their baselines (``_glm.fit_log_glms``), one stack of placebo solves and one
build of the result tables, and each unit's numbers are still those of its test
alone. With ``method="placebo"`` what each unit pays alone is a ranking, cheap
beside the shared work. With ``method="negbin"`` (or ``"quasipoisson"``) it is a
profile-likelihood inference (some 20 GLM fits and three NB2 dispersion searches on
all the days); the inferences of the pooled series and of every unit run together
(``_inference.model_inferences``: each a coroutine whose fits and dispersion searches
are made in one stack per step, the single test being the stack of one), so the 21
inferences cost about 11 times one; the per-iteration linear algebra of each unit's
fits is the floor.

Measured 2026-11-30 on the shared 2-core machine (load 4-5), 7 runs each, the
tree before the per-unit work (``before``) and after it run in turn, twice:

    method    one test (s)  by unit (s)   ratio   before: one test, by unit, ratio
    placebo          0.020        0.167    8.3x           0.024   0.304   12.6x
    negbin           0.080        1.026   12.8x           0.079   1.438   18.3x
    placebo          0.030        0.254    8.4x           0.026   0.327   12.8x
    negbin           0.085        1.083   12.7x           0.082   1.615   19.8x

and after the negbin inferences were run together (load 5.3-5.5, the tree before
that change as ``before``, in turn, twice; the negbin test alone is faster too):

    method    one test (s)  by unit (s)   ratio   before: one test, by unit, ratio
    negbin           0.057        0.587   10.2x           0.086   1.122   13.1x
    negbin           0.060        0.614   10.2x           0.080   1.212   15.1x

In CPU time (``time.process_time``, one BLAS thread, the fastest of 15 runs) the
negbin ratio is 9.5x: 0.034 s against 0.326 s.

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


def timed(call) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--methods", nargs="+", default=["placebo", "negbin"])
    args = parser.parse_args()
    runs = 3 if args.quick else 7

    events = ed.datasets.simulate("2016-01-01", "2022-12-31", seed=21)
    busiest = events["admin1"].value_counts().index[:20]
    events = events[events["admin1"].isin(busiest)].reset_index(drop=True)
    print(f"{len(events)} events, {events['admin1'].nunique()} provinces, 7 years; {runs} runs")
    print(
        f"{'method':<10} {'one test (s)':>13} {'by unit (s)':>12} {'ratio':>7} {'fastest runs':>13}"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in args.methods:

            def one(m=method):
                return ed.anniversary_test(events, "01-03", method=m)

            def by_unit(m=method):
                return ed.anniversary_by_unit(events, "01-03", by="admin1", min_events=1, method=m)

            one(), by_unit()  # warm: imports and first-call costs are not timed
            # in turn, so a change in the machine's load falls on both alike
            pairs = np.array([(timed(one), timed(by_unit)) for _ in range(runs)])
            single, units = np.median(pairs, axis=0)
            fastest = pairs[:, 1].min() / pairs[:, 0].min()
            print(
                f"{method:<10} {single:>13.3f} {units:>12.3f} {units / single:>6.1f}x "
                f"{fastest:>12.1f}x"
            )


if __name__ == "__main__":
    main()
