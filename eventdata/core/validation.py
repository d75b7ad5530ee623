"""Typing and validating incident frames, with every failure kept as data.

:func:`validate` turns a frame (as read from a CSV: strings; or already typed)
into the schema's dtypes and checks every rule lazily, so that one pass names
every failing row and every rule it broke. With ``errors="raise"`` it raises
:class:`~eventdata.core.errors.ValidationError`; with ``errors="quarantine"`` it
returns a :class:`Quarantine` whose ``valid`` and ``rejected`` frames account
for every input row exactly once.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa
import pyarrow.compute as pc

from eventdata.core import codebook
from eventdata.core.errors import CodebookWarning, ValidationError
from eventdata.core.schema import ACLED_SCHEMA, SCHEMAS, Field, IncidentSchema
from eventdata.core.validity import mark_valid
from eventdata.core.warn import warn_at_caller

__all__ = ["Quarantine", "validate"]

Errors = Literal["raise", "quarantine"]

_REQUIRED = "required (no missing value)"
FAILURE_COLUMNS = ["row", "event_id_cnty", "column", "rule", "value"]

# Formats tried, in order, on date strings that are not ISO 8601. ACLED's own
# export tool writes "21 March 2020"; Excel re-saves it as "21-Mar-20".
_DATE_FORMATS = ("%d %B %Y", "%d-%b-%y", "%d-%b-%Y", "%d %b %Y", "%B %d, %Y", "%d-%B-%Y")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Integer columns whose text labels (2024+ exports) are mapped to codes, with a warning.
_INTER_COLUMNS = ("inter1", "inter2", "interaction")
#: Threads that type columns (Arrow's work, which releases the GIL).
_WORKERS = min(4, os.cpu_count() or 1)


@dataclass(frozen=True)
class Quarantine:
    """The outcome of validating with ``errors="quarantine"``.

    Attributes
    ----------
    valid : pandas.DataFrame
        The rows that passed, typed to the schema.
    rejected : pandas.DataFrame
        The rows that failed, as they were given, plus a ``reason`` column
        naming every rule each row broke.
    failures : pandas.DataFrame
        One row per (row, rule) broken: ``row`` (0-based position in the input),
        ``event_id_cnty``, ``column``, ``rule``, ``value`` (and, from a file,
        ``line``: the line the row starts on, the header being line 1).
    n_rows : int
        Rows in the input; always ``len(valid) + len(rejected) + len(skipped)``.
    skipped : pandas.DataFrame
        Lines of a file that are not records, each with its ``line`` and ``reason``
        (an HXL hashtag row, a comment row, the second row of a monadic event);
        empty when validating a frame.

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.load_seed_incidents()
    >>> bad = events.assign(fatalities=events["fatalities"].astype("object"))
    >>> bad.loc[0, "fatalities"] = -3
    >>> q = ed.validate(bad, errors="quarantine")
    >>> len(q.valid) + len(q.rejected) == len(events)
    True
    >>> q.rejected["reason"].iloc[0]
    'fatalities: >= 0 (got -3)'
    """

    valid: pd.DataFrame
    rejected: pd.DataFrame
    failures: pd.DataFrame
    n_rows: int
    skipped: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"line": pd.Series(dtype="int64"), "reason": []})
    )

    @property
    def n_skipped(self) -> int:
        """Number of lines left out as not records."""
        return len(self.skipped)

    @property
    def n_valid(self) -> int:
        """Number of rows that passed."""
        return len(self.valid)

    @property
    def n_rejected(self) -> int:
        """Number of rows that failed."""
        return len(self.rejected)

    def by_rule(self) -> pd.DataFrame:
        """Rejected rows counted per (column, rule), most frequent first."""
        return (
            self.failures.groupby(["column", "rule"], dropna=False)["row"]
            .nunique()
            .rename("rows")
            .sort_values(ascending=False)
            .reset_index()
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy summary: one row per (column, rule) with the number of rows that broke it."""
        return self.by_rule()

    def summary(self) -> str:
        """A short text report: rows read, valid, rejected, and rejections by rule."""
        lines = [
            f"rows read:     {self.n_rows}",
            f"rows valid:    {self.n_valid}",
            f"rows rejected: {self.n_rejected}",
        ]
        if self.n_skipped:
            lines.append(f"rows skipped:  {self.n_skipped}")
            for rec in self.skipped.head(10).itertuples(index=False):
                lines.append(f"  line {rec.line}: {rec.reason}")
            if self.n_skipped > 10:
                lines.append(f"  ... and {self.n_skipped - 10} more (in .skipped)")
        if self.n_rejected:
            lines.append("rejected rows by rule:")
            for rec in self.by_rule().itertuples(index=False):
                lines.append(f"  {rec.rows:>7}  {rec.column}: {rec.rule}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Quarantine(n_rows={self.n_rows}, n_valid={self.n_valid}, "
            f"n_rejected={self.n_rejected})"
        )

    def _repr_html_(self) -> str:
        table = self.by_rule().to_html(index=False) if self.n_rejected else ""
        return (
            f"<p><b>Quarantine</b>: {self.n_rows} rows read, {self.n_valid} valid, "
            f"{self.n_rejected} rejected</p>{table}"
        )


def validate(
    events: pd.DataFrame,
    *,
    errors: Errors = "raise",
    schema: IncidentSchema | str = ACLED_SCHEMA,
) -> pd.DataFrame | Quarantine:
    """Type a frame to an incident schema and check every rule.

    Parameters
    ----------
    events : pandas.DataFrame
        Incident records, with string columns as read from a CSV or already typed.
        The input is never modified.
    errors : {"raise", "quarantine"}
        ``"raise"``: raise :class:`~eventdata.ValidationError` naming every failing
        row and rule. ``"quarantine"``: return a :class:`Quarantine` with the valid
        rows typed and the rejected rows kept with their reasons.
    schema : IncidentSchema or {"acled", "core"}
        The schema to validate against (default: ACLED's).

    Returns
    -------
    pandas.DataFrame or Quarantine
        The typed frame (``errors="raise"``), or the quarantine.

    Raises
    ------
    ValidationError
        With ``errors="raise"`` when any row fails, and in either mode when a
        required column is missing altogether.

    Notes
    -----
    A frame gets the rules a file gets, whatever its dtypes (object, ``string``,
    ``string[pyarrow]``, pandas 3 ``str``, or already typed):

    - text is read with surrounding whitespace stripped (``notes`` aside), and
      text that is only whitespace is missing; a NUL character rejects the row;
    - dates, typed or text, must fall in the years 1900-2100;
    - an event with no ``actor2`` and an empty ``inter2`` has ``inter2`` 0;
    - an export of ACLED's codebook before 2019 is put in today's terms
      (:func:`eventdata.core.codebook.from_legacy_export`, with a ``CodebookWarning``);
    - an event id given twice: an exact copy is rejected and the first kept; of
      versions with different ``timestamp``s the latest is the event and the
      others are rejected as superseded (ACLED's update rule), naming the newer
      timestamp; differing versions with the same timestamp are all rejected.

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.load_seed_incidents()
    >>> typed = ed.validate(events)
    >>> str(typed["event_date"].dtype), str(typed["fatalities"].dtype)
    ('datetime64[ns]', 'Int64')
    """
    if errors not in ("raise", "quarantine"):
        raise ValueError(f"errors must be 'raise' or 'quarantine', not {errors!r}")
    if isinstance(schema, str):
        schema = SCHEMAS[schema]
    if not isinstance(events, pd.DataFrame):
        raise TypeError(f"events must be a pandas DataFrame, not {type(events).__name__}")
    raw = events
    events, schema = _in_todays_codebook(events, schema)
    _check_columns(events, schema)
    frame = events.reset_index(drop=True)
    typed, problems = _coerce(frame, schema)
    failures = _collect_failures(typed, problems, schema)
    bad_rows = np.unique(failures["row"].to_numpy(dtype="int64"))
    if errors == "raise":
        if len(bad_rows):
            raise ValidationError(failure_message(failures, len(frame)), failures, len(frame))
        typed.index = raw.index
        return mark_valid(typed, schema)
    ok = np.ones(len(frame), dtype=bool)
    ok[bad_rows] = False
    valid = typed.loc[ok]
    valid.index = raw.index[ok]
    mark_valid(valid, schema)
    rejected = raw.iloc[bad_rows].copy()
    rejected["reason"] = pd.Series(
        _reasons(failures, bad_rows), index=rejected.index, dtype="string"
    )
    return Quarantine(valid=valid, rejected=rejected, failures=failures, n_rows=len(frame))


def _in_todays_codebook(
    events: pd.DataFrame, schema: IncidentSchema
) -> tuple[pd.DataFrame, IncidentSchema]:
    """An export of ACLED's codebook before 2019 in today's terms, and the schema it can keep.

    The old event types are mapped by :func:`eventdata.core.codebook.from_legacy_export`
    (the originals kept in ``event_type_original``), with a
    :class:`~eventdata.core.errors.CodebookWarning`. The old codebook has no
    sub-event types and no ``timestamp``: the schema returned lets those be missing.
    Other frames, and schemas without ACLED's event types, pass unchanged.
    """
    event_type = schema.fields.get("event_type")
    if (
        event_type is None
        or event_type.categories != tuple(codebook.EVENT_TYPES)
        or not codebook.is_legacy_export(events)
    ):
        return events, schema
    converted = codebook.from_legacy_export(events)
    mapped = converted[codebook.ORIGINAL_EVENT_TYPE].dropna()
    undetermined = int((converted.loc[mapped.index, "event_type"] == mapped).sum())
    warn_at_caller(
        f"an export of ACLED's codebook before 2019: {len(mapped)} old event types mapped to "
        f"today's (the old ones kept in {codebook.ORIGINAL_EVENT_TYPE}; sub_event_type missing "
        "where the old type does not determine it"
        + (f"; {undetermined} not determined, rejected" if undetermined else "")
        + ")",
        CodebookWarning,
    )
    fields = {
        name: replace(spec, required=False) if name in codebook.LEGACY_ABSENT_COLUMNS else spec
        for name, spec in schema.fields.items()
    }
    return converted, replace(schema, fields=MappingProxyType(fields))


def _check_columns(events: pd.DataFrame, schema: IncidentSchema) -> None:
    missing = [c for c in schema.required_columns if c not in events.columns]
    if missing:
        failures = pd.DataFrame(
            {
                "row": pd.array([None] * len(missing), dtype="Int64"),
                "event_id_cnty": None,
                "column": missing,
                "rule": "column present",
                "value": None,
            }
        )
        found = ", ".join(map(str, events.columns[:12])) + (
            ", ..." if len(events.columns) > 12 else ""
        )
        raise ValidationError(
            f"missing required column(s) for the {schema.name!r} schema: {', '.join(missing)} "
            f"(columns found: {found})",
            failures,
            len(events),
        )
    absent = [c for c in schema.columns if c not in events.columns]
    if absent:
        warn_at_caller(
            f"column(s) {', '.join(absent)} absent (an older codebook version?): read as null",
            CodebookWarning,
        )


def _coerce(frame: pd.DataFrame, schema: IncidentSchema) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Cast each schema column to its dtype; values that do not parse become problems."""
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
                problems.append(_failure_rows(frame, np.flatnonzero(bad), name, rule, frame[name]))
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
        offsets, data = _text_buffers(chunk)
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


def _text_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
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


def _failure_rows(
    frame: pd.DataFrame, rows: np.ndarray, column: str, rule: str, values: pd.Series | None
) -> pd.DataFrame:
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


def _collect_failures(
    typed: pd.DataFrame, problems: list[pd.DataFrame], schema: IncidentSchema
) -> pd.DataFrame:
    """Parse problems plus the schema's rules, one row per (row, column, rule)."""
    problems = list(problems)
    with ThreadPoolExecutor(1) as pool:
        # The usual valid frame is found by a vectorised check, without pandera, run
        # meanwhile on the whole frame: its answer counts only when no id repeats
        # (then no row is left out below as an exact copy).
        rules_hold = pool.submit(_rules_hold, schema, typed)
        repeated = _repeated_ids(typed)
        ids_repeat = bool(repeated.any())
        usual = not ids_repeat and rules_hold.result()
    dup_copies = _exact_duplicate_copies(typed, schema, repeated)
    if len(dup_copies):
        problems.append(
            _failure_rows(
                typed,
                dup_copies,
                "event_id_cnty",
                "an exact copy of an earlier row",
                typed.get("event_id_cnty"),
            )
        )
    superseded = _superseded_versions(typed, schema, repeated, dup_copies)
    if len(superseded):
        problems.append(superseded)
    checked = typed
    if len(dup_copies) or len(superseded):
        keep = np.ones(len(typed), dtype=bool)
        keep[dup_copies] = False
        keep[superseded["row"].to_numpy(dtype="int64")] = False
        checked = typed.loc[keep]
    if not usual:  # pandera names the failures
        try:
            # inplace: nothing is coerced, so pandera need not copy the frame first
            _value_rules(schema, ids_repeat=ids_repeat).validate(checked, lazy=True, inplace=True)
        except pandera.errors.SchemaErrors as exc:
            problems.append(_translate(exc.failure_cases, typed, schema))
    if not problems:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in FAILURE_COLUMNS}).astype(
            {"row": "int64"}
        )
    failures = pd.concat(problems, ignore_index=True)
    # A value that did not parse is null after coercion: report it once, as unparseable.
    required = failures["rule"] == _REQUIRED
    keys = pd.MultiIndex.from_arrays([failures["row"], failures["column"]])
    echo = required & keys.isin(keys[~required.to_numpy()])
    failures = failures.loc[~echo]
    failures = failures.drop_duplicates(["row", "column", "rule"])
    return failures.sort_values(["row", "column"], kind="stable").reset_index(drop=True)


def _rules_hold(schema: IncidentSchema, typed: pd.DataFrame) -> bool:
    """:meth:`IncidentSchema.rules_hold`, False when it cannot tell (pandera then reports)."""
    try:
        return schema.rules_hold(typed)
    except Exception:  # an unexpected value: pandera names what is wrong
        return False


def _value_rules(schema: IncidentSchema, *, ids_repeat: bool) -> pandera.DataFrameSchema:
    """The pandera schema without the checks that coercion has made true.

    After :func:`_coerce` every column has its dtype and every category column
    holds only codebook values (others became null and were reported as
    unparseable), so those checks cannot fail; nor can uniqueness when no id
    repeats. Checking them anyway cost most of the validation time.
    """
    full = schema.to_pandera()
    changes: dict[str, dict] = {name: {"dtype": None} for name in full.columns}
    for name, spec in schema.fields.items():
        if spec.kind == "category":
            changes[name]["checks"] = []
        if spec.unique and not ids_repeat:
            changes[name]["unique"] = False
    return full.update_columns(changes)


def _repeated_ids(typed: pd.DataFrame) -> np.ndarray:
    """Where the event id is given and shared with another row."""
    if "event_id_cnty" not in typed.columns:
        return np.zeros(len(typed), dtype=bool)
    ids = typed["event_id_cnty"]
    if not has_repeats(ids):
        return np.zeros(len(typed), dtype=bool)  # the usual case, found fast
    return (ids.duplicated(keep=False) & ids.notna()).to_numpy(dtype=bool)


def has_repeats(values: pd.Series, *, missing_equal: bool = False) -> bool:
    """Whether some value occurs more than once.

    Parameters
    ----------
    values : pandas.Series
        Any values; text held by Arrow (``StringDtype`` with pyarrow storage) is
        checked fast.
    missing_equal : bool
        Whether missing values count as one value (as in
        :meth:`pandas.Series.duplicated`) or are left out.

    Returns
    -------
    bool

    Notes
    -----
    Hashing millions of strings is the cost of the check. For Arrow text each
    string is summed up instead in a 64-bit key made of its first 16 bytes, its
    last 8 and its length, and the keys are sorted: distinct keys prove the
    strings distinct. Only when two keys are equal are the strings compared
    (by pandas).

    Examples
    --------
    >>> import pandas as pd
    >>> has_repeats(pd.Series(["IRQ1", "IRQ2", None, None], dtype="string[pyarrow]"))
    False
    >>> has_repeats(pd.Series(["IRQ1", "IRQ2", None, None]), missing_equal=True)
    True
    """
    missing = values.isna().to_numpy(dtype=bool)
    if missing_equal and int(missing.sum()) > 1:
        return True
    keys = _text_keys(values)
    if keys is not None:
        keys = keys[~missing] if missing.any() else keys
        keys.sort()
        if not (keys[1:] == keys[:-1]).any():
            return False
    return bool(values[~missing].duplicated().any())


#: Odd multipliers that mix a string's 8-byte words into its key.
_KEY_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)
#: Rows keyed at a time.
_KEY_BLOCK = 1 << 16
#: _BYTE_MASKS[n] keeps the first n bytes of a little-endian 8-byte word.
_BYTE_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)


def _text_keys(values: pd.Series) -> np.ndarray | None:
    """A 64-bit key per value of Arrow-held text, equal for equal strings; None for other dtypes.

    The key mixes the string's length, its first 16 bytes and its last 8 (when
    longer than 16); missing values get the key of "".
    """
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    chunks = pa.chunked_array(pa.array(values.array))
    if not (pa.types.is_large_string(chunks.type) or pa.types.is_string(chunks.type)):
        return None
    if chunks.num_chunks > 64:  # from a CSV: many small chunks
        chunks = pa.chunked_array([chunks.combine_chunks()])
    keys = np.empty(len(chunks), dtype=np.uint64)
    done = 0
    for chunk in chunks.chunks:
        # in blocks whose temporary arrays stay small (and in the processor's cache)
        for block in range(0, len(chunk), _KEY_BLOCK):
            part = chunk.slice(block, _KEY_BLOCK)
            _chunk_keys(part, keys[done : done + len(part)])
            done += len(part)
    return keys


def _chunk_keys(array: pa.Array, keys: np.ndarray) -> None:
    """:func:`_text_keys` of one Arrow text array, written into ``keys``."""
    if len(array) == 0:
        return
    offsets, data = _text_buffers(array)
    # the 8-byte little-endian word starting at each byte (zeros past the end)
    padded = np.concatenate([data[offsets[0] : offsets[-1]], np.zeros(16, dtype=np.uint8)])
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    start = offsets[:-1] - offsets[0] if offsets[0] else offsets[:-1]
    length = np.diff(offsets)
    longest = int(length.max())
    multipliers = _KEY_MULTIPLIERS
    np.multiply(length.view(np.uint64), multipliers[0], out=keys)
    count = np.empty_like(length)
    mask = np.empty(len(length), dtype=np.uint64)
    for word in range(min(2, -(-longest // 8))):  # the first and second 8 bytes
        np.clip(length - 8 * word, 0, 8, out=count)
        np.take(_BYTE_MASKS, count, out=mask)
        part = words[start + 8 * word if word else start]
        part &= mask
        part *= multipliers[1 + word]
        keys ^= part
    if longest > 16:  # the last 8 bytes of longer strings
        long = length > 16
        part = words[np.where(long, start + length - 8, 0)]
        part[~long] = 0
        part *= multipliers[3]
        keys ^= part


def _exact_duplicate_copies(
    typed: pd.DataFrame, schema: IncidentSchema, repeated: np.ndarray
) -> np.ndarray:
    """Positions of rows identical (in every schema column) to an earlier row with the same id."""
    if not repeated.any():
        return np.array([], dtype="int64")
    subset = typed.loc[repeated, list(schema.columns)]
    return np.flatnonzero(repeated)[subset.duplicated(keep="first").to_numpy()]


_SUPERSEDED = "superseded by a newer version (a later timestamp)"


def _superseded_versions(
    typed: pd.DataFrame, schema: IncidentSchema, repeated: np.ndarray, copies: np.ndarray
) -> pd.DataFrame:
    """Failure rows of the older versions of events given twice or more, naming the newer one.

    ACLED updates an event by issuing it again under the same id with a later
    ``timestamp``; two downloads put together hold both. The version with the
    latest timestamp is the event; each earlier one is superseded. Versions with
    the same (latest) timestamp that differ are left to the uniqueness rule, and
    rows without a timestamp supersede nothing and are never superseded.
    """
    if "timestamp" not in schema.fields or not repeated.any():
        return pd.DataFrame(columns=FAILURE_COLUMNS)
    candidates = repeated.copy()
    candidates[copies] = False
    rows = np.flatnonzero(candidates)
    versions = typed[["event_id_cnty", "timestamp"]].iloc[rows]
    stamps = versions["timestamp"]
    newest = stamps.groupby(versions["event_id_cnty"], sort=False).transform("max")
    older = (stamps < newest).fillna(False).to_numpy(dtype=bool)
    shown = (
        "timestamp "
        + stamps[older].astype("string")
        + "; the newer version's timestamp "
        + newest[older].astype("string")
    )
    return pd.DataFrame(
        {
            "row": rows[older],
            "event_id_cnty": versions["event_id_cnty"].to_numpy()[older],
            "column": "event_id_cnty",
            "rule": _SUPERSEDED,
            "value": shown.to_numpy(),
        }
    )


def _translate(cases: pd.DataFrame, typed: pd.DataFrame, schema: IncidentSchema) -> pd.DataFrame:
    """pandera's failure cases as (row, event id, column, rule, value) rows."""
    rows = []
    pandera_schema_checks = schema.frame_rules
    for case in cases.itertuples(index=False):
        if case.index is None or pd.isna(case.index):
            continue  # column-level (dtype) failures are impossible after coercion
        row = int(case.index)
        check = str(case.check)
        if (
            case.schema_context == "DataFrameSchema"
            and case.check_number is not None
            and (not pd.isna(case.check_number))
        ):
            _, text, cols, _ = pandera_schema_checks[int(case.check_number)]
            # pandera reports a frame-level failure once per column: keep the first.
            rows.append((row, cols[0], text, _values(typed, row, cols)))
            continue
        column = str(case.column)
        if check == "not_nullable":
            rule = _REQUIRED
        elif check == "field_uniqueness":
            rule = "unique (another row has this id)"
        else:
            spec = schema.fields[column]
            rule = spec.rules()[int(case.check_number)][0]
        rows.append(
            (row, column, rule, None if pd.isna(case.failure_case) else str(case.failure_case))
        )
    out = pd.DataFrame(rows, columns=["row", "column", "rule", "value"])
    out["event_id_cnty"] = typed["event_id_cnty"].iloc[out["row"].to_numpy()].to_numpy()
    return out[FAILURE_COLUMNS]


def _values(typed: pd.DataFrame, row: int, cols: tuple[str, ...]) -> str:
    return ", ".join(f"{c}={typed[c].iloc[row]}" for c in cols)


def _reasons(failures: pd.DataFrame, rows: np.ndarray) -> list[str]:
    text = failures["column"].astype(str) + ": " + failures["rule"].astype(str)
    has_value = failures["value"].notna()
    text = text.where(~has_value, text + " (got " + failures["value"].astype(str) + ")")
    joined = text.groupby(failures["row"].to_numpy()).agg("; ".join)
    return joined.reindex(rows).tolist()


def failure_message(failures: pd.DataFrame, n_rows: int, limit: int = 50) -> str:
    """The text of a ValidationError: the failing rows (by file line when known), rule counts."""
    bad = failures["row"].nunique()
    lines = [f"{bad} of {n_rows} rows failed validation:"]
    shown = failures.drop_duplicates("row").head(limit)["row"]
    reasons = _reasons(failures, shown.to_numpy())
    ids = failures.drop_duplicates("row").head(limit)["event_id_cnty"]
    if "line" in failures.columns:
        labels = [f"line {line}" for line in failures.drop_duplicates("row").head(limit)["line"]]
    else:
        labels = [f"row {row}" for row in shown]
    for label, event_id, reason in zip(labels, ids, reasons, strict=True):
        label += "" if pd.isna(event_id) else f" ({event_id})"
        lines.append(f"  {label}: {reason}")
    if bad > limit:
        lines.append(f"  ... and {bad - limit} more rows (all of them in the error's .failures)")
    counts = failures.groupby(["column", "rule"])["row"].nunique().sort_values(ascending=False)
    lines.append("rows failing each rule:")
    for (column, rule), count in counts.items():
        lines.append(f"  {count:>7}  {column}: {rule}")
    lines.append("Use errors='quarantine' to keep the valid rows and set the rejected ones aside.")
    return "\n".join(lines)
