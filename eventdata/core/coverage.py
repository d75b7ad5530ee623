"""Which days a source covered: no data is not zero.

A source (an export, a sync of the API, a GED extract) covers a stretch of
days for some countries. A day it covered without events is a zero; a day it
did not cover is *missing*. :func:`eventdata.counts` and every analysis built
on it tell the two apart from the frame's coverage: a JSON-able list of spans,
``{"country": str or None, "start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}``, both
ends included, ``country`` ``None`` for every country, sorted and merged per
country. Readers record it in ``frame.attrs["coverage"]`` (each country of the
file, from its first to its last precisely dated event), a store records the
span of every export or sync it ingested, :func:`eventdata.filter_events`
keeps the source's span (not the selection's), and every analysis takes an
explicit ``coverage=`` argument (the same list, or a frame with ``country``,
``start`` and ``end`` columns) that overrides the frame's.

Examples
--------
>>> spans = normalize_coverage([
...     {"country": "Iraq", "start": "2020-04-27", "end": "2020-05-09"},
...     {"country": "Iraq", "start": "2020-03-01", "end": "2020-03-21"},
...     {"country": "Iraq", "start": "2020-03-22", "end": "2020-03-31"},
... ])
>>> [(s["start"], s["end"]) for s in spans]
[('2020-03-01', '2020-03-31'), ('2020-04-27', '2020-05-09')]
>>> days = pd.date_range("2020-03-30", "2020-04-02")
>>> covered_days(spans, days).tolist()
[True, True, False, False]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError

__all__ = [
    "CoverageLike",
    "coverage_from_events",
    "covered_days",
    "covered_span",
    "describe_gaps",
    "frame_coverage",
    "normalize_coverage",
    "restrict_coverage",
]

CoverageLike = Sequence[dict[str, Any]] | pd.DataFrame
Span = dict[str, Any]


def normalize_coverage(coverage: CoverageLike | None) -> list[Span] | None:
    """Coverage in its one form: spans sorted by country then start, merged per country.

    Parameters
    ----------
    coverage : list of dict, pandas.DataFrame or None
        Spans with ``country`` (optional, ``None``: every country), ``start``
        and ``end`` (date-like, both included).

    Returns
    -------
    list of dict or None
        ``{"country", "start", "end"}`` with ISO dates; overlapping or adjacent
        spans of a country are merged. None when ``coverage`` is None.

    Raises
    ------
    EventDataError
        If a span lacks a date, or ends before it starts.
    """
    if coverage is None:
        return None
    if isinstance(coverage, pd.DataFrame):
        rows = coverage.to_dict("records")
    elif isinstance(coverage, dict):
        rows = [coverage]
    else:
        rows = list(coverage)
    spans: dict[Any, list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    for row in rows:
        try:
            start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"])
        except (KeyError, TypeError, ValueError):
            raise EventDataError(
                f"a coverage span needs a start and an end date, not {row!r}"
            ) from None
        if pd.isna(start) or pd.isna(end) or end < start:
            raise EventDataError(f"a coverage span must run forwards between two dates: {row!r}")
        country = row.get("country")
        country = None if country is None or pd.isna(country) else str(country)
        spans.setdefault(country, []).append((start.normalize(), end.normalize()))
    merged = []
    for country in sorted(spans, key=lambda c: (c is not None, c or "")):
        current: list[pd.Timestamp] | None = None
        for start, end in sorted(spans[country]):
            if current is not None and start <= current[1] + pd.Timedelta(days=1):
                current[1] = max(current[1], end)
                continue
            if current is not None:
                merged.append(_span(country, *current))
            current = [start, end]
        if current is not None:
            merged.append(_span(country, *current))
    return merged


def _span(country: str | None, start: pd.Timestamp, end: pd.Timestamp) -> Span:
    return {"country": country, "start": start.date().isoformat(), "end": end.date().isoformat()}


def coverage_from_events(events: pd.DataFrame) -> list[Span] | None:
    """The coverage a file of events implies: each country, first to last event date.

    Only precisely dated events (``time_precision`` 1, when the column says
    so) mark the span: an event dated only to its month, years before the
    others, does not stretch the calendar back to it. None without dated events.
    """
    if "event_date" not in events.columns or events.empty:
        return None
    dates = pd.to_datetime(events["event_date"], errors="coerce")
    if "time_precision" in events.columns:
        precise = pd.to_numeric(events["time_precision"], errors="coerce").fillna(1) <= 1
        if precise.any():
            dates = dates.where(precise.to_numpy())
    dated = dates.notna().to_numpy()
    if not dated.any():
        return None
    first, last = dates.min(), dates.max()
    if "country" not in events.columns:
        return normalize_coverage([{"country": None, "start": first, "end": last}])
    countries = events["country"].dropna().unique()
    return normalize_coverage([{"country": c, "start": first, "end": last} for c in countries])


def frame_coverage(events: Any, coverage: CoverageLike | None = None) -> list[Span] | None:
    """The coverage an analysis uses: ``coverage`` if given, else the frame's attrs, else None."""
    if coverage is not None:
        return normalize_coverage(coverage)
    attrs = getattr(events, "attrs", None) or {}
    return normalize_coverage(attrs.get("coverage"))


def restrict_coverage(
    coverage: list[Span] | None,
    *,
    countries: Iterable[str] | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> list[Span] | None:
    """Coverage of a selection: only the countries kept, clipped to ``start`` and ``end``."""
    if coverage is None:
        return None
    wanted = None if countries is None else {str(c) for c in countries}
    kept = []
    for span in coverage:
        if wanted is not None and span["country"] is not None and span["country"] not in wanted:
            continue
        first, last = pd.Timestamp(span["start"]), pd.Timestamp(span["end"])
        first = first if start is None else max(first, start)
        last = last if end is None else min(last, end)
        if first <= last:
            kept.append({**span, "start": first, "end": last})
    return normalize_coverage(kept)


def covered_days(
    coverage: list[Span] | None,
    days: pd.DatetimeIndex,
    *,
    country: str | None = None,
) -> np.ndarray:
    """Which of ``days`` the coverage holds (all of them when coverage is None).

    For one ``country``, its spans and the all-country ones count. Without a
    country, a day is covered when every country named in the coverage is (a
    total over countries is complete only then).
    """
    days = pd.DatetimeIndex(days).normalize()
    if coverage is None:
        return np.ones(len(days), dtype=bool)
    named = sorted({s["country"] for s in coverage if s["country"] is not None})
    if country is not None:
        named = [country]
    common = _within(days, [s for s in coverage if s["country"] is None])
    if not named:
        return common
    result = np.ones(len(days), dtype=bool)
    for name in named:
        result &= common | _within(days, [s for s in coverage if s["country"] == name])
    return result


def covered_span(coverage: list[Span] | None, *, country: str | None = None):
    """First and last day any relevant span covers (None, None when there is none)."""
    if not coverage:
        return None, None
    spans = [s for s in coverage if country is None or s["country"] in (None, country)]
    if not spans:
        return None, None
    return (
        min(pd.Timestamp(s["start"]) for s in spans),
        max(pd.Timestamp(s["end"]) for s in spans),
    )


def _within(days: pd.DatetimeIndex, spans: list[Span]) -> np.ndarray:
    inside = np.zeros(len(days), dtype=bool)
    values = days.to_numpy()
    for span in spans:
        first = np.datetime64(pd.Timestamp(span["start"]).normalize(), "ns")
        last = np.datetime64(pd.Timestamp(span["end"]).normalize(), "ns")
        inside |= (values >= first) & (values <= last)
    return inside


def describe_gaps(days: pd.DatetimeIndex, covered: np.ndarray, *, limit: int = 3) -> str:
    """The uncovered stretches inside ``days`` in words: "2020-03-22 to 2020-04-26 (36 days)"."""
    gaps = []
    missing = ~np.asarray(covered, dtype=bool)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], missing.astype(int), [0]])))
    for first, stop in zip(edges[::2], edges[1::2], strict=True):
        gaps.append(
            f"{days[first].date()} to {days[stop - 1].date()} ({stop - first} "
            f"day{'s' if stop - first != 1 else ''})"
        )
    more = f" and {len(gaps) - limit} more" if len(gaps) > limit else ""
    return ", ".join(gaps[:limit]) + more
