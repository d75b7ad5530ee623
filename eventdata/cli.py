"""The ``eventdata`` command line.

Subcommands print plain text for people and exit non-zero when something is
wrong, so that scripts and CI pipelines can rely on them.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from eventdata import __version__, acled
from eventdata.datasets import SEED_PATH, simulate
from eventdata.errors import EventDataError
from eventdata.incidents import write_template
from eventdata.io import read_acled, read_table
from eventdata.progress import Progress
from eventdata.schema import schema_files, write_schema_files
from eventdata.series import filter_events
from eventdata.store import EventStore, export, read_parquet
from eventdata.validation import Quarantine, validate

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Examples
    --------
    >>> main(["validate", str(SEED_PATH)])
    rows read:     6
    rows valid:    6
    rows rejected: 0
    0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            code = args.run(args)
        for w in caught:
            print(f"warning: {w.message}", file=sys.stderr)
        return code
    except (EventDataError, ValueError, TypeError) as exc:  # a bad option is one clear line too
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eventdata", description="Validate, store and analyse ACLED-style event data."
    )
    parser.add_argument("--version", action="version", version=f"eventdata {__version__}")
    sub = parser.add_subparsers(title="commands")

    p = sub.add_parser("validate", help="validate an ACLED export; exit 1 when rows fail")
    p.add_argument("file", help="ACLED CSV (or .xlsx) export")
    p.add_argument("--quarantine", metavar="OUT.csv", help="write the rejected rows here")
    p.add_argument("--encoding", default="utf-8")
    p.set_defaults(run=_validate)

    p = sub.add_parser("schemas", help="write the schema files (or check them with --check)")
    p.add_argument("--out", default="schemas", help="folder to write (default: schemas)")
    p.add_argument("--check", action="store_true", help="exit 1 if the files differ from the code")
    p.set_defaults(run=_schemas)

    p = sub.add_parser(
        "ingest", help="apply an ACLED export (and deletions) to a local Parquet store"
    )
    p.add_argument("file", help="ACLED CSV (or .xlsx) export")
    p.add_argument("--store", required=True, metavar="DIR", help="the store's folder")
    p.add_argument(
        "--deletions", metavar="FILE", help="ACLED deletions: event_id_cnty, deleted_timestamp"
    )
    p.add_argument(
        "--quarantine",
        metavar="OUT.csv",
        help="where to write rejected rows (default: DIR-rejected-<time>.csv beside the store)",
    )
    p.add_argument("--encoding", default="utf-8")
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
        "--api-url", default=acled.DEFAULT_BASE_URL, help="ACLED's address (default: %(default)s)"
    )
    p.add_argument("--quarantine", metavar="OUT.csv", help="where to write rejected rows")
    p.set_defaults(run=_sync)

    p = sub.add_parser("template", help="write an empty hand-coded incident template")
    p.add_argument("--out", default="incidents.csv", help="the CSV to write (default: %(default)s)")
    p.set_defaults(run=_template)

    p = sub.add_parser("demo", help="run the example job on the bundled data")
    p.add_argument("--seed", type=int, default=2022)
    p.set_defaults(run=_demo)

    p = sub.add_parser(
        "report", help="write a self-contained HTML report (or JSON numbers) of the anniversary"
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
    p.add_argument("--out", help="the file to write (default: report.html or report.json)")
    p.add_argument(
        "--format",
        choices=("html", "json"),
        help="html (default) or json; default: from the --out suffix",
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
    p.add_argument("input", nargs="?", help="an ACLED CSV (or .xlsx) export, or a store folder")
    p.add_argument(
        "--example",
        action="store_true",
        help="use bundled simulated Iraq/Syria records 2016-2022 instead of INPUT",
    )
    p.add_argument("--encoding", default="utf-8")


def _selection_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--country", action="append", dest="countries", help="repeat for several")
    p.add_argument("--event-type", action="append", dest="event_types", help="repeatable")
    p.add_argument(
        "--actors",
        metavar="REGEX",
        help="keep events whose actors match (case-insensitive), e.g. coalition",
    )


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
    _selection_arguments(p)


def _validate(args: argparse.Namespace) -> int:
    result = read_acled(args.file, errors="quarantine", encoding=args.encoding)
    print(result.summary())
    if args.quarantine and result.n_rejected:
        result.rejected.to_csv(args.quarantine, index=False)
        print(f"rejected rows written to {args.quarantine}")
    return 1 if result.n_rejected else 0


def _schemas(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if args.check:
        stale = [
            name
            for name, text in schema_files().items()
            if not (out / name).exists() or (out / name).read_text(encoding="utf-8") != text
        ]
        for name in stale:
            print(f"out of date: {out / name}")
        return 1 if stale else 0
    for path in write_schema_files(out):
        print(f"wrote {path}")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    # a bar over the stages, on stderr and only when it is a terminal
    stages = 3 if args.deletions else 2
    with Progress(sys.stderr.isatty(), total=stages, unit=" stages", description="ingest") as bar:
        checked = read_acled(args.file, errors="quarantine", encoding=args.encoding)
        bar.advance(note="read and validated")
        deletions = None
        if args.deletions:
            deletions = read_table(args.deletions)[0]
            bar.advance(note="deletions read")
        store = EventStore(args.store)
        change = store.upsert(checked.valid, deletions=deletions)
        bar.advance(note="upserted")
    print(f"rows read: {checked.n_rows}, valid: {checked.n_valid}, rejected: {checked.n_rejected}")
    print(change.summary())
    _write_rejected(checked.rejected, store, change.when, args.quarantine)
    return 0


def _write_rejected(
    rejected: pd.DataFrame, store: EventStore, when: pd.Timestamp, explicit: str | None
) -> None:
    """Rejected rows go to a CSV beside the store (or where asked), never nowhere."""
    if not len(rejected):
        return
    stamp = when.strftime("%Y%m%dT%H%M%S")
    out = Path(explicit or store.path.parent / f"{store.path.name}-rejected-{stamp}.csv")
    rejected.to_csv(out, index=False)
    print(f"{len(rejected)} rejected rows written to {out}")


def _sync(args: argparse.Namespace) -> int:
    store = EventStore(args.store)
    # credentials come from ACLED_USERNAME / ACLED_PASSWORD, never from the command line
    with acled.Client(base_url=args.api_url) as client:
        result = store.sync(
            client, countries=args.countries, since=args.since, progress=sys.stderr.isatty()
        )
    print(result.summary())
    _write_rejected(result.rejected, store, result.change.when, args.quarantine)
    return 0


def _template(args: argparse.Namespace) -> int:
    csv_path, descriptor = write_template(args.out)
    print(f"wrote {csv_path} and {descriptor}")
    return 0


def _export(args: argparse.Namespace) -> int:
    events = read_parquet(
        args.store,
        countries=args.countries,
        start=args.start,
        end=args.end,
        event_types=args.event_types,
        admin1=args.admin1,
    )
    out = export(events, args.out)
    print(f"wrote {len(events)} events to {out}")
    return 0


def _demo(args: argparse.Namespace) -> int:
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
    return 0 if checked.n_rejected == 0 else 1


def _load(args: argparse.Namespace) -> tuple[Quarantine, str]:
    """The input validated (rows set aside with reasons), and words saying what it is."""
    if args.example == bool(args.input):
        raise EventDataError("give an INPUT file or store folder, or --example (not both)")
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
    return read_acled(
        path, errors="quarantine", encoding=args.encoding
    ), f"ACLED export {path.name}"


def _selected(args: argparse.Namespace, checked: Quarantine) -> pd.DataFrame:
    selection = {
        "countries": args.countries,
        "event_types": args.event_types,
        "actors": args.actors,
    }
    events = filter_events(checked.valid, **selection)
    if events.empty:
        raise EventDataError(f"no valid event matches the selection {selection}")
    return events


def _out_format(path: str, allowed: tuple[str, ...]) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in allowed:
        raise EventDataError(f"--out must end in {' or '.join('.' + a for a in allowed)}: {path}")
    return suffix


def _report(args: argparse.Namespace) -> int:
    from eventdata.report import build_report

    fmt = args.format or ("json" if Path(args.out or "").suffix.lower() == ".json" else "html")
    out = Path(args.out or f"report.{fmt}")
    checked, source = _load(args)
    report = build_report(
        checked,
        anniversary=args.anniversaries or "01-03",
        window=tuple(args.window),
        study_window=tuple(args.study_window),
        countries=args.countries,
        event_types=args.event_types,
        actors=args.actors,
        source=source,
        title=args.title,
        progress=sys.stderr.isatty(),
    )
    text = report.to_json() if fmt == "json" else report.to_html()
    out.write_text(text, encoding="utf-8")
    print(report.summary())
    print(f"wrote {out} ({fmt}, {len(report.figures)} figures)")
    return 0


def _anniversary(args: argparse.Namespace) -> int:
    from eventdata.anniversary import AnniversaryTests, anniversary_test
    from eventdata.report import anniversary_dict

    fmt = _out_format(args.out, ("csv", "json")) if args.out else None
    checked, source = _load(args)
    events = _selected(args, checked)
    names = args.anniversaries or ["01-03"]
    if args.by:
        return _anniversary_by_unit(args, events, names, source, checked, fmt)
    tested = anniversary_test(
        events,
        names if len(names) > 1 else names[0],
        window=tuple(args.window),
        progress=sys.stderr.isatty(),
    )
    results = list(tested) if isinstance(tested, AnniversaryTests) else [tested]
    print(f"{source}: {checked.n_valid} valid rows of {checked.n_rows}; {len(events)} selected")
    for result in results:
        print(result.summary())
    if fmt == "csv":
        pd.concat([r.to_frame() for r in results], ignore_index=True).to_csv(args.out, index=False)
    elif fmt == "json":
        text = json.dumps([anniversary_dict(r) for r in results], indent=2, allow_nan=False)
        Path(args.out).write_text(text, encoding="utf-8")
    if fmt:
        print(f"wrote {args.out}")
    return 0


def _anniversary_by_unit(args, events, names, source, checked, fmt) -> int:
    from eventdata.units import anniversary_by_unit

    if len(names) > 1:
        raise EventDataError("--by tests one anniversary at a time")
    result = anniversary_by_unit(events, names[0], by=args.by, window=tuple(args.window))
    print(f"{source}: {checked.n_valid} valid rows of {checked.n_rows}; {len(events)} selected")
    return _print_and_write(result, result.to_frame(), args.out, fmt)


def _print_and_write(result, frame: pd.DataFrame, out: str | None, fmt: str | None) -> int:
    """Print a result's summary; write its table (.csv) or its dict (.json) when asked."""
    print(result.summary())
    if fmt == "csv":
        frame.to_csv(out, index=False)
    elif fmt == "json":
        text = json.dumps(result.to_dict(), indent=2, allow_nan=False, default=str)
        Path(out).write_text(text, encoding="utf-8")
    if fmt:
        print(f"wrote {out}")
    return 0


def _clusters(args: argparse.Namespace) -> int:
    from eventdata.spatial.scan import space_time_scan

    fmt = _out_format(args.out, ("csv", "json")) if args.out else None
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
    )
    print(f"{source}: {checked.n_valid} valid rows of {checked.n_rows}; {len(events)} selected")
    frame = result.to_frame()
    frame["locations"] = frame["locations"].map("; ".join)
    return _print_and_write(result, frame, args.out, fmt)


def _provinces(args: argparse.Namespace) -> int:
    from eventdata.provinces import province_frequency
    from eventdata.report import province_dict

    fmt = _out_format(args.out, ("csv", "json")) if args.out else None
    checked, source = _load(args)
    result = province_frequency(_selected(args, checked), normalize=args.normalize)
    print(f"{source}: {checked.n_valid} valid rows of {checked.n_rows}")
    print(result.summary())
    if fmt == "csv":
        result.to_frame().to_csv(args.out, index=False)
    elif fmt == "json":
        text = json.dumps(province_dict(result), indent=2, allow_nan=False)
        Path(args.out).write_text(text, encoding="utf-8")
    if fmt:
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
