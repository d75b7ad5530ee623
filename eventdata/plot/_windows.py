"""Anniversary windows: parsed, placed on a date axis or the calendar grid, shaded, and named.

A private module of :mod:`eventdata.plot` (its names serve the plot modules);
:func:`window_days` is also public as :func:`eventdata.plot.window_days`, the
words the plots and the report use for a window.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eventdata.plot._base import ANNIVERSARY_COLOR

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_MMDD = re.compile(r"^(\d{2})-(\d{2})$")


def _parse_anniversaries(anniversary: str | Sequence[str]) -> list[tuple[int, int]]:
    """(month, day) pairs from one "MM-DD" string or several."""
    texts = [anniversary] if isinstance(anniversary, str) else list(anniversary)
    parsed = []
    for text in texts:
        match = _MMDD.match(str(text))
        if not match:
            raise ValueError(f"anniversaries are written 'MM-DD' (e.g. '01-03'), not {text!r}")
        month, day = int(match[1]), int(match[2])
        try:
            pd.Timestamp(year=2000, month=month, day=day)
        except ValueError:
            raise ValueError(f"{text!r} is not a day of the year") from None
        parsed.append((month, day))
    return parsed


def anniversary_windows(
    anniversary: str | Sequence[str],
    window: tuple[int, int],
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Every anniversary window overlapping ``[start, end)``, as ``[first day, day after last)``.

    Windows are clipped to the range; 29 February is skipped in common years.
    """
    first_offset, last_offset = window
    if first_offset > last_offset:
        raise ValueError(f"window must be (first, last) with first <= last, not {window!r}")
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    spans = []
    for month, day in _parse_anniversaries(anniversary):
        for year in range(start.year - 1, end.year + 2):
            try:
                centre = pd.Timestamp(year=year, month=month, day=day)
            except ValueError:  # 29 February in a common year
                continue
            lo = centre + pd.Timedelta(days=first_offset)
            hi = centre + pd.Timedelta(days=last_offset + 1)
            if hi > start and lo < end:
                spans.append((max(lo, start), min(hi, end)))
    return sorted(spans)


def shade_windows(
    ax: Axes,
    spans: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
    *,
    label: str,
    axis: pd.DatetimeIndex | None = None,
) -> list[Any]:
    """Shade date spans behind the data with one legend entry (gid "anniversary-window").

    With ``axis`` (the edges of the x-axis), spans that would cover more than
    half of it are drawn as a strip along the bottom instead: shading a whole
    short axis would say nothing.
    """
    strip = False
    if axis is not None and len(spans):
        covered = sum(((hi - lo) for lo, hi in spans), pd.Timedelta(0)) / (axis[-1] - axis[0])
        strip = covered > 0.5
    patches = []
    for i, (lo, hi) in enumerate(spans):
        # the edge keeps a one-week window visible on a many-year axis
        style: dict[str, Any] = {
            "facecolor": (*ANNIVERSARY_COLOR, 0.3),
            "edgecolor": (*ANNIVERSARY_COLOR, 0.7),
            "linewidth": 0.8,
            "zorder": 0,
        }
        if strip:
            style = {"facecolor": ANNIVERSARY_COLOR, "linewidth": 0, "zorder": 3, "ymax": 0.04}
        patch = ax.axvspan(lo, hi, label=label if i == 0 else "_nolegend_", **style)
        patch.set_gid("anniversary-window")
        patches.append(patch)
    return patches


def window_label(anniversary: str | Sequence[str], window: tuple[int, int]) -> str:
    """Legend text of anniversary windows, e.g. "Anniversary window (01-03, days 0 to +6)"."""
    days = [anniversary] if isinstance(anniversary, str) else list(anniversary)
    noun = "Anniversary window" if len(days) == 1 else "Anniversary windows"
    return f"{noun} ({', '.join(days)}, {window_days(window)})"


def window_days(window: tuple[int, int]) -> str:
    """Days relative to an anniversary in words, as plot titles and legends write them.

    Parameters
    ----------
    window : (int, int)
        First and last day relative to the anniversary, both included.

    Returns
    -------
    str
        "days 0 to +6", or "day -1" for a window of one day.

    Examples
    --------
    >>> from eventdata.plot import window_days
    >>> window_days((0, 6)), window_days((-3, 5)), window_days((-1, -1))
    ('days 0 to +6', 'days -3 to +5', 'day -1')
    """
    first, last = (f"{d:+d}" if d else "0" for d in window)
    return f"day {first}" if window[0] == window[1] else f"days {first} to {last}"


def calendar_windows(
    anniversary: str | Sequence[str], window: tuple[int, int]
) -> list[tuple[int, int]]:
    """Anniversary windows as (first, last) columns of the 366-day calendar grid, wrapped."""
    columns = []
    for month, day in _parse_anniversaries(anniversary):
        centre = int(leap_day_of_year(pd.DatetimeIndex([f"2000-{month:02d}-{day:02d}"]))[0])
        first, last = centre + window[0], centre + window[1]
        if last - first >= 365:
            columns.append((0, 365))
        elif first < 0:
            columns += [(0, last), (366 + first, 365)]
        elif last > 365:
            columns += [(first, 365), (0, last - 366)]
        else:
            columns.append((first, last))
    return columns


def leap_day_of_year(dates: pd.DatetimeIndex) -> np.ndarray:
    """0-based position of each date's month and day in a leap year (1 March is 60 every year)."""
    doy = dates.day_of_year.to_numpy() - 1
    return doy + ((~dates.is_leap_year) & (dates.month > 2)).astype(int)
