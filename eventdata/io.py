"""Reading ACLED exports (CSV, or Excel when openpyxl is installed).

The reader takes exports as users really have them: older codebook versions,
dates re-saved by Excel, text actor types, ``NA`` written by R, truncated or
malformed lines. A file that cannot be read at all gets one clear
:class:`~eventdata.errors.ReadError`; rows that can be read but break the
schema are reported or quarantined by :func:`eventdata.validate`.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from eventdata.coverage import coverage_from_events
from eventdata.errors import CodebookWarning, ReadError
from eventdata.schema import ACLED_SCHEMA, IncidentSchema
from eventdata.validation import Errors, Quarantine, validate

__all__ = ["read_acled", "read_table", "read_validated"]

# Tokens read as missing. Not pandas' long default list: "NA" is what R writes,
# but "None" or "n/a" could be real text in notes.
NA_VALUES = ["", "NA", "N/A", "NULL", "NaN", "nan"]

Source = str | os.PathLike | IO[str] | IO[bytes]

_EXTRA_FIELDS = "extra_fields"


def read_acled(
    source: Source,
    *,
    errors: Errors = "raise",
    encoding: str = "utf-8",
    monadic: Literal["dyadic", "keep"] = "dyadic",
) -> pd.DataFrame | Quarantine:
    """Read an ACLED export and return it typed and validated.

    Parameters
    ----------
    source : path or file-like
        A CSV export (any codebook version since 2019), or ``.xlsx`` when
        openpyxl is installed.
    errors : {"raise", "quarantine"}
        ``"raise"`` (default): any failing row raises :class:`~eventdata.ValidationError`
        naming every failing row and rule. ``"quarantine"``: return a
        :class:`~eventdata.validation.Quarantine` with ``.valid`` and ``.rejected``;
        together they hold every row read, once.
    encoding : str
        Text encoding of a CSV; pass ``"cp1252"`` for files re-saved by an old Excel.
    monadic : {"dyadic", "keep"}
        ACLED's export tool can write one row per actor ("monadic": the event id
        repeats and ``actor2``, ``assoc_actor_2``, ``inter2`` are absent). Such a
        file is recognised, with a :class:`~eventdata.CodebookWarning`, and by
        default returned one row per event (dyadic: the second actor's row becomes
        ``actor2``); ``"keep"`` returns the valid events one row per actor again
        (without the actor2 columns). The rows of one event must agree on every
        other column, else they are all rejected. In a quarantine, ``n_rows`` counts
        the rows read; a rejected event shows all its rows.

    Returns
    -------
    pandas.DataFrame or Quarantine

    Raises
    ------
    ReadError
        The file is missing, empty, not a CSV, or not in the given encoding.
    ValidationError
        Rows break the schema (``errors="raise"``), or required columns are missing.

    Examples
    --------
    >>> import eventdata as ed
    >>> from eventdata.datasets import SEED_PATH
    >>> events = ed.read_acled(SEED_PATH)
    >>> events["event_type"].dtype.name, events["fatalities"].dtype.name
    ('category', 'Int64')
    """
    if monadic not in ("dyadic", "keep"):
        raise ValueError(f"monadic must be 'dyadic' or 'keep', not {monadic!r}")
    result = read_validated(
        source, schema=ACLED_SCHEMA, errors=errors, encoding=encoding, prepare=_combine_monadic
    )
    if monadic == "dyadic":
        return result
    if isinstance(result, Quarantine):
        return Quarantine(
            _split_dyadic(result.valid), result.rejected, result.failures, result.n_rows
        )
    return _split_dyadic(result)


_DYADIC_ONLY = ("actor2", "assoc_actor_2", "inter2")
_ACTOR_SIDE = ("actor1", "assoc_actor_1", "inter1")


def _combine_monadic(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per event from a one-row-per-actor export; other files pass unchanged.

    The combined frame's index is the first row of each event;
    ``attrs["partner_rows"]`` maps it to the second actor's row, so that a
    rejected event can be reported with all the rows it was read from.
    """
    if any(c in raw.columns for c in _DYADIC_ONLY) or "event_id_cnty" not in raw.columns:
        return raw
    ids = raw["event_id_cnty"]
    has_id = ids.notna()
    order = pd.Series(0, index=raw.index)
    order[has_id] = raw.loc[has_id].groupby("event_id_cnty", sort=False).cumcount()
    size = ids.map(ids[has_id].value_counts()).fillna(1)
    shared = [c for c in raw.columns if c not in _ACTOR_SIDE]
    first_rows = raw.index[(order == 0) & (size == 2)]
    second_rows = raw.index[(order == 1) & (size == 2)]
    second_by_id = pd.Series(second_rows, index=raw.loc[second_rows, "event_id_cnty"].to_numpy())
    partner_of_first = second_by_id.reindex(raw.loc[first_rows, "event_id_cnty"].to_numpy())
    # the two rows of an event must agree on everything but the actor side
    first_values = raw.loc[first_rows, shared].fillna("\0").to_numpy()
    second_values = raw.loc[partner_of_first.to_numpy(), shared].fillna("\0").to_numpy()
    agree = (first_values == second_values).all(axis=1)
    combinable = first_rows[agree]
    partner = pd.Index(partner_of_first.to_numpy()[agree])
    combined = raw.drop(index=partner).copy()
    for column in _DYADIC_ONLY:
        combined[column] = pd.NA
    combined.loc[combinable, "actor2"] = raw.loc[partner, "actor1"].to_numpy()
    combined.loc[combinable, "assoc_actor_2"] = raw.loc[partner, "assoc_actor_1"].to_numpy()
    combined.loc[combinable, "inter2"] = raw.loc[partner, "inter1"].to_numpy()
    combined.loc[combined["inter2"].isna() & ~combined.index.isin(combinable), "inter2"] = "0"
    combined.attrs["partner_rows"] = dict(zip(combinable, partner, strict=True))
    warnings.warn(
        f"monadic export (one row per actor): {len(raw)} rows read as {len(combined)} events",
        CodebookWarning,
        stacklevel=4,
    )
    return combined


def _split_dyadic(events: pd.DataFrame) -> pd.DataFrame:
    """The valid events one row per actor, as ACLED's monadic export writes them."""
    first = events.drop(columns=list(_DYADIC_ONLY))
    with_second = events["actor2"].notna()
    second = (
        events.loc[with_second]
        .drop(columns=list(_ACTOR_SIDE))
        .rename(columns=dict(zip(_DYADIC_ONLY, _ACTOR_SIDE, strict=True)))[first.columns]
    )
    rows = pd.concat([first, second]).sort_index(kind="stable")
    return rows


def read_validated(
    source: Source,
    *,
    schema: IncidentSchema,
    errors: Errors = "raise",
    encoding: str = "utf-8",
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.DataFrame | Quarantine:
    """Read a table, optionally map it onto a schema's columns, and validate it.

    The one reading path of every source (ACLED, UCDP GED, hand-coded incidents):
    file errors become :class:`~eventdata.errors.ReadError`, malformed lines are
    raised or quarantined, and ``prepare`` (raw string frame -> frame in the
    schema's column names, same index) adapts a source's own columns. Rejected
    rows are reported as they were read, before ``prepare``.
    """
    raw, malformed = read_table(source, encoding=encoding)
    frame = raw if prepare is None else prepare(raw)
    result = validate(frame, errors=errors, schema=schema)
    if malformed and errors == "raise":
        lines = ", ".join(str(m["line"]) for m in malformed[:20])
        more = f" and {len(malformed) - 20} more" if len(malformed) > 20 else ""
        raise ReadError(
            f"{len(malformed)} malformed line(s) (not as many fields as the header): "
            f"line {lines}{more}. Use errors='quarantine' to set them aside."
        )
    valid = result.valid if isinstance(result, Quarantine) else result
    valid.attrs["coverage"] = coverage_from_events(valid)  # the file's span, per country
    if not isinstance(result, Quarantine):
        return result
    if prepare is not None:
        partners = frame.attrs.get("partner_rows", {})
        reason = result.rejected["reason"]
        rows = [r for i in result.rejected.index for r in (i, partners.get(i)) if r is not None]
        rejected = raw.loc[rows].assign(
            reason=[
                reason[i]
                for i in result.rejected.index
                for r in (i, partners.get(i))
                if r is not None
            ]
        )
        result = Quarantine(result.valid, rejected, result.failures, len(raw))
    return _add_malformed(result, raw, malformed) if malformed else result


def read_table(source: Source, *, encoding: str = "utf-8") -> tuple[pd.DataFrame, list[dict]]:
    """Read a CSV or Excel table as strings, without interpreting any value.

    CSV files are parsed by pyarrow's multi-threaded reader, every column as text.
    Returns the frame and the malformed lines (a number of fields other than the
    header's), each as ``{"line": line number, "fields": [...]}``; no line is
    dropped silently.
    """
    name = _name(source)
    if name.lower().endswith((".xlsx", ".xls")):
        return _read_excel(source, name), []
    data = _read_bytes(source, name)
    head = _head(data)
    if not head.strip() and not _bytes(data).strip():
        raise ReadError(f"{name}: the file is empty")
    if b"\x00" in head[:4096]:
        raise ReadError(f"{name}: this is a binary file, not a CSV export")
    utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
    if not utf8:
        try:
            data = _bytes(data).decode(encoding).encode("utf-8")
        except (UnicodeDecodeError, LookupError) as exc:
            raise ReadError(f"{name}: not readable as {encoding} text ({exc})") from None
    return _parse_csv(data, name, encoding)


def _parse_csv(
    data: bytes | pa.Buffer, name: str, encoding: str
) -> tuple[pd.DataFrame, list[dict]]:
    header = _header(data, name, encoding)
    malformed: list[dict] = []

    def keep_aside(row: pacsv.InvalidRow) -> str:
        malformed.append({"fields": next(csv.reader([row.text]), [])})
        return "skip"

    def parse(newlines_in_values: bool) -> pa.Table:
        return pacsv.read_csv(
            pa.BufferReader(data),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=newlines_in_values, invalid_row_handler=keep_aside
            ),
            convert_options=pacsv.ConvertOptions(
                # large_string: what pandas' Arrow-backed strings hold (no conversion)
                column_types={column: pa.large_string() for column in header},
                null_values=NA_VALUES,
                strings_can_be_null=True,
            ),
        )

    try:
        try:
            # Most exports have no line breaks inside values, and Arrow parses
            # those a quarter faster; a break inside a value makes its chunker
            # and parser disagree and it raises, and then (or when any line is
            # malformed) the file is parsed again allowing line breaks.
            table = parse(newlines_in_values=False)
            if malformed:
                raise pa.ArrowInvalid("malformed lines: parse again allowing line breaks")
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc):
                raise
            malformed.clear()
            table = parse(newlines_in_values=True)
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise ReadError(_not_utf8(_bytes(data), name)) from None
        raise ReadError(f"{name}: not a readable CSV file ({exc})") from None
    frame = table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype()}.get)
    if malformed:
        _locate_malformed(_bytes(data).decode("utf-8-sig"), len(header), malformed)
    return frame, malformed


def _head(data: bytes | pa.Buffer) -> bytes:
    """The first 64 KiB, as bytes."""
    return _bytes(data[:65536])


def _bytes(data: bytes | pa.Buffer) -> bytes:
    return data if isinstance(data, bytes) else data.to_pybytes()


def _header(data: bytes | pa.Buffer, name: str, encoding: str) -> list[str]:
    first = _head(data).decode("utf-8-sig", errors="replace")
    header = next(csv.reader(io.StringIO(first)), [])
    if not header or not any(h.strip() for h in header):
        raise ReadError(f"{name}: the file has no header row")
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise ReadError(f"{name}: column name(s) used twice in the header: {duplicated}")
    return header


def _not_utf8(data: bytes, name: str) -> str:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = f" (byte {exc.start}: {data[exc.start : exc.start + 1]!r})"
    else:  # pragma: no cover - pyarrow and Python agree on UTF-8
        where = ""
    return (
        f"{name}: not valid utf-8 text{where}; if it was re-saved by Excel, try encoding='cp1252'"
    )


def _locate_malformed(text: str, width: int, malformed: list[dict]) -> None:
    """Give each malformed record its line number in the file."""
    reader = csv.reader(io.StringIO(text))
    lines = [reader.line_num for record in reader if record and len(record) != width]
    for entry, line in zip(malformed, lines, strict=False):
        entry["line"] = line


def _add_malformed(result: Quarantine, raw: pd.DataFrame, malformed: list[dict]) -> Quarantine:
    columns = list(raw.columns)
    width = len(columns)
    records = []
    for m in malformed:
        fields = m["fields"]
        record = dict(zip(columns, fields[:width], strict=False))
        record[_EXTRA_FIELDS] = ",".join(fields[width:])
        record["reason"] = (
            f"malformed line {m.get('line', '?')}: {len(fields)} fields where the header has "
            f"{width}"
        )
        records.append(record)
    extra = pd.DataFrame.from_records(records)
    rejected = pd.concat([result.rejected, extra], ignore_index=True)
    extra_failures = pd.DataFrame(
        {
            "row": pd.array([None] * len(records), dtype="Int64"),
            "event_id_cnty": extra.get("event_id_cnty"),
            "column": "(line)",
            "rule": "as many fields as the header",
            "value": extra[_EXTRA_FIELDS],
        }
    )
    failures = pd.concat(
        [result.failures.astype({"row": "Int64"}), extra_failures], ignore_index=True
    )
    return Quarantine(
        valid=result.valid,
        rejected=rejected,
        failures=failures,
        n_rows=result.n_rows + len(records),
    )


def _name(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return getattr(source, "name", "<buffer>") or "<buffer>"


def _read_bytes(source: Source, name: str) -> bytes | pa.Buffer:
    """The file's bytes; a file on disk is memory-mapped, not copied."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise ReadError(f"{name}: no such file")
        if path.is_dir():
            raise ReadError(f"{name}: is a folder, not a CSV file")
        if path.stat().st_size == 0:
            return b""
        return pa.memory_map(os.fspath(path)).read_buffer()  # the buffer keeps the map open
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def _read_excel(source: Source, name: str) -> pd.DataFrame:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise ReadError(
            f"{name}: reading Excel files needs openpyxl (pip install 'eventdata[excel]')"
        ) from None
    try:
        frame = pd.read_excel(source, dtype=str, keep_default_na=False, na_values=NA_VALUES)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise ReadError(f"{name}: not a readable Excel workbook ({exc})") from None
    if frame.empty and not len(frame.columns):
        raise ReadError(f"{name}: the workbook is empty")
    return frame
