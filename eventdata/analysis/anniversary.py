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

:func:`anniversary_test` returns :class:`AnniversaryTests` whether it tests one
anniversary or several; holding one, it reads as that anniversary's
:class:`AnniversaryResult`. With ``by=`` it tests each province, country or grid
cell (see :mod:`eventdata.analysis.units`).

The rest of the method lives in the private modules of this package: the
calendar (``_calendar``), the daily series (``_daily``), the expectation model
(``_baseline``), the placebo machinery (``_placebo``), the inference on one
anniversary (``_inference``) and the tests per unit (``_by_unit``).
:func:`eventdata.analysis.event_study.event_study` gives the rate ratio day by
day; :func:`eventdata.analysis.rate_ratio.rate_ratio_test` the two-sample
Poisson comparison.

References
----------
Abadie A, Diamond A, Hainmueller J. Synthetic control methods for comparative
case studies. J Am Stat Assoc 2010;105(490):493-505 (placebo inference).

Pregibon D. Logistic regression diagnostics. Ann Stat 1981;9(4):705-724;
Williams DA. Generalized linear model diagnostics using the deviance and single
case deletions. Appl Stat 1987;36(2):181-191 (one-step deletion in GLMs).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from eventdata import plot
from eventdata.analysis._by_unit import UnitAnniversaryTests, per_unit_tests
from eventdata.analysis._calendar import (
    Alternative,
    anniversary_label,
    check_options,
    check_window,
    parse_anniversary,
    warn_overlap,
)
from eventdata.analysis._daily import MINIMUMS, daily_series
from eventdata.analysis._inference import adjust_pvalues, plan_tests, run_tests
from eventdata.analysis._text import (
    describe_model,
    format_pvalue,
    format_ratio,
    text_table,
    years_text,
)
from eventdata.core.coverage import CoverageLike
from eventdata.core.errors import (
    AutocorrelationWarning,
    CalibrationWarning,
    EventDataError,
    InsufficientDataError,
    OverdispersionWarning,
)
from eventdata.core.progress import ProgressOption
from eventdata.core.result import Result
from eventdata.store import EventStore

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "MINIMUMS",
    "AnniversaryResult",
    "AnniversaryTests",
    "AutocorrelationWarning",
    "CalibrationWarning",
    "InsufficientDataError",
    "OverdispersionWarning",
    "anniversary_test",
    "format_pvalue",
    "format_ratio",
]

Method = Literal[
    "auto", "placebo", "negbin", "quasipoisson", "poisson-etest", "poisson-exact", "poisson-score"
]
Correction = Literal["bh", "holm", "bonferroni", "none"]


@dataclass(frozen=True, eq=False)
class AnniversaryResult(Result):
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
            f"expectation: {describe_model(self.model)}; anniversary windows left out",
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

    def _html_tables(self) -> list[pd.DataFrame]:
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
            f"{self.window[1]:+d}, {years_text(self.years)}: rate ratio "
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
        if kind not in ("years", "placebo"):
            raise ValueError(f"kind must be 'years' or 'placebo', not {kind!r}")
        return (plot.anniversary if kind == "years" else plot.placebo)(self, ax=ax, **kwargs)


class _SeveralAnniversariesError(EventDataError, AttributeError):
    """An attribute of one anniversary read on several (an AttributeError too, so that
    ``getattr(tests, name, default)`` and ``hasattr`` keep working)."""


class _OneAnniversary:
    """An attribute of the one :class:`AnniversaryResult` an :class:`AnniversaryTests` holds."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.__doc__ = f"``{name}`` of the one anniversary tested (see :class:`AnniversaryResult`)."

    def __get__(self, tests: AnniversaryTests | None, owner: type | None = None) -> Any:
        if tests is None:
            return self
        return getattr(tests.only(self.name), self.name)


@dataclass(frozen=True, eq=False)
class AnniversaryTests(Result):
    """What :func:`anniversary_test` returns: one or several anniversaries tested together.

    Iterate over it, or index it by anniversary (``tests["01-03"]``), for each
    :class:`AnniversaryResult`. When it holds one anniversary it reads as that
    anniversary's result: ``rate_ratio``, ``ci``, ``pvalue``, ``observed``,
    ``expected``, ``method``, ``window``, ``years``, ``reliable``,
    ``detectable_ratio`` and every other attribute of :class:`AnniversaryResult`,
    ``summary()``, the notebook view and ``plot(kind=...)`` are the one result's.
    Holding several, reading such an attribute raises an
    :class:`~eventdata.core.errors.EventDataError` (also an ``AttributeError``)
    that names ``tests["MM-DD"]``: pick one.

    Attributes
    ----------
    results : tuple of AnniversaryResult
        One per anniversary, in the order given, each with its raw and
        adjusted p-values.
    correction : str
        ``"bh"`` (Benjamini-Hochberg false discovery rate, valid when the tests
        are independent or positively dependent, as overlapping windows are),
        ``"holm"`` or ``"bonferroni"`` (family-wise error) or ``"none"``
        (always ``"none"`` when one anniversary was given as a date: there is
        nothing to correct).

    Examples
    --------
    >>> import eventdata as ed
    >>> daily = ed.datasets.simulate_counts(
    ...     "2015-01-01", "2022-12-31", seed=3, anniversaries=["01-03"], effect=1.6
    ... )
    >>> tests = ed.anniversary_test(daily, ["01-03", "07-04"])
    >>> tests.correction, tests.to_frame()["anniversary"].tolist()
    ('bh', ['01-03', '07-04'])
    >>> round(tests["01-03"].rate_ratio, 2)
    1.51
    >>> one = ed.anniversary_test(daily, "01-03")
    >>> len(one), round(one.rate_ratio, 2), one.rate_ratio == one["01-03"].rate_ratio
    (1, 1.51, True)
    """

    results: tuple[AnniversaryResult, ...]
    correction: str

    anniversary = _OneAnniversary()
    window = _OneAnniversary()
    years = _OneAnniversary()
    n_years = _OneAnniversary()
    rate_ratio = _OneAnniversary()
    ci = _OneAnniversary()
    pvalue = _OneAnniversary()
    pvalue_adjusted = _OneAnniversary()
    alternative = _OneAnniversary()
    method = _OneAnniversary()
    method_note = _OneAnniversary()
    level = _OneAnniversary()
    observed = _OneAnniversary()
    expected = _OneAnniversary()
    by_year = _OneAnniversary()
    daily = _OneAnniversary()
    placebo = _OneAnniversary()
    n_placebo = _OneAnniversary()
    dispersion = _OneAnniversary()
    window_dispersion = _OneAnniversary()
    autocorrelation = _OneAnniversary()
    model = _OneAnniversary()
    time_precision = _OneAnniversary()
    detectable_ratio = _OneAnniversary()
    uncovered_days = _OneAnniversary()
    years_left_out = _OneAnniversary()
    coarse_in_windows = _OneAnniversary()
    reliable = _OneAnniversary()
    reliability_note = _OneAnniversary()

    @property
    def anniversaries(self) -> tuple[str, ...]:
        """The anniversaries, in order."""
        return tuple(r.anniversary for r in self.results)

    def only(self, what: str = "this") -> AnniversaryResult:
        """The one anniversary's result; an error naming ``tests["MM-DD"]`` if there are several.

        ``what`` names what was asked for, in the message.
        """
        if len(self.results) == 1:
            return self.results[0]
        first = self.results[0].anniversary
        raise _SeveralAnniversariesError(
            f"{len(self.results)} anniversaries were tested ({', '.join(self.anniversaries)}): "
            f"{what} belongs to one of them, pick it with tests[{first!r}] "
            f"(e.g. tests[{first!r}].{what if what.isidentifier() else 'rate_ratio'})"
        )

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
        """The one anniversary's summary, or the table of anniversaries as text."""
        if len(self.results) == 1:
            return self.results[0].summary()
        columns = ["anniversary", "rate_ratio", "ci_low", "ci_high", "pvalue", "pvalue_adjusted"]
        return text_table(self._headline(), self.to_frame()[columns])

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

    def _repr_html_(self) -> str:
        if len(self.results) == 1:
            return self.results[0]._repr_html_()
        return super()._repr_html_()

    def plot(self, *, kind: str | None = None, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """The one anniversary's plot (see :meth:`AnniversaryResult.plot`, ``kind`` "years"
        by default, or "placebo"); with several, their rate ratios and intervals side by side
        (:func:`eventdata.plot.rate_ratios`, coloured where the adjusted p-value is below
        0.05), or with ``kind`` the one named anniversary's: ``tests["MM-DD"].plot(kind=...)``.
        """
        if len(self.results) == 1:
            return self.results[0].plot(kind=kind or "years", ax=ax, **kwargs)
        if kind is not None:
            return self.only("plot(kind=...)").plot(kind=kind, ax=ax, **kwargs)
        title = kwargs.pop("title", f"Anniversary tests (p-values adjusted: {self.correction})")
        return plot.rate_ratios(self.to_frame(), label="anniversary", ax=ax, title=title, **kwargs)

    def __repr__(self) -> str:
        if len(self.results) == 1:
            return f"AnniversaryTests({self.results[0]!r}, correction={self.correction!r})"
        return (
            f"AnniversaryTests(anniversaries={self.anniversaries!r}, "
            f"correction={self.correction!r})"
        )


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
    by: str | None = None,
    min_events: int = 30,
) -> AnniversaryTests | UnitAnniversaryTests:
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
        ``"MM-DD"`` (or a date). A sequence tests each and corrects the p-values
        for multiplicity.
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
        Multiple-testing correction across several anniversaries (across the
        units with ``by``), by statsmodels' ``multipletests``.
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
    by : {"admin1", "country", "priogrid"} or str, optional
        Test each unit (province, country, PRIO-GRID cell from the coordinates,
        or any column naming units) over the same calendar, with the
        correction across units, and pooled: see
        :func:`eventdata.analysis.units.anniversary_by_unit`.
    min_events : int
        With ``by``: units with fewer events are listed as not tested, with the reason.

    Minimums (:data:`MINIMUMS`): at least 180 covered days, else
    :class:`InsufficientDataError`; the placebo method needs
    ``2 / (1 - level) - 1`` pseudo-anniversaries (39 at 95%), else the error;
    a pooled expectation under 5 events gives a result marked unreliable, with
    no p-value.

    Returns
    -------
    AnniversaryTests
        One type whether one anniversary or several were tested: iterate over it
        or index it (``tests["01-03"]``) for each :class:`AnniversaryResult`.
        Holding one anniversary, it reads as that result (``rate_ratio``, ``ci``,
        ``pvalue``, ``plot()``, ...). With ``by``, a
        :class:`~eventdata.analysis.units.UnitAnniversaryTests`.

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
    if by is not None:
        if not single:
            raise EventDataError("anniversary_test(by=...) tests one anniversary: give one 'MM-DD'")
        return per_unit_tests(
            events,
            anniversary_label(anniversary),
            by=by,
            min_events=min_events,
            correction=correction,
            result_type=AnniversaryResult,
            start=start,
            end=end,
            precision=precision,
            coverage=coverage,
            exposure=exposure,
            progress=progress,
            test_options={
                "window": window,
                "years": years,
                "method": method,
                "alternative": alternative,
                "level": level,
                "buffer": buffer,
                "trend_df": trend_df,
                "harmonics": harmonics,
            },
        )
    labels = [anniversary_label(a) for a in ([anniversary] if single else anniversary)]
    if not labels:
        raise ValueError("give at least one anniversary")
    if len(set(labels)) != len(labels):
        raise ValueError("the anniversaries repeat")
    parsed = [parse_anniversary(a) for a in labels]
    window = check_window(window)
    warn_overlap(labels, parsed, window)
    check_options(method, alternative, correction, level, buffer)
    daily = daily_series(
        events, start=start, end=end, precision=precision, coverage=coverage, exposure=exposure
    )
    plan = plan_tests(
        daily,
        labels,
        parsed,
        window=window,
        years=years,
        buffer=buffer,
        trend_df=trend_df,
        harmonics=harmonics,
    )
    found = run_tests(
        daily, plan, method=method, alternative=alternative, level=level, progress=progress
    )
    if single:  # one date: nothing to correct
        return AnniversaryTests(results=(AnniversaryResult(**found[0]),), correction="none")
    adjusted = adjust_pvalues([fields["pvalue"] for fields in found], correction)
    results = tuple(
        AnniversaryResult(**{**fields, "pvalue_adjusted": float(p), "correction": correction})
        for fields, p in zip(found, adjusted, strict=True)
    )
    return AnniversaryTests(results=results, correction=correction)
