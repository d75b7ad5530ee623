"""Calibration and power of the per-province tests, by simulation (larger runs than the suite's).

Prints, for many seeded one-year series:

- the false discovery rate and raw rejection rate of :func:`province_frequency`
  when no province differs (the simulator with uniform province weights), and
  when each province has its own bursts of events (independent overdispersed,
  autocorrelated series), beside the exact binomial test of totals that
  ignores the clustering;
- the share of series in which provinces planted with ``hot_factor`` are
  flagged "higher";
- the same for :func:`compare_periods` (two years, no change or a planted one);
- the coverage of :func:`province_model`'s intervals.

With ``--aer PATH`` (a CSV of AER's RecreationDemand data, which eventdata does
not ship) it also reproduces ``AER::dispersiontest`` on the Poisson model of
Cameron and Trivedi: z = 2.4116, p = 0.00794, dispersion 6.566.

Run: ``python benchmarks/province_calibration.py --seeds 200 [--aer RecreationDemand.csv]``
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats import rates

import eventdata as ed
from eventdata.analysis.provinces import (
    compare_periods,
    overdispersion_test,
    province_frequency,
    province_model,
)
from eventdata.datasets.geography import COUNTRIES

# the suite's generator of province-specific bursts serves here too
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.test_provinces import clustered_events as clustered

YEAR = ("2021-01-01", "2021-12-31")
NEXT = ("2022-01-01", "2022-12-31")
REALISTIC = pd.Series({p.admin1: p.weight for c in COUNTRIES.values() for p in c.provinces})


def null_frequency(make, seeds: range, label: str) -> None:
    flagged, any_flag, raw, naive = [], [], [], []
    for seed in seeds:
        table = province_frequency(make(seed)).table
        totals = table.groupby("country")["count"].transform("sum")
        flagged.append((table["flag"] != "as expected").mean())
        any_flag.append((table["flag"] != "as expected").any())
        raw.append((table["pvalue"] < 0.05).mean())
        naive.append(
            np.mean(
                [
                    stats.binomtest(int(k), int(n), e / n).pvalue < 0.05
                    for k, n, e in zip(table["count"], totals, table["expected"], strict=True)
                ]
            )
        )
    print(
        f"{label}: FDR (any flag, complete null) {np.mean(any_flag):.3f} "
        f"[nominal 0.05]; share of provinces flagged {np.mean(flagged):.4f}; raw rejection "
        f"at 5% {np.mean(raw):.4f} (exact binomial of totals: {np.mean(naive):.4f})"
    )


def power_frequency(seeds: range, hot: list[str], factor: float, weights: str) -> None:
    found = {h: [] for h in hot}
    false_flags = []
    for seed in seeds:
        events = ed.datasets.simulate(
            *YEAR, seed=seed, hot_provinces=hot, hot_factor=factor, province_weights=weights
        )
        exposure = REALISTIC if weights == "realistic" else None
        table = province_frequency(events, exposure=exposure).table.set_index("admin1")
        for h in hot:
            found[h].append(table.loc[h, "flag"] == "higher")
        false_flags.append((table.drop(hot)["flag"] != "as expected").mean())
    detail = ", ".join(f"{h} {np.mean(v):.3f}" for h, v in found.items())
    print(
        f"power, hot_factor {factor}, {weights} weights (expected: "
        f"{'the weights' if weights == 'realistic' else 'uniform'}): {detail}; "
        f"other provinces flagged {np.mean(false_flags):.4f}"
    )


def null_compare(make, seeds: range, label: str) -> None:
    raw, naive, any_flag = [], [], []
    for seed in seeds:
        table = compare_periods(make(seed), before=YEAR, after=NEXT).table
        raw.append((table["pvalue"] < 0.05).mean())
        any_flag.append((table["flag"] != "no change").any())
        naive.append(
            np.mean(
                [
                    rates.test_poisson_2indep(a, 365, b, 365, method="score").pvalue < 0.05
                    for a, b in zip(table["count_after"], table["count_before"], strict=True)
                ]
            )
        )
    print(
        f"{label}: FDR (any flag) {np.mean(any_flag):.3f}; raw rejection at 5% "
        f"{np.mean(raw):.4f} (Poisson score test: {np.mean(naive):.4f})"
    )


def power_compare(seeds: range, factor: float) -> None:
    found, ratios = [], []
    for seed in seeds:
        first = ed.datasets.simulate(*YEAR, seed=seed)
        second = ed.datasets.simulate(
            *NEXT, seed=10_000 + seed, hot_provinces=["Kirkuk"], hot_factor=factor
        )
        table = compare_periods(pd.concat([first, second]), before=YEAR, after=NEXT).table
        kirkuk = table.set_index("admin1").loc["Kirkuk"]
        found.append(kirkuk["flag"] == "increase")
        ratios.append(kirkuk["rate_ratio"])
    print(
        f"compare_periods power, Kirkuk x{factor} in year 2: flagged 'increase' "
        f"{np.mean(found):.3f}; median rate ratio {np.median(ratios):.2f}"
    )


def model_coverage(seeds: range) -> None:
    covered, hot_covered, clustered_covered = [], [], []
    truth = 1.8 ** (13 / 14)
    for seed in seeds:
        null = province_model(
            ed.datasets.simulate(*YEAR, seed=seed, province_weights="uniform")
        ).table
        covered += ((null["ci_low"] <= 1) & (null["ci_high"] >= 1)).tolist()
        hot = province_model(
            ed.datasets.simulate(
                *YEAR,
                seed=seed,
                province_weights="uniform",
                hot_provinces=["Idleb"],
                hot_factor=1.8,
            )
        ).table.set_index("admin1")
        hot_covered.append(hot.loc["Idleb", "ci_low"] <= truth <= hot.loc["Idleb", "ci_high"])
        bursts = province_model(clustered(seed)).table
        clustered_covered += ((bursts["ci_low"] <= 1) & (bursts["ci_high"] >= 1)).tolist()
    print(
        f"province_model 95% intervals: cover 1 under the null {np.mean(covered):.3f}; "
        f"cover a planted x1.8 (true ratio to the geometric mean {truth:.3f}) "
        f"{np.mean(hot_covered):.3f}; cover 1 under the clustered null "
        f"{np.mean(clustered_covered):.3f}"
    )


def aer_check(path: str) -> None:
    import statsmodels.formula.api as smf
    from statsmodels.genmod.families import Poisson

    data = pd.read_csv(path, index_col=0)
    fit = smf.glm(
        "trips ~ quality + ski + income + userfee + costC + costS + costH", data, family=Poisson()
    ).fit()
    y, mu = data["trips"].to_numpy(float), fit.fittedvalues.to_numpy()
    nb1 = overdispersion_test(y, mu, method="ct-nb1")
    nb2 = overdispersion_test(y, mu, method="ct-nb2")
    print(
        f"AER RecreationDemand: z {nb1.statistic:.4f} (2.4116), p {nb1.pvalue:.5f} (0.00794), "
        f"dispersion {nb1.estimate:.3f} (6.566); trafo=2: z {nb2.statistic:.4f}, "
        f"p {nb2.pvalue:.6f}, alpha {nb2.estimate:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--aer", help="path to RecreationDemand.csv (AER), optional")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    if args.aer:
        aer_check(args.aer)
    n = args.seeds
    null_frequency(
        lambda s: ed.datasets.simulate(*YEAR, seed=s, province_weights="uniform"),
        range(n),
        f"province_frequency, simulator null ({n} one-year series)",
    )
    null_frequency(clustered, range(n), f"province_frequency, clustered null ({n} series)")
    null_frequency(
        lambda s: clustered(s, dispersion=6.0, noise=0.4),
        range(n),
        f"province_frequency, milder clustered null (simulator's burst parameters, {n} series)",
    )
    power_frequency(range(n), ["Kirkuk", "Hama"], 1.8, "realistic")
    power_frequency(range(n), ["Kerbala", "Quneitra"], 1.8, "realistic")
    power_frequency(range(n), ["Kirkuk", "Hama"], 1.8, "uniform")
    null_compare(
        lambda s: ed.datasets.simulate("2021-01-01", "2022-12-31", seed=s),
        range(n // 2),
        f"compare_periods, simulator null ({n // 2} two-year series)",
    )
    null_compare(
        lambda s: clustered(s, end=NEXT[1]),
        range(n // 2),
        f"compare_periods, clustered null ({n // 2} series)",
    )
    power_compare(range(n // 2), 1.8)
    power_compare(range(n // 2), 2.5)
    model_coverage(range(n // 4))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
