"""Parquet storage: exact round trips, a local ACLED mirror with weekly updates, exports.

:func:`write_parquet` and :func:`read_parquet` store a validated frame as
Parquet and give it back exactly (same rows, values and dtypes, categoricals
with their full codebook vocabularies). A dataset is a folder of hive-style
partitions (``country=Iraq/year=2022/part-<uuid>.parquet``), rows sorted by
``event_date`` within each file, so that filters read only the matching files
(partition pruning) and row groups (``event_date`` statistics).

:class:`EventStore` keeps such a folder as a mirror of ACLED: ``upsert`` applies
an export by ``event_id_cnty`` and ``timestamp`` (a row replaces the stored one
only when it is newer), ``delete`` applies ACLED's deletions, ``log`` lists the
changes. Every write is atomic: data files are immutable, and a small manifest
(``_eventdata.json``) naming the live file of each partition is replaced with
write-to-temp, fsync and ``os.replace``. A crash at any moment leaves the
previous state whole; readers never see a half-written state; leftovers of a
crash are removed on the next open or write.

The folder stays a plain Parquet dataset: pyarrow, DuckDB or Polars read it
without eventdata (hive partitioning), and each file carries its provenance
(schema name and version, eventdata and codebook versions, row count, date and
timestamp ranges) in its key-value metadata under the key ``eventdata``.

Examples
--------
>>> import tempfile
>>> import eventdata as ed
>>> from eventdata.store import EventStore
>>> events = ed.datasets.load_seed_incidents()
>>> with tempfile.TemporaryDirectory() as folder:
...     store = EventStore(folder)
...     change = store.upsert(events)
...     iraq = store.read(countries="Iraq")
>>> change.added, len(iraq), str(iraq["event_date"].dtype)
(6, 3, 'datetime64[ns]')
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime
import errno
import functools
import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from eventdata.core import codebook
from eventdata.core.errors import StoreError, ValidationError
from eventdata.core.options import as_day, as_names
from eventdata.core.schema import ACLED_SCHEMA, SCHEMAS, IncidentSchema
from eventdata.core.validation import FAILURE_COLUMNS, validate
from eventdata.core.version import __version__

__all__ = [
    "EventStore",
    "StoreChange",
    "StoreError",
    "SyncResult",
    "export",
    "read_parquet",
    "write_acled",
    "write_parquet",
]

#: The manifest of a dataset folder: the live file of each partition, the store's
#: metadata, its log and its deletions. Names starting with "_" are skipped by
#: pyarrow's, Spark's and Polars' dataset discovery.
MANIFEST = "_eventdata.json"
LOCK = "_eventdata.lock"
#: Version of the folder layout and manifest (not of the incident schema).
FORMAT_VERSION = 1
#: Key of the provenance record in each Parquet file's key-value metadata.
METADATA_KEY = b"eventdata"
DEFAULT_PARTITION_BY = ("country", "year")
#: Rows per row group: small enough that a date filter skips most of a big
#: country-year file, large enough to keep per-group overhead negligible.
ROW_GROUP_SIZE = 16_384
#: Parquet compression. Snappy, as pandas and DuckDB write by default: zstd (level 1)
#: made files a third smaller (65 MB against 97 MB for 2.5M events) but took 15%
#: longer to write and 25% longer to read back whole.
COMPRESSION = "snappy"
#: Seconds a writer waits for another writer of the same store before giving up.
LOCK_TIMEOUT = 600.0
#: Threads that build and write partitions in parallel.
_WORKERS = min(4, os.cpu_count() or 1)

_ID, _DATE, _TIMESTAMP = "event_id_cnty", "event_date", "timestamp"
_SORT_KEYS = [(_DATE, "ascending"), (_ID, "ascending")]
#: Text columns whose values (nearly) never repeat: written without dictionary
#: encoding, which would hash every value for nothing (the ids' files are also
#: smaller without it).
_UNIQUE_TEXT = frozenset({_ID, "notes"})
_OUR_FILE = re.compile(r"\.?part-[0-9a-f]{32}\.parquet(\.tmp)?")
_OUR_TEMP_MANIFEST = re.compile(r"_eventdata\.json\.[0-9a-f]{32}\.tmp")
_FORMAT = ds.ParquetFileFormat()
_FILESYSTEM = pa.fs.LocalFileSystem()
_LOG_COLUMNS = (
    "when",
    "operation",
    "added",
    "updated",
    "unchanged",
    "stale",
    "deleted",
    "not_found",
    "stale_deletions",
    "rows",
    "partitions",
)


def _checkpoint(name: str) -> None:
    """A named moment of a write; does nothing (tests replace it to crash a writer there).

    The moments, in order: ``"data-written"`` (new data files in place, manifest
    not yet written), ``"manifest-written"`` (temporary manifest written and
    synced, not yet switched), ``"manifest-replaced"`` (the new state is live),
    ``"old-file-removed"`` (after each replaced file is removed).
    """


# --------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class StoreChange:
    """What one write did to a store: one entry of :meth:`EventStore.log`.

    Attributes
    ----------
    operation : {"write", "upsert", "sync", "delete", "compact"}
    when : pandas.Timestamp
        When the change was committed (UTC).
    added, updated : int
        Rows new to the store, and stored rows replaced by a newer version.
    unchanged : int
        Rows whose timestamp equals the stored row's (not rewritten).
    stale : int
        Rows older than the stored row, or than the row's recorded deletion: ignored.
    deleted : int
        Stored rows removed.
    not_found : int
        Deletions naming an id that is not stored.
    stale_deletions : int
        Deletions older than the stored row's timestamp: not applied.
    rows : int
        Rows stored after the change.
    partitions : tuple of str
        Partitions rewritten, as folder names (``country=Iraq/year=2022``).

    Examples
    --------
    >>> change = StoreChange("upsert", pd.Timestamp("2024-05-06", tz="UTC"), added=3, rows=3)
    >>> print(change.summary())
    upsert at 2024-05-06 00:00 UTC: 3 rows stored
      added               3
      updated             0
      unchanged           0
      stale (ignored)     0
      partitions rewritten: 0
    """

    operation: str
    when: pd.Timestamp
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    deleted: int = 0
    not_found: int = 0
    stale_deletions: int = 0
    rows: int = 0
    partitions: tuple[str, ...] = ()

    def _counts(self) -> list[tuple[str, str]]:
        """(label, attribute) of the counts that matter for this operation."""
        upserted = [
            ("added", "added"),
            ("updated", "updated"),
            ("unchanged", "unchanged"),
            ("stale (ignored)", "stale"),
        ]
        deleted = [
            ("deleted", "deleted"),
            ("not found", "not_found"),
            ("stale deletions", "stale_deletions"),
        ]
        if self.operation == "write":  # stale: deleted or newer in the store it replaced
            return [("written", "added")] + ([("stale (ignored)", "stale")] if self.stale else [])
        if self.operation == "delete":
            return deleted
        if self.operation in ("upsert", "sync"):
            has_deletions = self.deleted or self.not_found or self.stale_deletions
            return upserted + (deleted if has_deletions else [])
        return []

    def to_frame(self) -> pd.DataFrame:
        """One row with every count, as in :meth:`EventStore.log`."""
        return _log_frame([_entry_record(self)])

    def summary(self) -> str:
        """A short text report of the change."""
        lines = [
            f"{self.operation} at {self.when:%Y-%m-%d %H:%M} UTC: {self.rows:,} rows stored",
            *(f"  {label:<16}{getattr(self, name):>6,}" for label, name in self._counts()),
        ]
        shown = ", ".join(self.partitions[:6]) + (", ..." if len(self.partitions) > 6 else "")
        lines.append(
            f"  partitions rewritten: {len(self.partitions)}" + (f" ({shown})" if shown else "")
        )
        return "\n".join(lines)

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={getattr(self, name)}" for _, name in self._counts())
        return f"StoreChange({self.operation}: {counts}{', ' if counts else ''}rows={self.rows})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{label}</td><td>{getattr(self, name):,}</td></tr>"
            for label, name in self._counts()
        )
        return (
            f"<p><b>{self.operation}</b> at {self.when:%Y-%m-%d %H:%M} UTC: {self.rows:,} rows "
            f"stored, {len(self.partitions)} partitions rewritten</p><table>{rows}</table>"
        )


@dataclass(frozen=True)
class SyncResult:
    """What :meth:`EventStore.sync` did.

    Attributes
    ----------
    change : StoreChange
        The change applied to the store (rows added, updated, deleted, ...).
    rejected : pandas.DataFrame
        Rows the API sent that failed validation, with a ``reason``; not stored.
    since : int or None
        The Unix time changes were fetched from (None: everything).
    """

    change: StoreChange
    rejected: pd.DataFrame
    since: int | None

    def summary(self) -> str:
        """Text report: what was fetched from when, the change, the rejected rows."""
        since = "the beginning" if self.since is None else pd.Timestamp(self.since, unit="s")
        lines = [f"sync of changes since {since}", self.change.summary()]
        if len(self.rejected):
            lines.append(f"rejected rows (not stored): {len(self.rejected)}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The change as one tidy row (see :meth:`StoreChange.to_frame`)."""
        return self.change.to_frame().assign(rejected=len(self.rejected), since=self.since)


def _entry_record(change: StoreChange) -> dict[str, Any]:
    record = {f.name: getattr(change, f.name) for f in fields(change)}
    record["when"] = change.when.isoformat()
    record["partitions"] = list(change.partitions)
    return record


def _entry_from_record(record: dict[str, Any]) -> StoreChange:
    values = {f.name: record[f.name] for f in fields(StoreChange) if f.name in record}
    values["when"] = pd.Timestamp(record["when"])
    values["partitions"] = tuple(record.get("partitions", ()))
    return StoreChange(**values)


def _log_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(_LOG_COLUMNS))
    frame["when"] = pd.to_datetime(frame["when"], utc=True, format="ISO8601", errors="coerce")
    frame["partitions"] = frame["partitions"].map(
        lambda parts: tuple(parts) if isinstance(parts, list | tuple) else ()
    )
    counts = [c for c in _LOG_COLUMNS if c not in ("when", "operation", "partitions")]
    frame[counts] = frame[counts].fillna(0)  # counts an older entry lacks
    return frame.astype({c: "int64" for c in counts} | {"operation": pd.StringDtype()})


# --------------------------------------------------------------------------------------
# Dtypes: recorded exactly, so that a read gives back what was written


def _dtype_spec(dtype: Any, column: str) -> dict[str, Any]:
    if isinstance(dtype, pd.CategoricalDtype):
        categories = dtype.categories
        if not all(isinstance(v, (str, int, float, bool, np.generic)) for v in categories):
            raise StoreError(
                f"column {column!r}: categories of type {categories.dtype} cannot be stored "
                "(only text and numbers)"
            )
        return {
            "type": "category",
            "categories": [v.item() if isinstance(v, np.generic) else v for v in categories],
            "ordered": bool(dtype.ordered),
            "categories_dtype": _dtype_spec(categories.dtype, column),
        }
    if isinstance(dtype, pd.StringDtype):
        na_value = "NA" if dtype.na_value is pd.NA else "nan"
        return {"type": "string", "storage": dtype.storage, "na_value": na_value}
    return {"type": str(dtype)}


def _dtype(spec: dict[str, Any]) -> Any:
    if spec["type"] == "category":
        categories = pd.Index(spec["categories"], dtype=_dtype(spec["categories_dtype"]))
        return pd.CategoricalDtype(categories, ordered=spec["ordered"])
    if spec["type"] == "string":
        na_value = pd.NA if spec["na_value"] == "NA" else np.nan
        return pd.StringDtype(spec["storage"], na_value=na_value)
    return pd.api.types.pandas_dtype(spec["type"])


def _to_arrow(frame: pd.DataFrame, schema: pa.Schema | None = None) -> pa.Table:
    """The frame as an Arrow table: categoricals as plain values, text as large_string."""
    table = _stored_types(_from_pandas(frame))
    return table if schema is None else _cast(table, schema)


def _from_pandas(frame: pd.DataFrame) -> pa.Table:
    """The frame as Arrow, as it is (categoricals as dictionaries, text chunks shared)."""
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise StoreError(f"the frame cannot be stored as Parquet: {exc}") from None


def _stored_type(kind: pa.DataType) -> pa.DataType:
    """The type a column is stored in: dictionaries as their values, text as large_string."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.large_string() if pa.types.is_string(kind) else kind


def _stored_types(table: pa.Table) -> pa.Table:
    """The table with every column in its stored type (:func:`_stored_type`)."""
    arrays = []
    for column in table.columns:
        kind = _stored_type(column.type)
        arrays.append(column.cast(kind) if kind != column.type else column)
    return pa.table(arrays, names=table.column_names)


def _stored_schema(table: pa.Table) -> pa.Schema:
    """The schema of ``_stored_types(table)``, without converting it."""
    return pa.schema([pa.field(f.name, _stored_type(f.type)) for f in table.schema])


def _cast(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The table with the schema's columns (missing ones null), in its types."""
    columns = []
    for target in schema:
        if target.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, target.type))
            continue
        column = table.column(target.name)
        try:
            columns.append(column.cast(target.type) if column.type != target.type else column)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise StoreError(
                f"column {target.name!r}: stored as {target.type}, given as {column.type} "
                f"that cannot be converted ({exc})"
            ) from None
    return pa.Table.from_arrays(columns, schema=schema)


def _to_pandas(column: pa.ChunkedArray, dtype: Any, name: str) -> Any:
    if isinstance(dtype, pd.CategoricalDtype):
        if column.num_chunks == 0:
            return pd.Categorical([], dtype=dtype)
        categories = pa.array(list(dtype.categories))
        codes = pc.index_in(column.cast(categories.type), value_set=categories)
        if codes.null_count != column.null_count:
            raise StoreError(
                f"column {name!r} holds values outside its vocabulary (a damaged or foreign file)"
            )
        codes = pc.fill_null(codes, -1).to_numpy().astype("int32", copy=False)
        return pd.Categorical.from_codes(codes, dtype=dtype)
    if hasattr(dtype, "__from_arrow__"):
        return dtype.__from_arrow__(column)
    return column.to_pandas().astype(dtype).array


# --------------------------------------------------------------------------------------
# Datasets: a manifest (folder) or a single file, read through pyarrow.dataset


@dataclass(frozen=True)
class _Layout:
    """Where the files of a dataset are and what they hold."""

    root: Path
    meta: dict[str, Any]
    schema: pa.Schema  # every column, partition columns included, in stored order
    partitions: tuple[dict[str, Any], ...]

    @property
    def partition_by(self) -> tuple[str, ...]:
        return tuple(self.meta["partition_by"])

    @property
    def source(self) -> IncidentSchema:
        """The schema of the source stored (ACLED, UCDP GED, incidents, core)."""
        return _source_schema(self.meta["schema"]) or ACLED_SCHEMA

    @property
    def specs(self) -> dict[str, dict[str, Any]]:
        return {c["name"]: c["dtype"] for c in self.meta["columns"]}

    @property
    def file_schema(self) -> pa.Schema:
        """The columns inside each file (partition columns live in the folder names)."""
        return pa.schema([f for f in self.schema if f.name not in self.partition_by])

    def fragments(self, partitions: Iterable[dict[str, Any]] | None = None) -> list[Any]:
        chosen = self.partitions if partitions is None else partitions
        return [
            _FORMAT.make_fragment(
                os.fspath(self.root / p["path"]),
                filesystem=_FILESYSTEM,
                partition_expression=self.partition_expression(p["key"]),
            )
            for p in chosen
        ]

    def partition_expression(self, key: Sequence[Any]) -> ds.Expression:
        expression = ds.scalar(True)
        for name, value in zip(self.partition_by, key, strict=True):
            scalar = pa.scalar(value, type=self.schema.field(name).type)
            expression = expression & (ds.field(name) == scalar)
        return expression

    def dataset(self, fragments: list[Any] | None = None) -> ds.FileSystemDataset:
        chosen = self.fragments() if fragments is None else fragments
        return ds.FileSystemDataset(chosen, self.schema, _FORMAT, _FILESYSTEM)


def _encode_schema(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


def _decode_schema(text: str) -> pa.Schema:
    try:
        return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text, validate=True)))
    except (binascii.Error, ValueError, TypeError, pa.ArrowException) as exc:
        raise StoreError(f"the recorded Arrow schema cannot be decoded ({exc})") from None


def _major(version: str) -> int:
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        return -1


def _source_schema(name: Any) -> IncidentSchema | None:
    """The schema of a source by its name (``"acled"``, ``"ucdp_ged"``, ...), or None."""
    if name == ACLED_SCHEMA.name:
        return ACLED_SCHEMA
    return SCHEMAS.get(name) if isinstance(name, str) else None


def _check_compatible(meta: dict[str, Any], where: str) -> None:
    version_ = meta.get("format_version", 0)
    if not _is_int(version_) or version_ < 1:
        raise StoreError(f"{where}: unknown storage format version {version_!r}")
    if version_ > FORMAT_VERSION:
        raise StoreError(
            f"{where} was written by a newer eventdata ({meta.get('eventdata_version')}) "
            f"in storage format {meta['format_version']}; upgrade eventdata to read it"
        )
    name, version = meta.get("schema"), meta.get("schema_version", "?")
    schema = _source_schema(name)
    if schema is None or _major(version) != _major(schema.version):
        known = ", ".join(repr(s) for s in SCHEMAS if s != "core") + ", 'core'"
        current = schema or ACLED_SCHEMA
        raise StoreError(
            f"{where} was written with the {name!r} schema version {version}; this eventdata "
            f"reads the {known} schemas in version {_major(current.version)}.x "
            f"(currently {current.version}). Read it with the eventdata version that wrote "
            f"it ({meta.get('eventdata_version', 'unknown')}) and export it as CSV."
        )


# --------------------------------------------------------------------------------------
# The manifest is untrusted input (a store folder may come from anyone): every field is
# checked before it is used, and every path it names must be one of our part files inside
# the store.

_PART_FILE = re.compile(r"part-[0-9a-f]{32}\.parquet")
_T = TypeVar("_T")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _need(condition: bool, what: str) -> None:
    if not condition:
        raise StoreError(what)


def _check_day(value: Any, what: str, *, missing: bool = True) -> None:
    if value is None and missing:
        return
    _need(isinstance(value, str), f"{what} is not a date")
    try:
        pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise StoreError(f"{what} is not a date ({value!r})") from None


def _check_pair(value: Any, what: str, check: Callable[[Any, str], None]) -> None:
    _need(isinstance(value, list) and len(value) == 2, f"{what} is not a [first, last] pair")
    for item in value:
        check(item, what)


def _check_optional_int(value: Any, what: str) -> None:
    _need(value is None or _is_int(value), f"{what} is not an integer")


def _check_spec(spec: Any, what: str) -> None:
    _need(isinstance(spec, dict) and isinstance(spec.get("type"), str), f"{what} is not a dtype")
    problem = _spec_problem(json.dumps(spec, sort_keys=True))
    _need(problem is None, f"{what} is not a dtype ({problem})")


@functools.lru_cache(maxsize=256)
def _spec_problem(text: str) -> str | None:
    """Why a dtype record (as JSON text) is not one :func:`_dtype` reads, or None."""
    try:
        _dtype(json.loads(text))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return repr(exc)
    return None


def _check_part_path(path: Any, partition_by: Sequence[str], what: str) -> None:
    """A part file's path: relative, normalised, one ``name=value`` folder per partition."""
    _need(isinstance(path, str) and path != "", f"{what} is not a path")
    pure = PurePosixPath(path)
    parts = path.split("/")
    unsafe = (
        pure.is_absolute()
        or "\\" in path
        or "\0" in path
        or re.match(r"[A-Za-z]:", path) is not None
        or pure.as_posix() != path
        or any(p in ("", ".", "..") for p in parts)
    )
    _need(not unsafe, f"{what} {path!r} is not a path inside the store")
    _need(
        bool(_PART_FILE.fullmatch(parts[-1])) and len(parts) == len(partition_by) + 1,
        f"{what} {path!r} does not name a part file (part-<32 hex digits>.parquet) "
        f"in {len(partition_by)} partition folder(s)",
    )
    for folder, name in zip(parts[:-1], partition_by, strict=True):
        _need(folder.startswith(f"{name}="), f"{what} {path!r}: folder {folder!r} is not {name}=")


def _check_partitions(manifest: dict[str, Any], partition_by: list[str]) -> None:
    partitions = manifest.get("partitions")
    _need(isinstance(partitions, list), "'partitions' is not a list")
    seen_keys: set[tuple] = set()
    seen_paths: set[str] = set()
    for number, entry in enumerate(partitions):
        what = f"partition {number}"
        _need(isinstance(entry, dict), f"{what} is not a record")
        key = entry.get("key")
        _need(
            isinstance(key, list)
            and len(key) == len(partition_by)
            and all(isinstance(v, str) or _is_int(v) for v in key),
            f"{what}: 'key' is not a list of {len(partition_by)} text or integer value(s)",
        )
        _need(tuple(key) not in seen_keys, f"{what}: partition {key} is listed twice")
        seen_keys.add(tuple(key))
        _check_part_path(entry.get("path"), partition_by, f"{what}: 'path'")
        _need(entry["path"] not in seen_paths, f"{what}: file {entry['path']!r} is listed twice")
        seen_paths.add(entry["path"])
        rows = entry.get("rows")
        _need(_is_int(rows) and rows >= 0, f"{what}: 'rows' is not a count")
        _check_pair(entry.get("event_date"), f"{what}: 'event_date'", _check_day)
        _check_pair(entry.get("timestamp"), f"{what}: 'timestamp'", _check_optional_int)


def _check_columns(manifest: dict[str, Any], partition_by: list[str]) -> None:
    columns = manifest.get("columns")
    _need(isinstance(columns, list), "'columns' is not a list")
    names = []
    for number, column in enumerate(columns):
        _need(
            isinstance(column, dict) and isinstance(column.get("name"), str),
            f"column {number} has no name",
        )
        _check_spec(column.get("dtype"), f"column {column['name']!r}: 'dtype'")
        names.append(column["name"])
    _need(len(set(names)) == len(names), "'columns' names a column twice")
    _need(isinstance(manifest.get("arrow_schema"), str), "'arrow_schema' is not text")
    schema = _decode_schema(manifest["arrow_schema"])
    _need(
        schema.names == names,
        f"'arrow_schema' has the columns {schema.names}, 'columns' {names}",
    )
    for name in (*partition_by, _DATE, _ID):
        _need(name in names, f"'columns' has no {name!r} column")


def _check_log(manifest: dict[str, Any]) -> None:
    log = manifest.get("log", [])
    _need(isinstance(log, list), "'log' is not a list")
    counts = [c for c in _LOG_COLUMNS if c not in ("when", "operation", "partitions")]
    for number, record in enumerate(log):
        what = f"log entry {number}"
        _need(isinstance(record, dict), f"{what} is not a record")
        try:
            when = record.get("when")
            _need(isinstance(when, str), "not text")
            datetime.datetime.fromisoformat(when)
        except (ValueError, TypeError, OverflowError, StoreError):
            raise StoreError(f"{what}: 'when' is not a time ({when!r})") from None
        _need(isinstance(record.get("operation"), str), f"{what}: 'operation' is not text")
        for name in counts:
            _need(_is_int(record.get(name, 0)), f"{what}: {name!r} is not a count")
        parts = record.get("partitions", [])
        _need(
            isinstance(parts, list) and all(isinstance(p, str) for p in parts),
            f"{what}: 'partitions' is not a list of text",
        )


def _check_manifest(manifest: Any, where: str) -> dict[str, Any]:
    """The manifest, if every field it holds is what eventdata writes; else StoreError."""
    try:
        _need(isinstance(manifest, dict), "not a JSON object")
        _need(manifest.get("format") == "eventdata-store", "not an eventdata manifest")
        _check_compatible(manifest, where)
        partition_by = manifest.get("partition_by")
        _need(
            isinstance(partition_by, list)
            and all(isinstance(n, str) and n and "/" not in n for n in partition_by)
            and len(set(partition_by)) == len(partition_by),
            "'partition_by' is not a list of distinct column names",
        )
        _need(isinstance(manifest.get("schema_version"), str), "'schema_version' is not text")
        _check_columns(manifest, partition_by)
        _check_partitions(manifest, partition_by)
        for name in ("generation", "n_rows"):
            _need(_is_int(manifest.get(name)), f"{name!r} is not an integer")
        _need(
            manifest["n_rows"] == sum(p["rows"] for p in manifest["partitions"]),
            "'n_rows' is not the sum of the partitions' rows",
        )
        deleted = manifest.get("deleted", {})
        _need(
            isinstance(deleted, dict) and all(_is_int(t) for t in deleted.values()),
            "'deleted' is not a map of ids to Unix times",
        )
        _check_log(manifest)
        for name in ("created", "updated"):
            if name in manifest:
                _check_day(manifest[name], repr(name))
        _check_pair(manifest.get("event_date", [None, None]), "'event_date'", _check_day)
        _check_pair(manifest.get("timestamp", [None, None]), "'timestamp'", _check_optional_int)
        if "coverage" in manifest:
            manifest["coverage"] = _checked_spans(manifest["coverage"], "'coverage'")
    except StoreError as exc:
        message = str(exc)
        if message.startswith(where):
            raise
        raise StoreError(
            f"{where}/{MANIFEST}: damaged or hand-edited manifest: {message}; the store "
            "cannot be used (restore the folder from a copy, or re-import its data)"
        ) from None
    return manifest


def _load_manifest(root: Path) -> dict[str, Any] | None:
    path = root / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: cannot be read ({exc})") from None
    try:
        manifest = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise StoreError(f"{path}: not a readable eventdata manifest ({exc})") from None
    manifest = _check_manifest(manifest, str(root))
    _check_inside(root, manifest)
    return manifest


def _check_inside(root: Path, manifest: dict[str, Any]) -> None:
    """Every part file the manifest names resolves inside the store (no symbolic link out)."""
    base = os.path.realpath(root)
    for entry in manifest["partitions"]:
        real = os.path.realpath(root / entry["path"])
        if os.path.commonpath([base, real]) != base:
            raise StoreError(
                f"{root}/{MANIFEST}: damaged or hand-edited manifest: {entry['path']!r} leads "
                f"outside the store (to {real}); the store cannot be used"
            )


def _manifest_layout(root: Path, manifest: dict[str, Any]) -> _Layout:
    return _Layout(
        root=root,
        meta=manifest,
        schema=_decode_schema(manifest["arrow_schema"]),
        partitions=tuple(manifest["partitions"]),
    )


def _open_layout(path: str | os.PathLike) -> _Layout:
    path = Path(path)
    if path.is_dir():
        manifest = _load_manifest(path)
        if manifest is None:
            raise StoreError(
                f"{path}: no {MANIFEST} here, so not a dataset written by eventdata "
                "(write one with write_parquet or EventStore)"
            )
        return _manifest_layout(path, manifest)
    if not path.exists():
        raise StoreError(f"{path}: no such file or folder")
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise StoreError(f"{path}: not a readable Parquet file ({exc})") from None
    raw = (schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise StoreError(
            f"{path}: this Parquet file was not written by eventdata (no {METADATA_KEY.decode()!r} "
            "metadata); read it with pandas.read_parquet and check it with eventdata.validate"
        )
    meta = _file_meta(raw, path)
    schema = schema.remove_metadata()
    if [c["name"] for c in meta["columns"]] != schema.names:
        raise StoreError(f"{path}: its eventdata metadata does not describe its columns")
    partition = {"key": [], "path": path.name}
    return _Layout(path.parent, meta, schema, (partition,))


def _file_meta(raw: bytes, path: Path) -> dict[str, Any]:
    """The provenance record of a single Parquet file, checked as a manifest is."""
    try:
        meta = json.loads(raw)
        _need(isinstance(meta, dict), "not a JSON object")
        _check_compatible(meta, str(path))
        _need(meta.get("partition_by") == [], "'partition_by' is not []")
        columns = meta.get("columns")
        _need(isinstance(columns, list), "'columns' is not a list")
        for column in columns:
            _need(isinstance(column, dict) and isinstance(column.get("name"), str), "bad column")
            _check_spec(column.get("dtype"), f"column {column['name']!r}: 'dtype'")
        _need(isinstance(meta.get("schema_version"), str), "'schema_version' is not text")
        if "coverage" in meta:
            meta["coverage"] = _checked_spans(meta["coverage"], "'coverage'")
    except (ValueError, RecursionError, StoreError) as exc:
        if isinstance(exc, StoreError) and str(exc).startswith(str(path)):
            raise
        raise StoreError(f"{path}: damaged eventdata metadata ({exc})") from None
    return meta


# --------------------------------------------------------------------------------------
# Filters


def _texts(value: str | Iterable[str], what: str) -> pa.Array:
    """Filter values as an Arrow array of the stored text type (also when empty)."""
    return pa.array(as_names(value, what, error=StoreError), pa.large_string())


def _filter_expression(
    *,
    countries: str | Iterable[str] | None = None,
    start: Any = None,
    end: Any = None,
    event_types: str | Iterable[str] | None = None,
    admin1: str | Iterable[str] | None = None,
    source: IncidentSchema | None = None,
    names: Sequence[str] = ("year",),
) -> ds.Expression | None:
    parts = []
    if countries is not None:
        parts.append(ds.field("country").isin(_texts(countries, "countries")))
    if event_types is not None:
        types = as_names(event_types, "event_types", error=StoreError)
        field = (source or ACLED_SCHEMA).fields.get("event_type")
        known = list(field.categories or ()) if field is not None else []
        known = known or list(codebook.EVENT_TYPES)
        unknown = [t for t in types if t not in known]
        if unknown:
            raise StoreError(f"unknown event type(s) {unknown}; the codebook's are {known}")
        parts.append(ds.field("event_type").isin(pa.array(types, pa.large_string())))
    if admin1 is not None:
        parts.append(ds.field("admin1").isin(_texts(admin1, "admin1")))
    first = as_day(start, "start", error=StoreError)
    last = as_day(end, "end", error=StoreError)
    if first is not None and last is not None and first > last:
        raise StoreError(f"start {first.date()} is after end {last.date()}")
    # year equals the year of event_date (a schema rule), so bounds on it prune partitions
    year = "year" in names
    if first is not None:
        parts.append(ds.field(_DATE) >= pa.scalar(first.as_unit("ns"), pa.timestamp("ns")))
        parts += [ds.field("year") >= first.year] if year else []
    if last is not None:
        parts.append(ds.field(_DATE) <= pa.scalar(last.as_unit("ns"), pa.timestamp("ns")))
        parts += [ds.field("year") <= last.year] if year else []
    if not parts:
        return None
    expression = parts[0]
    for part in parts[1:]:
        expression = expression & part
    return expression


def _plan(layout: _Layout, expression: ds.Expression | None) -> list[Any]:
    """The fragments to read: matching partitions, and in each the row groups whose
    statistics may hold matching rows (files of other partitions are never opened)."""
    if expression is None:
        return layout.fragments()
    kept = []
    for fragment in layout.dataset().get_fragments(filter=expression):
        subset = fragment.subset(filter=expression, schema=layout.schema)
        if subset.num_row_groups:
            kept.append(subset)
    return kept


def _read(
    path: str | os.PathLike,
    columns: Sequence[str] | None,
    filters: dict[str, Any],
) -> pd.DataFrame:
    for attempt in range(8):
        layout = _open_layout(path)
        expression = _filter_expression(**filters, source=layout.source, names=layout.schema.names)
        try:
            frame = _read_layout(layout, expression, columns)
            frame.attrs["coverage"] = _clip_spans(
                _layout_coverage(layout), filters["countries"], filters["start"], filters["end"]
            )
            return frame
        except FileNotFoundError as exc:
            # A writer replaced files after we read the manifest: read the new state.
            fresh = _load_manifest(layout.root) if (layout.root / MANIFEST).exists() else None
            same = fresh is None or fresh.get("generation") == layout.meta.get("generation")
            if same or attempt == 7:
                raise StoreError(
                    f"{path}: a data file is missing ({exc}); the store is damaged"
                ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _read_layout(
    layout: _Layout, expression: ds.Expression | None, columns: Sequence[str] | None
) -> pd.DataFrame:
    stored = list(layout.schema.names)
    source = layout.source
    current = source.version == layout.meta["schema_version"]
    # Columns of a newer compatible schema that the dataset predates read as null.
    available = stored + ([] if current else [c for c in source.columns if c not in stored])
    wanted = available if columns is None else list(columns)
    unknown = [c for c in wanted if c not in available]
    if unknown:
        raise StoreError(f"unknown column(s) {unknown}; the dataset has {available}")
    scanned = [c for c in stored if c in wanted or c in (_DATE, _ID)]
    fragments = _plan(layout, expression)
    table = layout.dataset(fragments).to_table(columns=scanned, filter=expression)
    table = table.sort_by(_SORT_KEYS)
    specs = layout.specs
    data = {}
    for name in wanted:
        if name in specs:
            data[name] = _to_pandas(table.column(name), _dtype(specs[name]), name)
        else:
            data[name] = pd.array([None] * table.num_rows, dtype=source.dtypes[name])
    frame = pd.DataFrame(data, index=pd.RangeIndex(table.num_rows), columns=wanted)
    return frame if current else _conform(frame, layout.meta["schema_version"], source)


def _conform(frame: pd.DataFrame, version: str, source: IncidentSchema) -> pd.DataFrame:
    """Columns of an older compatible schema version in the current schema's dtypes."""
    out = {}
    for name in frame.columns:
        target = source.dtypes.get(name)
        column = frame[name]
        if target is None or column.dtype == target:
            out[name] = column
            continue
        converted = column.astype(target)
        if int(converted.isna().sum()) != int(column.isna().sum()):
            raise StoreError(
                f"column {name!r} was stored with schema version {version} and holds values "
                f"that the current schema ({source.version}) does not know"
            )
        out[name] = converted
    return pd.DataFrame(out, index=frame.index)


# --------------------------------------------------------------------------------------
# Writing files and committing manifests


def _eventdata_version() -> str:
    return __version__


def _date_range(table: pa.Table) -> list[str | None]:
    if table.num_rows == 0 or _DATE not in table.column_names:
        return [None, None]
    bounds = pc.min_max(table.column(_DATE))
    return [bounds["min"].as_py().date().isoformat(), bounds["max"].as_py().date().isoformat()]


def _timestamp_range(table: pa.Table) -> list[int | None]:
    if table.num_rows == 0 or _TIMESTAMP not in table.column_names:
        return [None, None]
    bounds = pc.min_max(table.column(_TIMESTAMP))
    return [bounds["min"].as_py(), bounds["max"].as_py()]


def _provenance(
    columns: list[dict[str, Any]],
    partition_by: Sequence[str],
    n_rows: int,
    schema: IncidentSchema | None = None,
) -> dict[str, Any]:
    schema = ACLED_SCHEMA if schema is None else schema
    return {
        "schema": schema.name,
        "schema_version": schema.version,
        "codebook_version": codebook.CODEBOOK_VERSION,
        "eventdata_version": _eventdata_version(),
        "format_version": FORMAT_VERSION,
        "partition_by": list(partition_by),
        "columns": columns,
        "n_rows": n_rows,
    }


def _fsync(path: Path) -> None:
    if os.name != "posix" and path.is_dir():
        return  # directories cannot be opened for syncing on Windows
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class _Encoded:
    """A Parquet file encoded in memory, and what the manifest records of it."""

    data: pa.Buffer
    rows: int
    event_date: list[str | None]
    timestamp: list[int | None]


def _encode(table: pa.Table, meta: dict[str, Any], row_group_size: int) -> _Encoded:
    """A table as the bytes of a Parquet file, its provenance in the key-value metadata."""
    event_date, timestamp = _date_range(table), _timestamp_range(table)
    record = dict(meta, event_date=event_date, timestamp=timestamp)
    table = table.replace_schema_metadata({METADATA_KEY: json.dumps(record)})
    sink = pa.BufferOutputStream()
    pq.write_table(
        table,
        sink,
        row_group_size=row_group_size,
        compression=COMPRESSION,
        version="2.6",
        use_dictionary=[c for c in table.column_names if c not in _UNIQUE_TEXT],
    )
    return _Encoded(sink.getvalue(), table.num_rows, event_date, timestamp)


def _write_file(path: Path, encoded: _Encoded) -> None:
    """Write a Parquet file whole or not at all: to a hidden temporary name, then renamed."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(encoded.data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise


#: Longest partition folder name written, in bytes (file systems allow 255).
_MAX_FOLDER = 200


def _partition_folder(partition_by: Sequence[str], key: Sequence[Any]) -> str:
    """``country=Iraq/year=2022``: each value percent-encoded as Hive readers expect.

    Ordinary names are written as they are. Characters that cannot be in a folder
    name (``/``, ``\\``, ``:``, ``*``, control characters...), a leading ``.`` or
    ``_`` (hidden to dataset readers), and leading or trailing spaces and a trailing
    dot (dropped by some file systems) are percent-encoded, so that pyarrow,
    DuckDB and Polars decode the folder name back to the value, and distinct values
    get distinct folders. A value whose encoding is longer than ``_MAX_FOLDER``
    bytes is shortened and made unique by a hash of the value (eventdata reads the
    exact value from the manifest). Stores written with an older encoding stay
    readable: their files are found through the manifest.
    """
    parts = []
    for name, value in zip(partition_by, key, strict=True):
        text = str(value)
        folder = f"{name}={_encode_value(text)}"
        if len(folder.encode("utf-8")) > _MAX_FOLDER:
            digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
            room = _MAX_FOLDER - len(name) - 18
            prefix = text[:room]
            while len(_encode_value(prefix)) > room:  # whole characters: valid UTF-8
                prefix = prefix[: max(len(prefix) - 1 - (len(prefix) // 8), 0)]
            folder = f"{name}={_encode_value(prefix)}~{digest}"
        parts.append(folder)
    return "/".join(parts)


def _encode_value(text: str) -> str:
    """A partition value percent-encoded for a folder name (see :func:`_partition_folder`)."""
    inner = text.strip(" ")
    head = len(text) - len(text.lstrip(" "))
    tail = len(text) - head - len(inner)
    encoded = quote(inner, safe=" ,'()&+-.", errors="surrogatepass")
    if encoded[:1] in (".", "_"):  # hidden to dataset readers: encode the first character
        encoded = f"%{ord(encoded[0]):02X}{encoded[1:]}"
    if encoded.endswith("."):
        encoded = f"{encoded[:-1]}%2E"
    return "%20" * head + encoded + "%20" * tail


def _write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    temporary = root / f"{MANIFEST}.{uuid.uuid4().hex}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        _checkpoint("manifest-written")
        os.replace(temporary, root / MANIFEST)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # the new state is live whatever this says
        _fsync(root)


def _remove_orphans(
    root: Path, manifest: dict[str, Any] | None, partition_by: Sequence[str]
) -> None:
    """Remove our files no manifest names (left by a crash) and empty partition folders.

    Only the store's own partition folders are visited (``name=value`` for each
    partition column, in order, no deeper), never a folder holding another store's
    manifest, never a symbolic link; and in them only our part files.
    """
    live = {p["path"] for p in manifest["partitions"]} if manifest else set()
    if manifest is not None:
        partition_by = manifest["partition_by"]
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            if _OUR_TEMP_MANIFEST.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
    _remove_orphans_in(root, "", tuple(partition_by), live)


def _remove_orphans_in(
    folder: Path, relative: str, partition_by: tuple[str, ...], live: set
) -> bool:
    """Clean one partition folder level; True when the folder was left empty."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return False
    if relative and any(e.name == MANIFEST for e in entries):
        return False  # another store: not ours
    for entry in entries:
        path = f"{relative}{entry.name}"
        if not partition_by:
            orphan = _OUR_FILE.fullmatch(entry.name) is not None and path not in live
            if orphan and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
            continue
        ours = entry.name.startswith(f"{partition_by[0]}=") and entry.is_dir(follow_symlinks=False)
        if ours and _remove_orphans_in(Path(entry.path), f"{path}/", partition_by[1:], live):
            with contextlib.suppress(OSError):
                os.rmdir(entry.path)
    if not relative:
        return False
    with contextlib.suppress(OSError):
        return not os.listdir(folder)
    return False


class _WriterLock:
    """One writer at a time per store (an OS file lock, released if the process dies)."""

    def __init__(self, root: Path, *, blocking: bool = True) -> None:
        self.root, self.blocking, self.fd, self.held = root, blocking, -1, False

    def __enter__(self) -> _WriterLock:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)  # no link out
        self.fd = os.open(self.root / LOCK, flags, 0o644)
        deadline = time.monotonic() + LOCK_TIMEOUT
        while not self._try():
            if not self.blocking:
                return self
            if time.monotonic() > deadline:
                os.close(self.fd)
                raise StoreError(
                    f"{self.root}: another process has been writing this store for "
                    f"{LOCK_TIMEOUT:.0f} s; try again later"
                )
            time.sleep(0.05)
        self.held = True
        return self

    def _try(self) -> bool:
        try:
            if os.name == "posix":
                import fcntl

                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:  # pragma: no cover - Windows
                import msvcrt

                msvcrt.locking(self.fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def __exit__(self, *exc: object) -> None:
        try:
            if self.held and os.name == "posix":
                import fcntl

                fcntl.flock(self.fd, fcntl.LOCK_UN)
            elif self.held:  # pragma: no cover - Windows
                import msvcrt

                msvcrt.locking(self.fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(self.fd)


def _group_rows(frame: pd.DataFrame, partition_by: Sequence[str]) -> dict[tuple, np.ndarray]:
    """Row positions of each partition, keyed by JSON-ready partition values."""
    if not len(frame):
        return {}
    if not partition_by:
        return {(): np.arange(len(frame))}
    grouped = group_codes(frame, partition_by)
    if grouped is None:  # a dtype group_codes leaves to pandas
        groups = frame.reset_index(drop=True).groupby(list(partition_by), sort=True, observed=True)
        found = list(groups.indices.items())
    else:
        codes, first = grouped
        # positions grouped by code, ascending within each (a stable sort: a radix
        # sort for 16-bit codes)
        small = np.uint16 if len(first) <= 1 << 16 else np.int64
        positions = np.argsort(codes.astype(small), kind="stable")
        ends = np.cumsum(np.bincount(codes, minlength=len(first)))
        keys = frame[list(partition_by)].iloc[first].itertuples(index=False, name=None)
        found = list(zip(keys, np.split(positions, ends[:-1]), strict=True))
    out = {}
    for key, positions in found:
        values = key if isinstance(key, tuple) else (key,)
        out[tuple(v.item() if isinstance(v, np.generic) else v for v in values)] = positions
    return out


def group_codes(
    frame: pd.DataFrame, columns: Sequence[str]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Number each row's group (its values in ``columns``) in the groups' sorted order.

    Groups are sorted as :meth:`pandas.DataFrame.sort_values` sorts their
    values: categories in their order, text and numbers ascending, missing
    values last.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : sequence of str
        Text, categorical or numeric columns (others: None is returned).

    Returns
    -------
    (codes, first) or None
        ``codes``: each row's group, from 0; ``first``: the position of the
        first row of each group.

    Examples
    --------
    >>> frame = pd.DataFrame({"country": ["Syria", "Iraq", "Syria"], "year": [2020, 2021, 2020]})
    >>> codes, first = group_codes(frame, ["country", "year"])
    >>> codes.tolist(), first.tolist()
    ([1, 0, 1], [1, 0])
    """
    codes, size = np.zeros(len(frame), dtype=np.int64), 1
    for number, name in enumerate(columns):
        values = frame[name]
        if isinstance(values, pd.DataFrame):  # a column name used twice
            return None
        dtype = values.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            column = values.cat.codes.to_numpy().astype(np.int64)  # a copy: changed below
            distinct = len(dtype.categories)
        elif isinstance(dtype, pd.StringDtype) or (
            pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        ):
            column, uniques = pd.factorize(values, sort=True)
            column, distinct = column.astype(np.int64, copy=False), len(uniques)
            if not column.flags.writeable:  # changed below
                column = column.copy()
        else:
            return None
        column[column < 0] = distinct  # missing values last
        if number:
            column += codes * (distinct + 1)
        codes, size = _renumber(column, size * (distinct + 1))
    # the first row of each group: where a code is seen first, put in code order
    seen_first = np.flatnonzero(~pd.Series(codes, copy=False).duplicated().to_numpy())
    first = np.empty(size, dtype=np.int64)
    first[codes[seen_first]] = seen_first
    return codes, first


def _renumber(codes: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """Codes below ``size`` renumbered 0, 1, ... in the same order, skipping unused ones."""
    if size <= 4 * len(codes) + 1024:
        used = np.bincount(codes, minlength=size) > 0
        if used.all():
            return codes, size
        return (np.cumsum(used) - 1)[codes], int(used.sum())
    renumbered, uniques = pd.factorize(codes, sort=True)
    return renumbered.astype(np.int64, copy=False), len(uniques)


def _check_partition_by(frame: pd.DataFrame, partition_by: Sequence[str]) -> tuple[str, ...]:
    partition_by = tuple(partition_by)
    for name in partition_by:
        if name not in frame.columns:
            raise StoreError(f"cannot partition by {name!r}: no such column")
        dtype = frame[name].dtype
        if not (
            isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype))
            or pd.api.types.is_integer_dtype(dtype)
        ):
            raise StoreError(
                f"cannot partition by {name!r} ({dtype}): use a text or integer column"
            )
        if frame[name].isna().any():
            raise StoreError(f"cannot partition by {name!r}: it has missing values")
    if len(set(partition_by)) != len(partition_by):
        raise StoreError(f"partition_by names a column twice: {partition_by}")
    return partition_by


def _validated(events: pd.DataFrame, schema: IncidentSchema | None = None) -> pd.DataFrame:
    """``validate(events)``, with the input's column order kept (new columns last)."""
    typed = validate(events, schema=ACLED_SCHEMA if schema is None else schema)
    order = [c for c in events.columns if c in typed.columns]
    order += [c for c in typed.columns if c not in order]
    return typed[order].reset_index(drop=True)


def _columns(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{"name": c, "dtype": _dtype_spec(frame[c].dtype, c)} for c in frame.columns]


@dataclass
class _Change:
    """A store change being built: new tables for some partitions, then one commit."""

    root: Path
    old: dict[str, Any] | None
    columns: list[dict[str, Any]]
    schema: pa.Schema
    partition_by: tuple[str, ...]
    row_group_size: int
    source: IncidentSchema | None = None

    def commit(
        self,
        tables: Iterable[tuple[tuple, Callable[[], pa.Table | _Encoded]]],
        change: Callable[[int, tuple[str, ...]], StoreChange],
        deleted: dict[str, int] | None = None,
        coverage: list[dict[str, Any]] | None = None,
    ) -> StoreChange:
        """Write the new partition tables, switch the manifest, remove replaced files.

        ``tables`` pairs each partition key with a function building its new content
        (no rows: the partition goes), as a table or already encoded (by
        :func:`_encode_partition`). Partitions are built and written by a few
        threads: the work is Parquet encoding and disk waits, which release the GIL.
        """
        partitions = {tuple(p["key"]): p for p in (self.old or {}).get("partitions", [])}
        written: list[Path] = []

        def write(key: tuple, build: Callable[[], pa.Table | _Encoded]) -> dict[str, Any] | None:
            built = build()
            if (built.num_rows if isinstance(built, pa.Table) else built.rows) == 0:
                return None
            if isinstance(built, pa.Table):
                built = _encode_partition(
                    built, key, self.columns, self.partition_by, self.row_group_size, self.source
                )
            folder = _partition_folder(self.partition_by, key)
            (self.root / folder).mkdir(parents=True, exist_ok=True)
            base, real = os.path.realpath(self.root), os.path.realpath(self.root / folder)
            if os.path.commonpath([base, real]) != base:
                raise StoreError(
                    f"{self.root / folder} leads outside the store (to {real}); remove that "
                    "link to write this partition"
                )
            relative = "/".join(filter(None, [folder, f"part-{uuid.uuid4().hex}.parquet"]))
            _write_file(self.root / relative, built)
            written.append(self.root / relative)
            return {
                "key": list(key),
                "path": relative,
                "rows": built.rows,
                "event_date": built.event_date,
                "timestamp": built.timestamp,
            }

        try:
            with ThreadPoolExecutor(_WORKERS) as pool:
                jobs = [(key, pool.submit(write, key, build)) for key, build in tables]
                done = [(key, job.result()) for key, job in jobs]
            touched = []
            for key, entry in done:
                gone = partitions.pop(key, None)
                if entry is not None:
                    partitions[key] = entry
                source = entry or gone
                if source is not None:
                    touched.append(Path(source["path"]).parent.as_posix())
            for folder in {path.parent for path in written}:
                _fsync(folder)
            _checkpoint("data-written")
            live = [partitions[k] for k in sorted(partitions, key=_sort_key)]
            entry = change(sum(p["rows"] for p in live), tuple(touched))
            manifest = self._manifest(live, entry, deleted, coverage)
            _write_manifest(self.root, manifest)
        except BaseException:
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
            raise
        _checkpoint("manifest-replaced")
        kept = {p["path"] for p in live}
        for p in (self.old or {}).get("partitions", []):
            if p["path"] not in kept:
                with contextlib.suppress(OSError):  # left for the next clean-up
                    (self.root / p["path"]).unlink(missing_ok=True)
                _checkpoint("old-file-removed")
                for folder in PurePosixPath(p["path"]).parents[:-1]:
                    with contextlib.suppress(OSError):  # not empty: kept
                        os.rmdir(self.root / folder)
        _remove_orphans(self.root, manifest, self.partition_by)
        return entry

    def _manifest(
        self,
        live: list[dict[str, Any]],
        entry: StoreChange,
        deleted: dict[str, int] | None,
        coverage: list[dict[str, Any]] | None,
    ) -> dict[str, Any]:
        old = self.old or {}
        if coverage is None:
            coverage = old.get("coverage")
        starts = [p["event_date"][0] for p in live]
        ends = [p["event_date"][1] for p in live]
        first_ts = [p["timestamp"][0] for p in live if p["timestamp"][0] is not None]
        last_ts = [p["timestamp"][1] for p in live if p["timestamp"][1] is not None]
        return {
            "format": "eventdata-store",
            **_provenance(
                self.columns, self.partition_by, sum(p["rows"] for p in live), self.source
            ),
            "generation": old.get("generation", 0) + 1,
            "created": old.get("created", entry.when.isoformat()),
            "updated": entry.when.isoformat(),
            "event_date": [min(starts), max(ends)] if live else [None, None],
            "timestamp": [min(first_ts), max(last_ts)] if first_ts else [None, None],
            "arrow_schema": _encode_schema(self.schema),
            "partitions": live,
            "deleted": old.get("deleted", {}) if deleted is None else deleted,
            "log": [*old.get("log", []), _entry_record(entry)],
            **({} if coverage is None else {"coverage": coverage}),
        }


def _encode_partition(
    table: pa.Table,
    key: tuple,
    columns: list[dict[str, Any]],
    partition_by: tuple[str, ...],
    row_group_size: int,
    source: IncidentSchema | None = None,
) -> _Encoded:
    """A partition's file, encoded (:func:`_encode`) with its provenance."""
    meta = _provenance(columns, partition_by, table.num_rows, source)
    meta["partition"] = dict(zip(partition_by, key, strict=True))
    return _encode(table, meta, row_group_size)


def _sort_key(key: tuple) -> tuple:
    return tuple((0, v) if isinstance(v, (int, float)) else (1, str(v)) for v in key)


def _now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").floor("s")


def _split_tables(
    table: pa.Table, groups: dict[tuple, np.ndarray], partition_by: Sequence[str]
) -> list[tuple[tuple, Callable[[], pa.Table]]]:
    """Each partition's key, and a function building its file: its rows, sorted, stored types.

    ``table`` comes from :func:`_from_pandas`. Each partition is built (by a
    writer thread) from the rows it needs, and dropped once written: the whole
    table is never copied at once. Dictionary columns are converted to their
    values only then, after the rows are chosen.
    """
    file_table = table.drop_columns(list(partition_by))
    # Record batches share the table's memory; taking rows batch by batch avoids
    # Arrow's take on a chunked text column, which concatenates the whole column.
    batches = file_table.to_batches()
    key_batches = [batch.select([name for name, _ in _SORT_KEYS]) for batch in batches]
    starts = np.cumsum([0] + [batch.num_rows for batch in batches])

    def rows(positions: np.ndarray) -> Callable[[], pa.Table]:
        def build() -> pa.Table:
            keys = pa.Table.from_batches(_rows_of_batches(key_batches, starts, positions))
            order = pc.sort_indices(keys, sort_keys=_SORT_KEYS).to_numpy()
            ordered = positions[order]
            batch_of = _batch_of(starts, ordered)
            runs = 1 + int(np.count_nonzero(np.diff(batch_of)))
            if runs <= 64 + len(ordered) // 1024:
                # few runs (a frame in date order): each row is moved once, to its place
                pieces = _rows_of_batches(batches, starts, ordered, batch_of)
                part = pa.Table.from_batches(pieces, schema=file_table.schema)
            else:  # taken in the frame's order, then sorted
                pieces = _rows_of_batches(batches, starts, positions)
                part = pa.Table.from_batches(pieces, schema=file_table.schema)
                del pieces
                part = part.combine_chunks().take(order)
            return _stored_types(part)

        return build

    return [(key, rows(positions)) for key, positions in groups.items()]


def _batch_of(starts: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The batch of each row position (``starts``: the batches' first rows)."""
    return np.searchsorted(starts, positions, side="right") - 1


def _rows_of_batches(
    batches: list[pa.RecordBatch],
    starts: np.ndarray,
    positions: np.ndarray,
    batch_of: np.ndarray | None = None,
) -> list[pa.RecordBatch]:
    """The rows at ``positions``, in that order, of the batches (``starts``: their first rows).

    Each run of rows of one batch is taken from it, or sliced (no copy) when
    its rows follow each other. ``batch_of``: :func:`_batch_of` of the
    positions, when already known.
    """
    if not len(positions):
        return []
    if batch_of is None:
        batch_of = _batch_of(starts, positions)
    bounds = (np.flatnonzero(np.diff(batch_of)) + 1).tolist()
    consecutive = np.diff(positions) == 1
    pieces = []
    for first, stop in zip([0, *bounds], [*bounds, len(positions)], strict=True):
        number = int(batch_of[first])
        local = positions[first:stop] - starts[number]
        if consecutive[first : stop - 1].all():
            pieces.append(batches[number].slice(int(local[0]), len(local)))
        else:
            pieces.append(batches[number].take(pa.array(local)))
    return pieces


# --------------------------------------------------------------------------------------
# Coverage: the days each export or sync ingested covered, per country
#
# A span list is JSON: [{"country": str or None, "start": "YYYY-MM-DD", "end":
# "YYYY-MM-DD"}, ...], dates inclusive, sorted by country (None first) then start,
# overlapping or adjacent spans of one country merged; country None means every
# country of the frame. A frame carries its spans in ``frame.attrs["coverage"]``.

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day_text(value: Any, what: str) -> str:
    """A day as ``YYYY-MM-DD`` (text in that form, or a date or timestamp)."""
    try:
        if isinstance(value, str):
            _need(_ISO_DAY.fullmatch(value) is not None, f"{what} is not a YYYY-MM-DD date")
            return pd.Timestamp(value).date().isoformat()
        _need(
            isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "isoformat"),
            f"{what} is not a date",
        )
        day = pd.Timestamp(value)
        _need(not pd.isna(day), f"{what} is missing")
        return day.date().isoformat()
    except (ValueError, TypeError, OverflowError):
        raise StoreError(f"{what} is not a date ({value!r})") from None


def _checked_spans(value: Any, what: str) -> list[dict[str, Any]]:
    """Spans checked (types, dates, start <= end) and merged; else StoreError."""
    _need(isinstance(value, list), f"{what} is not a list of spans")
    spans = []
    for number, span in enumerate(value):
        where = f"{what} span {number}"
        _need(isinstance(span, dict), f"{where} is not a record")
        country = span.get("country")
        _need(country is None or isinstance(country, str), f"{where}: 'country' is not text")
        start = _day_text(span.get("start"), f"{where}: 'start'")
        end = _day_text(span.get("end"), f"{where}: 'end'")
        _need(start <= end, f"{where}: 'start' {start} is after 'end' {end}")
        spans.append({"country": country, "start": start, "end": end})
    return _merge_spans(spans)


def _merge_spans(spans: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spans sorted by country then start, overlapping or adjacent ones merged."""
    ordered = sorted(
        spans, key=lambda s: (s["country"] is not None, s["country"] or "", s["start"])
    )
    merged: list[dict[str, Any]] = []
    for span in ordered:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last["country"] == span["country"]
            and pd.Timestamp(span["start"]) <= pd.Timestamp(last["end"]) + pd.Timedelta(days=1)
        ):
            last["end"] = max(last["end"], span["end"])
        else:
            merged.append(dict(span))
    return merged


def _clip_spans(
    spans: list[dict[str, Any]], countries: Any, start: Any, end: Any
) -> list[dict[str, Any]]:
    """The spans of these countries (all: None), cut to [start, end]."""
    wanted = None if countries is None else set(as_names(countries, "countries", error=StoreError))
    first = as_day(start, "start", error=StoreError)
    last = as_day(end, "end", error=StoreError)
    low = None if first is None else first.date().isoformat()
    high = None if last is None else last.date().isoformat()
    out = []
    for span in spans:
        if wanted is not None and span["country"] is not None and span["country"] not in wanted:
            continue
        cut = dict(span)
        if low is not None:
            cut["start"] = max(cut["start"], low)
        if high is not None:
            cut["end"] = min(cut["end"], high)
        if cut["start"] <= cut["end"]:
            out.append(cut)
    return out


def _frame_coverage(events: Any, typed: pd.DataFrame) -> list[dict[str, Any]]:
    """The spans a frame covers: ``attrs["coverage"]``, else each country's first..last day.

    A span of country None in ``attrs`` is recorded for every country of the frame.
    """
    attrs = getattr(events, "attrs", None) or typed.attrs
    countries = typed["country"].dropna().astype(object).unique().tolist()
    if "coverage" in attrs:
        given = _checked_spans(attrs["coverage"], "frame.attrs['coverage']")
        spans = []
        for span in given:
            names = countries if span["country"] is None else [span["country"]]
            spans += [dict(span, country=c) for c in names]
        return _merge_spans(spans)
    if not len(typed):
        return []
    grouped = typed.groupby(typed["country"].astype(object), sort=True)[_DATE]
    first, last = grouped.min(), grouped.max()
    return [
        {"country": c, "start": f"{first[c]:%Y-%m-%d}", "end": f"{last[c]:%Y-%m-%d}"}
        for c in first.index
        if pd.notna(first[c])
    ]


def _data_coverage(layout: _Layout) -> list[dict[str, Any]]:
    """Each country's first..last event date: the coverage of a store that recorded none."""
    spans = []
    if "country" in layout.partition_by:
        where = layout.partition_by.index("country")
        for p in layout.partitions:
            if p["event_date"][0] is not None:
                spans.append(
                    {
                        "country": p["key"][where],
                        "start": p["event_date"][0],
                        "end": p["event_date"][1],
                    }
                )
        found: dict[Any, dict[str, Any]] = {}
        for span in spans:  # one span per country, gaps included (first..last)
            known = found.setdefault(span["country"], dict(span))
            known["start"] = min(known["start"], span["start"])
            known["end"] = max(known["end"], span["end"])
        return _merge_spans(found.values())
    if not layout.partitions:
        return []
    names = [c for c in ("country", _DATE) if c in layout.schema.names]
    table = layout.dataset().to_table(columns=names)
    if "country" not in names:
        table = table.append_column("country", pa.nulls(table.num_rows, pa.large_string()))
    grouped = table.group_by("country").aggregate([(_DATE, "min"), (_DATE, "max")]).to_pylist()
    return _merge_spans(
        {
            "country": row["country"],
            "start": row[f"{_DATE}_min"].date().isoformat(),
            "end": row[f"{_DATE}_max"].date().isoformat(),
        }
        for row in grouped
        if row[f"{_DATE}_min"] is not None
    )


def _layout_coverage(layout: _Layout) -> list[dict[str, Any]]:
    """The recorded coverage, or the data's first..last day per country when none is."""
    if "coverage" in layout.meta:
        return [dict(s) for s in layout.meta["coverage"]]
    return _data_coverage(layout)


def _coverage_frame(spans: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": pd.Series([s["country"] for s in spans], dtype=object),
            "start": pd.to_datetime(pd.Series([s["start"] for s in spans], dtype=object)),
            "end": pd.to_datetime(pd.Series([s["end"] for s in spans], dtype=object)),
        }
    ).astype({"start": "datetime64[ns]", "end": "datetime64[ns]"})


# --------------------------------------------------------------------------------------
# Failures the user can meet: always a StoreError, the previous state kept


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the folder is on a read-only file system",
    errno.EACCES: "permission denied (a read-only folder?)",
    errno.EPERM: "operation not permitted (a read-only folder?)",
    errno.ENAMETOOLONG: "a file name is too long for this file system",
}

_F = TypeVar("_F", bound=Callable[..., Any])


def _guarded(doing: str) -> Callable[[_F], _F]:
    """Turn the operating system's and pyarrow's errors of a store operation into StoreError.

    Writes leave the previous state in place when they fail (new files are removed,
    the manifest is switched last), so the message says so.
    """

    def wrap(function: _F) -> _F:
        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except FileNotFoundError as exc:
                raise StoreError(
                    f"{doing} failed: a file is missing ({exc.filename or exc}); a data file "
                    "named by the manifest was removed (the store is damaged), or a folder "
                    "on the way does not exist"
                ) from None
            except OSError as exc:
                reason = _REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
                where = f" ({exc.filename})" if exc.filename else ""
                raise StoreError(
                    f"{doing} failed: {reason}{where}; nothing was changed, the previous "
                    "state is still readable"
                ) from None
            except pa.ArrowException as exc:
                raise StoreError(f"{doing} failed: a data file cannot be read ({exc})") from None

        return guarded  # type: ignore[return-value]

    return wrap


def _check_nesting(path: Path) -> None:
    """Refuse a new store inside another store's folder, or around one (not supported)."""
    if (path / MANIFEST).exists():
        return
    for parent in Path(os.path.abspath(path)).parents:
        if (parent / MANIFEST).is_file():
            raise StoreError(
                f"{path} is inside the store at {parent}; a store cannot hold another "
                "(choose a folder outside it)"
            )
    if path.is_dir():
        for folder, _, names in os.walk(path):
            if MANIFEST in names:
                raise StoreError(
                    f"{path} holds the store at {folder}; a store cannot hold another "
                    "(choose a folder outside it)"
                )


# --------------------------------------------------------------------------------------
# Public functions


@_guarded("write_parquet")
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
    source = _choose_schema(events, schema)
    if partition_by and path.is_dir():
        _load_manifest(path)  # a damaged store is reported before any work
    with ThreadPoolExecutor(_WORKERS) as pool:
        typed, check = _typed(events, pool, source)
        try:
            if partition_by is DEFAULT_PARTITION_BY:
                partition_by = _default_partition_by(typed)
            partition_by = _check_partition_by(typed, partition_by or ())
            table = _from_pandas(typed)
            if not partition_by and path.is_dir():
                raise StoreError(f"{path} is a folder; give a file name to write one file")
            if partition_by:
                _check_folder(path)
        except StoreError as error:
            problem: StoreError | None = error
        else:
            problem = None
        if problem is not None:
            check()  # invalid rows are reported first, as when validating first
            raise problem
        columns = _columns(typed)
        coverage = _frame_coverage(events, typed)
        if not partition_by:
            sorted_table = _stored_types(table).sort_by(_SORT_KEYS)
            meta = _provenance(columns, (), len(typed), source) | {"coverage": coverage}
            encoded = _encode(sorted_table, meta, row_group_size)
            check()
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_file(path, encoded)
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
        with _WriterLock(path):
            old = _load_manifest(path)
            _remove_orphans(path, old, partition_by)
            # Deletions and newer stored versions survive a rewrite.
            keep = _Rewrite.make(path, old, typed)
            if keep.stale:
                for _, job in encoded_files:
                    job.cancel()
                typed = keep.frame(typed)
                table = _from_pandas(typed)
                groups, encoded_files = encode(typed, table, pool)
            schema_ = _stored_schema(table)
            gone = [(k, schema_.empty_table) for k in _stored_keys(old) if k not in groups]
            change = _Change(path, old, columns, schema_, partition_by, row_group_size, source)
            when = _now()
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
    """Each partition's rows, and a job encoding its file (see :func:`_split_tables`)."""
    groups = _group_rows(typed, partition_by)
    jobs = [
        (
            key,
            pool.submit(_encode_built, build, key, columns, partition_by, row_group_size, source),
        )
        for key, build in _split_tables(table, groups, partition_by)
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
    layout: _Layout | None

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
        layout = _manifest_layout(root, old)
        tombstones = dict(old.get("deleted", {}))
        ids = pd.Index(typed[_ID].astype(object))
        has_ts = _TIMESTAMP in typed.columns and _TIMESTAMP in layout.schema.names
        ts = pd.array(typed[_TIMESTAMP] if has_ts else [0] * len(typed), dtype="Int64")
        buried_ts = pd.array(pd.Series(tombstones, dtype="Int64").reindex(ids), dtype="Int64")
        buried = (ts <= buried_ts).fillna(False).to_numpy(dtype=bool)
        newer = none
        if has_ts and layout.partitions:
            stored = _lookup(layout, ids.tolist())
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
        expression = ds.field(_ID).isin(pa.array(self.newer, pa.large_string()))
        stored = _read_layout(self.layout, expression, None)
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
    """The frame as :func:`_validated` returns it, and the check still to make.

    A frame whose columns already have the schema's dtypes is returned as it is
    (validation would return it unchanged) and validated by ``pool`` meanwhile,
    so that its files can be encoded at the same time: the check waits for that
    validation (raising its :class:`~eventdata.ValidationError`). Other frames are
    validated (typed) at once, and the check does nothing.
    """
    typed_already = (
        isinstance(events, pd.DataFrame)
        and events.columns.is_unique
        and all(
            name in events.columns and events[name].dtype == dtype
            for name, dtype in source.dtypes.items()
        )
    )
    if not typed_already:
        return _validated(events, source), lambda: None
    validation = pool.submit(_validated, events, source)

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
) -> _Encoded:
    """Build a partition's table and encode its file."""
    return _encode_partition(build(), key, columns, partition_by, row_group_size, source)


def _choose_schema(events: Any, schema: str | IncidentSchema | None) -> IncidentSchema:
    """The source schema named, or the one the frame's columns match (ACLED first)."""
    if isinstance(schema, IncidentSchema):
        return schema
    if schema is not None:
        found = _source_schema(str(schema).replace("-", "_"))
        if found is None and str(schema) in ("incidents", "ucdp"):
            found = _source_schema({"incidents": "incident", "ucdp": "ucdp_ged"}[schema])
        if found is None:
            raise StoreError(f"unknown schema {schema!r}; known: {', '.join(SCHEMAS)}")
        return found
    if not isinstance(events, pd.DataFrame):
        return ACLED_SCHEMA
    named = {str(c).strip().lower() for c in events.columns}
    for name in ("acled", "ucdp_ged", "incident"):
        candidate = _source_schema(name)
        if candidate is not None and set(candidate.required_columns) <= named:
            return candidate
    core = _source_schema("core")
    if core is not None and set(core.required_columns) <= named:
        return core
    return ACLED_SCHEMA  # validation names what is missing


def _default_partition_by(frame: pd.DataFrame) -> tuple[str, ...]:
    """``("country", "year")``, without the columns the frame lacks (UCDP GED has no year)."""
    return tuple(c for c in DEFAULT_PARTITION_BY if c in frame.columns)


def _stored_keys(manifest: dict[str, Any] | None) -> list[tuple]:
    return [tuple(p["key"]) for p in (manifest or {}).get("partitions", [])]


def _check_folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path} is a file; a partitioned dataset needs a folder")
    _check_nesting(path)
    if path.is_dir() and not (path / MANIFEST).exists():
        foreign = [p.name for p in path.iterdir() if not p.name.startswith(("_eventdata", "."))]
        if foreign:
            raise StoreError(
                f"{path} holds other files ({', '.join(sorted(foreign)[:5])}) and no eventdata "
                "dataset; choose an empty or new folder"
            )


@_guarded("read_parquet")
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
    return _read(path, columns, filters)


@_guarded("write_acled")
def write_acled(events: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write events as an ACLED-style CSV export that ACLED's users' tools read.

    ACLED's columns in ACLED's order and spelling (then any other columns), dates
    as ``YYYY-MM-DD``, integers without ``.0``, missing values empty, UTF-8.
    :func:`eventdata.read_acled` reads the file back to an equal frame (text is
    read with surrounding spaces stripped and empty text as missing, as ACLED's
    exports are).

    Examples
    --------
    >>> import tempfile
    >>> import eventdata as ed
    >>> events = ed.datasets.load_seed_incidents()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     csv = write_acled(events, Path(folder) / "export.csv")
    ...     header, first = csv.read_text().splitlines()[:2]
    ...     back = ed.read_acled(csv)
    >>> header.split(",")[:3], first.split(",")[:4]
    (['event_id_cnty', 'event_date', 'year'], ['SEED-IRQ-001', '2022-01-03', '2022', '1'])
    >>> back.equals(events)
    True
    """
    typed = validate(events, schema=ACLED_SCHEMA).reset_index(drop=True)
    order = [*ACLED_SCHEMA.columns, *(c for c in typed.columns if c not in ACLED_SCHEMA.fields)]
    text = typed[order].to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _export_format(path: str | os.PathLike) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise StoreError(
            f"{path}: export to a .parquet or .csv file, not {suffix or 'no extension'}"
        )
    return suffix


@_guarded("export")
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
    if _export_format(path) == ".csv":
        missing = [n for n, f in ACLED_SCHEMA.fields.items() if f.required and n not in events]
        if missing:  # a UCDP GED or hand-coded store: its columns are not ACLED's
            raise StoreError(
                f"{Path(path).name}: a .csv export is an ACLED export, and these events lack "
                f"ACLED's {', '.join(missing[:5])}{'...' if len(missing) > 5 else ''} "
                "(another source's events?): export them to .parquet, which keeps any source"
            )
        return write_acled(events, path)
    return write_parquet(events, path, partition_by=())


# --------------------------------------------------------------------------------------
# The store


class EventStore:
    """A local mirror of ACLED in a folder of partitioned Parquet files.

    Parameters
    ----------
    path : path
        The store's folder; created by the first write.
    partition_by : sequence of str, optional
        Partition columns of a new store (default ``("country", "year")``); an
        existing store keeps its own, and giving a different one is an error.
    row_group_size : int
        Rows per row group of the files this store writes.

    schema : str or IncidentSchema, optional
        The source schema of a new store: ``"acled"``, ``"ucdp_ged"``,
        ``"incident"`` or ``"core"`` (default: found from the first frame's
        columns). It is recorded in the manifest; an existing store keeps its own,
        and a frame of another source is a :class:`StoreError`.

    Notes
    -----
    Each partition is one immutable file; a change writes new files for the
    partitions it touches only, then switches the manifest atomically. One writer
    at a time (an OS file lock); readers need no lock and always see a whole state.
    Deleted ids are remembered with their deletion time, so that re-ingesting an
    export older than the deletion does not bring the event back.

    Any source of the core schema is stored (ACLED, UCDP GED from
    :func:`eventdata.read_ucdp_ged`, hand-coded incidents from
    :func:`eventdata.read_incidents`) and read back exactly. A source without
    ``timestamp`` (UCDP GED, incidents) has no versions: a row differing from
    the stored one replaces it, and a deleted id stays deleted. Sources without
    ``year`` are partitioned by ``country`` alone by default.

    A store touches only its own files: the manifest is checked as untrusted input
    (every path relative, inside the folder, named like a part file), and clean-up
    visits only the store's own partition folders. Nested stores are not
    supported: creating a store inside another store's folder, or around one, is a
    :class:`StoreError`; a store found inside another (copied there) is left alone.
    Every failure (full disk, read-only folder, damaged manifest, missing data
    file) is a :class:`StoreError` and leaves the previous state readable.

    Coverage: each ingest records the days it covered, per country: the frame's
    ``attrs["coverage"]`` if it has one, else each country's first to last event
    date; a sync records, per country synced, its first known day through today.
    The format, in ``attrs`` and in the manifest, is a JSON list of
    ``{"country": str or None, "start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}``
    (both days included; sorted by country then start; overlapping or adjacent
    spans of a country merged; country None means every country of the frame).
    :attr:`coverage` gives them as a frame, and :meth:`read` sets
    ``attrs["coverage"]`` on what it returns: the spans of the countries read, cut
    to ``start``/``end``. A store written before coverage was recorded gives each
    country's first to last event date.

    Examples
    --------
    >>> import tempfile
    >>> import eventdata as ed
    >>> events = ed.datasets.load_seed_incidents()
    >>> revised = events.head(2).assign(fatalities=1, timestamp=events["timestamp"].head(2) + 60)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     store = EventStore(folder)
    ...     _ = store.upsert(events)
    ...     change = store.upsert(revised)
    ...     removed = store.delete(["SEED-SYR-001", "NOT-AN-ID"])
    ...     log = store.log()
    >>> change.updated, removed.deleted, removed.not_found
    (2, 1, 1)
    >>> log["operation"].tolist()
    ['upsert', 'upsert', 'delete']
    """

    @_guarded("opening the store")
    def __init__(
        self,
        path: str | os.PathLike,
        *,
        partition_by: Sequence[str] | None = None,
        row_group_size: int = ROW_GROUP_SIZE,
        schema: str | IncidentSchema | None = None,
    ) -> None:
        self.path = Path(path)
        self.row_group_size = int(row_group_size)
        _check_folder(self.path)
        manifest = _load_manifest(self.path) if self.path.is_dir() else None
        self._schema = None if schema is None else _choose_schema(None, schema)
        if (
            manifest is not None
            and self._schema is not None
            and manifest["schema"] != self._schema.name
        ):
            raise StoreError(
                f"{self.path} holds {manifest['schema']!r} data, not {self._schema.name!r}; "
                "write a new store for another source"
            )
        self._partition_by_given = partition_by is not None
        stored = None if manifest is None else tuple(manifest["partition_by"])
        if partition_by is not None and stored is not None and tuple(partition_by) != stored:
            raise StoreError(
                f"{self.path} is partitioned by {stored}, not {tuple(partition_by)}; "
                "write a new store to change it"
            )
        self._partition_by = stored or tuple(
            partition_by if partition_by is not None else DEFAULT_PARTITION_BY
        )
        if manifest is not None:
            self._clean()

    def _clean(self) -> None:
        """Remove a crashed writer's leftovers, unless another writer is at work."""
        try:
            with _WriterLock(self.path, blocking=False) as lock:
                if lock.held:
                    _remove_orphans(self.path, _load_manifest(self.path), self._partition_by)
        except OSError:  # a read-only copy of a store: nothing to clean
            pass

    # -- reading -----------------------------------------------------------------------

    def _manifest(self) -> dict[str, Any] | None:
        return _load_manifest(self.path) if self.path.is_dir() else None

    @_guarded("reading the store")
    def read(
        self,
        *,
        countries: str | Iterable[str] | None = None,
        start: Any = None,
        end: Any = None,
        event_types: str | Iterable[str] | None = None,
        admin1: str | Iterable[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The stored events matching the filters (see :func:`read_parquet`).

        An empty store gives an empty frame with the ACLED schema's columns and dtypes.
        """
        filters = dict(
            countries=countries, start=start, end=end, event_types=event_types, admin1=admin1
        )
        if self._manifest() is None:
            _filter_expression(**filters)  # a bad filter is an error even on an empty store
            empty = _empty_frame(self._schema)
            empty.attrs["coverage"] = []
            if columns is None:
                return empty
            unknown = [c for c in columns if c not in empty.columns]
            if unknown:
                raise StoreError(
                    f"unknown column(s) {unknown}; the store has {list(empty.columns)}"
                )
            return empty[list(columns)]
        return _read(self.path, columns, filters)

    @property
    def coverage(self) -> pd.DataFrame:
        """The days covered by the exports and syncs ingested, per country.

        Columns ``country``, ``start`` and ``end`` (datetime64, both days included),
        one row per span, overlapping and adjacent spans of a country merged. A
        store written before coverage was recorded gives each country's first to
        last event date.
        """
        manifest = self._manifest()
        if manifest is None:
            return _coverage_frame([])
        return _coverage_frame(_layout_coverage(_manifest_layout(self.path, manifest)))

    def log(self) -> pd.DataFrame:
        """Every change applied, oldest first: when, operation, counts, partitions rewritten."""
        return _log_frame((self._manifest() or {}).get("log", []))

    def partitions(self) -> pd.DataFrame:
        """One row per partition: its values, rows, first and last day, and file."""
        manifest = self._manifest() or {}
        partition_by = manifest.get("partition_by", self._partition_by)
        records = [
            {
                **dict(zip(partition_by, p["key"], strict=True)),
                "rows": p["rows"],
                "first_day": p["event_date"][0],
                "last_day": p["event_date"][1],
                "file": p["path"],
            }
            for p in manifest.get("partitions", [])
        ]
        columns = [*partition_by, "rows", "first_day", "last_day", "file"]
        return pd.DataFrame.from_records(records, columns=columns)

    @property
    def metadata(self) -> dict[str, Any]:
        """Provenance of the store: schema, versions, rows, date and timestamp ranges."""
        manifest = self._manifest() or {}
        keys = (
            "schema",
            "schema_version",
            "codebook_version",
            "eventdata_version",
            "partition_by",
            "n_rows",
            "event_date",
            "timestamp",
            "created",
            "updated",
        )
        return {k: manifest[k] for k in keys if k in manifest}

    def __len__(self) -> int:
        return int((self._manifest() or {}).get("n_rows", 0))

    def __repr__(self) -> str:
        manifest = self._manifest() or {}
        return (
            f"EventStore({os.fspath(self.path)!r}, rows={manifest.get('n_rows', 0)}, "
            f"partitions={len(manifest.get('partitions', []))})"
        )

    # -- writing -----------------------------------------------------------------------

    @_guarded("upsert")
    def upsert(
        self, events: pd.DataFrame, *, deletions: pd.DataFrame | Iterable[str] | None = None
    ) -> StoreChange:
        """Add new events and replace stored ones by newer versions, in one atomic change.

        A row replaces the stored row with its ``event_id_cnty`` only if its
        ``timestamp`` is newer; an equal timestamp leaves the row unchanged, an older
        one is ignored (stale), as is a row older than its recorded deletion.

        Parameters
        ----------
        events : pandas.DataFrame
            ACLED records; validated first (a failing row raises
            :class:`~eventdata.ValidationError` and the store is unchanged).
        deletions : DataFrame or sequence of str, optional
            Deletions to apply after the rows, in the same change (see :meth:`delete`).

        Returns
        -------
        StoreChange
            Rows added, updated, unchanged and stale; deletions; partitions rewritten.
        """
        source = self._source(events)
        typed = _validated(events, source)
        parsed = None if deletions is None else _parse_deletions(deletions)
        coverage = _frame_coverage(events, typed)
        return self._apply(typed, parsed, "upsert", coverage=coverage, source=source)

    def _source(self, events: pd.DataFrame | None) -> IncidentSchema:
        """The store's source schema; for a new store, the one given or the frame's."""
        manifest = self._manifest()
        if manifest is None:
            return self._schema or _choose_schema(events, None)
        stored = _source_schema(manifest["schema"]) or ACLED_SCHEMA
        found = None if events is None else _choose_schema(events, None)
        if found is not None and found.name != stored.name and found.name != "core":
            raise StoreError(
                f"{self.path} holds {stored.name!r} data and the frame is {found.name!r} "
                "data; write a new store for another source"
            )
        return stored

    @_guarded("delete")
    def delete(self, deletions: pd.DataFrame | Iterable[str]) -> StoreChange:
        """Remove events: a list of ids, or ACLED's deletions frame.

        Parameters
        ----------
        deletions : DataFrame or sequence of str
            Ids to delete, or a frame with ``event_id_cnty`` and ``deleted_timestamp``
            (Unix seconds) as ACLED publishes them. A deletion older than the stored
            row's ``timestamp`` (the row was revised after it) is not applied.

        Returns
        -------
        StoreChange
            Rows deleted, ids not found, stale deletions.
        """
        return self._apply(None, _parse_deletions(deletions), "delete")

    @_guarded("sync")
    def sync(
        self,
        client: Any,
        *,
        countries: str | Iterable[str] | None = None,
        since: int | None = None,
        progress: Any = None,
    ) -> SyncResult:
        """Bring the mirror up to date from ACLED's API, in one atomic change.

        Asks only for the rows changed since the store's newest ``timestamp`` (ACLED
        stamps every revision) and for the deletions published since then, then
        applies both as one :meth:`upsert`: rows replace stored ones only when
        newer, deletions only when newer than the row. Nothing is written until
        everything has been fetched and validated, so a sync interrupted at any point
        leaves the store as it was, and running it again finishes the job (a row
        fetched twice is "unchanged" the second time).

        Parameters
        ----------
        client : eventdata.io.acled_api.Client
            A logged-in (or ready to log in) API client.
        countries : str or sequence of str, optional
            Countries to mirror (default: all the client is allowed to read).
        since : int, optional
            Unix time to fetch changes from. Default: for each country asked for, its
            newest stored ``timestamp``, and the oldest of those (everything when a
            country has nothing stored yet).
        progress : optional
            Passed to the client (a callback, or True for a progress bar).

        Returns
        -------
        SyncResult
            The store change, the rows the API sent that failed validation (kept
            aside, not stored), and the ``since`` used.
        """
        if self._source(None).name != ACLED_SCHEMA.name:
            raise StoreError(
                f"{self.path} holds {self._source(None).name!r} data; sync reads ACLED's API "
                "(update other sources with upsert)"
            )
        if since is None:
            since = self._watermark(countries)
        checked = client.events(
            countries=countries, since_timestamp=since, errors="quarantine", progress=progress
        )
        deletions = None
        if since is not None:
            deletions = client.deletions(since_timestamp=since, progress=progress)
        parsed = None if deletions is None or not len(deletions) else _parse_deletions(deletions)
        fetched = _validated(checked.valid)
        coverage = self._synced_coverage(fetched, countries, since)
        change = self._apply(fetched, parsed, "sync", coverage=coverage)
        return SyncResult(change=change, rejected=checked.rejected, since=since)

    def _synced_coverage(
        self, fetched: pd.DataFrame, countries: str | Iterable[str] | None, since: int | None
    ) -> list[dict[str, Any]]:
        """Per country synced, the span asked for: from its first known day through today.

        Changes since ``since`` were asked for, so a country's span starts where its
        recorded coverage starts (or at its first event fetched, when the store
        holds none of it or everything was asked for).
        """
        today = _now().date().isoformat()
        first = fetched.groupby(fetched["country"].astype(object), sort=True)[_DATE].min()
        stored = self.coverage if since is not None else _coverage_frame([])
        stored_first = stored.groupby(stored["country"].astype(object))["start"].min()
        if countries is None:
            synced = set(first.index) | set(stored_first.index)
        else:
            synced = set(as_names(countries, "countries", error=StoreError))
        spans = []
        for country in sorted(synced):
            starts = [d for d in (first.get(country), stored_first.get(country)) if pd.notna(d)]
            if starts:
                start = min(pd.Timestamp(d) for d in starts).date().isoformat()
                spans.append({"country": country, "start": start, "end": max(start, today)})
        return spans

    def _watermark(self, countries: str | Iterable[str] | None) -> int | None:
        """The time from which a sync of these countries has to fetch changes.

        The oldest of the countries' newest timestamps, so that no country is left
        behind by another synced more recently; None (fetch everything) when a
        requested country has nothing stored yet or the store is empty.
        """
        stored = self.read(countries=countries, columns=["country", "timestamp"])
        if stored.empty:
            return None
        newest = stored.groupby("country", observed=True)["timestamp"].max()
        if countries is not None:
            wanted = {countries} if isinstance(countries, str) else set(countries)
            if wanted - set(newest.index):
                return None
        return int(newest.min())

    @_guarded("compact")
    def compact(self) -> StoreChange:
        """Rewrite every partition with the current writer and remove any leftovers.

        The content is unchanged. Worth running after upgrading eventdata (files get the
        current format, schema version and provenance) or changing ``row_group_size``.
        """
        with self._writing() as (old, change):
            layout = _manifest_layout(self.path, old)
            tables = [
                (tuple(p["key"]), _bind(_partition_table, layout, p, change.schema))
                for p in layout.partitions
            ]
            when = _now()
            return change.commit(tables, lambda rows, parts: _compacted(when, rows, parts))

    @_guarded("export")
    def export(self, path: str | os.PathLike, **filters: Any) -> Path:
        """Write the matching events to one file: ``.parquet`` or ACLED-style ``.csv``.

        ``filters`` are those of :meth:`read`; see :func:`export`.

        Raises
        ------
        StoreError
            When nothing was ever stored here (a mistyped path?) or the extension is unknown.
        """
        _export_format(path)
        if self._manifest() is None:
            raise StoreError(f"{self.path}: no eventdata store here (nothing to export)")
        return export(self.read(**filters), path)

    @contextlib.contextmanager
    def _writing(
        self, incoming: pd.DataFrame | None = None, source: IncidentSchema | None = None
    ) -> Iterator[tuple[dict[str, Any], _Change]]:
        _check_folder(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        with _WriterLock(self.path):
            old = _load_manifest(self.path)
            _remove_orphans(self.path, old, self._partition_by)
            if old is not None:  # another process may have rewritten the store since we opened it
                self._partition_by = tuple(old["partition_by"])
                stored_source = _source_schema(old["schema"]) or ACLED_SCHEMA
                if source is not None and source.name != stored_source.name:
                    raise StoreError(
                        f"{self.path} holds {stored_source.name!r} data, not {source.name!r}; "
                        "write a new store for another source"
                    )
                source = stored_source
            source = source or self._schema or ACLED_SCHEMA
            basis = incoming
            outdated = old is not None and old["schema_version"] != source.version
            if basis is None and (old is None or outdated):
                basis = _empty_frame(source)
            if old is None:
                if not self._partition_by_given:
                    self._partition_by = _default_partition_by(basis)
                old = self._empty_manifest(basis, _to_arrow(basis).schema, source)
            # A write to a store of an older compatible schema version migrates it.
            columns, schema = _merged_columns(old, basis, source)
            yield (
                old,
                _Change(
                    self.path,
                    old,
                    columns,
                    schema,
                    self._partition_by,
                    self.row_group_size,
                    source,
                ),
            )

    def _empty_manifest(
        self, frame: pd.DataFrame, schema: pa.Schema, source: IncidentSchema
    ) -> dict[str, Any]:
        partition_by = _check_partition_by(frame, self._partition_by)
        return {
            "format": "eventdata-store",
            **_provenance(_columns(frame), partition_by, 0, source),
            "generation": 0,
            "arrow_schema": _encode_schema(schema),
            "partitions": [],
            "deleted": {},
            "log": [],
            "new": True,
        }

    def _apply(
        self,
        incoming: pd.DataFrame | None,
        deletions: pd.DataFrame | None,
        operation: str,
        *,
        coverage: list[dict[str, Any]] | None = None,
        source: IncidentSchema | None = None,
    ) -> StoreChange:
        with self._writing(incoming, source) as (old, change):
            layout = _manifest_layout(self.path, old)
            if coverage:  # the spans recorded so far (or the data's, for an older store)
                recorded = old.get("coverage")
                if recorded is None and old.get("new") is None:
                    recorded = _data_coverage(layout)
                coverage = _merge_spans([*(recorded or []), *coverage])
            else:
                coverage = None
            if incoming is not None:
                _check_partition_by(incoming, self._partition_by)
            plan = _Plan.make(layout, incoming, deletions, old.get("deleted", {}))
            groups = {}
            table = None
            if incoming is not None:
                table = _to_arrow(incoming, change.schema)
                groups = _group_rows(incoming.loc[plan.write], self._partition_by)
                positions = np.flatnonzero(plan.write)
                groups = {k: positions[v] for k, v in groups.items()}
            schema_changed = old.get("new") is None and (
                change.columns != old["columns"] or change.schema != layout.schema
            )
            keys = set(groups) | set(plan.removed_by_key)
            if schema_changed:  # every file gets the new columns, so that all files agree
                keys |= set(_stored_keys(old))
            tables = self._partition_tables(layout, change, keys, plan, table, groups)
            when = _now()

            def entry(rows: int, parts: tuple[str, ...]) -> StoreChange:
                return plan.change(operation, when, rows, parts)

            return change.commit(tables, entry, deleted=plan.tombstones, coverage=coverage)

    def _partition_tables(
        self,
        layout: _Layout,
        change: _Change,
        keys: set[tuple],
        plan: _Plan,
        table: pa.Table | None,
        groups: dict[tuple, np.ndarray],
    ) -> list[tuple[tuple, Callable[[], pa.Table]]]:
        stored = {tuple(p["key"]): p for p in layout.partitions}
        file_schema = pa.schema([f for f in change.schema if f.name not in self._partition_by])
        added = None if table is None else _cast(table, file_schema)

        def build(key: tuple) -> pa.Table:
            parts = []
            if key in stored:
                kept = _partition_table(layout, stored[key], change.schema)
                removed = plan.removed_by_key.get(key)
                if removed:
                    kept = kept.filter(pc.invert(pc.is_in(kept[_ID], pa.array(removed))))
                parts.append(kept)
            if key in groups:
                parts.append(added.take(pa.array(groups[key])))
            return pa.concat_tables(parts).sort_by(_SORT_KEYS)

        return [(key, _bind(build, key)) for key in sorted(keys, key=_sort_key)]


def _bind(function: Callable[..., pa.Table], *args: Any) -> Callable[[], pa.Table]:
    return lambda: function(*args)


def _empty_frame(source: IncidentSchema | None = None) -> pd.DataFrame:
    """No rows, the schema's columns and dtypes (default: ACLED's)."""
    dtypes = (ACLED_SCHEMA if source is None else source).dtypes
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})


def _compacted(when: pd.Timestamp, rows: int, parts: tuple[str, ...]) -> StoreChange:
    return StoreChange("compact", when, rows=rows, partitions=parts)


def _partition_table(layout: _Layout, partition: dict[str, Any], schema: pa.Schema) -> pa.Table:
    """A partition's file, in the (possibly widened) file schema of ``schema``."""
    file_schema = pa.schema([f for f in schema if f.name not in layout.partition_by])
    stored_schema = layout.file_schema
    table = layout.dataset(layout.fragments([partition])).to_table(columns=stored_schema.names)
    return _cast(table, file_schema)


def _merged_columns(
    manifest: dict[str, Any], incoming: pd.DataFrame | None, source: IncidentSchema
) -> tuple[list[dict[str, Any]], pa.Schema]:
    """The store's columns after this change: new columns appended, dtypes checked."""
    columns = [dict(c) for c in manifest["columns"]]
    schema = _decode_schema(manifest["arrow_schema"])
    if incoming is None:
        return columns, schema
    known = {c["name"]: i for i, c in enumerate(columns)}
    incoming_schema = _to_arrow(incoming.head(0)).schema
    fields_ = list(schema)
    for name in incoming.columns:
        spec = _dtype_spec(incoming[name].dtype, name)
        if name not in known:
            columns.append({"name": name, "dtype": spec})
            fields_.append(incoming_schema.field(name))
        elif columns[known[name]]["dtype"] != spec:
            if name not in source.fields:
                raise StoreError(
                    f"column {name!r} is stored as {_dtype(columns[known[name]]['dtype'])}, "
                    f"given as {incoming[name].dtype}; convert it before storing"
                )
            # A newer compatible schema version: its dtype wins, files are rewritten.
            columns[known[name]] = {"name": name, "dtype": spec}
            fields_[known[name]] = incoming_schema.field(name)
    return columns, pa.schema(fields_)


def _parse_deletions(deletions: pd.DataFrame | Iterable[str] | str) -> pd.DataFrame:
    """Deletions as a frame of id (str) and deleted_timestamp (Int64, NA for plain ids)."""
    if isinstance(deletions, str):
        deletions = [deletions]
    if not isinstance(deletions, pd.DataFrame):
        ids = pd.Series(list(deletions), dtype=object)
        deletions = pd.DataFrame({_ID: ids})
    if _ID not in deletions.columns:
        raise ValidationError(
            f"a deletions frame needs an {_ID!r} column (columns found: {list(deletions.columns)})",
            pd.DataFrame([[None, None, _ID, "column present", None]], columns=FAILURE_COLUMNS),
            len(deletions),
        )
    frame = deletions.reset_index(drop=True)
    ids = frame[_ID].astype("string").str.strip()
    problems = []
    missing_id = ids.isna() | (ids == "")
    problems.append((np.flatnonzero(missing_id.to_numpy(dtype=bool)), _ID, "required", frame[_ID]))
    if "deleted_timestamp" in frame.columns:
        raw = frame["deleted_timestamp"]
        numbers = pd.to_numeric(raw.astype("string").str.strip(), errors="coerce")
        numbers = pd.Series(np.asarray(numbers, dtype="float64"))
        bad = numbers.isna() | (numbers < 0) | (numbers % 1 != 0)
        problems.append(
            (np.flatnonzero(bad.to_numpy()), "deleted_timestamp", "an integer >= 0", raw)
        )
        stamps = numbers.where(~bad).astype("Int64")
    else:
        stamps = pd.array([None] * len(frame), dtype="Int64")
    failures = pd.concat(
        [
            pd.DataFrame(
                {
                    "row": rows,
                    "event_id_cnty": ids.iloc[rows].to_numpy(),
                    "column": column,
                    "rule": rule,
                    "value": values.iloc[rows].astype("string").to_numpy(),
                }
            )
            for rows, column, rule, values in problems
            if len(rows)
        ]
        or [pd.DataFrame(columns=FAILURE_COLUMNS)]
    )
    if len(failures):
        shown = "; ".join(
            f"row {r.row}: {r.column} {r.rule} (got {r.value})"
            for r in failures.head(10).itertuples()
        )
        raise ValidationError(
            f"{failures['row'].nunique()} of {len(frame)} deletions are invalid: {shown}",
            failures.reset_index(drop=True),
            len(frame),
        )
    parsed = pd.DataFrame({_ID: ids.astype(object), "deleted_timestamp": stamps})
    if not parsed[_ID].duplicated().any():
        return parsed
    # An id listed twice: a plain deletion (no timestamp) wins, else the latest.
    plain = parsed.groupby(_ID, sort=False)["deleted_timestamp"].apply(lambda s: s.isna().any())
    latest = parsed.groupby(_ID, sort=False)["deleted_timestamp"].max()
    return pd.DataFrame(
        {_ID: latest.index, "deleted_timestamp": latest.where(~plain).astype("Int64").to_numpy()}
    )


def _lookup(layout: _Layout, ids: list[str]) -> pd.DataFrame:
    """Stored timestamp and partition of these ids (index: id)."""
    records = []
    if layout.partitions and ids:
        key_of = {os.fspath(layout.root / p["path"]): tuple(p["key"]) for p in layout.partitions}
        stamped = _TIMESTAMP in layout.schema.names
        scanner = layout.dataset().scanner(
            columns=[_ID, _TIMESTAMP] if stamped else [_ID],
            filter=ds.field(_ID).isin(pa.array(ids, pa.large_string())),
        )
        for tagged in scanner.scan_batches():
            batch = tagged.record_batch
            if batch.num_rows:
                key = key_of[tagged.fragment.path]
                records.append(
                    pd.DataFrame(
                        {
                            "id": batch.column(_ID).to_pylist(),
                            "ts": (
                                batch.column(_TIMESTAMP).to_numpy()
                                if stamped
                                else np.zeros(batch.num_rows, dtype=np.int64)
                            ),
                            "key": [key] * batch.num_rows,
                        }
                    )
                )
    if not records:
        return pd.DataFrame({"ts": pd.Series(dtype="Int64"), "key": pd.Series(dtype=object)})
    found = pd.concat(records, ignore_index=True)
    if found["id"].duplicated().any():
        twice = found.loc[found["id"].duplicated(), "id"].iloc[:5].tolist()
        raise StoreError(f"{layout.root}: ids stored twice {twice}; the store is damaged")
    return found.set_index("id").astype({"ts": "Int64"})


def _differs(layout: _Layout, incoming: pd.DataFrame, known: pd.Index) -> Any:
    """For a source without ``timestamp``: 1 where a stored id's row differs, else 0."""
    ids = incoming[_ID].astype(object)
    out = np.zeros(len(incoming), dtype=np.int64)
    seen = ids.isin(known).to_numpy()
    if seen.any():
        expression = ds.field(_ID).isin(pa.array(ids[seen].tolist(), pa.large_string()))
        stored = _read_layout(layout, expression, None).set_index(_ID, drop=False)
        common = [c for c in incoming.columns if c in stored.columns]
        mine = incoming.loc[seen, common].reset_index(drop=True)
        theirs = stored.loc[ids[seen].tolist(), common].reset_index(drop=True)
        try:
            theirs = theirs.astype(mine.dtypes.to_dict())
            same = (
                pd.util.hash_pandas_object(mine, index=False).to_numpy()
                == pd.util.hash_pandas_object(theirs, index=False).to_numpy()
            )
        except (TypeError, ValueError):
            same = np.zeros(int(seen.sum()), dtype=bool)
        out[np.flatnonzero(seen)] = (~same).astype(np.int64)
    return pd.array(out, dtype="Int64")


@dataclass
class _Plan:
    """The outcome of applying rows then deletions to the stored state."""

    write: np.ndarray  # incoming rows to write (bool mask)
    removed_by_key: dict[tuple, list[str]]  # stored ids to drop, by partition
    tombstones: dict[str, int]
    counts: dict[str, int]

    @classmethod
    def make(
        cls,
        layout: _Layout,
        incoming: pd.DataFrame | None,
        deletions: pd.DataFrame | None,
        tombstones: dict[str, int],
    ) -> _Plan:
        incoming_ids = [] if incoming is None else incoming[_ID].astype(object).tolist()
        deleted_ids = [] if deletions is None else deletions[_ID].tolist()
        stored = _lookup(layout, list(dict.fromkeys(incoming_ids + deleted_ids)))
        tombstones = dict(tombstones)
        counts = dict.fromkeys(
            ("added", "updated", "unchanged", "stale", "deleted", "not_found", "stale_deletions"),
            0,
        )
        # state after the rows: id -> (timestamp, where: partition key or "incoming")
        state_ts = stored["ts"].copy()
        write = np.zeros(0, dtype=bool)
        removed: set[str] = set()
        if incoming is not None:
            ids = pd.Index(incoming_ids)
            if _TIMESTAMP in incoming.columns:
                ts = pd.array(incoming[_TIMESTAMP], dtype="Int64")
            else:  # no versions: a row differing from the stored one is newer
                ts = _differs(layout, incoming, stored.index)
            prior = pd.array(stored["ts"].reindex(ids), dtype="Int64")
            known = ~pd.isna(prior)
            newer = known & (ts > prior).fillna(False).to_numpy(dtype=bool)
            equal = known & (ts == prior).fillna(False).to_numpy(dtype=bool)
            buried_ts = pd.array(pd.Series(tombstones, dtype="Int64").reindex(ids), dtype="Int64")
            buried = ~known & (ts <= buried_ts).fillna(False).to_numpy(dtype=bool)
            added = ~known & ~buried
            write = added | newer
            counts.update(
                added=int(added.sum()),
                updated=int(newer.sum()),
                unchanged=int(equal.sum()),
                stale=int((known & ~newer & ~equal).sum() + buried.sum()),
            )
            removed |= set(ids[newer])
            for event_id in ids[added]:
                tombstones.pop(event_id, None)
            state_ts = pd.concat(
                [state_ts.drop(ids[newer]), pd.Series(ts[write], index=ids[write], dtype="Int64")]
            )
        if deletions is not None:
            present = deletions[_ID].isin(state_ts.index).to_numpy()
            current = pd.array(state_ts.reindex(deletions[_ID]), dtype="Int64")
            when = pd.array(deletions["deleted_timestamp"], dtype="Int64")
            newer_or_plain = (pd.isna(when) | (when >= current).fillna(False)).astype(bool)
            applies = present & np.asarray(newer_or_plain)
            counts.update(
                deleted=int(applies.sum()),
                not_found=int((~present).sum()),
                stale_deletions=int((present & ~applies).sum()),
            )
            gone = deletions.loc[applies, _ID].tolist()
            marks = np.where(pd.isna(when[applies]), current[applies], when[applies])
            tombstones.update({i: int(t) for i, t in zip(gone, marks, strict=True)})
            removed |= set(gone) & set(stored.index)
            if incoming is not None and gone:
                write = write & ~pd.Index(incoming_ids).isin(gone)
        removed_by_key: dict[tuple, list[str]] = {}
        for event_id in sorted(removed):
            removed_by_key.setdefault(stored.at[event_id, "key"], []).append(event_id)
        return cls(write, removed_by_key, tombstones, counts)

    def change(
        self, operation: str, when: pd.Timestamp, rows: int, parts: tuple[str, ...]
    ) -> StoreChange:
        return StoreChange(operation, when, rows=rows, partitions=parts, **self.counts)
