"""A store is a plain folder of Parquet files: DuckDB and Polars read it without eventdata."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

import eventdata as ed


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """A store after a write, an upsert of revisions and new events, and a deletion."""
    events = ed.datasets.simulate("2020-06-01", "2021-06-30", seed=8, rate=6)
    folder = tmp_path_factory.mktemp("store") / "mirror"
    store = ed.EventStore(folder)
    first, rest = events.iloc[: len(events) // 2], events.iloc[len(events) // 2 :]
    store.upsert(first)
    revised = first.head(50).assign(
        fatalities=first.head(50)["fatalities"] + 1, timestamp=first["timestamp"].max() + 10
    )
    store.upsert(pd.concat([revised, rest]))
    store.delete(first["event_id_cnty"].iloc[100:110])
    return folder, store.read()


def _same_rows(plain: pd.DataFrame, ours: pd.DataFrame) -> None:
    plain = plain.sort_values("event_id_cnty", ignore_index=True)
    ours = ours.sort_values("event_id_cnty", ignore_index=True)
    assert len(plain) == len(ours)
    assert plain["event_id_cnty"].tolist() == ours["event_id_cnty"].astype(str).tolist()
    assert plain["country"].tolist() == ours["country"].astype(str).tolist()
    assert plain["year"].astype("int64").tolist() == ours["year"].astype("int64").tolist()
    assert plain["fatalities"].astype("int64").tolist() == ours["fatalities"].tolist()
    dates = pd.to_datetime(plain["event_date"]).dt.normalize()
    assert (dates.to_numpy() == ours["event_date"].to_numpy()).all()


def test_duckdb_reads_the_folder(store) -> None:
    folder, ours = store
    query = f"select * from read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
    connection = duckdb.connect()
    _same_rows(connection.execute(query).df(), ours)
    [(iraq,)] = connection.execute(
        f"select count(*) from ({query}) where country = 'Iraq' and year = 2021"
    ).fetchall()
    assert iraq == int(((ours["country"] == "Iraq") & (ours["year"] == 2021)).sum())


def test_polars_reads_the_folder(store) -> None:
    folder, ours = store
    plain = pl.read_parquet(f"{folder}/**/*.parquet", hive_partitioning=True).to_pandas()
    _same_rows(plain, ours)


def test_province_analyses_take_a_store_and_read_only_their_columns(store) -> None:
    folder, ours = store
    on_store = ed.province_frequency(folder)
    in_memory = ed.province_frequency(ours)
    pd.testing.assert_frame_equal(on_store.to_frame(), in_memory.to_frame())
    periods = {"before": ("2020-06-01", "2020-12-31"), "after": ("2021-01-01", "2021-06-30")}
    pd.testing.assert_frame_equal(
        ed.compare_periods(ed.EventStore(folder), **periods).to_frame(),
        ed.compare_periods(ours, **periods).to_frame(),
    )
    with pytest.raises(ed.EventDataError, match="district"):
        ed.province_frequency(folder, by="district")
