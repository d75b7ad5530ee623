"""What a stored dataset holds, and one way to read the columns a computation needs.

Analyses take events as a frame, a dataset folder (or file) written by eventdata, or an
:class:`~eventdata.store.EventStore`. :func:`read_columns` turns any of the three into a
frame of the columns needed (a store reads only those); :func:`open_dataset` describes a
dataset from its manifest without reading its data (its files, columns, dtypes and
coverage), for code that reads it piece by piece (:func:`eventdata.counts` out of core).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from eventdata.core.options import require_columns
from eventdata.store._guard import guarded
from eventdata.store._layout import Layout, layout_coverage, open_layout
from eventdata.store._types import dtype_of
from eventdata.store.mirror import EventStore
from eventdata.store.parquet import read_parquet

__all__ = ["StoredDataset", "guarded", "is_stored", "open_dataset", "read_columns"]


@dataclass(frozen=True)
class StoredDataset:
    """A dataset written by eventdata, as its manifest (or file metadata) describes it.

    Attributes
    ----------
    root : pathlib.Path
        The folder of the dataset (for a single file, the folder holding it).
    files : tuple of pathlib.Path
        The live data files, the ones the manifest names (a concurrent writer's new
        files are not among them).
    partition_by : tuple of str
        The partition columns (their values live in the folder names).
    dtypes : dict
        Every column's pandas dtype as a read gives it back, in stored order.
    """

    root: Path
    files: tuple[Path, ...]
    partition_by: tuple[str, ...]
    dtypes: dict[str, Any]
    _layout: Layout = field(repr=False, compare=False)

    @property
    def columns(self) -> list[str]:
        """The stored columns, in stored order."""
        return list(self.dtypes)

    def coverage(self) -> list[dict[str, Any]]:
        """The days the data covers, per country, as ``read_parquet`` records them in
        ``attrs["coverage"]`` (the recorded spans, else each country's first..last day)."""
        return layout_coverage(self._layout)


def is_stored(data: Any) -> bool:
    """Whether ``data`` names a stored dataset (a path or an EventStore), not a frame.

    Examples
    --------
    >>> is_stored("events/"), is_stored(pd.DataFrame())
    (True, False)
    """
    return isinstance(data, str | os.PathLike | EventStore)


@guarded("opening the dataset")
def open_dataset(data: str | os.PathLike | EventStore) -> StoredDataset:
    """Describe a dataset folder or file written by eventdata, or a store, without reading it.

    Parameters
    ----------
    data : path or EventStore

    Returns
    -------
    StoredDataset

    Raises
    ------
    StoreError
        When the path holds no dataset written by eventdata (or a damaged one).

    Examples
    --------
    >>> import tempfile
    >>> import eventdata as ed
    >>> events = ed.datasets.load_seed_incidents()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = ed.write_parquet(events, folder)
    ...     dataset = open_dataset(folder)
    >>> len(dataset.files), dataset.partition_by, str(dataset.dtypes["event_date"])
    (2, ('country', 'year'), 'datetime64[ns]')
    """
    layout = open_layout(data.path if isinstance(data, EventStore) else data)
    return StoredDataset(
        root=layout.root,
        files=tuple(layout.root / p["path"] for p in layout.partitions),
        partition_by=layout.partition_by,
        dtypes={name: dtype_of(spec) for name, spec in layout.specs.items()},
        _layout=layout,
    )


def read_columns(
    data: pd.DataFrame | str | os.PathLike | EventStore,
    columns: Sequence[str],
    *,
    optional: Sequence[str] = (),
) -> pd.DataFrame:
    """The columns a computation needs, from a frame, a dataset path or an EventStore.

    Parameters
    ----------
    data : pandas.DataFrame, path or EventStore
        Events in memory, or a dataset written by eventdata (only the columns asked for
        are read from it).
    columns : sequence of str
        Columns needed: missing ones are an error, the same for a frame and a store.
    optional : sequence of str
        Columns used when present (``fatalities``, ``time_precision``, ...).

    Returns
    -------
    pandas.DataFrame
        Those columns (``columns`` then the ``optional`` ones present, each once), with
        the frame's ``attrs`` or, from a store, ``attrs["coverage"]``.

    Raises
    ------
    EventDataError
        When a needed column is missing.
    StoreError
        When the path holds no dataset written by eventdata.

    Examples
    --------
    >>> import tempfile
    >>> import eventdata as ed
    >>> events = ed.datasets.load_seed_incidents()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = ed.write_parquet(events, folder)
    ...     stored = read_columns(folder, ["event_date"], optional=["fatalities", "nope"])
    >>> list(stored.columns), len(stored)
    (['event_date', 'fatalities'], 6)
    >>> list(read_columns(events, ["country"], optional=["fatalities"]).columns)
    ['country', 'fatalities']
    """
    wanted = list(dict.fromkeys([*columns, *optional]))
    if not is_stored(data):
        require_columns(data, *columns)
        return data[[c for c in wanted if c in data.columns]]
    stored = open_dataset(data).columns
    require_columns(pd.DataFrame(columns=stored), *columns)
    return read_parquet(
        data.path if isinstance(data, EventStore) else data,
        columns=[c for c in wanted if c in stored],
    )
