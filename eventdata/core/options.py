"""Checking the values users pass as filters: one or several names, a day.

Every function that selects events (:func:`eventdata.filter_events`,
:func:`eventdata.read_parquet`, :meth:`eventdata.io.acled_api.Client.events`, ...) takes
names as one string or a sequence of strings, and days as anything
:class:`pandas.Timestamp` reads. These helpers turn them into lists and days,
or raise one clear error naming the option.

Examples
--------
>>> as_names("Iraq", "countries")
['Iraq']
>>> as_day("2022-01-03 17:45", "start")
Timestamp('2022-01-03 00:00:00')
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError

__all__ = ["as_day", "as_names", "check_known", "require_columns"]


def as_names(
    value: str | Iterable[str], what: str, *, error: type[Exception] = EventDataError
) -> list[str]:
    """One name or several, as a list of text.

    Parameters
    ----------
    value : str or iterable of str
        A name, or names.
    what : str
        The option's name, for the error message.
    error : exception class
        Raised when a value is not text (default :class:`~eventdata.core.errors.EventDataError`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> as_names(("Iraq", "Syria"), "countries")
    ['Iraq', 'Syria']
    >>> as_names(["Iraq", 368], "countries")
    Traceback (most recent call last):
    ...
    eventdata.core.errors.EventDataError: countries must be text, not [368]
    """
    values = [value] if isinstance(value, str) else list(value)
    wrong = [v for v in values if not isinstance(v, str)]
    if wrong:
        raise error(f"{what} must be text, not {wrong[:3]}")
    return values


def as_day(
    value: Any, what: str, *, error: type[Exception] = EventDataError
) -> pd.Timestamp | None:
    """A date-like value as a day (midnight, no time zone); ``None`` stays ``None``.

    Event dates are days, so a time of day is dropped: ``end="2022-01-03 12:00"``
    keeps the events of 3 January.

    Parameters
    ----------
    value : date-like or None
        Text such as ``"2022-01-31"``, a date, datetime or Timestamp.
    what : str
        The option's name, for the error message.
    error : exception class
        Raised when the value is not a date.

    Returns
    -------
    pandas.Timestamp or None

    Examples
    --------
    >>> as_day(None, "end") is None
    True
    >>> as_day("31/31/2022", "end")
    Traceback (most recent call last):
    ...
    eventdata.core.errors.EventDataError: end='31/31/2022' is not a date (write it as YYYY-MM-DD)
    """
    if value is None:
        return None
    try:
        day = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise error(f"{what}={value!r} is not a date (write it as YYYY-MM-DD)") from None
    if pd.isna(day):
        raise error(f"{what} must be a date, not {value!r}")
    day = day.tz_localize(None) if day.tz is not None else day
    return day.normalize()


def require_columns(events: pd.DataFrame, *columns: str | None) -> None:
    """Raise one clear error naming the columns (``None`` skipped) the frame lacks.

    Examples
    --------
    >>> frame = pd.DataFrame({"event_date": [], "country": []})
    >>> require_columns(frame, "event_date", None, "country")
    >>> require_columns(frame, "event_date", "admin1", "fatalities")
    Traceback (most recent call last):
    ...
    eventdata.core.errors.EventDataError: events lack the column(s) admin1, fatalities ...
    """
    missing = [c for c in columns if c is not None and c not in events.columns]
    if missing:
        raise EventDataError(
            f"events lack the column(s) {', '.join(missing)} needed here "
            "(validate them with ed.validate first?)"
        )


def check_known(
    names: Iterable[str],
    known: Iterable[Any],
    what: str,
    *,
    error: type[Exception] = EventDataError,
) -> None:
    """Raise one clear error for the names that are not among the known values.

    Parameters
    ----------
    names : iterable of str
        The names asked for (e.g. ``--country`` values).
    known : iterable
        The values the data hold (missing values are ignored).
    what : str
        What a name is, for the message (``"country"``).
    error : exception class
        Raised for an unknown name (default :class:`EventDataError`).

    Raises
    ------
    error
        ``unknown country 'Iraqq' (did you mean Iraq?)``, naming the closest
        known value when one is close, else listing a few known values.

    Examples
    --------
    >>> check_known(["Iraq"], ["Iraq", "Syria"], "country")
    >>> check_known(["Iraqq"], ["Iraq", "Syria"], "country")
    Traceback (most recent call last):
    ...
    eventdata.core.errors.EventDataError: unknown country 'Iraqq' (did you mean Iraq?)
    """
    values = sorted({str(v) for v in known if not pd.isna(v)})
    for name in names:
        if name in values:
            continue
        close = difflib.get_close_matches(name, values, n=1, cutoff=0.6)
        if not close:  # a difference of case or spaces only
            folded = {v.casefold().strip(): v for v in values}
            close = [folded[k] for k in (name.casefold().strip(),) if k in folded]
        if close:
            hint = f"did you mean {close[0]}?"
        elif values:
            shown = ", ".join(values[:10]) + (", ..." if len(values) > 10 else "")
            hint = f"the data hold: {shown}"
        else:
            hint = "the data hold none"
        raise error(f"unknown {what} {name!r} ({hint})")


def as_rng(seed: Any, what: str = "seed") -> np.random.Generator:
    """A random generator from a ``seed`` option, or one clear error.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        None (fresh entropy), a whole number of at least 0, or a generator (used as is).
    what : str
        The option's name, for the message.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    EventDataError
        If ``seed`` is a negative, fractional or boolean number, or not a number.

    Examples
    --------
    >>> int(as_rng(7).integers(10)) == int(as_rng(7).integers(10))
    True
    >>> as_rng(-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    eventdata.core.errors.EventDataError: seed must be a whole number of at least 0, ...
    """
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise EventDataError(
            f"{what} must be a whole number of at least 0, a numpy Generator or None, not {seed!r}"
        )
    return np.random.default_rng(int(seed))
