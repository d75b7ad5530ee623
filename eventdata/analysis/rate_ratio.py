"""The two-sample Poisson comparison: exact, E-test or score test of a rate ratio.

:func:`rate_ratio_test` compares ``count1 / exposure1`` with ``count2 / exposure2``
(from :mod:`statsmodels.stats.rates`). It is right only when the counts are Poisson;
counts of political violence rarely are (see :func:`eventdata.anniversary_test`).

References
----------
Krishnamoorthy K, Thomson J. A more powerful test for comparing two Poisson
means. J Stat Plan Inference 2004;119:23-35.

Gu K, Ng HKT, Tang ML, Schucany WR. Testing the ratio of two Poisson rates.
Biom J 2008;50(2):283-298.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from eventdata import plot
from eventdata.analysis._calendar import ALTERNATIVES, Alternative, check_choice, check_level
from eventdata.core.errors import EventDataError
from eventdata.core.result import Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["RateRatioTest", "rate_ratio_test"]


@dataclass(frozen=True, eq=False)
class RateRatioTest(Result):
    """A comparison of two Poisson rates: ``count1 / exposure1`` over ``count2 / exposure2``.

    Attributes
    ----------
    rate_ratio : float
        Ratio of the two rates.
    ci : (float, float)
        Two-sided confidence interval of the ratio at ``level``.
    pvalue : float
        p-value of equal rates against ``alternative``.
    statistic : float
        The test statistic (score statistic for the E-test and the score test;
        ``count1`` for the conditional exact test).
    method : str
        ``"etest"``, ``"exact"`` or ``"score"``.
    alternative : str
        ``"increase"`` (rate 1 above rate 2), ``"decrease"`` or ``"two-sided"``.
    level : float
        Confidence level of ``ci``.
    count1, exposure1, count2, exposure2 : float
        The input.
    """

    rate_ratio: float
    ci: tuple[float, float]
    pvalue: float
    statistic: float
    method: str
    alternative: str
    level: float
    count1: float
    exposure1: float
    count2: float
    exposure2: float

    def to_frame(self) -> pd.DataFrame:
        """One row: counts, exposures, ratio, interval, p-value, method."""
        return pd.DataFrame(
            {
                "count1": [self.count1],
                "exposure1": [self.exposure1],
                "count2": [self.count2],
                "exposure2": [self.exposure2],
                "rate_ratio": [self.rate_ratio],
                "ci_low": [self.ci[0]],
                "ci_high": [self.ci[1]],
                "pvalue": [self.pvalue],
                "alternative": [self.alternative],
                "method": [self.method],
            }
        )

    def summary(self) -> str:
        """Two lines of text."""
        return (
            f"{self._headline()}\n"
            f"rate ratio {self.rate_ratio:.4g} ({self.level:.0%} CI {self.ci[0]:.4g} to "
            f"{self.ci[1]:.4g}), p = {self.pvalue:.3g} ({self.alternative})"
        )

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """The rate ratio and its interval, log scale (:func:`eventdata.plot.rate_ratios`)."""
        table = self.to_frame().assign(test="rate 1 / rate 2")
        title = kwargs.pop("title", self._headline())
        return plot.rate_ratios(table, label="test", ax=ax, title=title, **kwargs)

    def _headline(self) -> str:
        return (
            f"Two-sample Poisson {self.method} test: {self.count1:g} events / {self.exposure1:g} "
            f"vs {self.count2:g} / {self.exposure2:g}"
        )

    def _headline_dict(self) -> dict[str, Any]:
        return {
            "rate_ratio": self.rate_ratio,
            "ci": self.ci,
            "pvalue": self.pvalue,
            "statistic": self.statistic,
            "method": self.method,
            "alternative": self.alternative,
            "level": self.level,
        }


def rate_ratio_test(
    count1: float,
    exposure1: float,
    count2: float,
    exposure2: float,
    *,
    method: Literal["etest", "exact", "score"] = "etest",
    alternative: Alternative = "two-sided",
    level: float = 0.95,
) -> RateRatioTest:
    """Compare two Poisson rates: exact, E-test or score test of their ratio.

    Valid only if both counts are Poisson: independent events at a constant
    rate. Counts of political violence are overdispersed and autocorrelated,
    which makes these tests far too ready to reject (see :func:`anniversary_test`).

    Parameters
    ----------
    count1, exposure1 : float
        Events and exposure (days, expected events, person-years) of sample 1.
    count2, exposure2 : float
        The same for sample 2, the reference.
    method : {"etest", "exact", "score"}
        ``"etest"`` (default): the E-test of Krishnamoorthy and Thomson (2004)
        with the score statistic, exact-sized in their study, with the score
        interval. ``"exact"``: conditional exact test (given the total, count1
        is binomial) with its Clopper-Pearson interval. ``"score"``: the
        asymptotic score test of Gu et al. (2008, their W2A) with the score
        interval. When a count is 0 the interval is the Clopper-Pearson one
        (one of its ends is 0 or infinite). All from
        :func:`statsmodels.stats.rates.test_poisson_2indep`.
        The E-test sums over a grid of pairs of counts: against a baseline of
        tens of thousands of events it takes about a second.
    alternative : {"two-sided", "increase", "decrease"}
        ``"increase"``: rate 1 is above rate 2.
    level : float
        Confidence level of the (two-sided) interval.

    Returns
    -------
    RateRatioTest

    Examples
    --------
    Gu et al. (2008), example 1: 60 events in 51,477.5 person-years against 30
    in 54,308.7.

    >>> test = rate_ratio_test(60, 51477.5, 30, 54308.7, method="score")
    >>> round(test.rate_ratio, 3), round(test.pvalue, 6)
    (2.11, 0.000632)
    """
    if method not in ("etest", "exact", "score"):
        raise ValueError(f"method must be 'etest', 'exact' or 'score', not {method!r}")
    check_choice(alternative, ALTERNATIVES, "alternative")
    check_level(level)
    values = np.array([count1, exposure1, count2, exposure2], dtype="float64")
    if not np.isfinite(values).all() or (values < 0).any() or values[[1, 3]].min() <= 0:
        raise EventDataError("counts must be non-negative and exposures positive")
    if method != "score" and not np.allclose(values[[0, 2]], np.round(values[[0, 2]])):
        raise EventDataError(
            f"the {method} test needs whole counts, not {count1:g} and {count2:g} "
            "(fractional counts come from precision='spread')"
        )
    if count1 + count2 == 0:
        raise EventDataError("both counts are zero: there is nothing to compare")
    sided = ALTERNATIVES[alternative]
    kind = {"etest": "etest", "exact": "exact-cond", "score": "score"}[method]
    extra = {}
    if method == "etest":
        extra["etest_kwds"] = {"y_grid": _etest_grid(count1, exposure1, count2, exposure2)}
    from statsmodels.stats import rates

    with np.errstate(divide="ignore", invalid="ignore"):  # a zero count is allowed
        result = rates.test_poisson_2indep(
            count1, exposure1, count2, exposure2, method=kind, alternative=sided, **extra
        )
        if method == "exact" or min(count1, count2) == 0:
            # statsmodels' score interval collapses to a point when a count is 0
            ci = _conditional_interval(count1, exposure1, count2, exposure2, level)
        else:
            ci = rates.confint_poisson_2indep(
                count1, exposure1, count2, exposure2, method="score", alpha=1 - level
            )
        ratio = np.divide(count1 / exposure1, count2 / exposure2)
    return RateRatioTest(
        rate_ratio=float(ratio),
        ci=(float(ci[0]), float(ci[1])),
        pvalue=float(min(1.0, result.pvalue)),
        statistic=float(result.statistic),
        method=method,
        alternative=alternative,
        level=level,
        count1=float(count1),
        exposure1=float(exposure1),
        count2=float(count2),
        exposure2=float(exposure2),
    )


def _conditional_interval(
    count1: float, exposure1: float, count2: float, exposure2: float, level: float
) -> tuple[float, float]:
    """Clopper-Pearson interval of the ratio: given the total, count1 is binomial with
    share ``ratio * exposure1 / (ratio * exposure1 + exposure2)``."""
    from scipy import stats

    share = stats.binomtest(round(count1), round(count1 + count2)).proportion_ci(
        level, method="exact"
    )
    bounds = np.array([share.low, share.high])
    odds = bounds / (1 - bounds)
    return float(odds[0] * exposure2 / exposure1), float(odds[1] * exposure2 / exposure1)


def _etest_grid(count1: float, exposure1: float, count2: float, exposure2: float) -> np.ndarray:
    """Counts where either sample's null distribution has mass (statsmodels' own grid,
    0 to the larger mean's far tail, is quadratic in the larger count: far too slow
    for a window of a few hundred events against a baseline of tens of thousands)."""
    from scipy import stats

    total = count1 + count2
    means = (
        total * exposure1 / (exposure1 + exposure2),
        total * exposure2 / (exposure1 + exposure2),
    )
    ranges = [
        np.arange(stats.poisson.ppf(1e-14, m), stats.poisson.isf(1e-14, m) + 1)
        for m in means
        if m > 0
    ]
    observed = np.array([count1, count2])
    return np.unique(np.concatenate([*ranges, observed, np.arange(0, 50)]))
