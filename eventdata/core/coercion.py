"""Typing a frame's columns to an incident schema: one rule for every input.

:func:`coerce` turns each column (text read from a CSV, object, ``string``,
``string[pyarrow]``, pandas 3 ``str``, a category, or already typed) into the
schema's dtype. Cell text is stripped and NUL-checked the same way whatever the
input; numbers must be exact; dates are ISO 8601, ACLED's
export formats, slashed or Excel serial numbers, in the years 1900-2100; actor
types written as text labels become codebook codes. A value that does not parse
becomes missing and a problem row (:data:`FAILURE_COLUMNS`), so that
:func:`eventdata.validate` reports it with every other failure.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eventdata.core import codebook
from eventdata.core.errors import CodebookWarning
from eventdata.core.schema import Field, IncidentSchema
from eventdata.core.warn import warn_at_caller

__all__ = ["FAILURE_COLUMNS", "REQUIRED_RULE", "coerce", "failure_rows", "text_buffers"]

#: The columns of a failure table: one row per (row, column, rule) broken.
FAILURE_COLUMNS = ["row", "event_id_cnty", "column", "rule", "value"]
#: The rule a missing required value breaks.
REQUIRED_RULE = "required (no missing value)"

# Formats tried, in order, on date strings that are not ISO 8601. ACLED's own
# export tool writes "21 March 2020"; Excel re-saves it as "21-Mar-20".
_DATE_FORMATS = ("%d %B %Y", "%d-%b-%y", "%d-%b-%Y", "%d %b %Y", "%B %d, %Y", "%d-%B-%Y")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Integer columns whose text labels (2024+ exports) are mapped to codes, with a warning.
_INTER_COLUMNS = ("inter1", "inter2", "interaction")
#: Threads that type columns (Arrow's work, which releases the GIL).
_WORKERS = min(4, os.cpu_count() or 1)


def coerce(frame: pd.DataFrame, schema: IncidentSchema) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Cast each schema column to its dtype; values that do not parse become problems.

    Parameters
    ----------
    frame : pandas.DataFrame
        The records, with a positional (0..n-1) index; never modified.
    schema : IncidentSchema
        The schema whose dtypes the columns get. Absent columns come back null.

    Returns
    -------
    (pandas.DataFrame, list of pandas.DataFrame)
        The typed frame (extra columns kept as given), and failure tables
        (:data:`FAILURE_COLUMNS`) of the values that did not parse.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventdata.core.schema import CORE_SCHEMA
    >>> raw = pd.DataFrame({"event_id_cnty": ["A1", " A2 "], "fatalities": ["3", "x"]})
    >>> typed, problems = coerce(raw, CORE_SCHEMA)
    >>> typed["event_id_cnty"].tolist(), typed["fatalities"].tolist()
    (['A1', 'A2'], [3, <NA>])
    >>> problems[0][["row", "column", "value"]].to_dict("records")
    [{'row': 1, 'column': 'fatalities', 'value': 'x'}]
    """
    columns: dict[str, pd.Series] = {}
    problems: list[pd.DataFrame] = []
    n = len(frame)
    # Arrow's casts and encodings do most of the work, without the GIL: the columns
    # that cannot warn are typed by a few threads meanwhile (a warning from a
    # thread would not point at the caller).
    quiet = [
        name
        for name, spec in schema.fields.items()
        if name in frame.columns
        and (frame[name].dtype != spec.dtype or spec.kind == "string")  # text: cell rules
        and _never_warns(spec)
    ]
    with ThreadPoolExecutor(min(_WORKERS, len(quiet)) or 1) as pool:
        typing = {
            name: pool.submit(_coerce_column, frame[name], schema.fields[name]) for name in quiet
        }
        for name, spec in schema.fields.items():
            if name not in frame.columns:
                columns[name] = (
                    pd.Series(pd.array([None] * n, dtype=spec.dtype))
                    if n
                    else (pd.Series([], dtype=spec.dtype))
                )
                continue
            job = typing.get(name)
            values, bad, rule = job.result() if job else _coerce_column(frame[name], spec)
            columns[name] = values
            if bad.any():
                problems.append(failure_rows(frame, np.flatnonzero(bad), name, rule, frame[name]))
    _no_second_actor(columns)
    extras = {c: frame[c] for c in frame.columns if c not in schema.fields}
    typed = pd.DataFrame({**columns, **extras}, index=frame.index, copy=False)
    return typed, problems


def _no_second_actor(columns: dict[str, pd.Series]) -> None:
    """An event with one actor and an empty ``inter2`` gets ACLED's "no actor" code, 0.

    ACLED's R package and newer exports leave ``inter2`` empty when there is no
    ``actor2``; with an ``actor2``, an empty ``inter2`` stays missing (and is rejected).
    """
    inter2, actor2 = columns.get("inter2"), columns.get("actor2")
    if inter2 is None or actor2 is None:
        return
    alone = inter2.isna() & actor2.isna()
    if alone.any():
        columns["inter2"] = inter2.mask(alone, 0)


def _never_warns(spec: Field) -> bool:
    """Whether typing this field's column never warns (dates and actor-type codes may)."""
    return spec.kind in ("string", "category", "number") or (
        spec.kind == "integer" and spec.name not in _INTER_COLUMNS
    )


def _coerce_column(raw: pd.Series, spec: Field) -> tuple[pd.Series, np.ndarray, str]:
    """Return (typed values, mask of values that did not parse, rule those broke)."""
    target = spec.dtype
    if spec.kind == "string":  # the cell rules hold for text of any dtype
        text, nul = _cell_text(raw, strip=not spec.free_text)
        return (text if text.dtype == target else text.astype(target)), nul, _NUL_RULE
    if raw.dtype == target and spec.kind != "date":
        return raw.reset_index(drop=True), np.zeros(len(raw), dtype=bool), ""
    no_failures = np.zeros(len(raw), dtype=bool)
    if spec.kind == "category":
        # Values repeat: each distinct one is stripped and looked up once.
        words, positions = _distinct(raw)
        codes = np.append(target.categories.get_indexer(words), -1)[positions]
        present = np.append(words.notna(), False)[positions]
        values = pd.Categorical.from_codes(codes, dtype=target)
        bad = present & (codes == -1)
        return pd.Series(values), bad, f"in the codebook vocabulary {list(spec.categories)}"
    if spec.kind == "date":
        values, present = _parse_dates(raw)
        return values, present & values.isna().to_numpy(), "a valid date"
    if spec.kind in ("integer", "number") and isinstance(raw.dtype, pd.StringDtype):
        # Arrow's exact cast of the text as read: when every value is a plain
        # number literal there is nothing to strip, map or check.
        parsed = _cast(raw, pa.int64() if spec.kind == "integer" else pa.float64())
        if parsed is not None and not (spec.kind == "integer" and _has_hex(raw)):
            return pd.Series(parsed, dtype=target, copy=False), no_failures, ""
    text = _as_text(raw)
    present = text.notna().to_numpy()
    # integer and number
    integer_rule = "an integer"
    if spec.name in _INTER_COLUMNS:
        text = _inter_labels_to_codes(text, spec.name)
        integer_rule = "an actor-type code (or its codebook label)"
    if spec.kind == "integer" and raw.dtype != "float64":
        values, bad = _to_int64(text)
        return pd.Series(values, dtype=target), present & bad, integer_rule
    numbers = pd.Series(_to_float(text) if raw.dtype != "float64" else raw.to_numpy())
    bad = present & numbers.isna().to_numpy()
    if spec.kind == "number":
        return numbers.astype(target), bad, "a number"
    values = numbers.to_numpy()
    unfit = ~_exact_integers(values)
    bad = bad | (unfit & ~np.isnan(values))
    numbers = numbers.where(~unfit)
    return numbers.astype(target), bad, integer_rule


#: A number as a person writes it in decimal: no hexadecimal, no digit of another script.
_DECIMAL = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
#: Beyond this float64 no longer holds every integer exactly.
_EXACT = 2.0**53


def _exact_integers(values: np.ndarray) -> np.ndarray:
    """Where a float is a whole number that int64 (and float64) hold exactly."""
    ok = np.isfinite(values)
    ok[ok] = (values[ok] % 1 == 0) & (np.abs(values[ok]) <= _EXACT)
    return ok


def _to_int64(text: pd.Series) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """Decimal integer text to Int64 (``7``, ``7.0``, ``7e2``); the mask of values that are not.

    Integers beyond int64 and other notations (``0x10``) fail instead of raising
    or being read as something else.
    """
    out = np.zeros(len(text), dtype="int64")
    ok = np.zeros(len(text), dtype=bool)
    plain = text.str.fullmatch(r"[+-]?[0-9]+").fillna(False).to_numpy(dtype=bool)
    if plain.any():
        short = plain & (text.str.len().fillna(0).to_numpy() <= 18)
        if short.any():
            out[short] = pc.cast(pa.array(text[short].array), pa.int64()).to_numpy()
            ok |= short
        for position in np.flatnonzero(plain & ~short):
            number = int(text.iloc[position])
            if -(2**63) <= number < 2**63:
                out[position], ok[position] = number, True
    other = text.notna().to_numpy() & ~plain
    if other.any():
        written = text[other]
        decimal = written.str.fullmatch(_DECIMAL).fillna(False).to_numpy(dtype=bool)
        values = np.full(len(written), np.nan)
        values[decimal] = pd.to_numeric(written[decimal], errors="coerce")
        exact = _exact_integers(values)
        positions = np.flatnonzero(other)
        out[positions[exact]] = values[exact].astype("int64")
        ok[positions[exact]] = True
    return pd.arrays.IntegerArray(out, ~ok), ~ok


def _has_hex(raw: pd.Series) -> bool:
    """Whether some value may be hexadecimal (Arrow's integer cast reads ``0x10`` as 16)."""
    values = pa.chunked_array(pa.array(raw.array))
    for chunk in values.chunks:
        data = chunk.buffers()[2]
        if data is not None and (np.frombuffer(data, dtype=np.uint8) | 0x20 == ord("x")).any():
            return True
    return False


def _to_float(text: pd.Series) -> np.ndarray:
    """Strings to float64, NaN where not a number: pyarrow's cast, or pandas' when that fails."""
    try:
        return pc.cast(pa.array(text.array), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        decimal = text.str.fullmatch(_DECIMAL).fillna(False).to_numpy(dtype=bool)
        values = np.full(len(text), np.nan)
        values[decimal] = pd.to_numeric(text[decimal], errors="coerce")
        return values


def _cast(
    raw: pd.Series, kind: pa.DataType
) -> pd.api.extensions.ExtensionArray | np.ndarray | None:
    """Text to numbers by Arrow's strict cast, or None if any value is not a plain literal."""
    try:
        values = pc.cast(pa.array(raw.array), kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return None
    if pa.types.is_integer(kind):
        return pd.Int64Dtype().__from_arrow__(values)
    return values.to_numpy(zero_copy_only=False)  # a null (blank cell) is NaN


def _distinct(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The distinct values as cell text (:func:`_cell_text`), and each row's position among them.

    Missing values get the position one past the last distinct value.
    """
    values = pa.array(_arrow_text(raw).array)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    words, _ = _cell_text(pd.Series(encoded.dictionary, dtype=_ARROW_TEXT))
    words = pd.Series(words.to_numpy(dtype=object, na_value=None), dtype=object)
    positions = pc.fill_null(encoded.indices, len(words)).to_numpy(zero_copy_only=False)
    return words, positions


def _as_text(raw: pd.Series) -> pd.Series:
    """Values as cell text (:func:`_cell_text`), with a positional index."""
    return _cell_text(raw)[0]


#: Text held by Arrow: what the reader gives and what every cell rule works on.
_ARROW_TEXT = pd.StringDtype("pyarrow")
#: Bytes that may begin or end whitespace: ASCII blanks and controls, and any
#: byte of a multi-byte UTF-8 character (checked exactly by Arrow).
_MAYBE_SPACE = np.zeros(256, dtype=bool)
_MAYBE_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_MAYBE_SPACE[128:] = True
#: A stop past the end of any text.
_END = np.iinfo(np.int64).max
_NUL_RULE = "text without NUL (\\x00) characters"


def _arrow_text(raw: pd.Series) -> pd.Series:
    """Any column as Arrow-held text (numbers and dates as their ``str``), positional index."""
    if isinstance(raw.dtype, pd.CategoricalDtype):
        raw = raw.astype("object")
    raw = raw.reset_index(drop=True)
    if isinstance(raw.dtype, pd.StringDtype) and raw.dtype == _ARROW_TEXT:
        return raw
    return raw.astype(_ARROW_TEXT)


def _cell_text(raw: pd.Series, *, strip: bool = True) -> tuple[pd.Series, np.ndarray]:
    """Cell text as every path reads it, and where a value holds a NUL character.

    The one rule for text, whatever the input (a CSV read as text, an object,
    ``string``, ``string[pyarrow]`` or pandas 3 ``str`` column, a category):
    surrounding whitespace (Unicode's, as Arrow's ``utf8_trim_whitespace``) is
    stripped (unless ``strip`` is false: prose) and what is left empty is missing.
    Values are looked at byte-wise first, so that a column with nothing to strip
    costs one pass over its first and last bytes.

    Returns
    -------
    (pandas.Series, numpy.ndarray)
        Arrow-held text with a positional index, and a boolean mask of the
        values holding ``\\x00`` (a NUL byte is never text: such rows are rejected).
    """
    text = _arrow_text(raw)
    chunks = pa.chunked_array(pa.array(text.array))
    if chunks.type != pa.large_string():
        chunks = chunks.cast(pa.large_string())
    # the first and last byte and the length of every value, chunk by chunk (a CSV
    # column comes in hundreds of chunks: a few cheap steps each, the rest at once)
    firsts, lasts, lengths, nul_chunks = [], [], [], []
    for number, chunk in enumerate(chunks.chunks):
        offsets, data = text_buffers(chunk)
        firsts.append(data[np.minimum(offsets[:-1], len(data) - 1)])
        lasts.append(data[offsets[1:] - 1])  # -1 (an empty first value): any byte
        lengths.append(np.diff(offsets))
        text_bytes = data[offsets[0] : offsets[-1]]
        if len(text_bytes) and text_bytes.min() == 0:  # (min: the fastest scan for a zero)
            nul_chunks.append(number)
    n = len(text)
    nul = np.zeros(n, dtype=bool)
    if not n:
        return text, nul
    length = np.concatenate(lengths)
    given = text.notna().to_numpy()
    empty = given & (length == 0)
    # candidates by their bytes, then exactly by Arrow's Unicode rule (an empty value's
    # bytes are its neighbour's: Arrow finds no space in it)
    maybe = _MAYBE_SPACE[np.concatenate(firsts)] | _MAYBE_SPACE[np.concatenate(lasts)]
    padded = np.zeros(n, dtype=bool)
    if maybe.any():
        rows = np.flatnonzero(maybe)
        values = chunks.take(pa.array(rows))
        ends = [pc.utf8_slice_codeunits(values, 0, 1), pc.utf8_slice_codeunits(values, -1, _END)]
        spaced = pc.or_(pc.utf8_is_space(ends[0]), pc.utf8_is_space(ends[1]))
        padded[rows] = pc.fill_null(spaced, False).to_numpy(zero_copy_only=False)
    if nul_chunks:
        starts = np.cumsum([0] + [len(c) for c in chunks.chunks])
        for number in nul_chunks:
            found = pc.fill_null(pc.match_substring(chunks.chunk(number), "\x00"), False)
            nul[starts[number] : starts[number + 1]] = found.to_numpy(zero_copy_only=False)
    if padded.any():
        rows = np.flatnonzero(padded)
        trimmed = pc.utf8_trim_whitespace(chunks.take(pa.array(rows)))
        empty[rows] = pc.equal(pc.binary_length(trimmed), 0).to_numpy(zero_copy_only=False)
        if strip:
            text = text.copy()
            text.iloc[rows] = pd.array(trimmed, dtype=_ARROW_TEXT)
    if empty.any():
        text = text.mask(empty)
    return text, nul


def text_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The value offsets (int64, ``len + 1``) and the bytes (never empty) of an Arrow text array."""
    _, offset_buffer, data_buffer = array.buffers()
    wide = pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
    offsets = np.frombuffer(offset_buffer, dtype=np.int64 if wide else np.int32)
    offsets = offsets[array.offset : array.offset + len(array) + 1].astype(np.int64, copy=False)
    data = np.frombuffer(data_buffer, np.uint8) if data_buffer is not None else None
    if data is None or not len(data):
        data = np.zeros(1, np.uint8)
    return offsets, data


def _parse_dates(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The dates, and where a value was given."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        values = raw.reset_index(drop=True)
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        return _in_range(values), values.notna().to_numpy()
    # Dates repeat: parse each distinct string once.
    uniques, positions = _distinct(raw)
    present = np.append(uniques.notna(), False)[positions]
    parsed = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns]")
    todo = uniques.notna()
    iso = uniques.str.match(r"^\d{4}-\d{2}-\d{2}([ T].*)?$").eq(True)
    if iso.any():
        # a time zone is ignored: the date as written, the local day of the event
        local = uniques[iso].str.replace(_TIME_ZONE, "", regex=True)
        parsed[iso] = _to_dates(local, "ISO8601")
    todo &= parsed.isna()
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        parsed[todo] = _to_dates(uniques[todo], fmt)
        todo &= parsed.isna()
    if todo.any():
        parsed[todo] = _parse_slashed_or_serial(uniques[todo])
    parsed = _in_range(parsed)
    lookup = np.append(parsed.to_numpy(), np.datetime64("NaT", "ns"))
    return pd.Series(lookup[positions], dtype="datetime64[ns]"), present


#: The years a date may fall in: before ACLED's and UCDP's coverage, or in the far
#: future, a date is a typo (typed dates and text dates alike).
_YEARS = (1900, 2100)


#: The time zone after an ISO 8601 time: ``Z``, ``+03:00``, ``-0500``, ``+03``.
_TIME_ZONE = r"(?<=\d:\d\d)(?::\d\d(?:\.\d*)?)?\s*(?:Z|UTC|[+-]\d\d(?::?\d\d)?)$"


def _to_dates(values: pd.Series, fmt: str) -> pd.Series:
    """Text to dates in one format; NaT where a value does not parse or is out of range."""
    try:
        parsed = pd.to_datetime(values, format=fmt, errors="coerce")
    except (ValueError, OverflowError):  # mixed time zones, a year beyond any unit
        parsed = pd.Series(
            [_one_date(value, fmt) for value in values], index=values.index, dtype="object"
        )
        parsed = pd.to_datetime(parsed, errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return _in_range(parsed)


def _one_date(value: str, fmt: str) -> pd.Timestamp | None:
    try:
        date = pd.to_datetime(value, format=fmt, errors="coerce")
    except (ValueError, OverflowError):
        return None
    if pd.isna(date) or not _YEARS[0] <= date.year <= _YEARS[1]:
        return None
    return date.tz_localize(None) if date.tzinfo is not None else date


def _in_range(dates: pd.Series) -> pd.Series:
    """Dates as datetime64[ns], NaT outside 1900-2100.

    Dates before ACLED's and UCDP's coverage or in the far future are typos (the
    API served year 0025 for 2025); years beyond 2262 do not fit nanoseconds.
    """
    years = dates.dt.year
    return dates.where((years >= _YEARS[0]) & (years <= _YEARS[1])).astype("datetime64[ns]")


def _parse_slashed_or_serial(values: pd.Series) -> pd.Series:
    """Excel's other manglings: serial day numbers, and d/m/Y or m/d/Y.

    Slashed dates are read day-first unless some value can only be month-first
    (a middle part above 12); if neither order is forced, day-first is assumed
    with a warning, since ACLED writes day-first dates.
    """
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    serial = values.str.fullmatch(r"\d{5}(\.0+)?")
    if serial.any():
        days = pd.to_numeric(values[serial], errors="coerce")
        out[serial] = _in_range(_EXCEL_EPOCH + pd.to_timedelta(days, unit="D"))
    slashed = values.str.fullmatch(r"\d{1,2}/\d{1,2}/\d{2,4}")
    if slashed.any():
        parts = values[slashed].str.split("/", expand=True).astype(int)
        month_first = bool((parts[1] > 12).any()) and not bool((parts[0] > 12).any())
        if not month_first and not bool((parts[0] > 12).any()):
            warn_at_caller(
                "slashed dates such as "
                f"{values[slashed].iloc[0]!r} are ambiguous: read as day/month/year",
                CodebookWarning,
            )
        for fmt in ("%m/%d/%Y", "%m/%d/%y") if month_first else ("%d/%m/%Y", "%d/%m/%y"):
            todo = slashed & out.isna()
            out[todo] = _to_dates(values[todo], fmt)
    return out


def _inter_labels_to_codes(text: pd.Series, name: str) -> pd.Series:
    """2024+ exports write actor types as text: map known labels to codes."""
    is_label = text.notna() & ~text.str.fullmatch(r"[+-]?\d+(\.0*)?").fillna(False).astype(bool)
    if not is_label.any():
        return text
    convert = (
        codebook.interaction_from_label if name == "interaction" else codebook.inter_code_from_label
    )
    labels = text[is_label]
    mapping = {lab: convert(lab) for lab in labels.unique()}
    codes = labels.map(lambda lab: None if mapping[lab] is None else str(mapping[lab]))
    out = text.copy()
    out[is_label] = codes.astype(pd.StringDtype())
    warn_at_caller(
        f"{name}: text labels mapped to codebook codes ({len(mapping)} distinct labels)",
        CodebookWarning,
    )
    return out


def failure_rows(
    frame: pd.DataFrame, rows: np.ndarray, column: str, rule: str, values: pd.Series | None
) -> pd.DataFrame:
    """A failure table (:data:`FAILURE_COLUMNS`): ``rule`` of ``column`` broken at ``rows``.

    ``values`` (the column as given) shows each failing value, a NUL escaped.
    """
    ids = (
        frame["event_id_cnty"].iloc[rows].astype("string").to_numpy()
        if "event_id_cnty" in frame.columns
        else None
    )
    shown = None
    if values is not None:  # a NUL is shown escaped, never written raw into a message or file
        text = values.iloc[rows].astype("string")
        shown = text.str.replace("\x00", "\\x00", regex=False).to_numpy()
    return pd.DataFrame(
        {"row": rows, "event_id_cnty": ids, "column": column, "rule": rule, "value": shown}
    )
