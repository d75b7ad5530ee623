"""Counting events in a store larger than memory, with Dask.

:func:`counts_out_of_core` gives the table :func:`eventdata.counts` gives for the
events of a dataset folder written by :func:`eventdata.write_parquet` or
:class:`eventdata.EventStore`, without ever holding those events in memory.
Dask reads the folder partition by partition (only the columns the count needs,
date filters pushed down to the partitions and Parquet row groups), each partition
is counted by :func:`eventdata.counts` itself (same time-precision policy, same
weights), and only the small per-partition count tables come back to be added
up, zero-filled and sorted.

Dask is optional: ``pip install 'eventdata[dask]'``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import pyarrow.parquet as pq

from eventdata.core.coverage import CoverageLike, covered_span, frame_coverage
from eventdata.core.errors import EventDataError
from eventdata.core.options import require_columns
from eventdata.core.periods import FREQUENCIES
from eventdata.events._counting import (
    Precision,
    calendar,
    check_options,
    coarse_mask,
    count_frame,
    mask_uncovered,
    sorted_groups,
    zero_filled,
)
from eventdata.store import EventStore, StoredDataset, guarded, open_dataset

__all__ = ["counts_out_of_core"]

#: What to tell a user who has not installed the optional dependency.
INSTALL_HINT = "pip install 'eventdata[dask]'"
#: Days a coarse event can be spread away from its coded date (a month's length).
_SPREAD_REACH = pd.Timedelta(days=31)
_DATE, _PRECISION, _FATALITIES = "event_date", "time_precision", "fatalities"


@guarded("counting the store")
def counts_out_of_core(
    path: str | os.PathLike | EventStore,
    *,
    freq: str = "D",
    by: str | Sequence[str] | None = None,
    value: Literal["events", "fatalities"] = "events",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    precision: Precision = "auto",
    scheduler: Any = None,
    coverage: CoverageLike | None = None,
) -> pd.DataFrame:
    """Count the events of a store (or sum their fatalities) per period and group, out of core.

    The result equals ``eventdata.counts(eventdata.read_parquet(path), ...)``
    with the same options, but the events are never all in memory: peak memory
    is a few partitions' worth of the needed columns, whatever the store's size.

    Parameters
    ----------
    path : path or EventStore
        A dataset folder written by :func:`eventdata.write_parquet` or
        :class:`eventdata.EventStore` (or one Parquet file written by eventdata).
        Only the files its manifest names are read, so a concurrent writer's new
        files are never counted twice.
    freq, by, value, start, end, precision
        As in :func:`eventdata.counts`.
    scheduler : None, str or distributed.Client
        ``None`` (default): Dask's threaded scheduler in this process; reading
        Parquet and counting release the GIL, so threads run in parallel without
        copying partitions between processes, and memory stays bounded by the
        partitions in flight. ``"synchronous"`` or ``"processes"``: those Dask
        schedulers. An address such as ``"tcp://10.0.0.5:8786"``, or a
        ``distributed.Client``: run on that cluster (its workers must see
        ``path`` and have eventdata installed).

    Returns
    -------
    pandas.DataFrame
        As :func:`eventdata.counts` returns: ``date``, the ``by`` columns (in their
        stored dtypes) and ``count`` (or ``fatalities``), zero-filled, with
        ``attrs["time_precision"]`` and ``attrs["span"]``.

    Raises
    ------
    ImportError
        Dask is not installed (``pip install 'eventdata[dask]'``).
    StoreError
        ``path`` is not a dataset written by eventdata.

    Examples
    --------
    >>> import tempfile
    >>> import eventdata as ed
    >>> events = ed.datasets.simulate("2021-01-01", "2021-12-31", seed=1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = ed.write_parquet(events, folder)
    ...     monthly = counts_out_of_core(folder, freq="M", by="country")
    >>> expected = ed.counts(events, freq="M", by="country")
    >>> monthly[["country", "count"]].equals(expected[["country", "count"]])
    True
    >>> monthly.attrs["time_precision"]["excluded"] == 0
    True
    """
    freq = check_options(freq, precision, value)
    dask, dd = _import_dask()
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    dataset = open_dataset(path)
    names, dtypes = dataset.columns, dataset.dtypes
    require_columns(
        pd.DataFrame(columns=names), _DATE, *by, *([_FATALITIES] if value == "fatalities" else [])
    )
    # the count of no events lays out the result
    template = _count(_empty(dtypes, by, value), freq, by, value, None, None, precision)
    template = template.astype({"date": "datetime64[ns]", **{c: dtypes[c] for c in by}})
    task = _Task(
        freq=freq,
        by=tuple(by),
        value=value,
        precision=precision,
        coarse=precision != "keep" and _PRECISION in names,
        dtypes={c: dtypes[c] for c in by},
    )
    # the store's coverage, as read_parquet gives it to the in-memory counts
    template.attrs["coverage"] = dataset.coverage()
    spans = frame_coverage(template, coverage)
    if spans is not None and (start is None or end is None):  # the calendar of the coverage
        first, last = covered_span(spans)
        start = first if start is None else start
        end = last if end is None else end
    first, last = _date_range(dataset)
    lo = pd.Timestamp(start) if start is not None else first
    hi = pd.Timestamp(end) if end is not None else last
    if not dataset.files or pd.isna(lo) or pd.isna(hi):
        if not (pd.isna(lo) or pd.isna(hi)):
            template.attrs["span"] = (lo, hi)
        return mask_uncovered(template, spans, freq, by)
    reach = _SPREAD_REACH if precision == "spread" else pd.Timedelta(0)
    bounded = start is not None or end is not None
    read = _reader(dd, dataset)
    needed = [_DATE, *by, *([_FATALITIES] if value == "fatalities" else [])]
    needed += [_PRECISION] if task.coarse else []
    tables = read(needed, _pushdown(lo - reach, hi + reach, names) if bounded else None)
    jobs = [dask.delayed(_count_partition)(part, task, lo, hi) for part in tables.to_delayed()]
    if bounded:  # groups and the precision report count every event, in range or not
        light = list(dict.fromkeys([*by, *([_PRECISION] if task.coarse else [])]))
        if light:
            parts = read(light, None).to_delayed()
            jobs += [dask.delayed(_describe_partition)(part, task) for part in parts]
    partials = _compute(dask, jobs, scheduler)
    table = _combine(partials, task, lo, hi, bounded, template, dtypes)
    # periods the coverage (given, else the store's) does not hold are missing, as in counts
    return mask_uncovered(table, spans, freq, by)


@dataclass(frozen=True)
class _Task:
    """What every partition is asked (picklable, for workers in other processes)."""

    freq: str
    by: tuple[str, ...]
    value: str
    precision: str
    coarse: bool  # whether time_precision is read and the policy applies
    dtypes: dict[str, Any]  # the stored dtypes of the by columns

    @property
    def name(self) -> str:
        return "count" if self.value == "events" else "fatalities"


@dataclass(frozen=True)
class _Partial:
    """One partition's share: its count table over its own span, groups, coarse rows."""

    table: pd.DataFrame | None
    groups: pd.DataFrame
    coarse: int
    counted: bool  # from the counting pass (else: groups and coarse rows only)


def _import_dask() -> tuple[Any, Any]:
    try:
        import dask
        import dask.dataframe as dd
    except ImportError:
        raise ImportError(f"counting a store out of core needs Dask: {INSTALL_HINT}") from None
    return dask, dd


def _typed(part: pd.DataFrame, task: _Task) -> pd.DataFrame:
    """The by columns in their stored dtypes (Dask reads partition folders as categories)."""
    columns = {
        c: part[c].astype(object).astype(t) for c, t in task.dtypes.items() if part[c].dtype != t
    }
    return part.assign(**columns) if columns else part


def _groups(part: pd.DataFrame, task: _Task) -> pd.DataFrame:
    return part[list(task.by)].drop_duplicates() if task.by else pd.DataFrame()


def _count_partition(
    part: pd.DataFrame, task: _Task, lo: pd.Timestamp, hi: pd.Timestamp
) -> _Partial:
    """:func:`eventdata.counts` of one partition, its calendar cut to the partition's span.

    The span is widened by a month when coarse events are spread, so that the
    part of a spread event falling beyond the partition's own dates is kept;
    cutting the calendar drops only zeros.
    """
    part = _typed(part, task)
    groups = _groups(part, task)
    if not len(part):
        return _Partial(None, groups, 0, counted=True)
    reach = _SPREAD_REACH if task.precision == "spread" else pd.Timedelta(0)
    dates = part[_DATE]
    first = max(lo, dates.min() - reach)
    last = min(hi, dates.max() + reach)
    table = _count(part, task.freq, list(task.by), task.value, first, last, task.precision)
    report = table.attrs["time_precision"]
    return _Partial(table, groups, report["excluded"] + report["spread"], counted=True)


def _describe_partition(part: pd.DataFrame, task: _Task) -> _Partial:
    """The groups and the number of coarse events of one partition, counted or not."""
    part = _typed(part, task)
    coarse = int(coarse_mask(part[_PRECISION], task.freq).sum()) if task.coarse else 0
    return _Partial(None, _groups(part, task), coarse, counted=False)


def _combine(
    partials: Sequence[_Partial],
    task: _Task,
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    bounded: bool,
    template: pd.DataFrame,
    dtypes: dict[str, Any],
) -> pd.DataFrame:
    """Add the partitions' tables up over the whole calendar, as :func:`counts` lays it out."""
    by, name = list(task.by), task.name
    # with start or end, the light pass saw every event; else the counting pass did
    described = [p for p in partials if not p.counted] if bounded and (by or task.coarse) else []
    source = described or [p for p in partials if p.counted]
    coarse = sum(p.coarse for p in source)
    tables = [p.table for p in partials if p.table is not None]
    combined = pd.concat([template, *tables], ignore_index=True)
    summed = combined.groupby([*by, "date"], observed=True, dropna=False)[name].sum()
    groups = None
    if by:
        seen = pd.concat([template[by], *(p.groups for p in source)], ignore_index=True)
        groups = sorted_groups(seen)
    spread = task.precision == "spread" and coarse > 0
    periods = calendar(lo, hi, FREQUENCIES[task.freq].pandas)
    table = zero_filled(summed.astype("float64"), groups, periods, by, name, not spread)
    for column in by:
        table[column] = table[column].astype(dtypes[column])
    # the report of counting no events (its policy, every count 0), with the coarse events
    report = dict(template.attrs["time_precision"])
    if task.coarse:
        report["spread" if task.precision == "spread" else "excluded"] = coarse
    table.attrs["time_precision"] = report
    table.attrs["span"] = (lo, hi)
    table.attrs["coverage"] = template.attrs["coverage"]
    return table


def _count(
    part: pd.DataFrame,
    freq: str,
    by: list[str],
    value: Any,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    precision: Any,
) -> pd.DataFrame:
    """The in-memory count of a partition (no coverage: the store's is applied at the end)."""
    return count_frame(
        part,
        freq=freq,
        by=by,
        value=value,
        start=start,
        end=end,
        precision=precision,
        coverage=None,
    )


def _empty(dtypes: dict[str, Any], by: Sequence[str], value: str) -> pd.DataFrame:
    """No events, with the columns a count needs in their stored dtypes."""
    columns = [_DATE, *by, *([_FATALITIES] if value == "fatalities" else [])]
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "datetime64[ns]")) for c in columns})


def _date_range(dataset: StoredDataset) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last event date, exactly, from the Parquet files' row-group statistics."""
    first, last = pd.NaT, pd.NaT
    for path in dataset.files:
        metadata = pq.ParquetFile(path).metadata
        column = metadata.schema.to_arrow_schema().get_field_index(_DATE)
        for group in range(metadata.num_row_groups):
            statistics = metadata.row_group(group).column(column).statistics
            if statistics is None or not statistics.has_min_max:
                raise EventDataError(
                    f"{path}: no event_date statistics; "
                    "rewrite the store with eventdata.write_parquet"
                )
            low, high = pd.Timestamp(statistics.min), pd.Timestamp(statistics.max)
            first = low if pd.isna(first) else min(first, low)
            last = high if pd.isna(last) else max(last, high)
    return first, last


def _pushdown(
    first: pd.Timestamp, last: pd.Timestamp, names: Sequence[str]
) -> list[tuple[str, str, Any]]:
    """Filters that keep every row dated in [first, last] (and may keep a few more).

    Bounds are widened to whole days: rows are filtered exactly afterwards, and
    ``year`` equals the year of ``event_date`` (a schema rule), so it prunes
    partition folders.
    """
    first, last = first.floor("D"), last.ceil("D")
    filters = [(_DATE, ">=", first), (_DATE, "<=", last)]
    if "year" in names:
        filters += [("year", ">=", first.year), ("year", "<=", last.year)]
    return filters


def _reader(dd: Any, dataset: StoredDataset) -> Any:
    """A function reading some columns of the manifest's files as a Dask DataFrame."""
    files = [os.fspath(path) for path in dataset.files]
    options = {}
    if dataset.partition_by:
        options = {"partitioning": "hive", "partition_base_dir": os.fspath(dataset.root)}

    def read(columns: list[str], filters: list[tuple[str, str, Any]] | None) -> Any:
        return dd.read_parquet(files, columns=columns, filters=filters, dataset=options)

    return read


def _compute(dask: Any, jobs: list[Any], scheduler: Any) -> list[_Partial]:
    if scheduler is None:
        return list(dask.compute(*jobs, scheduler="threads"))
    if isinstance(scheduler, str) and "://" in scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise ImportError(
                f"a scheduler address needs dask.distributed: {INSTALL_HINT}"
            ) from None
        with Client(scheduler) as client:
            return list(dask.compute(*jobs, scheduler=client))
    return list(dask.compute(*jobs, scheduler=scheduler))
