"""The store keeps any source of the core schema, and the days each ingest covered."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import eventdata as ed
from eventdata.io.incidents import read_incidents, write_template
from eventdata.store import MANIFEST, EventStore, StoreError, read_parquet, write_parquet

DATA = Path(__file__).parents[1] / "data"
GED = DATA / "wild" / "11-ged-not-storable.csv"
KEY = ["event_date", "event_id_cnty"]


def same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Exactly equal (values and dtypes), in the store's order."""
    pd.testing.assert_frame_equal(got, want.sort_values(KEY, ignore_index=True))


# --------------------------------------------------------------------------------------
# Every source through the store


@pytest.fixture
def ged() -> pd.DataFrame:
    return ed.read_ucdp_ged(GED)


@pytest.fixture
def incidents(tmp_path) -> pd.DataFrame:
    csv, _ = write_template(tmp_path / "incidents.csv")
    rows = [
        {
            "event_id_cnty": f"HC-{n}",
            "event_date": f"2022-01-{n + 4:02d}",
            "time_precision": 1,
            "event_type": "Explosions/Remote violence",
            "sub_event_type": "Shelling/artillery/missile attack",
            "actor1": "Unidentified Armed Group (Syria)",
            "country": "Syria" if n % 2 else "Iraq",
            "location": "Green Village",
            "latitude": 35.05,
            "longitude": 40.55,
            "geo_precision": 2,
            "source": "Al-Monitor, 2022-01-06",
            "fatalities": n,
            "source_url": f"https://example.org/{n}",
        }
        for n in range(1, 6)
    ]
    header = pd.read_csv(csv, nrows=0).columns
    with csv.open("a", encoding="utf-8") as handle:
        pd.DataFrame(rows).reindex(columns=header).to_csv(handle, header=False, index=False)
    return read_incidents(csv)


@pytest.mark.parametrize("source", ["ged", "incidents"])
def test_any_source_of_the_core_schema_is_stored_and_read_back_exactly(source, request, tmp_path):
    frame = request.getfixturevalue(source)
    name = {"ged": "ucdp_ged", "incidents": "incident"}[source]
    store = EventStore(tmp_path / "store")
    change = store.upsert(frame)
    assert change.added == len(frame)
    same_frame(store.read(), frame)
    assert store.metadata["schema"] == name
    assert json.loads((tmp_path / "store" / MANIFEST).read_text())["schema"] == name
    written = write_parquet(frame, tmp_path / "folder")
    same_frame(read_parquet(written), frame)
    single = write_parquet(frame, tmp_path / "one.parquet", partition_by=())
    same_frame(read_parquet(single), frame)
    # filters work on the source's own vocabulary
    country = frame["country"].iloc[0]
    assert set(store.read(countries=country)["country"]) == {country}
    event_type = str(frame["event_type"].iloc[0])
    assert len(store.read(event_types=event_type, start=frame["event_date"].min()))


def test_a_ged_store_is_updated_and_deletions_stick_like_acled(ged, tmp_path):
    store = EventStore(tmp_path / "store")
    store.upsert(ged)
    assert {p.name for p in (tmp_path / "store").iterdir() if p.is_dir()} == {"country=Nigeria"}
    # the next GED release: one event revised, one new; the rest unchanged
    revised = ged.copy()
    revised.loc[0, "fatalities"] = 9
    extra = ged.iloc[[1]].assign(event_id_cnty="GED-999")
    later = pd.concat([revised, extra], ignore_index=True)
    change = store.upsert(later)
    assert (change.added, change.updated, change.unchanged) == (1, 1, len(ged) - 1)
    same_frame(store.read(), later)
    removed = store.delete(["GED-999"])
    assert removed.deleted == 1
    again = store.upsert(later)  # re-ingesting does not bring the deleted event back
    assert again.stale == 1 and "GED-999" not in set(store.read()["event_id_cnty"])
    store.compact()
    same_frame(store.read(), later[later["event_id_cnty"] != "GED-999"])
    with pytest.raises(StoreError, match="ucdp_ged"):
        store.sync(object())
    with pytest.raises(StoreError, match="ucdp_ged"):
        store.upsert(ed.datasets.load_seed_incidents())


def test_the_cli_exports_a_ged_store(ged, tmp_path):
    from eventdata.cli import main

    EventStore(tmp_path / "store").upsert(ged)
    out = tmp_path / "ged.parquet"
    assert main(["export", "--store", str(tmp_path / "store"), "--out", str(out)]) == 0
    same_frame(read_parquet(out), ged)


def test_a_csv_export_of_a_ged_store_is_refused_in_one_line(ged, tmp_path, capsys):
    from eventdata.cli import main

    EventStore(tmp_path / "store").upsert(ged)
    out = tmp_path / "ged.csv"
    assert main(["export", "--store", str(tmp_path / "store"), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "export them to .parquet" in err and "inter1" in err
    assert not out.exists()
    with pytest.raises(StoreError, match="ACLED export"):
        ed.read_parquet(tmp_path / "store").pipe(lambda e: ed.store.export(e, out))


# --------------------------------------------------------------------------------------
# Coverage: the days each export or sync covered, per country


def spans(frame: pd.DataFrame) -> list[tuple]:
    return [
        (row.country, f"{row.start:%Y-%m-%d}", f"{row.end:%Y-%m-%d}")
        for row in frame.itertuples(index=False)
    ]


@pytest.fixture
def two_exports() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A March export and a late-April export: five weeks of no data between them."""
    events = ed.datasets.simulate("2024-03-01", "2024-05-10", seed=5)
    march = events[events["event_date"] <= "2024-03-31"]
    april = events[events["event_date"] >= "2024-04-25"]
    return march, april


def test_a_store_records_the_span_of_each_export_per_country(two_exports, tmp_path):
    march, april = two_exports
    store = EventStore(tmp_path / "store")
    store.upsert(march)
    store.upsert(april)
    covered = store.coverage
    assert list(covered.columns) == ["country", "start", "end"]
    assert str(covered["start"].dtype) == "datetime64[ns]"
    expected = []
    for country in sorted(march["country"].unique()):
        for part in (march, april):
            dates = part.loc[part["country"] == country, "event_date"]
            expected.append((country, f"{dates.min():%Y-%m-%d}", f"{dates.max():%Y-%m-%d}"))
    assert spans(covered) == expected
    # reads carry the spans of the countries read, cut to the dates asked for
    iraq = store.read(countries="Iraq", start="2024-03-15", end="2024-04-30")
    assert iraq.attrs["coverage"] == [
        {"country": "Iraq", "start": "2024-03-15", "end": e[2]} for e in expected[:1]
    ] + [{"country": "Iraq", "start": expected[1][1], "end": "2024-04-30"}]
    assert read_parquet(tmp_path / "store").attrs["coverage"] == [
        {"country": c, "start": s, "end": e} for c, s, e in expected
    ]


def test_a_frames_declared_coverage_is_recorded_and_merged(two_exports, tmp_path):
    march, april = two_exports
    march = march.copy()
    march.attrs["coverage"] = [{"country": None, "start": "2024-03-01", "end": "2024-03-31"}]
    april = april.copy()
    april.attrs["coverage"] = [
        {"country": "Iraq", "start": "2024-04-01", "end": "2024-05-10"},
        {"country": "Syria", "start": "2024-04-20", "end": "2024-05-10"},
    ]
    store = EventStore(tmp_path / "store")
    store.upsert(march)
    store.upsert(april)
    assert spans(store.coverage) == [
        ("Iraq", "2024-03-01", "2024-05-10"),  # adjacent spans merged
        ("Syria", "2024-03-01", "2024-03-31"),
        ("Syria", "2024-04-20", "2024-05-10"),
    ]
    folder = write_parquet(march, tmp_path / "folder")
    assert read_parquet(folder).attrs["coverage"] == [
        {"country": c, "start": "2024-03-01", "end": "2024-03-31"} for c in ("Iraq", "Syria")
    ]
    single = write_parquet(april, tmp_path / "one.parquet", partition_by=())
    assert read_parquet(single, countries="Syria").attrs["coverage"] == april.attrs["coverage"][1:]
    bad = march.copy()
    bad.attrs["coverage"] = [{"country": "Iraq", "start": "2024-04-01", "end": "2024-03-01"}]
    with pytest.raises(StoreError, match="after 'end'"):
        EventStore(tmp_path / "other").upsert(bad)


def test_a_store_without_recorded_coverage_falls_back_to_first_and_last_day(two_exports, tmp_path):
    march, april = two_exports
    folder = tmp_path / "store"
    EventStore(folder).upsert(pd.concat([march, april]))
    manifest = json.loads((folder / MANIFEST).read_text())
    del manifest["coverage"]  # as an older eventdata wrote it
    (folder / MANIFEST).write_text(json.dumps(manifest))
    both = pd.concat([march, april])
    first = both.groupby("country")["event_date"].agg(["min", "max"])
    expected = [(c, f"{r['min']:%Y-%m-%d}", f"{r['max']:%Y-%m-%d}") for c, r in first.iterrows()]
    assert spans(EventStore(folder).coverage) == expected
    assert len(read_parquet(folder).attrs["coverage"]) == len(expected)
    # the next ingest keeps those spans and adds its own
    later = ed.datasets.simulate("2024-06-01", "2024-06-30", seed=6)
    EventStore(folder).upsert(later)
    assert len(EventStore(folder).coverage) == 2 * len(expected)


def test_a_sync_records_the_span_it_asked_for_through_today(fake, make_client, tmp_path):
    from tests.fake_acled import acled_json_rows, as_csv

    events = ed.datasets.simulate("2022-01-01", "2022-01-20", seed=3)
    fake.rows = acled_json_rows(as_csv(events))
    store = EventStore(tmp_path / "mirror")
    store.sync(make_client(), countries=["Iraq", "Syria"])
    today = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d")
    first = events.groupby("country")["event_date"].min()
    assert spans(store.coverage) == [(c, f"{first[c]:%Y-%m-%d}", today) for c in first.index]
    store.sync(make_client(), countries=["Iraq"])
    assert spans(store.coverage) == [(c, f"{first[c]:%Y-%m-%d}", today) for c in first.index]
