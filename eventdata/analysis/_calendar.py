"""The anniversary calendar: dates, windows, tested years, and the checks of their arguments.

Shared by :mod:`~eventdata.analysis.anniversary`, :mod:`~eventdata.analysis.event_study` and
:mod:`~eventdata.analysis.rate_ratio`. Positions are day offsets from the first day of the
daily series; an anchor is the position of an anniversary in one year.
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from eventdata.core.errors import InsufficientDataError, WindowOverlapWarning

Alternative = Literal["increase", "decrease", "two-sided"]
# the alternatives as statsmodels names them
ALTERNATIVES = {"increase": "larger", "decrease": "smaller", "two-sided": "two-sided"}
# the multiple-testing corrections as statsmodels' multipletests names them
CORRECTIONS = {"bh": "fdr_bh", "holm": "holm", "bonferroni": "bonferroni", "none": None}
METHODS = (
    "auto",
    "placebo",
    "negbin",
    "quasipoisson",
    "poisson-etest",
    "poisson-exact",
    "poisson-score",
)


def anniversary_anchors(
    days: pd.DatetimeIndex, month: int, day: int
) -> tuple[np.ndarray, np.ndarray]:
    """Years and day positions (may fall outside the series) of an anniversary."""
    years, positions = [], []
    first = days[0]
    for year in range(first.year - 1, days[-1].year + 2):
        try:
            date = pd.Timestamp(year=year, month=month, day=day)
        except ValueError:  # 29 February in a common year
            continue
        years.append(year)
        positions.append((date - first).days)
    return np.array(years, dtype=int), np.array(positions, dtype=int)


def years_to_test(
    days: pd.DatetimeIndex,
    anchor_years: np.ndarray,
    positions: np.ndarray,
    window: tuple[int, int],
    years: Sequence[int] | None,
    label: str,
    covered: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Years (and anchor positions) whose whole window lies in the series and its coverage
    (see :func:`uncovered_years` for the years a gap in the coverage removes)."""
    inside = (positions + window[0] >= 0) & (positions + window[1] <= len(days) - 1)
    if covered is not None and inside.any():
        whole = wholly_covered(positions, window, covered)
        left_out = anchor_years[inside & ~whole].tolist()
        if (inside & whole).any() or years is not None:
            inside &= whole
        else:
            raise InsufficientDataError(
                f"no year's window {window} around {label} is wholly covered by the source "
                f"(windows of {list(left_out)} fall in gaps): give coverage= or a longer series"
            )
    if not inside.any():
        raise InsufficientDataError(
            f"the series runs {len(days)} days ({days[0].date()} to {days[-1].date()}), "
            f"and no year has the whole window {window} around {label} inside it: the "
            "anniversary test needs a year or more of daily counts (several years for "
            "the placebo test), e.g. counts over the whole period the source covers"
        )
    if years is None:
        return anchor_years[inside], positions[inside]
    wanted = np.isin(anchor_years, list(years))
    missing = sorted(set(years) - set(anchor_years[inside & wanted].tolist()))
    if missing:
        raise InsufficientDataError(
            f"the window around {label} is not wholly inside the covered series in "
            f"{missing}; years that can be tested: {anchor_years[inside].tolist()}"
        )
    return anchor_years[wanted], positions[wanted]


def wholly_covered(positions: np.ndarray, window: tuple[int, int], covered: np.ndarray):
    """Whether each anchor's window (clipped to the series) holds only covered days."""
    blocked = np.concatenate([[0], np.cumsum(~covered)])
    lo = np.clip(positions + window[0], 0, len(covered))
    hi = np.clip(positions + window[1] + 1, 0, len(covered))
    return (blocked[hi] - blocked[lo]) == 0


def uncovered_years(
    anchor_years: np.ndarray,
    positions: np.ndarray,
    window: tuple[int, int],
    covered: np.ndarray,
    years: Sequence[int] | None,
) -> tuple[int, ...]:
    """Years whose window lies in the series but not wholly in its coverage (not tested)."""
    if years is not None:
        return ()
    n = len(covered)
    inside = (positions + window[0] >= 0) & (positions + window[1] <= n - 1)
    whole = wholly_covered(positions, window, covered)
    return tuple(int(t) for t in anchor_years[inside & ~whole])


def window_days(positions: np.ndarray, window: tuple[int, int], n: int) -> np.ndarray:
    """Days within ``window`` of any of ``positions`` (clipped to the series)."""
    marks = np.zeros(n + 1, dtype=int)
    lo = np.clip(positions + window[0], 0, n)
    hi = np.clip(positions + window[1] + 1, 0, n)
    np.add.at(marks, lo, 1)
    np.add.at(marks, hi, -1)
    return np.cumsum(marks)[:n] > 0


def anniversary_label(anniversary: Any) -> Any:
    """A date (``datetime.date``, ``Timestamp``) as its ``"MM-DD"``; other values as given."""
    if isinstance(anniversary, datetime.date):  # Timestamp and datetime are dates too
        return f"{anniversary.month:02d}-{anniversary.day:02d}"
    return anniversary


def parse_anniversary(anniversary: Any) -> tuple[int, int]:
    anniversary = anniversary_label(anniversary)
    try:
        month, day = (int(part) for part in str(anniversary).split("-"))
    except ValueError:
        raise ValueError(
            f"anniversary must be 'MM-DD' or a date, e.g. '01-03', not {anniversary!r}"
        ) from None
    try:
        datetime.date(2020, month, day)  # a leap year: 02-29 is allowed
    except ValueError:
        raise ValueError(
            f"anniversary {anniversary!r} is not a day of the calendar "
            f"(month {month} has no day {day})"
            if 1 <= month <= 12
            else f"anniversary {anniversary!r} is not a day of the calendar (no month {month})"
        ) from None
    return month, day


def warn_overlap(
    labels: Sequence[str], parsed: Sequence[tuple[int, int]], window: tuple[int, int]
) -> None:
    """Warn when the windows of two anniversaries share days (in some year)."""
    width = window[1] - window[0]
    days = [
        datetime.date(2021, m, min(d, 28) if m == 2 else d).timetuple().tm_yday for m, d in parsed
    ]
    for i in range(len(days)):
        for j in range(i + 1, len(days)):
            apart = abs(days[i] - days[j])
            apart = min(apart, 365 - apart)  # across the turn of the year
            if apart <= width:  # a leap day only moves dates apart
                warnings.warn(
                    f"the windows {window} of anniversaries {labels[i]} and {labels[j]} "
                    f"overlap ({apart} days apart): their days count for both, so the "
                    "tests are not independent; test them separately or narrow the window",
                    WindowOverlapWarning,
                    stacklevel=3,
                )


def check_window(window: tuple[int, int]) -> tuple[int, int]:
    try:
        first, last = (int(x) for x in window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be two whole numbers of days, not {window!r}") from None
    if first > last or last - first >= 120:
        raise ValueError(f"window must run forwards and span under 120 days, not {window!r}")
    return first, last


def check_choice(value: str, options: Sequence[str] | dict, name: str) -> None:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, not {value!r}")


def check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level!r}")


def check_options(
    method: str, alternative: str, correction: str, level: float, buffer: int
) -> None:
    """One clear error for an option of the anniversary test out of its range."""
    check_choice(method, METHODS, "method")
    check_choice(alternative, ALTERNATIVES, "alternative")
    check_choice(correction, CORRECTIONS, "correction")
    check_level(level)
    if buffer < 0:
        raise ValueError("buffer must be 0 or more days")
