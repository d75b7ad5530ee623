"""Selecting events and counting them over a complete, zero-filled calendar.

Every time-series analysis in eventdata starts here: :func:`filter_events`
picks the events a question is about, :func:`counts` turns them into a tidy
count table where days (or weeks, months) and groups without events are zeros,
not missing rows.

ACLED dates some events only to the week (``time_precision`` 2) or month (3),
placing them on a day inside that period. Counted per day they make false
spikes, so :func:`counts` by default keeps only the events whose date is known
at least as precisely as the counting period, and records how many rows it set
aside in ``result.attrs["time_precision"]``.

Given a store (a folder written by :func:`eventdata.write_parquet` or an
:class:`eventdata.EventStore`) instead of a frame, :func:`counts` counts it out
of core with Dask (:mod:`eventdata.events.outofcore`): the same table, in bounded memory.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from eventdata.core.coverage import (
    CoverageLike,
    covered_days,
    covered_span,
    frame_coverage,
    restrict_coverage,
)
from eventdata.core.errors import PrecisionWarning, SelectionError
from eventdata.core.options import as_day, as_names, check_known
from eventdata.core.options import require_columns as _require
from eventdata.core.validation import has_repeats
from eventdata.events.actors import role_mask
from eventdata.events.distance import Places, select_near
from eventdata.events.grid import with_priogrid
from eventdata.store import group_codes

if TYPE_CHECKING:
    from eventdata.store import EventStore

__all__ = ["counts", "filter_events"]

Precision = Literal["auto", "exclude", "spread", "keep"]

# Periods eventdata counts by, as pandas Period frequencies, and the finest
# ACLED time_precision that is exact at that period.
_FREQ = {"D": ("D", 1), "W": ("W-SUN", 2), "M": ("M", 3), "MS": ("M", 3), "Y": ("Y", 3)}
_ACTOR_COLUMNS = ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")


def filter_events(
    events: pd.DataFrame,
    *,
    countries: str | Sequence[str] | None = None,
    admin1: str | Sequence[str] | None = None,
    event_types: str | Sequence[str] | None = None,
    sub_event_types: str | Sequence[str] | None = None,
    actors: str | None = None,
    text: str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    actor1: str | None = None,
    actor2: str | None = None,
    near: Places | None = None,
    radius_km: float | None = None,
) -> pd.DataFrame:
    """Select events by place, type, actors, words in the notes and date.

    Parameters
    ----------
    events : pandas.DataFrame
        Incident records (core or ACLED schema).
    countries, admin1, event_types, sub_event_types : str or sequence of str, optional
        Keep rows whose value is one of these.
    actors : str, optional
        Regular expression (case-insensitive) searched in ``actor1``,
        ``assoc_actor_1``, ``actor2`` and ``assoc_actor_2``; a row matches if any does.
    text : str, optional
        Regular expression (case-insensitive) searched in ``notes``.
    start, end : date-like, optional
        First and last event date kept (both included).
    actor1, actor2 : str, optional
        Regular expressions (case-insensitive) for one side only: ``actor1``
        is searched in ``actor1`` and ``assoc_actor_1`` (the side that acts),
        ``actor2`` in ``actor2`` and ``assoc_actor_2`` (see
        :func:`eventdata.analysis.spatial.role_mask`).
    near : (lat, lon), mapping of name to (lat, lon), or DataFrame, optional
        A place, or named places (a frame with ``name``, ``latitude``,
        ``longitude``): adds ``distance_km`` to the nearest one, and for named
        places its name as ``nearest`` (see :func:`eventdata.analysis.spatial.select_near`).
    radius_km : float, optional
        With ``near``: keep events at most this far from the (nearest) place.

    Returns
    -------
    pandas.DataFrame
        The matching rows (a copy), in their original order. When several
        options are given a row must match all of them.

    Examples
    --------
    >>> import eventdata as ed
    >>> seed = ed.datasets.load_seed_incidents()
    >>> attacks = filter_events(seed, event_types="Explosions/Remote violence",
    ...                         actors="coalition", countries="Syria")
    >>> attacks["location"].tolist()
    ['Green Village', 'Mayadin', 'Conoco gas field']
    >>> on_coalition = filter_events(seed, actor2="coalition", near={"Green Village":
    ...     (35.05, 40.55), "Conoco": (35.30, 40.29)}, radius_km=25)
    >>> on_coalition[["location", "nearest"]].values.tolist()
    [['Green Village', 'Green Village'], ['Conoco gas field', 'Conoco']]
    """
    if radius_km is not None and near is None:
        raise ValueError("radius_km needs near=: the place(s) to measure from")
    keep = np.ones(len(events), dtype=bool)
    for column, option, wanted in (
        ("country", "countries", countries),
        ("admin1", "admin1", admin1),
        ("event_type", "event_types", event_types),
        ("sub_event_type", "sub_event_types", sub_event_types),
    ):
        if wanted is None:
            continue
        _require(events, column)
        values = as_names(wanted, option)
        if column in ("country", "admin1") and len(events):
            # a misspelt place selects nothing: say so, with the nearest name
            check_known(values, events[column].unique(), column, error=SelectionError)
        keep &= events[column].isin(values).to_numpy(dtype=bool, na_value=False)
    if actors is not None:
        present = [c for c in _ACTOR_COLUMNS if c in events.columns]
        if not present:
            _require(events, "actor1")
        hit = np.zeros(len(events), dtype=bool)
        for column in present:
            hit |= _search(events[column], actors)
        keep &= hit
    if text is not None:
        _require(events, "notes")
        keep &= _search(events["notes"], text)
    if start is not None or end is not None:
        _require(events, "event_date")
        dates = events["event_date"]
        first, last = as_day(start, "start"), as_day(end, "end")
        if first is not None:
            keep &= (dates >= first).to_numpy(dtype=bool, na_value=False)
        if last is not None:
            keep &= (dates <= last).to_numpy(dtype=bool, na_value=False)
    if actor1 is not None or actor2 is not None:
        keep &= role_mask(events, actor1=actor1, actor2=actor2)
    selected = events.loc[keep].copy()
    if near is not None:
        selected = select_near(selected, near, radius_km=radius_km)
    source = frame_coverage(events)
    if source is not None:  # the source's span, not the selection's
        chosen = None if countries is None else as_names(countries, "countries")
        selected.attrs["coverage"] = restrict_coverage(
            source, countries=chosen, start=as_day(start, "start"), end=as_day(end, "end")
        )
    return selected


def counts(
    events: pd.DataFrame | str | os.PathLike | EventStore,
    *,
    freq: str = "D",
    by: str | Sequence[str] | None = None,
    value: Literal["events", "fatalities"] = "events",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    precision: Precision = "auto",
    coverage: CoverageLike | None = None,
) -> pd.DataFrame:
    """Count events (or sum fatalities) per period and group, zero-filled where covered.

    Parameters
    ----------
    events : pandas.DataFrame, path or EventStore
        Incident records with ``event_date`` (and ``time_precision`` for the
        precision policy, ``fatalities`` for ``value="fatalities"``). Or a
        dataset folder written by :func:`eventdata.write_parquet` or an
        :class:`eventdata.EventStore`: counted out of core with Dask, partition
        by partition, never read whole (``pip install 'eventdata[dask]'``; see
        :func:`eventdata.events.outofcore.counts_out_of_core`).
    freq : {"D", "W", "M", "Y"}
        Day, week (Monday to Sunday), calendar month or year.
    by : str or sequence of str, optional
        Columns to count within (e.g. ``"admin1"`` or ``["country", "admin1"]``).
        ``"priogrid"``, when not a column, is each event's PRIO-GRID cell id
        computed from ``latitude`` and ``longitude`` (events without them are
        counted in a missing-cell group; see :func:`eventdata.analysis.spatial.priogrid_gid`).
        Every group seen in ``events`` gets the complete calendar.
    value : {"events", "fatalities"}
        Count rows (column ``count``) or sum fatalities (column ``fatalities``).
    start, end : date-like, optional
        Calendar bounds (default: the first and last day of the coverage, or
        without coverage the first and last event counted: an event left out
        as too coarse does not stretch the calendar). Events outside are dropped.
    precision : {"auto", "exclude", "spread", "keep"}
        What to do with events dated less precisely than ``freq``:
        ``"auto"`` (default) and ``"exclude"`` leave them out (daily counts keep
        ``time_precision`` 1 only, weekly 1-2, monthly and yearly all);
        ``"spread"`` spreads each over its period (a week-precision event adds
        1/7 to each day of the week centred on its date, a month-precision one
        1/n to each day of its month), giving fractional counts;
        ``"keep"`` counts them on the date coded, as naive code would.

    coverage : list of dict or pandas.DataFrame, optional
        The days the source covered (see :mod:`eventdata.core.coverage`); default
        ``events.attrs["coverage"]``, which readers, stores and
        :func:`eventdata.filter_events` set (for a store counted out of core:
        its ``coverage`` attribute when it records one as a list of spans). A
        period the coverage does not wholly hold (the calendar's first and
        last periods need only hold their days inside it) is missing (NaN),
        not zero: no data is not zero.
        With ``by`` holding ``country``, each country has its own coverage;
        otherwise a day counts as covered when every country covered is.

    Rows sharing an ``event_id_cnty`` (a monadic export kept one row per actor)
    are counted once.

    Returns
    -------
    pandas.DataFrame
        Columns ``date`` (period start), the ``by`` columns, and ``count`` (or
        ``fatalities``); one row per period and group, zeros included, sorted by
        group then date. ``attrs["time_precision"]`` records the policy and how
        many rows were excluded or spread, and how many had no date (left out);
        ``attrs["span"]`` the first and last
        day covered (a weekly or monthly table's edge periods may be partial);
        when a coverage is known, ``attrs["coverage"]`` the coverage used
        and ``attrs["uncovered"]`` how many rows are missing for want of
        coverage (``periods``) and how many counted events fell on them (``events``).
        ``count`` is float (NaN where uncovered) when some period is missing.

    Examples
    --------
    >>> import eventdata as ed
    >>> seed = ed.datasets.load_seed_incidents()

    The seed file's events run from 3 to 6 January: the days around them are
    missing, not zero, unless a coverage says the source covered them.

    >>> counts(seed, start="2022-01-01", end="2022-01-07")["count"].tolist()
    [nan, nan, 1.0, 1.0, 2.0, 1.0, nan]
    >>> week = [{"country": None, "start": "2022-01-01", "end": "2022-01-07"}]
    >>> daily = counts(seed, start="2022-01-01", end="2022-01-07", coverage=week)
    >>> daily["count"].tolist()
    [0, 0, 1, 1, 2, 1, 0]
    >>> daily.attrs["time_precision"]["excluded"]
    1
    >>> counts(seed, freq="W", by="country")["count"].tolist()
    [3, 3]
    """
    if freq not in _FREQ:
        raise ValueError(f"freq must be one of {sorted(_FREQ)}, not {freq!r}")
    if precision not in ("auto", "exclude", "spread", "keep"):
        raise ValueError(f"precision must be auto, exclude, spread or keep, not {precision!r}")
    if value not in ("events", "fatalities"):
        raise ValueError(f"value must be 'events' or 'fatalities', not {value!r}")
    if not isinstance(events, pd.DataFrame):
        from eventdata.events.outofcore import counts_out_of_core  # Dask is optional: loaded on use

        # it applies the coverage given, else the store's, as below for a frame
        return counts_out_of_core(
            events,
            freq=freq,
            by=by,
            value=value,
            start=start,
            end=end,
            precision=precision,
            coverage=coverage,
        )
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if "priogrid" in by and "priogrid" not in events.columns:
        events = with_priogrid(events)  # PRIO-GRID cells from the coordinates
    _require(events, "event_date", *by, *(["fatalities"] if value == "fatalities" else []))
    spans = frame_coverage(events, coverage)
    if spans is not None and (start is None or end is None):
        first, last = covered_span(spans)
        start = first if start is None else start
        end = last if end is None else end
    if "event_id_cnty" not in events.columns:
        table = _counts(events, freq, by, value, start, end, precision)
        return _told(_mask_uncovered(table, spans, freq, by), freq)
    with ThreadPoolExecutor(1) as pool:
        # Whether an id repeats is found while the events are counted as they are
        # (both mostly outside the GIL); the usual answer, no, keeps that count.
        repeats = pool.submit(has_repeats, events["event_id_cnty"], missing_equal=True)
        table = _counts(events, freq, by, value, start, end, precision)
        if repeats.result():
            # a monadic frame (one row per actor) or combined copies: count each event once
            unique = events.drop_duplicates("event_id_cnty")
            table = _counts(unique, freq, by, value, start, end, precision)
    return _told(_mask_uncovered(table, spans, freq, by), freq)


def _told(table: pd.DataFrame, freq: str) -> pd.DataFrame:
    """The table, after warning a user's call about the events left out as too coarse.

    eventdata's own analyses report these counts in their results: only a call
    from outside the package warns (once, at the caller's line).
    """
    excluded = table.attrs.get("time_precision", {}).get("excluded", 0)
    caller = sys._getframe(2).f_globals.get("__name__", "")
    if excluded and not (caller == "eventdata" or caller.startswith("eventdata.")):
        period = {"D": "day", "W": "week"}.get(freq, "period")
        what = "event" if excluded == 1 else "events"
        warnings.warn(
            f"counts left out {excluded} {what} dated less precisely than the {period} "
            "(ACLED time_precision); precision='spread' spreads them over their week or "
            "month, precision='keep' counts them on the date coded",
            PrecisionWarning,
            stacklevel=3,
        )
    return table


def _mask_uncovered(
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
    period = _FREQ[freq][0]
    name = "count" if value == "events" else "fatalities"
    dates = pd.to_datetime(events["event_date"])
    undated = dates.isna().to_numpy()
    weights = (  # None: each event counts 1
        None if value == "events" else events["fatalities"].to_numpy("float64", na_value=0.0)
    )
    coarse = np.zeros(len(events), dtype=bool)
    if "time_precision" in events.columns and precision != "keep":
        coarse = _coarse(events["time_precision"], freq)
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
        table = _grid_counts(events, dates, undated, weights, counted, by, freq, lo, hi, name)
    if table is None:
        table = _grouped_counts(
            events, dates, weights, coarse, undated, by, period, lo, hi, name, spreading
        )
    table.attrs["time_precision"] = report
    # the days covered, so that a partly covered first or last period can be told apart
    table.attrs["span"] = (lo, hi)
    return table


def _coarse(levels: pd.Series, freq: str) -> np.ndarray:
    """Where ACLED's time_precision is coarser than the counting period (missing: exact)."""
    finest_exact = _FREQ[freq][1]
    if pd.api.types.is_numeric_dtype(levels.dtype):
        return (levels > finest_exact).to_numpy(dtype=bool, na_value=False)
    return levels.to_numpy(dtype="float64", na_value=1.0) > finest_exact


def _calendar(lo: pd.Timestamp, hi: pd.Timestamp, period: str) -> pd.DatetimeIndex:
    """The first day of every period from ``lo`` to ``hi`` (none when they are missing)."""
    starts = pd.period_range(lo, hi, freq=period).start_time if pd.notna(lo) else []
    return pd.DatetimeIndex(starts, name="date").astype("datetime64[ns]")


def _sorted_groups(values: pd.DataFrame) -> pd.DataFrame:
    """The distinct rows of the by columns, sorted (missing values last)."""
    distinct = values.drop_duplicates()
    return distinct.sort_values(list(values.columns), kind="stable", ignore_index=True)


def _zero_filled(
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


def _grid_counts(
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
    groups = _sorted_groups(events[by]) if by else None
    table = _zero_filled(summed, groups, _calendar(lo, hi, period), by, name, not spreading)
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


def _search(column: pd.Series, pattern: str) -> np.ndarray:
    return (
        column.astype("string")
        .str.contains(pattern, case=False, regex=True)
        .to_numpy(dtype=bool, na_value=False)
    )
