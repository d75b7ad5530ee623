"""Typing and validating incident frames, with every failure kept as data.

:func:`validate` turns a frame (as read from a CSV: strings; or already typed)
into the schema's dtypes and checks every rule lazily, so that one pass names
every failing row and every rule it broke. With ``errors="raise"`` it raises
:class:`~eventdata.errors.ValidationError`; with ``errors="quarantine"`` it
returns a :class:`Quarantine` whose ``valid`` and ``rejected`` frames account
for every input row exactly once.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa
import pyarrow.compute as pc

from eventdata import codebook
from eventdata._caller import warn_at_caller
from eventdata.errors import CodebookWarning, ValidationError
from eventdata.schema import ACLED_SCHEMA, SCHEMAS, Field, IncidentSchema

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
    _check_columns(events, schema)
    raw = events
    frame = events.reset_index(drop=True)
    typed, problems = _coerce(frame, schema)
    failures = _collect_failures(typed, problems, schema)
    bad_rows = np.unique(failures["row"].to_numpy(dtype="int64"))
    if errors == "raise":
        if len(bad_rows):
            raise ValidationError(failure_message(failures, len(frame)), failures, len(frame))
        typed.index = raw.index
        return typed
    ok = np.ones(len(frame), dtype=bool)
    ok[bad_rows] = False
    valid = typed.loc[ok]
    valid.index = raw.index[ok]
    rejected = raw.iloc[bad_rows].copy()
    rejected["reason"] = pd.Series(
        _reasons(failures, bad_rows), index=rejected.index, dtype="string"
    )
    return Quarantine(valid=valid, rejected=rejected, failures=failures, n_rows=len(frame))


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
        if name in frame.columns and frame[name].dtype != spec.dtype and _never_warns(spec)
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
    extras = {c: frame[c] for c in frame.columns if c not in schema.fields}
    typed = pd.DataFrame({**columns, **extras}, index=frame.index, copy=False)
    return typed, problems


def _never_warns(spec: Field) -> bool:
    """Whether typing this field's column never warns (dates and actor-type codes may)."""
    return spec.kind in ("string", "category", "number") or (
        spec.kind == "integer" and spec.name not in _INTER_COLUMNS
    )


def _coerce_column(raw: pd.Series, spec: Field) -> tuple[pd.Series, np.ndarray, str]:
    """Return (typed values, mask of values that did not parse, rule those broke)."""
    target = spec.dtype
    if raw.dtype == target:
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
    if spec.kind == "string":
        return text.astype(target), no_failures, ""
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
    """The distinct values as stripped text (empty: missing), and each row's position among them.

    Missing values get the position one past the last distinct value.
    """
    text = raw if isinstance(raw.dtype, pd.StringDtype) else _as_text(raw)
    values = pa.array(text.array)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    words = pd.Series(encoded.dictionary.to_pylist(), dtype=object).str.strip()
    words = words.mask(words == "")
    positions = pc.fill_null(encoded.indices, len(words)).to_numpy(zero_copy_only=False)
    return words, positions


def _as_text(raw: pd.Series) -> pd.Series:
    """Values as stripped strings with empty strings as missing (positional index)."""
    if isinstance(raw.dtype, pd.CategoricalDtype):
        raw = raw.astype("object")
    text = raw.reset_index(drop=True).astype(pd.StringDtype()).str.strip()
    return text.mask(text == "")


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
    lookup = np.append(parsed.to_numpy(), np.datetime64("NaT", "ns"))
    return pd.Series(lookup[positions], dtype="datetime64[ns]"), present


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
    if pd.isna(date) or not 1900 <= date.year <= 2100:
        return None
    return date.tz_localize(None) if date.tzinfo is not None else date


def _in_range(dates: pd.Series) -> pd.Series:
    """Dates as datetime64[ns], NaT outside 1900-2100.

    Dates before ACLED's and UCDP's coverage or in the far future are typos (the
    API served year 0025 for 2025); years beyond 2262 do not fit nanoseconds.
    """
    years = dates.dt.year
    return dates.where((years >= 1900) & (years <= 2100)).astype("datetime64[ns]")


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
    shown = None if values is None else values.iloc[rows].astype("string").to_numpy()
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
    checked = typed
    if len(dup_copies):
        keep = np.ones(len(typed), dtype=bool)
        keep[dup_copies] = False
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
    _, offset_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(
        offset_buffer, dtype=np.int64 if array.type == pa.large_string() else np.int32
    )
    offsets = offsets[array.offset : array.offset + len(array) + 1].astype(np.int64, copy=False)
    data = np.zeros(0, np.uint8) if data_buffer is None else np.frombuffer(data_buffer, np.uint8)
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
