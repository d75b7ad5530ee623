"""Log-link count GLMs (Poisson, NB2 with known alpha) fitted robustly, with offsets.

Shared by the anniversary test and the event study. Iteratively reweighted
least squares with step-halving (McCullagh and Nelder 1989, section 2.5; R's
``glm.fit`` halves a step that raises the deviance or leaves it non-finite),
falling back to statsmodels' GLM, and a message naming what to try when
neither converges.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize, special

from eventdata.core.errors import EventDataError

__all__ = ["fit_log_glm", "nb2_alpha", "nb2_loglik", "poisson_deviance"]

# log mean bounds: exp(-30) is no event in 10^13 days, exp(30) more than any count
_ETA_LIMIT = 30.0


def poisson_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """Poisson deviance ``2 sum(y log(y / mu) - (y - mu))`` (0 log 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
    return float(2 * np.sum(term - (y - mu)))


def nb2_loglik(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """NB2 log-likelihood (variance ``mu + alpha mu^2``); Poisson at ``alpha = 0``.

    Written with the success probability ``p = 1 / (1 + alpha mu)`` of the
    negative binomial with size ``1 / alpha``; counts may be fractional.
    """
    if alpha <= 0:
        return float(np.sum(special.xlogy(y, mu) - mu - special.gammaln(y + 1)))
    size = 1 / alpha
    log_p = -np.log1p(alpha * mu)
    combinations = special.gammaln(y + size) - special.gammaln(size) - special.gammaln(y + 1)
    return float(np.sum(combinations + size * log_p + special.xlogy(y, -np.expm1(log_p))))


def _objective(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    return poisson_deviance(y, mu) if alpha <= 0 else -2 * nb2_loglik(y, mu, alpha)


def fit_log_glm(
    X: np.ndarray,
    y: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    alpha: float = 0.0,
    start: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> np.ndarray:
    """Maximum likelihood of a log-link Poisson (``alpha = 0``) or NB2 GLM.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        Design, full column rank.
    y : ndarray, shape (n,)
        Counts (non-negative, may be fractional).
    offset : ndarray, shape (n,), optional
        Added to the linear predictor (log exposure).
    alpha : float
        NB2 dispersion, held fixed.
    start : ndarray, shape (p,), optional
        Starting coefficients (default: from the data).

    Returns
    -------
    ndarray, shape (p,)
        The coefficients.

    Raises
    ------
    EventDataError
        If neither IRLS with step-halving nor statsmodels' GLM converges; the
        message says what to try.
    """
    offset = np.zeros(len(y)) if offset is None else offset
    beta = _irls(X, y, offset, alpha, start, tol, max_iter)
    if beta is not None:
        return beta
    beta = _statsmodels(X, y, offset, alpha)
    if beta is not None:
        return beta
    raise EventDataError(
        "the expectation model did not converge. Try a less flexible trend "
        "(trend_df=, e.g. one per two years), fewer harmonics, start= at the first "
        "year with steady events, or coverage= leaving out the years the source did "
        "not cover"
    )


def _irls(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray,
    alpha: float,
    start: np.ndarray | None,
    tol: float,
    max_iter: int,
) -> np.ndarray | None:
    if start is None:
        mu = (y + max(float(y.mean()), 1e-3)) / 2
        eta = np.log(mu)
        beta = None
    else:
        beta = np.asarray(start, dtype="float64")
        eta = np.clip(X @ beta + offset, -_ETA_LIMIT, _ETA_LIMIT)
        mu = np.exp(eta)
    deviance = _objective(y, mu, alpha) if beta is not None else np.inf
    for _ in range(max_iter):
        weight = mu / (1 + alpha * mu)
        z = eta - offset + (y - mu) / mu
        weighted = X * weight[:, None]
        try:
            new = np.linalg.solve(X.T @ weighted, weighted.T @ z)
        except np.linalg.LinAlgError:
            return None
        # step-halving: a step that raises the deviance (or overflows) is halved
        for _ in range(30):
            eta_new = X @ new + offset
            if np.isfinite(eta_new).all() and eta_new.max() < _ETA_LIMIT:
                mu_new = np.exp(np.maximum(eta_new, -_ETA_LIMIT - 20))
                value = _objective(y, mu_new, alpha)
                if np.isfinite(value) and (
                    beta is None or value <= deviance + 1e-9 * abs(deviance)
                ):
                    break
            if beta is None:
                return None
            new = (new + beta) / 2
        else:
            return None
        change = abs(deviance - value)
        beta, eta, mu = new, np.maximum(eta_new, -_ETA_LIMIT - 20), mu_new
        if change <= tol * (abs(value) + 0.1):
            return beta
        deviance = value
    return None


def _statsmodels(
    X: np.ndarray, y: np.ndarray, offset: np.ndarray, alpha: float
) -> np.ndarray | None:
    import statsmodels.api as sm

    family = sm.families.Poisson() if alpha <= 0 else sm.families.NegativeBinomial(alpha=alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fitted = sm.GLM(y, X, family=family, offset=offset).fit(maxiter=300)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            return None
    converged = bool(getattr(fitted, "converged", False))
    params = np.asarray(fitted.params)
    return params if converged and np.isfinite(params).all() else None


def nb2_alpha(y: np.ndarray, mu: np.ndarray) -> float:
    """Maximum-likelihood NB2 dispersion given the means (0 when Poisson fits best)."""

    def negative(log_alpha: float) -> float:
        return -nb2_loglik(y, mu, float(np.exp(log_alpha)))

    found = optimize.minimize_scalar(negative, bounds=(-12.0, 4.0), method="bounded")
    alpha = float(np.exp(found.x))
    return alpha if nb2_loglik(y, mu, alpha) > nb2_loglik(y, mu, 0.0) else 0.0
