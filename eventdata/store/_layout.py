"""Where the files of a dataset are and what they hold; filters pushed down to them.

A dataset is a folder named by its manifest, or one Parquet file written by eventdata;
both are read through :mod:`pyarrow.dataset`, only the partitions and row groups a filter
can match being opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from eventdata.core import codebook
from eventdata.core.errors import StoreError
from eventdata.core.options import as_day, as_names
from eventdata.core.schema import ACLED_SCHEMA, IncidentSchema
from eventdata.core.validity import mark_valid
from eventdata.store._manifest import MANIFEST, METADATA_KEY, file_meta, load_manifest
from eventdata.store._spans import clip_spans, merge_spans
from eventdata.store._types import (
    DATE,
    ID,
    SORT_KEYS,
    decode_schema,
    dtype_of,
    source_schema,
    to_pandas,
)

FILE_FORMAT = ds.ParquetFileFormat()
FILESYSTEM = pa.fs.LocalFileSystem()


@dataclass(frozen=True)
class Layout:
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
        return source_schema(self.meta["schema"]) or ACLED_SCHEMA

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
            FILE_FORMAT.make_fragment(
                os.fspath(self.root / p["path"]),
                filesystem=FILESYSTEM,
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
        return ds.FileSystemDataset(chosen, self.schema, FILE_FORMAT, FILESYSTEM)


def manifest_layout(root: Path, manifest: dict[str, Any]) -> Layout:
    return Layout(
        root=root,
        meta=manifest,
        schema=decode_schema(manifest["arrow_schema"]),
        partitions=tuple(manifest["partitions"]),
    )


def open_layout(path: str | os.PathLike) -> Layout:
    path = Path(path)
    if path.is_dir():
        manifest = load_manifest(path)
        if manifest is None:
            raise StoreError(
                f"{path}: no {MANIFEST} here, so not a dataset written by eventdata "
                "(write one with write_parquet or EventStore)"
            )
        return manifest_layout(path, manifest)
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
    meta = file_meta(raw, path)
    schema = schema.remove_metadata()
    if [c["name"] for c in meta["columns"]] != schema.names:
        raise StoreError(f"{path}: its eventdata metadata does not describe its columns")
    partition = {"key": [], "path": path.name}
    return Layout(path.parent, meta, schema, (partition,))


def _texts(value: str | Iterable[str], what: str) -> pa.Array:
    """Filter values as an Arrow array of the stored text type (also when empty)."""
    return pa.array(as_names(value, what, error=StoreError), pa.large_string())


def filter_expression(
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
        parts.append(ds.field(DATE) >= pa.scalar(first.as_unit("ns"), pa.timestamp("ns")))
        parts += [ds.field("year") >= first.year] if year else []
    if last is not None:
        parts.append(ds.field(DATE) <= pa.scalar(last.as_unit("ns"), pa.timestamp("ns")))
        parts += [ds.field("year") <= last.year] if year else []
    if not parts:
        return None
    expression = parts[0]
    for part in parts[1:]:
        expression = expression & part
    return expression


def plan_fragments(layout: Layout, expression: ds.Expression | None) -> list[Any]:
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


def read_dataset(
    path: str | os.PathLike,
    columns: Sequence[str] | None,
    filters: dict[str, Any],
) -> pd.DataFrame:
    for attempt in range(8):
        layout = open_layout(path)
        expression = filter_expression(**filters, source=layout.source, names=layout.schema.names)
        try:
            frame = read_layout(layout, expression, columns)
            if columns is None and layout.meta["schema_version"] == layout.source.version:
                mark_valid(frame, layout.source)  # validated when it was written
            frame.attrs["coverage"] = clip_spans(
                layout_coverage(layout), filters["countries"], filters["start"], filters["end"]
            )
            return frame
        except FileNotFoundError as exc:
            # A writer replaced files after we read the manifest: read the new state.
            fresh = load_manifest(layout.root) if (layout.root / MANIFEST).exists() else None
            same = fresh is None or fresh.get("generation") == layout.meta.get("generation")
            if same or attempt == 7:
                raise StoreError(
                    f"{path}: a data file is missing ({exc}); the store is damaged"
                ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def read_layout(
    layout: Layout, expression: ds.Expression | None, columns: Sequence[str] | None
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
    scanned = [c for c in stored if c in wanted or c in (DATE, ID)]
    fragments = plan_fragments(layout, expression)
    table = layout.dataset(fragments).to_table(columns=scanned, filter=expression)
    table = table.sort_by(SORT_KEYS)
    specs = layout.specs
    data = {}
    for name in wanted:
        if name in specs:
            data[name] = to_pandas(table.column(name), dtype_of(specs[name]), name)
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


def data_coverage(layout: Layout) -> list[dict[str, Any]]:
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
        return merge_spans(found.values())
    if not layout.partitions:
        return []
    names = [c for c in ("country", DATE) if c in layout.schema.names]
    table = layout.dataset().to_table(columns=names)
    if "country" not in names:
        table = table.append_column("country", pa.nulls(table.num_rows, pa.large_string()))
    grouped = table.group_by("country").aggregate([(DATE, "min"), (DATE, "max")]).to_pylist()
    return merge_spans(
        {
            "country": row["country"],
            "start": row[f"{DATE}_min"].date().isoformat(),
            "end": row[f"{DATE}_max"].date().isoformat(),
        }
        for row in grouped
        if row[f"{DATE}_min"] is not None
    )


def layout_coverage(layout: Layout) -> list[dict[str, Any]]:
    """The recorded coverage, or the data's first..last day per country when none is."""
    if "coverage" in layout.meta:
        return [dict(s) for s in layout.meta["coverage"]]
    return data_coverage(layout)
