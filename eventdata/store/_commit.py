"""Writing a store change: partition files encoded and written, then one manifest switch.

Data files are immutable; a change writes new files for the partitions it touches,
then replaces the manifest with write-to-temp, fsync and ``os.replace``. A crash at any
moment leaves the previous state whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from eventdata.core import codebook
from eventdata.core.errors import StoreError
from eventdata.core.files import move_to_new_name
from eventdata.core.schema import ACLED_SCHEMA, IncidentSchema
from eventdata.core.version import __version__
from eventdata.store._log import StoreChange, entry_record
from eventdata.store._manifest import FORMAT_VERSION, MANIFEST, METADATA_KEY, fsync, remove_orphans
from eventdata.store._types import (
    DATE,
    ID,
    SORT_KEYS,
    TIMESTAMP,
    encode_schema,
    stored_types,
)

#: Rows per row group: small enough that a date filter skips most of a big
#: country-year file, large enough to keep per-group overhead negligible.
ROW_GROUP_SIZE = 16_384
#: Parquet compression. Snappy, as pandas and DuckDB write by default: zstd (level 1)
#: made files a third smaller (65 MB against 97 MB for 2.5M events) but took 15%
#: longer to write and 25% longer to read back whole.
COMPRESSION = "snappy"
#: Threads that build and write partitions in parallel.
WORKERS = min(4, os.cpu_count() or 1)

#: Text columns whose values (nearly) never repeat: written without dictionary
#: encoding, which would hash every value for nothing (the ids' files are also
#: smaller without it).
_UNIQUE_TEXT = frozenset({ID, "notes"})


def checkpoint(name: str) -> None:
    """A named moment of a write; does nothing (tests replace it to crash a writer there).

    The moments, in order: ``"data-written"`` (new data files in place, manifest
    not yet written), ``"manifest-written"`` (temporary manifest written and
    synced, not yet switched), ``"manifest-replaced"`` (the new state is live),
    ``"old-file-removed"`` (after each replaced file is removed).
    """


def _eventdata_version() -> str:
    return __version__


def _date_range(table: pa.Table) -> list[str | None]:
    if table.num_rows == 0 or DATE not in table.column_names:
        return [None, None]
    bounds = pc.min_max(table.column(DATE))
    return [bounds["min"].as_py().date().isoformat(), bounds["max"].as_py().date().isoformat()]


def _timestamp_range(table: pa.Table) -> list[int | None]:
    if table.num_rows == 0 or TIMESTAMP not in table.column_names:
        return [None, None]
    bounds = pc.min_max(table.column(TIMESTAMP))
    return [bounds["min"].as_py(), bounds["max"].as_py()]


def provenance(
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


@dataclass(frozen=True)
class Encoded:
    """A Parquet file encoded in memory, and what the manifest records of it."""

    data: pa.Buffer
    rows: int
    event_date: list[str | None]
    timestamp: list[int | None]


def encode_file(table: pa.Table, meta: dict[str, Any], row_group_size: int) -> Encoded:
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
    return Encoded(sink.getvalue(), table.num_rows, event_date, timestamp)


def write_file(path: Path, encoded: Encoded) -> None:
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


def write_new_file(path: Path, data: bytes) -> None:
    """Write a file that does not exist yet, whole and synced, or not at all.

    The bytes go to a hidden temporary name first, then to ``path`` by
    :func:`eventdata.core.files.move_to_new_name`: a file there (FileExistsError),
    even one made at the same moment, is never replaced.
    """
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        move_to_new_name(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the file is whole whatever this says
        fsync(path.parent)


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
        checkpoint("manifest-written")
        os.replace(temporary, root / MANIFEST)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # the new state is live whatever this says
        fsync(root)


@dataclass
class Change:
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
        tables: Iterable[tuple[tuple, Callable[[], pa.Table | Encoded]]],
        change: Callable[[int, tuple[str, ...]], StoreChange],
        deleted: dict[str, int] | None = None,
        coverage: list[dict[str, Any]] | None = None,
    ) -> StoreChange:
        """Write the new partition tables, switch the manifest, remove replaced files.

        ``tables`` pairs each partition key with a function building its new content
        (no rows: the partition goes), as a table or already encoded (by
        :func:`encode_partition`). Partitions are built and written by a few
        threads: the work is Parquet encoding and disk waits, which release the GIL.
        """
        partitions = {tuple(p["key"]): p for p in (self.old or {}).get("partitions", [])}
        written: list[Path] = []

        def write(key: tuple, build: Callable[[], pa.Table | Encoded]) -> dict[str, Any] | None:
            built = build()
            if (built.num_rows if isinstance(built, pa.Table) else built.rows) == 0:
                return None
            if isinstance(built, pa.Table):
                built = encode_partition(
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
            write_file(self.root / relative, built)
            written.append(self.root / relative)
            return {
                "key": list(key),
                "path": relative,
                "rows": built.rows,
                "event_date": built.event_date,
                "timestamp": built.timestamp,
            }

        try:
            with ThreadPoolExecutor(WORKERS) as pool:
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
                fsync(folder)
            checkpoint("data-written")
            live = [partitions[k] for k in sorted(partitions, key=sort_key)]
            entry = change(sum(p["rows"] for p in live), tuple(touched))
            manifest = self._manifest(live, entry, deleted, coverage)
            _write_manifest(self.root, manifest)
        except BaseException:
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
            raise
        checkpoint("manifest-replaced")
        kept = {p["path"] for p in live}
        for p in (self.old or {}).get("partitions", []):
            if p["path"] not in kept:
                with contextlib.suppress(OSError):  # left for the next clean-up
                    (self.root / p["path"]).unlink(missing_ok=True)
                checkpoint("old-file-removed")
                for folder in PurePosixPath(p["path"]).parents[:-1]:
                    with contextlib.suppress(OSError):  # not empty: kept
                        os.rmdir(self.root / folder)
        remove_orphans(self.root, manifest, self.partition_by)
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
            **provenance(
                self.columns, self.partition_by, sum(p["rows"] for p in live), self.source
            ),
            "generation": old.get("generation", 0) + 1,
            "created": old.get("created", entry.when.isoformat()),
            "updated": entry.when.isoformat(),
            "event_date": [min(starts), max(ends)] if live else [None, None],
            "timestamp": [min(first_ts), max(last_ts)] if first_ts else [None, None],
            "arrow_schema": encode_schema(self.schema),
            "partitions": live,
            "deleted": old.get("deleted", {}) if deleted is None else deleted,
            "log": [*old.get("log", []), entry_record(entry)],
            **({} if coverage is None else {"coverage": coverage}),
        }


def encode_partition(
    table: pa.Table,
    key: tuple,
    columns: list[dict[str, Any]],
    partition_by: tuple[str, ...],
    row_group_size: int,
    source: IncidentSchema | None = None,
) -> Encoded:
    """A partition's file, encoded (:func:`encode_file`) with its provenance."""
    meta = provenance(columns, partition_by, table.num_rows, source)
    meta["partition"] = dict(zip(partition_by, key, strict=True))
    return encode_file(table, meta, row_group_size)


def sort_key(key: tuple) -> tuple:
    return tuple((0, v) if isinstance(v, (int, float)) else (1, str(v)) for v in key)


def now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").floor("s")


def split_tables(
    table: pa.Table, groups: dict[tuple, np.ndarray], partition_by: Sequence[str]
) -> list[tuple[tuple, Callable[[], pa.Table]]]:
    """Each partition's key, and a function building its file: its rows, sorted, stored types.

    ``table`` comes from :func:`from_pandas`. Each partition is built (by a
    writer thread) from the rows it needs, and dropped once written: the whole
    table is never copied at once. Dictionary columns are converted to their
    values only then, after the rows are chosen.
    """
    file_table = table.drop_columns(list(partition_by))
    # Record batches share the table's memory; taking rows batch by batch avoids
    # Arrow's take on a chunked text column, which concatenates the whole column.
    batches = file_table.to_batches()
    key_batches = [batch.select([name for name, _ in SORT_KEYS]) for batch in batches]
    starts = np.cumsum([0] + [batch.num_rows for batch in batches])

    def rows(positions: np.ndarray) -> Callable[[], pa.Table]:
        def build() -> pa.Table:
            keys = pa.Table.from_batches(_rows_of_batches(key_batches, starts, positions))
            order = pc.sort_indices(keys, sort_keys=SORT_KEYS).to_numpy()
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
            return stored_types(part)

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


def stored_keys(manifest: dict[str, Any] | None) -> list[tuple]:
    return [tuple(p["key"]) for p in (manifest or {}).get("partitions", [])]
