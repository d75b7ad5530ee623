"""Frames known to be valid: validated once, trusted until they change.

:func:`eventdata.validate` (and so every reader and the API client) and the store's reads
mark the frames they return with :func:`mark_valid`; :func:`known_valid` tells the store
that a frame given to it is one of those, unchanged, so that it is not validated a
second time. Nothing is stored on the frame itself (its ``attrs`` stay the user's): a
registry keeps, for each marked frame, a weak reference to it, the schema it was
validated against, its columns and dtypes, and where each column's values lie in memory.

A frame is trusted only while it is the very object marked, with the same columns and
dtypes and its values at the same place in memory. Any derived frame (a copy, a
selection, ``assign``, ``concat``, a pickle) is a new object and is validated again. An
edit in place (``frame.loc[3, "fatalities"] = -5``) is seen too: the registry holds a
shallow copy of the frame, so that under pandas' copy-on-write an edit of the frame
copies the edited column first, moving its values elsewhere in memory. A column whose
values cannot be located (an extension type other than pandas' own) makes the frame
untrusted: it is validated again, as before.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["known_valid", "mark_valid"]

_NUMPY_BACKED = (pd.arrays.NumpyExtensionArray, pd.arrays.DatetimeArray, pd.arrays.TimedeltaArray)
_MASKED = (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)


@dataclass(frozen=True)
class _Mark:
    frame: weakref.ref
    schema: Any
    held: pd.DataFrame  # a shallow copy: an edit of the frame in place copies first
    columns: tuple
    dtypes: tuple
    rows: int
    places: tuple


#: id of a marked frame -> its mark (removed when the frame is garbage collected).
_MARKS: dict[int, _Mark] = {}


def mark_valid(frame: pd.DataFrame, schema: Any) -> pd.DataFrame:
    """Record that ``frame`` was validated against ``schema``; return the frame.

    Examples
    --------
    >>> from eventdata.core.schema import ACLED_SCHEMA
    >>> frame = pd.DataFrame({"fatalities": pd.array([1, 2], dtype="Int64")})
    >>> known_valid(mark_valid(frame, ACLED_SCHEMA), ACLED_SCHEMA)
    True
    """
    places = _places(frame)
    if places is None:
        return frame
    key = id(frame)
    _MARKS[key] = _Mark(
        frame=weakref.ref(frame, lambda _, key=key: _MARKS.pop(key, None)),
        schema=schema,
        held=frame.copy(deep=False),
        columns=tuple(frame.columns),
        dtypes=tuple(frame.dtypes),
        rows=len(frame),
        places=places,
    )
    return frame


def known_valid(frame: Any, schema: Any) -> bool:
    """Whether ``frame`` was validated against ``schema`` and has not changed since.

    Parameters
    ----------
    frame : object
        Anything; only a frame marked by :func:`mark_valid` can be known valid.
    schema : IncidentSchema
        The schema (the very object) the frame must have been validated against.

    Returns
    -------
    bool

    Examples
    --------
    >>> import eventdata as ed
    >>> from eventdata.core.schema import ACLED_SCHEMA
    >>> events = ed.validate(ed.datasets.load_seed_incidents())
    >>> known_valid(events, ACLED_SCHEMA), known_valid(events.copy(), ACLED_SCHEMA)
    (True, False)
    >>> events.loc[0, "fatalities"] = -5
    >>> known_valid(events, ACLED_SCHEMA)
    False
    """
    mark = _MARKS.get(id(frame))
    if mark is None or mark.frame() is not frame or mark.schema is not schema:
        return False
    same = (
        len(frame) == mark.rows
        and tuple(frame.columns) == mark.columns
        and tuple(frame.dtypes) == mark.dtypes
        and _places(frame) == mark.places
    )
    if not same:
        _MARKS.pop(id(frame), None)  # changed for good: release the shallow copy
    return same


def _places(frame: pd.DataFrame) -> tuple | None:
    """Where each column's values lie in memory, or None when a column's cannot be told."""
    if not isinstance(frame, pd.DataFrame) or not frame.columns.is_unique:
        return None
    places = []
    for name in frame.columns:
        place = _place(frame[name].array)
        if place is None:
            return None
        places.append(place)
    return tuple(places)


def _place(values: Any) -> tuple | None:
    if isinstance(values, pd.Categorical):
        return (_address(values.codes),)
    if isinstance(values, _NUMPY_BACKED):
        return (_address(np.asarray(values)),)
    if isinstance(values, _MASKED):  # its values (an edit of the mask copies them too)
        return (values.__arrow_array__().buffers()[1].address,)
    if isinstance(values, pd.arrays.ArrowExtensionArray):
        chunked = values.__arrow_array__()
        return tuple(b.address for c in chunked.chunks for b in c.buffers() if b is not None)
    return None


def _address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]
