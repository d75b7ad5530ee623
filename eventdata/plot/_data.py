"""What the plots take in: event records, count tables and Series, turned into periods to draw.

A private module of :mod:`eventdata.plot`: event records are counted with
:func:`eventdata.counts`, count tables and Series are completed to every
period of the data's coverage, and period labels (dates, pandas Periods or
numbers) become the edges and middles of bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.core.options import require_columns
from eventdata.events.counts import counts
from eventdata.plot._base import Value

#: Counting unit -> length of one period.
PERIOD_LENGTHS = {
    "day": pd.DateOffset(days=1),
    "week": pd.DateOffset(weeks=1),
    "month": pd.DateOffset(months=1),
    "year": pd.DateOffset(years=1),
}


def check_events(events: pd.DataFrame, *columns: str) -> None:
    """A clear error unless ``events`` is a non-empty frame with ``event_date`` and ``columns``."""
    if not isinstance(events, pd.DataFrame):
        raise EventDataError(f"expected a DataFrame of events, not {type(events).__name__}")
    require_columns(events, "event_date", *columns)
    if events.empty:
        raise EventDataError("there are no events to plot (the table is empty)")


def wide_counts(
    data: pd.DataFrame | pd.Series, *, by: Sequence[str], value: Value = "events"
) -> tuple[pd.DataFrame, str, str]:
    """Counts as a complete date-indexed frame, one column per group.

    Accepts a :func:`counts` table, a Series indexed by date or event records
    (counted per day). Returns the frame, the value name ("count" or
    "fatalities") and the counting unit ("day", "week", "month", "year").
    """
    if isinstance(data, pd.Series):
        if by:
            raise EventDataError("a Series of counts has no group columns to draw by")
        if not isinstance(data.index, pd.DatetimeIndex):
            raise EventDataError("a Series of counts must be indexed by date (a DatetimeIndex)")
        name = "fatalities" if data.name == "fatalities" else "count"
        table = pd.DataFrame({"date": data.index, name: data.to_numpy()})
    elif isinstance(data, pd.DataFrame):
        if "date" not in data.columns and "event_date" in data.columns:
            check_events(data, *by)
            start, end = data_coverage(data)
            table = counts(data, by=list(by) or None, value=value, start=start, end=end)
        else:
            table = data
        value_columns = [c for c in ("count", "fatalities") if c in table.columns]
        if "date" not in table.columns or not value_columns:
            raise EventDataError(
                "expected a count table with 'date' and 'count' (or 'fatalities') columns, "
                "as ed.counts() returns, or event records with 'event_date'; "
                f"got columns {list(table.columns)}"
            )
        name = value_columns[0]
        require_columns(table, *by)
    else:
        raise EventDataError(f"expected a count table or Series, not {type(data).__name__}")
    if table.empty:
        raise EventDataError("there is nothing to plot (the count table is empty)")
    dates = pd.to_datetime(table["date"])
    values = pd.to_numeric(table[name], errors="coerce").astype(float)
    if by:
        keys = table[list(by)].astype(str).agg(" / ".join, axis=1)
        frame = pd.DataFrame({"date": dates, "group": keys.to_numpy(), "v": values.to_numpy()})
        wide = frame.pivot_table(index="date", columns="group", values="v", aggfunc="sum")
        order = table[list(by)].astype(str).agg(" / ".join, axis=1).drop_duplicates()
        wide = wide[order.tolist()]
    else:
        wide = values.groupby(dates.to_numpy()).sum().to_frame(name)
    unit = period_unit(wide.index)
    first, last = wide.index[0], wide.index[-1]
    if unit == "day":  # a daily table or series is drawn over the days its source covers
        start, end = data_coverage(data)
        first = min(first, start) if start is not None else first
        last = max(last, end) if end is not None else last
    full = pd.date_range(first, last, freq=PERIOD_LENGTHS[unit])
    return wide.reindex(full, fill_value=0.0).fillna(0.0), name, unit


def data_coverage(
    data: pd.DataFrame | pd.Series,
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First and last day the data's source covers, from its ``attrs``; ``(None, None)``: unknown.

    ``attrs["coverage"]`` (a list of ``{"country", "start", "end"}``, the
    entries of the countries in the data when it has a ``country`` column)
    comes first, then ``attrs["span"]`` (a count table's first and last day).
    Unreadable entries are ignored.
    """
    attrs = getattr(data, "attrs", {}) or {}
    entries = attrs.get("coverage")
    if isinstance(entries, Sequence) and not isinstance(entries, str) and len(entries):
        entries = [e for e in entries if isinstance(e, dict)]
        if isinstance(data, pd.DataFrame) and "country" in data.columns:
            present = set(data["country"].dropna().astype(str))
            entries = [e for e in entries if str(e.get("country")) in present] or entries
        starts = pd.to_datetime([e.get("start") for e in entries], errors="coerce").dropna()
        ends = pd.to_datetime([e.get("end") for e in entries], errors="coerce").dropna()
        if len(starts) and len(ends) and starts.min() <= ends.max():
            return starts.min().normalize(), ends.max().normalize()
    span = attrs.get("span")
    if isinstance(span, tuple | list) and len(span) == 2:
        try:
            lo, hi = (pd.Timestamp(day) for day in span)
        except (TypeError, ValueError):
            return None, None
        if lo is not pd.NaT and hi is not pd.NaT and lo <= hi:
            return lo.normalize(), hi.normalize()
    return None, None


def period_unit(dates: pd.Index) -> str:
    """The counting period of regularly spaced dates (a single date counts as a day)."""
    if len(dates) < 2:
        return "day"
    step = float(np.median(np.diff(dates.to_numpy()).astype("timedelta64[D]").astype(float)))
    for unit, (low, high) in {
        "day": (1, 1),
        "week": (7, 7),
        "month": (28, 31),
        "year": (365, 366),
    }.items():
        if low <= step <= high:
            return unit
    raise EventDataError(
        f"dates {step:g} days apart are not daily, weekly, monthly or yearly counts"
    )


def period_edges(labels: pd.Index) -> tuple[Any, Any, str]:
    """Edges and middles of the periods a series is labelled with, and the period's name.

    Dates and pandas Periods give dates (periods of a day, week, month or
    year are named so; others "period"); numbers give numbers, one apart.
    """
    if not isinstance(labels, pd.PeriodIndex) and not pd.api.types.is_datetime64_any_dtype(labels):
        numbers = np.asarray(labels, dtype=float)
        step = float(np.median(np.diff(numbers))) if len(numbers) > 1 else 1.0
        edges = np.append(numbers - step / 2, numbers[-1] + step / 2)
        return edges, numbers, "period"
    if isinstance(labels, pd.PeriodIndex):
        starts = labels.to_timestamp(how="start")
        last = (labels[-1] + 1).to_timestamp(how="start")
    else:
        starts = pd.DatetimeIndex(labels)
    try:
        unit = period_unit(starts)
    except EventDataError:  # quarters, business days: spaced regularly, but unnamed
        unit = "period"
    if not isinstance(labels, pd.PeriodIndex):
        step = starts[-1] - starts[-2] if len(starts) > 1 else pd.Timedelta(days=1)
        last = starts[-1] + PERIOD_LENGTHS.get(unit, step)
    edges = starts.append(pd.DatetimeIndex([last]))
    middles = edges[:-1] + (edges[1:] - edges[:-1]) / 2
    return edges, middles, unit


def result_table(result: Any, column: str, source: str) -> pd.DataFrame:
    """A result's per-row table that holds ``column``: its ``table``, else its ``frame``.

    ``table`` is the name issue 16 gives every result's table; ``frame`` is the
    name some results used before (kept for a release as a deprecated alias,
    which is read only when there is no ``table``). ``source`` names the
    function whose result was expected, for the error.
    """
    for name in ("table", "frame"):
        found = getattr(result, name, None)
        if isinstance(found, pd.DataFrame) and column in found.columns:
            return found
    raise EventDataError(f"expected a result of {source}, not {type(result).__name__}")
