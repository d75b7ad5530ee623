"""The mirror: :class:`EventStore` keeps a dataset folder up to date with ACLED."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eventdata.core.errors import StoreError
from eventdata.core.options import as_names
from eventdata.core.schema import ACLED_SCHEMA, IncidentSchema
from eventdata.store._commit import (
    ROW_GROUP_SIZE,
    Change,
    now,
    provenance,
    sort_key,
    stored_keys,
    write_new_file,
)
from eventdata.store._groups import (
    DEFAULT_PARTITION_BY,
    check_partition_by,
    default_partition_by,
    group_rows,
)
from eventdata.store._guard import check_folder, export_format, guarded
from eventdata.store._layout import (
    Layout,
    data_coverage,
    filter_expression,
    layout_coverage,
    manifest_layout,
    read_dataset,
)
from eventdata.store._log import StoreChange, SyncResult, log_frame
from eventdata.store._manifest import WriterLock, load_manifest, remove_orphans
from eventdata.store._plan import Plan, parse_deletions
from eventdata.store._spans import coverage_frame, frame_spans, merge_spans
from eventdata.store._types import (
    DATE,
    ID,
    SORT_KEYS,
    cast_table,
    choose_schema,
    column_specs,
    decode_schema,
    dtype_of,
    dtype_spec,
    empty_frame,
    encode_schema,
    source_schema,
    to_arrow,
    validated,
)
from eventdata.store.parquet import export


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

    @guarded("opening the store")
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
        check_folder(self.path)
        manifest = load_manifest(self.path) if self.path.is_dir() else None
        self._schema = None if schema is None else choose_schema(None, schema)
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
            with WriterLock(self.path, blocking=False) as lock:
                if lock.held:
                    remove_orphans(self.path, load_manifest(self.path), self._partition_by)
        except OSError:  # a read-only copy of a store: nothing to clean
            pass

    # -- reading -----------------------------------------------------------------------

    def _manifest(self) -> dict[str, Any] | None:
        return load_manifest(self.path) if self.path.is_dir() else None

    @guarded("reading the store")
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
            filter_expression(**filters)  # a bad filter is an error even on an empty store
            empty = empty_frame(self._schema)
            empty.attrs["coverage"] = []
            if columns is None:
                return empty
            unknown = [c for c in columns if c not in empty.columns]
            if unknown:
                raise StoreError(
                    f"unknown column(s) {unknown}; the store has {list(empty.columns)}"
                )
            return empty[list(columns)]
        return read_dataset(self.path, columns, filters)

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
            return coverage_frame([])
        return coverage_frame(layout_coverage(manifest_layout(self.path, manifest)))

    def log(self) -> pd.DataFrame:
        """Every change applied, oldest first: when, operation, counts, partitions rewritten."""
        return log_frame((self._manifest() or {}).get("log", []))

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

    @guarded("upsert")
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
        typed = validated(events, source)
        parsed = None if deletions is None else parse_deletions(deletions)
        coverage = frame_spans(events, typed)
        return self._apply(typed, parsed, "upsert", coverage=coverage, source=source)

    def _source(self, events: pd.DataFrame | None) -> IncidentSchema:
        """The store's source schema; for a new store, the one given or the frame's."""
        manifest = self._manifest()
        if manifest is None:
            return self._schema or choose_schema(events, None)
        stored = source_schema(manifest["schema"]) or ACLED_SCHEMA
        found = None if events is None else choose_schema(events, None)
        if found is not None and found.name != stored.name and found.name != "core":
            raise StoreError(
                f"{self.path} holds {stored.name!r} data and the frame is {found.name!r} "
                "data; write a new store for another source"
            )
        return stored

    @guarded("delete")
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
        return self._apply(None, parse_deletions(deletions), "delete")

    @guarded("sync")
    def sync(
        self,
        client: Any,
        *,
        countries: str | Iterable[str] | None = None,
        since: int | None = None,
        progress: Any = None,
        quarantine: str | os.PathLike | Callable[[pd.DataFrame], Any] | None = None,
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
        quarantine : path or callable, optional
            Where the rows that fail validation go, before the store changes: a
            new CSV file (never one that exists, nor one inside the store), or a
            callable given the rejected rows that writes them and returns the path
            written. A file is written only when a row is rejected, whole and
            synced, and before the store's change is committed, so that no crash
            loses the record of what was set aside while the store moved on. If
            the change then fails, the file given as a path is removed again: the
            sync is undone whole (a callable's file is the callable's to keep).
            After a crash between the two the file stays, and the next sync, which
            fetches the same rows again, needs another name.

        Returns
        -------
        SyncResult
            The store change, the rows the API sent that failed validation (kept
            aside, not stored), the ``since`` used and where the rejected rows
            were written.
        """
        if self._source(None).name != ACLED_SCHEMA.name:
            raise StoreError(
                f"{self.path} holds {self._source(None).name!r} data; sync reads ACLED's API "
                "(update other sources with upsert)"
            )
        target = None
        if quarantine is not None and not callable(quarantine):
            target = self._new_file_outside(quarantine)
        if since is None:
            since = self._watermark(countries)
        checked = client.events(
            countries=countries, since_timestamp=since, errors="quarantine", progress=progress
        )
        deletions = None
        if since is not None:
            deletions = client.deletions(since_timestamp=since, progress=progress)
        parsed = None if deletions is None or not len(deletions) else parse_deletions(deletions)
        fetched = validated(checked.valid)
        coverage = self._synced_coverage(fetched, countries, since)
        written = None
        if len(checked.rejected) and target is not None:
            write_new_file(target, checked.rejected.to_csv(index=False).encode("utf-8"))
            written = target
        elif len(checked.rejected) and quarantine is not None:
            written = quarantine(checked.rejected)
        generation = (self._manifest() or {}).get("generation")
        try:
            change = self._apply(fetched, parsed, "sync", coverage=coverage)
        except BaseException:
            if target is not None and written is not None and not self._changed_since(generation):
                target.unlink(missing_ok=True)
            raise
        return SyncResult(
            change=change,
            rejected=checked.rejected,
            since=since,
            quarantine=None if written is None else Path(written),
        )

    def _new_file_outside(self, path: str | os.PathLike) -> Path:
        """A path for a new file outside the store, or a StoreError saying why not."""
        target = Path(path)
        if target.exists() or target.is_symlink():
            raise StoreError(
                f"{target} already exists; rejected rows never replace a file (choose a new name)"
            )
        if not target.parent.is_dir():
            raise StoreError(f"{target}: the folder {target.parent} does not exist")
        store, real = os.path.realpath(self.path), os.path.realpath(target)
        if os.path.commonpath([store, real]) == store:
            raise StoreError(
                f"{target} is inside the store {self.path}; write the rejected rows outside it"
            )
        return target

    def _changed_since(self, generation: int | None) -> bool:
        """Whether the store moved on from ``generation`` (when it cannot be told: yes)."""
        try:
            return (self._manifest() or {}).get("generation") != generation
        except Exception:
            return True

    def _synced_coverage(
        self, fetched: pd.DataFrame, countries: str | Iterable[str] | None, since: int | None
    ) -> list[dict[str, Any]]:
        """Per country synced, the span asked for: from its first known day through today.

        Changes since ``since`` were asked for, so a country's span starts where its
        recorded coverage starts (or at its first event fetched, when the store
        holds none of it or everything was asked for).
        """
        today = now().date().isoformat()
        first = fetched.groupby(fetched["country"].astype(object), sort=True)[DATE].min()
        stored = self.coverage if since is not None else coverage_frame([])
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

    @guarded("compact")
    def compact(self) -> StoreChange:
        """Rewrite every partition with the current writer and remove any leftovers.

        The content is unchanged. Worth running after upgrading eventdata (files get the
        current format, schema version and provenance) or changing ``row_group_size``.
        """
        with self._writing() as (old, change):
            layout = manifest_layout(self.path, old)
            tables = [
                (tuple(p["key"]), _bind(_partition_table, layout, p, change.schema))
                for p in layout.partitions
            ]
            when = now()
            return change.commit(tables, lambda rows, parts: _compacted(when, rows, parts))

    @guarded("export")
    def export(self, path: str | os.PathLike, **filters: Any) -> Path:
        """Write the matching events to one file: ``.parquet`` or ACLED-style ``.csv``.

        ``filters`` are those of :meth:`read`; see :func:`export`.

        Raises
        ------
        StoreError
            When nothing was ever stored here (a mistyped path?) or the extension is unknown.
        """
        export_format(path)
        if self._manifest() is None:
            raise StoreError(f"{self.path}: no eventdata store here (nothing to export)")
        return export(self.read(**filters), path)

    @contextlib.contextmanager
    def _writing(
        self, incoming: pd.DataFrame | None = None, source: IncidentSchema | None = None
    ) -> Iterator[tuple[dict[str, Any], Change]]:
        check_folder(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        with WriterLock(self.path):
            old = load_manifest(self.path)
            remove_orphans(self.path, old, self._partition_by)
            if old is not None:  # another process may have rewritten the store since we opened it
                self._partition_by = tuple(old["partition_by"])
                stored_source = source_schema(old["schema"]) or ACLED_SCHEMA
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
                basis = empty_frame(source)
            if old is None:
                if not self._partition_by_given:
                    self._partition_by = default_partition_by(basis)
                old = self._empty_manifest(basis, to_arrow(basis).schema, source)
            # A write to a store of an older compatible schema version migrates it.
            columns, schema = _merged_columns(old, basis, source)
            yield (
                old,
                Change(
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
        partition_by = check_partition_by(frame, self._partition_by)
        return {
            "format": "eventdata-store",
            **provenance(column_specs(frame), partition_by, 0, source),
            "generation": 0,
            "arrow_schema": encode_schema(schema),
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
            layout = manifest_layout(self.path, old)
            if coverage:  # the spans recorded so far (or the data's, for an older store)
                recorded = old.get("coverage")
                if recorded is None and old.get("new") is None:
                    recorded = data_coverage(layout)
                coverage = merge_spans([*(recorded or []), *coverage])
            else:
                coverage = None
            if incoming is not None:
                check_partition_by(incoming, self._partition_by)
            plan = Plan.make(layout, incoming, deletions, old.get("deleted", {}))
            groups = {}
            table = None
            if incoming is not None:
                table = to_arrow(incoming, change.schema)
                groups = group_rows(incoming.loc[plan.write], self._partition_by)
                positions = np.flatnonzero(plan.write)
                groups = {k: positions[v] for k, v in groups.items()}
            schema_changed = old.get("new") is None and (
                change.columns != old["columns"] or change.schema != layout.schema
            )
            keys = set(groups) | set(plan.removed_by_key)
            if schema_changed:  # every file gets the new columns, so that all files agree
                keys |= set(stored_keys(old))
            tables = self._partition_tables(layout, change, keys, plan, table, groups)
            when = now()

            def entry(rows: int, parts: tuple[str, ...]) -> StoreChange:
                return plan.change(operation, when, rows, parts)

            return change.commit(tables, entry, deleted=plan.tombstones, coverage=coverage)

    def _partition_tables(
        self,
        layout: Layout,
        change: Change,
        keys: set[tuple],
        plan: Plan,
        table: pa.Table | None,
        groups: dict[tuple, np.ndarray],
    ) -> list[tuple[tuple, Callable[[], pa.Table]]]:
        stored = {tuple(p["key"]): p for p in layout.partitions}
        file_schema = pa.schema([f for f in change.schema if f.name not in self._partition_by])
        added = None if table is None else cast_table(table, file_schema)

        def build(key: tuple) -> pa.Table:
            parts = []
            if key in stored:
                kept = _partition_table(layout, stored[key], change.schema)
                removed = plan.removed_by_key.get(key)
                if removed:
                    kept = kept.filter(pc.invert(pc.is_in(kept[ID], pa.array(removed))))
                parts.append(kept)
            if key in groups:
                parts.append(added.take(pa.array(groups[key])))
            return pa.concat_tables(parts).sort_by(SORT_KEYS)

        return [(key, _bind(build, key)) for key in sorted(keys, key=sort_key)]


def _bind(function: Callable[..., pa.Table], *args: Any) -> Callable[[], pa.Table]:
    return lambda: function(*args)


def _compacted(when: pd.Timestamp, rows: int, parts: tuple[str, ...]) -> StoreChange:
    return StoreChange("compact", when, rows=rows, partitions=parts)


def _partition_table(layout: Layout, partition: dict[str, Any], schema: pa.Schema) -> pa.Table:
    """A partition's file, in the (possibly widened) file schema of ``schema``."""
    file_schema = pa.schema([f for f in schema if f.name not in layout.partition_by])
    stored_schema = layout.file_schema
    table = layout.dataset(layout.fragments([partition])).to_table(columns=stored_schema.names)
    return cast_table(table, file_schema)


def _merged_columns(
    manifest: dict[str, Any], incoming: pd.DataFrame | None, source: IncidentSchema
) -> tuple[list[dict[str, Any]], pa.Schema]:
    """The store's columns after this change: new columns appended, dtypes checked."""
    columns = [dict(c) for c in manifest["columns"]]
    schema = decode_schema(manifest["arrow_schema"])
    if incoming is None:
        return columns, schema
    known = {c["name"]: i for i, c in enumerate(columns)}
    incoming_schema = to_arrow(incoming.head(0)).schema
    fields_ = list(schema)
    for name in incoming.columns:
        spec = dtype_spec(incoming[name].dtype, name)
        if name not in known:
            columns.append({"name": name, "dtype": spec})
            fields_.append(incoming_schema.field(name))
        elif columns[known[name]]["dtype"] != spec:
            if name not in source.fields:
                raise StoreError(
                    f"column {name!r} is stored as {dtype_of(columns[known[name]]['dtype'])}, "
                    f"given as {incoming[name].dtype}; convert it before storing"
                )
            # A newer compatible schema version: its dtype wins, files are rewritten.
            columns[known[name]] = {"name": name, "dtype": spec}
            fields_[known[name]] = incoming_schema.field(name)
    return columns, pa.schema(fields_)
