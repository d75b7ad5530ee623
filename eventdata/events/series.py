"""The one input adapter: events, a count table or a Series, as one count series.

The time-series tests (interrupted time series, alerts) take what a user has: event records,
a table from :func:`eventdata.counts` or a Series of counts. They pass it through
:func:`count_series` and then check it with :func:`check_counts` and :func:`check_regular`,
so every test reads its input the same way and says the same thing when it is wrong.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.core.periods import as_freq
from eventdata.events.counts import counts

__all__ = ["check_counts", "check_regular", "count_series"]


def count_series(
    data: pd.Series | pd.DataFrame, *, freq: str | None = None, value: str = "events"
) -> pd.Series:
    """A count Series indexed by period, from events, a count table or a Series.

    Parameters
    ----------
    data : pandas.Series or pandas.DataFrame
        A Series of counts indexed by period (returned as given); a table from
        :func:`eventdata.counts` for one group (``date`` and ``count`` or ``fatalities``
        columns); or event records (an ``event_date`` column), counted at ``freq``.
    freq : {"D", "W", "M", "Y"}, optional
        The period events are counted in (default ``"D"``). Only used for event records.
    value : {"events", "fatalities"}, default "events"
        What event records are counted as.

    Returns
    -------
    pandas.Series
        Counts (float where the source did not cover a period: NaN), indexed by period.

    Raises
    ------
    EventDataError
        If a table is neither events nor a count table, or holds several groups.

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.load_seed_incidents()
    >>> int(count_series(events, freq="M").sum())  # the week-dated event too
    6
    """
    if not isinstance(data, pd.DataFrame):
        return data
    if "event_date" in data.columns and "date" not in data.columns:
        table = counts(data, freq=as_freq(freq or "D"), value=value)
        column = "count" if value == "events" else "fatalities"
        return table.set_index("date")[column]
    column = next((c for c in ("count", "fatalities") if c in data.columns), None)
    if "date" not in data.columns or column is None:
        raise EventDataError(
            "a count table needs a 'date' column and a 'count' (or 'fatalities') column, "
            f"as ed.counts gives; this one has {', '.join(map(str, data.columns))}"
        )
    groups = [c for c in data.columns if c not in ("date", column)]
    n_groups = len(data[groups].drop_duplicates()) if groups else 1
    if n_groups > 1:
        raise EventDataError(
            f"the count table holds {n_groups} series (by {', '.join(groups)}): "
            "analyse one group (table[table[column] == name]) or count without by="
        )
    return data.set_index("date")[column]


def check_counts(series: pd.Series, *, missing: bool = False) -> np.ndarray:
    """The counts as floats, after checking they are counts in time order.

    Parameters
    ----------
    series : pandas.Series
        Counts indexed by period.
    missing : bool, default False
        Whether NaN (a period the source did not cover) is allowed.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(len(series),)``.

    Raises
    ------
    EventDataError
        If the series is not a Series, is empty, holds non-numbers, negative, infinite or
        (unless ``missing``) missing counts, or its index is not unique and increasing.

    Examples
    --------
    >>> check_counts(pd.Series([1, 0, 2]))
    array([1., 0., 2.])
    """
    if not isinstance(series, pd.Series):
        raise EventDataError(
            "series must be a pandas Series of counts indexed by period, in time order "
            "(from a count table: table.set_index('date')['count'])"
        )
    if len(series) == 0:
        raise EventDataError("the series is empty")
    try:
        values = series.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise EventDataError(f"the series must hold numbers, not {series.dtype}") from error
    if not np.isfinite(values[~np.isnan(values)] if missing else values).all() or (
        missing and np.isnan(values).all()
    ):
        raise EventDataError(
            "the series has missing or infinite counts: NaN marks periods its source did "
            "not cover (see ed.counts' coverage=), which must not be read as 0; analyse a "
            "covered stretch (series.loc[start:end])"
        )
    if (values[~np.isnan(values)] < 0).any():
        raise EventDataError("the series has negative counts")
    if not series.index.is_unique or not series.index.is_monotonic_increasing:
        raise EventDataError("the series index must be unique and increasing (time order)")
    return values


def check_regular(index: pd.Index) -> None:
    """Raise unless the index steps evenly (positions then measure time).

    Raises
    ------
    EventDataError
        If the index holds neither dates, periods nor numbers, or its steps differ.

    Examples
    --------
    >>> check_regular(pd.date_range("2022-01-01", periods=4))
    >>> check_regular(pd.DatetimeIndex(["2022-01-01", "2022-01-02", "2022-01-05"]))
    Traceback (most recent call last):
    ...
    eventdata.core.errors.EventDataError: the series index is not evenly spaced: ...
    """
    n = len(index)
    if isinstance(index, pd.PeriodIndex):
        regular = index.equals(pd.period_range(index[0], periods=n, freq=index.freq))
    elif isinstance(index, pd.DatetimeIndex):
        regular = n < 3 or index.freq is not None or _inferred(index)
    elif pd.api.types.is_numeric_dtype(index.dtype):
        steps = np.diff(index.to_numpy(dtype="float64"))
        regular = n < 3 or bool(np.allclose(steps, steps[0]))
    else:
        raise EventDataError(
            f"the series index must hold dates, periods or numbers, not {index.dtype}"
        )
    if not regular:
        raise EventDataError(
            "the series index is not evenly spaced: zero-fill the calendar (ed.counts does)"
        )


def _inferred(index: pd.DatetimeIndex) -> bool:
    """Whether pandas finds any step (ours or not) in a date index."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.infer_freq(index) is not None
