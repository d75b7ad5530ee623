"""Did events rise around an anniversary, beyond what trend, weekday and season explain?

:func:`anniversary_test` compares the events in a window of days around an
anniversary (say 3 to 9 January, after the killing of Qassem Soleimani on
3 January 2020), pooled over the years, with what a model of the whole daily
series expects there: a smooth trend, the day of the week and a yearly season
(Fourier terms), fitted with the anniversary windows left out. The rate ratio is
observed over expected.

Daily event counts are overdispersed and autocorrelated, so a Poisson test of
the window against the baseline treats a noisy week as strong evidence (on the
counts :func:`eventdata.datasets.simulate_counts` makes, it calls about a quarter
of ordinary weeks significant at 5%, one-sided), and model-based standard errors
that allow for overdispersion still ignore autocorrelation (10-13%). The default
inference is therefore a **placebo test**: the same rate ratio is computed at
every other calendar date taken as a pseudo-anniversary (the same window and
years, shifted by whole days, keeping ``buffer`` days away from every real
anniversary window: with the defaults, shifts of 37 to 328 days), and the real
ratio is ranked among them.
The placebo ratios show how far observed over expected strays on these data
when nothing happens, whatever the dispersion and autocorrelation; no
distribution is assumed. In simulation (``benchmarks/anniversary_calibration.py``)
it keeps its level where Poisson and model-based tests do not.

Three details keep the real and placebo ratios exchangeable. Each placebo
window is predicted by the model with that window left out, as the real one is
(the leave-window-out fit comes from the exact deletion formula of weighted
least squares at the final iteration of the Poisson fit, one step from the
refit: Pregibon 1981, Williams 1987); otherwise the fit would partly absorb
each placebo window and make the placebo ratios too tame. The log ratios are
studentised before they are ranked, by ``1 / expected`` (Poisson counting) +
the expectation's own variance + the excess variance the placebo windows show
(overdispersion, autocorrelation): the anniversary sits in one season, with
more or fewer expected events than most placebo windows, and ranking raw ratios
over-rejected (6-8% at a nominal 5% on Poisson counts with a winter low).
And pseudo-anniversaries are whole-day shifts of the real dates, so every
placebo uses as many windows as the real test; 29 February, which exists one
year in four, needs no special handling. The confidence interval inverts the
same test: the ratios that neither one-sided placebo test rejects.

:func:`event_study` gives the rate ratio on each day around the anniversary,
pooled over years, with placebo-based intervals. :func:`rate_ratio_test` is the
exact two-sample Poisson comparison (E-test, conditional exact or score test,
from :mod:`statsmodels.stats.rates`), right only when counts are Poisson.

References
----------
Krishnamoorthy K, Thomson J. A more powerful test for comparing two Poisson
means. J Stat Plan Inference 2004;119:23-35.

Gu K, Ng HKT, Tang ML, Schucany WR. Testing the ratio of two Poisson rates.
Biom J 2008;50(2):283-298.

Abadie A, Diamond A, Hainmueller J. Synthetic control methods for comparative
case studies. J Am Stat Assoc 2010;105(490):493-505 (placebo inference).

Pregibon D. Logistic regression diagnostics. Ann Stat 1981;9(4):705-724;
Williams DA. Generalized linear model diagnostics using the deviance and single
case deletions. Appl Stat 1987;36(2):181-191 (one-step deletion in GLMs).
"""

from __future__ import annotations

import datetime
import html
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.interpolate import BSpline
from statsmodels.stats import rates
from statsmodels.stats.multitest import multipletests

from eventdata.analysis._glm import fit_log_glm, nb2_alpha, nb2_loglik, poisson_deviance
from eventdata.core.coverage import CoverageLike, covered_days, describe_gaps, normalize_coverage
from eventdata.core.errors import (
    AutocorrelationWarning,
    CalibrationWarning,
    CoverageWarning,
    EventDataError,
    InsufficientDataError,
    OverdispersionWarning,
    WindowOverlapWarning,
)
from eventdata.core.progress import Progress, ProgressOption
from eventdata.core.result import Result
from eventdata.events.counts import counts
from eventdata.store import EventStore

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "MINIMUMS",
    "AnniversaryResult",
    "AnniversaryTests",
    "AutocorrelationWarning",
    "CalibrationWarning",
    "EventStudyResult",
    "InsufficientDataError",
    "OverdispersionWarning",
    "RateRatioTest",
    "anniversary_test",
    "event_study",
    "format_pvalue",
    "format_ratio",
    "rate_ratio_test",
]

Method = Literal[
    "auto", "placebo", "negbin", "quasipoisson", "poisson-etest", "poisson-exact", "poisson-score"
]
Alternative = Literal["increase", "decrease", "two-sided"]
Correction = Literal["bh", "holm", "bonferroni", "none"]

_METHODS = (
    "auto",
    "placebo",
    "negbin",
    "quasipoisson",
    "poisson-etest",
    "poisson-exact",
    "poisson-score",
)
_ALTERNATIVES = {"increase": "larger", "decrease": "smaller", "two-sided": "two-sided"}
_CORRECTIONS = {"bh": "fdr_bh", "holm": "holm", "bonferroni": "bonferroni", "none": None}
# Fewer pseudo-anniversaries than this and the smallest attainable p-value
# (1 / (1 + n)) is above 0.01: "auto" then falls back to quasi-Poisson.
_MIN_PLACEBO = 99
# Window-level dispersion (variance of placebo window counts over their
# expectation) above which Poisson tests are flagged; 1 for Poisson counts.
_WINDOW_DISPERSION_LIMIT = 1.5
# Pseudo-anniversaries whose leave-window-out sums are solved together: a step
# of the progress report, and a bound on the memory of the stacked hat matrices.
_PLACEBO_BATCH = 128
# A window without events counts as half an event on the log scale.
_HALF_EVENT = 0.5


# The minimums below which an anniversary result is refused or marked unreliable.
MINIMUMS = {
    # covered days in the series: fewer cannot tell a trend and weekday from a window
    "covered_days": 180,
    # pseudo-anniversaries for the placebo method: 2 / (1 - level) - 1 (39 at 95%),
    # the fewest that bound the interval and let a two-sided p-value reach 0.05
    "placebo": "2 / (1 - level) - 1",
    # events the model expects in the pooled windows: below it the ratio is noise
    "expected": 5.0,
}


def format_pvalue(pvalue: float, *, equals: bool = False) -> str:
    """A p-value as text: ``< 0.0001`` below it, 3 significant digits otherwise.

    ``equals=True`` prefixes ``= `` to a number (``p = 0.03`` but ``p < 0.0001``).

    Examples
    --------
    >>> format_pvalue(3.68e-304), format_pvalue(0.01234, equals=True)
    ('< 0.0001', '= 0.0123')
    """
    if not np.isfinite(pvalue):
        return "not computed" if not equals else "= n/a"
    if pvalue < 1e-4:
        return "< 0.0001"
    return f"{'= ' if equals else ''}{pvalue:.3g}"


def format_ratio(value: float) -> str:
    """A rate ratio or bound as text: a lower limit of zero prints as 0, not 9.4e-14.

    Examples
    --------
    >>> format_ratio(9.4e-14), format_ratio(1.2345), format_ratio(float("inf"))
    ('0', '1.23', 'inf')
    """
    if not np.isfinite(value):
        return "inf" if value > 0 else "n/a"
    if abs(value) < 1e-6:
        return "0"
    return f"{value:.3g}"


class _ResultView:
    """Notebook view shared by the result objects: the headline and the tidy table."""

    def _headline(self) -> str:
        raise NotImplementedError

    def to_frame(self) -> pd.DataFrame:
        raise NotImplementedError

    def _tables(self) -> list[pd.DataFrame]:
        return [self.to_frame()]

    def _repr_html_(self) -> str:
        tables = "".join(
            table.to_html(index=False, float_format=lambda x: f"{x:.4g}")
            for table in self._tables()
        )
        return f"<div><p><strong>{html.escape(self._headline())}</strong></p>{tables}</div>"

    def _text(self, table: pd.DataFrame) -> str:
        """The headline above a table, as text."""
        body = table.to_string(index=False, float_format=lambda x: f"{x:.3g}")
        return f"{self._headline()}\n{body}"


@dataclass(frozen=True, eq=False)
class RateRatioTest(_ResultView):
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

    def _headline(self) -> str:
        return (
            f"Two-sample Poisson {self.method} test: {self.count1:g} events / {self.exposure1:g} "
            f"vs {self.count2:g} / {self.exposure2:g}"
        )


@dataclass(frozen=True, eq=False)
class AnniversaryResult(_ResultView, Result):
    """The anniversary escalation test for one anniversary.

    Attributes
    ----------
    anniversary : str
        ``"MM-DD"``.
    window : (int, int)
        Days relative to the anniversary, both ends included.
    years : tuple of int
        The years whose window was tested.
    rate_ratio : float
        Events in the windows over the expectation there (all years pooled).
        For ``"negbin"`` and ``"quasipoisson"``, the model's window rate ratio
        (the exponentiated coefficient of a window indicator), which is close.
    ci : (float, float)
        Two-sided confidence interval of ``rate_ratio`` at ``level``, whatever
        ``alternative`` is. Placebo method: the real log ratio minus the
        placebo log ratios' ``(1 + level) / 2`` and ``(1 - level) / 2``
        quantiles (their spread is the estimate's error when nothing happens).
    pvalue : float
        p-value against ``alternative`` (not adjusted for several anniversaries).
    pvalue_adjusted : float
        p-value adjusted for the anniversaries tested together (``correction``);
        equal to ``pvalue`` for a single anniversary.
    correction : str
        Multiple-testing correction: ``"bh"``, ``"holm"``, ``"bonferroni"`` or ``"none"``.
    alternative : str
        ``"increase"``, ``"decrease"`` or ``"two-sided"``.
    method : str
        The inference used (``"placebo"``, ``"negbin"``, ``"quasipoisson"``,
        ``"poisson-etest"``, ``"poisson-exact"``, ``"poisson-score"``).
    method_note : str
        Why: what ``method="auto"`` chose and on what grounds, or "as requested".
    level : float
        Confidence level of ``ci``.
    observed, expected : float
        Events in the tested windows and the model's expectation there.
    by_year : pandas.DataFrame
        One row per tested year: ``year``, ``observed``, ``expected``, ``ratio``,
        ``start``, ``end`` (first and last day of that year's window).
    daily : pandas.DataFrame
        The whole series for plotting: ``date``, ``count``, ``expected`` (the
        model fitted without the anniversary windows), ``in_window``,
        ``relative_day`` (days from the anniversary, in tested windows only),
        ``year`` (the window's year).
    placebo : pandas.DataFrame
        One row per pseudo-anniversary: ``shift`` (days from the real one),
        ``date`` (the pseudo-anniversary in the first tested year),
        ``observed``, ``expected`` (leave-window-out), ``rate_ratio``.
        Computed for every method; only ``"placebo"`` draws its p-value from it.
    n_placebo : int
        Number of pseudo-anniversaries.
    dispersion : float
        Pearson chi-squared over residual degrees of freedom of the daily
        baseline model: about 1 for Poisson counts.
    window_dispersion : float
        Mean of ``(observed - expected)**2 / expected`` over the placebo
        windows: about 1 for independent Poisson counts; overdispersion and
        autocorrelation both raise it. What a Poisson test of the window gets wrong.
    autocorrelation : float
        Lag-1 autocorrelation of the baseline model's Pearson residuals.
    model : dict
        The expectation model: ``trend_df``, ``harmonics``, ``weekday``, ``n_days``
        (days fitted), ``n_params``, ``exposure`` (whether an offset was given).
    time_precision : dict or None
        The report of :func:`eventdata.counts` when events were counted here.
    detectable_ratio : float
        The smallest rate ratio (below 1 for ``alternative="decrease"``) this
        test detects with 80% power at its level ``1 - level``, on this series:
        from the null spread of the log ratio the method uses (placebo spread,
        Pearson or NB2 dispersion) and the pooled expectation, analytically.
    uncovered_days : int
        Days inside the series its coverage does not hold: left out, not read as 0.
    years_left_out : tuple of int
        Years whose window the coverage does not wholly hold (not tested).
    coarse_in_windows : int or None
        Events dated only to the week or month whose coded date falls inside
        the tested windows (left out of the daily counts); None for count input.
    reliable : bool
        False when the data are below a stated minimum (see
        :data:`MINIMUMS`); the p-value is then NaN and ``reliability_note`` says why.
    reliability_note : str
        Why the result is not reliable ("" when it is).

    Examples
    --------
    >>> import eventdata as ed
    >>> daily = ed.datasets.simulate_counts(
    ...     "2015-01-01", "2022-12-31", seed=3, anniversaries=["01-03"], effect=1.6
    ... )
    >>> result = ed.anniversary_test(daily, "01-03")
    >>> result.method, round(result.rate_ratio, 2), result.pvalue < 0.05
    ('placebo', 1.51, True)
    >>> result.by_year.columns.tolist()
    ['year', 'observed', 'expected', 'ratio', 'start', 'end']
    """

    anniversary: str
    window: tuple[int, int]
    years: tuple[int, ...]
    rate_ratio: float
    ci: tuple[float, float]
    pvalue: float
    pvalue_adjusted: float
    correction: str
    alternative: str
    method: str
    method_note: str
    level: float
    observed: float
    expected: float
    by_year: pd.DataFrame
    daily: pd.DataFrame
    placebo: pd.DataFrame
    n_placebo: int
    dispersion: float
    window_dispersion: float
    autocorrelation: float
    model: dict
    time_precision: dict | None
    detectable_ratio: float = float("nan")
    uncovered_days: int = 0
    years_left_out: tuple[int, ...] = ()
    coarse_in_windows: int | None = None
    reliable: bool = True
    reliability_note: str = ""

    @property
    def n_years(self) -> int:
        """Number of tested years."""
        return len(self.years)

    def to_frame(self) -> pd.DataFrame:
        """The test as one tidy row.

        Returns
        -------
        pandas.DataFrame
            Columns ``anniversary``, ``window_start``, ``window_end``,
            ``n_years``, ``observed``, ``expected``, ``rate_ratio``, ``ci_low``,
            ``ci_high``, ``pvalue``, ``pvalue_adjusted``, ``alternative``,
            ``method``, ``n_placebo``, ``detectable_ratio``, ``uncovered_days``,
            ``reliable``.
        """
        return pd.DataFrame(
            {
                "anniversary": [self.anniversary],
                "window_start": [self.window[0]],
                "window_end": [self.window[1]],
                "n_years": [self.n_years],
                "observed": [self.observed],
                "expected": [self.expected],
                "rate_ratio": [self.rate_ratio],
                "ci_low": [self.ci[0]],
                "ci_high": [self.ci[1]],
                "pvalue": [self.pvalue],
                "pvalue_adjusted": [self.pvalue_adjusted],
                "alternative": [self.alternative],
                "method": [self.method],
                "n_placebo": [self.n_placebo],
                "detectable_ratio": [self.detectable_ratio],
                "uncovered_days": [self.uncovered_days],
                "reliable": [self.reliable],
            }
        )

    def summary(self) -> str:
        """The test in a few lines of text, with the years one by one."""
        sided = "two-sided" if self.alternative == "two-sided" else "one-sided"
        lines = [
            self._headline(),
            f"observed {self.observed:g} events, expected {self.expected:.1f}: rate ratio "
            f"{format_ratio(self.rate_ratio)} ({self.level:.0%} CI "
            f"{format_ratio(self.ci[0])} to {format_ratio(self.ci[1])})",
            f"p {format_pvalue(self.pvalue, equals=True)} ({sided}, alternative: "
            f"{self.alternative})"
            + (
                f", adjusted ({self.correction}) {format_pvalue(self.pvalue_adjusted)}"
                if self.correction != "none"
                else ""
            ),
            f"method: {self.method} ({self.method_note})",
            f"smallest rate ratio detectable with 80% power at the {1 - self.level:.0%} "
            f"level: {format_ratio(self.detectable_ratio)}",
            f"expectation: {_describe_model(self.model)}; anniversary windows left out",
            f"dispersion {self.dispersion:.2f} per day, {self.window_dispersion:.2f} per window "
            "(1 for Poisson counts); lag-1 residual autocorrelation "
            f"{self.autocorrelation:.2f}",
        ]
        if not self.reliable:
            lines.insert(1, f"NOT RELIABLE: {self.reliability_note}")
        if self.uncovered_days or self.years_left_out:
            left = f"; years not tested for want of coverage: {list(self.years_left_out)}"
            lines.append(
                f"{self.uncovered_days} days inside the series are outside the source's "
                "coverage: left out, not counted as 0" + (left if self.years_left_out else "")
            )
        if self.time_precision and self.time_precision.get("excluded"):
            inside = (
                f", {self.coarse_in_windows} of them inside the tested windows"
                if self.coarse_in_windows is not None
                else ""
            )
            lines.append(
                f"{self.time_precision['excluded']} events dated only to the week or month "
                f"were left out of the daily counts{inside}"
            )
        by_year = self.by_year[["year", "observed", "expected", "ratio"]]
        lines.append(by_year.to_string(index=False, float_format=lambda x: f"{x:.3g}"))
        return "\n".join(lines)

    def _tables(self) -> list[pd.DataFrame]:
        return [self.to_frame(), self.by_year[["year", "observed", "expected", "ratio"]]]

    def _headline_dict(self) -> dict[str, Any]:
        """The row of :meth:`to_frame`, ``ci``, the notes, the model's checks and ``by_year``."""
        return {
            **self.to_frame().iloc[0].to_dict(),
            "ci": self.ci,
            "method_note": self.method_note,
            "reliability_note": self.reliability_note,
            "years_left_out": self.years_left_out,
            "coarse_in_windows": self.coarse_in_windows,
            "correction": self.correction,
            "level": self.level,
            "years": self.years,
            "dispersion": self.dispersion,
            "window_dispersion": self.window_dispersion,
            "autocorrelation": self.autocorrelation,
            "by_year": self.by_year,
        }

    def _headline(self) -> str:
        return (
            f"Anniversary test {self.anniversary}, days {self.window[0]:+d} to "
            f"{self.window[1]:+d}, {_years_text(self.years)}: rate ratio "
            f"{format_ratio(self.rate_ratio)}, p {format_pvalue(self.pvalue, equals=True)} "
            f"({self.method})"
        )

    def __repr__(self) -> str:
        return (
            f"AnniversaryResult(anniversary={self.anniversary!r}, rate_ratio="
            f"{self.rate_ratio:.4g}, ci=({self.ci[0]:.4g}, {self.ci[1]:.4g}), "
            f"pvalue={self.pvalue:.3g}, method={self.method!r})"
        )

    def plot(self, *, kind: str = "years", ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Observed vs expected per year ("years") or among the placebo windows ("placebo").

        See :func:`eventdata.plot.anniversary` and :func:`eventdata.plot.placebo`.
        """
        from eventdata import plot

        if kind not in ("years", "placebo"):
            raise ValueError(f"kind must be 'years' or 'placebo', not {kind!r}")
        return (plot.anniversary if kind == "years" else plot.placebo)(self, ax=ax, **kwargs)


@dataclass(frozen=True, eq=False)
class AnniversaryTests(_ResultView, Result):
    """Several anniversaries tested together, with a multiple-testing correction.

    Iterate over it, or index it by anniversary (``tests["01-03"]``), for each
    :class:`AnniversaryResult`.

    Attributes
    ----------
    results : tuple of AnniversaryResult
        One per anniversary, in the order given, each with its raw and
        adjusted p-values.
    correction : str
        ``"bh"`` (Benjamini-Hochberg false discovery rate, valid when the tests
        are independent or positively dependent, as overlapping windows are),
        ``"holm"`` or ``"bonferroni"`` (family-wise error) or ``"none"``.

    Examples
    --------
    >>> import eventdata as ed
    >>> daily = ed.datasets.simulate_counts(
    ...     "2015-01-01", "2022-12-31", seed=3, anniversaries=["01-03"], effect=1.6
    ... )
    >>> tests = ed.anniversary_test(daily, ["01-03", "07-04"])
    >>> tests.correction, tests.to_frame()["anniversary"].tolist()
    ('bh', ['01-03', '07-04'])
    """

    results: tuple[AnniversaryResult, ...]
    correction: str

    @property
    def anniversaries(self) -> tuple[str, ...]:
        """The anniversaries, in order."""
        return tuple(r.anniversary for r in self.results)

    def __iter__(self) -> Iterator[AnniversaryResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, anniversary: str) -> AnniversaryResult:
        for result in self.results:
            if result.anniversary == anniversary:
                return result
        raise KeyError(anniversary)

    def to_frame(self) -> pd.DataFrame:
        """One row per anniversary (the columns of :meth:`AnniversaryResult.to_frame`)."""
        return pd.concat([r.to_frame() for r in self.results], ignore_index=True)

    def summary(self) -> str:
        """The table of anniversaries as text."""
        columns = ["anniversary", "rate_ratio", "ci_low", "ci_high", "pvalue", "pvalue_adjusted"]
        return self._text(self.to_frame()[columns])

    def _headline_dict(self) -> dict[str, Any]:
        """The correction and each anniversary's numbers (its ``to_dict()``)."""
        return {
            "correction": self.correction,
            "anniversaries": [result.to_dict() for result in self.results],
        }

    def _headline(self) -> str:
        methods = sorted({r.method for r in self.results})
        return (
            f"Anniversary tests ({len(self.results)} anniversaries, {', '.join(methods)}; "
            f"p-values adjusted: {self.correction})"
        )

    def __repr__(self) -> str:
        return (
            f"AnniversaryTests(anniversaries={self.anniversaries!r}, "
            f"correction={self.correction!r})"
        )


@dataclass(frozen=True, eq=False)
class EventStudyResult(_ResultView):
    """Rate ratios day by day around an anniversary, pooled over years.

    Attributes
    ----------
    anniversary : str
        ``"MM-DD"``.
    window : (int, int)
        First and last relative day.
    years : tuple of int
        The years pooled.
    frame : pandas.DataFrame
        One row per relative day: ``relative_day``, ``observed``,
        ``expected``, ``rate_ratio``, ``ci_low``, ``ci_high``.
    ci_method : str
        ``"placebo"``: inverted like :func:`anniversary_test`'s placebo test,
        from the single-day ratios at every pseudo-anniversary (leave-days-out
        expectation), honest under overdispersion; ``"quasipoisson"`` (too few
        pseudo-anniversaries): exact Poisson limits of ``observed / dispersion``,
        times ``dispersion / expected``. The intervals are pointwise, not
        simultaneous: among 29 days, one or two outside 1 are expected by chance.
    level : float
        Confidence level.
    n_placebo : int
        Number of pseudo-anniversaries.
    dispersion : float
        Pearson dispersion of the daily baseline model.
    model : dict
        The expectation model (as in :class:`AnniversaryResult`).
    time_precision : dict or None
        The report of :func:`eventdata.counts` when events were counted here.
    uncovered_days : int
        Days inside the series its coverage does not hold (left out, not 0).
    years_left_out : tuple of int
        Years not pooled because the coverage does not hold their window.

    Examples
    --------
    >>> import eventdata as ed
    >>> daily = ed.datasets.simulate_counts(
    ...     "2015-01-01", "2022-12-31", seed=3, anniversaries=["01-03"], effect=1.6
    ... )
    >>> study = ed.event_study(daily, "01-03", window=(-3, 3))
    >>> study.to_frame()["relative_day"].tolist()
    [-3, -2, -1, 0, 1, 2, 3]
    """

    anniversary: str
    window: tuple[int, int]
    years: tuple[int, ...]
    frame: pd.DataFrame
    ci_method: str
    level: float
    n_placebo: int
    dispersion: float
    model: dict
    time_precision: dict | None
    uncovered_days: int = 0
    years_left_out: tuple[int, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The tidy table (a copy of ``frame``)."""
        return self.frame.copy()

    def summary(self) -> str:
        """The table as text, under a one-line description."""
        return self._text(self.frame)

    def _headline(self) -> str:
        return (
            f"Event study around {self.anniversary}, days {self.window[0]:+d} to "
            f"{self.window[1]:+d}, pooled over {_years_text(self.years)}; {self.level:.0%} "
            f"{self.ci_method} intervals"
        )

    def __repr__(self) -> str:
        return (
            f"EventStudyResult(anniversary={self.anniversary!r}, window={self.window!r}, "
            f"n_years={len(self.years)}, ci_method={self.ci_method!r})"
        )

    def plot(
        self, *, ax: Axes | None = None, window: tuple[int, int] | None = (0, 6), **kwargs: Any
    ) -> Axes:
        """Per-day rate ratios with intervals, the tested window shaded (see
        :func:`eventdata.plot.event_study`)."""
        from eventdata import plot

        return plot.event_study(self, ax=ax, window=window, **kwargs)


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
    _check_choice(alternative, _ALTERNATIVES, "alternative")
    _check_level(level)
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
    sided = _ALTERNATIVES[alternative]
    kind = {"etest": "etest", "exact": "exact-cond", "score": "score"}[method]
    extra = {}
    if method == "etest":
        extra["etest_kwds"] = {"y_grid": _etest_grid(count1, exposure1, count2, exposure2)}
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
    share = stats.binomtest(round(count1), round(count1 + count2)).proportion_ci(
        level, method="exact"
    )
    bounds = np.array([share.low, share.high])
    odds = bounds / (1 - bounds)
    return float(odds[0] * exposure2 / exposure1), float(odds[1] * exposure2 / exposure1)


def anniversary_test(
    events: pd.DataFrame | pd.Series | str | os.PathLike | EventStore,
    anniversary: str | Sequence[str] = "01-03",
    *,
    window: tuple[int, int] = (0, 6),
    years: Sequence[int] | None = None,
    method: Method = "auto",
    alternative: Alternative = "increase",
    correction: Correction = "bh",
    level: float = 0.95,
    buffer: int = 30,
    trend_df: int | None = None,
    harmonics: int | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    precision: Literal["auto", "exclude", "spread", "keep"] = "auto",
    progress: ProgressOption = None,
    coverage: CoverageLike | None = None,
    exposure: pd.Series | np.ndarray | None = None,
) -> AnniversaryResult | AnniversaryTests:
    """Test whether events rose in a window around an anniversary, year after year.

    The expectation on each day comes from a log-linear Poisson model of the
    whole daily series (intercept, smooth trend, day of week, yearly Fourier
    terms) fitted without the windows of every anniversary given (in every
    year). The rate ratio is the windows' observed events over that
    expectation, pooled over the years.

    Parameters
    ----------
    events : pandas.DataFrame, pandas.Series, path or EventStore
        Incident records (counted per day with :func:`eventdata.counts` and its
        time-precision policy), a daily count table with ``date`` and ``count``
        columns, or a daily count Series indexed by consecutive dates (such as
        :func:`eventdata.datasets.simulate_counts` returns). A store (a folder
        written by :func:`eventdata.write_parquet`, or an
        :class:`eventdata.EventStore`) is counted out of core, without reading
        it whole (``pip install 'eventdata[dask]'``).
    anniversary : str or sequence of str
        ``"MM-DD"``. A sequence tests each and corrects the p-values for
        multiplicity; it returns :class:`AnniversaryTests`.
    window : (int, int)
        Days relative to the anniversary, both ends included: ``(0, 6)`` is the
        anniversary and the six days after.
    years : sequence of int, optional
        Years to test (default: every year whose whole window is in the series).
        The windows of other years are still left out of the model.
    method : {"auto", "placebo", "negbin", "quasipoisson", "poisson-etest", \
"poisson-exact", "poisson-score"}
        ``"placebo"``: rank among pseudo-anniversaries (see the module notes);
        empirical p-value ``(1 + #placebo ratios at least as extreme) / (1 + n)``.
        ``"negbin"``: negative binomial GLM (NB2, dispersion by maximum
        likelihood) with a window indicator, Wald test. ``"quasipoisson"``: the
        Poisson GLM with a window indicator and Pearson-scaled standard errors.
        Both allow for overdispersion but not autocorrelation. ``"poisson-etest"``,
        ``"poisson-exact"``, ``"poisson-score"``: :func:`rate_ratio_test` of the
        window count against the baseline count, with the model's expectations as
        exposures; valid only for Poisson counts, and an
        :class:`OverdispersionWarning` says when they are not. ``"auto"``
        (default): ``"placebo"`` if at least 99 pseudo-anniversaries fit in the
        series, else ``"quasipoisson"`` with a :class:`CalibrationWarning`.
    alternative : {"increase", "decrease", "two-sided"}
        ``"increase"`` (default): the question is escalation, so the test is
        one-sided, a fall counting as no evidence of it.
    correction : {"bh", "holm", "bonferroni", "none"}
        Multiple-testing correction across several anniversaries.
    level : float
        Confidence level of the (two-sided) interval of the rate ratio.
    buffer : int
        Pseudo-anniversary windows keep this many days away from every real
        anniversary window (an effect may spill over).
    trend_df : int, optional
        Degrees of freedom of the trend (a cubic B-spline; 1 is a straight
        line). Default: from the series length, one per year up to 8 years,
        then one per two years up to 20 (a 30-year series gets 15): flexible
        enough for regime changes, not so flexible that a quiet year drives a
        coefficient to minus infinity. The fit halves steps that raise the
        deviance and falls back to statsmodels' GLM.
    harmonics : int, optional
        Sine-cosine pairs of the yearly season. Default: 2 with two years of
        data or more, else 0 (a shorter series cannot tell season from trend).
    start, end : date-like, optional
        Calendar bounds passed to :func:`eventdata.counts` (days without events
        at either end are zeros only if the source covered them), or a slice of
        a count Series.
    precision : {"auto", "exclude", "spread", "keep"}
        Time-precision policy of :func:`eventdata.counts`.
    progress : bool or callable, optional
        Progress of the placebo computations, the long part on a long series
        (see :mod:`eventdata.core.progress`): ``True`` for a bar on stderr, shown
        only when stderr is a terminal; a callable is called with a
        :class:`~eventdata.core.progress.ProgressStep` after each batch of
        pseudo-anniversaries (``note`` names the anniversary). The results do
        not depend on it.
    coverage : list of dict or pandas.DataFrame, optional
        The days the source covered (see :mod:`eventdata.core.coverage`); overrides
        ``events.attrs["coverage"]``. Days outside it are missing, not zero:
        they are left out of the model, no tested or placebo window may touch
        them, a :class:`~eventdata.core.errors.CoverageWarning` names the gaps inside
        the series, and the result says how many days were left out. Missing
        (NaN) counts in a count table or Series are treated the same way.
    exposure : pandas.Series or array, optional
        Exposure per day (e.g. the number of sources, a coverage weight), a
        Series indexed by date or an array as long as the daily series: the
        model's expectation is proportional to it (``log(exposure)`` is an
        offset). Days of zero or missing exposure are left out as uncovered.

    Minimums (:data:`MINIMUMS`): at least 180 covered days, else
    :class:`InsufficientDataError`; the placebo method needs
    ``2 / (1 - level) - 1`` pseudo-anniversaries (39 at 95%), else the error;
    a pooled expectation under 5 events gives a result marked unreliable, with
    no p-value.

    Returns
    -------
    AnniversaryResult or AnniversaryTests
        One result for an ``"MM-DD"`` string, a container for a sequence.

    Raises
    ------
    InsufficientDataError
        If no year has the whole window inside the covered series, fewer than
        180 days are covered, or the baseline outside the windows is too short
        or has no events. The seed incidents (six events over four days) raise
        it: test a longer series.

    Examples
    --------
    Seven years of simulated daily counts, overdispersed and autocorrelated,
    with 50% more events from 3 to 9 January:

    >>> import eventdata as ed
    >>> daily = ed.datasets.simulate_counts(
    ...     "2016-01-01", "2022-12-31", seed=4, anniversaries=["01-03"], effect=1.5)
    >>> result = anniversary_test(daily, "01-03")
    >>> result.method, result.n_years, result.n_placebo > 250
    ('placebo', 7, True)
    >>> bool(result.pvalue < 0.05), bool(result.ci[0] < 1.5 < result.ci[1])
    (True, True)
    >>> tests = anniversary_test(daily, ["01-03", "07-04"])
    >>> tests.to_frame()[["anniversary", "pvalue_adjusted"]].shape
    (2, 2)

    A callback sees the pseudo-anniversaries done, a batch at a time:

    >>> steps = []
    >>> result = anniversary_test(daily, "01-03", progress=steps.append)
    >>> steps[-1].done == steps[-1].total == result.n_placebo
    True
    """
    single = isinstance(anniversary, str | datetime.date)
    anniversaries = [_anniversary_label(a) for a in ([anniversary] if single else anniversary)]
    if not anniversaries:
        raise ValueError("give at least one anniversary")
    if len(set(anniversaries)) != len(anniversaries):
        raise ValueError("the anniversaries repeat")
    parsed = [_parse_anniversary(a) for a in anniversaries]
    window = _check_window(window)
    _warn_overlap(anniversaries, parsed, window)
    _check_choice(method, _METHODS, "method")
    _check_choice(alternative, _ALTERNATIVES, "alternative")
    _check_choice(correction, _CORRECTIONS, "correction")
    _check_level(level)
    if buffer < 0:
        raise ValueError("buffer must be 0 or more days")

    daily = _daily_series(
        events, start=start, end=end, precision=precision, coverage=coverage, exposure=exposure
    )
    days, y, covered = daily.days, daily.y, daily.covered
    all_anchors = [_anchors(days, month, day) for month, day in parsed]
    in_windows = np.zeros(len(y), dtype=bool)
    for _, positions in all_anchors:
        in_windows |= _cover(positions, window, len(y))
    tested = []
    for (anchor_years, positions), label in zip(all_anchors, anniversaries, strict=True):
        tested.append(
            (
                *_tested(days, anchor_years, positions, window, years, label, covered),
                _left_out(anchor_years, positions, window, covered, years),
            )
        )
    forbidden = ~covered
    for _, positions in all_anchors:
        forbidden |= _cover(positions, (window[0] - buffer, window[1] + buffer), len(y))
    shifts = [_placebo_shifts(t[1], window, forbidden, len(y)) for t in tested]
    total = sum(len(s) for s in shifts)
    with Progress(progress, total=total, unit=" dates", description="placebo dates") as bar:
        baseline = _Baseline.fit(
            days,
            y,
            ~in_windows & covered,
            trend_df=trend_df,
            harmonics=harmonics,
            offset=daily.offset,
            covered=covered,
        )
        results = []
        for label, years_and_anchors, label_shifts in zip(
            anniversaries, tested, shifts, strict=True
        ):
            # a loop, not a comprehension: warnings then point at the caller's line
            result = _test_one(
                label,
                baseline,
                years_and_anchors[:2],
                label_shifts,
                window=window,
                in_windows=in_windows,
                method=method,
                alternative=alternative,
                level=level,
                report=daily.report,
                advance=lambda n, label=label: bar.advance(n, note=label),
            )
            results.append(
                replace(
                    result,
                    uncovered_days=daily.uncovered,
                    years_left_out=years_and_anchors[2],
                    coarse_in_windows=daily.coarse_inside(
                        result.by_year["start"], result.by_year["end"]
                    ),
                )
            )
    if single:
        return results[0]
    raw = np.array([r.pvalue for r in results])
    adjusted = raw.copy()
    finite = np.isfinite(raw)
    if _CORRECTIONS[correction] is not None and finite.any():
        adjusted[finite] = multipletests(raw[finite], method=_CORRECTIONS[correction])[1]
    results = [
        replace(r, pvalue_adjusted=float(p), correction=correction)
        for r, p in zip(results, adjusted, strict=True)
    ]
    return AnniversaryTests(results=tuple(results), correction=correction)


def event_study(
    events: pd.DataFrame | pd.Series | str | os.PathLike | EventStore,
    anniversary: str,
    *,
    window: tuple[int, int] = (-14, 14),
    years: Sequence[int] | None = None,
    level: float = 0.95,
    buffer: int = 30,
    trend_df: int | None = None,
    harmonics: int | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    precision: Literal["auto", "exclude", "spread", "keep"] = "auto",
    coverage: CoverageLike | None = None,
    exposure: pd.Series | np.ndarray | None = None,
) -> EventStudyResult:
    """Rate ratio on each day around an anniversary, pooled over years.

    The expectation model is that of :func:`anniversary_test`, fitted without
    the whole ``window`` around the anniversary in every year. Day ``r``'s rate
    ratio is the events on that relative day summed over the years, over their
    expectation. Its interval comes from the same ratio on single days at every
    pseudo-anniversary (see :class:`EventStudyResult`), which holds under
    overdispersion; days a year apart are nearly independent, so autocorrelation
    hardly matters for a single day.

    Parameters
    ----------
    events : pandas.DataFrame, pandas.Series, path or EventStore
        As for :func:`anniversary_test`.
    anniversary : str
        ``"MM-DD"``.
    window : (int, int)
        First and last relative day shown.
    years, level, buffer, trend_df, harmonics, start, end, precision, coverage, exposure
        As for :func:`anniversary_test` (days outside the coverage are left out,
        years whose window they touch are not pooled).

    Returns
    -------
    EventStudyResult

    Examples
    --------
    >>> import eventdata as ed
    >>> daily = ed.datasets.simulate_counts(
    ...     "2016-01-01", "2022-12-31", seed=4, anniversaries=["01-03"], effect=2.0)
    >>> study = event_study(daily, "01-03", window=(-7, 10))
    >>> frame = study.to_frame()
    >>> frame.columns.tolist()
    ['relative_day', 'observed', 'expected', 'rate_ratio', 'ci_low', 'ci_high']
    >>> inside = frame["relative_day"].between(0, 6)
    >>> bool(frame.loc[inside, "rate_ratio"].mean() > frame.loc[~inside, "rate_ratio"].mean())
    True
    """
    month, day = _parse_anniversary(anniversary)
    window = _check_window(window)
    _check_level(level)
    daily = _daily_series(
        events, start=start, end=end, precision=precision, coverage=coverage, exposure=exposure
    )
    days, y, report = daily.days, daily.y, daily.report
    anchor_years, positions = _anchors(days, month, day)
    tested_years, anchors = _tested(
        days, anchor_years, positions, window, years, anniversary, daily.covered
    )
    left_out = _left_out(anchor_years, positions, window, daily.covered, years)
    in_windows = _cover(positions, window, len(y))
    baseline = _Baseline.fit(
        days,
        y,
        ~in_windows & daily.covered,
        trend_df=trend_df,
        harmonics=harmonics,
        offset=daily.offset,
        covered=daily.covered,
    )
    forbidden = _cover(positions, (window[0] - buffer, window[1] + buffer), len(y))
    forbidden |= ~daily.covered

    relative = np.arange(window[0], window[1] + 1)
    cells = baseline.window_sums(anchors[None, :] + relative[:, None])  # (relative day, year)
    observed, expected = cells.observed, cells.expected
    shifts = _placebo_shifts(anchors, (0, 0), forbidden, len(y))
    if len(shifts) >= _MIN_PLACEBO:
        reference = _PlaceboReference.from_sums(baseline.left_out_sums(anchors, shifts, (0, 0)))
        low, high = reference.interval(cells, level)
        ci_method = "placebo"
    else:
        scale = max(1.0, baseline.dispersion)
        scaled = observed / scale
        alpha = 1 - level
        low = np.where(scaled > 0, stats.chi2.ppf(alpha / 2, 2 * scaled) / 2, 0.0)
        high = stats.chi2.ppf(1 - alpha / 2, 2 * scaled + 2) / 2
        low, high = low * scale / expected, high * scale / expected
        ci_method = "quasipoisson"
    frame = pd.DataFrame(
        {
            "relative_day": relative,
            "observed": observed,
            "expected": expected,
            "rate_ratio": observed / expected,
            "ci_low": low,
            "ci_high": high,
        }
    )
    return EventStudyResult(
        anniversary=anniversary,
        window=window,
        years=tuple(int(t) for t in tested_years),
        frame=frame,
        ci_method=ci_method,
        level=level,
        n_placebo=len(shifts),
        dispersion=baseline.dispersion,
        model=dict(baseline.terms),
        time_precision=report,
        uncovered_days=daily.uncovered,
        years_left_out=left_out,
    )


# ---------------------------------------------------------------------------
# The expectation model


@dataclass(frozen=True, eq=False)
class _Baseline:
    """Poisson log-linear model of the daily series, fitted on the baseline days."""

    days: pd.DatetimeIndex
    X: np.ndarray
    y: np.ndarray
    fit_rows: np.ndarray
    beta: np.ndarray
    mu: np.ndarray
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
    ) -> _Baseline:
        X, terms = _design(days, trend_df=trend_df, harmonics=harmonics)
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
        gram = X[fit_rows].T @ X[fit_rows]
        if np.linalg.matrix_rank(gram / np.abs(gram).max(), tol=1e-10) < n_params:
            raise InsufficientDataError(
                "the trend and season cannot all be estimated from the baseline days: "
                "lower trend_df or harmonics"
            )
        beta = fit_log_glm(X[fit_rows], y[fit_rows], offset=offset[fit_rows])
        mu = np.exp(X @ beta + offset)
        weighted = X[fit_rows] * np.sqrt(mu[fit_rows])[:, None]
        info_inverse = np.linalg.inv(weighted.T @ weighted)
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
            info_inverse=info_inverse,
            dispersion=chi2 / df_resid,
            dispersion_pvalue=float(stats.chi2.sf(chi2, df_resid)),
            autocorrelation=_lag1_autocorrelation(days, fit_rows, pearson),
            terms=terms,
            offset=offset,
            covered=np.ones(len(y), dtype=bool) if covered is None else covered,
        )

    def window_sums(self, rows: np.ndarray) -> _Sums:
        """Events and expectation in windows left out of the fit (one window a row of
        ``rows``), with the relative variance of the expectation, ``v' A v / E**2``
        for ``v`` the window's sum of ``mu * x`` and ``A`` the inverse information."""
        expected = self.mu[rows].sum(axis=1)
        gradient = np.einsum("wd,wdp->wp", self.mu[rows], self.X[rows])
        variance = np.einsum("wp,pq,wq->w", gradient, self.info_inverse, gradient)
        return _Sums(self.y[rows].sum(axis=1), expected, variance / expected**2)

    def left_out_sums(
        self,
        anchors: np.ndarray,
        shifts: np.ndarray,
        window: tuple[int, int],
        advance: Callable[[int], object] | None = None,
    ) -> _Sums:
        """Events and leave-window-out expectation at each pseudo-anniversary.

        Solved :data:`_PLACEBO_BATCH` shifts at a time (each shift's numbers do
        not depend on the others in its batch), calling ``advance(len(batch))``
        after each batch.
        """
        if not len(shifts):
            return _Sums(np.zeros(0), np.zeros(0), np.zeros(0))
        parts = []
        for first in range(0, len(shifts), _PLACEBO_BATCH):
            batch = shifts[first : first + _PLACEBO_BATCH]
            parts.append(self._left_out_batch(anchors, batch, window))
            if advance is not None:
                advance(len(batch))
        return _Sums(
            np.concatenate([p.observed for p in parts]),
            np.concatenate([p.expected for p in parts]),
            np.concatenate([p.model_variance for p in parts]),
        )

    def _left_out_batch(
        self, anchors: np.ndarray, shifts: np.ndarray, window: tuple[int, int]
    ) -> _Sums:
        """:meth:`left_out_sums` of a batch of shifts, solved together.

        For shift ``s`` the window days ``S`` are ``anchors + s + window``; their
        expectation comes from the fit without them, by the deletion formula of
        weighted least squares at the Poisson fit's final weights ``mu``:
        ``beta_(-S) = beta - A X_S' W_S^(1/2) (I - H_SS)^(-1) W_S^(1/2) e_S``,
        with ``A`` the inverse information, ``e`` the working residuals
        ``(y - mu) / mu`` and ``H_SS`` the hat matrix's block of the window. The
        expectation's variance uses ``A_(-S) = A + A X~_S' (I - H_SS)^(-1) X~_S A``.
        """
        offsets = np.arange(window[0], window[1] + 1)
        rows = (shifts[:, None, None] + anchors[None, :, None] + offsets[None, None, :]).reshape(
            len(shifts), -1
        )
        mu = self.mu[rows]
        root = np.sqrt(mu)
        design = self.X[rows]  # (shift, day, parameter)
        weighted = design * root[..., None]
        projected = weighted @ self.info_inverse
        hat = projected @ np.swapaxes(weighted, 1, 2)
        residual = (self.y[rows] - mu) / root
        complement = np.eye(rows.shape[1]) - hat
        solved = np.linalg.solve(complement, residual[..., None])[..., 0]
        delta = np.einsum("sdp,sd->sp", projected, solved)
        left_out = np.exp(np.log(mu) - np.einsum("sdp,sp->sd", design, delta))
        # v = X_S' mu_(-S) = X~_S' h; v' A_(-S) v = h'H h + (H h)' (I - H)^(-1) (H h)
        h = left_out / root
        hat_h = np.einsum("sde,se->sd", hat, h)
        correction = np.linalg.solve(complement, hat_h[..., None])[..., 0]
        variance = np.einsum("sd,sd->s", h, hat_h) + np.einsum("sd,sd->s", hat_h, correction)
        expected = left_out.sum(axis=1)
        return _Sums(self.y[rows].sum(axis=1), expected, variance / expected**2)


@dataclass(frozen=True)
class _Sums:
    """Windows' observed events, expectation, and the expectation's relative variance."""

    observed: np.ndarray
    expected: np.ndarray
    model_variance: np.ndarray


@dataclass(frozen=True)
class _PlaceboReference:
    """The null distribution from pseudo-anniversaries, studentised.

    A window's log ratio ``log(O / E)`` has variance about ``1 / E`` (Poisson
    counting) + ``v`` (the expectation's error) + ``c`` (overdispersion and
    autocorrelation, relative to the mean). ``c`` is the placebo log ratios'
    variance beyond the first two. Dividing by the square root of the sum puts
    windows with more and fewer expected events (the real one sits in one
    season, the placebo ones in all) on one scale before they are ranked.
    """

    z: np.ndarray
    excess: float

    @classmethod
    def from_sums(cls, placebo: _Sums) -> _PlaceboReference:
        log_ratio = _log_ratio(placebo.observed, placebo.expected)
        known = 1 / placebo.expected + placebo.model_variance
        excess = max(0.0, float(np.var(log_ratio) - np.mean(known)))
        return cls(z=log_ratio / np.sqrt(known + excess), excess=excess)

    def scale(self, sums: _Sums, log_ratio: np.ndarray | float = 0.0) -> np.ndarray:
        """Standard deviation of the log ratio when the true ratio is ``exp(log_ratio)``."""
        poisson = 1 / (sums.expected * np.exp(log_ratio))
        return np.sqrt(poisson + sums.model_variance + self.excess)

    def pvalues(self, sums: _Sums) -> dict[str, np.ndarray]:
        """Share of placebo windows at least as extreme, each way (1 + k) / (1 + n)."""
        z = np.atleast_1d(_log_ratio(sums.observed, sums.expected) / self.scale(sums))
        tolerance = 1e-12  # equal ratios (e.g. two empty windows) count as at least as extreme
        n = len(self.z)
        larger = (1 + (self.z[None, :] >= z[:, None] - tolerance).sum(axis=1)) / (1 + n)
        smaller = (1 + (self.z[None, :] <= z[:, None] + tolerance).sum(axis=1)) / (1 + n)
        both = np.minimum(1.0, 2 * np.minimum(larger, smaller))
        return {"increase": larger, "decrease": smaller, "two-sided": both}

    def interval(self, sums: _Sums, level: float) -> tuple[np.ndarray, np.ndarray]:
        """The ratios that neither one-sided placebo test rejects at ``(1 - level) / 2``.

        The bounds solve ``(log(O / E) - log rho) / scale(rho) = q``, with ``q``
        the placebo z at the rank where the p-value ``(1 + k) / (1 + n)`` crosses
        ``(1 - level) / 2``; unbounded when there are too few placebo windows.
        """
        statistic = _log_ratio(sums.observed, sums.expected)
        ordered = np.sort(self.z)
        rank = int(np.floor((1 - level) / 2 * (len(ordered) + 1) - 1))  # tail count kept
        if rank < 0:
            infinite = np.full(np.shape(statistic), np.inf)
            return np.zeros(np.shape(statistic)), infinite
        bounds = []
        for q in (ordered[-(rank + 1)], ordered[rank]):
            log_rho = statistic - q * self.scale(sums, statistic)
            for _ in range(200):  # a contraction wherever E * rho is above about 1
                new = np.clip(statistic - q * self.scale(sums, log_rho), -30.0, 30.0)
                if np.all(np.abs(new - log_rho) < 1e-10):
                    break
                log_rho = new
            bounds.append(np.exp(new))
        return bounds[0], bounds[1]


def _design(
    days: pd.DatetimeIndex, *, trend_df: int | None, harmonics: int | None
) -> tuple[np.ndarray, dict]:
    """Columns: B-spline trend (its basis sums to 1: the intercept), weekday, Fourier."""
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


def _years_text(years: tuple[int, ...]) -> str:
    if len(years) == 1:
        return f"1 year ({years[0]})"
    return f"{len(years)} years ({years[0]}-{years[-1]})"


def _describe_model(terms: dict) -> str:
    trend = "linear trend" if terms["trend_df"] == 1 else f"spline trend ({terms['trend_df']} df)"
    parts = [trend]
    if terms["weekday"]:
        parts.append("day of week")
    if terms["harmonics"]:
        parts.append(f"{terms['harmonics']} yearly harmonic pair(s)")
    return f"Poisson model on {terms['n_days']} days: " + ", ".join(parts)


def _lag1_autocorrelation(days: pd.DatetimeIndex, rows: np.ndarray, residual: np.ndarray) -> float:
    """Lag-1 autocorrelation of residuals over pairs of consecutive fitted days."""
    full = np.full(len(days), np.nan)
    full[rows] = residual
    pairs = np.isfinite(full[1:]) & np.isfinite(full[:-1])
    if pairs.sum() < 3:
        return float("nan")
    centred = full - np.nanmean(full)
    return float(np.sum((centred[1:] * centred[:-1])[pairs]) / np.nansum(centred**2))


# ---------------------------------------------------------------------------
# One anniversary


def _test_one(
    label: str,
    baseline: _Baseline,
    years_and_anchors: tuple[np.ndarray, np.ndarray],
    shifts: np.ndarray,
    *,
    window: tuple[int, int],
    in_windows: np.ndarray,
    method: str,
    alternative: str,
    level: float,
    report: dict | None,
    advance: Callable[[int], object],
) -> AnniversaryResult:
    del in_windows  # the baseline's fit rows already leave every window out
    tested_years, anchors = years_and_anchors
    y, mu = baseline.y, baseline.mu
    window_rows = anchors[:, None] + np.arange(window[0], window[1] + 1)[None, :]
    observed_by_year = y[window_rows].sum(axis=1)
    expected_by_year = mu[window_rows].sum(axis=1)
    pooled = baseline.window_sums(window_rows.reshape(1, -1))
    observed, expected = float(pooled.observed[0]), float(pooled.expected[0])

    placebo = baseline.left_out_sums(anchors, shifts, window, advance)
    window_dispersion = (
        float(np.mean((placebo.observed - placebo.expected) ** 2 / placebo.expected))
        if len(shifts)
        else float("nan")
    )
    note = "as requested"
    fell_back = False
    if method == "auto":
        if len(shifts) >= _MIN_PLACEBO:
            method, note = "placebo", f"chosen by auto: {len(shifts)} pseudo-anniversaries"
        else:
            method, fell_back = "quasipoisson", True
            note = (
                f"chosen by auto: only {len(shifts)} pseudo-anniversaries fit in the series "
                f"(placebo needs {_MIN_PLACEBO})"
            )
            warnings.warn(
                f"{label}: {note}; quasi-Poisson allows for overdispersion but not for "
                f"autocorrelation (lag-1 residual autocorrelation "
                f"{baseline.autocorrelation:.2f}), so its p-value may be too small",
                CalibrationWarning,
                stacklevel=3,
            )
    alpha_level = 1 - level if alternative != "two-sided" else (1 - level) / 2
    critical = float(stats.norm.isf(alpha_level))
    if method == "placebo":
        needed = _placebo_minimum(level)
        if len(shifts) < needed:
            raise InsufficientDataError(
                f"only {len(shifts)} pseudo-anniversaries fit in the covered series for "
                f"{label}: the placebo test needs at least {needed} for a bounded "
                f"{level:.0%} interval and a two-sided p-value able to reach "
                f"{1 - level:g}. Give a longer series or a smaller buffer, or choose "
                "another method"
            )
        reference = _PlaceboReference.from_sums(placebo)
        low, high = reference.interval(pooled, level)
        rate_ratio, ci = observed / expected, (float(low[0]), float(high[0]))
        pvalue = float(reference.pvalues(pooled)[alternative][0])
        tail = reference.z if alternative != "decrease" else -reference.z
        critical = float(np.quantile(tail, 1 - alpha_level))

        def spread(log_ratio: float) -> float:
            return float(reference.scale(pooled, log_ratio)[0])

    elif method in ("negbin", "quasipoisson"):
        rate_ratio, ci, pvalue, extra = _model_inference(
            baseline, window_rows.ravel(), method, alternative, level
        )
        model_variance = float(pooled.model_variance[0])

        def spread(log_ratio: float) -> float:
            return float(np.sqrt(extra(expected * np.exp(log_ratio)) + model_variance))

        if (
            not fell_back
            and np.isfinite(baseline.autocorrelation)
            and baseline.autocorrelation > max(0.1, 3 / np.sqrt(baseline.terms["n_days"]))
        ):
            warnings.warn(
                f"{label}: the baseline model's residuals are autocorrelated (lag-1 "
                f"{baseline.autocorrelation:.2f}); {method} standard errors ignore it and "
                "its p-value may be too small: prefer method='placebo'",
                AutocorrelationWarning,
                stacklevel=3,
            )
    else:
        fit = baseline.fit_rows
        test = rate_ratio_test(
            observed,
            expected,
            float(y[fit].sum()),
            float(mu[fit].sum()),
            method=method.removeprefix("poisson-"),
            alternative=alternative,
            level=level,
        )
        rate_ratio, ci, pvalue = test.rate_ratio, test.ci, test.pvalue
        model_variance = float(pooled.model_variance[0])

        def spread(log_ratio: float) -> float:
            return float(np.sqrt(1 / (expected * np.exp(log_ratio)) + model_variance))

        overdispersed = baseline.dispersion > 1 and baseline.dispersion_pvalue < 0.01
        if overdispersed or window_dispersion > _WINDOW_DISPERSION_LIMIT:
            warnings.warn(
                f"{label}: the counts are overdispersed (dispersion {baseline.dispersion:.2f} "
                f"per day, {window_dispersion:.2f} per window; 1 for Poisson counts): "
                f"the {method} test assumes Poisson counts and its p-value is too small. "
                "Use method='placebo'",
                OverdispersionWarning,
                stacklevel=3,
            )
    # the point estimate lies inside its own interval, whatever the approximations
    ci = (min(float(ci[0]), float(rate_ratio)), max(float(ci[1]), float(rate_ratio)))
    reliable, why = True, ""
    if expected < MINIMUMS["expected"]:
        reliable = False
        why = (
            f"the model expects only {expected:.2g} events in the pooled windows (at least "
            f"{MINIMUMS['expected']:g} are needed for a p-value): widen the selection or "
            "the window, or wait for more years"
        )
        pvalue = float("nan")
    return AnniversaryResult(
        anniversary=label,
        window=window,
        years=tuple(int(t) for t in tested_years),
        rate_ratio=float(rate_ratio),
        ci=ci,
        pvalue=float(pvalue),
        pvalue_adjusted=float(pvalue),
        correction="none",
        alternative=alternative,
        method=method,
        method_note=note,
        level=level,
        observed=observed,
        expected=expected,
        by_year=_by_year(
            baseline, tested_years, anchors, window, observed_by_year, expected_by_year
        ),
        daily=_daily_frame(baseline, tested_years, anchors, window),
        placebo=_placebo_frame(baseline, anchors, shifts, placebo),
        n_placebo=len(shifts),
        dispersion=baseline.dispersion,
        window_dispersion=window_dispersion,
        autocorrelation=baseline.autocorrelation,
        model=dict(baseline.terms),
        time_precision=report,
        detectable_ratio=_detectable_ratio(spread, critical, alternative),
        reliable=reliable,
        reliability_note=why,
    )


def _placebo_minimum(level: float) -> int:
    """Pseudo-anniversaries for a bounded interval at ``level``: ``2 / (1 - level) - 1``."""
    return int(np.ceil(2 / (1 - level) - 1 - 1e-9))


def _detectable_ratio(spread: Callable[[float], float], critical: float, alternative: str) -> float:
    """The rate ratio a one-sided test at ``critical`` detects with 80% power.

    The log ratio is about normal with standard deviation ``spread(log rho)``
    at a true ratio ``rho``; the test rejects when ``log(O / E) / spread(0)``
    passes ``critical``. Power 0.8: ``|log rho| - z_0.8 spread(log rho) =
    critical spread(0)``, solved by fixed-point iteration.
    """
    sign = -1.0 if alternative == "decrease" else 1.0
    power = float(stats.norm.ppf(0.8))
    null = spread(0.0)
    log_rho = sign * (critical + power) * null
    for _ in range(100):
        new = sign * (critical * null + power * spread(log_rho))
        new = float(np.clip(new, -30.0, 30.0))
        if abs(new - log_rho) < 1e-9:
            break
        log_rho = new
    return float(np.exp(log_rho))


def _model_inference(
    baseline: _Baseline,
    window_rows: np.ndarray,
    method: str,
    alternative: str,
    level: float,
) -> tuple[float, tuple[float, float], float, Callable[[float], float]]:
    """Window-indicator GLM, negative binomial or quasi-Poisson: signed-root
    likelihood-ratio test and profile-likelihood interval of the window's rate ratio.

    The window coefficient ``b`` is profiled: the baseline coefficients are
    refitted with ``b`` fixed (an offset). The signed root ``r(b) = sign(b^ -
    b) sqrt((D(b) - D(b^)) / phi)`` (``D`` the deviance, or minus twice the NB2
    log-likelihood with its dispersion held at the maximum-likelihood value;
    ``phi`` the Pearson dispersion for quasi-Poisson, 1 for negbin) is about
    standard normal. Unlike the Wald test it stays valid when the window holds
    no events: ``b^`` is then minus infinity, ``D(b^)`` the fit without the
    windows, the interval's lower limit 0 and its upper limit finite
    (Venzon and Moolgavkar 1988; Cox and Hinkley 1974, section 9.3).

    Returns the rate ratio, interval, p-value, and the window sum's relative
    variance at a given expectation (for the detectable ratio).
    """
    indicator = np.zeros(len(baseline.y))
    indicator[window_rows] = 1.0
    rows = baseline.fit_rows | (indicator > 0)  # covered baseline plus the tested windows
    X, y = baseline.X[rows], baseline.y[rows]
    offset, inside = baseline.offset[rows], indicator[rows] > 0
    full = np.column_stack([X, inside.astype("float64")])
    poisson = fit_log_glm(full, y, offset=offset, start=np.append(baseline.beta, 0.0))
    mu = np.exp(full @ poisson + offset)
    alpha, phi = 0.0, 1.0
    if method == "negbin":
        fitted = poisson
        for _ in range(3):  # alternate the dispersion and the coefficients
            alpha = nb2_alpha(y, mu)
            fitted = fit_log_glm(full, y, offset=offset, alpha=alpha, start=fitted)
            mu = np.exp(full @ fitted + offset)
        start = fitted[:-1]
    else:
        pearson = float(np.sum((y - mu) ** 2 / mu))
        phi = max(pearson / max(1, len(y) - full.shape[1]), 1e-12)
        start = poisson[:-1]

    def deviance(coefficient: float) -> float:
        if np.isneginf(coefficient):  # the windows' expectation is 0: fit without them
            beta = fit_log_glm(X[~inside], y[~inside], offset=offset[~inside], alpha=alpha)
            return _glm_objective(y[~inside], np.exp(X[~inside] @ beta + offset[~inside]), alpha)
        shifted = offset + coefficient * inside
        beta = fit_log_glm(X, y, offset=shifted, alpha=alpha, start=start)
        return _glm_objective(y, np.exp(X @ beta + shifted), alpha)

    observed = float(y[inside].sum())
    estimate = float(np.log(observed / np.exp(offset[inside] + X[inside] @ start).sum()))
    if observed > 0:
        fitted_estimate = fit_log_glm(
            full, y, offset=offset, alpha=alpha, start=np.append(start, estimate)
        )
        estimate = float(fitted_estimate[-1])
    else:
        estimate = -np.inf
    best = deviance(estimate)

    def signed_root(coefficient: float) -> float:
        gap = max(0.0, deviance(coefficient) - best) / phi
        return float(np.sign(estimate - coefficient) * np.sqrt(gap))

    r0 = signed_root(0.0)
    pvalue = {
        "increase": stats.norm.sf(r0),
        "decrease": stats.norm.cdf(r0),
        "two-sided": min(1.0, 2 * stats.norm.sf(abs(r0))),
    }[alternative]
    z = float(stats.norm.isf((1 - level) / 2))
    centre = (
        estimate
        if np.isfinite(estimate)
        else float(np.log(0.5 / max(np.exp(offset[inside] + X[inside] @ start).sum(), 1e-12)))
    )
    bounds = []
    for direction, target in ((-1.0, z), (1.0, -z)):
        if direction < 0 and not np.isfinite(estimate):
            bounds.append(-np.inf)
            continue
        step, inner = 0.25, centre
        outer = centre + direction * step
        while (signed_root(outer) - target) * direction > 0 and step < 40:
            inner, step = outer, step * 2
            outer = centre + direction * step
        if step >= 40:
            bounds.append(direction * np.inf)
            continue
        bounds.append(
            optimize.brentq(
                lambda b, target=target: signed_root(b) - target,
                min(inner, outer),
                max(inner, outer),
                xtol=1e-6,
            )
        )
    rate_ratio = float(np.exp(estimate))
    expected_window = mu[inside]
    share = float(np.sum(expected_window**2) / np.sum(expected_window) ** 2)

    def relative_variance(total: float) -> float:
        return phi / total + alpha * share

    return (
        rate_ratio,
        (float(np.exp(bounds[0])), float(np.exp(bounds[1]))),
        float(pvalue),
        (relative_variance),
    )


def _glm_objective(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """Poisson deviance, or minus twice the NB2 log-likelihood (differences are what count)."""
    return poisson_deviance(y, mu) if alpha <= 0 else -2 * nb2_loglik(y, mu, alpha)


def _log_ratio(observed: np.ndarray | float, expected: np.ndarray | float) -> np.ndarray:
    return np.log(np.maximum(observed, _HALF_EVENT) / expected)


# ---------------------------------------------------------------------------
# Calendar: anniversaries, windows, pseudo-anniversaries


def _anchors(days: pd.DatetimeIndex, month: int, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Years and day positions (may fall outside the series) of an anniversary."""
    years, positions = [], []
    first = days[0]
    for year in range(first.year - 1, days[-1].year + 2):
        try:
            date = pd.Timestamp(year=year, month=month, day=day)
        except ValueError:  # 29 February in a common year
            continue
        years.append(year)
        positions.append((date - first).days)
    return np.array(years, dtype=int), np.array(positions, dtype=int)


def _tested(
    days: pd.DatetimeIndex,
    anchor_years: np.ndarray,
    positions: np.ndarray,
    window: tuple[int, int],
    years: Sequence[int] | None,
    label: str,
    covered: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Years (and anchor positions) whose whole window lies in the series and its coverage
    (see :func:`_left_out` for the years a gap in the coverage removes)."""
    inside = (positions + window[0] >= 0) & (positions + window[1] <= len(days) - 1)
    if covered is not None and inside.any():
        whole = _wholly_covered(positions, window, covered)
        left_out = anchor_years[inside & ~whole].tolist()
        if (inside & whole).any() or years is not None:
            inside &= whole
        else:
            raise InsufficientDataError(
                f"no year's window {window} around {label} is wholly covered by the source "
                f"(windows of {list(left_out)} fall in gaps): give coverage= or a longer series"
            )
    if not inside.any():
        raise InsufficientDataError(
            f"the series runs {len(days)} days ({days[0].date()} to {days[-1].date()}), "
            f"and no year has the whole window {window} around {label} inside it: the "
            "anniversary test needs a year or more of daily counts (several years for "
            "the placebo test), e.g. counts over the whole period the source covers"
        )
    if years is None:
        return anchor_years[inside], positions[inside]
    wanted = np.isin(anchor_years, list(years))
    missing = sorted(set(years) - set(anchor_years[inside & wanted].tolist()))
    if missing:
        raise InsufficientDataError(
            f"the window around {label} is not wholly inside the covered series in "
            f"{missing}; years that can be tested: {anchor_years[inside].tolist()}"
        )
    return anchor_years[wanted], positions[wanted]


def _wholly_covered(positions: np.ndarray, window: tuple[int, int], covered: np.ndarray):
    """Whether each anchor's window (clipped to the series) holds only covered days."""
    blocked = np.concatenate([[0], np.cumsum(~covered)])
    lo = np.clip(positions + window[0], 0, len(covered))
    hi = np.clip(positions + window[1] + 1, 0, len(covered))
    return (blocked[hi] - blocked[lo]) == 0


def _left_out(
    anchor_years: np.ndarray,
    positions: np.ndarray,
    window: tuple[int, int],
    covered: np.ndarray,
    years: Sequence[int] | None,
) -> tuple[int, ...]:
    """Years whose window lies in the series but not wholly in its coverage (not tested)."""
    if years is not None:
        return ()
    n = len(covered)
    inside = (positions + window[0] >= 0) & (positions + window[1] <= n - 1)
    whole = _wholly_covered(positions, window, covered)
    return tuple(int(t) for t in anchor_years[inside & ~whole])


def _cover(positions: np.ndarray, window: tuple[int, int], n: int) -> np.ndarray:
    """Days within ``window`` of any of ``positions`` (clipped to the series)."""
    marks = np.zeros(n + 1, dtype=int)
    lo = np.clip(positions + window[0], 0, n)
    hi = np.clip(positions + window[1] + 1, 0, n)
    np.add.at(marks, lo, 1)
    np.add.at(marks, hi, -1)
    return np.cumsum(marks)[:n] > 0


def _placebo_shifts(
    anchors: np.ndarray, window: tuple[int, int], forbidden: np.ndarray, n: int
) -> np.ndarray:
    """Shifts of the tested anchors that make admissible pseudo-anniversaries.

    Every shifted window lies in the series and touches no forbidden day (real
    windows and their buffer); of these, at most one year's worth of
    consecutive shifts (one per calendar date), the span holding the most.
    """
    low, high = -(anchors.min() + window[0]), n - 1 - (anchors.max() + window[1])
    if high < low:
        return np.array([], dtype=int)
    shifts = np.arange(low, high + 1)
    starts = shifts[:, None] + anchors[None, :] + window[0]
    ends = starts + (window[1] - window[0]) + 1
    blocked = np.concatenate([[0], np.cumsum(forbidden)])
    ok = ((blocked[ends] - blocked[starts]) == 0).all(axis=1)
    if len(shifts) > 365:
        running = np.concatenate([[0], np.cumsum(ok)])
        totals = running[365:] - running[:-365]
        first = shifts[: len(totals)]
        # most admissible shifts; among equals, the span centred nearest the real dates
        best = np.lexsort((np.abs(first + 182), -totals))[0]
        keep = (shifts >= first[best]) & (shifts < first[best] + 365)
        ok &= keep
    return shifts[ok]


def _by_year(
    baseline: _Baseline,
    tested_years: np.ndarray,
    anchors: np.ndarray,
    window: tuple[int, int],
    observed: np.ndarray,
    expected: np.ndarray,
) -> pd.DataFrame:
    first = baseline.days[0]
    return pd.DataFrame(
        {
            "year": tested_years.astype("int64"),
            "observed": observed,
            "expected": expected,
            "ratio": observed / expected,
            "start": first + pd.to_timedelta(anchors + window[0], unit="D"),
            "end": first + pd.to_timedelta(anchors + window[1], unit="D"),
        }
    )


def _daily_frame(
    baseline: _Baseline, tested_years: np.ndarray, anchors: np.ndarray, window: tuple[int, int]
) -> pd.DataFrame:
    n = len(baseline.y)
    relative = pd.array([pd.NA] * n, dtype="Int64")
    year = pd.array([pd.NA] * n, dtype="Int64")
    offsets = np.arange(window[0], window[1] + 1)
    rows = (anchors[:, None] + offsets[None, :]).ravel()
    relative[rows] = np.tile(offsets, len(anchors))
    year[rows] = np.repeat(tested_years, len(offsets))
    in_window = np.zeros(n, dtype=bool)
    in_window[rows] = True
    first = baseline.days[0]
    return pd.DataFrame(
        {
            "date": pd.date_range(first, periods=n, freq="D"),
            "count": np.where(baseline.covered, baseline.y, np.nan),
            "expected": baseline.mu,
            "in_window": in_window,
            "relative_day": relative,
            "year": year,
        }
    )


def _placebo_frame(
    baseline: _Baseline, anchors: np.ndarray, shifts: np.ndarray, placebo: _Sums
) -> pd.DataFrame:
    first = baseline.days[0]
    return pd.DataFrame(
        {
            "shift": shifts.astype("int64"),
            "date": first + pd.to_timedelta(anchors.min() + shifts, unit="D"),
            "observed": placebo.observed,
            "expected": placebo.expected,
            "rate_ratio": placebo.observed / placebo.expected,
        }
    )


# ---------------------------------------------------------------------------
# Input


@dataclass(frozen=True, eq=False)
class _Daily:
    """The daily series an analysis runs on, with what its source did not cover."""

    days: pd.DatetimeIndex
    y: np.ndarray  # counts; 0 on uncovered days (which no fit or window uses)
    covered: np.ndarray
    offset: np.ndarray  # log exposure (0 without one)
    report: dict | None
    uncovered: int
    coarse_dates: np.ndarray | None  # days of the events left out as too coarse

    def coarse_inside(self, starts: pd.Series, ends: pd.Series) -> int | None:
        """How many left-out coarse events have their coded date inside these windows."""
        if self.coarse_dates is None:
            return None
        dates = self.coarse_dates
        inside = np.zeros(len(dates), dtype=bool)
        for first, last in zip(starts, ends, strict=True):
            inside |= (dates >= np.datetime64(first, "ns")) & (dates <= np.datetime64(last, "ns"))
        return int(inside.sum())


def _daily_series(
    events: pd.DataFrame | pd.Series,
    *,
    start: str | pd.Timestamp | None,
    end: str | pd.Timestamp | None,
    precision: str,
    coverage: CoverageLike | None = None,
    exposure: pd.Series | np.ndarray | None = None,
) -> _Daily:
    """The daily counts (consecutive days), which days are covered, and the precision report.

    Days the coverage does not hold, and missing counts, are uncovered; the
    series is trimmed to its first and last covered day. Gaps inside it raise
    a :class:`CoverageWarning`; fewer covered days than :data:`MINIMUMS` an
    :class:`InsufficientDataError`.
    """
    stored = isinstance(events, str | os.PathLike | EventStore)
    coarse_dates = None
    if stored or (isinstance(events, pd.DataFrame) and "event_date" in events.columns):
        # a store is counted out of core (ed.counts reads it partition by partition)
        table = counts(
            events, freq="D", start=start, end=end, precision=precision, coverage=coverage
        )
        series = table.set_index("date")["count"]
        report = table.attrs.get("time_precision")
        coarse_dates = _coarse_dates(events, precision)
        spans = None  # counts has applied the coverage
    elif isinstance(events, pd.DataFrame) and {"date", "count"} <= set(events.columns):
        if events["date"].duplicated().any():
            raise EventDataError(
                "the count table has several rows per date (counted by group?): "
                "test one group at a time"
            )
        series = events.set_index("date")["count"].loc[start:end]
        report = events.attrs.get("time_precision")
        spans = normalize_coverage(coverage)
    elif isinstance(events, pd.Series):
        series = events.loc[start:end] if isinstance(events.index, pd.DatetimeIndex) else events
        report = events.attrs.get("time_precision")
        spans = normalize_coverage(coverage)
    else:
        raise EventDataError(
            "events must be incident records (with event_date), a store, a daily count "
            "table (date, count) or a daily count Series indexed by date"
        )
    if len(series) == 0:
        raise InsufficientDataError("there are no days to test (no events in the range?)")
    if not isinstance(series.index, pd.DatetimeIndex):
        raise EventDataError("the count Series must be indexed by dates (a DatetimeIndex)")
    steps = np.diff(series.index.to_numpy().astype("datetime64[D]").astype("int64"))
    if not (steps == 1).all():
        raise EventDataError(
            "the counts must be daily, in order, with no missing day: zero-fill the "
            "calendar with ed.counts(events, freq='D') (days the source did not cover "
            "may be NaN)"
        )
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    if np.isinf(values).any() or (values < 0).any():
        raise EventDataError("the daily counts must be non-negative numbers (NaN: not covered)")
    index = pd.DatetimeIndex(series.index.normalize(), name="date")
    covered = np.isfinite(values) & covered_days(spans, index)
    offset = np.zeros(len(values))
    if exposure is not None:
        weights = _exposure_values(exposure, index)
        covered &= np.isfinite(weights) & (weights > 0)
        offset = np.log(np.where(covered, weights, 1.0))
    if not covered.any():
        raise InsufficientDataError("no day of the series is covered by its source (see coverage=)")
    first, last = np.flatnonzero(covered)[[0, -1]]
    keep = slice(first, last + 1)
    index, values, covered, offset = index[keep], values[keep], covered[keep], offset[keep]
    uncovered = int((~covered).sum())
    if covered.sum() < MINIMUMS["covered_days"]:
        raise InsufficientDataError(
            f"only {int(covered.sum())} covered days ({index[0].date()} to "
            f"{index[-1].date()}): an anniversary analysis needs at least "
            f"{MINIMUMS['covered_days']} covered days to separate a window from the "
            "trend and the day of the week; give a longer series"
        )
    if uncovered:
        warnings.warn(
            f"the series has {uncovered} days its source did not cover "
            f"({describe_gaps(index, covered)}): they are left out, not counted as 0",
            CoverageWarning,
            stacklevel=3,
        )
    return _Daily(
        days=index,
        y=np.where(covered, values, 0.0),
        covered=covered,
        offset=offset,
        report=report,
        uncovered=uncovered,
        coarse_dates=coarse_dates,
    )


def _exposure_values(exposure: pd.Series | np.ndarray, index: pd.DatetimeIndex) -> np.ndarray:
    if isinstance(exposure, pd.Series) and isinstance(exposure.index, pd.DatetimeIndex):
        aligned = exposure.set_axis(exposure.index.normalize()).reindex(index)
        return aligned.to_numpy(dtype="float64", na_value=np.nan)
    values = np.asarray(exposure, dtype="float64")
    if values.shape != (len(index),):
        raise EventDataError(
            f"exposure must be a Series indexed by date or an array of {len(index)} daily "
            f"values, not shape {values.shape}"
        )
    return values


def _coarse_dates(events: Any, precision: str) -> np.ndarray | None:
    """Dates of the events the daily counts leave out as dated only to the week or month."""
    if not isinstance(events, pd.DataFrame) or "time_precision" not in events.columns:
        return None
    if precision in ("keep", "spread"):
        return None
    levels = pd.to_numeric(events["time_precision"], errors="coerce")
    coarse = (levels > 1).to_numpy(dtype=bool, na_value=False)
    dates = pd.to_datetime(events["event_date"]).to_numpy()[coarse]
    return dates[~np.isnat(dates)].astype("datetime64[ns]")


def _anniversary_label(anniversary: Any) -> Any:
    """A date (``datetime.date``, ``Timestamp``) as its ``"MM-DD"``; other values as given."""
    if isinstance(anniversary, datetime.date):  # Timestamp and datetime are dates too
        return f"{anniversary.month:02d}-{anniversary.day:02d}"
    return anniversary


def _parse_anniversary(anniversary: Any) -> tuple[int, int]:
    anniversary = _anniversary_label(anniversary)
    try:
        month, day = (int(part) for part in str(anniversary).split("-"))
    except ValueError:
        raise ValueError(
            f"anniversary must be 'MM-DD' or a date, e.g. '01-03', not {anniversary!r}"
        ) from None
    try:
        datetime.date(2020, month, day)  # a leap year: 02-29 is allowed
    except ValueError:
        raise ValueError(
            f"anniversary {anniversary!r} is not a day of the calendar "
            f"(month {month} has no day {day})"
            if 1 <= month <= 12
            else f"anniversary {anniversary!r} is not a day of the calendar (no month {month})"
        ) from None
    return month, day


def _warn_overlap(
    labels: Sequence[str], parsed: Sequence[tuple[int, int]], window: tuple[int, int]
) -> None:
    """Warn when the windows of two anniversaries share days (in some year)."""
    width = window[1] - window[0]
    days = [
        datetime.date(2021, m, min(d, 28) if m == 2 else d).timetuple().tm_yday for m, d in parsed
    ]
    for i in range(len(days)):
        for j in range(i + 1, len(days)):
            apart = abs(days[i] - days[j])
            apart = min(apart, 365 - apart)  # across the turn of the year
            if apart <= width:  # a leap day only moves dates apart
                warnings.warn(
                    f"the windows {window} of anniversaries {labels[i]} and {labels[j]} "
                    f"overlap ({apart} days apart): their days count for both, so the "
                    "tests are not independent; test them separately or narrow the window",
                    WindowOverlapWarning,
                    stacklevel=3,
                )


def _check_window(window: tuple[int, int]) -> tuple[int, int]:
    try:
        first, last = (int(x) for x in window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be two whole numbers of days, not {window!r}") from None
    if first > last or last - first >= 120:
        raise ValueError(f"window must run forwards and span under 120 days, not {window!r}")
    return first, last


def _check_choice(value: str, options: Sequence[str] | dict, name: str) -> None:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, not {value!r}")


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level!r}")


def _etest_grid(count1: float, exposure1: float, count2: float, exposure2: float) -> np.ndarray:
    """Counts where either sample's null distribution has mass (statsmodels' own grid,
    0 to the larger mean's far tail, is quadratic in the larger count: far too slow
    for a window of a few hundred events against a baseline of tens of thousands)."""
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
