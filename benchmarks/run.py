"""Benchmarks at full ACLED scale: eventdata beside a plain baseline, in one run.

Generates an ACLED-like export of ``--rows`` events (ten years of Iraq and Syria
from :func:`eventdata.datasets.simulate`, cached under ``benchmarks/.cache/``),
then times each operation and its baseline on the same data, alternately,
``--repeat`` times, and prints the medians, their ratio and the target:

=============================  =========================================  ==============
operation                      baseline                                   target
=============================  =========================================  ==============
``ed.read_acled``              ``pd.read_csv(engine="pyarrow")``          <= 1.3x
``ed.write_parquet``           ``DataFrame.to_parquet``                   <= 1.2x
read one country-year          read the whole store                       >= 20x faster
``ed.counts`` admin1 x day     DuckDB / Polars group-by                   <= 2x
``anniversary_test``           (none)                                     <= 0.5 s
``province_frequency``         (none)                                     <= 1 s
``EventStore.upsert`` (10k)    read, update and rewrite the whole store   faster
``counts_out_of_core``         ``ed.counts(ed.read_parquet(store))``      peak memory
=============================  =========================================  ==============

How it measures: every call runs in a fresh process forked from a server that
has already imported the libraries (so a measurement pays no import time and
inherits no memory from earlier ones). The process loads the call's inputs,
resets the kernel's peak-RSS mark (``/proc/self/clear_refs``), runs the call
once under ``time.perf_counter`` and reports its time and its peak memory: the
peak resident set size during the call above the size before it. Resident
memory, not tracemalloc, because Arrow, DuckDB and Polars allocate outside
Python's allocator.

The same table at 0.25M, 1M and 2.5M rows (``--growth``) gives the exponent of
time against rows for the main operations (1: linear).

Run::

    .venv/bin/python benchmarks/run.py                 # 2.5M rows, 3 repetitions (~15 min)
    .venv/bin/python benchmarks/run.py --quick         # 50k rows, 1 repetition (smoke test)
    .venv/bin/python benchmarks/run.py --out-of-core-rows 25_000_000   # and a 25M-row store

Results are also written to ``benchmarks/results.json``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import math
import multiprocessing
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
START, END = "2013-01-01", "2022-12-31"  # ten years
DAYS = 3652
SEED = 2024
#: Change when the data written by prepare() changes, to invalidate the cache.
DATA_VERSION = "1"
PRELOAD = [
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.csv",
    "pyarrow.dataset",
    "pyarrow.parquet",
    "eventdata",
    "eventdata.events.outofcore",
    "duckdb",
    "polars",
    "dask.dataframe",
]


# --------------------------------------------------------------------------------------
# The data: generated once per size and cached


@dataclass(frozen=True)
class Data:
    """Where one size's inputs are (all under the cache folder)."""

    folder: str
    rows: int
    memory_mb: float  # the typed frame's in-memory size
    year: int  # the country-year read: Iraq in this year

    @property
    def csv(self) -> str:
        return f"{self.folder}/export.csv"

    @property
    def events(self) -> str:
        return f"{self.folder}/events.parquet"

    @property
    def store(self) -> str:
        return f"{self.folder}/store"

    @property
    def update(self) -> str:
        return f"{self.folder}/update.parquet"


def _generator_version() -> str:
    """A hash of the simulator's source and of DATA_VERSION: the cache's validity."""
    from importlib import import_module

    source = Path(import_module("eventdata.datasets.simulate").__file__).read_bytes()
    return hashlib.sha1(source + DATA_VERSION.encode()).hexdigest()[:10]


def prepare(rows: int, cache: Path) -> Data:
    """Simulate ``rows`` events, write the CSV export, the typed frame, the store, an update."""
    folder = cache / f"rows{rows}-seed{SEED}-{_generator_version()}"
    meta = folder / "data.json"
    if meta.exists():
        return Data(**json.loads(meta.read_text()))
    import eventdata as ed

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    began = time.perf_counter()
    events = ed.datasets.simulate(START, END, seed=SEED, rate=rows / DAYS)
    data = Data(
        str(folder),
        len(events),
        float(events.memory_usage(deep=True).sum() / 2**20),
        int(events["year"].max()) - 1,
    )
    write_export(events, data.csv)
    events.to_parquet(data.events)
    ed.write_parquet(events, data.store)
    weekly_update(events, min(10_000, max(100, rows // 20))).to_parquet(data.update)
    meta.write_text(json.dumps(asdict(data)))
    print(f"  generated {data.rows:,} rows in {time.perf_counter() - began:.0f} s ({folder})")
    return data


def write_export(events: Any, path: str) -> None:
    """An ACLED-style CSV: dates as YYYY-MM-DD, integers without ".0", missing as empty.

    Written by Arrow (``ed.write_acled`` uses pandas' slower writer; same format).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(events, preserve_index=False)
    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.date32())
        elif pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        columns.append(column)
    table = pa.table(columns, names=table.column_names)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def weekly_update(events: Any, size: int) -> Any:
    """A weekly ACLED update: 80% new events of the last week, 20% revisions of recent ones."""
    import numpy as np
    import pandas as pd

    import eventdata as ed

    last = events["event_date"].max()
    new_rows = size - size // 5
    first = last - pd.Timedelta(days=6)
    new = ed.datasets.simulate(first, last, seed=SEED + 1, rate=new_rows * 1.05 / 7).head(new_rows)
    prefix = new["event_id_cnty"].str.slice(0, 3)
    new["event_id_cnty"] = prefix + "U" + new["event_id_cnty"].str.slice(3)
    recent = events.loc[events["event_date"] > last - pd.Timedelta(weeks=8)]
    rng = np.random.default_rng(SEED)
    revised = recent.iloc[rng.choice(len(recent), size // 5, replace=False)].copy()
    revised["fatalities"] = revised["fatalities"] + 1
    revised["timestamp"] = revised["timestamp"] + 7 * 86_400
    return pd.concat([new, revised], ignore_index=True)


def prepare_out_of_core(rows: int, cache: Path) -> tuple[str, int, float]:
    """A store of ``rows`` events written year by year, so that generating it fits in memory.

    Returns the store, its rows and the events' in-memory size (MB) had they been read whole.
    """
    import eventdata as ed

    folder = cache / f"outofcore{rows}-seed{SEED}-{_generator_version()}"
    meta = folder / "data.json"
    if meta.exists():
        stored = json.loads(meta.read_text())
        return stored["store"], stored["rows"], stored["memory_mb"]
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    store = ed.EventStore(folder / "store")
    total, memory = 0, 0.0
    for year in range(2013, 2023):
        began = time.perf_counter()
        events = ed.datasets.simulate(
            f"{year}-01-01", f"{year}-12-31", seed=SEED + year, rate=rows / DAYS
        )
        # ids are numbered from 1 in each simulation: make them unique across years
        prefix = events["event_id_cnty"].str.slice(0, 3)
        events["event_id_cnty"] = prefix + str(year) + "-" + events["event_id_cnty"].str.slice(3)
        memory += float(events.memory_usage(deep=True).sum() / 2**20)
        total += len(events)
        store.upsert(events)
        del events
        print(f"  {year}: {total:,} rows stored ({time.perf_counter() - began:.0f} s)", flush=True)
    record = {"store": str(folder / "store"), "rows": total, "memory_mb": memory}
    meta.write_text(json.dumps(record))
    return record["store"], total, memory


# --------------------------------------------------------------------------------------
# The measured calls: each returns a function to time (its set-up is not timed)


def _events(data: Data, columns: list[str] | None = None) -> Any:
    import pandas as pd

    return pd.read_parquet(data.events, columns=columns)


def op_read_acled(data: Data, scratch: str) -> Callable[[], Any]:
    import eventdata as ed

    return lambda: ed.read_acled(data.csv)


def op_read_csv(data: Data, scratch: str) -> Callable[[], Any]:
    import pandas as pd

    return lambda: pd.read_csv(data.csv, engine="pyarrow")


def op_write_parquet(data: Data, scratch: str) -> Callable[[], Any]:
    import eventdata as ed

    events = _events(data)
    return lambda: ed.write_parquet(events, f"{scratch}/store")


def op_to_parquet(data: Data, scratch: str) -> Callable[[], Any]:
    events = _events(data)
    return lambda: events.to_parquet(f"{scratch}/events.parquet")


def op_read_country_year(data: Data, scratch: str) -> Callable[[], Any]:
    import eventdata as ed

    year = data.year
    return lambda: ed.read_parquet(
        data.store, countries="Iraq", start=f"{year}-01-01", end=f"{year}-12-31"
    )


def op_read_store(data: Data, scratch: str) -> Callable[[], Any]:
    import eventdata as ed

    return lambda: ed.read_parquet(data.store)


def op_counts(data: Data, scratch: str) -> Callable[[], Any]:
    import eventdata as ed

    events = _events(data)
    return lambda: ed.counts(events, freq="D", by="admin1")


_COUNT_COLUMNS = ["event_date", "admin1", "time_precision"]


def _duckdb_counts(data: Data, measure: str) -> Callable[[], Any]:
    """DuckDB's count of day-precise events per admin1 and day (no zero-filling)."""
    import duckdb

    events = _events(data)

    def count() -> Any:
        frame = events[[*_COUNT_COLUMNS, "event_id_cnty"]]  # noqa: F841 (read by DuckDB)
        return duckdb.sql(
            f"SELECT admin1, event_date, {measure} AS count FROM frame WHERE time_precision <= 1 "
            "GROUP BY admin1, event_date ORDER BY admin1, event_date"
        ).df()

    return count


def op_duckdb_counts(data: Data, scratch: str) -> Callable[[], Any]:
    return _duckdb_counts(data, "count(*)")


def op_duckdb_distinct_counts(data: Data, scratch: str) -> Callable[[], Any]:
    # like for like: each event id counted once, as ed.counts does
    return _duckdb_counts(data, "count(DISTINCT event_id_cnty)")


def op_polars_counts(data: Data, scratch: str) -> Callable[[], Any]:
    import polars as pl

    events = _events(data)

    def count() -> Any:
        frame = pl.from_pandas(events[_COUNT_COLUMNS])
        return (
            frame.filter(pl.col("time_precision") <= 1)
            .group_by("admin1", "event_date")
            .agg(pl.len().alias("count"))
            .sort("admin1", "event_date")
            .to_pandas()
        )

    return count


def op_anniversary(data: Data, scratch: str) -> Callable[[], Any]:
    import eventdata as ed
    from eventdata.analysis.anniversary import anniversary_test

    daily = ed.counts(_events(data, ["event_date", "time_precision"]), freq="D")
    return lambda: anniversary_test(daily, "01-03")


def op_provinces(data: Data, scratch: str) -> Callable[[], Any]:
    from eventdata.analysis.provinces import province_frequency

    events = _events(data)
    return lambda: province_frequency(events)


def op_upsert(data: Data, scratch: str) -> Callable[[], Any]:
    import pandas as pd

    import eventdata as ed

    shutil.copytree(data.store, f"{scratch}/store")
    update = pd.read_parquet(data.update)
    return lambda: ed.EventStore(f"{scratch}/store").upsert(update)


def op_rewrite(data: Data, scratch: str) -> Callable[[], Any]:
    import pandas as pd

    import eventdata as ed

    update = pd.read_parquet(data.update)

    def rewrite() -> Any:
        events = ed.read_parquet(data.store)
        merged = pd.concat([events, update], ignore_index=True)
        merged = merged.sort_values("timestamp", kind="stable")
        merged = merged.drop_duplicates("event_id_cnty", keep="last")
        return ed.write_parquet(merged, f"{scratch}/store")

    return rewrite


def op_counts_out_of_core(data: Data | str, scratch: str) -> Callable[[], Any]:
    from eventdata.events.outofcore import counts_out_of_core

    store = data.store if isinstance(data, Data) else data
    return lambda: counts_out_of_core(store, freq="D", by="admin1")


def op_counts_in_memory(data: Data, scratch: str) -> Callable[[], Any]:
    import eventdata as ed

    return lambda: ed.counts(ed.read_parquet(data.store), freq="D", by="admin1")


# --------------------------------------------------------------------------------------
# Measuring one call in a fresh process


def _status() -> dict[str, int]:
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(rest.split()[0]) * 1024
    return fields


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")  # reset the peak-RSS mark (Linux 4.0+)
    except OSError:
        return False
    return True


def _child(operation: str, data: Any, connection: Any) -> None:
    """Set up, then run one call; send back its time and peak memory (or why it failed)."""
    try:
        with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as scratch:
            try:
                call = globals()[f"op_{operation}"](data, scratch)
            except Exception as exc:  # a module being written by someone else, a missing extra
                connection.send({"skipped": f"{type(exc).__name__}: {exc}"})
                return
            gc.collect()
            exact = _reset_peak()
            before = _status()
            began = time.perf_counter()
            call()
            seconds = time.perf_counter() - began
            after = _status()
            peak = after["VmHWM"] if exact else _maxrss()
            connection.send(
                {
                    "seconds": seconds,
                    "peak_mb": (peak - before["VmRSS"]) / 2**20,
                    "rss_peak_mb": peak / 2**20,
                }
            )
    except Exception as exc:
        connection.send({"failed": f"{type(exc).__name__}: {exc}"})


def _maxrss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(context: Any, operation: str, data: Any) -> dict[str, Any]:
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(operation, data, sender))
    process.start()
    sender.close()
    try:
        result = receiver.recv()
    except EOFError:
        result = {"failed": f"the measuring process died (exit code {process.exitcode})"}
    process.join()
    return result


# --------------------------------------------------------------------------------------
# The table


@dataclass(frozen=True)
class Row:
    """One line of the table: an operation beside its baseline, and the target."""

    name: str
    ours: str
    baseline: str | None
    target: str
    check: Callable[[dict[str, Any]], bool]  # given the row's medians and ratio
    baseline_name: str = ""


ROWS = [
    Row("read_acled", "read_acled", "read_csv", "ratio <= 1.3", lambda r: r["ratio"] <= 1.3,
        "pd.read_csv(engine='pyarrow')"),
    Row("write_parquet", "write_parquet", "to_parquet", "ratio <= 1.2",
        lambda r: r["ratio"] <= 1.2, "DataFrame.to_parquet"),
    Row("read one country-year", "read_country_year", "read_store", ">= 20x faster",
        lambda r: r["ratio"] <= 1 / 20, "read the whole store"),
    Row("counts admin1 x day", "counts", "duckdb_counts", "ratio <= 2",
        lambda r: r["ratio"] <= 2, "DuckDB count(*)"),
    Row("counts admin1 x day", "counts", "duckdb_distinct_counts", "ratio <= 2",
        lambda r: r["ratio"] <= 2, "DuckDB count(DISTINCT id)"),
    Row("counts admin1 x day", "counts", "polars_counts", "ratio <= 2",
        lambda r: r["ratio"] <= 2, "Polars group-by"),
    Row("anniversary_test (placebo)", "anniversary", None, "<= 0.5 s",
        lambda r: r["ours_s"] <= 0.5),
    Row("province_frequency", "provinces", None, "<= 1 s", lambda r: r["ours_s"] <= 1.0),
    Row("upsert 10k-row update", "upsert", "rewrite", "faster", lambda r: r["ratio"] < 1,
        "read+update+rewrite"),
    Row("counts out of core (Dask)", "counts_out_of_core", "counts_in_memory", "less memory",
        lambda r: r["ours_peak_mb"] < r["baseline_peak_mb"], "counts(read_parquet())"),
]  # fmt: skip
GROWTH = ["read_acled", "write_parquet", "counts", "upsert", "counts_out_of_core"]


def run_size(context: Any, data: Data, repeat: int) -> list[dict[str, Any]]:
    """Every row of the table at one size: ours and baseline alternately, ``repeat`` times."""
    samples: dict[str, list[dict[str, Any]]] = {}
    wanted = list(dict.fromkeys(op for row in ROWS for op in (row.ours, row.baseline) if op))
    for _ in range(repeat):
        for operation in wanted:
            if any("skipped" in s or "failed" in s for s in samples.get(operation, [])):
                continue
            samples.setdefault(operation, []).append(measure(context, operation, data))
    return [_summarise(row, samples, data) for row in ROWS]


def _median(samples: list[dict[str, Any]], key: str) -> float | None:
    values = [s[key] for s in samples if key in s]
    return statistics.median(values) if values else None


def _problem(samples: list[dict[str, Any]]) -> str | None:
    for sample in samples:
        for key in ("skipped", "failed"):
            if key in sample:
                return f"{key}: {sample[key]}"
    return None


def _summarise(row: Row, samples: dict[str, list], data: Data) -> dict[str, Any]:
    ours = samples.get(row.ours, [])
    base = samples.get(row.baseline, []) if row.baseline else []
    result: dict[str, Any] = {
        "operation": row.name,
        "rows": data.rows,
        "baseline_name": row.baseline_name,
        "target": row.target,
        "ours_s": _median(ours, "seconds"),
        "baseline_s": _median(base, "seconds"),
        "ours_peak_mb": _median(ours, "peak_mb"),
        "baseline_peak_mb": _median(base, "peak_mb"),
        "data_mb": data.memory_mb,
        "repetitions": len(ours),
        "problem": _problem(ours) or (_problem(base) if row.baseline else None),
    }
    ratio = None
    if result["ours_s"] is not None and result["baseline_s"]:
        ratio = result["ours_s"] / result["baseline_s"]
    result["ratio"] = ratio
    if result["problem"] or result["ours_s"] is None or (row.baseline and ratio is None):
        result["met"] = None
    else:
        result["met"] = bool(row.check(result))
    return result


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(results: list[dict[str, Any]]) -> None:
    header = (
        f"{'operation':<27} {'rows':>10} {'ours s':>8} {'baseline s':>10} {'ratio':>7} "
        f"{'target':<14} {'met?':<5} {'ours MB':>8} {'base MB':>8}  baseline"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        if r["problem"]:
            print(f"{r['operation']:<27} {r['rows']:>10,} {r['problem']}")
            continue
        met = {True: "yes", False: "NO", None: "-"}[r["met"]]
        print(
            f"{r['operation']:<27} {r['rows']:>10,} {_number(r['ours_s']):>8} "
            f"{_number(r['baseline_s']):>10} {_number(r['ratio'], 2):>7} {r['target']:<14} "
            f"{met:<5} {_number(r['ours_peak_mb'], 0):>8} {_number(r['baseline_peak_mb'], 0):>8}"
            f"  {r['baseline_name']}"
        )


def growth(results: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Exponent b of time ~ rows**b (least squares on logs), ours and baseline."""
    exponents = {}
    for row in ROWS:
        if row.ours not in GROWTH:
            continue
        points = [r for r in results if r["operation"] == row.name and r["ours_s"]]
        if row.baseline:
            points = [r for r in points if r["baseline_name"] == row.baseline_name]
        exponents[f"{row.name} / {row.baseline_name or '-'}"] = {
            "ours": _slope([(r["rows"], r["ours_s"]) for r in points]),
            "baseline": _slope([(r["rows"], r["baseline_s"]) for r in points if r["baseline_s"]]),
        }
    return exponents


def _slope(points: list[tuple[float, float]]) -> float | None:
    if len({x for x, _ in points}) < 2:
        return None
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(y) for _, y in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in ("eventdata", "pandas", "pyarrow", "pandera", "dask", "duckdb", "polars"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_500_000, help="events (default 2.5M)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (median reported)")
    parser.add_argument(
        "--growth",
        default="250000,1000000",
        help="smaller sizes also measured, for the growth exponents ('' for none)",
    )
    parser.add_argument("--quick", action="store_true", help="50k rows, 1 repetition")
    parser.add_argument(
        "--out-of-core-rows",
        type=lambda text: int(text.replace("_", "")),
        default=0,
        help="also count a store of this many rows out of core (e.g. 25_000_000)",
    )
    parser.add_argument("--cache", type=Path, default=HERE / ".cache", help="data cache folder")
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.repeat, args.growth = 50_000, 1, "20000"
    sizes = sorted({int(s) for s in args.growth.split(",") if s.strip()} | {args.rows})
    sizes = [s for s in sizes if s <= args.rows]

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([m for m in PRELOAD if _importable(m)])
    print(f"eventdata benchmarks: {', '.join(f'{k} {v}' for k, v in _versions().items())}")
    print(f"{os.cpu_count()} cores; median of {args.repeat}; sizes {sizes}")
    results: list[dict[str, Any]] = []
    for rows in sizes:
        data = prepare(rows, args.cache)
        print(f"\n{data.rows:,} rows ({data.memory_mb:,.0f} MB in memory)")
        table = run_size(context, data, args.repeat)
        print_table(table)
        results += table
    exponents = growth(results) if len(sizes) > 1 else {}
    if exponents:
        print("\ngrowth: exponent b of time ~ rows**b (1 = linear)")
        for name, pair in exponents.items():
            print(f"  {name:<50} ours {_number(pair['ours'], 2)}  baseline "
                  f"{_number(pair['baseline'], 2)}")  # fmt: skip
    out_of_core = None
    if args.out_of_core_rows:
        print(f"\nout of core: a store of {args.out_of_core_rows:,} rows")
        store, rows, memory = prepare_out_of_core(args.out_of_core_rows, args.cache)
        samples = [measure(context, "counts_out_of_core", store) for _ in range(args.repeat)]
        out_of_core = {
            "rows": rows,
            "data_mb": memory,
            "seconds": _median(samples, "seconds"),
            "peak_mb": _median(samples, "peak_mb"),
            "rss_peak_mb": _median(samples, "rss_peak_mb"),
            "problem": _problem(samples),
        }
        if out_of_core["problem"]:
            print(f"  {out_of_core['problem']}")
        else:
            print(
                f"  counts_out_of_core(freq='D', by='admin1'): {out_of_core['seconds']:.1f} s, "
                f"peak {out_of_core['peak_mb']:,.0f} MB above start "
                f"({out_of_core['rss_peak_mb']:,.0f} MB resident) for {rows:,} rows that take "
                f"{memory:,.0f} MB in memory ({out_of_core['peak_mb'] / memory:.1%})"
            )
    args.output.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "machine": {"cores": os.cpu_count(), "platform": platform.platform()},
                "versions": _versions(),
                "repeat": args.repeat,
                "results": results,
                "growth": exponents,
                "out_of_core": out_of_core,
            },
            indent=1,
        )
    )
    print(f"\nwritten: {args.output}")
    return 0


def _importable(module: str) -> bool:
    from importlib.util import find_spec

    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


if __name__ == "__main__":
    sys.exit(main())
