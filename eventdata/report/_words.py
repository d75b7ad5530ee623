"""The words the report's pages and its builder share: days, windows, selections."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["day_text", "selection_text"]

#: Selection keys -> the words that introduce them ("countries Iraq; from 2020-01-01").
_SELECTION_WORDS = {
    "countries": "countries",
    "event_types": "event types",
    "actors": "actors matching",
    "start": "from",
    "end": "to",
}


def day_text(day: pd.Timestamp) -> str:
    """A day as the report writes it.

    Examples
    --------
    >>> day_text(pd.Timestamp("2022-01-03"))
    '3 January 2022'
    """
    return f"{day.day} {day:%B %Y}"


def selection_text(selection: dict[str, Any]) -> str:
    """The filters of a selection in words (``None`` filters are left out).

    Examples
    --------
    >>> selection_text({"countries": ["Iraq", "Syria"], "actors": None, "start": "2020-01-01"})
    'countries Iraq, Syria; from 2020-01-01'
    >>> selection_text({"countries": None})
    'all events'
    """
    parts = []
    for key, word in _SELECTION_WORDS.items():
        value = selection.get(key)
        if value is None:
            continue
        shown = value if isinstance(value, str) else ", ".join(map(str, value))
        parts.append(f"{word} {shown}")
    return "; ".join(parts) or "all events"
