"""The ``eventdata`` command line.

Subcommands print plain text for people and exit with one code policy, so that
scripts and CI pipelines can rely on them (see :data:`EXIT_CODES`). Every
failure a user can meet is one line on stderr, never a traceback; each command
checks its input and output paths before it does any work
(:mod:`eventdata.cli._files`).

The command line starts fast: parsing the arguments (``--help`` included) loads
no pandas; each command imports the layers it uses when it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# Only light modules here: `eventdata --help` and parsing the arguments load no pandas. Each
# command imports the layers it uses when it runs.
from eventdata.cli import _files
from eventdata.core.errors import AcledAPIError, AuthenticationError, EventDataError, StoreError
from eventdata.core.sources import ACLED_API_URL, SOURCE_NAMES, detect_source
from eventdata.core.version import __version__

if TYPE_CHECKING:
    import pandas as pd

    from eventdata.core.validation import Quarantine

# The checks of paths before any work, and the writing of results (eventdata.cli._files).
_UsageError = _files.UsageError
_input_file = _files.input_file
_output_file = _files.output_file
_rejected_path = _files.rejected_path
_store_folder = _files.store_folder
_writable_folder = _files.writable_folder
_write_atomically = _files.write_atomically
_write_rejected = _files.write_rejected

__all__ = ["EXIT_CODES", "main"]

EXIT_OK = 0  # done, nothing to report
EXIT_PROBLEMS = 1  # done, but problems found: rows rejected, schema files out of date
EXIT_USAGE = 2  # bad option or input, or an output path that cannot be written
EXIT_FAILED = 3  # the store, the file system or the network failed while working
EXIT_BUG = 4  # an internal error: a bug
EXIT_INTERRUPTED = 130

#: The exit codes of every command, as ``eventdata --help`` shows them.
EXIT_CODES = """\
exit codes (all commands):
  0    done, nothing to report
  1    done, but problems were found: rows rejected (written to a CSV, never
       dropped silently), schema files out of date
  2    usage or input error: a bad option, a missing or unreadable input, an
       output path that cannot be written (checked before any work), no or
       refused ACLED credentials
  3    store, file system or network error while working (a store keeps its
       previous state)
  4    internal error: a bug; EVENTDATA_DEBUG=1 shows its traceback
  130  interrupted (Ctrl-C)

Rejected-row files are never overwritten: ingest and sync name them
STORE-rejected-<UTC time>[-N].csv beside the store, and refuse an existing
--quarantine file; validate --quarantine replaces its file (the rows are still
in the input)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (see :data:`EXIT_CODES`).

    Examples
    --------
    >>> from eventdata.datasets import SEED_PATH
    >>> main(["validate", str(SEED_PATH)])
    rows read:     6
    rows valid:    6
    rows rejected: 0
    0
    """
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _stdout_to_devnull()  # the reader left (``| head``): say nothing more
        return EXIT_FAILED
    except Exception as exc:  # every failure is one line; bugs too, unless debugging
        code = _exit_code(exc)
        if code == EXIT_BUG and os.environ.get("EVENTDATA_DEBUG", "") not in ("", "0"):
            raise
        hint = (
            " (an internal error: please report it; EVENTDATA_DEBUG=1 shows the traceback)"
            if code == EXIT_BUG
            else ""
        )
        what = "" if isinstance(exc, EventDataError | OSError) else f"{type(exc).__name__}: "
        print(f"error: {what}{_one_line(exc)}{hint}", file=sys.stderr)
        return code


def _run(argv: Sequence[str] | None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or argparse's own usage error
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if not hasattr(args, "run"):
        parser.print_usage(sys.stderr)
        print("eventdata: error: give a command (eventdata --help lists them)", file=sys.stderr)
        return EXIT_USAGE
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return args.run(args)
        finally:
            for w in caught:
                print(f"warning: {_one_line(w.message)}", file=sys.stderr)


def _exit_code(exc: BaseException) -> int:
    if isinstance(exc, AuthenticationError):
        return EXIT_USAGE
    if isinstance(exc, StoreError | AcledAPIError | OSError | MemoryError):
        return EXIT_FAILED
    if isinstance(exc, EventDataError | ValueError):
        return EXIT_USAGE
    return EXIT_BUG


def _one_line(message: object) -> str:
    text = "; ".join(line.strip() for line in str(message).splitlines() if line.strip())
    return text if len(text) <= 2000 else text[:2000] + " ..."


def _stdout_to_devnull() -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eventdata",
        description="Validate, store and analyse ACLED-style event data.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"eventdata {__version__}")
    sub = parser.add_subparsers(title="commands")

    p = sub.add_parser("validate", help="validate an event file; exit 1 when rows fail")
    p.add_argument("file", help="ACLED export, UCDP GED extract or incident CSV (or .xlsx)")
    p.add_argument(
        "--quarantine", metavar="OUT.csv", help="write the rejected rows here (replaced if there)"
    )
    _reading_arguments(p)
    _source_argument(p)
    p.set_defaults(run=_validate)

    p = sub.add_parser("schemas", help="write the schema files (or check them with --check)")
    p.add_argument("--out", default="schemas", help="folder to write (default: schemas)")
    p.add_argument("--check", action="store_true", help="exit 1 if the files differ from the code")
    p.set_defaults(run=_schemas)

    p = sub.add_parser(
        "ingest", help="apply an ACLED export (and deletions) to a local Parquet store"
    )
    p.add_argument("file", help="ACLED export, UCDP GED extract or incident CSV (or .xlsx)")
    p.add_argument("--store", required=True, metavar="DIR", help="the store's folder")
    p.add_argument(
        "--deletions", metavar="FILE", help="ACLED deletions: event_id_cnty, deleted_timestamp"
    )
    p.add_argument(
        "--quarantine",
        metavar="OUT.csv",
        help="where to write rejected rows, a new file (default: DIR-rejected-<time>.csv "
        "beside the store)",
    )
    _reading_arguments(p)
    _source_argument(p)
    p.set_defaults(run=_ingest)

    p = sub.add_parser("export", help="write stored events to one .parquet or ACLED-style .csv")
    p.add_argument("--store", required=True, metavar="DIR", help="the store's folder")
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.parquet or FILE.csv")
    p.add_argument("--country", action="append", dest="countries", help="repeat for several")
    p.add_argument("--start", help="first day (YYYY-MM-DD)")
    p.add_argument("--end", help="last day (YYYY-MM-DD), included")
    p.add_argument("--event-type", action="append", dest="event_types", help="repeatable")
    p.add_argument("--admin1", action="append", help="repeatable")
    p.set_defaults(run=_export)

    p = sub.add_parser(
        "sync", help="bring a store up to date from ACLED's API (changes and deletions)"
    )
    p.add_argument("--store", required=True, metavar="DIR", help="the store's folder")
    p.add_argument("--country", action="append", dest="countries", help="repeat for several")
    p.add_argument("--since", type=int, help="Unix time to fetch from (default: newest stored)")
    p.add_argument(
        "--api-url", default=ACLED_API_URL, help="ACLED's address (default: %(default)s)"
    )
    p.add_argument(
        "--allow-http",
        action="store_true",
        help="accept an http:// --api-url (the password would travel in clear)",
    )
    p.add_argument(
        "--quarantine",
        metavar="OUT.csv",
        help="where to write rejected rows, a new file (default: beside the store)",
    )
    p.set_defaults(run=_sync)

    p = sub.add_parser("template", help="write an empty hand-coded incident template")
    p.add_argument("--out", default="incidents.csv", help="the CSV to write (default: %(default)s)")
    p.set_defaults(run=_template)

    p = sub.add_parser("demo", help="run the example job on the bundled data")
    p.add_argument("--seed", type=int, default=2022)
    p.set_defaults(run=_demo)

    p = sub.add_parser(
        "report",
        help="write a self-contained HTML or PDF report (or JSON numbers) of the anniversary",
    )
    _analysis_arguments(p)
    p.add_argument(
        "--study-window",
        nargs=2,
        type=int,
        default=(-14, 14),
        metavar=("FIRST", "LAST"),
        help="days shown in the event study (default: -14 14)",
    )
    p.add_argument("--title", help="the report's title")
    p.add_argument("--out", help="the file to write: .html, .pdf or .json (default: report.html)")
    p.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        help="html (default), pdf or json; default: from the --out suffix",
    )
    p.set_defaults(run=_report)

    p = sub.add_parser(
        "anniversary", help="test whether events rose around an anniversary; print the table"
    )
    _analysis_arguments(p)
    p.add_argument("--out", metavar="FILE", help="write the results as .csv or .json")
    p.add_argument(
        "--by",
        metavar="UNIT",
        help="test each admin1, country or priogrid cell (BH across units), and pooled",
    )
    p.set_defaults(run=_anniversary)

    p = sub.add_parser(
        "clusters", help="find space-time clusters (the space-time permutation scan); print them"
    )
    _input_arguments(p)
    _selection_arguments(p)
    p.add_argument("--replications", type=int, default=999, help="Monte Carlo (default 999)")
    p.add_argument(
        "--max-days", type=int, help="longest cluster in days (default: half the period)"
    )
    p.add_argument("--max-radius-km", type=float, help="largest circle radius in km")
    p.add_argument("--days-per-unit", type=int, default=1, help="7 scans whole weeks (faster)")
    p.add_argument("--prospective", action="store_true", help="only clusters lasting to the end")
    p.add_argument("--seed", type=int, default=1, help="for the replications (default 1)")
    p.add_argument("--out", metavar="FILE", help="write the clusters as .csv or .json")
    p.set_defaults(run=_clusters)

    p = sub.add_parser(
        "provinces", help="provinces with more or fewer events than an even spread; print them"
    )
    _input_arguments(p)
    _selection_arguments(p)
    p.add_argument(
        "--normalize", action="store_true", help="normalise admin1 spellings to ACLED's first"
    )
    p.add_argument("--out", metavar="FILE", help="write the province table as .csv or .json")
    p.set_defaults(run=_provinces)
    return parser


def _input_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "input",
        nargs="?",
        help="an ACLED export, UCDP GED extract or incident CSV (or .xlsx), or a store folder",
    )
    p.add_argument(
        "--example",
        action="store_true",
        help="use bundled simulated Iraq/Syria records 2016-2022 instead of INPUT",
    )
    _reading_arguments(p)
    _source_argument(p)


def _reading_arguments(p: argparse.ArgumentParser) -> None:
    """How to read a CSV, for every command that reads one (default: detected)."""
    p.add_argument("--encoding", help="text encoding (default: utf-8, else cp1252 with a warning)")
    p.add_argument(
        "--delimiter", help="field delimiter (default: detected among , ; tab |); tab: '\\t'"
    )
    p.add_argument("--decimal", choices=(".", ","), help="decimal mark (default: detected)")
    order = p.add_mutually_exclusive_group()
    order.add_argument(
        "--dayfirst",
        dest="dayfirst",
        action="store_const",
        const=True,
        help="read numeric dates as day/month/year (default: as the dates settle it)",
    )
    order.add_argument(
        "--monthfirst",
        dest="dayfirst",
        action="store_const",
        const=False,
        help="read numeric dates as month/day/year",
    )


def _reading_options(args: argparse.Namespace) -> dict:
    """The reader's keyword arguments from :func:`_reading_arguments`' options."""
    delimiter = args.delimiter
    if delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    return {
        "encoding": args.encoding,
        "delimiter": delimiter,
        "decimal": args.decimal,
        "dayfirst": args.dayfirst,
    }


def _source_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--source",
        choices=(*SOURCE_NAMES, "auto"),
        default="auto",
        help="what the file is; auto (default): told from its header",
    )


def _read_events(path: str | Path, args: argparse.Namespace) -> tuple[Quarantine, str]:
    """The file read by its source's reader (quarantining), and words naming it."""
    from eventdata.io.acled_csv import read_acled
    from eventdata.io.incidents import read_incidents
    from eventdata.io.ucdp import read_ucdp_ged

    source = args.source
    if source == "auto":
        source = detect_source(_header(Path(path), args.encoding or "utf-8", args.delimiter))
    reader, words = {
        "acled": (read_acled, "ACLED export"),
        "ucdp-ged": (read_ucdp_ged, "UCDP GED extract"),
        "incidents": (read_incidents, "hand-coded incidents"),
    }[source]
    checked = reader(path, errors="quarantine", **_reading_options(args))
    return checked, f"{words} {Path(path).name}"


def _header(path: Path, encoding: str, delimiter: str | None) -> list[str]:
    """The column names of a file's header, without reading the rest of it."""
    from eventdata.io.tables import sniff_delimiter

    if path.suffix.lower() in (".xlsx", ".xls"):
        import pandas as pd

        try:
            return [str(c) for c in pd.read_excel(path, nrows=0).columns]
        except Exception:  # the reader gives the clear error
            return []
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return []  # the reader gives the clear error
    try:
        text = head.decode(encoding, errors="replace")
    except LookupError:  # an unknown encoding: the reader gives the clear error
        return []
    lines = text.lstrip("\ufeff").splitlines()
    first = lines[0] if lines else ""
    if delimiter is None or len(delimiter) != 1:
        delimiter = sniff_delimiter(first)  # as the reader finds it
    return next(csv.reader([first], delimiter=delimiter), [])


def _selection_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--country", action="append", dest="countries", help="repeat for several")
    p.add_argument("--event-type", action="append", dest="event_types", help="repeatable")
    p.add_argument(
        "--actors",
        metavar="REGEX",
        help="keep events whose actors match (case-insensitive), e.g. coalition",
    )
    p.add_argument("--start", help="first day (YYYY-MM-DD) of the events used")
    p.add_argument("--end", help="last day (YYYY-MM-DD), included")


def _analysis_arguments(p: argparse.ArgumentParser) -> None:
    _input_arguments(p)
    p.add_argument(
        "--anniversary",
        action="append",
        dest="anniversaries",
        metavar="MM-DD",
        help="the anniversary (default 01-03); repeat to test several together",
    )
    p.add_argument(
        "--window",
        nargs=2,
        type=int,
        default=(0, 6),
        metavar=("FIRST", "LAST"),
        help="days relative to the anniversary, both included (default: 0 6)",
    )
    p.add_argument(
        "--exposure",
        metavar="FILE",
        help="a CSV of date,exposure (one row per day, e.g. sources or population): the "
        "expectation is proportional to it; days of 0 or absent are left out as not covered",
    )
    _selection_arguments(p)


# --- commands -----------------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    source = _input_file(args.file, "FILE")
    out = _output_file(args.quarantine, "--quarantine") if args.quarantine else None
    result, _ = _read_events(source, args)
    print(result.summary())
    if out is not None and result.n_rejected:
        _write_atomically(out, lambda temporary: result.rejected.to_csv(temporary, index=False))
        print(f"rejected rows written to {out}")
    return EXIT_PROBLEMS if result.n_rejected else EXIT_OK


def _schemas(args: argparse.Namespace) -> int:
    from eventdata.core.schema import schema_files, write_schema_files

    out = Path(args.out)
    if args.check:
        stale = [
            name
            for name, text in schema_files().items()
            if not (out / name).exists() or (out / name).read_text(encoding="utf-8") != text
        ]
        for name in stale:
            print(f"out of date: {out / name}")
        return EXIT_PROBLEMS if stale else EXIT_OK
    if out.exists() and not out.is_dir():
        raise _UsageError(f"--out {out}: a file, not a folder")
    nearest = next(folder for folder in (out, *out.parents) if folder.exists())
    _writable_folder(nearest, f"--out {out}")
    for path in write_schema_files(out):
        print(f"wrote {path}")
    return EXIT_OK


def _ingest(args: argparse.Namespace) -> int:
    from eventdata.core.progress import Progress
    from eventdata.io.acled_csv import read_table
    from eventdata.store import EventStore

    source = _input_file(args.file, "FILE")
    deletions_file = _input_file(args.deletions, "--deletions") if args.deletions else None
    store_dir = _store_folder(args.store, must_exist=False)
    target = _rejected_path(store_dir, args.quarantine)
    # a bar over the stages, on stderr and only when it is a terminal
    stages = 3 if deletions_file else 2
    with Progress(sys.stderr.isatty(), total=stages, unit=" stages", description="ingest") as bar:
        checked, _ = _read_events(source, args)
        bar.advance(note="read and validated")
        deletions = None
        if deletions_file:
            deletions = read_table(deletions_file)[0]
            bar.advance(note="deletions read")
        # the rejected rows are safe on disk before the store changes
        written = _write_rejected(checked.rejected, store_dir, target)
        store = EventStore(store_dir)
        change = store.upsert(checked.valid, deletions=deletions)
        bar.advance(note="upserted")
    print(f"rows read: {checked.n_rows}, valid: {checked.n_valid}, rejected: {checked.n_rejected}")
    print(change.summary())
    if written is not None:
        print(f"{len(checked.rejected)} rejected rows written to {written}")
    return EXIT_PROBLEMS if checked.n_rejected else EXIT_OK


def _sync(args: argparse.Namespace) -> int:
    from eventdata.io import acled_api as acled
    from eventdata.store import EventStore

    store_dir = _store_folder(args.store, must_exist=False)
    target = _rejected_path(store_dir, args.quarantine)
    # credentials come from ACLED_USERNAME / ACLED_PASSWORD, never from the command line
    with acled.Client(base_url=args.api_url, allow_http=args.allow_http) as client:
        result = EventStore(store_dir).sync(
            client,
            countries=args.countries,
            since=args.since,
            progress=sys.stderr.isatty(),
            # the rejected rows are safe on disk before the store changes
            quarantine=lambda rejected: _write_rejected(rejected, store_dir, target),
        )
    print(result.summary())
    if result.quarantine is not None:
        print(f"{len(result.rejected)} rejected rows written to {result.quarantine}")
    return EXIT_PROBLEMS if len(result.rejected) else EXIT_OK


def _template(args: argparse.Namespace) -> int:
    from eventdata.io.incidents import write_template

    out = _output_file(args.out, "--out")
    _output_file(str(out.with_name(out.stem + ".schema.json")), "--out's descriptor")
    csv_path, descriptor = write_template(out)
    print(f"wrote {csv_path} and {descriptor}")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from eventdata.core.options import as_day, check_known
    from eventdata.store import export, read_parquet

    store_dir = _store_folder(args.store, must_exist=True)
    out = _output_file(args.out, "--out", suffixes=("parquet", "csv"))
    for label, day in (("--start", args.start), ("--end", args.end)):
        as_day(day, label, error=_UsageError)
    if args.countries:  # a misspelt country is an error, not an empty file
        stored = read_parquet(store_dir, columns=["country"])["country"].unique()
        check_known(args.countries, stored, "country", error=_UsageError)
    events = read_parquet(
        store_dir,
        countries=args.countries,
        start=args.start,
        end=args.end,
        event_types=args.event_types,
        admin1=args.admin1,
    )
    written = export(events, out)
    print(f"wrote {len(events)} events to {written}")
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from eventdata.core.validation import validate
    from eventdata.datasets import SEED_PATH, simulate
    from eventdata.io.acled_csv import read_acled

    print(f"seed incidents ({SEED_PATH.name}):")
    seed = read_acled(SEED_PATH)
    print(
        seed[["event_id_cnty", "event_date", "admin1", "location", "sub_event_type"]]
        .assign(event_date=seed["event_date"].dt.date)
        .to_string(index=False)
    )
    events = simulate(
        "2016-01-01", "2022-12-31", seed=args.seed, anniversaries=["01-03"], effect=1.5
    )
    checked = validate(events, errors="quarantine")
    print(f"\nsimulated Iraq and Syria 2016-2022 (seed {args.seed}):")
    print(checked.summary())
    per_year = events.groupby(events["event_date"].dt.year).size()
    print("events per year: " + ", ".join(f"{y}: {n}" for y, n in per_year.items()))
    return EXIT_OK if checked.n_rejected == 0 else EXIT_PROBLEMS


def _check_input(args: argparse.Namespace) -> None:
    """The INPUT / --example choice, checked before any work."""
    if args.example == bool(args.input):
        raise _UsageError("give an INPUT file or store folder, or --example (not both)")
    if args.input and not Path(args.input).exists():
        raise _UsageError(f"INPUT {args.input}: no such file or store folder")


def _load(args: argparse.Namespace) -> tuple[Quarantine, str]:
    """The input validated (rows set aside with reasons), and words saying what it is."""
    from eventdata.core.validation import validate
    from eventdata.datasets import simulate
    from eventdata.store import read_parquet

    _check_input(args)
    if args.example:
        events = simulate(
            "2016-01-01", "2022-12-31", seed=2022, anniversaries=["01-03"], effect=1.5
        )
        source = (
            "Bundled example: simulated Iraq and Syria records 2016-2022 (seed 2022) with "
            "50% more events planted on days 0 to +6 of 3 January"
        )
        return validate(events, errors="quarantine"), source
    path = Path(args.input)
    if path.is_dir():
        stored = read_parquet(path)
        return validate(stored, errors="quarantine"), f"Event store {path}"
    return _read_events(path, args)


def _selected(args: argparse.Namespace, checked: Quarantine) -> pd.DataFrame:
    from eventdata.core.options import as_day
    from eventdata.events.counts import filter_events

    for label, day in (("--start", args.start), ("--end", args.end)):
        as_day(day, label, error=_UsageError)
    selection = {
        "countries": args.countries,
        "event_types": args.event_types,
        "actors": args.actors,
        "start": args.start,
        "end": args.end,
    }
    events = filter_events(checked.valid, **selection)
    if events.empty:
        given = [
            f"--{name.replace('_', '-')} {', '.join(v) if isinstance(v, list) else v}"
            for name, v in selection.items()
            if v is not None
        ]
        raise _UsageError(f"no valid event matches {'; '.join(given) or 'the selection'}")
    return events


REPORT_FORMATS = ("html", "pdf", "json")


def _report(args: argparse.Namespace) -> int:
    from eventdata.core.options import as_day
    from eventdata.report import build_report

    suffix = Path(args.out or "").suffix.lower().lstrip(".")
    fmt = args.format or (suffix if suffix in REPORT_FORMATS else "html")
    out = _output_file(args.out or f"report.{fmt}", "--out", suffixes=(fmt,))
    exposure = _read_exposure(args.exposure)
    checked, source = _load(args)
    for label, day in (("--start", args.start), ("--end", args.end)):
        as_day(day, label, error=_UsageError)
    report = build_report(  # the period is selected there: the quarantine's counts stay whole
        checked,
        anniversary=args.anniversaries or "01-03",
        window=tuple(args.window),
        study_window=tuple(args.study_window),
        countries=args.countries,
        event_types=args.event_types,
        actors=args.actors,
        start=args.start,
        end=args.end,
        exposure=exposure,
        source=source,
        title=args.title,
        progress=sys.stderr.isatty(),
    )
    if fmt == "pdf":
        content = report.to_pdf()
        _write_atomically(out, lambda temporary: temporary.write_bytes(content))
    else:
        text = report.to_json() if fmt == "json" else report.to_html()
        _write_atomically(out, lambda temporary: temporary.write_text(text, encoding="utf-8"))
    print(report.summary())
    print(f"wrote {out} ({fmt}, {len(report.figures)} figures)")
    return EXIT_OK


def _read_exposure(value: str | None) -> pd.Series | None:
    """--exposure FILE: a CSV of ``date,exposure`` as a daily Series (checked, one-line errors)."""
    if value is None:
        return None
    import pandas as pd

    path = _input_file(value, "--exposure")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if not {"date", "exposure"} <= set(table.columns):
        raise _UsageError(
            f"--exposure {value} needs the columns date and exposure, not {list(table.columns)}"
        )
    for column, parse, what in (
        ("date", lambda c: pd.to_datetime(c, format="ISO8601", errors="coerce"), "a date"),
        ("exposure", lambda c: pd.to_numeric(c, errors="coerce"), "a number"),
    ):
        parsed = parse(table[column].str.strip())
        if parsed.isna().any():
            row = int(parsed.isna().to_numpy().argmax())
            raise _UsageError(
                f"--exposure {value}, line {row + 2}: {column} {table[column].iloc[row]!r} "
                f"is not {what}"
            )
        table[column] = parsed
    if (table["exposure"] < 0).any():
        raise _UsageError(f"--exposure {value}: an exposure is negative")
    if table["date"].duplicated().any():
        day = table.loc[table["date"].duplicated(), "date"].iloc[0]
        raise _UsageError(f"--exposure {value}: {day:%Y-%m-%d} is given more than once")
    return table.set_index("date")["exposure"].astype("float64")


def _write_table(out: Path, frame: pd.DataFrame | None, numbers: object) -> None:
    """A results table as .csv (``frame``) or .json (``numbers``), written atomically."""
    if out.suffix.lower() == ".csv":
        _write_atomically(out, lambda temporary: frame.to_csv(temporary, index=False))
    else:
        text = json.dumps(numbers, indent=2, allow_nan=False, default=str)
        _write_atomically(out, lambda temporary: temporary.write_text(text, encoding="utf-8"))
    print(f"wrote {out}")


def _anniversary(args: argparse.Namespace) -> int:
    import pandas as pd

    from eventdata.analysis.anniversary import AnniversaryTests, anniversary_test

    out = _output_file(args.out, "--out", suffixes=("csv", "json")) if args.out else None
    exposure = _read_exposure(args.exposure)
    checked, source = _load(args)
    events = _selected(args, checked)
    names = args.anniversaries or ["01-03"]
    if args.by:
        return _anniversary_by_unit(args, events, names, source, checked, out, exposure)
    tested = anniversary_test(
        events,
        names if len(names) > 1 else names[0],
        window=tuple(args.window),
        progress=sys.stderr.isatty(),
        exposure=exposure,
    )
    results = list(tested) if isinstance(tested, AnniversaryTests) else [tested]
    print(f"{source}: {checked.n_valid} valid rows of {checked.n_rows}; {len(events)} selected")
    for result in results:
        print(result.summary())
    if out is not None:
        frame = pd.concat([r.to_frame() for r in results], ignore_index=True)
        _write_table(out, frame, [r.to_dict() for r in results])
    return EXIT_OK


def _anniversary_by_unit(args, events, names, source, checked, out: Path | None, exposure) -> int:
    from eventdata.analysis.units import anniversary_by_unit

    if len(names) > 1:
        raise _UsageError("--by tests one anniversary at a time")
    window = tuple(args.window)
    result = anniversary_by_unit(events, names[0], by=args.by, window=window, exposure=exposure)
    print(f"{source}: {checked.n_valid} valid rows of {checked.n_rows}; {len(events)} selected")
    return _print_and_write(result, result.to_frame(), out)


def _print_and_write(result, frame: pd.DataFrame, out: Path | None) -> int:
    """Print a result's summary; write its table (.csv) or its dict (.json) when asked."""
    print(result.summary())
    if out is not None:
        _write_table(out, frame, result.to_dict())
    return EXIT_OK


def _clusters(args: argparse.Namespace) -> int:
    from eventdata.analysis.spatial.scan import space_time_scan

    out = _output_file(args.out, "--out", suffixes=("csv", "json")) if args.out else None
    checked, source = _load(args)
    events = _selected(args, checked)
    result = space_time_scan(
        events,
        replications=args.replications,
        max_days=args.max_days,
        max_radius_km=args.max_radius_km,
        days_per_unit=args.days_per_unit,
        prospective=args.prospective,
        seed=args.seed,
        progress=sys.stderr.isatty(),
    )
    print(f"{source}: {checked.n_valid} valid rows of {checked.n_rows}; {len(events)} selected")
    frame = result.to_frame()
    frame["locations"] = frame["locations"].map("; ".join)
    return _print_and_write(result, frame, out)


def _provinces(args: argparse.Namespace) -> int:
    from eventdata.analysis.provinces import province_frequency

    out = _output_file(args.out, "--out", suffixes=("csv", "json")) if args.out else None
    checked, source = _load(args)
    result = province_frequency(_selected(args, checked), normalize=args.normalize)
    print(f"{source}: {checked.n_valid} valid rows of {checked.n_rows}")
    print(result.summary())
    if out is not None:
        _write_table(out, result.to_frame(), result.to_dict())
    return EXIT_OK
