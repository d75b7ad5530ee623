"""False flags and power of :func:`province_frequency` when provinces are dependent over time.

Issue 15, item 5. A generator unlike the package's simulator: every province
of a country has the same expected rate, but its own persistent bursts:

- a latent AR(1) log-rate per province, ``x_t = 0.9 x_{t-1} + e_t``, with
  stationary standard deviation ``sigma`` (0.5 or 1.0);
- campaigns: a Poisson number per country-year (mean ``campaigns``), each in
  a province drawn at random, 2 to 6 weeks long (uniform), multiplying its
  rate by 3 to 5 (uniform);
- daily counts negative binomial around that rate (gamma shape 2);
- Iraq (18 provinces) and Syria (14), each 5 events a day in all, one year.

It prints, per scenario, the share of datasets in which at least one of the 32
provinces is flagged at the nominal 5% FDR (``P(any flag)``; under this
complete null that is the FDR), the raw rejection rate at 5%, and the power
to flag "higher" a province whose rate is multiplied by 1.8 (Kirkuk in Iraq,
so 0.28 events a day become 0.5).

``dependence="none"`` is the method before issue 15 (monthly dispersion, normal
reference): the "before" figures; ``"blocks"`` the default since.

Run: ``python benchmarks/province_dependence.py --seeds 300``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from eventdata.analysis.provinces import province_frequency
from eventdata.datasets.geography import COUNTRIES

DAYS = pd.date_range("2021-01-01", "2021-12-31", freq="D")
SCENARIOS = {  # label: (sigma, campaigns per country-year)
    "NB only (no latent, no campaigns)": (0.0, 0.0),
    "AR(1) sd 0.5, no campaigns": (0.5, 0.0),
    "AR(1) sd 0.5, 2 campaigns/yr": (0.5, 2.0),
    "AR(1) sd 0.8, 2 campaigns/yr": (0.8, 2.0),
    "AR(1) sd 0.8, 4 campaigns/yr": (0.8, 4.0),
}


def province_series(
    rng: np.random.Generator, n: int, rate: float, sigma: float, campaigns: float
) -> np.ndarray:
    """Daily counts of one province: NB around an AR(1) log-rate with campaigns.

    ``campaigns`` is the province's expected number a year.
    """
    phi = 0.9
    shocks = rng.normal(0.0, sigma * np.sqrt(1 - phi**2), n)
    x = np.empty(n)
    x[0] = rng.normal(0.0, sigma)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + shocks[t]
    multiplier = np.ones(n)
    for _ in range(rng.poisson(campaigns * n / 365)):
        first = rng.integers(0, n)
        length = rng.integers(14, 43)
        multiplier[first : first + length] *= rng.uniform(3.0, 5.0)
    mu = rate * np.exp(x - sigma**2 / 2) * multiplier
    return rng.poisson(rng.gamma(2.0, mu / 2.0))


def dataset(
    seed: int, sigma: float, campaigns: float, hot: str | None = None, factor: float = 1.8
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for country in ("Iraq", "Syria"):
        provinces = COUNTRIES[country].provinces
        for province in provinces:
            rate = 5.0 / len(provinces) * (factor if province.admin1 == hot else 1.0)
            y = province_series(rng, len(DAYS), rate, sigma, campaigns / len(provinces))
            frames.append(
                pd.DataFrame(
                    {
                        "event_date": np.repeat(DAYS.to_numpy(), y),
                        "country": country,
                        "admin1": province.admin1,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=300)
    parser.add_argument(
        "--dependence",
        nargs="+",
        default=["none", "blocks"],
        help="province_frequency(dependence=): 'none' is the method before issue 15",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    print(f"{args.seeds} one-year datasets per scenario, Iraq + Syria, 5 events/day each")
    print(
        f"{'scenario':34s} {'dependence':>10s} {'P(any flag)':>12s} {'raw 5%':>8s} "
        f"{'power 1.8x':>11s}"
    )
    for label, (sigma, campaigns) in SCENARIOS.items():
        for dependence in args.dependence:
            any_flag, raw, power = [], [], []
            for seed in range(args.seeds):
                null = dataset(seed, sigma, campaigns)
                table = province_frequency(null, dependence=dependence).table
                any_flag.append((table["flag"] != "as expected").any())
                raw.append((table["pvalue"] < 0.05).mean())
                planted = dataset(100_000 + seed, sigma, campaigns, hot="Kirkuk")
                hot = province_frequency(planted, dependence=dependence).table
                power.append(hot.set_index("admin1").loc["Kirkuk", "flag"] == "higher")
            print(
                f"{label:34s} {dependence:>10s} {np.mean(any_flag):12.3f} {np.mean(raw):8.3f} "
                f"{np.mean(power):11.3f}",
                flush=True,
            )
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
