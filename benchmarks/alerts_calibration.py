"""False alerts per year and detection of a planted rise for every escalation_alerts method.

Issue 15, item 6. Daily counts around 6 events a day for 7 years from a
generator unlike the package's simulator:

- (a) Poisson;
- (b) negative binomial, gamma shape 3 (variance 3 times the mean);
- (c) (b) around a latent AR(1) log-rate, phi 0.9, stationary sd 0.5.

Daily methods (EARS C1, C2, C3; Poisson CUSUM with its mean from 28 days and
arl0 365; the negative-binomial CUSUM, the daily default, reference 365 days
and bootstrap h for its default arl0 730) run on the days; the flexible Farrington method
(the weekly default, Noufaily et al.'s settings, alpha 0.01) on their weekly
sums, monitoring the weeks after its five-year baseline. False alerts are
counted per year monitored. Power: the rate is multiplied by ``--rise``
(default 2) for 8 weeks starting 400 days before the end, on null (c);
"found" is an alert during those weeks, "delay" the median days from the
start of the rise to the first alert among those found.

Run: ``python benchmarks/alerts_calibration.py --series 20``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from eventdata import escalation_alerts

DAYS = pd.date_range("2015-01-04", periods=7 * 365 - 1, freq="D")  # whole weeks
DAILY = {
    "ears-c1": {"method": "ears-c1"},
    "ears-c2": {"method": "ears-c2"},
    "ears-c3": {"method": "ears-c3"},
    "cusum (Poisson, 28-day mean)": {"method": "cusum"},
    "nb-cusum (daily default)": {"method": "nb-cusum"},
}


def null_series(kind: str, rng: np.random.Generator, rise: float = 1.0) -> pd.Series:
    n = len(DAYS)
    mu = np.full(n, 6.0)
    if kind == "ar1":
        x = np.zeros(n)
        x[0] = rng.normal(0, 0.5)
        shocks = rng.normal(0, 0.5 * np.sqrt(1 - 0.81), n)
        for t in range(1, n):
            x[t] = 0.9 * x[t - 1] + shocks[t]
        mu *= np.exp(x - 0.125)
    mu[n - 400 : n - 400 + 56] *= rise
    y = rng.poisson(mu if kind == "poisson" else rng.gamma(3.0, mu / 3.0))
    return pd.Series(y, index=DAYS)


def run(series: pd.Series, options: dict) -> tuple[pd.DataFrame, int]:
    result = escalation_alerts(series, **options)
    frame = result.to_frame()
    return frame, int(frame["statistic"].notna().sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=20)
    parser.add_argument("--rise", type=float, default=2.0)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    methods = {**DAILY, "farrington (weekly default)": {"method": "farrington"}}
    rates = {m: {} for m in methods}
    for kind, label in (("poisson", "(a) Poisson"), ("nb", "(b) NB"), ("ar1", "(c) NB+AR(1)")):
        rng = np.random.default_rng({"poisson": 1, "nb": 2, "ar1": 3}[kind])
        alerts = dict.fromkeys(methods, 0)
        monitored = dict.fromkeys(methods, 0)
        for _ in range(args.series):
            y = null_series(kind, rng)
            for name, options in methods.items():
                data = y.resample("W-SAT").sum() if name.startswith("farrington") else y
                frame, n = run(data, options)
                alerts[name] += int(frame["alert"].sum())
                monitored[name] += n * (7 if name.startswith("farrington") else 1)
        for name in methods:
            rates[name][label] = alerts[name] / (monitored[name] / 365.25)
    rng = np.random.default_rng(4)
    found = {m: [] for m in methods}
    delay = {m: [] for m in methods}
    start = DAYS[len(DAYS) - 400]
    end = start + pd.Timedelta(days=55)
    for _ in range(args.series):
        y = null_series("ar1", rng, rise=args.rise)
        for name, options in methods.items():
            weekly = name.startswith("farrington")
            data = y.resample("W-SAT").sum() if weekly else y
            frame, _ = run(data, options)
            label = frame.columns[0]
            when = frame[label]
            inside = frame["alert"] & (when >= start) & (when <= end + pd.Timedelta(days=6))
            found[name].append(bool(inside.any()))
            if inside.any():
                delay[name].append((when[inside].iloc[0] - start).days)
    print(
        f"{args.series} series of 7 years per null, daily mean 6; rise x{args.rise:g} for 8 weeks"
    )
    header = (
        f"{'method':30s} {'(a) Poisson':>12s} {'(b) NB':>8s} {'(c) NB+AR(1)':>13s} "
        f"{'found':>6s} {'delay (days)':>12s}"
    )
    print("false alerts per year monitored; found / median delay on null (c) with the rise")
    print(header)
    for name in methods:
        r = rates[name]
        med = f"{np.median(delay[name]):.0f}" if delay[name] else "-"
        print(
            f"{name:30s} {r['(a) Poisson']:12.2f} {r['(b) NB']:8.2f} {r['(c) NB+AR(1)']:13.2f} "
            f"{np.mean(found[name]):6.2f} {med:>12s}"
        )
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
