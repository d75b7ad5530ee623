"""Counting a store out of core with Dask: the same table as counting it in memory."""

from __future__ import annotations

import pandas as pd
import pytest

import eventdata as ed
from eventdata.events.outofcore import counts_out_of_core
from eventdata.store import EventStore

pytest.importorskip(
    "dask.dataframe", reason="Dask is optional (pip install 'eventdata[dask]'): not installed"
)
# Dask's Parquet reader still calls reset_index(inplace=True), which pandas 3.1 deprecates
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    """Three years of simulated events, some coded to the week or month, some without admin1."""
    events = ed.datasets.simulate("2020-01-01", "2022-12-31", seed=21, rate=12)
    missing_admin1 = events.index % 97 == 0
    return events.assign(admin1=events["admin1"].mask(missing_admin1))


@pytest.fixture(scope="module")
def store(events, tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("store")
    ed.write_parquet(events, folder, row_group_size=2_000)
    return str(folder)


@pytest.fixture(scope="module")
def stored(store) -> pd.DataFrame:
    """The store as the pandas path sees it."""
    return ed.read_parquet(store)


def assert_same_counts(ours: pd.DataFrame, expected: pd.DataFrame) -> None:
    spread = expected.attrs["time_precision"]["spread"] > 0
    # ed.counts gives datetime64[us] dates when every group has every period (a pandas
    # reindex quirk); the out-of-core path always gives datetime64[ns]
    expected = expected.assign(date=expected["date"].astype("datetime64[ns]"))
    pd.testing.assert_frame_equal(ours, expected, check_exact=not spread, rtol=1e-12)
    # coverage: the store's spans here; the in-memory path passes its input's on or not,
    # depending on how pandas builds the table
    assert {k: v for k, v in ours.attrs.items() if k != "coverage"} == {
        k: v for k, v in expected.attrs.items() if k != "coverage"
    }


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"freq": "D", "by": "admin1"},
        {"freq": "W", "by": ["country", "admin1"], "precision": "spread"},
        {"freq": "M", "by": "event_type", "value": "fatalities"},
        {"freq": "Y", "by": "year", "precision": "keep"},
        {"freq": "D", "by": "country", "precision": "spread", "value": "fatalities"},
        {"freq": "W", "by": "admin1", "start": "2021-03-03", "end": "2021-11-30"},
        {"freq": "D", "by": "sub_event_type", "start": "2022-06-01", "precision": "spread"},
        {"freq": "M", "end": "2020-12-31", "precision": "exclude"},
    ],
    ids=lambda options: ",".join(f"{k}={v}" for k, v in options.items()) or "defaults",
)
def test_equals_the_pandas_path_on_the_threaded_scheduler(store, stored, options):
    assert_same_counts(counts_out_of_core(store, **options), ed.counts(stored, **options))


def test_equals_the_pandas_path_on_a_local_cluster(store, stored):
    distributed = pytest.importorskip("distributed", reason="dask.distributed not installed")
    options = {"freq": "W", "by": "admin1", "value": "fatalities", "start": "2021-01-01"}
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        ours = counts_out_of_core(store, scheduler=cluster.scheduler_address, **options)
    assert_same_counts(ours, ed.counts(stored, **options))


def test_reads_an_event_store_and_a_single_file(events, tmp_path):
    store = EventStore(tmp_path / "store", partition_by=["country"])
    store.upsert(events.head(500))
    expected = ed.counts(store.read(), freq="M", by="admin1")
    assert_same_counts(counts_out_of_core(store, freq="M", by="admin1"), expected)
    file = ed.write_parquet(events.head(500), tmp_path / "events.parquet", partition_by=())
    assert_same_counts(counts_out_of_core(file, freq="M", by="admin1"), expected)


def test_an_empty_range_and_an_empty_store(store, stored, tmp_path):
    options = {"by": "admin1", "start": "2030-01-01", "end": "2030-01-31"}
    assert_same_counts(counts_out_of_core(store, **options), ed.counts(stored, **options))
    empty = EventStore(tmp_path / "empty")
    empty.upsert(ed.datasets.load_seed_incidents())
    empty.delete(ed.datasets.load_seed_incidents()["event_id_cnty"])
    ours = counts_out_of_core(empty, by="country")
    assert_same_counts(ours, ed.counts(empty.read(), by="country"))


def test_refuses_bad_options_and_foreign_folders(store, tmp_path):
    with pytest.raises(ValueError, match="freq"):
        counts_out_of_core(store, freq="Q")
    with pytest.raises(ed.EventDataError, match="nonexistent"):
        counts_out_of_core(store, by="nonexistent")
    with pytest.raises(ed.StoreError, match="no _eventdata.json"):
        counts_out_of_core(tmp_path)


def test_counts_takes_a_store_and_counts_it_out_of_core(store, stored):
    options = {"freq": "M", "by": "admin1", "value": "fatalities"}
    assert_same_counts(ed.counts(store, **options), ed.counts(stored, **options))
    assert_same_counts(ed.counts(EventStore(store), **options), ed.counts(stored, **options))


def test_names_the_extra_when_dask_is_missing(store, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ImportError, match=r"pip install 'eventdata\[dask\]'"):
        counts_out_of_core(store)


def test_the_anniversary_test_and_event_study_take_a_store(store, stored):
    on_store = ed.anniversary_test(store, "01-03", window=(0, 6))
    in_memory = ed.anniversary_test(stored, "01-03", window=(0, 6))
    pd.testing.assert_frame_equal(on_store.to_frame(), in_memory.to_frame())
    pd.testing.assert_frame_equal(on_store.by_year, in_memory.by_year)
    study = ed.event_study(EventStore(store), "01-03", window=(-3, 3))
    pd.testing.assert_frame_equal(
        study.to_frame(), ed.event_study(stored, "01-03", window=(-3, 3)).to_frame()
    )
