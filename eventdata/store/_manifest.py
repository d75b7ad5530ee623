"""The manifest of a dataset folder: checked as untrusted input, loaded, and guarded.

A store folder may come from anyone: every field of its manifest (``_eventdata.json``) is
checked before it is used, and every path it names must be one of our part files inside
the store. Also here: the writer lock, and the clean-up of a crashed writer's leftovers.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from eventdata.core.errors import StoreError
from eventdata.core.schema import ACLED_SCHEMA, SCHEMAS
from eventdata.store._spans import checked_spans
from eventdata.store._types import (
    DATE,
    ID,
    decode_schema,
    dtype_of,
    is_int,
    major,
    need,
    source_schema,
)

#: The manifest of a dataset folder: the live file of each partition, the store's
#: metadata, its log and its deletions. Names starting with "_" are skipped by
#: pyarrow's, Spark's and Polars' dataset discovery.
MANIFEST = "_eventdata.json"
LOCK = "_eventdata.lock"
#: Version of the folder layout and manifest (not of the incident schema).
FORMAT_VERSION = 1
#: Key of the provenance record in each Parquet file's key-value metadata.
METADATA_KEY = b"eventdata"
#: Seconds a writer waits for another writer of the same store before giving up.
LOCK_TIMEOUT = 600.0
#: Threads that build and write partitions in parallel.

_OUR_FILE = re.compile(r"\.?part-[0-9a-f]{32}\.parquet(\.tmp)?")
_OUR_TEMP_MANIFEST = re.compile(r"_eventdata\.json\.[0-9a-f]{32}\.tmp")
LOG_COLUMNS = (
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


def _check_compatible(meta: dict[str, Any], where: str) -> None:
    version_ = meta.get("format_version", 0)
    if not is_int(version_) or version_ < 1:
        raise StoreError(f"{where}: unknown storage format version {version_!r}")
    if version_ > FORMAT_VERSION:
        raise StoreError(
            f"{where} was written by a newer eventdata ({meta.get('eventdata_version')}) "
            f"in storage format {meta['format_version']}; upgrade eventdata to read it"
        )
    name, version = meta.get("schema"), meta.get("schema_version", "?")
    schema = source_schema(name)
    if schema is None or major(version) != major(schema.version):
        known = ", ".join(repr(s) for s in SCHEMAS if s != "core") + ", 'core'"
        current = schema or ACLED_SCHEMA
        raise StoreError(
            f"{where} was written with the {name!r} schema version {version}; this eventdata "
            f"reads the {known} schemas in version {major(current.version)}.x "
            f"(currently {current.version}). Read it with the eventdata version that wrote "
            f"it ({meta.get('eventdata_version', 'unknown')}) and export it as CSV."
        )


_PART_FILE = re.compile(r"part-[0-9a-f]{32}\.parquet")


def _check_day(value: Any, what: str, *, missing: bool = True) -> None:
    if value is None and missing:
        return
    need(isinstance(value, str), f"{what} is not a date")
    try:
        pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise StoreError(f"{what} is not a date ({value!r})") from None


def _check_pair(value: Any, what: str, check: Callable[[Any, str], None]) -> None:
    need(isinstance(value, list) and len(value) == 2, f"{what} is not a [first, last] pair")
    for item in value:
        check(item, what)


def _check_optional_int(value: Any, what: str) -> None:
    need(value is None or is_int(value), f"{what} is not an integer")


def _check_spec(spec: Any, what: str) -> None:
    need(isinstance(spec, dict) and isinstance(spec.get("type"), str), f"{what} is not a dtype")
    problem = _spec_problem(json.dumps(spec, sort_keys=True))
    need(problem is None, f"{what} is not a dtype ({problem})")


@functools.lru_cache(maxsize=256)
def _spec_problem(text: str) -> str | None:
    """Why a dtype record (as JSON text) is not one :func:`dtype_of` reads, or None."""
    try:
        dtype_of(json.loads(text))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return repr(exc)
    return None


def _check_part_path(path: Any, partition_by: Sequence[str], what: str) -> None:
    """A part file's path: relative, normalised, one ``name=value`` folder per partition."""
    need(isinstance(path, str) and path != "", f"{what} is not a path")
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
    need(not unsafe, f"{what} {path!r} is not a path inside the store")
    need(
        bool(_PART_FILE.fullmatch(parts[-1])) and len(parts) == len(partition_by) + 1,
        f"{what} {path!r} does not name a part file (part-<32 hex digits>.parquet) "
        f"in {len(partition_by)} partition folder(s)",
    )
    for folder, name in zip(parts[:-1], partition_by, strict=True):
        need(folder.startswith(f"{name}="), f"{what} {path!r}: folder {folder!r} is not {name}=")


def _check_partitions(manifest: dict[str, Any], partition_by: list[str]) -> None:
    partitions = manifest.get("partitions")
    need(isinstance(partitions, list), "'partitions' is not a list")
    seen_keys: set[tuple] = set()
    seen_paths: set[str] = set()
    for number, entry in enumerate(partitions):
        what = f"partition {number}"
        need(isinstance(entry, dict), f"{what} is not a record")
        key = entry.get("key")
        need(
            isinstance(key, list)
            and len(key) == len(partition_by)
            and all(isinstance(v, str) or is_int(v) for v in key),
            f"{what}: 'key' is not a list of {len(partition_by)} text or integer value(s)",
        )
        need(tuple(key) not in seen_keys, f"{what}: partition {key} is listed twice")
        seen_keys.add(tuple(key))
        _check_part_path(entry.get("path"), partition_by, f"{what}: 'path'")
        need(entry["path"] not in seen_paths, f"{what}: file {entry['path']!r} is listed twice")
        seen_paths.add(entry["path"])
        rows = entry.get("rows")
        need(is_int(rows) and rows >= 0, f"{what}: 'rows' is not a count")
        _check_pair(entry.get("event_date"), f"{what}: 'event_date'", _check_day)
        _check_pair(entry.get("timestamp"), f"{what}: 'timestamp'", _check_optional_int)


def _check_columns(manifest: dict[str, Any], partition_by: list[str]) -> None:
    columns = manifest.get("columns")
    need(isinstance(columns, list), "'columns' is not a list")
    names = []
    for number, column in enumerate(columns):
        need(
            isinstance(column, dict) and isinstance(column.get("name"), str),
            f"column {number} has no name",
        )
        _check_spec(column.get("dtype"), f"column {column['name']!r}: 'dtype'")
        names.append(column["name"])
    need(len(set(names)) == len(names), "'columns' names a column twice")
    need(isinstance(manifest.get("arrow_schema"), str), "'arrow_schema' is not text")
    schema = decode_schema(manifest["arrow_schema"])
    need(
        schema.names == names,
        f"'arrow_schema' has the columns {schema.names}, 'columns' {names}",
    )
    for name in (*partition_by, DATE, ID):
        need(name in names, f"'columns' has no {name!r} column")


def _check_log(manifest: dict[str, Any]) -> None:
    log = manifest.get("log", [])
    need(isinstance(log, list), "'log' is not a list")
    counts = [c for c in LOG_COLUMNS if c not in ("when", "operation", "partitions")]
    for number, record in enumerate(log):
        what = f"log entry {number}"
        need(isinstance(record, dict), f"{what} is not a record")
        try:
            when = record.get("when")
            need(isinstance(when, str), "not text")
            datetime.datetime.fromisoformat(when)
        except (ValueError, TypeError, OverflowError, StoreError):
            raise StoreError(f"{what}: 'when' is not a time ({when!r})") from None
        need(isinstance(record.get("operation"), str), f"{what}: 'operation' is not text")
        for name in counts:
            need(is_int(record.get(name, 0)), f"{what}: {name!r} is not a count")
        parts = record.get("partitions", [])
        need(
            isinstance(parts, list) and all(isinstance(p, str) for p in parts),
            f"{what}: 'partitions' is not a list of text",
        )


def _check_manifest(manifest: Any, where: str) -> dict[str, Any]:
    """The manifest, if every field it holds is what eventdata writes; else StoreError."""
    try:
        need(isinstance(manifest, dict), "not a JSON object")
        need(manifest.get("format") == "eventdata-store", "not an eventdata manifest")
        _check_compatible(manifest, where)
        partition_by = manifest.get("partition_by")
        need(
            isinstance(partition_by, list)
            and all(isinstance(n, str) and n and "/" not in n for n in partition_by)
            and len(set(partition_by)) == len(partition_by),
            "'partition_by' is not a list of distinct column names",
        )
        need(isinstance(manifest.get("schema_version"), str), "'schema_version' is not text")
        _check_columns(manifest, partition_by)
        _check_partitions(manifest, partition_by)
        for name in ("generation", "n_rows"):
            need(is_int(manifest.get(name)), f"{name!r} is not an integer")
        need(
            manifest["n_rows"] == sum(p["rows"] for p in manifest["partitions"]),
            "'n_rows' is not the sum of the partitions' rows",
        )
        deleted = manifest.get("deleted", {})
        need(
            isinstance(deleted, dict) and all(is_int(t) for t in deleted.values()),
            "'deleted' is not a map of ids to Unix times",
        )
        _check_log(manifest)
        for name in ("created", "updated"):
            if name in manifest:
                _check_day(manifest[name], repr(name))
        _check_pair(manifest.get("event_date", [None, None]), "'event_date'", _check_day)
        _check_pair(manifest.get("timestamp", [None, None]), "'timestamp'", _check_optional_int)
        if "coverage" in manifest:
            manifest["coverage"] = checked_spans(manifest["coverage"], "'coverage'")
    except StoreError as exc:
        message = str(exc)
        if message.startswith(where):
            raise
        raise StoreError(
            f"{where}/{MANIFEST}: damaged or hand-edited manifest: {message}; the store "
            "cannot be used (restore the folder from a copy, or re-import its data)"
        ) from None
    return manifest


def load_manifest(root: Path) -> dict[str, Any] | None:
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


def file_meta(raw: bytes, path: Path) -> dict[str, Any]:
    """The provenance record of a single Parquet file, checked as a manifest is."""
    try:
        meta = json.loads(raw)
        need(isinstance(meta, dict), "not a JSON object")
        _check_compatible(meta, str(path))
        need(meta.get("partition_by") == [], "'partition_by' is not []")
        columns = meta.get("columns")
        need(isinstance(columns, list), "'columns' is not a list")
        for column in columns:
            need(isinstance(column, dict) and isinstance(column.get("name"), str), "bad column")
            _check_spec(column.get("dtype"), f"column {column['name']!r}: 'dtype'")
        need(isinstance(meta.get("schema_version"), str), "'schema_version' is not text")
        if "coverage" in meta:
            meta["coverage"] = checked_spans(meta["coverage"], "'coverage'")
    except (ValueError, RecursionError, StoreError) as exc:
        if isinstance(exc, StoreError) and str(exc).startswith(str(path)):
            raise
        raise StoreError(f"{path}: damaged eventdata metadata ({exc})") from None
    return meta


def fsync(path: Path) -> None:
    if os.name != "posix" and path.is_dir():
        return  # directories cannot be opened for syncing on Windows
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_orphans(
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


class WriterLock:
    """One writer at a time per store (an OS file lock, released if the process dies)."""

    def __init__(self, root: Path, *, blocking: bool = True) -> None:
        self.root, self.blocking, self.fd, self.held = root, blocking, -1, False

    def __enter__(self) -> WriterLock:
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
