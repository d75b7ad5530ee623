"""The flexible Farrington method (Farrington et al. 1996, Noufaily et al. 2013).

For each week, a quasi-Poisson GLM of the counts of the past ``b`` years with a seasonal
factor, a trend kept only if significant, and a refit with past outbreaks down-weighted;
the threshold is a quantile on the 2/3-power scale (R ``surveillance::farringtonFlexible``).
statsmodels fits the GLMs (var_weights, hat matrix, quasi-likelihood scale). See
:mod:`eventdata.analysis.alerts`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from eventdata.analysis._alert_columns import alert_columns
from eventdata.core.errors import EventDataError
from eventdata.core.periods import index_freq

__all__ = ["FARRINGTON_DEFAULTS", "farrington_detector", "is_weekly", "season_of"]

# Noufaily et al. (2013)'s settings of the flexible Farrington method (R surveillance's
# farringtonFlexible with these controls).
FARRINGTON_DEFAULTS: dict[str, Any] = {
    "b": 5,
    "w": 3,
    "periods": 10,
    "past_excluded": 26,
    "reweight": True,
    "weights_threshold": 2.58,
    "trend": True,
    "p_trend": 0.05,
    "limit54": (5, 4),
}


def _farrington_blocks(t0: int, n: int, season: int, b: int, w: int, periods: int) -> np.ndarray:
    """Seasonal factor level of every period for the fit at ``t0`` (NaN: not in the baseline).

    As R surveillance's ``blocks``: the window of ``2 w + 1`` periods around the
    same period of each of the ``b`` past seasons is level ``periods``; with
    ``periods > 1`` the stretch between two windows is cut into ``periods - 1``
    nearly equal blocks, levels 1 to ``periods - 1`` (earlier blocks one longer).
    """
    level = np.full(n, np.nan)
    level[t0 - w : t0 + 1] = periods
    for i in range(1, b + 1):
        ref = t0 - season * i
        level[ref - w : ref + w + 1] = periods
        if periods != 1:
            gap = (t0 - season * (i - 1)) - 2 * w - 1 - ref
            if gap < periods - (2 * w + 1):
                raise ValueError(f"periods={periods} is too many for season={season}, w={w}")
            lengths = np.full(periods - 1, gap // (periods - 1))
            lengths[: gap % (periods - 1)] += 1
            edges = ref + w + 1 + np.concatenate([[0], np.cumsum(lengths)])
            for j in range(1, periods):
                level[edges[j - 1] : edges[j]] = j
    return level


def _quasi_poisson(y: np.ndarray, design: np.ndarray, weights: np.ndarray | None = None):
    """Quasi-Poisson GLM (log link, prior weights) by statsmodels; None if it fails."""
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = sm.GLM(y, design, family=sm.families.Poisson(), var_weights=weights)
            fit = model.fit(scale="X2", tol=1e-10, maxiter=100)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            return None
    if not fit.converged or not np.all(np.isfinite(fit.params)):
        return None
    return fit


def _coefficient_cov(fit, o: dict) -> np.ndarray:
    """Covariance of the coefficients: the quasi-likelihood one, or R surveillance's.

    surveillance 1.20.3 stores the reweighting weights in the fitted model's
    ``weights`` (the IRLS working weights), so ``summary.glm`` and
    ``predict.glm`` then estimate the dispersion as
    ``sum(omega (y - mu)^2 / mu^2) / df``, about the model's own divided by
    the mean count: its trend tests and prediction standard errors are too
    small. ``surveillance_compatible=True`` reproduces that.
    """
    if o["compatible"] and fit.model.var_weights is not None:
        y, mu = fit.model.endog, fit.mu
        scale = np.sum(fit.model.var_weights * (y - mu) ** 2 / mu**2) / fit.df_resid
        return fit.normalized_cov_params * scale
    return fit.cov_params()


def _farrington_design(time: np.ndarray, level: np.ndarray, levels: np.ndarray, trend: bool):
    """Intercept, time (with ``trend``) and indicators of all levels but the first (as R's)."""
    columns = [np.ones(len(time))] + ([time] if trend else [])
    columns += [(level == value).astype(float) for value in levels[1:]]
    return np.column_stack(columns)


def _farrington_fit(y: np.ndarray, time: np.ndarray, level: np.ndarray, trend: bool, o: dict):
    """One Farrington fit: quasi-Poisson GLM, then reweighted by Anscombe residuals.

    Returns the statsmodels fit and the design row of the period monitored.
    """
    levels = np.unique(level)
    design = _farrington_design(time, level, levels, trend)
    now = _farrington_design(np.array([o["now"]]), np.array([o["periods"]]), levels, trend)[0]
    fit = _quasi_poisson(y, design)
    if fit is None:
        return None
    weights = None
    if o["reweight"]:
        phi = max(fit.scale, 1.0)
        mu = fit.mu
        hat = fit.get_hat_matrix_diag()
        with np.errstate(divide="ignore", invalid="ignore"):
            s = 1.5 * (y ** (2 / 3) * mu ** (-1 / 6) - np.sqrt(mu)) / np.sqrt(phi * (1 - hat))
        high = s > o["weights_threshold"]
        inverse = np.ones_like(s)
        inverse[high] = s[high] ** -2.0
        weights = inverse * len(s) / inverse.sum()
        fit = _quasi_poisson(y, design, weights)
        if fit is None:
            return None
    return fit, now


def _farrington_one(counts: np.ndarray, t0: int, o: dict) -> tuple[float, ...]:
    """Expected count, upper bound, score, p-value, phi and trend (0/1) for period t0."""
    from scipy import stats

    n = len(counts)
    level = _farrington_blocks(t0, n, o["season"], o["b"], o["w"], o["periods"])
    level[t0 - o["past_excluded"] : t0 + 1] = np.nan
    used = np.flatnonzero(~np.isnan(level))
    y, lv, time = counts[used], level[used], used.astype(float)
    nan = (np.nan,) * 6
    o = {**o, "now": float(t0)}
    fitted = _farrington_fit(y, time, lv, True, o) if o["trend"] else None
    with_trend = False
    if fitted is not None and fitted[0].params.shape[0] > 1:
        fit, x0 = fitted
        mu0 = float(np.exp(x0 @ fit.params))
        se_trend = np.sqrt(_coefficient_cov(fit, o)[1, 1])
        pvalue = 2 * stats.t.sf(abs(fit.params[1] / se_trend), fit.df_resid)
        with_trend = bool(o["b"] >= 3 and pvalue < o["p_trend"] and mu0 <= y.max())
    if not with_trend:
        fitted = _farrington_fit(y, time, lv, False, o)
        if fitted is None:
            return nan
        fit, x0 = fitted
    phi = max(float(fit.scale), 1.0)
    eta = float(x0 @ fit.params)
    mu0 = float(np.exp(eta))
    se_fit = mu0 * float(np.sqrt(x0 @ _coefficient_cov(fit, o) @ x0))
    tau = phi + se_fit**2 / mu0
    se = np.sqrt(4 / 9 * mu0 ** (1 / 3) * tau)
    upper = float((mu0 ** (2 / 3) + stats.norm.ppf(1 - o["alpha"]) * se) ** 1.5)
    cases, span = o["limit54"]
    if counts[max(0, t0 - span + 1) : t0 + 1].sum() < cases:
        return (np.nan, np.nan, np.nan, np.nan, phi, float(with_trend))
    score = (counts[t0] - mu0) / (upper - mu0)
    pvalue = float(stats.norm.sf(counts[t0] ** (2 / 3), mu0 ** (2 / 3), se))
    return (mu0, upper, score, pvalue, phi, float(with_trend))


def season_of(index: pd.Index, season: int | None) -> int:
    """Periods per year: given, or 52 for a weekly calendar."""
    if season is not None:
        if not isinstance(season, int | np.integer) or season < 2:
            raise ValueError(f"season must be an integer of at least 2 periods, not {season!r}")
        return int(season)
    if is_weekly(index):
        return 52
    raise EventDataError(
        "the Farrington method needs a weekly series (ed.counts(..., freq='W')) or season= "
        "(periods per year)"
    )


def is_weekly(index: pd.Index) -> bool:
    """Whether the index steps by ACLED's weeks."""
    return index_freq(index) == "W"


def farrington_detector(
    counts: np.ndarray, season: int, alpha: float, o: dict[str, Any], compatible: bool
) -> tuple[dict[str, np.ndarray], float, dict[str, Any]]:
    """The flexible Farrington method: the table's columns, the threshold 1, the parameters."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha!r}")
    n = len(counts)
    first = season * o["b"] + o["w"]
    if n <= first:
        raise EventDataError(
            f"the Farrington method needs {o['b']} past seasons of {season} periods and "
            f"{o['w']} more before the first period it monitors ({first + 1}); the series "
            f"has {n}"
        )
    options = {**o, "season": season, "alpha": float(alpha), "compatible": compatible}
    out = np.full((n, 6), np.nan)
    for t0 in range(first, n):
        out[t0] = _farrington_one(counts, t0, options)
    expected, upper, score = out[:, 0], out[:, 1], out[:, 2]
    columns = alert_columns(counts, expected, np.full(n, np.nan), score, 1.0, upper)
    columns["alert"] &= counts > 0  # as surveillance: no alert on a zero count
    parameters = {
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in o.items()},
        "season": season,
        "alpha": float(alpha),
        "surveillance_compatible": compatible,
        "dispersion": out[:, 4],
        "trend_used": out[:, 5],
        "pvalue": out[:, 3],
        "failed_fits": int(np.sum(np.isnan(out[first:, 4]))),
    }
    return columns, 1.0, parameters
