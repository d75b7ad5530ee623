"""A table as read from a delimited text file: every value text, nothing interpreted yet.

The generic half of reading, shared by every source's reader
(:func:`eventdata.io.acled_csv.read_validated`): bytes made UTF-8, the delimiter
sniffed from the header (:func:`sniff_delimiter`), the rows parsed by pyarrow's
multi-threaded reader with malformed lines set aside, column names tidied, and
the file's dialect (decimal comma, day/month order of numeric dates) rewritten as
the schemas read it. Where each record starts in the file is kept, so that a
rejected row names its line.

Examples
--------
>>> table = tidy(parse(b"EVENT_ID_CNTY;Fatalities\\nIRQ1;3\\n", "export.csv", None))
>>> table.delimiter, list(table.frame.columns), table.lines([0]).tolist()
(';', ['event_id_cnty', 'fatalities'], [2])
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from eventdata.core.errors import CodebookWarning, ReadError
from eventdata.core.schema import IncidentSchema
from eventdata.core.validation import FAILURE_COLUMNS
from eventdata.core.warn import warn_at_caller

__all__ = [
    "DELIMITERS",
    "NA_VALUES",
    "NotUtf8",
    "Table",
    "codecs_name",
    "dialect",
    "integer_ids",
    "nul_failures",
    "parse",
    "sniff_delimiter",
    "tidy",
    "to_utf8",
]

# Tokens read as missing. Not pandas' long default list: "NA" is what R writes,
# but "None" or "n/a" could be real text in notes.
NA_VALUES = ["", "NA", "N/A", "NULL", "NaN", "nan"]

#: The delimiters detected from a header line (the most frequent one wins; "," on a tie).
DELIMITERS = (",", ";", "\t", "|")


@dataclass
class Table:
    """A table as read, every value as text, and where in the file each row starts."""

    frame: pd.DataFrame  # RangeIndex: a row's label is its position among the records
    name: str
    malformed: list[dict] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    delimiter: str = ","
    text: bytes | None = None  # a CSV's UTF-8 bytes (None: an Excel sheet)
    width: int = 0  # fields in the header
    first_line: int = 2  # the line of the first record
    _lines: np.ndarray | None = None

    def lines(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """The file line (1-based, the header being line 1) on which each row starts."""
        if self._lines is None:
            self._lines = _record_lines(self)
        return self._lines[np.asarray(rows, dtype="int64")]


def _record_lines(table: Table) -> np.ndarray:
    n = len(table.frame)
    simple = np.arange(table.first_line, table.first_line + n, dtype="int64")
    data = table.text
    if data is None:
        return simple
    breaks = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    if not table.malformed and breaks == table.first_line - 1 + n:
        return simple  # one line per record: no break inside a value, no blank line
    starts, _ = _scan_records(data.decode("utf-8"), table.delimiter, table.width)
    starts = starts[1 + (table.first_line - 2) :]  # not the header nor an HXL row
    return np.asarray(starts, dtype="int64") if len(starts) == n else simple


def _scan_records(text: str, delimiter: str, width: int) -> tuple[list[int], list[int]]:
    """The first lines of the records with the header's width, and of the other records."""
    good: list[int] = []
    bad: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    try:
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if record:
                (good if len(record) == width else bad).append(start)
    except csv.Error:  # pragma: no cover - the csv module is laxer than Arrow
        pass
    return good, bad


class NotUtf8(Exception):
    """The bytes are not UTF-8 text."""


def to_utf8(data: bytes, name: str, encoding: str | None) -> bytes:
    """The file as UTF-8 bytes with ``\\n`` or ``\\r\\n`` line ends."""
    if encoding is None and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"  # its byte order mark says so
    if encoding is not None and codecs_name(encoding) not in ("utf-8", "utf-8-sig"):
        try:
            data = data.decode(encoding).encode("utf-8")
        except (UnicodeError, LookupError) as exc:
            raise ReadError(f"{name}: not readable as {encoding} text ({exc})") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    head = data[:65536]
    if b"\r" in head and b"\n" not in head:  # classic Mac OS line ends
        data = data.replace(b"\r", b"\n")
    first = data[:65536].split(b"\n", 1)[0]
    if data.startswith(_BINARY_SIGNATURES) or any(c < 32 and c not in (9, 13) for c in first):
        raise ReadError(f"{name}: this is a binary file, not a CSV export")
    return data


#: How common binary formats begin: PNG, gzip, zip (and xlsx), PDF, Parquet, OLE2 (xls), SQLite.
_BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\x1f\x8b",
    b"PK\x03\x04",
    b"%PDF",
    b"PAR1",
    b"\xd0\xcf\x11\xe0",
    b"SQLite format 3\x00",
)


def codecs_name(encoding: str) -> str:
    """The codec's canonical name (``"UTF8"`` -> ``"utf-8"``), or the name as given."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def parse(data: bytes, name: str, delimiter: str | None) -> Table:
    first = data[:65536].split(b"\n", 1)[0].decode("utf-8", errors="replace")
    delimiter = delimiter or sniff_delimiter(first)
    header = _header(data, name, delimiter)
    frame, malformed = _parse_csv(data, name, header, delimiter)
    return Table(
        frame, name, malformed=malformed, delimiter=delimiter, text=data, width=len(header)
    )


def sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: the candidate found most often outside quotes.

    One of ``,`` ``;`` tab ``|``; ``,`` when none is there.

    Examples
    --------
    >>> sniff_delimiter('event_id_cnty;"a,b";country')
    ';'
    """
    outside = "".join(line.split('"')[::2])
    counts = [outside.count(d) for d in DELIMITERS]
    return DELIMITERS[int(np.argmax(counts))] if max(counts) else ","


def _parse_csv(
    data: bytes, name: str, header: list[str], delimiter: str
) -> tuple[pd.DataFrame, list[dict]]:
    malformed: list[dict] = []

    def keep_aside(row: pacsv.InvalidRow) -> str:
        malformed.append({"fields": next(csv.reader([row.text], delimiter=delimiter), [])})
        return "skip"

    def parse(newlines_in_values: bool, block_size: int | None = None) -> pa.Table:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(block_size=block_size) if block_size else None,
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=newlines_in_values,
                invalid_row_handler=keep_aside if newlines_in_values else None,
            ),
            convert_options=pacsv.ConvertOptions(
                # large_string: what pandas' Arrow-backed strings hold (no conversion)
                column_types={column: pa.large_string() for column in header},
                null_values=NA_VALUES,
                strings_can_be_null=True,
            ),
        )

    try:
        # Most exports have no line breaks inside values and no malformed line, and
        # Arrow parses those a quarter faster; otherwise it raises, and the file is
        # parsed again allowing line breaks and setting malformed lines aside.
        table = parse(newlines_in_values=False)
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise NotUtf8 from None
        try:
            data.decode("utf-8")  # Arrow decodes a malformed line's text for the handler
        except UnicodeDecodeError:
            raise NotUtf8 from None
        table = _parse_again(parse, malformed, name, len(data))
    frame = table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype()}.get)
    if len(frame.columns) == len(header):
        frame.columns = header
    if malformed:
        _, lines = _scan_records(data.decode("utf-8"), delimiter, len(header))
        for entry, line in zip(malformed, lines, strict=False):
            entry["line"] = line
    return frame, malformed


def _parse_again(
    parse: Callable[..., pa.Table], malformed: list[dict], name: str, size: int
) -> pa.Table:
    """Parse allowing line breaks in values, with larger blocks while a record outgrows one."""
    block = 1 << 20  # Arrow's default
    while True:
        malformed.clear()
        try:
            return parse(newlines_in_values=True, block_size=block)
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc):
                raise NotUtf8 from None
            if "straddling" in str(exc) and block < min(size + 1, 1 << 30):
                block = min(block * 8, 1 << 30)  # a value of several MB
                continue
            raise ReadError(f"{name}: not a readable CSV file ({exc})") from None


def _header(data: bytes, name: str, delimiter: str) -> list[str]:
    first = data[:65536].decode("utf-8", errors="replace")
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
    if not header or not any(h.strip() for h in header):
        raise ReadError(f"{name}: the file has no header row")
    return header


def tidy(table: Table) -> Table:
    """Column names as the schemas spell them; an HXL row and a pandas index column left out."""
    frame = table.frame
    names = [str(c).strip().lower() for c in frame.columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ReadError(f"{table.name}: column name(s) used twice in the header: {duplicated}")
    frame.columns = names
    if names and names[0] in ("", "unnamed: 0") and _is_row_index(frame.iloc[:, 0]):
        frame = frame.iloc[:, 1:]
        warn_at_caller(
            f"{table.name}: the first column has no name and numbers the rows (an index "
            "written by pandas): left out",
            CodebookWarning,
        )
    if len(frame) and _is_hxl_row(frame.iloc[0]):
        frame = frame.iloc[1:].reset_index(drop=True)
        table.skipped.append((2, "an HXL hashtag row (HDX's column tags), not a record"))
        table.first_line = 3
    table.frame = frame
    return table


def _is_row_index(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values, errors="coerce")
    return bool(numbers.notna().all()) and bool((numbers % 1 == 0).all())


_HXL_TAG = r"#[A-Za-z][\w+\-]*"


def _is_hxl_row(row: pd.Series) -> bool:
    given = row.dropna().astype(str).str.strip()
    given = given[given != ""]
    return bool(len(given)) and bool(given.str.fullmatch(_HXL_TAG).all())


_FLOAT_INTEGER = re.compile(r"[+-]?[0-9]+\.0+")


def integer_ids(raw: pd.DataFrame, schema: IncidentSchema) -> pd.DataFrame:
    """Columns of integers written as floats (``101.0``, by pandas) back to integers."""
    numbers = {c for c, f in schema.fields.items() if f.kind == "number"}
    head = raw.head(100)
    fixed = {}
    for position, column in enumerate(raw.columns):
        values = raw[column]
        if column in numbers or not isinstance(values.dtype, pd.StringDtype):
            continue
        sample = [v for v in head.iloc[:, position].tolist() if isinstance(v, str)]
        if not sample or not all(_FLOAT_INTEGER.fullmatch(v) for v in sample):
            continue  # the usual case, found on the first rows
        given = values.dropna()
        if given.str.fullmatch(_FLOAT_INTEGER.pattern).all():
            fixed[column] = values.str.replace(r"\.0+$", "", regex=True)
    return raw.assign(**fixed) if fixed else raw


_NUL_RULE = "text without NUL bytes"


def nul_failures(raw: pd.DataFrame, table: Table) -> pd.DataFrame:
    """One failure per (row, column) holding a NUL byte: such rows are rejected."""
    records = []
    if table.text is None or b"\x00" in table.text:
        ids = raw["event_id_cnty"] if "event_id_cnty" in raw.columns else None
        for column in raw.columns:
            values = raw[column]
            if not isinstance(values.dtype, pd.StringDtype):
                continue
            rows = np.flatnonzero(values.str.contains("\x00", regex=False).fillna(False))
            for row in rows:
                shown = values.iloc[row].replace("\x00", "\\x00")
                event_id = None if ids is None else ids.iloc[row]
                records.append((row, event_id, column, _NUL_RULE, shown))
    failures = pd.DataFrame(records, columns=FAILURE_COLUMNS)
    return failures.astype({"row": "int64"}) if len(failures) else failures


#: A date of numbers only, day and month in either order: 06/05/2023, 6.5.23, 06-05-2023.
_NUMERIC_DATE = r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})\s*$"


def dialect(
    frame: pd.DataFrame,
    schema: IncidentSchema,
    *,
    name: str,
    delimiter: str,
    decimal: str | None,
    dayfirst: bool | None,
) -> pd.DataFrame:
    """Decimal commas and day-first or month-first dates rewritten as the schema reads them."""
    changed = {}
    numbers = [
        c
        for c, f in schema.fields.items()
        if f.kind == "number" and c in frame.columns and _is_text(frame[c])
    ]
    if decimal is None and delimiter != "," and numbers:
        decimal = "," if _decimal_comma(frame[numbers]) else "."
    if decimal == ",":
        changed = {c: frame[c].str.replace(",", ".", regex=False) for c in numbers}
    for column, spec in schema.fields.items():
        if spec.kind == "date" and column in frame.columns and _is_text(frame[column]):
            dates = _numeric_dates(frame[column], column, name, dayfirst)
            if dates is not None:
                changed[column] = dates
    if not changed:
        return frame
    out = frame.assign(**changed)
    out.attrs = dict(frame.attrs)
    return out


def _is_text(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.StringDtype) or values.dtype == object


def _decimal_comma(numbers: pd.DataFrame) -> bool:
    """Whether the number columns are written with a decimal comma (and never a point)."""
    text = numbers.stack().astype("string").str.strip()
    return bool(text.str.fullmatch(r"[+-]?\d+,\d+").any()) and not bool(
        text.str.contains(".", regex=False).any()
    )


def _numeric_dates(
    values: pd.Series, column: str, name: str, dayfirst: bool | None
) -> pd.Series | None:
    """Numeric dates as ISO text in the order given or settled by the column; None: as is.

    Raises ReadError when most dates are numeric, none has a day above 12 and no
    order was given.
    """
    text = values.astype("string")
    if dayfirst is None and not text.head(1000).str.match(_NUMERIC_DATE).fillna(False).any():
        return None  # the usual ISO dates
    codes, distinct = pd.factorize(text)
    distinct = pd.Series(distinct, dtype="string")
    parts = distinct.str.extract(_NUMERIC_DATE)
    numeric = parts[0].notna().to_numpy()
    if not numeric.any():
        return None
    first = parts[0].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    second = parts[2].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    if dayfirst is None:
        given = codes[codes >= 0]
        if not len(given) or numeric[given].mean() < 0.5:
            return None  # a few such dates among others: each is checked on its own
        day_first, month_first = bool((first > 12).any()), bool((second > 12).any())
        if day_first != month_first:
            dayfirst = day_first
        elif day_first:
            return None  # contradictory: each date is checked on its own
        else:
            example = distinct[numeric].iloc[0]
            raise ReadError(
                f"{name}: {column} holds dates such as {example!r} that read as day/month or "
                "as month/day (no day above 12 settles it): pass dayfirst=True or "
                "dayfirst=False (--dayfirst or --monthfirst on the command line)"
            )
    day, month = (first, second) if dayfirst else (second, first)
    year = parts[3].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    short = parts[3].str.len().to_numpy(dtype="float64", na_value=0) == 2
    year = np.where(short, np.where(year < 69, 2000 + year, 1900 + year), year)
    iso = pd.Series(
        [
            f"{int(y):04d}-{int(m):02d}-{int(d):02d}" if ok else None
            for y, m, d, ok in zip(year, month, day, numeric, strict=True)
        ],
        dtype="string",
    )
    real = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce").notna().to_numpy()
    order = "day/month/year" if dayfirst else "month/day/year"
    rewritten = np.where(
        numeric & real,
        iso.to_numpy(dtype=object, na_value=None),
        np.where(numeric, (distinct + f" (not {order})").to_numpy(dtype=object), distinct),
    )
    result = np.append(rewritten, None)[codes]
    return pd.Series(pd.array(result, dtype="string"), index=values.index)
