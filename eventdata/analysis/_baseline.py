"""The expectation model: a log-linear Poisson model of the daily series.

Intercept and smooth trend (cubic B-spline), day of the week and a yearly season (Fourier
terms), fitted by :func:`eventdata.analysis._glm.fit_log_glm` on the baseline days (the
covered days outside every anniversary window). :class:`WindowSums` holds windows' observed
events and expectation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from eventdata.analysis._glm import fit_log_glm
from eventdata.core.errors import InsufficientDataError


@dataclass(frozen=True, eq=False)
class Baseline:
    """Poisson log-linear model of the daily series, fitted on the baseline days."""

    days: pd.DatetimeIndex
    X: np.ndarray
    y: np.ndarray
    fit_rows: np.ndarray
    beta: np.ndarray
    mu: np.ndarray
    information: np.ndarray  # X' W X over the fitted days, at the fit's weights
    info_inverse: np.ndarray
    dispersion: float
    dispersion_pvalue: float
    autocorrelation: float
    terms: dict
    offset: np.ndarray
    covered: np.ndarray

    @classmethod
    def fit(
        cls,
        days: pd.DatetimeIndex,
        y: np.ndarray,
        fit_rows: np.ndarray,
        *,
        trend_df: int | None,
        harmonics: int | None,
        offset: np.ndarray | None = None,
        covered: np.ndarray | None = None,
        design: tuple[np.ndarray, dict] | None = None,
        beta: np.ndarray | None = None,
    ) -> Baseline:
        """Fit on ``y[fit_rows]``; ``design`` is :func:`design_matrix` of ``days`` when the
        caller has it already (series over the same days share it), ``beta`` the coefficients
        when the caller fitted them (several series at once, by ``fit_log_glms``)."""
        from scipy import special

        if design is None:
            design = design_matrix(days, trend_df=trend_df, harmonics=harmonics)
        X, terms = design[0], dict(design[1])
        offset = np.zeros(len(y)) if offset is None else offset
        terms["exposure"] = bool(np.any(offset != 0))
        n_fit, n_params = int(fit_rows.sum()), X.shape[1]
        if n_fit < n_params + 28:
            raise InsufficientDataError(
                f"only {n_fit} covered days lie outside the anniversary windows: the "
                f"expectation ({n_params} parameters) needs at least {n_params + 28}; give a "
                "longer series, or lower trend_df or harmonics"
            )
        if y[fit_rows].sum() <= 0:
            raise InsufficientDataError(
                "no events outside the anniversary windows: there is no baseline to compare with"
            )
        fitted = X[fit_rows]
        gram = fitted.T @ fitted
        if np.linalg.matrix_rank(gram / np.abs(gram).max(), tol=1e-10) < n_params:
            raise InsufficientDataError(
                "the trend and season cannot all be estimated from the baseline days: "
                "lower trend_df or harmonics"
            )
        if beta is None:
            beta = fit_log_glm(fitted, y[fit_rows], offset=offset[fit_rows])
        mu = np.exp(X @ beta + offset)
        weighted = fitted * np.sqrt(mu[fit_rows])[:, None]
        information = weighted.T @ weighted
        pearson = (y[fit_rows] - mu[fit_rows]) / np.sqrt(mu[fit_rows])
        df_resid = n_fit - n_params
        chi2 = float(pearson @ pearson)
        terms = {**terms, "n_days": n_fit, "n_params": n_params}
        return cls(
            days=days,
            X=X,
            y=y,
            fit_rows=fit_rows,
            beta=beta,
            mu=mu,
            information=information,
            info_inverse=np.linalg.inv(information),
            dispersion=chi2 / df_resid,
            # stats.chi2.sf, without its argument checks (a tenth of a unit's fit)
            dispersion_pvalue=float(special.chdtrc(df_resid, chi2)),
            autocorrelation=_lag1_autocorrelation(days, fit_rows, pearson),
            terms=terms,
            offset=offset,
            covered=np.ones(len(y), dtype=bool) if covered is None else covered,
        )

    def window_sums(self, rows: np.ndarray) -> WindowSums:
        """Events and expectation in windows left out of the fit (one window a row of
        ``rows``), with the relative variance of the expectation, ``v' A v / E**2``
        for ``v`` the window's sum of ``mu * x`` and ``A`` the inverse information."""
        expected = self.mu[rows].sum(axis=1)
        gradient = np.einsum("wd,wdp->wp", self.mu[rows], self.X[rows])
        variance = np.einsum("wp,pq,wq->w", gradient, self.info_inverse, gradient)
        return WindowSums(self.y[rows].sum(axis=1), expected, variance / expected**2)


@dataclass(frozen=True)
class WindowSums:
    """Windows' observed events, expectation, and the expectation's relative variance."""

    observed: np.ndarray
    expected: np.ndarray
    model_variance: np.ndarray


def design_matrix(
    days: pd.DatetimeIndex, *, trend_df: int | None, harmonics: int | None
) -> tuple[np.ndarray, dict]:
    """Columns: B-spline trend (its basis sums to 1: the intercept), weekday, Fourier."""
    from scipy.interpolate import BSpline

    n = len(days)
    span_years = n / 365.25
    if trend_df is None:
        trend_df = _default_trend_df(span_years)
    if harmonics is None:
        harmonics = 2 if n >= 730 else 0
    if trend_df < 1 or harmonics < 0:
        raise ValueError("trend_df must be 1 or more and harmonics 0 or more")
    if harmonics >= 183:
        raise ValueError("harmonics must be below 183 (half a year of days)")
    position = np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(1)
    degree = min(3, trend_df)
    interior = np.linspace(0.0, 1.0, trend_df - degree + 2)[1:-1]
    knots = np.concatenate([np.zeros(degree + 1), interior, np.ones(degree + 1)])
    columns = [BSpline.design_matrix(position, knots, degree).toarray()]
    weekday = n >= 56
    if weekday:
        dow = days.day_of_week.to_numpy()
        columns.append((dow[:, None] == np.arange(1, 7)[None, :]).astype("float64"))
    if harmonics:
        # days since the epoch: the yearly phase runs on across New Year
        angle = 2 * np.pi * (days - pd.Timestamp("1970-01-01")).days.to_numpy() / 365.25
        k = np.arange(1, harmonics + 1)
        columns += [np.sin(angle[:, None] * k), np.cos(angle[:, None] * k)]
    terms = {"trend_df": trend_df, "harmonics": harmonics, "weekday": weekday}
    return np.column_stack(columns), terms


def _default_trend_df(span_years: float) -> int:
    """One trend degree of freedom per year up to 8 years, then one per two years, at most 20."""
    if span_years <= 8:
        return max(1, round(span_years))
    return min(20, 8 + round((span_years - 8) / 2))


def _lag1_autocorrelation(days: pd.DatetimeIndex, rows: np.ndarray, residual: np.ndarray) -> float:
    """Lag-1 autocorrelation of residuals over pairs of consecutive fitted days."""
    full = np.full(len(days), np.nan)
    full[rows] = residual
    pairs = np.isfinite(full[1:]) & np.isfinite(full[:-1])
    if pairs.sum() < 3:
        return float("nan")
    centred = full - np.nanmean(full)
    return float(np.sum((centred[1:] * centred[:-1])[pairs]) / np.nansum(centred**2))
