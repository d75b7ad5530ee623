"""Parquet storage: exact round trips, filters and pruning, the store's updates, atomicity."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import eventdata as ed
from eventdata.core.schema import ACLED_SCHEMA, Field
from eventdata.io import write_acled
from eventdata.store import (
    MANIFEST,
    EventStore,
    StoreError,
    _commit,
    _layout,
    _types,
    export,
    group_codes,
    read_parquet,
    write_parquet,
)
from tests.conftest import ACLED_EXPORTS, shared_file

OPTIONAL = [n for n, f in ACLED_SCHEMA.fields.items() if not f.required]
CHECKPOINTS = ["data-written", "manifest-written", "manifest-replaced", "old-file-removed"]


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("event_id_cnty", ignore_index=True)


def assert_same_rows(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(by_id(got), by_id(expected), check_exact=True)


def data_files(folder: Path) -> set[str]:
    """Every file under the partition folders, relative to the store."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith("_eventdata")
    }


def manifest_files(folder: Path) -> set[str]:
    manifest = json.loads((folder / MANIFEST).read_text())
    return {p["path"] for p in manifest["partitions"]}


@pytest.fixture(scope="module")
def pool(seed_events: pd.DataFrame, simulated: pd.DataFrame) -> pd.DataFrame:
    """Seed incidents and simulated rows of both countries and years."""
    rows = simulated.sample(300, random_state=1)
    return pd.concat([seed_events, rows], ignore_index=True)


# --------------------------------------------------------------------------------------
# Round trips


@st.composite
def event_frames(draw: st.DrawFn, pool: pd.DataFrame) -> pd.DataFrame:
    """Random subsets and orders of rows, nulls in optional columns, extra columns."""
    rows = draw(st.lists(st.integers(0, len(pool) - 1), unique=True, max_size=60))
    frame = pool.iloc[rows].reset_index(drop=True)
    for column in draw(st.sets(st.sampled_from(OPTIONAL))):
        every = draw(st.integers(1, 3))
        frame[column] = frame[column].mask(np.arange(len(frame)) % every == 0)
    if draw(st.booleans()):
        n = len(frame)
        frame["iso3"] = pd.array(["IRQ", None, "SYR"] * n, dtype="str")[:n]
        frame["data_id"] = pd.array([7, None] * n, dtype="Int64")[:n]
        frame["coder"] = pd.Categorical(["a"] * n, categories=["a", "b", "unused"], ordered=True)
    if draw(st.booleans()):
        frame = frame[list(np.random.default_rng(len(frame)).permutation(frame.columns))]
    return frame


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_write_read_round_trip_is_exact(data: st.DataObject, pool: pd.DataFrame) -> None:
    frame = data.draw(event_frames(pool))
    with tempfile.TemporaryDirectory() as folder:
        write_parquet(frame, Path(folder) / "dataset")
        assert_same_rows(read_parquet(Path(folder) / "dataset"), frame)
        single = write_parquet(frame, Path(folder) / "one.parquet", partition_by=())
        assert_same_rows(read_parquet(single), frame)


def test_categoricals_keep_full_vocabulary_in_partitions_that_lack_categories(
    seed_events: pd.DataFrame, tmp_path: Path
) -> None:
    # The seed incidents use 2 of the 6 event types; each partition even fewer.
    write_parquet(seed_events, tmp_path)
    back = read_parquet(tmp_path, countries="Syria")
    assert back["event_type"].nunique() < len(ACLED_SCHEMA.dtypes["event_type"].categories)
    for name in ("event_type", "sub_event_type", "disorder_type", "civilian_targeting"):
        assert back[name].dtype == ACLED_SCHEMA.dtypes[name]
    assert back["year"].dtype == "Int64" and back["country"].dtype == pd.StringDtype()
    assert back["event_date"].dtype == "datetime64[ns]"


@pytest.mark.filterwarnings("ignore::eventdata.CodebookWarning")
def test_real_export_round_trips(tmp_path: Path) -> None:
    checked = ed.read_acled(
        shared_file(ACLED_EXPORTS, "global-2020-04-27-to-05-09.csv"), errors="quarantine"
    )
    events = checked.valid  # with the older codebook's extra columns (data_id, iso3, ...)
    write_parquet(events, tmp_path / "global")
    assert_same_rows(read_parquet(tmp_path / "global"), events.reset_index(drop=True))
    assert len(list((tmp_path / "global").glob("country=*"))) == events["country"].nunique()


def test_odd_partition_values_round_trip_and_read_without_eventdata(
    seed_events: pd.DataFrame, tmp_path: Path
) -> None:
    names = ["Côte d'Ivoire", "50% / half = x", "_hidden", ".dot", "Iraq", "Syria"]
    events = seed_events.assign(country=pd.array(names, dtype="string"))
    write_parquet(events, tmp_path)
    assert_same_rows(read_parquet(tmp_path), events)
    plain = ds.dataset(tmp_path, partitioning="hive").to_table()
    assert sorted(plain.column("country").to_pylist()) == sorted(names)


def test_a_plain_pyarrow_reader_sees_the_same_rows(simulated: pd.DataFrame, tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.upsert(simulated)
    store.upsert(simulated.head(50).assign(timestamp=simulated["timestamp"].head(50) + 1))
    ours = store.read()
    plain = ds.dataset(tmp_path, format="parquet", partitioning="hive").to_table()
    assert plain.num_rows == len(ours)
    expected = pa.Table.from_pandas(by_id(ours), preserve_index=False)
    plain = plain.sort_by("event_id_cnty")
    for name in ours.columns:
        want = expected.column(name)
        if pa.types.is_dictionary(want.type):
            want = want.cast(want.type.value_type)
        assert plain.column(name).cast(want.type).equals(want), name


def test_files_carry_provenance_metadata(seed_events: pd.DataFrame, tmp_path: Path) -> None:
    write_parquet(seed_events, tmp_path)
    files = sorted(tmp_path.rglob("*.parquet"))
    meta = json.loads(pq.read_schema(files[0]).metadata[b"eventdata"])
    assert meta["schema"] == "acled" and meta["schema_version"] == ACLED_SCHEMA.version
    assert meta["codebook_version"] == ed.codebook.CODEBOOK_VERSION
    assert meta["eventdata_version"] == ed.__version__
    iraq = seed_events[seed_events["country"] == "Iraq"]
    assert meta["partition"] == {"country": "Iraq", "year": 2022}
    assert meta["n_rows"] == len(iraq) == pq.read_metadata(files[0]).num_rows
    assert meta["event_date"] == ["2022-01-03", "2022-01-06"]
    assert meta["timestamp"] == [int(iraq["timestamp"].min()), int(iraq["timestamp"].max())]
    store_meta = EventStore(tmp_path).metadata
    assert store_meta["n_rows"] == 6 and store_meta["event_date"] == ["2022-01-03", "2022-01-06"]


def test_rows_are_sorted_by_date_within_files(simulated: pd.DataFrame, tmp_path: Path) -> None:
    write_parquet(simulated.sample(frac=1, random_state=3), tmp_path)
    for path in tmp_path.rglob("*.parquet"):
        dates = pq.read_table(path, columns=["event_date"]).column(0).to_numpy()
        assert (np.diff(dates) >= np.timedelta64(0)).all()


# --------------------------------------------------------------------------------------
# Filters and pruning


@pytest.fixture(scope="module")
def dataset(simulated: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("filters")
    write_parquet(simulated, folder, row_group_size=128)
    return folder


FILTERS = [
    {"countries": "Iraq"},
    {"countries": ["Syria", "Nowhere"], "start": "2022-02-10"},
    {"start": "2021-12-25", "end": "2022-01-05"},
    {"end": "2021-03-01", "event_types": ["Battles", "Riots"]},
    {"admin1": ["Baghdad", "Aleppo"], "event_types": "Protests"},
    {"countries": "Iraq", "start": "2022-06-01", "end": "2022-06-30", "admin1": "Anbar"},
    {"countries": []},
]


def pandas_mask(events: pd.DataFrame, filters: dict) -> pd.Series:
    mask = pd.Series(True, index=events.index)
    for key, column in (("countries", "country"), ("event_types", "event_type")):
        if key in filters:
            values = filters[key]
            mask &= events[column].isin([values] if isinstance(values, str) else values)
    if "admin1" in filters:
        values = filters["admin1"]
        mask &= events["admin1"].isin([values] if isinstance(values, str) else values)
    if "start" in filters:
        mask &= events["event_date"] >= pd.Timestamp(filters["start"])
    if "end" in filters:
        mask &= events["event_date"] <= pd.Timestamp(filters["end"])
    return mask.fillna(False).astype(bool)


@pytest.mark.parametrize("filters", FILTERS)
def test_filters_return_exactly_the_matching_rows(
    filters: dict, dataset: Path, simulated: pd.DataFrame
) -> None:
    got = read_parquet(dataset, **filters)
    expected = simulated[pandas_mask(simulated, filters)]
    expected = expected.sort_values(["event_date", "event_id_cnty"], ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_columns_selects_and_orders_columns(dataset: Path, simulated: pd.DataFrame) -> None:
    got = read_parquet(dataset, columns=["year", "fatalities", "country"], countries="Iraq")
    iraq = simulated[simulated["country"] == "Iraq"]
    assert list(got.columns) == ["year", "fatalities", "country"]
    assert got["year"].dtype == "Int64" and got["country"].dtype == pd.StringDtype()
    assert int(got["fatalities"].sum()) == int(iraq["fatalities"].sum())


def test_filters_prune_partitions_and_row_groups(dataset: Path) -> None:
    layout = _layout.open_layout(dataset)
    expression = _layout.filter_expression(countries="Iraq", start="2022-03-01", end="2022-03-14")
    plan = _layout.plan_fragments(layout, expression)
    assert [Path(f.path).relative_to(dataset).parent.as_posix() for f in plan] == [
        "country=Iraq/year=2022"
    ]
    (fragment,) = plan
    total = pq.read_metadata(fragment.path).num_row_groups
    assert 0 < fragment.num_row_groups < total / 3


class RecordingFileSystem(pa.fs.FileSystemHandler):
    """The local file system, recording which files are opened for reading."""

    def __init__(self) -> None:
        self.local = pa.fs.LocalFileSystem()
        self.opened: list[str] = []

    def get_type_name(self) -> str:
        return "recording"

    def normalize_path(self, path: str) -> str:
        return path

    def equals(self, other: object) -> bool:
        return other is self

    def get_file_info(self, paths: list[str]) -> list:
        return self.local.get_file_info(paths)

    def get_file_info_selector(self, selector: pa.fs.FileSelector) -> list:
        return self.local.get_file_info(selector)

    def open_input_file(self, path: str) -> pa.NativeFile:
        self.opened.append(path)
        return self.local.open_input_file(path)

    def open_input_stream(self, path: str) -> pa.NativeFile:
        self.opened.append(path)
        return self.local.open_input_stream(path)

    def _read_only(self, *args: object) -> None:
        raise NotImplementedError("read only")

    create_dir = delete_dir = delete_dir_contents = delete_root_dir_contents = _read_only
    delete_file = move = copy_file = open_output_stream = open_append_stream = _read_only


def test_only_matching_files_are_opened(dataset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = RecordingFileSystem()
    monkeypatch.setattr(_layout, "FILESYSTEM", pa.fs.PyFileSystem(recorder))
    got = read_parquet(dataset, countries="Syria", start="2021-05-01", end="2021-05-31")
    assert len(got) and set(got["country"]) == {"Syria"}
    opened = {Path(p).relative_to(dataset).parent.as_posix() for p in recorder.opened}
    assert opened == {"country=Syria/year=2021"}


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"event_types": ["Battle"]}, "unknown event type"),
        ({"start": "2022-02-01", "end": "2022-01-01"}, "is after end"),
        ({"start": "last spring"}, "not a date"),
        ({"countries": [1, 2]}, "must be text"),
        ({"columns": ["fatalities", "deaths"]}, "unknown column"),
    ],
)
def test_bad_filters_are_clear_errors(dataset: Path, filters: dict, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        read_parquet(dataset, **filters)


# --------------------------------------------------------------------------------------
# Bad input and paths


def test_invalid_frames_are_refused_and_nothing_is_written(
    seed_events: pd.DataFrame, tmp_path: Path
) -> None:
    bad = seed_events.assign(fatalities=seed_events["fatalities"].astype(object))
    bad.loc[2, "fatalities"] = -1
    with pytest.raises(ed.ValidationError, match="fatalities"):
        write_parquet(bad, tmp_path / "new")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("partition_by", [("country", "year"), ()])
def test_typed_invalid_frames_are_refused_and_nothing_is_written(
    seed_events: pd.DataFrame, tmp_path: Path, partition_by: tuple
) -> None:
    # typed already: validated while the files are encoded, before anything is written
    bad = seed_events.copy()
    bad.loc[2, "fatalities"] = -1
    target = tmp_path / ("new" if partition_by else "new.parquet")
    with pytest.raises(ed.ValidationError, match="fatalities"):
        write_parquet(bad, target, partition_by=partition_by)
    assert not target.exists()
    write_parquet(seed_events, tmp_path / "store")
    before = data_files(tmp_path / "store")
    with pytest.raises(ed.ValidationError, match="fatalities"):
        write_parquet(bad, tmp_path / "store")
    assert data_files(tmp_path / "store") == before
    assert_same_rows(read_parquet(tmp_path / "store"), seed_events)
    # invalid rows are reported before a bad partitioning, as when validating first
    with pytest.raises(ed.ValidationError, match="fatalities"):
        write_parquet(bad, tmp_path / "other", partition_by=("province",))


def test_files_are_the_same_whatever_the_row_order_and_chunking(
    simulated: pd.DataFrame, tmp_path: Path
) -> None:
    # text in many Arrow chunks (one per concatenated piece), rows in date order or shuffled
    in_order = simulated.sort_values("event_date", kind="stable", ignore_index=True)
    pieces = [in_order.iloc[i : i + 97] for i in range(0, len(in_order), 97)]
    chunked = pd.concat(pieces, ignore_index=True)
    assert pa.array(chunked["notes"].array).num_chunks > 1
    shuffled = chunked.sample(frac=1, random_state=5, ignore_index=True)
    files = {}
    for name, frame in [("one chunk", in_order), ("chunked", chunked), ("shuffled", shuffled)]:
        write_parquet(frame, tmp_path / name)
        manifest = json.loads((tmp_path / name / MANIFEST).read_text())
        files[name] = {
            tuple(p["key"]): pq.read_table(tmp_path / name / p["path"])
            for p in manifest["partitions"]
        }
    for name in ("chunked", "shuffled"):
        assert files[name].keys() == files["one chunk"].keys()
        for key, table in files[name].items():
            assert table.equals(files["one chunk"][key]), (name, key)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p, "no such file or folder"),
        (lambda p: (p.mkdir(), p)[1], "no _eventdata.json here"),
        (lambda p: (p.write_text("a,b\n1,2\n"), p)[1], "not a readable Parquet file"),
        (lambda p: (pq.write_table(pa.table({"a": [1]}), p), p)[1], "not written by eventdata"),
        (lambda p: (p.mkdir(), (p / MANIFEST).write_text("{oops"), p)[2], "not a readable"),
    ],
)
def test_unreadable_paths_are_clear_errors(tmp_path: Path, setup, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        read_parquet(setup(tmp_path / "target"))


def test_writing_refuses_folders_holding_other_files(
    seed_events: pd.DataFrame, tmp_path: Path
) -> None:
    (tmp_path / "thesis.docx").write_text("mine")
    with pytest.raises(StoreError, match="holds other files"):
        write_parquet(seed_events, tmp_path)
    with pytest.raises(StoreError, match="holds other files"):
        EventStore(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.docx"]


@pytest.mark.parametrize(
    ("partition_by", "message"),
    [
        (("province",), "no such column"),
        (("latitude",), "text or integer"),
        (("admin2",), "missing"),
    ],
)
def test_bad_partition_columns_are_refused(
    seed_events: pd.DataFrame, tmp_path: Path, partition_by: tuple, message: str
) -> None:
    with pytest.raises(StoreError, match=message):
        write_parquet(seed_events, tmp_path / "x", partition_by=partition_by)


def test_write_parquet_replaces_a_dataset_and_other_partitionings_work(
    seed_events: pd.DataFrame, simulated: pd.DataFrame, tmp_path: Path
) -> None:
    write_parquet(simulated, tmp_path)
    write_parquet(seed_events, tmp_path, partition_by=("event_type",))
    assert_same_rows(read_parquet(tmp_path), seed_events)
    assert data_files(tmp_path) == manifest_files(tmp_path)
    assert {p.name for p in tmp_path.iterdir() if p.is_dir()} == {
        "event_type=Explosions%2FRemote violence",
        "event_type=Strategic developments",
    }
    with pytest.raises(StoreError, match="partitioned by"):
        EventStore(tmp_path, partition_by=("country", "year"))


# --------------------------------------------------------------------------------------
# Schema versions


def _set_versions(folder: Path, version: str) -> None:
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["schema_version"] = version
    (folder / MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.parametrize("version", ["2.0.0", "0.9.1"])
def test_incompatible_schema_versions_are_refused(
    seed_events: pd.DataFrame, tmp_path: Path, version: str
) -> None:
    write_parquet(seed_events, tmp_path / "folder")
    _set_versions(tmp_path / "folder", version)
    with pytest.raises(StoreError, match=f"schema version {version}"):
        read_parquet(tmp_path / "folder")
    with pytest.raises(StoreError, match=f"schema version {version}"):
        EventStore(tmp_path / "folder")
    single = write_parquet(seed_events, tmp_path / "one.parquet", partition_by=())
    table = pq.read_table(single)
    meta = json.loads(table.schema.metadata[b"eventdata"]) | {"schema_version": version}
    pq.write_table(table.replace_schema_metadata({b"eventdata": json.dumps(meta)}), single)
    with pytest.raises(StoreError, match="Read it with the eventdata version that wrote it"):
        read_parquet(single)


def test_older_compatible_versions_are_read_and_migrated(
    seed_events: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_parquet(seed_events, tmp_path)  # written with schema 1.0.0
    newer = ACLED_SCHEMA.extend(
        "acled",
        ACLED_SCHEMA.description,
        [Field("confidence", "integer", "Coder's confidence (a new column).")],
        order=(*ACLED_SCHEMA.columns, "confidence"),
    )
    newer = dataclasses.replace(newer, version="1.4.0")
    monkeypatch.setattr(_types, "ACLED_SCHEMA", newer)
    back = read_parquet(tmp_path)
    assert back["confidence"].isna().all() and back["confidence"].dtype == "Int64"
    assert_same_rows(back.drop(columns="confidence"), seed_events)
    # The next write migrates every file to the current version.
    change = EventStore(tmp_path).delete(["SEED-IRQ-001"])
    assert set(change.partitions) == {"country=Iraq/year=2022", "country=Syria/year=2022"}
    assert EventStore(tmp_path).metadata["schema_version"] == "1.4.0"
    assert len(read_parquet(tmp_path)) == 5


# --------------------------------------------------------------------------------------
# The store: upserts, deletions, log, compaction


def revised(events: pd.DataFrame, seconds: int, **changes) -> pd.DataFrame:
    """A newer (or older) version of these rows, with the same dtypes."""
    version = events.assign(timestamp=events["timestamp"] + seconds, **changes)
    return version.astype(events.dtypes.to_dict())


def test_upsert_adds_replaces_newer_and_ignores_equal_or_older(
    seed_events: pd.DataFrame, tmp_path: Path
) -> None:
    store = EventStore(tmp_path)
    first = store.upsert(seed_events.head(4))
    assert (first.added, first.updated, first.rows) == (4, 0, 4)
    batch = pd.concat(
        [
            revised(seed_events.iloc[[0]], +60, fatalities=5),  # newer: replaces
            revised(seed_events.iloc[[1]], 0, fatalities=6),  # equal: unchanged
            revised(seed_events.iloc[[2]], -60, fatalities=7),  # older: stale
            seed_events.iloc[4:],  # new
        ]
    )
    change = store.upsert(batch)
    assert (change.added, change.updated, change.unchanged, change.stale) == (2, 1, 1, 1)
    assert change.rows == 6 and len(store) == 6
    stored = by_id(store.read()).set_index("event_id_cnty")["fatalities"]
    assert stored.tolist() == [5, 0, 0, 0, 0, 0]


def test_a_revision_can_move_an_event_to_another_partition(
    seed_events: pd.DataFrame, tmp_path: Path
) -> None:
    store = EventStore(tmp_path)
    store.upsert(seed_events)
    moved = revised(seed_events.iloc[[0]], 60).assign(
        event_date=pd.Timestamp("2023-01-02"), year=pd.array([2023], dtype="Int64")
    )
    change = store.upsert(moved)
    assert set(change.partitions) == {"country=Iraq/year=2022", "country=Iraq/year=2023"}
    expected = pd.concat([moved, seed_events.iloc[1:]])
    assert_same_rows(store.read(), expected)
    assert data_files(tmp_path) == manifest_files(tmp_path)


def test_an_update_rewrites_only_the_partitions_it_touches(
    simulated: pd.DataFrame, tmp_path: Path
) -> None:
    store = EventStore(tmp_path)
    store.upsert(simulated)
    before = store.partitions().set_index("file")
    syria_2021 = simulated[(simulated["country"] == "Syria") & (simulated["year"] == 2021)]
    change = store.upsert(revised(syria_2021.head(3), 60))
    assert change.partitions == ("country=Syria/year=2021",)
    after = store.partitions().set_index("file")
    assert len(set(before.index) & set(after.index)) == 3  # three files untouched


@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_upserts_in_any_order_keep_the_newest_version(
    data: st.DataObject, simulated: pd.DataFrame
) -> None:
    base = simulated.iloc[::500].reset_index(drop=True)  # both countries and years
    versions = []
    for i in range(len(base)):
        offsets = data.draw(st.lists(st.integers(0, 50), min_size=1, max_size=3, unique=True))
        for offset in offsets:
            version = revised(base.iloc[[i]], offset, fatalities=offset)
            if offset % 2:  # odd versions move the event a year later (another partition)
                version = version.assign(
                    event_date=version["event_date"] + pd.Timedelta(days=366),
                    year=version["year"] + 1,
                )
            versions.append(version)
    order = data.draw(st.permutations(range(len(versions))))
    batches: list[list[pd.DataFrame]] = [[] for _ in range(data.draw(st.integers(1, 4)))]
    for position in order:  # into a random batch, or a new one if the id is already there
        version = versions[position]
        batch = batches[data.draw(st.integers(0, len(batches) - 1))]
        if version["event_id_cnty"].iloc[0] in {b["event_id_cnty"].iloc[0] for b in batch}:
            batches.append(batch := [])
        batch.append(version)
    with tempfile.TemporaryDirectory() as folder:
        store = EventStore(folder)
        changes = [store.upsert(pd.concat(b)) for b in batches if b]
        newest = pd.concat(versions).sort_values("timestamp").groupby("event_id_cnty").tail(1)
        assert_same_rows(store.read(), newest)
        assert sum(c.added for c in changes) == len(base)
        assert sum(c.added + c.updated + c.stale + c.unchanged for c in changes) == len(versions)
        assert data_files(Path(folder)) == manifest_files(Path(folder))


def test_deletions_by_id_and_by_acled_deletions_frame(
    seed_events: pd.DataFrame, tmp_path: Path
) -> None:
    store = EventStore(tmp_path)
    store.upsert(seed_events)
    stamp = int(seed_events["timestamp"].iloc[0])
    by_list = store.delete(["SEED-IRQ-001", "NOT-STORED"])
    assert (by_list.deleted, by_list.not_found, by_list.stale_deletions) == (1, 1, 0)
    deletions = pd.DataFrame(
        {
            "event_id_cnty": ["SEED-IRQ-002", "SEED-IRQ-003", "SEED-SYR-001", "GONE"],
            "deleted_timestamp": [str(stamp + 5), str(stamp - 5), str(stamp), "1"],
        }
    )
    change = store.delete(deletions)
    assert (change.deleted, change.not_found, change.stale_deletions) == (2, 1, 1)
    assert sorted(store.read()["event_id_cnty"]) == ["SEED-IRQ-003", "SEED-SYR-002", "SEED-SYR-003"]
    assert "stale deletions      1" in change.summary()


def test_a_deleted_event_comes_back_only_with_a_newer_version(
    seed_events: pd.DataFrame, tmp_path: Path
) -> None:
    store = EventStore(tmp_path)
    store.upsert(seed_events)
    stamp = int(seed_events["timestamp"].iloc[0])
    store.delete(
        pd.DataFrame({"event_id_cnty": ["SEED-IRQ-001"], "deleted_timestamp": [stamp + 10]})
    )
    old_export = store.upsert(seed_events.iloc[[0]])
    assert (old_export.added, old_export.stale) == (0, 1)
    back = store.upsert(revised(seed_events.iloc[[0]], 20))
    assert back.added == 1 and len(store) == 6


def test_upsert_with_deletions_is_one_change(seed_events: pd.DataFrame, tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.upsert(seed_events.head(3))
    stamp = int(seed_events["timestamp"].max())
    deletions = pd.DataFrame(
        {"event_id_cnty": ["SEED-IRQ-001", "SEED-SYR-003"], "deleted_timestamp": [stamp + 1] * 2}
    )
    change = store.upsert(seed_events.iloc[3:], deletions=deletions)
    assert (change.added, change.deleted) == (3, 2)
    assert len(store.log()) == 2
    assert sorted(store.read()["event_id_cnty"]) == [
        "SEED-IRQ-002",
        "SEED-IRQ-003",
        "SEED-SYR-001",
        "SEED-SYR-002",
    ]


def test_invalid_input_leaves_the_store_unchanged(
    seed_events: pd.DataFrame, tmp_path: Path
) -> None:
    store = EventStore(tmp_path)
    store.upsert(seed_events)
    manifest = (tmp_path / MANIFEST).read_bytes()
    files = data_files(tmp_path)
    bad = revised(seed_events, 60).assign(event_type=seed_events["event_type"].astype(object))
    bad.loc[1, "event_type"] = "Battle"
    with pytest.raises(ed.ValidationError, match="event_type"):
        store.upsert(bad)
    with pytest.raises(ed.ValidationError, match="2 of 2 deletions are invalid"):
        store.delete(pd.DataFrame({"event_id_cnty": ["a", None], "deleted_timestamp": ["x", 1]}))
    with pytest.raises(ed.ValidationError, match="deletions frame needs"):
        store.delete(pd.DataFrame({"id": ["SEED-IRQ-001"]}))
    with pytest.raises(ed.ValidationError, match="exact copy"):
        store.upsert(pd.concat([revised(seed_events, 60)] * 2))
    assert (tmp_path / MANIFEST).read_bytes() == manifest
    assert data_files(tmp_path) == files


def test_extra_columns_are_kept_across_upserts(seed_events: pd.DataFrame, tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.upsert(seed_events.head(3))
    more = seed_events.iloc[3:].assign(source_url=pd.array(["u1", None, "u3"], dtype="string"))
    store.upsert(more)
    back = by_id(store.read())
    assert back["source_url"].isna().sum() == 4 and back["source_url"].dtype == "string"
    # every file has every column, so that plain readers agree
    assert all("source_url" in pq.read_schema(p).names for p in tmp_path.rglob("*.parquet"))
    with pytest.raises(StoreError, match="source_url"):
        store.upsert(revised(more, 60).assign(source_url=[1, 2, 3]))


def test_the_log_records_every_change(seed_events: pd.DataFrame, tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    assert store.log().empty and list(store.log().columns)[:2] == ["when", "operation"]
    store.upsert(seed_events.head(4))
    store.upsert(revised(seed_events.head(2), 60))
    store.delete(["SEED-SYR-001"])
    store.compact()
    log = store.log()
    assert log["operation"].tolist() == ["upsert", "upsert", "delete", "compact"]
    assert log["added"].tolist() == [4, 0, 0, 0]
    assert log["updated"].tolist() == [0, 2, 0, 0]
    assert log["deleted"].tolist() == [0, 0, 1, 0]
    assert log["rows"].tolist() == [4, 4, 3, 3]
    assert log["partitions"].iloc[1] == ("country=Iraq/year=2022",)
    assert str(log["when"].dt.tz) == "UTC"
    change = store.upsert(seed_events.iloc[[2]])  # SEED-IRQ-003, as stored
    assert change.to_frame().iloc[0]["unchanged"] == 1
    assert "<b>upsert</b>" in change._repr_html_()
    assert repr(change).startswith("StoreChange(upsert: added=0, updated=0, unchanged=1")


def test_compact_keeps_content_and_leaves_one_file_per_partition(
    simulated: pd.DataFrame, tmp_path: Path
) -> None:
    store = EventStore(tmp_path, row_group_size=500)
    store.upsert(simulated.head(2000))
    store.upsert(revised(simulated.iloc[100:300], 60))
    store.delete(list(simulated["event_id_cnty"].iloc[:50]))
    before = store.read()
    old_files = data_files(tmp_path)
    store.row_group_size = 100_000
    change = store.compact()
    assert change.rows == len(before)
    assert_same_rows(store.read(), before)
    assert data_files(tmp_path) == manifest_files(tmp_path)
    assert not old_files & data_files(tmp_path)
    assert all(pq.read_metadata(p).num_row_groups == 1 for p in tmp_path.rglob("*.parquet"))


def test_an_empty_store_reads_as_an_empty_typed_frame(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "new")
    empty = store.read(countries="Iraq")
    assert empty.empty and dict(empty.dtypes) == ACLED_SCHEMA.dtypes
    assert len(store) == 0 and store.partitions().empty
    with pytest.raises(StoreError, match="nothing to export"):
        store.export(tmp_path / "out.csv")


# --------------------------------------------------------------------------------------
# Exports


def test_csv_export_is_an_acled_export_read_acled_reads_back(
    simulated: pd.DataFrame, tmp_path: Path
) -> None:
    events = simulated.head(400)
    store = EventStore(tmp_path / "store")
    store.upsert(events)
    csv = store.export(tmp_path / "iraq.csv", countries="Iraq")
    text = csv.read_text(encoding="utf-8")
    header, first = text.splitlines()[:2]
    assert header.split(",") == list(ed.codebook.ACLED_COLUMNS)
    assert first.split(",")[1] == "2021-01-01" and ".0," not in text and ",nan," not in text
    assert ",," in first  # missing values are empty fields
    iraq = events[events["country"] == "Iraq"]
    assert_same_rows(ed.read_acled(csv), iraq.reset_index(drop=True))


def test_parquet_export_is_one_exact_file(simulated: pd.DataFrame, tmp_path: Path) -> None:
    store = EventStore(tmp_path / "store")
    store.upsert(simulated)
    out = store.export(tmp_path / "share.parquet", start="2022-01-01", event_types="Battles")
    expected = simulated[
        (simulated["event_date"] >= "2022-01-01") & (simulated["event_type"] == "Battles")
    ]
    assert_same_rows(read_parquet(out), expected)
    assert pq.read_metadata(out).num_rows == len(expected)
    with pytest.raises(StoreError, match=r"\.parquet or \.csv"):
        export(expected, tmp_path / "share.xlsx")


def test_write_acled_orders_acled_columns_first(seed_events: pd.DataFrame, tmp_path: Path) -> None:
    shuffled = seed_events[list(reversed(seed_events.columns))].assign(note_id=["n"] * 6)
    csv = write_acled(shuffled, tmp_path / "out.csv")
    header = csv.read_text().splitlines()[0].split(",")
    assert header == [*ed.codebook.ACLED_COLUMNS, "note_id"]


# --------------------------------------------------------------------------------------
# Atomicity: crashes at every moment, readers during writes


class Crash(Exception):
    pass


@pytest.fixture
def crash_setup(simulated: pd.DataFrame, tmp_path: Path):
    """A store of 600 rows, and an update touching three of its four partitions."""
    # fatalities 0 everywhere: a row's fatalities then tell which update it has seen
    base = revised(simulated.iloc[::6].reset_index(drop=True), 0, fatalities=0)
    store = EventStore(tmp_path / "store")
    store.upsert(base)
    changed = base[base["year"] == 2022].head(40)
    update = pd.concat(
        [revised(changed, 100, fatalities=99), revised(base[base["year"] == 2021].head(5), 100)]
    )
    expected_new = pd.concat([base[~base["event_id_cnty"].isin(update["event_id_cnty"])], update])
    return tmp_path / "store", base, update, expected_new


@pytest.mark.parametrize("moment", CHECKPOINTS)
def test_an_exception_at_any_moment_leaves_a_whole_state(
    crash_setup, moment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, base, update, expected_new = crash_setup

    def crash(name: str) -> None:
        if name == moment:
            raise Crash(name)

    monkeypatch.setattr(_commit, "checkpoint", crash)
    with pytest.raises(Crash):
        EventStore(folder).upsert(update)
    switched = moment in ("manifest-replaced", "old-file-removed")
    assert_same_rows(read_parquet(folder), expected_new if switched else base)
    monkeypatch.undo()
    EventStore(folder)  # opening cleans what the failed writer left
    assert data_files(folder) == manifest_files(folder)
    assert not list(folder.glob("*.tmp"))


CRASH_SCRIPT = """
import json, os, signal, sys, time
import pandas as pd
from eventdata import store
from eventdata.store import _commit

jobs = json.loads(sys.argv[1])
for job in jobs:
    pid = os.fork()
    if pid == 0:
        update = pd.read_pickle(job["update"])
        if job["mode"] == "checkpoint":
            def kill(name, at=job["at"]):
                if name == at:
                    os.kill(os.getpid(), signal.SIGKILL)
            _commit.checkpoint = kill
            store.EventStore(job["store"]).upsert(update)
        else:  # rewrite the same rows again and again until killed
            target = store.EventStore(job["store"])
            for round in range(1, 10_000):
                target.upsert(update.assign(
                    fatalities=round, timestamp=update["timestamp"] + round))
        os._exit(3)
    if job["mode"] == "loop":
        time.sleep(job["delay"])
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"store": job["store"], "signal": os.WTERMSIG(status)
                      if os.WIFSIGNALED(status) else None}), flush=True)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)")
def test_sigkill_at_any_moment_leaves_the_old_or_the_new_state(crash_setup) -> None:
    folder, base, update, expected_new = crash_setup
    root = folder.parent
    update.to_pickle(root / "update.pkl")
    loop_rows = base.iloc[::60]  # rows in all four partitions
    loop_rows.to_pickle(root / "loop.pkl")
    rng = np.random.default_rng(11)
    jobs = []
    for moment in CHECKPOINTS:
        copy = root / f"at-{moment}"
        copy.mkdir()
        for path in folder.rglob("*"):
            target = copy / path.relative_to(folder)
            target.mkdir(exist_ok=True) if path.is_dir() else target.write_bytes(path.read_bytes())
        jobs.append({"store": str(copy), "mode": "checkpoint", "at": moment})
    for i, delay in enumerate(rng.uniform(0.6, 1.6, size=2)):
        copy = root / f"loop-{i}"
        copy.mkdir()
        for path in folder.rglob("*"):
            target = copy / path.relative_to(folder)
            target.mkdir(exist_ok=True) if path.is_dir() else target.write_bytes(path.read_bytes())
        jobs.append({"store": str(copy), "mode": "loop", "delay": float(delay)})
    for job in jobs:
        job["update"] = str(root / ("loop.pkl" if job["mode"] == "loop" else "update.pkl"))
    result = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, json.dumps(jobs)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    outcomes = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["signal"] for o in outcomes] == [signal.SIGKILL] * len(jobs)
    for job in jobs:
        copy = Path(job["store"])
        got = read_parquet(copy)  # readable as it was left, before any clean-up
        if job["mode"] == "checkpoint":
            switched = job["at"] in ("manifest-replaced", "old-file-removed")
            assert_same_rows(got, expected_new if switched else base)
        else:  # the state after some whole round k of the loop
            ids = set(loop_rows["event_id_cnty"])
            rounds = got.loc[got["event_id_cnty"].isin(ids), "fatalities"].unique()
            assert len(rounds) == 1, rounds
            k = int(rounds[0])
            expected = base.set_index("event_id_cnty")
            mine = loop_rows.set_index("event_id_cnty")
            expected.loc[mine.index, "fatalities"] = k
            expected.loc[mine.index, "timestamp"] = mine["timestamp"] + k
            assert_same_rows(got, expected.reset_index()[list(base.columns)])
        EventStore(copy)
        assert data_files(copy) == manifest_files(copy)


def test_readers_never_see_a_half_written_state(simulated: pd.DataFrame, tmp_path: Path) -> None:
    base = revised(simulated.iloc[::8].reset_index(drop=True), 0, fatalities=0)
    marked = base.iloc[::25]  # rows in every partition
    store = EventStore(tmp_path)
    store.upsert(base)
    done = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            for k in range(1, 8):
                store.upsert(revised(marked, k, fatalities=k))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    seen = set()
    reads = 0
    while not done.is_set():
        # alternately the whole store and a filtered read (row groups chosen by statistics)
        start = None if reads % 2 else "2021-01-01"
        got = read_parquet(tmp_path, columns=["event_id_cnty", "fatalities"], start=start)
        reads += 1
        assert len(got) == len(base)
        values = got.loc[got["event_id_cnty"].isin(marked["event_id_cnty"]), "fatalities"]
        assert values.nunique() == 1, values.value_counts()
        seen.add(int(values.iloc[0]))
    writer.join()
    assert not failures
    assert len(seen) >= 2  # the reader did overlap the writer


# --------------------------------------------------------------------------------------
# Grouping rows


GROUP_COLUMNS = {
    "text": pd.array(["b", "a", None, "b", "c", "a"], dtype="string[pyarrow]"),
    "python text": pd.array(["b", "a", None, "b", "c", "a"], dtype="string[python]"),
    "categories": pd.Categorical(
        ["y", "x", None, "y", "x", "x"], categories=["z", "y", "unused", "x"]
    ),
    "integers": pd.array([3, 1, None, 3, 2, 1], dtype="Int64"),
    "floats": np.array([0.5, np.nan, -1.0, 0.5, 2.0, np.nan]),
}


@pytest.mark.parametrize(
    "columns",
    [[name] for name in GROUP_COLUMNS] + [["text", "integers"], ["categories", "floats", "text"]],
)
def test_group_codes_number_groups_in_sorted_order(columns: list[str]) -> None:
    frame = pd.DataFrame(GROUP_COLUMNS)[columns]
    codes, first = group_codes(frame, columns)
    expected = frame.drop_duplicates().sort_values(columns, kind="stable")
    assert first.tolist() == expected.index.tolist()
    # rows of a group share its values; groups follow sort_values' order
    groups = frame.iloc[first].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        frame.iloc[first[codes]].reset_index(drop=True), frame.reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(groups, expected.reset_index(drop=True))


def test_group_codes_leave_other_dtypes_to_pandas() -> None:
    frame = pd.DataFrame({"when": pd.to_datetime(["2020-01-01"]), "text": ["a"]})
    assert group_codes(frame, ["text", "when"]) is None
    assert group_codes(frame.iloc[:0], ["text"])[0].tolist() == []
