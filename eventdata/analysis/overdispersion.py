"""Tests of Poisson variation against overdispersion, given the means of a Poisson fit.

:func:`overdispersion_test` gives Dean's (1992) score test and the Cameron and Trivedi
(1990) auxiliary regressions (R ``AER::dispersiontest``), as a :class:`DispersionTest`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from eventdata.core.result import Result

__all__ = ["DispersionTest", "overdispersion_test"]


@dataclass(frozen=True)
class DispersionTest(Result):
    """A test of Poisson variation against overdispersion.

    Attributes
    ----------
    method : str
        ``"dean"`` (Dean 1992, P_B), ``"ct-nb1"`` or ``"ct-nb2"`` (Cameron and
        Trivedi 1990 auxiliary regressions).
    statistic : float
        Standard normal under Poisson variation.
    pvalue : float
        One-sided (alternative: overdispersion).
    estimate : float
        ``"ct-nb1"``: the dispersion ``1 + a`` in ``var = (1 + a) mu`` (AER's
        ``dispersiontest`` "dispersion"); ``"ct-nb2"`` and ``"dean"``: ``a`` in
        ``var = mu (1 + a mu)``.
    """

    method: str
    statistic: float
    pvalue: float
    estimate: float

    def to_frame(self) -> pd.DataFrame:
        """The test as a one-row table: ``method``, ``statistic``, ``pvalue``, ``estimate``."""
        return pd.DataFrame([self._headline_dict()])

    def summary(self) -> str:
        """One line: the test, its statistic, p-value and estimate."""
        return (
            f"Overdispersion test ({self.method}): z = {self.statistic:.3g}, "
            f"p = {self.pvalue:.3g} (one-sided), estimate {self.estimate:.4g}"
        )

    def _headline_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "statistic": self.statistic,
            "pvalue": self.pvalue,
            "estimate": self.estimate,
        }


def overdispersion_test(
    counts: Sequence[float] | np.ndarray,
    fitted: Sequence[float] | np.ndarray,
    *,
    method: Literal["dean", "ct-nb1", "ct-nb2"] = "ct-nb1",
) -> DispersionTest:
    """Test counts for more-than-Poisson variation around the means of a Poisson fit.

    Parameters
    ----------
    counts : array-like
        Observed counts ``y``.
    fitted : array-like
        Fitted means ``mu`` of a Poisson model of ``y`` (all positive).
    method : {"ct-nb1", "ct-nb2", "dean"}
        ``"ct-nb1"``: regress ``((y - mu)^2 - y) / mu`` on a constant (the
        default test of R's ``AER::dispersiontest``); ``"ct-nb2"``: on ``mu``
        (``trafo = 2``); ``"dean"``: Dean's score statistic
        ``sum((y - mu)^2 - y) / sqrt(2 sum mu^2)``.

    Returns
    -------
    DispersionTest

    Notes
    -----
    The statistics treat ``mu`` as known; with many fitted parameters (one per
    period and province) the residuals are smaller than the errors, and the
    tests are conservative.

    Examples
    --------
    >>> y = [0, 2, 1, 7, 0, 3, 9, 1]
    >>> test = overdispersion_test(y, [2.875] * 8)
    >>> round(test.estimate, 3), test.pvalue < 0.05
    (3.429, True)
    >>> test.to_frame().columns.tolist()
    ['method', 'statistic', 'pvalue', 'estimate']
    """
    from scipy import stats

    y = np.asarray(counts, dtype=float)
    mu = np.asarray(fitted, dtype=float)
    if y.shape != mu.shape or y.ndim != 1:
        raise ValueError("counts and fitted must be one-dimensional and of the same length")
    if len(y) < 2 or np.any(mu <= 0):
        raise ValueError("need at least two counts with positive fitted means")
    excess = (y - mu) ** 2 - y
    if method == "dean":
        statistic = excess.sum() / np.sqrt(2 * np.sum(mu**2))
        estimate = excess.sum() / np.sum(mu**2)
    elif method in ("ct-nb1", "ct-nb2"):
        aux = excess / mu
        regressor = np.ones_like(mu) if method == "ct-nb1" else mu
        coef = np.sum(regressor * aux) / np.sum(regressor**2)
        resid = aux - coef * regressor
        se = np.sqrt(np.sum(resid**2) / (len(y) - 1) / np.sum(regressor**2))
        with np.errstate(divide="ignore", invalid="ignore"):  # counts equal to their means
            statistic = coef / se
        estimate = 1 + coef if method == "ct-nb1" else coef
    else:
        raise ValueError(f"method must be 'dean', 'ct-nb1' or 'ct-nb2', not {method!r}")
    return DispersionTest(
        method, float(statistic), float(stats.norm.sf(statistic)), float(estimate)
    )
