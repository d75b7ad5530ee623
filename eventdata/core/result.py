"""The one protocol every result follows, and the base class that gives most of it.

A result (of a test, a model, a validation, a store update or a report) is read the same way
wherever it comes from:

- ``to_frame()``: a tidy :class:`pandas.DataFrame` (one row per unit, period or year tested);
- ``summary()``: a short text a user can paste;
- ``to_dict()``: the headline numbers as JSON-ready Python values, which the report reads;
- ``_repr_html_()``: the notebook view (the headline, then the table);
- ``plot(ax=None)``: a figure on matplotlib axes (results of the analysis layer).

The same thing has the same name on every result: ``rate_ratio``, ``ci`` (a ``(low, high)``
pair), ``pvalue``, ``pvalue_adjusted`` (Benjamini-Hochberg across the tests of one result),
``table`` (the tidy frame ``to_frame`` returns).
"""

from __future__ import annotations

import html
import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Result", "jsonable"]


class _FrameView:
    """``result.table``: the frame :meth:`Result.to_frame` returns.

    A non-data descriptor, so a result that holds a ``table`` field (a dataclass) keeps it.
    """

    def __get__(self, result: Any, owner: type | None = None) -> Any:
        return self if result is None else result.to_frame()


class Result:
    """Base of every eventdata result: subclasses give ``to_frame``, ``summary`` and
    ``_headline_dict``; this class gives ``to_dict``, ``_repr_html_`` and ``table``.

    Examples
    --------
    >>> class Count(Result):
    ...     def to_frame(self):
    ...         return pd.DataFrame({"year": [2021, 2022], "count": [3, 5]})
    ...     def summary(self):
    ...         return "8 events"
    ...     def _headline_dict(self):
    ...         return {"events": np.int64(8), "rate_ratio": float("nan")}
    >>> Count().to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'events': 8, 'rate_ratio': None,
     'table': [{'year': 2021, 'count': 3}, {'year': 2022, 'count': 5}]}
    """

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - every subclass gives it
        raise NotImplementedError

    def summary(self) -> str:  # pragma: no cover - every subclass gives it
        raise NotImplementedError

    def _headline_dict(self) -> dict[str, Any]:
        """The headline numbers (names as in the module docstring); the table is added."""
        return {}

    table = _FrameView()

    def to_dict(self) -> dict[str, Any]:
        """The headline numbers and the table's rows, as JSON-ready Python values.

        NaN, infinity and missing values become None; numpy and pandas scalars become Python ones;
        dates become ISO strings.
        """
        out = {key: jsonable(value) for key, value in self._headline_dict().items()}
        out["table"] = jsonable(self.to_frame())
        return out

    def _headline(self) -> str:
        """The bold line of the notebook view (default: the summary)."""
        return self.summary()

    def _html_tables(self) -> list[pd.DataFrame]:
        """The tables of the notebook view (default: the tidy table)."""
        return [self.to_frame()]

    def _repr_html_(self) -> str:
        body = "".join(
            table.to_html(index=False, float_format=lambda x: f"{x:.4g}")
            for table in self._html_tables()
        )
        return f"<div><p><strong>{html.escape(self._headline())}</strong></p>{body}</div>"


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it: None for NaN, infinity and NA, Python scalars, ISO dates.

    Frames become lists of records; Series, Index, tuples and arrays become lists; a
    timestamp at midnight becomes its day (``"2022-01-03"``). ``json.dumps(...,
    allow_nan=False)`` accepts the result.

    Examples
    --------
    >>> jsonable({"p": np.float64("nan"), "when": pd.Timestamp("2022-01-03"), "ci": (1, np.inf)})
    {'p': None, 'when': '2022-01-03', 'ci': [1, None]}
    """
    if isinstance(value, pd.DataFrame):
        return [jsonable(row) for row in value.to_dict(orient="records")]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray | pd.Series | pd.Index):
        return [jsonable(v) for v in value]
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
