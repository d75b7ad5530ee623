"""Validation once: writing a frame already validated against writing one that is not.

A frame validated by :func:`eventdata.validate` (or read by a reader, a store or the API
client) is stored by :meth:`EventStore.upsert` and :func:`write_parquet`, and written as
an ACLED CSV by :func:`write_acled`, without being validated again. This script times
each write of a validated frame ("trusted") beside the same write of an equal frame
copied after validation ("copied": a copy is not known valid, so it is validated again),
alternately (each first in every other run), ``--repeat`` times in this process, and
prints the medians and their ratio (trusted / copied; 1.0 means validation is done
twice). ``ed.validate`` of the frame is timed too, for scale: where it is small beside
the write itself (formatting a CSV), the ratio cannot fall far below 1.

Run::

    .venv/bin/python benchmarks/store_validation.py              # 300k rows, 5 repetitions
    .venv/bin/python benchmarks/store_validation.py --rows 50000 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import eventdata as ed


def _frame(rows: int) -> pd.DataFrame:
    years = max(1, round(rows / 150_000 * 10))
    events = ed.datasets.simulate("2013-01-01", f"{2012 + years}-12-31", seed=3, rate=40)
    return ed.validate(events.head(rows))


def _seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    trusted = _frame(options.rows)
    copied = trusted.copy()
    operations: dict[str, Callable[[pd.DataFrame, Path], object]] = {
        "EventStore.upsert": lambda frame, folder: ed.EventStore(folder).upsert(frame),
        "write_parquet": lambda frame, folder: ed.write_parquet(frame, folder),
        "write_acled": lambda frame, folder: ed.write_acled(frame, folder.with_suffix(".csv")),
    }
    print(f"{len(trusted):,} rows, median of {options.repeat} runs")
    validation = [_seconds(lambda: ed.validate(copied)) for _ in range(options.repeat)]
    print(f"  {'ed.validate (for scale)':<24}{statistics.median(validation):8.3f} s")
    print(f"  {'operation':<24}{'trusted':>8}  {'copied':>8}  {'ratio':>6}")
    for name, operation in operations.items():
        times: dict[str, list[float]] = {"trusted": [], "copied": []}
        pair = (("trusted", trusted), ("copied", copied))
        for run in range(options.repeat):
            # each goes first in every other run: neither gains from a warmer cache
            for label, frame in pair if run % 2 == 0 else pair[::-1]:
                # a fresh scratch folder per write, removed with its TemporaryDirectory
                with tempfile.TemporaryDirectory() as scratch:
                    folder = Path(scratch) / "store"
                    times[label].append(_seconds(lambda f=frame, p=folder, o=operation: o(f, p)))
        mine, theirs = statistics.median(times["trusted"]), statistics.median(times["copied"])
        print(f"  {name:<24}{mine:8.3f}  {theirs:8.3f}  {mine / theirs:6.2f}")


if __name__ == "__main__":
    main()
