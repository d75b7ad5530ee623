"""Where does it happen more often than expected, and did that change?

Three views of how events are spread over the provinces (admin1 units) of a country:

- :func:`province_frequency`: each province's count against what a uniform
  spread (or an exposure such as population, or a baseline period's shares)
  leads one to expect, with a test per province, a goodness-of-fit test and
  concentration indices per country;
- :func:`compare_periods`: each province's rate per day in two periods, their
  ratio, and a test that the spread over provinces is the same in both;
- :func:`province_model`: a negative-binomial model of province-by-week counts
  with time effects, giving each province's rate relative to its country.

Why the tests do not trust a province's total alone
----------------------------------------------------
Events cluster in time: a battle is reported as ten events in a week, a
campaign moves from one province to the next. A province's total is then more
variable than a binomial or Poisson count, and an exact test of the total
against its expected value finds "significant" provinces where there are none.
Every test here therefore estimates that extra variation from the counts of
each province in each period (month by default) and widens its variance by it:

- :func:`province_frequency` conditions on each period's country total (so a
  country-wide surge, which moves every province together, is not noise in the
  spread) and estimates a quasi-Poisson dispersion ``phi`` from the Pearson
  chi-square of the province-by-block table, blocks of about a quarter so that
  bursts lasting weeks count too (the "heterogeneity factor", McCullagh and
  Nelder 1989, section 4.5; a province with larger variation of its own uses
  that). A province's test is the
  quasi-likelihood ratio test of its share: the binomial deviance of its
  count against the expected share, divided by ``phi``; its interval inverts
  the same test, so the two always agree.
- :func:`compare_periods` compares absolute rates, where country-wide surges
  do add noise, and larger for larger provinces: it uses a negative-binomial
  (NB2) variance ``mu * (1 + alpha * mu)`` per period, ``alpha`` estimated per
  country from the province-by-period counts, in a conditional score test and
  its inverted interval.

``phi`` is never taken below 1 (less-than-Poisson variation is not plausible
for event counts and would make tests anti-conservative). The calibration of
both designs is checked by simulation in the test suite and in
``benchmarks/province_calibration.py``; see there for what remains: when
provinces have strong bursts of their own, the tests stay somewhat liberal in
the far tail where Benjamini-Hochberg decides among many provinces.

Examples
--------
>>> import eventdata as ed
>>> events = ed.datasets.simulate("2021-01-01", "2021-12-31", seed=3,
...                               hot_provinces=["Kirkuk"], hot_factor=2.5,
...                               province_weights="uniform")
>>> result = province_frequency(events)
>>> result.table.set_index("admin1").loc["Kirkuk", "flag"]
'higher'
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from eventdata.analysis._deprecation import renamed_keyword
from eventdata.analysis._multiple import benjamini_hochberg
from eventdata.analysis._province_data import (
    WITHIN,
    Value,
    check_options,
    floor_dispersion,
    one_warning_per_kind,
    pearson_dispersion,
    period_matrix,
    prepare,
    scaled_pvalues,
    shares,
)
from eventdata.analysis._province_table import (
    DEPRECATED_COLUMNS,
    ProvinceTable,
    finish_table,
    with_deprecated_columns,
)
from eventdata.analysis.overdispersion import DispersionTest, overdispersion_test
from eventdata.analysis.period_comparison import PeriodComparison, compare_periods
from eventdata.analysis.province_model import (
    ProvinceModel,
    nb2_glm,
    province_design,
    province_model,
)
from eventdata.core.errors import DispersionWarning
from eventdata.core.options import as_rng
from eventdata.core.periods import FREQUENCIES, as_freq
from eventdata.store import EventStore

__all__ = [
    "DispersionTest",
    "DispersionWarning",
    "PeriodComparison",
    "ProvinceModel",
    "ProvinceResult",
    "benjamini_hochberg",
    "compare_periods",
    "concentration",
    "nb2_glm",
    "overdispersion_test",
    "province_design",
    "province_frequency",
    "province_model",
]


def concentration(counts: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Gini index and Herfindahl-Hirschman index of counts over units.

    Parameters
    ----------
    counts : array-like of float
        One non-negative count per unit (province), zeros included.

    Returns
    -------
    dict
        ``gini``: mean absolute difference between units over twice the mean,
        ``sum |x_i - x_j| / (2 n^2 mean)``; 0 when all units are equal and
        ``1 - 1/n`` when one unit has everything. ``hhi``: sum of squared
        shares, from ``1/n`` to 1. ``hhi_normalized``: ``(hhi - 1/n) / (1 - 1/n)``,
        from 0 (equal) to 1 (one unit).

    Examples
    --------
    >>> concentration([5, 5, 5, 5])
    {'gini': 0.0, 'hhi': 0.25, 'hhi_normalized': 0.0}
    >>> concentration([0, 0, 0, 8])
    {'gini': 0.75, 'hhi': 1.0, 'hhi_normalized': 1.0}
    """
    x = np.asarray(counts, dtype=float)
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        return {"gini": np.nan, "hhi": np.nan, "hhi_normalized": np.nan}
    ordered = np.sort(x)
    # sum_i sum_j |x_i - x_j| = 2 * sum_i (2i - n - 1) x_(i), i = 1..n, for sorted x
    gini = float(np.sum((2 * np.arange(1, n + 1) - n - 1) * ordered) / (n * total))
    share = x / total
    hhi = float(np.sum(share**2))
    hhi_norm = (hhi - 1 / n) / (1 - 1 / n) if n > 1 else np.nan
    return {"gini": gini, "hhi": hhi, "hhi_normalized": float(hhi_norm)}


def block_periods(freq: str) -> int:
    """Periods pooled into one block, about a quarter, to measure dependence between periods.

    Examples
    --------
    >>> [block_periods(f) for f in ("D", "W", "M", "Q", "Y")]
    [91, 13, 3, 1, 1]
    """
    return max(1, round(FREQUENCIES[as_freq(freq, allowed="DWMQY")].per_year / 4))


_OWN_LEVEL = 0.95  # a province uses its own dispersion where an F test at 5% finds it larger


def _long_run_dispersion(
    y: np.ndarray, phi_period: float, df_period: int, block: int, where: str
) -> tuple[float, int, np.ndarray]:
    """Dispersion of province totals allowing for dependence between periods.

    Returns the pooled dispersion and its degrees of freedom, and the dispersion
    each province's test uses. The pooled one is the Pearson dispersion of the
    table of counts per province and block of ``block`` consecutive periods
    (non-overlapping batch means: a block's total carries the clustering
    within it, and blocks a quarter long are nearly independent where months are
    not), at least the period one. A province's own is its row's Pearson
    chi-square over ``(T - 1)(1 - its share)`` (T periods with events), scaled
    by the pooled ratio of block to period dispersion; it replaces the pooled
    one where an F test at 5% finds it larger, so that a province whose counts
    come in a few long bursts is judged by its own variation, not the
    country's average.
    """
    from scipy import stats

    units = np.full(y.shape[0], phi_period)
    if block <= 1:
        return phi_period, df_period, units
    columns = np.arange(y.shape[1]) // block
    blocks = np.stack([y[:, columns == b].sum(axis=1) for b in range(columns.max() + 1)], 1)
    chi2, df = pearson_dispersion(blocks)
    if df <= 0 or not np.isfinite(chi2):
        if df_period > 0:
            warnings.warn(
                f"{where}: fewer than two blocks of {block} periods, so dependence between "
                "periods cannot be measured; tests use the dispersion of single periods "
                "(a longer series gives honest tests when events come in long bursts).",
                DispersionWarning,
                stacklevel=3,
            )
        return phi_period, df_period, units
    phi = max(phi_period, chi2 / df)
    m = y[:, y.sum(axis=0) > 0]
    rows = m.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        fitted = np.outer(rows, m.sum(axis=0)) / m.sum()
        own = np.nansum(np.where(fitted > 0, (m - fitted) ** 2 / fitted, 0.0), axis=1) / (
            (m.shape[1] - 1) * (1 - rows / m.sum())
        )
    own = np.where(np.isfinite(own) & (rows > 0), own * phi / phi_period, 0.0)
    # the province's own where it is clearly larger (an F test at 5% against the pooled one)
    larger = own > phi * stats.f.ppf(_OWN_LEVEL, m.shape[1] - 1, df)
    return phi, df, np.where(larger, own, phi)


def _binomial_deviance(y: float, n: float, share: float) -> float:
    """Deviance of ``y`` out of ``n`` from a binomial share (twice the log-likelihood ratio)."""

    def term(observed: float, expected: float) -> float:
        return observed * np.log(observed / expected) if observed > 0 else 0.0

    return 2 * (term(y, n * share) + term(n - y, n * (1 - share)))


def _share_test(y: float, n: float, share: float, phi: float, q: float):
    """Signed root of the scaled deviance at ``share``, and the interval of shares it accepts.

    The signed root ``sign(y - n s) sqrt(D(s) / phi)`` is the quasi-likelihood
    ratio test of a binomial share with variance inflated by ``phi``. Unlike the
    score z it follows the skew of counts (more room above the expected count
    than below), which keeps its tails close to normal when events cluster.
    """
    from scipy import optimize

    def signed_root(s: float) -> float:
        return np.sign(y - n * s) * np.sqrt(max(_binomial_deviance(y, n, s), 0.0) / phi)

    estimate = y / n
    tiny = 1e-12
    # with a large q (t on few degrees of freedom) no share may be far enough: the bound is 0 or 1
    low, high = 0.0, 1.0
    if y > 0 and signed_root(tiny) > q:
        low = optimize.brentq(lambda s: signed_root(s) - q, tiny, estimate)
    if y < n and signed_root(1 - tiny) < -q:
        high = optimize.brentq(lambda s: signed_root(s) + q, estimate, 1 - tiny)
    return float(signed_root(share)), low, high


def _divergence(observed: np.ndarray, expected: np.ndarray, statistic: str) -> np.ndarray:
    """Pearson's X2 or the G statistic along the last axis."""
    if statistic == "pearson":
        return np.sum((observed - expected) ** 2 / expected, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    return 2 * np.sum(terms, axis=-1)


# --------------------------------------------------------------------------- frequency


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class ProvinceResult(ProvinceTable):
    """Provinces against their expected share of events (see :func:`province_frequency`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per province: the ``within`` and ``by`` columns, ``count``,
        ``share`` (of its country), ``expected``, ``rate_ratio`` (count /
        expected), ``ci_low``, ``ci_high`` (of the rate ratio), ``statistic``
        (signed root of the scaled deviance, standard normal under the null),
        ``pvalue``, ``pvalue_adjusted`` (Benjamini-Hochberg over the whole
        table) and ``flag`` ("higher", "lower", "as expected", or "not tested"
        where a province is alone in its country or has no expected events).
        For one release the table also holds ``ratio`` and ``qvalue``, the old
        (deprecated) names of ``rate_ratio`` and ``pvalue_adjusted``, last; they
        are not in :meth:`to_frame`.
    countries : pandas.DataFrame
        One row per country: ``provinces``, ``total`` (events or fatalities), ``periods``;
        ``dispersion`` (phi, at least 1) and ``dispersion_df``; the
        goodness-of-fit ``statistic`` (X2 or G), ``df``, ``pvalue`` (multinomial,
        Monte Carlo when an expected count is under 5; ``pvalue_method`` says
        which) and ``pvalue_scaled`` (F test of the statistic scaled by phi, the
        one to believe when events cluster); ``gini``, ``hhi``,
        ``hhi_normalized``; the overdispersion tests of the province-by-period
        counts ``dean_z``, ``dean_pvalue``, ``ct_z``, ``ct_pvalue``,
        ``ct_dispersion``.
    periods : pandas.DataFrame
        The province-by-period counts the dispersion was estimated from (tidy:
        ``date``, ``within``, ``by``, ``count``).
    by, within, value, freq, expected : str
        The options used; ``expected`` is "uniform", "exposure" or "baseline".
    fdr, level : float
        False discovery rate of the flags and confidence level of the intervals
        (``alpha``: the deprecated name of ``fdr``).
    normalization : Admin1Normalization or None
        The name normalisation applied (``normalize=True``).
    n_missing : int
        Events left out because their province or country is missing.

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.simulate("2021-01-01", "2021-12-31", seed=5)
    >>> result = ed.province_frequency(events)
    >>> result.to_frame().columns.tolist()[:6]
    ['country', 'admin1', 'count', 'share', 'expected', 'rate_ratio']
    >>> sorted(result.table["flag"].unique())
    ['as expected', 'higher', 'lower']
    """

    periods: pd.DataFrame
    expected: str

    def _headline(self) -> str:
        return (
            f"{self.value} per {self.by}, expected {self.expected} within "
            f"{'all' if self.within == WITHIN else self.within}; "
            f"extra-Poisson variation from {self.freq} counts; flags at FDR {self.fdr:g}"
        )

    def _country_line(self, row: tuple) -> str:
        return (
            f"{row.total:g} {self.value} in {row.provinces} provinces; "
            f"dispersion {row.dispersion:.2f}"
            + (
                f" over blocks of {row.block_periods} periods, {row.dispersion_period:.2f} "
                "over single ones"
                if row.block_periods > 1
                else ""
            )
            + f" (overdispersion z {row.ct_z:.2f}, "
            f"p {row.ct_pvalue:.3g}); goodness of fit {row.statistic:.1f} on {row.df} df, "
            f"p {row.pvalue:.3g} ({row.pvalue_method}), scaled p {row.pvalue_scaled:.3g}; "
            f"Gini {row.gini:.2f}, HHI* {row.hhi_normalized:.2f}"
        )

    def _listed(self) -> tuple[tuple[str, str] | None, list[str]]:
        return ("higher", "lower"), ["count", "expected", "rate_ratio"]

    def _headline_dict(self) -> dict[str, Any]:
        """The options and the per-country table (``countries``); the base adds ``table``."""
        old = [c for c in DEPRECATED_COLUMNS if c in self.countries.columns]
        return {
            **self._options(),
            "expected": self.expected,
            "countries": self.countries.drop(columns=old),
        }


def province_frequency(
    events: pd.DataFrame | str | os.PathLike | EventStore,
    *,
    by: str = "admin1",
    within: str | None = "country",
    exposure: pd.Series | pd.DataFrame | None = None,
    value: Value = "events",
    freq: str = "M",
    statistic: Literal["pearson", "g"] = "pearson",
    fdr: float = 0.05,
    level: float = 0.95,
    normalize: bool = False,
    complete: bool = True,
    dependence: Literal["blocks", "none"] = "blocks",
    n_simulations: int = 9999,
    seed: int = 0,
    alpha: float | None = None,
) -> ProvinceResult:
    """Which provinces have more (or fewer) events than expected?

    Parameters
    ----------
    events : pandas.DataFrame, path or EventStore
        Incident records with ``event_date`` and the ``by`` and ``within`` columns;
        or a store (a folder written by :func:`eventdata.write_parquet`, or an
        :class:`eventdata.EventStore`), of which only those columns are read.
    by : str
        The unit column (province).
    within : str or None
        The group units are compared within (country); None: all together.
    exposure : pandas.Series or pandas.DataFrame, optional
        What the expected count is proportional to. None: every province of a
        country alike. A Series of non-negative weights (population, area)
        indexed by ``by`` or by (``within``, ``by``); with the latter, provinces
        without events are included with a zero count. A DataFrame of events from
        a baseline period: its shares, taken as known (to test a change with
        the baseline's own noise counted, use :func:`compare_periods`).
    value : {"events", "fatalities"}
        Count events or sum fatalities.
    freq : {"M", "W", "D", "Y"}
        Periods whose province-by-period counts measure the extra variation.
        Months by default: fine enough to have many periods, coarse enough
        for the counts of successive periods to be nearly independent. Finer
        periods miss clusters that span periods: with province-specific
        bursts lasting days (simulated), the null variance of the statistic
        was 1.04 with months, 1.13 with weeks and 1.36 with days.
    statistic : {"pearson", "g"}
        Goodness-of-fit statistic per country (Pearson's X2 or the G statistic).
    fdr : float
        False discovery rate of the flags (Benjamini-Hochberg over the table).
    level : float
        Confidence level of the rate ratio intervals.
    normalize : bool
        Normalise province names first (:func:`eventdata.core.admin1.normalize_admin1`).
    complete : bool
        Add Iraq's and Syria's provinces that have no events, with zero counts
        (only when all the country's names are canonical, and not when
        ``exposure`` is a Series: its index names the provinces to compare).
    dependence : {"blocks", "none"}
        How the dispersion allows for dependence between periods. "blocks"
        (the default): from counts per block of consecutive periods about a
        quarter long (3 months, 13 weeks, 91 days), and per province its own
        variation where larger; tests and intervals use Student's t on the
        pooled dispersion's degrees of freedom (see Notes). "none": the
        dispersion of single periods and the normal distribution (the method
        before issue 15); it flags provinces far beyond the nominal FDR when
        provinces have bursts lasting weeks (see ``benchmarks/province_dependence.py``).
    n_simulations, seed : int
        Monte Carlo draws (and their seed) for goodness-of-fit tests with an
        expected count under 5.
    alpha : float, optional
        Deprecated name of ``fdr``.

    Returns
    -------
    ProvinceResult

    Notes
    -----
    Within a country with ``N`` events, province ``i`` expects ``E = N s`` where
    ``s`` is its expected share. Its statistic is the signed root of the
    binomial deviance of its count against ``s`` (province against the rest
    of its country), divided by ``phi``: ``sign(count - E) sqrt(D(s) / phi)``,
    two-sided against the normal. ``phi`` is the Pearson chi-square of the
    province-by-period table around independence over its degrees of freedom
    (at least 1). Given the periods' totals this is the quasi-likelihood ratio
    test of a binomial model whose variance is inflated by ``phi``:
    country-wide surges do not count as noise in the spread,
    province-specific clusters of events do. The interval of
    ``rate_ratio = count / E`` holds the shares the same test accepts, divided by ``s``.

    Dependence between periods (``dependence="blocks"``). The monthly ``phi``
    measures clustering within months only; a province in the middle of a
    campaign, or with a persistent high or low spell, has months that are
    alike, and its total varies more than twelve independent months would.
    The pooled ``phi`` is therefore taken from the province-by-quarter table
    (non-overlapping batch means of the long-run variance) with its
    ``(provinces - 1)(blocks - 1)`` degrees of freedom, and a province's own
    dispersion (its row of the monthly table, scaled by the pooled ratio of
    quarterly to monthly dispersion) replaces it where an F test at 5% finds
    it larger. The statistic
    is referred to Student's t on those degrees of freedom. On a generator
    with a latent AR(1) log-rate (phi 0.9) per province, with or without 3-5x
    campaigns of 2-6 weeks, this held P(any flag) at 0.03-0.06 in 100 one-year
    datasets where the monthly dispersion gave 0.14-0.48 (0.05 and 0.11 with
    negative-binomial days alone). The price is power: 0.99 for a 1.8x
    province at 5 events a day with negative-binomial days, 0.75 with the
    latent AR(1) of standard deviation 0.5, and 0.29-0.61 with campaigns, as
    a province's yearly total then varies that much
    (``benchmarks/province_dependence.py``). The table's ``dispersion`` column
    is the one each province's test used; ``countries`` has the pooled one
    (``dispersion``, ``dispersion_df``), the monthly one
    (``dispersion_period``) and ``block_periods``.

    The likelihood ratio rather than the score statistic
    ``(count - E) / sqrt(phi N s (1 - s))``: clustered counts are skewed, and in
    simulations with province-specific bursts the score statistic put 3.4
    times the normal probability beyond +3.15 (where Benjamini-Hochberg
    decides among 32 provinces) and half of it below -3.15; the signed root
    1.7 and 1.3 times.

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.simulate("2021-01-01", "2021-12-31", seed=5)
    >>> result = province_frequency(events)
    >>> idleb = result.table.set_index("admin1").loc["Idleb"]
    >>> idleb["flag"], bool(idleb["ci_low"] > 1)
    ('higher', True)
    >>> result.countries.set_index("country").loc["Syria", "provinces"]
    np.int64(14)
    """
    from scipy import stats

    fdr = renamed_keyword(fdr, alpha, "alpha", "fdr")
    check_options(value, fdr, level)
    if statistic not in ("pearson", "g"):
        raise ValueError(f"statistic must be 'pearson' or 'g', not {statistic!r}")
    extra = None
    if isinstance(exposure, pd.Series) and isinstance(exposure.index, pd.MultiIndex):
        extra = pd.DataFrame(list(exposure.index), columns=[within or WITHIN, by])
    # a Series of weights names the provinces to compare; do not add others to it
    complete = complete and not isinstance(exposure, pd.Series)
    prepared = prepare(events, by, within, normalize, complete, extra)
    within_col = prepared.within
    matrix = period_matrix(prepared.events, prepared.groups, within_col, by, freq=freq, value=value)
    share, kind = shares(prepared, exposure, by, within_col, value)
    if dependence not in ("blocks", "none"):
        raise ValueError(f"dependence must be 'blocks' or 'none', not {dependence!r}")
    block_size = block_periods(freq) if dependence == "blocks" else 1
    rng = as_rng(seed)
    rows, country_rows = [], []
    with one_warning_per_kind(DispersionWarning):
        for group, block in matrix.groupby(level=0, sort=True):
            y = block.to_numpy()
            totals = y.sum(axis=1)
            n = totals.sum()
            s = share.loc[block.index].to_numpy()
            where = f"{within_col}={group}"
            chi2_periods, df_periods = pearson_dispersion(y)
            phi_period = floor_dispersion(chi2_periods, df_periods, where)
            phi, df_phi, phi_units = _long_run_dispersion(
                y, phi_period, df_periods, block_size, where
            )
            # quasi-likelihood tests with an estimated dispersion: t on its degrees of freedom
            reference = stats.t(df_phi) if dependence == "blocks" and df_phi > 0 else stats.norm
            q = reference.ppf(0.5 + level / 2)
            expected = n * s
            testable = (s > 0) & (s < 1) & (n > 0)
            z = np.full(len(s), np.nan)
            ci = np.full((len(s), 2), np.nan)
            for i in np.flatnonzero(testable):
                z[i], lo, hi = _share_test(totals[i], n, s[i], phi_units[i], q)
                ci[i] = lo / s[i], hi / s[i]
            with np.errstate(divide="ignore", invalid="ignore"):
                rate_ratio = np.where(expected > 0, totals / expected, np.nan)
                province_share = totals / n if n > 0 else np.full(len(s), np.nan)
            rows.append(
                pd.DataFrame(
                    {
                        within_col: block.index.get_level_values(0),
                        by: block.index.get_level_values(1),
                        "count": totals,
                        "share": province_share,
                        "expected": expected,
                        "rate_ratio": rate_ratio,
                        "ci_low": ci[:, 0],
                        "ci_high": ci[:, 1],
                        "dispersion": phi_units,
                        "statistic": z,
                        "pvalue": 2 * reference.sf(np.abs(z)),
                    }
                )
            )
            country_rows.append(
                {
                    within_col: group,
                    "provinces": len(s),
                    "total": n,
                    "periods": y.shape[1],
                    "dispersion": phi,
                    "dispersion_df": df_phi,
                    "dispersion_period": phi_period,
                    "block_periods": block_size,
                    **_goodness_of_fit(totals, s, phi, df_phi, statistic, n_simulations, rng),
                    **concentration(totals),
                    **_dispersion_columns(y),
                }
            )
    table = finish_table(rows, fdr, ("higher", "lower", "as expected"))
    table = with_deprecated_columns(table, "ratio", "qvalue")
    periods = matrix.stack().rename("count").reset_index()[["date", within_col, by, "count"]]
    return ProvinceResult(
        table=table,
        countries=pd.DataFrame(country_rows),
        periods=periods,
        by=by,
        within=within_col,
        value=value,
        freq=freq,
        expected=kind,
        fdr=fdr,
        level=level,
        normalization=prepared.normalization,
        n_missing=prepared.n_missing,
    )


def _goodness_of_fit(
    totals: np.ndarray,
    share: np.ndarray,
    phi: float,
    df_phi: int,
    statistic: str,
    n_simulations: int,
    rng: np.random.Generator,
) -> dict[str, object]:
    """X2 or G of totals against expected shares: multinomial and dispersion-scaled p-values."""
    used = share > 0
    n = totals.sum()
    expected = n * share[used]
    observed = totals[used]
    df = int(used.sum()) - 1
    if df < 1 or n <= 0:
        return {
            "statistic": np.nan,
            "df": max(df, 0),
            "pvalue": np.nan,
            "pvalue_method": "not tested",
            "pvalue_scaled": np.nan,
        }
    value = float(_divergence(observed, expected, statistic))
    if np.any(totals[~used] > 0):
        value = np.inf  # events where none were expected
    simulated = None
    if expected.min() < 5:
        p_share = share[used] / share[used].sum()
        draws = rng.multinomial(round(n), p_share, size=n_simulations).astype(float)
        simulated = _divergence(draws, expected, statistic)
    return {"statistic": value, "df": df, **scaled_pvalues(value, df, phi, df_phi, simulated)}


def _dispersion_columns(matrix: np.ndarray) -> dict[str, float]:
    """Dean's and Cameron-Trivedi's tests on a province-by-period table's independence fit."""
    m = matrix[matrix.sum(axis=1) > 0][:, matrix.sum(axis=0) > 0]
    if m.shape[0] < 2 or m.shape[1] < 2:
        nan = float("nan")
        return {
            "dean_z": nan,
            "dean_pvalue": nan,
            "ct_z": nan,
            "ct_pvalue": nan,
            "ct_dispersion": nan,
        }
    fitted = np.outer(m.sum(axis=1), m.sum(axis=0)) / m.sum()
    dean = overdispersion_test(m.ravel(), fitted.ravel(), method="dean")
    ct = overdispersion_test(m.ravel(), fitted.ravel(), method="ct-nb1")
    return {
        "dean_z": dean.statistic,
        "dean_pvalue": dean.pvalue,
        "ct_z": ct.statistic,
        "ct_pvalue": ct.pvalue,
        "ct_dispersion": ct.estimate,
    }
