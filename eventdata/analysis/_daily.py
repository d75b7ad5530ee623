"""The daily series an anniversary analysis runs on: counted, covered, checked.

One way in for :func:`~eventdata.analysis.anniversary.anniversary_test` and
:func:`~eventdata.analysis.event_study.event_study`: incident records and stores are
counted by :func:`eventdata.events.counts.counts`; count tables and Series are checked.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from eventdata.core.coverage import CoverageLike, covered_days, describe_gaps, normalize_coverage
from eventdata.core.errors import CoverageWarning, EventDataError, InsufficientDataError
from eventdata.events.counts import counts
from eventdata.store import EventStore

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


@dataclass(frozen=True, eq=False)
class DailySeries:
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


def daily_series(
    events: pd.DataFrame | pd.Series,
    *,
    start: str | pd.Timestamp | None,
    end: str | pd.Timestamp | None,
    precision: str,
    coverage: CoverageLike | None = None,
    exposure: pd.Series | np.ndarray | None = None,
) -> DailySeries:
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
        coarse_dates = dates_of_coarse_events(events, precision)
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
    return DailySeries(
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


def dates_of_coarse_events(events: Any, precision: str) -> np.ndarray | None:
    """Dates of the events the daily counts leave out as dated only to the week or month."""
    if not isinstance(events, pd.DataFrame) or "time_precision" not in events.columns:
        return None
    if precision in ("keep", "spread"):
        return None
    coarse = coarse_rows(events)
    dates = pd.to_datetime(events["event_date"]).to_numpy()[coarse]
    return dates[~np.isnat(dates)].astype("datetime64[ns]")


def coarse_rows(events: pd.DataFrame) -> np.ndarray:
    """Which events are dated only to the week or month (``time_precision`` above 1)."""
    levels = pd.to_numeric(events["time_precision"], errors="coerce")
    return (levels > 1).to_numpy(dtype=bool, na_value=False)
