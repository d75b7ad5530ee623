"""One frequency vocabulary: the periods events are counted in, and how to name them.

Every function that takes ``freq=`` (``counts``, ``dyads``, the anniversary, ITS and alert
tests, the per-province tests) speaks it: ``"D"`` (day), ``"W"`` (week ending Sunday, as
ACLED's weekly files), ``"M"`` (month), ``"Q"`` (quarter) and ``"Y"`` (year). pandas' own
spellings of the same periods (``"MS"``, ``"ME"``, ``"W-SUN"``, ``"QS"``, ``"YS"``, ``"A"``)
are read as these. ``"B"`` (business days) is known for a series a user brings.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = [
    "FREQUENCIES",
    "Frequency",
    "as_freq",
    "format_label",
    "index_freq",
    "label_name",
    "periods_per_year",
]


@dataclass(frozen=True)
class Frequency:
    """One counting period.

    Attributes
    ----------
    code : str
        The code eventdata uses (``"D"``, ``"W"``, ...).
    pandas : str
        The pandas period alias the calendar is built with.
    precision : int
        The coarsest ACLED ``time_precision`` (1 day, 2 week, 3 month) an event can have
        and still be placed in one period of this length.
    per_year : float
        Periods in a year: the seasonal period of a series at this frequency.
    noun : str
        The period's name, for messages ("week").
    """

    code: str
    pandas: str
    precision: int
    per_year: float
    noun: str


FREQUENCIES: dict[str, Frequency] = {
    f.code: f
    for f in (
        Frequency("D", "D", 1, 365.25, "day"),
        Frequency("B", "B", 1, 260.0, "business day"),
        Frequency("W", "W-SUN", 2, 365.25 / 7, "week"),
        Frequency("M", "M", 3, 12.0, "month"),
        Frequency("Q", "Q", 3, 4.0, "quarter"),
        Frequency("Y", "Y", 3, 1.0, "year"),
    )
}
_ALIASES = {
    "MS": "M",
    "ME": "M",
    "QS": "Q",
    "QE": "Q",
    "YS": "Y",
    "YE": "Y",
    "A": "Y",
    "AS": "Y",
}


def as_freq(freq: Any, *, allowed: str = "DWMY") -> str:
    """The eventdata code of a frequency, from its code or a pandas spelling.

    Parameters
    ----------
    freq : str
        ``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"``, ``"B"`` or a pandas alias of one of them
        (``"MS"``, ``"W-SUN"``, ...). Case-insensitive.
    allowed : str, default "DWMY"
        The codes the caller accepts.

    Returns
    -------
    str
        One of ``allowed``.

    Raises
    ------
    ValueError
        If ``freq`` names no period in ``allowed``; the message lists them.

    Examples
    --------
    >>> as_freq("MS"), as_freq("w-sun"), as_freq("D")
    ('M', 'W', 'D')
    >>> as_freq("H")
    Traceback (most recent call last):
    ...
    ValueError: freq must be one of 'D', 'W', 'M', 'Y' (day, week, month, year), not 'H'
    """
    text = str(freq).strip().upper() if isinstance(freq, str) else ""
    base = text.split("-")[0] if text.startswith("W-") else text
    code = _ALIASES.get(base, base)
    if text.startswith("W-") and text != "W-SUN":
        code = ""  # weeks ending on another day than ACLED's are not ours
    if code not in allowed or code not in FREQUENCIES:
        names = ", ".join(repr(c) for c in allowed)
        nouns = ", ".join(FREQUENCIES[c].noun for c in allowed)
        raise ValueError(f"freq must be one of {names} ({nouns}), not {freq!r}")
    return code


def index_freq(index: pd.Index) -> str | None:
    """The eventdata code of a date or period index's step, or None if it has none we name.

    Examples
    --------
    >>> index_freq(pd.date_range("2022-01-02", periods=5, freq="W-SUN"))
    'W'
    >>> index_freq(pd.DatetimeIndex(["2022-01-01", "2022-01-02", "2022-01-05"])) is None
    True
    """
    if isinstance(index, pd.PeriodIndex):
        text = index.freqstr
    elif isinstance(index, pd.DatetimeIndex):
        if index.freq is not None:
            text = index.freqstr
        elif len(index) >= 3:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                inferred = pd.infer_freq(index)
            text = getattr(inferred, "freqstr", inferred)
        else:
            text = None
    else:
        return None
    if not text:
        return None
    try:
        return as_freq(text, allowed="DBWMQY")
    except ValueError:
        return None


def periods_per_year(index: pd.Index) -> float:
    """The seasonal period, in steps, of a series on this index.

    Raises
    ------
    ValueError
        If the index has no step we can name (give the period yourself).

    Examples
    --------
    >>> periods_per_year(pd.period_range("2020-01", periods=24, freq="M"))
    12.0
    """
    code = index_freq(index)
    if code is None:
        raise ValueError(
            "give the seasonal period in steps of the series, e.g. period=12 for monthly "
            "counts (it cannot be read from this index)"
        )
    return FREQUENCIES[code].per_year


def label_name(index: pd.Index) -> str:
    """The name of a series' period labels, for a table's column.

    Examples
    --------
    >>> label_name(pd.date_range("2022-01-01", periods=2)), label_name(pd.RangeIndex(2))
    ('date', 'period')
    """
    if index.name is not None:
        return str(index.name)
    return "date" if isinstance(index, pd.DatetimeIndex) else "period"


def format_label(label: Any) -> str:
    """A period label for text: dates without a time of day as YYYY-MM-DD.

    Examples
    --------
    >>> format_label(pd.Timestamp("2022-01-03")), format_label(pd.Period("2022-01", "M"))
    ('2022-01-03', '2022-01')
    """
    if isinstance(label, pd.Timestamp) and label == label.normalize():
        return label.date().isoformat()
    return str(label)
