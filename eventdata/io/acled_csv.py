"""Reading ACLED exports (CSV, or Excel when openpyxl is installed).

The reader takes exports as users really have them: older codebook versions,
dates re-saved by Excel, text actor types, ``NA`` written by R, truncated or
malformed lines. A file that cannot be read at all gets one clear
:class:`~eventdata.core.errors.ReadError`; rows that can be read but break the
schema are reported or quarantined by :func:`eventdata.validate`.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd

from eventdata.core.coverage import coverage_from_events
from eventdata.core.errors import (
    CodebookWarning,
    ReadError,
    ReadWarning,
    StoreError,
    ValidationError,
)
from eventdata.core.schema import ACLED_SCHEMA, IncidentSchema
from eventdata.core.validation import Errors, Quarantine, failure_message, validate
from eventdata.core.validity import known_valid
from eventdata.core.warn import warn_at_caller
from eventdata.io.tables import (
    NA_VALUES,
    NotUtf8,
    Table,
    dialect,
    integer_ids,
    nul_failures,
    parse,
    tidy,
    to_utf8,
)

__all__ = ["read_acled", "read_table", "read_validated"]


Source = str | os.PathLike | IO[str] | IO[bytes]

_EXTRA_FIELDS = "extra_fields"


def read_acled(
    source: Source,
    *,
    errors: Errors = "raise",
    encoding: str | None = None,
    monadic: Literal["dyadic", "keep"] = "dyadic",
    delimiter: str | None = None,
    decimal: str | None = None,
    dayfirst: bool | None = None,
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
        :class:`~eventdata.core.validation.Quarantine` with ``.valid``, ``.rejected``
        (each row with the ``line`` of the file it starts on, the header being
        line 1, and a ``reason``) and ``.skipped`` (lines that are not records: an
        HXL hashtag row, the second row of a monadic event); together they account
        for every row read, once.
    encoding : str, optional
        Text encoding of a CSV. By default UTF-8 (or UTF-16 when the file starts
        with its byte order mark), and cp1252 with a :class:`~eventdata.ReadWarning`
        when the file is not valid UTF-8 (a file re-saved by an old Excel).
    monadic : {"dyadic", "keep"}
        ACLED's export tool can write one row per actor ("monadic": the event id
        repeats and ``actor2``, ``assoc_actor_2``, ``inter2`` are absent). Such a
        file is recognised, with a :class:`~eventdata.CodebookWarning`, and by
        default returned one row per event (dyadic: the second actor's row becomes
        ``actor2``); ``"keep"`` returns the valid events one row per actor again
        (without the actor2 columns). The rows of one event must agree on every
        other column, else they are all rejected. In a quarantine, ``n_rows`` counts
        the rows read; a rejected event shows all its rows, and the second row of
        each valid event is listed in ``skipped``.
    delimiter : str, optional
        The field delimiter; by default detected from the header line among
        ``,`` ``;`` tab and ``|``.
    decimal : {".", ","}, optional
        The decimal mark of latitude and longitude; by default ``","`` when the
        delimiter is not a comma and those columns are written ``33,3``.
    dayfirst : bool, optional
        How numeric dates (``06/05/2023``, ``6.5.2023``) are read. By default the
        column settles it (a first number above 12 is a day, a second one above 12
        a day too); when no date settles it and most dates are numeric, a
        :class:`~eventdata.ReadError` asks for ``dayfirst=True`` or ``False``.

    Notes
    -----
    Cell by cell: a value that cannot be read (a blank latitude, an integer
    beyond int64, a hexadecimal number, a date before 1900 or after 2100 such as
    ``0025-03-14``) rejects its row only. A date written with a time and a time
    zone (``2023-05-06T00:00:00+03:00``, ``...Z``) is the calendar date as
    written, in that zone's local time: the offset is ignored, never converted to
    UTC, because ACLED's ``event_date`` is the local day of the event.

    Returns
    -------
    pandas.DataFrame or Quarantine

    Raises
    ------
    ReadError
        The file is missing, empty, not a CSV, not in the given encoding, or
        changed while it was read; or its numeric dates are ambiguous.
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
        source,
        schema=ACLED_SCHEMA,
        errors=errors,
        encoding=encoding,
        prepare=_combine_monadic,
        delimiter=delimiter,
        decimal=decimal,
        dayfirst=dayfirst,
    )
    if monadic == "dyadic":
        return result
    if isinstance(result, Quarantine):
        # the second actor's rows are valid rows again, not skipped ones
        skipped = result.skipped[~result.skipped["reason"].str.contains("monadic export")]
        return Quarantine(
            _split_dyadic(result.valid), result.rejected, result.failures, result.n_rows, skipped
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
    warn_at_caller(
        f"monadic export (one row per actor): {len(raw)} rows read as {len(combined)} events",
        CodebookWarning,
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
    encoding: str | None = None,
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame | Quarantine:
    """Read a table, optionally map it onto a schema's columns, and validate it.

    The one reading path of every source (ACLED, UCDP GED, hand-coded incidents):
    file errors become :class:`~eventdata.core.errors.ReadError`, malformed lines are
    raised or quarantined, and ``prepare`` (raw string frame -> frame in the
    schema's column names, same index) adapts a source's own columns. Rejected
    rows are reported as they were read, before ``prepare``, with the ``line``
    of the file they start on; rows the reader leaves out (an HXL hashtag row,
    comment rows, the second row of a monadic event) are listed in the
    quarantine's ``skipped``, so that rows read = valid + rejected + skipped.
    """
    _check_options(delimiter=delimiter, decimal=decimal, dayfirst=dayfirst)
    table = _read_source(source, encoding=encoding, delimiter=delimiter)
    raw = integer_ids(table.frame, schema)
    held = nul_failures(raw, table)
    kept = raw.drop(index=np.unique(held["row"].to_numpy())) if len(held) else raw
    frame = kept if prepare is None else prepare(kept)
    frame = dialect(
        frame,
        schema,
        name=table.name,
        delimiter=table.delimiter,
        decimal=decimal,
        dayfirst=dayfirst,
    )
    if errors == "raise":
        typed = _validated_or_raise(table, raw, frame, held, schema)
        typed.attrs["coverage"] = coverage_from_events(typed)  # the file's span, per country
        return typed
    result = _quarantine(
        table, raw, frame, validate(frame, errors="quarantine", schema=schema), held
    )
    result.valid.attrs["coverage"] = coverage_from_events(result.valid)
    return result


def _check_options(*, delimiter: str | None, decimal: str | None, dayfirst: bool | None) -> None:
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValueError(f"delimiter must be one character such as ',' or ';', not {delimiter!r}")
    if delimiter in ('"', "\n", "\r"):
        raise ValueError(f"delimiter cannot be {delimiter!r}")
    if decimal not in (None, ".", ","):
        raise ValueError(f"decimal must be '.' or ',', not {decimal!r}")
    if dayfirst not in (None, True, False):
        raise ValueError(f"dayfirst must be True, False or None, not {dayfirst!r}")


def _validated_or_raise(
    table: Table,
    raw: pd.DataFrame,
    frame: pd.DataFrame,
    held: pd.DataFrame,
    schema: IncidentSchema,
) -> pd.DataFrame:
    """The typed frame, or a ValidationError naming each failing row by its file line."""
    try:
        typed = validate(frame, errors="raise", schema=schema)
    except ValidationError as exc:
        if exc.failures["row"].isna().any():  # a missing column: no row to point at
            raise
        failures = pd.concat([held, _failures_in_raw(exc.failures, frame)], ignore_index=True)
        raise _line_error(table, failures, len(raw)) from None
    if len(held):
        raise _line_error(table, held, len(raw))
    if table.malformed:
        malformed = table.malformed
        lines = ", ".join(str(m.get("line", "?")) for m in malformed[:20])
        more = f" and {len(malformed) - 20} more" if len(malformed) > 20 else ""
        raise ReadError(
            f"{table.name}: {len(malformed)} malformed line(s) (not as many fields as the "
            f"header): line {lines}{more}. Use errors='quarantine' to set them aside."
        )
    for line, reason in table.skipped:
        warn_at_caller(f"{table.name}: line {line} skipped: {reason}", CodebookWarning)
    return typed


def _line_error(table: Table, failures: pd.DataFrame, n_rows: int) -> ValidationError:
    failures = failures.assign(line=table.lines(failures["row"].to_numpy()))
    return ValidationError(f"{table.name}: " + failure_message(failures, n_rows), failures, n_rows)


def _failures_in_raw(failures: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Failures with ``row`` the row's position in the file (not in the prepared frame)."""
    if not len(failures):
        return failures
    rows = frame.index.to_numpy()[failures["row"].to_numpy(dtype="int64")]
    return failures.assign(row=rows.astype("int64"))


def _quarantine(
    table: Table, raw: pd.DataFrame, frame: pd.DataFrame, result: Quarantine, held: pd.DataFrame
) -> Quarantine:
    """Valid rows, rejected rows as read (with their file line), and the rows left out."""
    partners = frame.attrs.get("partner_rows", {})
    failures = pd.concat([held, _failures_in_raw(result.failures, frame)], ignore_index=True)
    reasons = dict(zip(result.rejected.index, result.rejected["reason"], strict=True))
    if len(held):
        reasons.update(zip(np.unique(held["row"]), _held_reasons(held), strict=True))
    rows = [r for i in reasons for r in (i, partners.get(i)) if r is not None]
    reason = [reasons[i] for i in reasons for r in (i, partners.get(i)) if r is not None]
    lines = table.lines(np.asarray(rows, dtype="int64"))
    rejected = raw.loc[rows].assign(line=lines, reason=pd.array(reason, dtype="string"))
    failures = failures.assign(line=table.lines(failures["row"].to_numpy(dtype="int64")))
    skipped = list(table.skipped)
    left_out = raw.index.difference(frame.index).difference(rows)
    partner_of = {p: i for i, p in partners.items()}
    first_column = raw.columns[0] if len(raw.columns) else None
    for row, line in zip(left_out, table.lines(left_out.to_numpy()), strict=True):
        if row in partner_of:
            first = int(table.lines([partner_of[row]])[0])
            why = f"the second actor's row of the event on line {first} (monadic export)"
        elif first_column is not None and str(raw.at[row, first_column]).lstrip().startswith("#"):
            why = "a comment row (its first cell starts with #)"
        else:
            why = "left out by the reader"
        skipped.append((int(line), why))
    if table.malformed:
        rejected, failures = _add_malformed(rejected, failures, raw, table.malformed)
    skipped_frame = pd.DataFrame(sorted(skipped), columns=["line", "reason"]).astype(
        {"line": "int64", "reason": "string"}
    )
    return Quarantine(
        valid=result.valid,
        rejected=rejected,
        failures=failures,
        n_rows=len(result.valid) + len(rejected) + len(skipped_frame),
        skipped=skipped_frame,
    )


def _held_reasons(held: pd.DataFrame) -> list[str]:
    text = held["column"] + ": " + held["rule"] + " (got " + held["value"] + ")"
    return text.groupby(held["row"].to_numpy()).agg("; ".join).tolist()


def read_table(
    source: Source, *, encoding: str | None = None, delimiter: str | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """Read a CSV or Excel table as strings, without interpreting any value.

    CSV files are parsed by pyarrow's multi-threaded reader, every column as text,
    with the delimiter detected from the header unless given. Column names are
    stripped and lower-cased; an HXL hashtag row under the header and a leading
    unnamed index column (written by pandas) are left out. Returns the frame and
    the malformed lines (a number of fields other than the header's), each as
    ``{"line": line number, "fields": [...]}``; no line is dropped silently.
    """
    table = _read_source(source, encoding=encoding, delimiter=delimiter)
    return table.frame, table.malformed


def _read_source(source: Source, *, encoding: str | None, delimiter: str | None) -> Table:
    name = _name(source)
    if name.lower().endswith((".xlsx", ".xls")):
        frame = _read_excel(source, name).reset_index(drop=True)
        return tidy(Table(frame.astype("string"), name, width=len(frame.columns)))
    data = _read_bytes(source, name)
    if not data or data.isspace():  # isspace: no copy of a large file
        raise ReadError(f"{name}: the file is empty")
    data = to_utf8(data, name, encoding)
    end_of_header = data.find(b"\n")
    if end_of_header < 0 or not _NOT_SPACE.search(data, end_of_header):
        data = data.rstrip() + b"\n"  # a header alone, without its line end: no records
    try:
        return tidy(parse(data, name, delimiter))
    except NotUtf8:
        if encoding is not None:
            raise ReadError(_not_utf8(data, name)) from None
    # utf-8 was assumed, not asked for: a file re-saved by Excel on Windows
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise ReadError(_not_utf8(data, name)) from None
    warn_at_caller(
        f"{name}: not valid utf-8 text; read as cp1252 (Windows-1252). Pass the right "
        'encoding to silence this: encoding="cp1252" (--encoding cp1252 on the command line)',
        ReadWarning,
    )
    return tidy(parse(text.encode("utf-8"), name, delimiter))


_NOT_SPACE = re.compile(rb"\S")


def _not_utf8(data: bytes, name: str) -> str:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = f" (byte {exc.start}: {data[exc.start : exc.start + 1]!r})"
    else:  # pragma: no cover - pyarrow and Python agree on UTF-8
        where = ""
    return (
        f"{name}: not valid utf-8 text{where}; if it was re-saved by Excel, pass "
        'encoding="cp1252" (--encoding cp1252 on the command line)'
    )


def _add_malformed(
    rejected: pd.DataFrame, failures: pd.DataFrame, raw: pd.DataFrame, malformed: list[dict]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    columns = list(raw.columns)
    width = len(columns)
    records = []
    for m in malformed:
        fields = m["fields"]
        record = dict(zip(columns, fields[:width], strict=False))
        record[_EXTRA_FIELDS] = ",".join(fields[width:])
        record["line"] = m.get("line")
        record["reason"] = (
            f"malformed line {m.get('line', '?')}: {len(fields)} fields where the header has "
            f"{width}"
        )
        records.append(record)
    extra = pd.DataFrame.from_records(records)
    rejected = pd.concat([rejected, extra], ignore_index=True)
    extra_failures = pd.DataFrame(
        {
            "row": pd.array([None] * len(records), dtype="Int64"),
            "event_id_cnty": extra.get("event_id_cnty"),
            "column": "(line)",
            "rule": "as many fields as the header",
            "value": extra[_EXTRA_FIELDS],
            "line": extra["line"],
        }
    )
    failures = pd.concat([failures.astype({"row": "Int64"}), extra_failures], ignore_index=True)
    return rejected, failures


def _name(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return getattr(source, "name", "<buffer>") or "<buffer>"


def _read_bytes(source: Source, name: str) -> bytes:
    """The file's bytes, read into memory.

    Not memory-mapped: a mapped file that shrinks while it is parsed kills the
    process (SIGBUS). A file whose size changes while it is read is an error.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise ReadError(f"{name}: no such file")
        if path.is_dir():
            raise ReadError(f"{name}: is a folder, not a CSV file")
        try:
            with path.open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                data = handle.read()
                after = os.fstat(handle.fileno()).st_size
        except OSError as exc:
            raise ReadError(f"{name}: cannot be read ({exc.strerror or exc})") from None
        if len(data) != size or after != size:
            raise ReadError(
                f"{name}: the file changed while it was read ({len(data)} bytes read, "
                f"{after} now); read it again once it is complete"
            )
        return data
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


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


# --------------------------------------------------------------------------------------
# Writing: an ACLED-style CSV export


def write_acled(events: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write events as an ACLED-style CSV export that ACLED's users' tools read.

    ACLED's columns in ACLED's order and spelling (then any other columns), dates
    as ``YYYY-MM-DD``, integers without ``.0``, missing values empty, UTF-8.
    :func:`read_acled` reads the file back to an equal frame (text is read with
    surrounding spaces stripped and empty text as missing, as ACLED's exports are).
    The file is written whole or not at all (to a temporary name, then renamed).
    A frame already validated (by :func:`validate`, a reader or a store read) and
    unchanged since is not validated again; any other frame is.

    Raises
    ------
    ValidationError
        When rows break the ACLED schema (nothing is written).
    StoreError
        When the disk or folder refuses the write (nothing is changed).

    Examples
    --------
    >>> import tempfile
    >>> import eventdata as ed
    >>> events = ed.datasets.load_seed_incidents()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     csv = write_acled(events, Path(folder) / "export.csv")
    ...     header, first = csv.read_text().splitlines()[:2]
    ...     back = read_acled(csv)
    >>> header.split(",")[:3], first.split(",")[:4]
    (['event_id_cnty', 'event_date', 'year'], ['SEED-IRQ-001', '2022-01-03', '2022', '1'])
    >>> back.equals(events)
    True
    """
    # a frame validated already (by validate, a reader or a store read) and unchanged
    # since is not validated again: eventdata.core.validity
    typed = events if known_valid(events, ACLED_SCHEMA) else validate(events, schema=ACLED_SCHEMA)
    typed = typed.reset_index(drop=True)
    order = [*ACLED_SCHEMA.columns, *(c for c in typed.columns if c not in ACLED_SCHEMA.fields)]
    text = typed[order].to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.urandom(16).hex()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except BaseException as exc:
        _discard(temporary)
        if not isinstance(exc, OSError):
            raise
        raise StoreError(f"write_acled failed: {write_failure(exc)}; nothing was changed") from None
    return path


#: What an operating system error of a write means, in words a user can act on.
_WRITE_FAILURES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the folder is on a read-only file system",
    errno.EACCES: "permission denied (a read-only folder?)",
    errno.EPERM: "operation not permitted (a read-only folder?)",
    errno.ENAMETOOLONG: "a file name is too long for this file system",
}


def write_failure(error: OSError) -> str:
    """Why a write failed, said for a user, with the file concerned.

    Examples
    --------
    >>> write_failure(OSError(errno.ENOSPC, "No space left on device", "out.csv"))
    'the disk is full (out.csv)'
    """
    reason = _WRITE_FAILURES.get(error.errno or 0) or error.strerror or str(error)
    return reason + (f" ({error.filename})" if error.filename else "")


def _discard(path: Path) -> None:
    """Remove a temporary file, if it is there."""
    try:
        os.unlink(path)
    except OSError:
        return
