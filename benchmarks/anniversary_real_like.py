"""Calibration of the anniversary test on a generator unlike the package's simulator.

``eventdata.datasets.simulate_counts`` is the model the placebo test was tuned
on; this script checks it (and every other method) on counts made another way:

- negative binomial counts (size 3) around a latent log-rate;
- the log-rate is an AR(1) process with phi = 0.9 (stationary sd 0.35);
- a threefold trend over the series (log-linear);
- two regime shifts: x1.6 a third of the way in, x0.7 two thirds in;
- a weekday dip (Fridays at 60%);
- a holiday-like bump on a fixed date unrelated to the anniversary (15 to 21
  May, x2 every year);
- about 4 events a day on average; series of 2, 3 and 7 years ending 2022-12-31.

For each length it runs ``anniversary_test(daily, "01-03")`` with the default
(``method="auto"``) and each method on the same series, without an effect
(false-positive rate at alpha 0.05, one-sided "increase") and with a 1.5-fold
rise from 3 to 9 January every year (power), and prints the rejection rates
with 95% Clopper-Pearson intervals, the median smallest detectable ratio the
results report, and the time per call.

Run: ``.venv/bin/python benchmarks/anniversary_real_like.py [--reps 40]``
(about 8 minutes for 40 series per cell on one core).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from eventdata.analysis.anniversary import anniversary_test

ALPHA = 0.05
END = "2022-12-31"
LENGTHS = {2: "2021-01-01", 3: "2020-01-01", 7: "2016-01-01"}
METHODS = ("auto", "negbin", "quasipoisson", "poisson-etest", "poisson-exact", "poisson-score")


def real_like(start: str, *, rng: np.random.Generator, effect: float = 1.0) -> pd.Series:
    """Daily counts from the generator described in the module notes."""
    days = pd.date_range(start, END, freq="D")
    n = len(days)
    phi, sd = 0.9, 0.35
    latent = np.empty(n)
    latent[0] = rng.normal(0, sd)
    shocks = rng.normal(0, sd * np.sqrt(1 - phi**2), n)
    for t in range(1, n):
        latent[t] = phi * latent[t - 1] + shocks[t]
    position = np.linspace(0, 1, n)
    log_rate = np.log(4.0 / 1.7) + np.log(3.0) * (position - 0.5) + latent
    log_rate += np.where(position >= 1 / 3, np.log(1.6), 0.0)
    log_rate += np.where(position >= 2 / 3, np.log(0.7), 0.0)
    log_rate += np.where(days.day_of_week == 4, np.log(0.6), 0.0)
    holiday = (days.month == 5) & (days.day >= 15) & (days.day <= 21)
    log_rate += np.where(holiday, np.log(2.0), 0.0)
    if effect != 1.0:
        window = (days.month == 1) & (days.day >= 3) & (days.day <= 9)
        log_rate += np.where(window, np.log(effect), 0.0)
    mean = np.exp(log_rate)
    size = 3.0
    counts = rng.poisson(rng.gamma(size, mean / size))
    return pd.Series(counts, index=days, name="count")


def binomial_ci(hits: int, n: int) -> tuple[float, float]:
    ci = stats.binomtest(hits, n).proportion_ci(0.95, method="exact")
    return ci.low, ci.high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=40, help="series per length and scenario")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rows = []
    began = time.perf_counter()
    for years, start in LENGTHS.items():
        for effect in (1.0, 1.5):
            tallies = {m: {"p": [], "detectable": [], "seconds": [], "chosen": []} for m in METHODS}
            for _ in range(args.reps):
                daily = real_like(start, rng=rng, effect=effect)
                for method in METHODS:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # calibration warnings are the point
                        tick = time.perf_counter()
                        result = anniversary_test(daily, "01-03", method=method)
                        tallies[method]["seconds"].append(time.perf_counter() - tick)
                    tallies[method]["p"].append(result.pvalue)
                    tallies[method]["detectable"].append(result.detectable_ratio)
                    tallies[method]["chosen"].append(result.method)
            for method, tally in tallies.items():
                p = np.array(tally["p"])
                valid = np.isfinite(p)
                hits = int(np.sum(p[valid] < ALPHA))
                low, high = binomial_ci(hits, max(1, int(valid.sum())))
                chosen = pd.Series(tally["chosen"]).value_counts().index[0]
                rows.append(
                    {
                        "years": years,
                        "effect": effect,
                        "method": method if method != "auto" else f"auto ({chosen})",
                        "rejected": hits / max(1, valid.sum()),
                        "ci": f"{low:.2f}-{high:.2f}",
                        "no_p": int((~valid).sum()),
                        "detectable": float(np.nanmedian(tally["detectable"])),
                        "ms_per_call": 1000 * float(np.median(tally["seconds"])),
                    }
                )
    table = pd.DataFrame(rows)
    wide = table.pivot_table(
        index=["years", "method"], columns="effect", values="rejected", sort=False
    ).rename(columns={1.0: "false_positive_rate", 1.5: "power_1.5x"})
    cis = table.pivot_table(
        index=["years", "method"], columns="effect", values="ci", aggfunc="first", sort=False
    ).rename(columns={1.0: "fpr_95ci", 1.5: "power_95ci"})
    detect = table[table["effect"] == 1.0].set_index(["years", "method"])[
        ["detectable", "ms_per_call", "no_p"]
    ]
    summary = wide.join(cis).join(detect)[
        [
            "false_positive_rate",
            "fpr_95ci",
            "power_1.5x",
            "power_95ci",
            "detectable",
            "ms_per_call",
            "no_p",
        ]
    ]
    print(
        f"anniversary_test on the real-like generator: {args.reps} series per cell, "
        f"alpha {ALPHA}, one-sided increase; detectable = median smallest rate ratio "
        "detectable with 80% power as the results report it (null series)"
    )
    print(summary.to_string(float_format=lambda x: f"{x:.3g}"))
    print(f"total {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
