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
from typing import Literal

import numpy as np
import pandas as pd

from eventdata.core.coverage import CoverageLike, frame_coverage, restrict_coverage
from eventdata.core.errors import PrecisionWarning, SelectionError
from eventdata.core.options import as_day, as_names, check_known
from eventdata.core.options import require_columns as _require
from eventdata.events._counting import Precision, check_options, count_frame
from eventdata.events.actors import role_mask
from eventdata.events.distance import Places, select_near
from eventdata.events.outofcore import counts_out_of_core
from eventdata.store import EventStore, is_stored

__all__ = ["counts", "filter_events"]

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
    freq = check_options(freq, precision, value)
    stored = is_stored(events)
    # a store is counted partition by partition, with the coverage given, else its own
    count = counts_out_of_core if stored else count_frame
    table = count(
        events,
        freq=freq,
        by=by,
        value=value,
        start=start,
        end=end,
        precision=precision,
        coverage=coverage,
    )
    return table if stored else _told(table, freq)


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


def _search(column: pd.Series, pattern: str) -> np.ndarray:
    return (
        column.astype("string")
        .str.contains(pattern, case=False, regex=True)
        .to_numpy(dtype=bool, na_value=False)
    )
