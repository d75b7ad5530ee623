"""How stored columns are typed: exact pandas dtypes, Arrow types, source schemas.

A write records each column's pandas dtype (categoricals with their vocabularies, the
string storage) so that a read gives back exactly what was written; the source schema
(ACLED, UCDP GED, incidents, core) is named in the manifest and chosen here.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eventdata.core.errors import StoreError
from eventdata.core.schema import ACLED_SCHEMA, SCHEMAS, IncidentSchema
from eventdata.core.validation import validate
from eventdata.core.validity import known_valid

ID, DATE, TIMESTAMP = "event_id_cnty", "event_date", "timestamp"
SORT_KEYS = [(DATE, "ascending"), (ID, "ascending")]


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def need(condition: bool, what: str) -> None:
    if not condition:
        raise StoreError(what)


def dtype_spec(dtype: Any, column: str) -> dict[str, Any]:
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
            "categories_dtype": dtype_spec(categories.dtype, column),
        }
    if isinstance(dtype, pd.StringDtype):
        na_value = "NA" if dtype.na_value is pd.NA else "nan"
        return {"type": "string", "storage": dtype.storage, "na_value": na_value}
    return {"type": str(dtype)}


def dtype_of(spec: dict[str, Any]) -> Any:
    if spec["type"] == "category":
        categories = pd.Index(spec["categories"], dtype=dtype_of(spec["categories_dtype"]))
        return pd.CategoricalDtype(categories, ordered=spec["ordered"])
    if spec["type"] == "string":
        na_value = pd.NA if spec["na_value"] == "NA" else np.nan
        return pd.StringDtype(spec["storage"], na_value=na_value)
    return pd.api.types.pandas_dtype(spec["type"])


def to_arrow(frame: pd.DataFrame, schema: pa.Schema | None = None) -> pa.Table:
    """The frame as an Arrow table: categoricals as plain values, text as large_string."""
    table = stored_types(from_pandas(frame))
    return table if schema is None else cast_table(table, schema)


def from_pandas(frame: pd.DataFrame) -> pa.Table:
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


def stored_types(table: pa.Table) -> pa.Table:
    """The table with every column in its stored type (:func:`_stored_type`)."""
    arrays = []
    for column in table.columns:
        kind = _stored_type(column.type)
        arrays.append(column.cast(kind) if kind != column.type else column)
    return pa.table(arrays, names=table.column_names)


def stored_schema(table: pa.Table) -> pa.Schema:
    """The schema of ``stored_types(table)``, without converting it."""
    return pa.schema([pa.field(f.name, _stored_type(f.type)) for f in table.schema])


def cast_table(table: pa.Table, schema: pa.Schema) -> pa.Table:
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


def to_pandas(column: pa.ChunkedArray, dtype: Any, name: str) -> Any:
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


def encode_schema(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


def decode_schema(text: str) -> pa.Schema:
    try:
        return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text, validate=True)))
    except (binascii.Error, ValueError, TypeError, pa.ArrowException) as exc:
        raise StoreError(f"the recorded Arrow schema cannot be decoded ({exc})") from None


def major(version: str) -> int:
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        return -1


def source_schema(name: Any) -> IncidentSchema | None:
    """The schema of a source by its name (``"acled"``, ``"ucdp_ged"``, ...), or None."""
    if name == ACLED_SCHEMA.name:
        return ACLED_SCHEMA
    return SCHEMAS.get(name) if isinstance(name, str) else None


def validated(events: pd.DataFrame, schema: IncidentSchema | None = None) -> pd.DataFrame:
    """``validate(events)``, with the input's column order kept (new columns last).

    A frame known valid for the schema (validated, read from a store or by a reader,
    and unchanged since: :func:`eventdata.core.validity.known_valid`) is not validated
    again.
    """
    schema = ACLED_SCHEMA if schema is None else schema
    typed = events if known_valid(events, schema) else validate(events, schema=schema)
    order = [c for c in events.columns if c in typed.columns]
    order += [c for c in typed.columns if c not in order]
    return typed[order].reset_index(drop=True)


def column_specs(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{"name": c, "dtype": dtype_spec(frame[c].dtype, c)} for c in frame.columns]


def choose_schema(events: Any, schema: str | IncidentSchema | None) -> IncidentSchema:
    """The source schema named, or the one the frame's columns match (ACLED first)."""
    if isinstance(schema, IncidentSchema):
        return schema
    if schema is not None:
        found = source_schema(str(schema).replace("-", "_"))
        if found is None and str(schema) in ("incidents", "ucdp"):
            found = source_schema({"incidents": "incident", "ucdp": "ucdp_ged"}[schema])
        if found is None:
            raise StoreError(f"unknown schema {schema!r}; known: {', '.join(SCHEMAS)}")
        return found
    if not isinstance(events, pd.DataFrame):
        return ACLED_SCHEMA
    named = {str(c).strip().lower() for c in events.columns}
    for name in ("acled", "ucdp_ged", "incident"):
        candidate = source_schema(name)
        if candidate is not None and set(candidate.required_columns) <= named:
            return candidate
    core = source_schema("core")
    if core is not None and set(core.required_columns) <= named:
        return core
    return ACLED_SCHEMA  # validation names what is missing


def empty_frame(source: IncidentSchema | None = None) -> pd.DataFrame:
    """No rows, the schema's columns and dtypes (default: ACLED's)."""
    dtypes = (ACLED_SCHEMA if source is None else source).dtypes
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})
