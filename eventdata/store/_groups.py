"""Partitions of a frame: the rows of each group of the partition columns."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from eventdata.core.errors import StoreError

DEFAULT_PARTITION_BY = ("country", "year")


def group_rows(frame: pd.DataFrame, partition_by: Sequence[str]) -> dict[tuple, np.ndarray]:
    """Row positions of each partition, keyed by JSON-ready partition values."""
    if not len(frame):
        return {}
    if not partition_by:
        return {(): np.arange(len(frame))}
    grouped = group_codes(frame, partition_by)
    if grouped is None:  # a dtype group_codes leaves to pandas
        groups = frame.reset_index(drop=True).groupby(list(partition_by), sort=True, observed=True)
        found = list(groups.indices.items())
    else:
        codes, first = grouped
        # positions grouped by code, ascending within each (a stable sort: a radix
        # sort for 16-bit codes)
        small = np.uint16 if len(first) <= 1 << 16 else np.int64
        positions = np.argsort(codes.astype(small), kind="stable")
        ends = np.cumsum(np.bincount(codes, minlength=len(first)))
        keys = frame[list(partition_by)].iloc[first].itertuples(index=False, name=None)
        found = list(zip(keys, np.split(positions, ends[:-1]), strict=True))
    out = {}
    for key, positions in found:
        values = key if isinstance(key, tuple) else (key,)
        out[tuple(v.item() if isinstance(v, np.generic) else v for v in values)] = positions
    return out


def group_codes(
    frame: pd.DataFrame, columns: Sequence[str]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Number each row's group (its values in ``columns``) in the groups' sorted order.

    Groups are sorted as :meth:`pandas.DataFrame.sort_values` sorts their
    values: categories in their order, text and numbers ascending, missing
    values last.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : sequence of str
        Text, categorical or numeric columns (others: None is returned).

    Returns
    -------
    (codes, first) or None
        ``codes``: each row's group, from 0; ``first``: the position of the
        first row of each group.

    Examples
    --------
    >>> frame = pd.DataFrame({"country": ["Syria", "Iraq", "Syria"], "year": [2020, 2021, 2020]})
    >>> codes, first = group_codes(frame, ["country", "year"])
    >>> codes.tolist(), first.tolist()
    ([1, 0, 1], [1, 0])
    """
    codes, size = np.zeros(len(frame), dtype=np.int64), 1
    for number, name in enumerate(columns):
        values = frame[name]
        if isinstance(values, pd.DataFrame):  # a column name used twice
            return None
        dtype = values.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            column = values.cat.codes.to_numpy().astype(np.int64)  # a copy: changed below
            distinct = len(dtype.categories)
        elif isinstance(dtype, pd.StringDtype) or (
            pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        ):
            column, uniques = pd.factorize(values, sort=True)
            column, distinct = column.astype(np.int64, copy=False), len(uniques)
            if not column.flags.writeable:  # changed below
                column = column.copy()
        else:
            return None
        column[column < 0] = distinct  # missing values last
        if number:
            column += codes * (distinct + 1)
        codes, size = _renumber(column, size * (distinct + 1))
    # the first row of each group: where a code is seen first, put in code order
    seen_first = np.flatnonzero(~pd.Series(codes, copy=False).duplicated().to_numpy())
    first = np.empty(size, dtype=np.int64)
    first[codes[seen_first]] = seen_first
    return codes, first


def _renumber(codes: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """Codes below ``size`` renumbered 0, 1, ... in the same order, skipping unused ones."""
    if size <= 4 * len(codes) + 1024:
        used = np.bincount(codes, minlength=size) > 0
        if used.all():
            return codes, size
        return (np.cumsum(used) - 1)[codes], int(used.sum())
    renumbered, uniques = pd.factorize(codes, sort=True)
    return renumbered.astype(np.int64, copy=False), len(uniques)


def check_partition_by(frame: pd.DataFrame, partition_by: Sequence[str]) -> tuple[str, ...]:
    partition_by = tuple(partition_by)
    for name in partition_by:
        if name not in frame.columns:
            raise StoreError(f"cannot partition by {name!r}: no such column")
        dtype = frame[name].dtype
        if not (
            isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype))
            or pd.api.types.is_integer_dtype(dtype)
        ):
            raise StoreError(
                f"cannot partition by {name!r} ({dtype}): use a text or integer column"
            )
        if frame[name].isna().any():
            raise StoreError(f"cannot partition by {name!r}: it has missing values")
    if len(set(partition_by)) != len(partition_by):
        raise StoreError(f"partition_by names a column twice: {partition_by}")
    return partition_by


def default_partition_by(frame: pd.DataFrame) -> tuple[str, ...]:
    """``("country", "year")``, without the columns the frame lacks (UCDP GED has no year)."""
    return tuple(c for c in DEFAULT_PARTITION_BY if c in frame.columns)
