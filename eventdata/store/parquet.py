"""Parquet files and dataset folders: written from a validated frame, read back exactly.

:func:`write_parquet` and :func:`read_parquet` store a validated frame as
Parquet and give it back exactly (same rows, values and dtypes, categoricals
with their full codebook vocabularies). A dataset is a folder of hive-style
partitions (``country=Iraq/year=2022/part-<uuid>.parquet``), rows sorted by
``event_date`` within each file, so that filters read only the matching files
(partition pruning) and row groups (``event_date`` statistics). :func:`export`
writes one file for sharing.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from eventdata.core.errors import StoreError
from eventdata.core.schema import ACLED_SCHEMA, IncidentSchema
from eventdata.core.validity import known_valid
from eventdata.io.acled_csv import write_acled
from eventdata.store._commit import (
    ROW_GROUP_SIZE,
    WORKERS,
    Change,
    Encoded,
    encode_file,
    encode_partition,
    now,
    provenance,
    split_tables,
    stored_keys,
    write_file,
)
from eventdata.store._groups import (
    DEFAULT_PARTITION_BY,
    check_partition_by,
    default_partition_by,
    group_rows,
)
from eventdata.store._guard import check_folder, export_format, guarded
from eventdata.store._layout import Layout, manifest_layout, read_dataset, read_layout
from eventdata.store._log import StoreChange
from eventdata.store._manifest import WriterLock, load_manifest, remove_orphans
from eventdata.store._plan import lookup
from eventdata.store._spans import frame_spans
from eventdata.store._types import (
    ID,
    SORT_KEYS,
    TIMESTAMP,
    choose_schema,
    column_specs,
    from_pandas,
    stored_schema,
    stored_types,
    validated,
)


@guarded("write_parquet")
def write_parquet(
    events: pd.DataFrame,
    path: str | os.PathLike,
    *,
    partition_by: Sequence[str] | None = DEFAULT_PARTITION_BY,
    row_group_size: int = ROW_GROUP_SIZE,
    schema: str | IncidentSchema | None = None,
) -> Path:
    """Validate a frame and write it as Parquet, to be read back exactly.

    Parameters
    ----------
    events : pandas.DataFrame
        ACLED records (typed or as read from a CSV); validated first, and nothing
        is written when a row fails. Columns outside the schema are kept.
    path : path
        With ``partition_by``: a folder (created, or an eventdata dataset that is
        replaced atomically). With ``partition_by=()`` or ``None``: one file.
    partition_by : sequence of str
        Text or integer columns without missing values, one folder level each
        (default ``("country", "year")``).
    row_group_size : int
        Rows per row group (smaller: date filters skip more of a file).
    schema : str or IncidentSchema, optional
        The source schema (``"acled"``, ``"ucdp_ged"``, ``"incident"``, ``"core"``);
        default: found from the columns. Recorded with the data. Sources without
        ``year`` are partitioned by ``country`` alone by default.

    Returns
    -------
    pathlib.Path
        The folder or file written.

    Raises
    ------
    ValidationError
        When rows break the schema (nothing is written).
    StoreError
        When ``path`` is a folder holding other files, inside or around another
        store, a column cannot be stored, or the disk or folder refuses the write
        (the previous state is kept).

    Notes
    -----
    Writing over an existing store replaces its rows, but never undoes what it
    recorded: a row whose id was deleted at or after its ``timestamp`` is skipped,
    and a stored row newer than the one given is kept; both are counted as
    ``stale`` in the returned store's :meth:`EventStore.log`. The coverage of the
    frame (see :class:`EventStore`) is recorded.

    Examples
    --------
    >>> import tempfile
    >>> import eventdata as ed
    >>> events = ed.datasets.load_seed_incidents()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = write_parquet(events, folder)
    ...     back = read_parquet(folder)
    ...     folders = sorted(p.name for p in Path(folder).glob("country=*"))
    >>> folders
    ['country=Iraq', 'country=Syria']
    >>> back.equals(events.sort_values(["event_date", "event_id_cnty"], ignore_index=True))
    True
    """
    path = Path(path)
    source = choose_schema(events, schema)
    if partition_by and path.is_dir():
        load_manifest(path)  # a damaged store is reported before any work
    with ThreadPoolExecutor(WORKERS) as pool:
        typed, check = _typed(events, pool, source)
        try:
            if partition_by is DEFAULT_PARTITION_BY:
                partition_by = default_partition_by(typed)
            partition_by = check_partition_by(typed, partition_by or ())
            table = from_pandas(typed)
            if not partition_by and path.is_dir():
                raise StoreError(f"{path} is a folder; give a file name to write one file")
            if partition_by:
                check_folder(path)
        except StoreError as error:
            problem: StoreError | None = error
        else:
            problem = None
        if problem is not None:
            check()  # invalid rows are reported first, as when validating first
            raise problem
        columns = column_specs(typed)
        coverage = frame_spans(events, typed)
        if not partition_by:
            sorted_table = stored_types(table).sort_by(SORT_KEYS)
            meta = provenance(columns, (), len(typed), source) | {"coverage": coverage}
            encoded = encode_file(sorted_table, meta, row_group_size)
            check()
            path.parent.mkdir(parents=True, exist_ok=True)
            write_file(path, encoded)
            return path
        # Files are encoded in memory while the frame is checked; nothing reaches
        # the disk before the check passes.
        encode = functools.partial(
            _encode_frame,
            columns=columns,
            partition_by=partition_by,
            row_group_size=row_group_size,
            source=source,
        )
        groups, encoded_files = encode(typed, table, pool)
        try:
            check()
        except BaseException:
            for _, job in encoded_files:
                job.cancel()
            raise
        path.mkdir(parents=True, exist_ok=True)
        with WriterLock(path):
            old = load_manifest(path)
            remove_orphans(path, old, partition_by)
            # Deletions and newer stored versions survive a rewrite.
            keep = _Rewrite.make(path, old, typed)
            if keep.stale:
                for _, job in encoded_files:
                    job.cancel()
                typed = keep.frame(typed)
                table = from_pandas(typed)
                groups, encoded_files = encode(typed, table, pool)
            schema_ = stored_schema(table)
            gone = [(k, schema_.empty_table) for k in stored_keys(old) if k not in groups]
            change = Change(path, old, columns, schema_, partition_by, row_group_size, source)
            when = now()
            change.commit(
                [*((key, job.result) for key, job in encoded_files), *gone],
                lambda rows, parts: StoreChange(
                    "write",
                    when,
                    added=len(typed) - keep.kept,
                    stale=keep.stale,
                    rows=rows,
                    partitions=parts,
                ),
                deleted=keep.tombstones,
                coverage=coverage,
            )
    return path


def _encode_frame(
    typed: pd.DataFrame,
    table: pa.Table,
    pool: ThreadPoolExecutor,
    *,
    columns: list[dict[str, Any]],
    partition_by: tuple[str, ...],
    row_group_size: int,
    source: IncidentSchema,
) -> tuple[dict[tuple, np.ndarray], list[tuple[tuple, Any]]]:
    """Each partition's rows, and a job encoding its file (see :func:`split_tables`)."""
    groups = group_rows(typed, partition_by)
    jobs = [
        (
            key,
            pool.submit(_encode_built, build, key, columns, partition_by, row_group_size, source),
        )
        for key, build in split_tables(table, groups, partition_by)
    ]
    return groups, jobs


@dataclass(frozen=True)
class _Rewrite:
    """What a rewrite by :func:`write_parquet` keeps of the store it replaces.

    Recorded deletions stay: a row whose id was deleted at or after its
    ``timestamp`` is skipped. A stored row newer than the row given for its id
    is kept in its place. Both count as stale.
    """

    tombstones: dict[str, int]
    skipped: np.ndarray  # incoming rows not written (bool mask)
    newer: list[str]  # ids whose stored row is kept
    layout: Layout | None

    @property
    def stale(self) -> int:
        return int(self.skipped.sum())

    @property
    def kept(self) -> int:
        return len(self.newer)

    @classmethod
    def make(cls, root: Path, old: dict[str, Any] | None, typed: pd.DataFrame) -> _Rewrite:
        none = np.zeros(len(typed), dtype=bool)
        if old is None:
            return cls({}, none, [], None)
        layout = manifest_layout(root, old)
        tombstones = dict(old.get("deleted", {}))
        ids = pd.Index(typed[ID].astype(object))
        has_ts = TIMESTAMP in typed.columns and TIMESTAMP in layout.schema.names
        ts = pd.array(typed[TIMESTAMP] if has_ts else [0] * len(typed), dtype="Int64")
        buried_ts = pd.array(pd.Series(tombstones, dtype="Int64").reindex(ids), dtype="Int64")
        buried = (ts <= buried_ts).fillna(False).to_numpy(dtype=bool)
        newer = none
        if has_ts and layout.partitions:
            stored = lookup(layout, ids.tolist())
            prior = pd.array(stored["ts"].reindex(ids), dtype="Int64")
            newer = (prior > ts).fillna(False).to_numpy(dtype=bool)
        skipped = buried | newer
        for event_id in ids[~skipped]:
            tombstones.pop(event_id, None)
        return cls(tombstones, skipped, ids[newer & ~buried].tolist(), layout)

    def frame(self, typed: pd.DataFrame) -> pd.DataFrame:
        """The rows to write: the given ones not skipped, and the newer stored ones."""
        kept = typed.loc[~self.skipped]
        if not self.newer or self.layout is None:
            return kept.reset_index(drop=True)
        expression = ds.field(ID).isin(pa.array(self.newer, pa.large_string()))
        stored = read_layout(self.layout, expression, None)
        try:
            stored = stored.reindex(columns=typed.columns).astype(typed.dtypes.to_dict())
        except (TypeError, ValueError) as exc:
            raise StoreError(
                f"{self.layout.root}: stored rows newer than the rows given cannot be kept in "
                f"the new columns ({exc}); remove the store first to replace it"
            ) from None
        return pd.concat([kept, stored], ignore_index=True)


def _typed(
    events: pd.DataFrame, pool: ThreadPoolExecutor, source: IncidentSchema
) -> tuple[pd.DataFrame, Callable[[], None]]:
    """The frame as :func:`validated` returns it, and the check still to make.

    A frame whose columns already have the schema's dtypes is returned as it is
    (validation would return it unchanged) and validated by ``pool`` meanwhile,
    so that its files can be encoded at the same time: the check waits for that
    validation (raising its :class:`~eventdata.ValidationError`). Other frames are
    validated (typed) at once, and the check does nothing. A frame known valid
    (:func:`eventdata.core.validity.known_valid`) is not validated again.
    """
    if known_valid(events, source):
        return events.reset_index(drop=True), lambda: None
    typed_already = (
        isinstance(events, pd.DataFrame)
        and events.columns.is_unique
        and all(
            name in events.columns and events[name].dtype == dtype
            for name, dtype in source.dtypes.items()
        )
    )
    if not typed_already:
        return validated(events, source), lambda: None
    validation = pool.submit(validated, events, source)

    def check() -> None:
        validation.result()

    return events.reset_index(drop=True), check


def _encode_built(
    build: Callable[[], pa.Table],
    key: tuple,
    columns: list[dict[str, Any]],
    partition_by: tuple[str, ...],
    row_group_size: int,
    source: IncidentSchema,
) -> Encoded:
    """Build a partition's table and encode its file."""
    return encode_partition(build(), key, columns, partition_by, row_group_size, source)


@guarded("read_parquet")
def read_parquet(
    path: str | os.PathLike,
    *,
    countries: str | Iterable[str] | None = None,
    start: Any = None,
    end: Any = None,
    event_types: str | Iterable[str] | None = None,
    admin1: str | Iterable[str] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read a dataset folder or file written by eventdata, with filters pushed down.

    Only the partitions that can match are opened (``country``, and ``year`` from
    ``start``/``end``), and in them only the row groups whose ``event_date``
    statistics overlap the period.

    Parameters
    ----------
    path : path
        A folder written by :func:`write_parquet` or :class:`EventStore`, or a file.
    countries, event_types, admin1 : str or sequence of str, optional
        Keep rows with one of these values. Event types must be codebook ones.
    start, end : date-like, optional
        First and last day of ``event_date`` (both included; a time of day is ignored).
    columns : sequence of str, optional
        Columns to return (default: all, in the order written).

    Returns
    -------
    pandas.DataFrame
        The matching rows with the dtypes they were written with (categoricals
        with their full vocabularies), sorted by ``event_date`` and ``event_id_cnty``.
        ``attrs["coverage"]``: the days covered by the data of the countries read,
        cut to ``start``/``end`` (format: see :class:`EventStore`).

    Raises
    ------
    StoreError
        When the path holds no eventdata dataset, was written with an incompatible
        schema version, or a filter is invalid.

    Examples
    --------
    >>> import tempfile
    >>> import eventdata as ed
    >>> events = ed.datasets.load_seed_incidents()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = write_parquet(events, folder)
    ...     later = read_parquet(folder, countries="Iraq", start="2022-01-04")
    >>> later["event_id_cnty"].tolist()
    ['SEED-IRQ-002', 'SEED-IRQ-003']
    """
    filters = dict(
        countries=countries, start=start, end=end, event_types=event_types, admin1=admin1
    )
    return read_dataset(path, columns, filters)


@guarded("export")
def export(events: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write events to one file for sharing; the format follows the extension.

    ``.parquet``: one file with provenance metadata, read back exactly by
    :func:`read_parquet` (and by any Parquet reader). ``.csv``: an ACLED-style
    export (see :func:`write_acled`), read back by :func:`eventdata.read_acled`.

    Examples
    --------
    >>> import tempfile
    >>> import eventdata as ed
    >>> events = ed.datasets.load_seed_incidents()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     back = read_parquet(export(events, Path(folder) / "seed.parquet"))
    >>> back.equals(events.sort_values(["event_date", "event_id_cnty"], ignore_index=True))
    True
    """
    if export_format(path) == ".csv":
        missing = [n for n, f in ACLED_SCHEMA.fields.items() if f.required and n not in events]
        if missing:  # a UCDP GED or hand-coded store: its columns are not ACLED's
            raise StoreError(
                f"{Path(path).name}: a .csv export is an ACLED export, and these events lack "
                f"ACLED's {', '.join(missing[:5])}{'...' if len(missing) > 5 else ''} "
                "(another source's events?): export them to .parquet, which keeps any source"
            )
        return write_acled(events, path)
    return write_parquet(events, path, partition_by=())
