"""Typing and validating incident frames, with every failure kept as data.

:func:`validate` turns a frame (as read from a CSV: strings; or already typed)
into the schema's dtypes and checks every rule lazily, so that one pass names
every failing row and every rule it broke. With ``errors="raise"`` it raises
:class:`~eventdata.core.errors.ValidationError`; with ``errors="quarantine"`` it
returns a :class:`Quarantine` whose ``valid`` and ``rejected`` frames account
for every input row exactly once. The typing itself is
:func:`eventdata.core.coercion.coerce`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa

from eventdata.core import codebook
from eventdata.core.coercion import (
    FAILURE_COLUMNS,
    REQUIRED_RULE,
    coerce,
    failure_rows,
    text_buffers,
)
from eventdata.core.errors import CodebookWarning, ValidationError
from eventdata.core.result import Result
from eventdata.core.schema import ACLED_SCHEMA, SCHEMAS, IncidentSchema
from eventdata.core.validity import mark_valid
from eventdata.core.warn import warn_at_caller

__all__ = ["FAILURE_COLUMNS", "Quarantine", "has_repeats", "text_keys", "validate"]

Errors = Literal["raise", "quarantine"]


@dataclass(frozen=True)
class Quarantine(Result):
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

    def _headline_dict(self) -> dict[str, Any]:
        return {
            "n_rows": self.n_rows,
            "n_valid": self.n_valid,
            "n_rejected": self.n_rejected,
            "n_skipped": self.n_skipped,
        }

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
    typed, problems = coerce(frame, schema)
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
            failure_rows(
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
    required = failures["rule"] == REQUIRED_RULE
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

    After :func:`coerce` every column has its dtype and every category column
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
    keys = text_keys(values)
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


def text_keys(values: pd.Series) -> np.ndarray | None:
    """A 64-bit key per value of Arrow-held text, equal for equal strings; None for other dtypes.

    The key mixes the string's length, its first 16 bytes and its last 8 (when
    longer than 16); missing values get the key of "". Strings that differ only
    between their 16th and their last 8 bytes share a key: equal keys prove
    nothing, different keys prove the strings different (:func:`has_repeats`).

    Parameters
    ----------
    values : pandas.Series
        Text held by Arrow (``string[pyarrow]``).

    Returns
    -------
    numpy.ndarray of uint64, or None
        One key per value; None when ``values`` is not Arrow-held text.

    Examples
    --------
    >>> import pandas as pd
    >>> keys = text_keys(pd.Series(["IRQ1", "IRQ2", "IRQ1"], dtype="string[pyarrow]"))
    >>> bool(keys[0] == keys[2]), bool(keys[0] == keys[1])
    (True, False)
    >>> text_keys(pd.Series([1, 2])) is None
    True
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
    """:func:`text_keys` of one Arrow text array, written into ``keys``."""
    if len(array) == 0:
        return
    offsets, data = text_buffers(array)
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
            rule = REQUIRED_RULE
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
