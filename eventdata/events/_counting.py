"""The counting engine behind :func:`eventdata.counts`: events onto a zero-filled calendar.

:func:`count_frame` counts a frame; the pieces the out-of-core count
(:mod:`eventdata.events.outofcore`) shares with it are here too: the calendar of
periods, the coarse-date test, the zero-filling and the masking of uncovered periods.
Periods are those of :mod:`eventdata.core.periods`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
import pandas as pd

from eventdata.core.coverage import CoverageLike, covered_days, covered_span, frame_coverage
from eventdata.core.options import require_columns
from eventdata.core.periods import FREQUENCIES, as_freq
from eventdata.core.validation import has_repeats
from eventdata.events.grid import with_priogrid
from eventdata.store import group_codes

__all__ = [
    "Precision",
    "calendar",
    "check_options",
    "coarse_mask",
    "count_frame",
    "mask_uncovered",
    "sorted_groups",
    "zero_filled",
]

Precision = Literal["auto", "exclude", "spread", "keep"]


def check_options(freq: str, precision: str, value: str) -> str:
    """The eventdata code of ``freq``, once ``freq``, ``precision`` and ``value`` are checked.

    Examples
    --------
    >>> check_options("MS", "auto", "events")
    'M'
    """
    freq = as_freq(freq)
    if precision not in ("auto", "exclude", "spread", "keep"):
        raise ValueError(f"precision must be auto, exclude, spread or keep, not {precision!r}")
    if value not in ("events", "fatalities"):
        raise ValueError(f"value must be 'events' or 'fatalities', not {value!r}")
    return freq


def count_frame(
    events: pd.DataFrame,
    *,
    freq: str,
    by: str | Sequence[str] | None,
    value: Literal["events", "fatalities"],
    start: str | pd.Timestamp | None,
    end: str | pd.Timestamp | None,
    precision: Precision,
    coverage: CoverageLike | None,
) -> pd.DataFrame:
    """:func:`eventdata.counts` of a frame (options checked, ``freq`` an eventdata code)."""
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if "priogrid" in by and "priogrid" not in events.columns:
        events = with_priogrid(events)  # PRIO-GRID cells from the coordinates
    require_columns(events, "event_date", *by, *(["fatalities"] if value == "fatalities" else []))
    spans = frame_coverage(events, coverage)
    if spans is not None and (start is None or end is None):
        first, last = covered_span(spans)
        start = first if start is None else start
        end = last if end is None else end
    if "event_id_cnty" not in events.columns:
        table = _counts(events, freq, by, value, start, end, precision)
        return mask_uncovered(table, spans, freq, by)
    with ThreadPoolExecutor(1) as pool:
        # Whether an id repeats is found while the events are counted as they are
        # (both mostly outside the GIL); the usual answer, no, keeps that count.
        repeats = pool.submit(has_repeats, events["event_id_cnty"], missing_equal=True)
        table = _counts(events, freq, by, value, start, end, precision)
        if repeats.result():
            # a monadic frame (one row per actor) or combined copies: count each event once
            unique = events.drop_duplicates("event_id_cnty")
            table = _counts(unique, freq, by, value, start, end, precision)
    return mask_uncovered(table, spans, freq, by)


def mask_uncovered(
    table: pd.DataFrame, spans: list[dict] | None, freq: str, by: list[str]
) -> pd.DataFrame:
    """The count table with the periods its coverage does not hold set missing (NaN)."""
    if spans is None:
        return table
    table.attrs["coverage"] = spans
    table.attrs["uncovered"] = {"periods": 0, "events": 0}
    lo, hi = table.attrs.get("span", (None, None))
    if table.empty or lo is None or pd.isna(lo) or pd.isna(hi):
        return table
    days = pd.date_range(pd.Timestamp(lo).normalize(), pd.Timestamp(hi).normalize(), freq="D")
    periods = _ordinals(days.to_numpy().astype("datetime64[D]"), freq)
    starts = pd.DatetimeIndex(_period_starts(np.unique(periods), freq))
    per_country = "country" in by
    names = (
        table["country"].astype(object).where(table["country"].notna(), None)
        if (per_country)
        else None
    )
    missing = np.zeros(len(table), dtype=bool)
    for country in [None] if not per_country else pd.unique(names):
        covered = covered_days(spans, days, country=country)
        whole = pd.Series(covered).groupby(periods).all().to_numpy()
        absent = starts[~whole]
        if not len(absent):
            continue
        rows = table["date"].isin(absent).to_numpy()
        if per_country:
            rows = rows & (
                (names == country).to_numpy() if country is not None else names.isna().to_numpy()
            )
        missing |= rows
    if not missing.any():
        return table
    name = "count" if "count" in table.columns else "fatalities"
    values = table[name].to_numpy(dtype="float64")
    events = float(np.nansum(values[missing]))
    values[missing] = np.nan
    table[name] = values
    table.attrs["uncovered"] = {"periods": int(missing.sum()), "events": events}
    return table


def _counts(
    events: pd.DataFrame,
    freq: str,
    by: list[str],
    value: Literal["events", "fatalities"],
    start: str | pd.Timestamp | None,
    end: str | pd.Timestamp | None,
    precision: Precision,
) -> pd.DataFrame:
    """:func:`counts` of a frame whose event ids do not repeat (options checked)."""
    period = FREQUENCIES[freq].pandas
    name = "count" if value == "events" else "fatalities"
    dates = pd.to_datetime(events["event_date"])
    undated = dates.isna().to_numpy()
    weights = (  # None: each event counts 1
        None if value == "events" else events["fatalities"].to_numpy("float64", na_value=0.0)
    )
    coarse = np.zeros(len(events), dtype=bool)
    if "time_precision" in events.columns and precision != "keep":
        coarse = coarse_mask(events["time_precision"], freq)
    coarse = coarse & ~undated
    report = {
        "policy": "exclude" if precision == "auto" else precision,
        "excluded": int(coarse.sum()) if precision != "spread" else 0,
        "spread": int(coarse.sum()) if precision == "spread" else 0,
        "undated": int(undated.sum()),
    }
    spreading = bool(report["spread"])
    # the calendar runs from the first to the last event counted: an event left
    # out as too coarse (a month-dated one years before the rest) does not stretch it
    counted = ~undated & (~coarse | spreading)
    counted_dates = dates[counted] if counted.any() else dates
    lo = pd.Timestamp(start) if start is not None else counted_dates.min()
    hi = pd.Timestamp(end) if end is not None else counted_dates.max()
    table = None
    if not spreading:
        counted = ~coarse & ~undated
        table = grid_counts(events, dates, undated, weights, counted, by, freq, lo, hi, name)
    if table is None:
        table = _grouped_counts(
            events, dates, weights, coarse, undated, by, period, lo, hi, name, spreading
        )
    table.attrs["time_precision"] = report
    # the days covered, so that a partly covered first or last period can be told apart
    table.attrs["span"] = (lo, hi)
    return table


def coarse_mask(levels: pd.Series, freq: str) -> np.ndarray:
    """Where ACLED's time_precision is coarser than the counting period (missing: exact)."""
    finest_exact = FREQUENCIES[freq].precision
    if pd.api.types.is_numeric_dtype(levels.dtype):
        return (levels > finest_exact).to_numpy(dtype=bool, na_value=False)
    return levels.to_numpy(dtype="float64", na_value=1.0) > finest_exact


def calendar(lo: pd.Timestamp, hi: pd.Timestamp, period: str) -> pd.DatetimeIndex:
    """The first day of every period from ``lo`` to ``hi`` (none when they are missing)."""
    starts = pd.period_range(lo, hi, freq=period).start_time if pd.notna(lo) else []
    return pd.DatetimeIndex(starts, name="date").astype("datetime64[ns]")


def sorted_groups(values: pd.DataFrame) -> pd.DataFrame:
    """The distinct rows of the by columns, sorted (missing values last)."""
    distinct = values.drop_duplicates()
    return distinct.sort_values(list(values.columns), kind="stable", ignore_index=True)


def zero_filled(
    summed: pd.Series,
    groups: pd.DataFrame | None,
    calendar: pd.DatetimeIndex,
    by: list[str],
    name: str,
    integer: bool,
) -> pd.DataFrame:
    """Sums by (``by``..., date) laid out on every group (in ``groups``' order) by every period.

    Cells without a sum are zeros; sums are rounded to integers when ``integer``.
    """
    if groups is not None:
        full = pd.MultiIndex.from_frame(groups.merge(pd.DataFrame({"date": calendar}), how="cross"))
    else:
        full = calendar
    table = summed.reindex(full, fill_value=0.0).rename(name).reset_index()
    if integer:
        table[name] = table[name].round().astype("int64")
    table = table[["date", *by, name]]
    # the reindex keeps the groupby's datetime64[us] dates when no period was missing
    table["date"] = table["date"].astype("datetime64[ns]")
    return table


def grid_counts(
    events: pd.DataFrame,
    dates: pd.Series,
    undated: np.ndarray,
    weights: np.ndarray | None,
    counted: np.ndarray,
    by: list[str],
    freq: str,
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    name: str,
) -> pd.DataFrame | None:
    """The count table built directly on its grid of groups by periods.

    Each counted row's cell (its group's number times the number of periods,
    plus its period's) is summed by ``np.bincount``: no group-by and no
    reindexing onto the calendar. The same table as :func:`_grouped_counts`,
    or None for what it does not handle (by columns other than text,
    categories or numbers; time zones; an empty calendar).
    """
    if not (isinstance(dates.dtype, np.dtype) and dates.dtype.kind == "M"):
        return None
    if pd.isna(lo) or pd.isna(hi) or lo.tz is not None or hi.tz is not None or lo > hi:
        return None
    if len(set(by)) != len(by):
        return None
    dated = ~undated
    everything = bool(dated.all())
    groups = events[by] if everything else events.loc[dated, by]
    grouped = group_codes(groups, by)
    if grouped is None:
        return None
    codes, first = grouped
    values = dates.to_numpy() if everything else dates.to_numpy()[dated]
    counted = counted if everything else counted[dated]
    counted &= (values >= lo.to_datetime64()) & (values <= hi.to_datetime64())
    first_day, last_day = np.array([lo, hi], dtype="datetime64[D]").view(np.int64)
    # each day's period, looked up in a table of the calendar's days
    periods_of_days = _ordinals(np.arange(first_day, last_day + 1).astype("datetime64[D]"), freq)
    low = periods_of_days[0]
    periods_of_days -= low
    periods = int(periods_of_days[-1] + 1)
    size = len(first) * periods
    # each row's cell, computed in place (these arrays are large)
    cells = values.astype("datetime64[D]").view(np.int64)
    cells -= first_day
    np.clip(cells, 0, len(periods_of_days) - 1, out=cells)
    np.take(periods_of_days, cells, out=cells)
    codes *= periods
    cells += codes
    cells[~counted] = size  # not counted: one more cell, dropped after counting
    if weights is not None:
        weights = weights if everything else weights[dated]
    totals = np.bincount(cells, weights=weights, minlength=size + 1)[:size]
    rows = np.repeat(first, periods)
    table = {"date": np.tile(_period_starts(np.arange(low, low + periods), freq), len(first))}
    for column in by:
        table[column] = groups[column].iloc[rows].array
    table[name] = totals.round().astype("int64") if weights is not None else totals
    return pd.DataFrame(table)


def _ordinals(dates: np.ndarray, freq: str) -> np.ndarray:
    """Each date's period as an integer (consecutive periods, consecutive integers)."""
    if freq == "D":
        return dates.astype("datetime64[D]").astype(np.int64)
    if freq == "W":  # weeks from Monday to Sunday; day 0 (1970-01-01) was a Thursday
        return (dates.astype("datetime64[D]").astype(np.int64) + 3) // 7
    unit = "Y" if freq == "Y" else "M"
    return dates.astype(f"datetime64[{unit}]").astype(np.int64)


def _period_starts(ordinals: np.ndarray, freq: str) -> np.ndarray:
    """The first day of each period numbered by :func:`_ordinals`, as datetime64[ns]."""
    if freq == "W":
        return (ordinals * 7 - 3).astype("datetime64[D]").astype("datetime64[ns]")
    unit = {"D": "D", "Y": "Y"}.get(freq, "M")
    return ordinals.astype(f"datetime64[{unit}]").astype("datetime64[ns]")


def _grouped_counts(
    events: pd.DataFrame,
    dates: pd.Series,
    weights: np.ndarray | None,
    coarse: np.ndarray,
    undated: np.ndarray,
    by: list[str],
    period: str,
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    name: str,
    spreading: bool,
) -> pd.DataFrame:
    """The count table by pandas: group-by, then reindex onto groups by the calendar."""
    if undated.any():  # cannot be placed on the calendar: left out (and reported)
        keep = ~undated
        events, dates, coarse = events.loc[keep], dates.loc[keep], coarse[keep]
        weights = None if weights is None else weights[keep]
    frame = events[by].reset_index(drop=True) if by else pd.DataFrame(index=range(len(events)))
    frame["_date"] = dates.to_numpy()
    frame["_w"] = np.ones(len(frame)) if weights is None else weights
    if spreading:
        fine = frame.loc[~coarse]
        spread = _spread(frame.loc[coarse], events["time_precision"].to_numpy()[coarse])
        frame = pd.concat([fine, spread], ignore_index=True)
    elif coarse.any():
        frame = frame.loc[~coarse]
    in_range = (frame["_date"] >= lo) & (frame["_date"] <= hi)
    frame = frame.loc[in_range]

    frame["date"] = frame["_date"].dt.to_period(period).dt.start_time
    summed = frame.groupby([*by, "date"], observed=True, dropna=False)["_w"].sum()
    groups = sorted_groups(events[by]) if by else None
    table = zero_filled(summed, groups, calendar(lo, hi, period), by, name, not spreading)
    for column in by:
        if isinstance(events[column].dtype, pd.CategoricalDtype):
            table[column] = table[column].astype(events[column].dtype)
    return table


def _spread(rows: pd.DataFrame, precision: np.ndarray) -> pd.DataFrame:
    """Each coarse event as one fractional event per day of its period."""
    pieces = []
    week = precision == 2
    if week.any():
        part = rows.loc[week]
        offsets = np.arange(-3, 4)
        rep = part.loc[part.index.repeat(7)].copy()
        rep["_date"] = rep["_date"].to_numpy() + np.tile(offsets, len(part)).astype(
            "timedelta64[D]"
        )
        rep["_w"] = rep["_w"] / 7.0
        pieces.append(rep)
    month = precision >= 3
    if month.any():
        part = rows.loc[month]
        first = part["_date"].dt.to_period("M").dt.start_time
        days = part["_date"].dt.days_in_month.to_numpy()
        rep = part.loc[part.index.repeat(days)].copy()
        within = np.concatenate([np.arange(d) for d in days])
        rep["_date"] = np.repeat(first.to_numpy(), days) + within.astype("timedelta64[D]")
        rep["_w"] = rep["_w"] / np.repeat(days, days)
        pieces.append(rep)
    return pd.concat(pieces, ignore_index=True)
