"""Did each province's rate change between two periods, and did the spread change?

:func:`compare_periods` gives each province's rate per day in two periods, their ratio with
a conditional score test under a negative-binomial variance, and a test that the spread over
provinces is the same in both periods; the result is a :class:`PeriodComparison`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from eventdata.analysis._deprecation import renamed_keyword
from eventdata.analysis._glm import nb2_dispersion
from eventdata.analysis._province_data import (
    DateLike,
    Value,
    check_options,
    floor_dispersion,
    pearson_dispersion,
    period_matrix,
    prepare,
    scaled_pvalues,
)
from eventdata.analysis._province_table import (
    ProvinceTable,
    finish_table,
    with_deprecated_columns,
)
from eventdata.core.options import as_rng
from eventdata.store import EventStore

__all__ = ["PeriodComparison", "compare_periods"]


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class PeriodComparison(ProvinceTable):
    """Provinces' rates in two periods (see :func:`compare_periods`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per province: the ``within`` and ``by`` columns,
        ``count_before``, ``count_after``, ``rate_before``, ``rate_after`` (per
        day), ``share_before``, ``share_after`` (of the country), ``rate_ratio``
        (after / before), ``ci_low``, ``ci_high``, ``statistic``, ``pvalue``,
        ``pvalue_adjusted`` (Benjamini-Hochberg) and ``flag`` ("increase",
        "decrease", "no change", "not tested"); for one release also ``qvalue``,
        the deprecated name of ``pvalue_adjusted``.
    countries : pandas.DataFrame
        One row per country: counts, rates and rate ratio of the whole country;
        ``nb_dispersion`` (the NB2 ``alpha`` of province-by-period counts used by
        the province tests; for one release also under its old name ``alpha``);
        the test that the spread over provinces is the same in both periods:
        ``statistic`` (Pearson X2 of the province-by-period table), ``df``,
        ``pvalue`` (Monte Carlo with fixed margins when an expected count is
        under 5; ``pvalue_method``), ``dispersion`` (phi of
        province-by-period counts within the periods) and ``pvalue_scaled``.
    before, after : tuple of pandas.Timestamp
        First and last day of each period; ``days_before``, ``days_after`` their lengths.
    by, within, value, freq, fdr, level, normalization, n_missing
        As in :class:`~eventdata.analysis.provinces.ProvinceResult`.

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.simulate("2021-01-01", "2021-12-31", seed=5)
    >>> halves = ed.compare_periods(
    ...     events, before=("2021-01-01", "2021-06-30"), after=("2021-07-01", "2021-12-31")
    ... )
    >>> halves.table.columns.tolist()[:4]
    ['country', 'admin1', 'count_before', 'count_after']
    """

    before: tuple[pd.Timestamp, pd.Timestamp]
    after: tuple[pd.Timestamp, pd.Timestamp]
    days_before: int
    days_after: int

    def _headline(self) -> str:
        fmt = "%Y-%m-%d"
        return (
            f"{self.value} per day and {self.by}: {self.after[0]:{fmt}}..{self.after[1]:{fmt}} "
            f"({self.days_after} days) vs {self.before[0]:{fmt}}..{self.before[1]:{fmt}} "
            f"({self.days_before} days); flags at FDR {self.fdr:g}"
        )

    def _country_line(self, row: tuple) -> str:
        return (
            f"rate {row.rate_before:.3g} -> {row.rate_after:.3g} per day "
            f"(ratio {row.rate_ratio:.2f}); same spread over provinces: X2 "
            f"{row.statistic:.1f} on {row.df} df, p {row.pvalue:.3g}, "
            f"scaled p {row.pvalue_scaled:.3g} (dispersion {row.dispersion:.2f})"
        )

    def _listed(self) -> tuple[tuple[str, str] | None, list[str]]:
        return ("increase", "decrease"), ["rate_before", "rate_after", "rate_ratio"]

    def _headline_dict(self) -> dict[str, Any]:
        """The options, the periods and the per-country table; the base adds ``table``."""
        return {
            **self._options(),
            "before": self.before,
            "after": self.after,
            "days_before": self.days_before,
            "days_after": self.days_after,
            "countries": self.countries.drop(columns=["alpha"]),
        }


def compare_periods(
    events: pd.DataFrame | str | os.PathLike | EventStore,
    *,
    before: tuple[DateLike, DateLike],
    after: tuple[DateLike, DateLike],
    by: str = "admin1",
    within: str | None = "country",
    value: Value = "events",
    freq: str = "M",
    fdr: float = 0.05,
    level: float = 0.95,
    normalize: bool = False,
    complete: bool = True,
    n_simulations: int = 9999,
    seed: int = 0,
    alpha: float | None = None,
) -> PeriodComparison:
    """Did each province's rate change between two periods, and did the spread change?

    Parameters
    ----------
    events : pandas.DataFrame, path or EventStore
        As in :func:`province_frequency`.
    before, after : (date-like, date-like)
        First and last day (both included) of each period; they must not overlap.
    by, within, value, fdr, level, normalize, complete, n_simulations, seed
        As in :func:`province_frequency`.
    freq : {"M", "W", "D"}
        Periods whose counts measure the overdispersion.
    alpha : float, optional
        Deprecated name of ``fdr``.

    Returns
    -------
    PeriodComparison

    Notes
    -----
    For a province with ``Y_b`` and ``Y_a`` events over ``D_b`` and ``D_a``
    days, the rate ratio is ``(Y_a / D_a) / (Y_b / D_b)``. Its test is the
    conditional score test of ``Y_a`` given ``Y_a + Y_b`` (the Poisson "score"
    test when there is no overdispersion), with the variance of each
    period's count under a negative-binomial model: ``mu (1 + alpha mu)`` per
    period of ``freq``. ``alpha`` (``nb_dispersion``) is estimated per country by the Pearson
    moment equation of the model with one rate per province and period
    (``sum (y - mu)^2 / (mu (1 + alpha mu)) = n - p``), so surges common to the
    country, which make a big province's count vary more than a small one's,
    are noise here. The interval inverts the same test.

    The test of the spread is the chi-square test of the province-by-period
    contingency table, scaled by the extra-Poisson dispersion of the
    province-by-``freq`` counts within the two periods (as in
    :func:`province_frequency`).

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.simulate("2021-01-01", "2022-12-31", seed=2)
    >>> change = compare_periods(events, before=("2021-01-01", "2021-12-31"),
    ...                          after=("2022-01-01", "2022-12-31"))
    >>> change.days_before, change.days_after
    (365, 365)
    >>> set(change.table["flag"]) <= {"increase", "decrease", "no change", "not tested"}
    True
    """
    from scipy import stats

    fdr = renamed_keyword(fdr, alpha, "alpha", "fdr")
    check_options(value, fdr, level)
    eras = {}
    for name, (start, end) in (("before", before), ("after", after)):
        lo, hi = pd.Timestamp(start), pd.Timestamp(end)
        if hi < lo:
            raise ValueError(f"{name} ends before it starts: {lo.date()} > {hi.date()}")
        eras[name] = (lo, hi)
    (b0, b1), (a0, a1) = eras["before"], eras["after"]
    if b0 <= a1 and a0 <= b1:
        raise ValueError("the two periods overlap")
    prepared = prepare(events, by, within, normalize, complete)
    within_col = prepared.within
    dates = pd.to_datetime(prepared.events["event_date"])
    matrices, lengths = {}, {}
    for name, (lo, hi) in eras.items():
        part = prepared.events.loc[((dates >= lo) & (dates <= hi)).to_numpy(dtype=bool)]
        wide = period_matrix(
            part, prepared.groups, within_col, by, freq=freq, value=value, start=lo, end=hi
        )
        matrices[name] = wide
        lengths[name] = _period_days(wide.columns, lo, hi)
    days = {name: int(lengths[name].sum()) for name in eras}
    q = stats.norm.ppf(0.5 + level / 2)
    rng = as_rng(seed)
    rows, country_rows = [], []
    for group, block_b in matrices["before"].groupby(level=0, sort=True):
        block_a = matrices["after"].loc[block_b.index]
        yb, ya = block_b.to_numpy(), block_a.to_numpy()
        db, da = lengths["before"], lengths["after"]
        alpha_nb = _nb2_moment_dispersion([yb, ya], [db, da])
        tb, ta = yb.sum(axis=1), ya.sum(axis=1)
        tests = [_rate_ratio_test(yb[i], ya[i], db, da, alpha_nb, q) for i in range(len(tb))]
        z, ci_low, ci_high = (np.array(column, dtype=float) for column in zip(*tests, strict=True))
        with np.errstate(divide="ignore", invalid="ignore"):
            rate_ratio = (ta / days["after"]) / (tb / days["before"])
            share_b = tb / tb.sum()
            share_a = ta / ta.sum()
        rate_ratio[(ta == 0) & (tb == 0)] = np.nan
        rows.append(
            pd.DataFrame(
                {
                    within_col: block_b.index.get_level_values(0),
                    by: block_b.index.get_level_values(1),
                    "count_before": tb,
                    "count_after": ta,
                    "rate_before": tb / days["before"],
                    "rate_after": ta / days["after"],
                    "share_before": share_b,
                    "share_after": share_a,
                    "rate_ratio": rate_ratio,
                    "ci_low": ci_low,
                    "ci_high": ci_high,
                    "statistic": z,
                    "pvalue": 2 * stats.norm.sf(np.abs(z)),
                }
            )
        )
        chi2_b, df_b = pearson_dispersion(yb)
        chi2_a, df_a = pearson_dispersion(ya)
        df_phi = df_b + df_a
        chi2_phi = np.nansum([chi2_b, chi2_a]) if df_phi else np.nan
        phi = floor_dispersion(chi2_phi, df_phi, f"{within_col}={group}")
        country_rows.append(
            {
                within_col: group,
                "provinces": len(tb),
                "count_before": tb.sum(),
                "count_after": ta.sum(),
                "rate_before": tb.sum() / days["before"],
                "rate_after": ta.sum() / days["after"],
                "rate_ratio": (ta.sum() / days["after"]) / (tb.sum() / days["before"])
                if tb.sum() > 0
                else np.nan,
                "nb_dispersion": alpha_nb,
                **_same_spread(np.column_stack([tb, ta]), phi, df_phi, n_simulations, rng),
            }
        )
    table = finish_table(rows, fdr, ("increase", "decrease", "no change"))
    return PeriodComparison(
        table=with_deprecated_columns(table, "qvalue"),
        countries=with_deprecated_columns(pd.DataFrame(country_rows), "alpha"),
        before=(b0, b1),
        after=(a0, a1),
        days_before=days["before"],
        days_after=days["after"],
        by=by,
        within=within_col,
        value=value,
        freq=freq,
        fdr=fdr,
        level=level,
        normalization=prepared.normalization,
        n_missing=prepared.n_missing,
    )


def _period_days(starts: pd.Index, lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:
    """Days of each period (given by its first day) that fall within lo..hi."""
    starts = pd.DatetimeIndex(starts)
    ends = [*starts[1:], hi + pd.Timedelta(days=1)]
    return np.array(
        [
            (min(end, hi + pd.Timedelta(days=1)) - max(start, lo)).days
            for start, end in zip(starts, ends, strict=True)
        ],
        dtype=float,
    )


def _nb2_moment_dispersion(blocks: list[np.ndarray], lengths: list[np.ndarray]) -> float:
    """NB2 alpha by the Pearson moment equation, one rate per unit and period block.

    Each block is units x periods with the periods' lengths in days; the mean of
    a cell is the unit's rate in that block times the period's length. The equation
    is solved by :func:`eventdata.analysis._glm.nb2_dispersion` (``method="pearson"``).
    """
    y_cells, mu_cells, n_params = [], [], 0
    for y, days in zip(blocks, lengths, strict=True):
        totals = y.sum(axis=1)
        mu = np.outer(totals / days.sum(), days)
        keep = totals > 0
        n_params += int(keep.sum())
        y_cells.append(y[keep].ravel())
        mu_cells.append(mu[keep].ravel())
    y, mu = np.concatenate(y_cells), np.concatenate(mu_cells)
    positive = mu > 0
    y, mu = y[positive], mu[positive]
    df = len(y) - n_params
    if df <= 0:
        return 0.0
    return float(nb2_dispersion(y, mu, method="pearson", df=df))


def _rate_ratio_test(
    y_before: np.ndarray,
    y_after: np.ndarray,
    days_before: np.ndarray,
    days_after: np.ndarray,
    alpha_nb: float,
    q: float,
) -> tuple[float, float, float]:
    """Conditional score z at rate ratio 1 and the interval inverting it (NB2 variance)."""
    from scipy import optimize

    total_b, total_a = y_before.sum(), y_after.sum()
    total = total_a + total_b
    d_b, d_a = days_before.sum(), days_after.sum()
    if total <= 0:
        return np.nan, np.nan, np.nan

    def z(log_ratio: float) -> float:
        ratio = np.exp(log_ratio)
        rate_b = total / (ratio * d_a + d_b)
        mu_b, mu_a = rate_b * days_before, ratio * rate_b * days_after
        pi = ratio * d_a / (ratio * d_a + d_b)
        variance = (1 - pi) ** 2 * np.sum(mu_a * (1 + alpha_nb * mu_a)) + pi**2 * np.sum(
            mu_b * (1 + alpha_nb * mu_b)
        )
        return (total_a - total * pi) / np.sqrt(variance)

    def solve(target: float, start: float, step: float) -> float:
        # walk from the estimate until z passes the target, then bisect
        lo = start
        for _ in range(200):
            hi = lo + step
            if (z(hi) - target) * (z(lo) - target) <= 0:
                return float(np.exp(optimize.brentq(lambda t: z(t) - target, lo, hi)))
            lo = hi
        return 0.0 if step < 0 else np.inf

    if total_a == 0:
        low, high = 0.0, solve(-q, np.log(d_b / d_a / max(total, 1)) - 1.0, 1.0)
    elif total_b == 0:
        low, high = solve(q, np.log(d_b / d_a * max(total, 1)) + 1.0, -1.0), np.inf
    else:
        estimate = np.log((total_a / d_a) / (total_b / d_b))
        low, high = solve(q, estimate, -0.5), solve(-q, estimate, 0.5)
    return float(z(0.0)), low, high


def _same_spread(
    table: np.ndarray, phi: float, df_phi: int, n_simulations: int, rng: np.random.Generator
) -> dict[str, object]:
    """Chi-square test of a provinces-by-2-periods table, multinomial and dispersion-scaled."""
    from scipy import stats

    m = table[table.sum(axis=1) > 0]
    if m.shape[0] < 2 or np.any(m.sum(axis=0) == 0):
        return {
            "statistic": np.nan,
            "df": 0,
            "pvalue": np.nan,
            "pvalue_method": "not tested",
            "dispersion": phi,
            "pvalue_scaled": np.nan,
        }
    result = stats.chi2_contingency(m, correction=False)
    value, df = float(result.statistic), int(result.dof)
    simulated = None
    if result.expected_freq.min() < 5 and np.allclose(m, np.round(m)):
        # tables with the same margins, as Fisher's exact test conditions on them
        rows, columns = m.sum(axis=1).astype(int), m.sum(axis=0).astype(int)
        draws = stats.random_table(rows, columns).rvs(size=n_simulations, random_state=rng)
        expected = result.expected_freq
        simulated = np.sum((draws - expected) ** 2 / expected, axis=(1, 2))
    return {
        "statistic": value,
        "df": df,
        **scaled_pvalues(value, df, phi, df_phi, simulated),
        "dispersion": phi,
    }
