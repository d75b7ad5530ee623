"""Coverage spans: the days each export or sync ingested covered, per country.

A span list is JSON: [{"country": str or None, "start": "YYYY-MM-DD", "end":
"YYYY-MM-DD"}, ...], dates inclusive, sorted by country (None first) then start,
overlapping or adjacent spans of one country merged; country None means every
country of the frame. A frame carries its spans in ``frame.attrs["coverage"]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from eventdata.core.errors import StoreError
from eventdata.core.options import as_day, as_names
from eventdata.store._types import DATE, need

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day_text(value: Any, what: str) -> str:
    """A day as ``YYYY-MM-DD`` (text in that form, or a date or timestamp)."""
    try:
        if isinstance(value, str):
            need(_ISO_DAY.fullmatch(value) is not None, f"{what} is not a YYYY-MM-DD date")
            return pd.Timestamp(value).date().isoformat()
        need(
            isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "isoformat"),
            f"{what} is not a date",
        )
        day = pd.Timestamp(value)
        need(not pd.isna(day), f"{what} is missing")
        return day.date().isoformat()
    except (ValueError, TypeError, OverflowError):
        raise StoreError(f"{what} is not a date ({value!r})") from None


def checked_spans(value: Any, what: str) -> list[dict[str, Any]]:
    """Spans checked (types, dates, start <= end) and merged; else StoreError."""
    need(isinstance(value, list), f"{what} is not a list of spans")
    spans = []
    for number, span in enumerate(value):
        where = f"{what} span {number}"
        need(isinstance(span, dict), f"{where} is not a record")
        country = span.get("country")
        need(country is None or isinstance(country, str), f"{where}: 'country' is not text")
        start = _day_text(span.get("start"), f"{where}: 'start'")
        end = _day_text(span.get("end"), f"{where}: 'end'")
        need(start <= end, f"{where}: 'start' {start} is after 'end' {end}")
        spans.append({"country": country, "start": start, "end": end})
    return merge_spans(spans)


def merge_spans(spans: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spans sorted by country then start, overlapping or adjacent ones merged."""
    ordered = sorted(
        spans, key=lambda s: (s["country"] is not None, s["country"] or "", s["start"])
    )
    merged: list[dict[str, Any]] = []
    for span in ordered:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last["country"] == span["country"]
            and pd.Timestamp(span["start"]) <= pd.Timestamp(last["end"]) + pd.Timedelta(days=1)
        ):
            last["end"] = max(last["end"], span["end"])
        else:
            merged.append(dict(span))
    return merged


def clip_spans(
    spans: list[dict[str, Any]], countries: Any, start: Any, end: Any
) -> list[dict[str, Any]]:
    """The spans of these countries (all: None), cut to [start, end]."""
    wanted = None if countries is None else set(as_names(countries, "countries", error=StoreError))
    first = as_day(start, "start", error=StoreError)
    last = as_day(end, "end", error=StoreError)
    low = None if first is None else first.date().isoformat()
    high = None if last is None else last.date().isoformat()
    out = []
    for span in spans:
        if wanted is not None and span["country"] is not None and span["country"] not in wanted:
            continue
        cut = dict(span)
        if low is not None:
            cut["start"] = max(cut["start"], low)
        if high is not None:
            cut["end"] = min(cut["end"], high)
        if cut["start"] <= cut["end"]:
            out.append(cut)
    return out


def frame_spans(events: Any, typed: pd.DataFrame) -> list[dict[str, Any]]:
    """The spans a frame covers: ``attrs["coverage"]``, else each country's first..last day.

    A span of country None in ``attrs`` is recorded for every country of the frame.
    """
    attrs = getattr(events, "attrs", None) or typed.attrs
    countries = typed["country"].dropna().astype(object).unique().tolist()
    if "coverage" in attrs:
        given = checked_spans(attrs["coverage"], "frame.attrs['coverage']")
        spans = []
        for span in given:
            names = countries if span["country"] is None else [span["country"]]
            spans += [dict(span, country=c) for c in names]
        return merge_spans(spans)
    if not len(typed):
        return []
    grouped = typed.groupby(typed["country"].astype(object), sort=True)[DATE]
    first, last = grouped.min(), grouped.max()
    return [
        {"country": c, "start": f"{first[c]:%Y-%m-%d}", "end": f"{last[c]:%Y-%m-%d}"}
        for c in first.index
        if pd.notna(first[c])
    ]


def coverage_frame(spans: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": pd.Series([s["country"] for s in spans], dtype=object),
            "start": pd.to_datetime(pd.Series([s["start"] for s in spans], dtype=object)),
            "end": pd.to_datetime(pd.Series([s["end"] for s in spans], dtype=object)),
        }
    ).astype({"start": "datetime64[ns]", "end": "datetime64[ns]"})
