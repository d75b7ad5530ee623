"""Rate ratios day by day around an anniversary, pooled over years: the event study.

:func:`event_study` fits the expectation model of
:func:`~eventdata.anniversary_test` without the whole window around the
anniversary, and gives each relative day's observed over expected events, summed over the
years, with intervals from the same ratio on single days at every pseudo-anniversary.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from eventdata import plot
from eventdata.analysis._baseline import Baseline
from eventdata.analysis._calendar import (
    anniversary_anchors,
    check_level,
    check_window,
    parse_anniversary,
    uncovered_years,
    window_days,
    years_to_test,
)
from eventdata.analysis._daily import daily_series
from eventdata.analysis._placebo import (
    MIN_PLACEBO,
    PlaceboReference,
    left_out_sums,
    placebo_shifts,
)
from eventdata.analysis._text import text_table, years_text
from eventdata.core.coverage import CoverageLike
from eventdata.core.result import Result
from eventdata.store import EventStore

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["EventStudyResult", "event_study"]


@dataclass(frozen=True, eq=False)
class EventStudyResult(Result):
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
        The tidy table (also ``table`` and :meth:`to_frame`), one row per relative
        day: ``relative_day``, ``observed``, ``expected``, ``rate_ratio``, ``ci_low``,
        ``ci_high``.
    ci_method : str
        ``"placebo"``: inverted like :func:`~eventdata.anniversary_test`'s placebo test,
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
        return text_table(self._headline(), self.frame)

    def _headline_dict(self) -> dict[str, Any]:
        return {
            "anniversary": self.anniversary,
            "window": self.window,
            "years": self.years,
            "ci_method": self.ci_method,
            "level": self.level,
            "n_placebo": self.n_placebo,
            "dispersion": self.dispersion,
            "uncovered_days": self.uncovered_days,
            "years_left_out": self.years_left_out,
        }

    def _headline(self) -> str:
        return (
            f"Event study around {self.anniversary}, days {self.window[0]:+d} to "
            f"{self.window[1]:+d}, pooled over {years_text(self.years)}; {self.level:.0%} "
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
        return plot.event_study(self, ax=ax, window=window, **kwargs)


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

    The expectation model is that of :func:`~eventdata.anniversary_test`, fitted without
    the whole ``window`` around the anniversary in every year. Day ``r``'s rate
    ratio is the events on that relative day summed over the years, over their
    expectation. Its interval comes from the same ratio on single days at every
    pseudo-anniversary (see :class:`EventStudyResult`), which holds under
    overdispersion; days a year apart are nearly independent, so autocorrelation
    hardly matters for a single day.

    Parameters
    ----------
    events : pandas.DataFrame, pandas.Series, path or EventStore
        As for :func:`~eventdata.anniversary_test`.
    anniversary : str
        ``"MM-DD"``.
    window : (int, int)
        First and last relative day shown.
    years, level, buffer, trend_df, harmonics, start, end, precision, coverage, exposure
        As for :func:`~eventdata.anniversary_test` (days outside the coverage are left out,
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
    month, day = parse_anniversary(anniversary)
    window = check_window(window)
    check_level(level)
    daily = daily_series(
        events, start=start, end=end, precision=precision, coverage=coverage, exposure=exposure
    )
    days, y, report = daily.days, daily.y, daily.report
    anchor_years, positions = anniversary_anchors(days, month, day)
    tested_years, anchors = years_to_test(
        days, anchor_years, positions, window, years, anniversary, daily.covered
    )
    left_out = uncovered_years(anchor_years, positions, window, daily.covered, years)
    in_windows = window_days(positions, window, len(y))
    baseline = Baseline.fit(
        days,
        y,
        ~in_windows & daily.covered,
        trend_df=trend_df,
        harmonics=harmonics,
        offset=daily.offset,
        covered=daily.covered,
    )
    forbidden = window_days(positions, (window[0] - buffer, window[1] + buffer), len(y))
    forbidden |= ~daily.covered

    relative = np.arange(window[0], window[1] + 1)
    cells = baseline.window_sums(anchors[None, :] + relative[:, None])  # (relative day, year)
    observed, expected = cells.observed, cells.expected
    shifts = placebo_shifts(anchors, (0, 0), forbidden, len(y))
    if len(shifts) >= MIN_PLACEBO:
        reference = PlaceboReference.from_sums(left_out_sums(baseline, anchors, shifts, (0, 0)))
        low, high = reference.interval(cells, level)
        ci_method = "placebo"
    else:
        scale = max(1.0, baseline.dispersion)
        scaled = observed / scale
        alpha = 1 - level
        from scipy import stats

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
