"""The analysis layer's one count-GLM core: log-link Poisson and NB2 fits, NB2 dispersion.

- :func:`log_glm` / :func:`fit_log_glm`: a log-link Poisson (``alpha = 0``) or NB2 GLM at a
  known dispersion, with offsets, by iteratively reweighted least squares with step-halving
  (McCullagh and Nelder 1989, section 2.5; R's ``glm.fit`` halves a step that raises the
  deviance or leaves it non-finite), falling back to statsmodels' GLM, and a message naming
  what to try when neither converges. Fast enough for the loops that refit many times (the
  anniversary test's placebo dates, the province model's profile likelihood).
- :func:`nb2_dispersion`: THE estimator of the NB2 dispersion ``alpha`` (variance
  ``mu + alpha mu^2``) given the means: maximum likelihood (``method="ml"``) or the Pearson
  moment equation (``method="pearson"``); :func:`nb2_alpha` is its maximum-likelihood form.
- :func:`fit_nb2`: the NB2 GLM with ``alpha`` by maximum likelihood too (the profile
  likelihood over :func:`log_glm` fits), as R's ``MASS::glm.nb``.

Where a caller needs the statsmodels results object (robust covariances, ``summary()``) it
fits statsmodels' GLM at the dispersion these functions find. scipy and statsmodels are
imported when a function runs.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from eventdata.core.errors import EventDataError

__all__ = [
    "LogGLMFit",
    "fit_log_glm",
    "fit_log_glms",
    "fit_nb2",
    "log_glm",
    "nb2_alpha",
    "nb2_alphas",
    "nb2_dispersion",
    "count_terms",
    "nb2_loglik",
    "poisson_deviance",
    "require_fit",
]

# log mean bounds: exp(-30) is no event in 10^13 days, exp(30) more than any count
_ETA_LIMIT = 30.0
# the range of log(alpha) searched by maximum likelihood
_LOG_ALPHA_BOUNDS = (-12.0, 4.0)


def poisson_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """Poisson deviance ``2 sum(y log(y / mu) - (y - mu))`` (0 log 0 = 0)."""
    events = y > 0  # the logarithm only on the days with events, most days of a sparse series
    with np.errstate(divide="ignore", invalid="ignore"):
        term = y[events] * np.log(y[events] / mu[events])
    return float(2 * (np.sum(term) - np.sum(y - mu)))


def nb2_loglik(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """NB2 log-likelihood (variance ``mu + alpha mu^2``); Poisson at ``alpha = 0``.

    Written with the success probability ``p = 1 / (1 + alpha mu)`` of the
    negative binomial with size ``1 / alpha``; counts may be fractional.

    Examples
    --------
    >>> import numpy as np
    >>> round(nb2_loglik(np.array([0.0, 2.0, 5.0]), np.array([1.0, 2.0, 3.0]), 0.5), 4)
    -5.0799
    """
    from scipy import special

    # a day without events adds only its log probability of none: the log-gamma terms
    # (the costly part) are summed over the days with events, most days of a sparse series
    y = np.asarray(y, dtype="float64")
    mu = np.asarray(mu, dtype="float64")
    if mu.shape != y.shape:
        mu = np.broadcast_to(mu, y.shape)
    events = y != 0
    counted = y[events]
    if alpha <= 0:
        with_events = special.xlogy(counted, mu[events]) - special.gammaln(counted + 1)
        return float(np.sum(with_events) - np.sum(mu))
    size = 1 / alpha
    log_p = -np.log1p(alpha * mu)
    combinations = (
        special.gammaln(counted + size) - special.gammaln(size) - special.gammaln(counted + 1)
    )
    with_events = combinations + special.xlogy(counted, -np.expm1(log_p[events]))
    return float(size * np.sum(log_p) + np.sum(with_events))


def objective(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """Poisson deviance, or minus twice the NB2 log-likelihood (differences are what count)."""
    return poisson_deviance(y, mu) if alpha <= 0 else -2 * nb2_loglik(y, mu, alpha)


@dataclass(frozen=True, eq=False)
class LogGLMFit:
    """A fitted log-link GLM at a known dispersion.

    Attributes
    ----------
    params : ndarray
        The coefficients.
    cov : ndarray
        Their covariance: the inverse Fisher information at ``alpha``.
    mu : ndarray
        The fitted means (offset included).
    loglik : float
        The NB2 (Poisson at ``alpha = 0``) log-likelihood.
    alpha : float
        The dispersion the model was fitted at.
    converged : bool
        Whether IRLS (or statsmodels' fallback) converged.
    """

    params: np.ndarray
    cov: np.ndarray
    mu: np.ndarray
    loglik: float
    alpha: float
    converged: bool


def log_glm(
    X: np.ndarray,
    y: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    alpha: float = 0.0,
    start: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    step_tol: float | None = None,
) -> LogGLMFit:
    """Maximum likelihood of a log-link Poisson (``alpha = 0``) or NB2 GLM, with its covariance.

    Parameters are those of :func:`fit_log_glm`.

    Returns
    -------
    LogGLMFit

    Raises
    ------
    EventDataError
        If neither IRLS with step-halving nor statsmodels' GLM converges.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([2.0, 3.0, 9.0, 11.0])
    >>> x = np.column_stack([np.ones(4), [0, 0, 1, 1]])
    >>> fit = log_glm(x, y)
    >>> np.exp(fit.params).round(3).tolist()  # mean 2.5, then ratio 10 / 2.5
    [2.5, 4.0]
    """
    X = np.asarray(X, dtype="float64")
    y = np.asarray(y, dtype="float64")
    params = fit_log_glm(
        X, y, offset=offset, alpha=alpha, start=start, tol=tol, max_iter=max_iter, step_tol=step_tol
    )
    offset = np.zeros(len(y)) if offset is None else np.asarray(offset, dtype="float64")
    mu = np.exp(np.clip(X @ params + offset, -_ETA_LIMIT - 20, _ETA_LIMIT))
    weight = mu / (1 + alpha * mu)
    cov = np.linalg.inv((X.T * weight) @ X)
    return LogGLMFit(params, cov, mu, nb2_loglik(y, mu, alpha), float(alpha), True)


def fit_log_glm(
    X: np.ndarray,
    y: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    alpha: float = 0.0,
    start: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    step_tol: float | None = None,
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
    tol : float
        Converged when an iteration changes the deviance by at most ``tol`` of it.
    max_iter : int
        Iterations before statsmodels is tried instead.
    step_tol : float, optional
        Converged instead when no coefficient moves by more than ``step_tol`` (a stricter
        rule, for fits compared with statsmodels' to 1e-6).

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
    beta = fit_log_glms(
        X,
        np.asarray(y)[None],
        offset=None if offset is None else np.asarray(offset)[None],
        alpha=alpha,
        start=None if start is None else np.asarray(start)[None],
        tol=tol,
        max_iter=max_iter,
        step_tol=step_tol,
    )[0]
    return require_fit(beta)


def require_fit(beta: np.ndarray) -> np.ndarray:
    """A row of :func:`fit_log_glms`, or the error of :func:`fit_log_glm` when it is NaN.

    Raises
    ------
    EventDataError
        If the series could not be fitted; the message says what to try.
    """
    if not np.isnan(beta).any():
        return beta
    raise EventDataError(
        "the expectation model did not converge. Try a less flexible trend "
        "(trend_df=, e.g. one per two years), fewer harmonics, start= at the first "
        "year with steady events, or coverage= leaving out the years the source did "
        "not cover"
    )


def fit_log_glms(
    X: np.ndarray,
    Y: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    start: np.ndarray | None = None,
    alpha: float | np.ndarray = 0.0,
    terms: np.ndarray | None = None,
    with_objective: bool = False,
    **settings: Any,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """:func:`fit_log_glm` of several count series on one design, fitted together.

    The Newton steps of all series are taken as one stack (the design shared, the
    weights each series' own); each series stops by the same rule as it would alone, and
    one that IRLS cannot fit is tried with statsmodels' GLM. A series' coefficients are
    those :func:`fit_log_glm` gives it alone.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        The shared design, full column rank.
    Y : ndarray, shape (units, n)
        One series of counts a row.
    offset : ndarray, shape (units, n) or (n,), optional
        Added to each series' linear predictor.
    start : ndarray, shape (units, p), optional
        Starting coefficients of each series (default: from the data).
    alpha : float or ndarray, shape (units,)
        NB2 dispersion, held fixed: one for every series, or each series' own.
    terms : ndarray, shape (units, n), optional
        :func:`count_terms` of ``Y`` and ``alpha``, when the caller fits the same counts
        many times (the same numbers, without their log-gamma functions again).
    with_objective : bool
        Also return each series' :func:`objective` (deviance, or minus twice the NB2
        log-likelihood) at its coefficients.
    **settings
        ``tol``, ``max_iter``, ``step_tol``: the stopping rule of :func:`fit_log_glm`.

    Returns
    -------
    ndarray, shape (units, p)
        The coefficients, a row of NaN where neither IRLS nor statsmodels converged
        (and with ``with_objective``, the objectives, shape (units,)).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.column_stack([np.ones(4), [0, 0, 1, 1]])
    >>> counts = np.array([[2.0, 3.0, 9.0, 11.0], [1.0, 1.0, 2.0, 2.0]])
    >>> np.exp(fit_log_glms(x, counts)).round(3).tolist()
    [[2.5, 4.0], [1.0, 2.0]]
    """
    X = np.asarray(X, dtype="float64")
    Y = np.asarray(Y, dtype="float64")
    Y = Y[None] if Y.ndim == 1 else Y
    offsets = np.zeros(Y.shape) if offset is None else np.asarray(offset, dtype="float64")
    if offsets.shape != Y.shape:
        offsets = np.broadcast_to(offsets, Y.shape)
    starts = None if start is None else np.asarray(start, dtype="float64").reshape(len(Y), -1)
    alpha = np.broadcast_to(np.asarray(alpha, dtype="float64"), (len(Y),))[:, None]
    likelihood = _Objectives(Y, alpha, terms)
    params, values = _irls(X, Y, offsets, starts, alpha, likelihood, **settings)
    for unit in np.flatnonzero(np.isnan(params[:, 0])):
        fallback = _statsmodels(X, Y[unit], offsets[unit], float(alpha[unit, 0]))
        if fallback is not None:
            params[unit] = fallback
            mu = _bounded_exp(X @ fallback + offsets[unit])
            values[unit] = likelihood.values(mu[None], [unit])[0]
    return (params, values) if with_objective else params


def count_terms(Y: np.ndarray, alpha: float | np.ndarray) -> np.ndarray:
    """The terms of the NB2 log-likelihood of each series (a row of ``Y``) that do not
    depend on the means: ``log Gamma(y + 1/alpha) - log Gamma(1/alpha) - log y!`` on each
    day (0 on a day without events, and for a Poisson series, ``alpha`` 0)."""
    from scipy import special

    Y = np.asarray(Y, dtype="float64")
    alpha = np.broadcast_to(np.asarray(alpha, dtype="float64"), (len(Y),))
    terms = np.zeros(Y.shape)
    for row in np.flatnonzero(alpha > 0):
        events, size = Y[row] > 0, 1 / alpha[row]
        counted = Y[row][events]
        terms[row][events] = (
            special.gammaln(counted + size) - special.gammaln(size) - special.gammaln(counted + 1)
        )
    return terms


def _linear(columns: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """``X @ b`` for each row ``b`` of ``coefficients``, ``columns`` being ``X.T`` (one
    vector-matrix product each, so a series' linear predictor does not depend on the others
    in the stack)."""
    return np.matmul(coefficients[:, None, :], columns)[:, 0, :]


def _irls(
    X: np.ndarray,
    Y: np.ndarray,
    offsets: np.ndarray,
    start: np.ndarray | None,
    alpha: np.ndarray,
    likelihood: _Objectives,
    *,
    tol: float = 1e-10,
    max_iter: int = 100,
    step_tol: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """IRLS with step-halving for each row of ``Y`` (its dispersion a row of the column
    ``alpha``): the coefficients, NaN rows where it fails, and the objectives there.

    Every operation is done series by series (elementwise, one BLAS product per series, or
    a series' own scalars), so a series fitted in a stack gets the coefficients it gets
    alone. The design is used transposed (a row per coefficient), so that weighting it runs
    along the days.
    """
    columns = np.ascontiguousarray(X.T)
    params = np.full((len(Y), X.shape[1]), np.nan)
    found = np.full(len(Y), np.nan)
    if start is None:
        mu = (Y + np.maximum(Y.mean(axis=1), 1e-3)[:, None]) / 2
        eta = np.log(mu)
        beta = None
        deviance = [np.inf] * len(Y)
    else:
        beta = start
        eta = np.clip(_linear(columns, beta) + offsets, -_ETA_LIMIT, _ETA_LIMIT)
        mu = np.exp(eta)
        deviance = likelihood.values(mu).tolist()
    units, y, offset = list(range(len(Y))), Y, offsets  # the series still iterating
    for _ in range(max_iter):
        weight = mu / (1 + alpha * mu)
        z = eta - offset + (y - mu) / mu
        weighted = columns * weight[:, None, :]
        new, rows = _newton_steps(weighted @ X, weighted @ z[:, :, None])
        # step-halving: a step that raises the deviance (or overflows) is halved
        eta_new = _linear(columns, new) + offset
        mu_new = _bounded_exp(eta_new)
        value = [np.nan] * len(y)
        for attempt in range(30):
            if attempt:
                if beta is None:
                    break
                new[rows] = (new[rows] + beta[rows]) / 2
                eta_new[rows] = _linear(columns, new[rows]) + offset[rows]
                mu_new[rows] = _bounded_exp(eta_new[rows])
            rejected = []
            trying = eta_new[rows]
            bounded = np.isfinite(trying).all(axis=1) & (trying.max(axis=1) < _ETA_LIMIT)
            candidates = likelihood.values(mu_new[rows], rows).tolist()
            for row, inside, candidate in zip(rows, bounded.tolist(), candidates, strict=True):
                if (
                    inside
                    and np.isfinite(candidate)
                    and (beta is None or candidate <= deviance[row] + 1e-9 * abs(deviance[row]))
                ):
                    value[row] = candidate
                    continue
                rejected.append(row)
            rows = rejected
            if not rows:
                break
        going = []
        for row, unit in enumerate(units):
            if np.isnan(value[row]):  # no acceptable step: IRLS failed for this series
                continue
            if step_tol is None:
                done = abs(deviance[row] - value[row]) <= tol * (abs(value[row]) + 0.1)
            else:
                done = beta is not None and np.max(np.abs(new[row] - beta[row])) < step_tol
            if done:
                params[unit], found[unit] = new[row], value[row]
            else:
                going.append(row)
        beta, eta, mu, deviance = new, np.maximum(eta_new, -_ETA_LIMIT - 20), mu_new, value
        if len(going) < len(units):
            if not going:
                return params, found
            units, deviance = [units[row] for row in going], [deviance[row] for row in going]
            y, offset, beta, eta, mu = y[going], offset[going], beta[going], eta[going], mu[going]
            alpha, likelihood = alpha[going], likelihood.of(going)
    return params, found


class _Objectives:
    """:func:`objective` of each series of a stack at given means, all series at once.

    The log-gamma terms, which do not move with the means, are computed once. Every term
    is kept over all days (0 on a day without events) and summed along a series' own row,
    so a series' value does not depend on the others in the stack.
    """

    def __init__(self, Y: np.ndarray, alpha: np.ndarray, terms: np.ndarray | None) -> None:
        self.Y, self.alpha = Y, alpha
        self.events = Y > 0
        self.poisson = alpha[:, 0] <= 0
        self.size = np.divide(1.0, alpha, out=np.zeros_like(alpha), where=~self.poisson[:, None])
        self.combinations = count_terms(Y, alpha[:, 0]) if terms is None else terms

    def of(self, rows: list[int]) -> _Objectives:
        """The objectives of the series ``rows`` only."""
        kept = object.__new__(_Objectives)
        for name in ("Y", "alpha", "events", "poisson", "size", "combinations"):
            setattr(kept, name, getattr(self, name)[rows])
        return kept

    def values(self, mu: np.ndarray, rows: list[int] | None = None) -> np.ndarray:
        """The objective of each series (of ``rows``) at its means, a row of ``mu`` each."""
        taken = slice(None) if rows is None else rows
        Y, events, poisson = self.Y[taken], self.events[taken], self.poisson[taken]
        values = np.full(len(Y), np.nan)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if poisson.any():
                y, m = Y[poisson], mu[poisson]
                term = y * np.log(np.where(events[poisson], y / m, 1.0))
                values[poisson] = 2 * (np.sum(term, axis=1) - np.sum(y - m, axis=1))
            if not poisson.all():
                nb = ~poisson
                alpha, size = self.alpha[taken][nb], self.size[taken][nb]
                log_p = -np.log1p(alpha * mu[nb])
                with_events = self.combinations[taken][nb] + Y[nb] * np.log(-np.expm1(log_p))
                values[nb] = -2 * (size[:, 0] * np.sum(log_p, axis=1) + np.sum(with_events, axis=1))
        return values


def _bounded_exp(eta: np.ndarray) -> np.ndarray:
    """``exp(eta)`` with ``eta`` held in the range IRLS accepts (the ufuncs: ``np.clip`` costs
    more than the exponential of a short series)."""
    return np.exp(np.minimum(np.maximum(eta, -_ETA_LIMIT - 20), _ETA_LIMIT))


def _newton_steps(information: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Solve each series' system: the steps (NaN where singular) and the series solved."""
    try:
        return np.linalg.solve(information, score)[:, :, 0], list(range(len(score)))
    except np.linalg.LinAlgError:
        steps = np.full(score.shape[:2], np.nan)
        solved = []
        for unit in range(len(score)):
            try:
                steps[unit] = np.linalg.solve(information[unit], score[unit])[:, 0]
            except np.linalg.LinAlgError:
                continue
            solved.append(unit)
        return steps, solved


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


def nb2_dispersion(
    y: np.ndarray,
    mu: np.ndarray | float,
    *,
    method: str = "ml",
    df: float | None = None,
    bounds: tuple[float, float] = _LOG_ALPHA_BOUNDS,
    xatol: float = 1e-5,
) -> float | np.ndarray:
    """The NB2 dispersion ``alpha`` (variance ``mu + alpha mu^2``) of counts given their means.

    Parameters
    ----------
    y : ndarray
        Counts.
    mu : ndarray or float
        Their means (as fitted by a model).
    method : {"ml", "pearson"}
        ``"ml"``: maximum likelihood given the means, searched over ``log(alpha)`` in
        ``bounds`` (``xatol`` the tolerance on ``log(alpha)``); 0 when the Poisson
        likelihood is as high. ``"pearson"``: the moment estimate solving
        ``sum (y - mu)^2 / (mu (1 + alpha mu)) = df`` (0 when the Poisson Pearson
        chi-square is already at most ``df``). With a constant mean per row (``mu`` a
        scalar, or constant along the last axis of a 2-D ``y``) this has the closed form
        ``max(0, (s^2 - m) / m^2)``, computed for each row.
    df : float, optional
        ``"pearson"``: residual degrees of freedom (default ``n - 1``, one mean fitted).

    Returns
    -------
    float, or ndarray of one value per row for the Pearson estimate of a 2-D ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0.0, 1, 3, 9, 2, 0, 7, 1])
    >>> round(float(nb2_dispersion(y, y.mean(), method="pearson")), 4)  # (s^2 - m) / m^2
    1.0154
    >>> round(nb2_dispersion(y, np.full(8, y.mean())), 3)
    1.046
    """
    y = np.asarray(y, dtype="float64")
    if method == "ml":
        return _ml_alpha(
            y, np.broadcast_to(np.asarray(mu, dtype="float64"), y.shape), bounds, xatol
        )
    if method != "pearson":
        raise ValueError(f"method must be 'ml' or 'pearson', not {method!r}")
    mu = np.broadcast_to(np.asarray(mu, dtype="float64"), y.shape)
    if np.ndim(y) == 2 or np.all(mu == mu.flat[0]):
        return _pearson_constant_mean(y, mu, df)
    return _pearson_alpha(y, mu, df)


def _pearson_constant_mean(y: np.ndarray, mu: np.ndarray, df: float | None) -> float | np.ndarray:
    n = y.shape[-1]
    df = n - 1 if df is None else df
    mean = mu[..., 0]
    squares = np.sum((y - mu) ** 2, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(mean > 0, np.maximum(0.0, (squares / df - mean) / mean**2), 0.0)
    return alpha if np.ndim(alpha) else float(alpha)


def _pearson_alpha(y: np.ndarray, mu: np.ndarray, df: float | None) -> float:
    from scipy import optimize

    positive = mu > 0
    y, mu = y[positive], mu[positive]
    df = len(y) - 1 if df is None else df
    if df <= 0:
        return 0.0

    def excess(a: float) -> float:
        return float(np.sum((y - mu) ** 2 / (mu * (1 + a * mu))) - df)

    if excess(0.0) <= 0:
        return 0.0
    upper = 1.0
    while excess(upper) > 0 and upper < 1e8:
        upper *= 10
    return float(optimize.brentq(excess, 0.0, upper, xtol=1e-12))


def _ml_alpha(y: np.ndarray, mu: np.ndarray, bounds: tuple[float, float], xatol: float) -> float:
    return float(nb2_alphas(y.ravel()[None], mu.ravel()[None], bounds=bounds, xatol=xatol)[0])


def nb2_alphas(
    Y: np.ndarray,
    MU: np.ndarray,
    *,
    bounds: tuple[float, float] = _LOG_ALPHA_BOUNDS,
    xatol: float = 1e-5,
) -> np.ndarray:
    """Maximum-likelihood NB2 dispersion of each series (a row of ``Y``) given its means
    (a row of ``MU``): :func:`nb2_dispersion` with ``method="ml"``, the series searched
    together.

    Each series' search is scipy's bounded Brent minimisation (``minimize_scalar(...,
    method="bounded")``) step for step over ``log(alpha)``; the log-likelihoods the
    searches ask for at a step are computed together, each series' its own, so a series
    gets the dispersion it gets alone. 0 where the Poisson likelihood is as high.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[0.0, 1, 3, 9, 2, 0, 7, 1], [1.0, 2, 1, 2, 1, 2, 1, 2]])
    >>> nb2_alphas(y, y.mean(axis=1, keepdims=True) * np.ones(8)).round(3).tolist()
    [1.046, 0.0]
    """
    likelihood = _NB2Likelihoods(np.asarray(Y, dtype="float64"), np.asarray(MU, dtype="float64"))
    searches = [_bounded_minimum(bounds, xatol) for _ in range(len(likelihood.Y))]
    asked = {row: next(search) for row, search in enumerate(searches)}
    log_alpha = np.zeros(len(searches))
    while asked:
        rows = list(asked)
        values = -likelihood.values(np.exp(np.array([asked[row] for row in rows])), rows)
        for row, value in zip(rows, values.tolist(), strict=True):
            try:
                asked[row] = searches[row].send(value)
            except StopIteration as stop:
                log_alpha[row] = stop.value
                del asked[row]
    alpha = np.exp(log_alpha)
    every = list(range(len(alpha)))
    better = likelihood.values(alpha, every) > likelihood.values(np.zeros(len(alpha)), every)
    return np.where(better, alpha, 0.0)


class _NB2Likelihoods:
    """:func:`nb2_loglik` of each series of a stack at given dispersions, all at once (the
    days with events of every series in one array, each series' sum its own)."""

    def __init__(self, Y: np.ndarray, MU: np.ndarray) -> None:
        from scipy import special

        self.Y, self.MU = Y, MU
        events = Y != 0
        self.counted, self.mu_events = Y[events], MU[events]
        self.row_of = np.nonzero(events)[0]
        self.ends = np.cumsum(events.sum(axis=1))
        self.log_factorial = special.gammaln(self.counted + 1)

    def values(self, alpha: np.ndarray, rows: list[int]) -> np.ndarray:
        """The log-likelihoods of the series ``rows`` at their dispersions ``alpha``."""
        from scipy import special

        alpha = np.asarray(alpha, dtype="float64")
        starts = np.concatenate([[0], self.ends[:-1]])[rows]
        lengths = self.ends[rows] - starts
        take = np.concatenate(
            [np.arange(start, start + n) for start, n in zip(starts, lengths, strict=True)]
        )
        counted, mu = self.counted[take], self.mu_events[take]
        log_factorial = self.log_factorial[take]
        MU = self.MU[rows]
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        values = np.empty(len(rows))
        poisson = alpha <= 0
        each = np.repeat(alpha, lengths)
        if poisson.any():
            with_events = special.xlogy(counted, mu) - log_factorial
            totals = np.sum(MU[poisson], axis=1)
            for position, total in zip(np.flatnonzero(poisson), totals, strict=True):
                events = with_events[bounds[position] : bounds[position + 1]]
                values[position] = float(np.sum(events) - total)
        if not poisson.all():
            nb = np.flatnonzero(~poisson)
            inverse = 1 / np.where(poisson, 1.0, alpha)  # the size 1 / alpha
            sizes = np.repeat(np.where(poisson, 0.0, inverse), lengths)
            log_gamma_size = np.repeat(special.gammaln(inverse), lengths)
            log_p = np.sum(-np.log1p(alpha[nb][:, None] * MU[nb]), axis=1)
            combinations = special.gammaln(counted + sizes) - log_gamma_size - log_factorial
            with_events = combinations + special.xlogy(counted, -np.expm1(-np.log1p(each * mu)))
            for position, log_none in zip(nb, log_p, strict=True):
                events = with_events[bounds[position] : bounds[position + 1]]
                values[position] = float(inverse[position] * log_none + np.sum(events))
        return values


def _bounded_minimum(bounds: tuple[float, float], xatol: float, maxfun: int = 500) -> Any:
    """scipy's bounded Brent minimisation (``optimize._optimize._minimize_scalar_bounded``)
    transcribed as a coroutine: it yields each point it evaluates, is sent the function's
    value there, and returns the minimiser."""
    sqrt_eps = np.sqrt(2.2e-16)
    golden_mean = 0.5 * (3.0 - np.sqrt(5.0))
    a, b = bounds
    fulc = a + golden_mean * (b - a)
    nfc, xf = fulc, fulc
    rat = e = 0.0
    x = xf
    fx = yield x
    num = 1
    ffulc = fnfc = fx
    xm = 0.5 * (a + b)
    tol1 = sqrt_eps * np.abs(xf) + xatol / 3.0
    tol2 = 2.0 * tol1
    while np.abs(xf - xm) > (tol2 - 0.5 * (b - a)):
        golden = 1
        if np.abs(e) > tol1:  # parabolic fit
            golden = 0
            r = (xf - nfc) * (fx - ffulc)
            q = (xf - fulc) * (fx - fnfc)
            p = (xf - fulc) * q - (xf - nfc) * r
            q = 2.0 * (q - r)
            if q > 0.0:
                p = -p
            q = np.abs(q)
            r = e
            e = rat
            if (np.abs(p) < np.abs(0.5 * q * r)) and (p > q * (a - xf)) and (p < q * (b - xf)):
                rat = (p + 0.0) / q
                x = xf + rat
                if ((x - a) < tol2) or ((b - x) < tol2):
                    si = np.sign(xm - xf) + ((xm - xf) == 0)
                    rat = tol1 * si
            else:
                golden = 1
        if golden:  # golden-section step
            e = a - xf if xf >= xm else b - xf
            rat = golden_mean * e
        si = np.sign(rat) + (rat == 0)
        x = xf + si * np.maximum(np.abs(rat), tol1)
        fu = yield x
        num += 1
        if fu <= fx:
            if x >= xf:
                a = xf
            else:
                b = xf
            fulc, ffulc = nfc, fnfc
            nfc, fnfc = xf, fx
            xf, fx = x, fu
        else:
            if x < xf:
                a = x
            else:
                b = x
            if (fu <= fnfc) or (nfc == xf):
                fulc, ffulc = nfc, fnfc
                nfc, fnfc = x, fu
            elif fu <= ffulc or fulc in (xf, nfc):
                fulc, ffulc = x, fu
        xm = 0.5 * (a + b)
        tol1 = sqrt_eps * np.abs(xf) + xatol / 3.0
        tol2 = 2.0 * tol1
        if num >= maxfun:
            break
    return xf


def nb2_alpha(y: np.ndarray, mu: np.ndarray) -> float:
    """Maximum-likelihood NB2 dispersion given the means (0 when Poisson fits best).

    :func:`nb2_dispersion` with ``method="ml"``.
    """
    return float(nb2_dispersion(y, mu, method="ml"))


def fit_nb2(
    X: np.ndarray,
    y: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    bounds: tuple[float, float] = (np.log(1e-6), np.log(1e3)),
    xatol: float = 1e-6,
    step_tol: float | None = 1e-10,
) -> tuple[LogGLMFit, LogGLMFit, bool]:
    """The NB2 GLM with the dispersion by maximum likelihood, and the Poisson GLM.

    The profile likelihood: the GLM at each ``alpha`` (:func:`log_glm`, each fit
    starting where the previous ended), maximised over ``log(alpha)`` in ``bounds``.
    When Dean's score ``sum((y - mu)^2 - y)`` at the Poisson fit is not positive the
    likelihood is highest at the boundary ``alpha = 0`` and the Poisson fit is returned.
    Each fit stops when no coefficient moves by more than ``step_tol``.

    Returns
    -------
    (LogGLMFit, LogGLMFit, bool)
        The NB2 fit (its ``alpha`` the estimate, 0 at the boundary), the Poisson fit,
        and whether the search converged.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> y = rng.negative_binomial(2, 0.2, size=300).astype(float)  # alpha 0.5
    >>> nb, poisson, converged = fit_nb2(np.ones((300, 1)), y)
    >>> round(nb.alpha, 2), converged
    (0.52, True)
    """
    from scipy import optimize

    X = np.asarray(X, dtype="float64")
    y = np.asarray(y, dtype="float64")
    poisson = log_glm(X, y, offset=offset, step_tol=step_tol)
    # d loglik / d alpha at alpha = 0 is half the sum of (y - mu)^2 - y (Dean's score):
    # when it is not positive the likelihood is highest at the Poisson boundary
    if np.sum((y - poisson.mu) ** 2 - y) <= 0:
        return poisson, poisson, True
    warm = [poisson.params]
    fits: dict[float, LogGLMFit] = {}

    def negative_loglik(log_alpha: float) -> float:
        fit = log_glm(
            X, y, offset=offset, alpha=float(np.exp(log_alpha)), start=warm[0], step_tol=step_tol
        )
        warm[0] = fit.params
        fits[log_alpha] = fit
        return -fit.loglik

    search = optimize.minimize_scalar(
        negative_loglik, bounds=bounds, method="bounded", options={"xatol": xatol}
    )
    best = fits.get(float(search.x)) or log_glm(
        X, y, offset=offset, alpha=float(np.exp(search.x)), start=warm[0], step_tol=step_tol
    )
    return best, poisson, bool(search.success)
