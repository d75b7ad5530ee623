"""Where and who: distances, named places, actor roles, dyads, the long form, grid cells."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventdata as ed
from tests.conftest import shared_file

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
BASES = {
    "Green Village": (35.05, 40.55),
    "Conoco": (35.30, 40.29),
    "Mayadin": (35.0208, 40.4519),
}


# --- distance -------------------------------------------------------------------------


def test_distance_agrees_with_the_ellipsoid_to_six_permille():
    pyproj = pytest.importorskip("pyproj")
    rng = np.random.default_rng(3)
    lat1, lat2 = rng.uniform(-80, 80, (2, 500))
    lon1, lon2 = rng.uniform(-180, 180, (2, 500))
    _, _, metres = pyproj.Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    km = ed.distance_km(lat1, lon1, lat2, lon2)
    assert np.all(np.abs(km - metres / 1000) <= 0.006 * metres / 1000 + 1e-6)


def test_distance_is_known_on_the_meridian_and_broadcasts():
    # one degree of latitude on the IUGG mean sphere: 2 pi R / 360
    assert ed.distance_km(0, 0, 1, 0)[()] == pytest.approx(111.19508, abs=1e-4)
    matrix = ed.distance_km(np.array([0.0, 10.0])[:, None], 0.0, 0.0, np.array([0.0, 1.0, 2.0]))
    assert matrix.shape == (2, 3)
    assert matrix[0, 0] == 0
    assert np.isnan(ed.distance_km(np.nan, 0, 0, 0))


@pytest.mark.parametrize(("lat", "lon"), [(91, 0), (0, -180.5), ("north", 0)])
def test_distance_rejects_impossible_coordinates(lat, lon):
    with pytest.raises(ed.EventDataError, match="latitude|longitude"):
        ed.distance_km(lat, lon, 0, 0)


def test_filter_events_near_one_point_keeps_events_within_the_radius(seed_events):
    near = ed.filter_events(seed_events, near=(35.05, 40.55), radius_km=25)
    assert near["location"].tolist() == ["Green Village", "Mayadin"]
    assert near["distance_km"].iloc[0] == 0
    assert (near["distance_km"] <= 25).all()
    assert "nearest" not in near.columns
    # a radius that reaches Conoco (36.6 km away) keeps it too
    wider = ed.filter_events(seed_events, near=(35.05, 40.55), radius_km=40)
    assert "Conoco gas field" in wider["location"].tolist()


@pytest.mark.parametrize("form", ["dict", "frame", "location-frame"])
def test_filter_events_near_named_places_names_the_nearest(seed_events, form):
    places = BASES
    if form != "dict":
        places = pd.DataFrame(
            [(n, a, b) for n, (a, b) in BASES.items()],
            columns=["name" if form == "frame" else "location", "latitude", "longitude"],
        )
    near = ed.filter_events(seed_events, near=places, radius_km=25)
    assert near["location"].tolist() == ["Green Village", "Mayadin", "Conoco gas field"]
    assert near["nearest"].tolist() == ["Green Village", "Mayadin", "Conoco"]
    assert near["distance_km"].max() < 1


def test_filter_events_near_without_radius_annotates_every_event(seed_events):
    annotated = ed.filter_events(seed_events, near=BASES)
    assert len(annotated) == len(seed_events)
    iraq = annotated["country"] == "Iraq"
    assert (annotated.loc[iraq, "distance_km"] > 100).all()
    assert annotated.index.equals(seed_events.index)


def test_events_without_coordinates_are_never_near(seed_events):
    events = seed_events.copy()
    events["latitude"] = events["latitude"].astype("float64")
    events.loc[events.index[3], "latitude"] = np.nan
    near = ed.filter_events(events, near=BASES, radius_km=25)
    assert "Green Village" not in near["location"].tolist()
    annotated = ed.filter_events(events, near=BASES)
    assert pd.isna(annotated["nearest"].iloc[3]) and np.isnan(annotated["distance_km"].iloc[3])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"radius_km": 10}, "near"),
        ({"near": (35.0, 40.0), "radius_km": -1}, "radius_km"),
        ({"near": (35.0, 40.0), "radius_km": "far"}, "radius_km"),
        ({"near": (95.0, 40.0)}, "latitude"),
        ({"near": "Mayadin"}, "latitude"),
        ({"near": {}}, "at least one"),
        ({"near": pd.DataFrame({"latitude": [1.0], "longitude": [2.0]})}, "name"),
    ],
)
def test_filter_events_near_rejects_bad_places_in_one_line(seed_events, options, message):
    with pytest.raises((ed.EventDataError, ValueError), match=message):
        ed.filter_events(seed_events, **options)


# --- actor roles ----------------------------------------------------------------------


def test_actor_roles_tell_attacks_on_the_coalition_from_its_counter_fire(seed_events):
    syria = ed.filter_events(seed_events, countries="Syria")
    on_coalition = ed.filter_events(syria, actor2="coalition")
    by_coalition = ed.filter_events(syria, actor1="coalition")
    assert on_coalition["location"].tolist() == ["Green Village", "Conoco gas field"]
    assert by_coalition["location"].tolist() == ["Mayadin"]
    # the all-sides search keeps both, as the README's text filter could not tell apart
    assert len(ed.filter_events(syria, actors="coalition")) == 3


def test_actor_roles_search_the_associated_actors_of_that_side_only(seed_events):
    # the United States is an associated actor: on side 1 in Iraq and Mayadin, side 2 elsewhere
    side1 = ed.filter_events(seed_events, actor1="united states")
    side2 = ed.filter_events(seed_events, actor2="united states")
    assert side1["location"].tolist() == [
        "Baghdad International Airport",
        "Ain al-Asad Air Base",
        "Ain al-Asad Air Base",
        "Mayadin",
    ]
    assert side2["location"].tolist() == ["Green Village", "Conoco gas field"]
    both = ed.filter_events(seed_events, actor1="unidentified", actor2="QSD")
    assert both["location"].tolist() == ["Green Village", "Conoco gas field"]


def test_actor_role_patterns_are_checked(seed_events):
    with pytest.raises(ed.EventDataError, match="regular expression"):
        ed.filter_events(seed_events, actor1="(unclosed")
    with pytest.raises(ed.EventDataError, match="actor2"):
        ed.filter_events(seed_events.drop(columns="actor2"), actor2="x")


def test_dyads_count_each_ordered_pair(seed_events):
    table = ed.dyads(seed_events)
    assert table.columns.tolist() == ["actor1", "actor2", "count"]
    assert table["count"].sum() == len(seed_events)
    pairs = {(a, b): c for a, b, c in table.itertuples(index=False)}
    assert pairs[("Unidentified Armed Group (Syria)", "Global Coalition Against Daesh")] == 2
    assert pairs[("Global Coalition Against Daesh", "Unidentified Armed Group (Syria)")] == 1
    inter = ed.dyads(seed_events, by="inter")
    pairs = zip(inter["inter1"], inter["inter2"], strict=True)
    assert dict(zip(pairs, inter["count"], strict=True)) == {
        (8, 3): 4,
        (3, 8): 2,
    }


def test_dyads_per_period_are_zero_filled_and_sum_to_the_events(simulated):
    table = ed.dyads(simulated, freq="M", by="inter")
    months = pd.period_range(simulated["event_date"].min(), simulated["event_date"].max(), freq="M")
    groups = table.groupby(["inter1", "inter2"], dropna=False)
    assert (groups.size() == len(months)).all()
    assert table["count"].sum() == len(simulated)
    expected = simulated.groupby(
        [simulated["event_date"].dt.to_period("M"), "inter1", "inter2"], dropna=False
    ).size()
    got = table.assign(date=table["date"].dt.to_period("M")).set_index(
        ["date", "inter1", "inter2"]
    )["count"]
    expected = expected.rename("count").rename_axis(["date", "inter1", "inter2"])
    pd.testing.assert_series_equal(got[got > 0].sort_index(), expected.sort_index())


def test_long_form_has_one_row_per_actor_with_its_role_and_type(seed_events):
    long = ed.to_long(seed_events)
    assigned = (
        seed_events["assoc_actor_1"]
        .fillna("")
        .str.split(";")
        .map(lambda x: len([a for a in x if a.strip()]))
    )
    targeted = (
        seed_events["assoc_actor_2"]
        .fillna("")
        .str.split(";")
        .map(lambda x: len([a for a in x if a.strip()]))
    )
    assert len(long) == 2 * len(seed_events) + assigned.sum() + targeted.sum()
    assert {"type_of_actor", "actor", "inter"} <= set(long.columns)
    assert not {"actor1", "actor2", "inter1", "inter2"} & set(long.columns)
    mains = long[long["type_of_actor"] == "actor2"].set_index("event_id_cnty")
    assert mains["inter"].tolist() == seed_events["inter2"].tolist()
    assert long.loc[long["type_of_actor"].str.startswith("assoc"), "inter"].isna().all()
    assert not long["actor"].str.contains(";").any()


def test_long_form_turns_back_into_the_wide_form(simulated, seed_events):
    for events in (seed_events, simulated):
        back = ed.from_long(ed.to_long(events))
        pd.testing.assert_frame_equal(back, events.reset_index(drop=True))


def test_monadic_frames_count_once_per_event(simulated):
    long = ed.to_long(simulated)
    assert ed.dyads(long).equals(ed.dyads(simulated))
    assert (
        ed.counts(long, freq="M")["count"].tolist()
        == ed.counts(simulated, freq="M")["count"].tolist()
    )


def test_long_form_refuses_several_main_actors_in_a_cell(seed_events):
    broken = seed_events.copy()
    broken.loc[0, "actor1"] = "A; B"
    with pytest.raises(ed.EventDataError, match="actor1"):
        ed.to_long(broken)
    long = ed.to_long(seed_events)
    long.loc[1, "type_of_actor"] = "actor3"
    with pytest.raises(ed.EventDataError, match="type_of_actor"):
        ed.from_long(long)


# --- grid cells -----------------------------------------------------------------------


def test_priogrid_ids_match_ucdp_ged():
    path = shared_file(SHARED / "ucdp-ged", "iraq-1989-2018-hdx.csv")
    ged = pd.read_csv(path, skiprows=[1], usecols=["latitude", "longitude", "priogrid_gid"])
    gid = ed.priogrid_gid(ged["latitude"], ged["longitude"])
    assert len(ged) > 7000
    assert (gid.to_numpy(dtype="int64") == ged["priogrid_gid"].to_numpy()).all()
    # the centroid is the cell's middle: within a quarter degree of every event in it
    lat, lon = ed.priogrid_centroid(ged["priogrid_gid"])
    assert np.abs(lat - ged["latitude"]).max() <= 0.25
    assert np.abs(lon - ged["longitude"]).max() <= 0.25


def test_priogrid_numbering_from_the_south_pole_and_the_antimeridian():
    gid = ed.priogrid_gid(
        [-90, -89.5, -90, 89.99, 90, np.nan], [-180, -180, -179.5, 179.99, 180, 0]
    )
    assert gid.tolist()[:5] == [1, 721, 2, 259200, 259200]
    assert pd.isna(gid[5])
    lat, lon = ed.priogrid_centroid([1, 721, 2, 259200])
    assert lat.tolist() == [-89.75, -89.25, -89.75, 89.75]
    assert lon.tolist() == [-179.75, -179.75, -179.25, 179.75]
    # the centroid's cell is the cell
    rng = np.random.default_rng(0)
    cells = rng.integers(1, 259201, 1000)
    assert (ed.priogrid_gid(*ed.priogrid_centroid(cells)).to_numpy("int64") == cells).all()
    with pytest.raises(ed.EventDataError, match="259200"):
        ed.priogrid_centroid([0])


def test_counts_by_priogrid_cell(simulated):
    table = ed.counts(simulated, freq="Y", by="priogrid")
    assert table["count"].sum() == ed.counts(simulated, freq="Y")["count"].sum()
    cells = ed.priogrid_gid(simulated["latitude"], simulated["longitude"])
    per_cell = table.groupby("priogrid")["count"].sum()
    assert per_cell.to_dict() == pd.Series(cells).value_counts().to_dict()
    assert "priogrid" not in simulated.columns  # the input is not changed
    unlocated = simulated.head(50).assign(latitude=np.nan)
    table = ed.counts(unlocated, freq="Y", by="priogrid")
    assert table["priogrid"].isna().all() and table["count"].sum() == 50  # not lost


def test_h3_cells_at_the_chosen_resolution(seed_events):
    h3 = pytest.importorskip("h3")
    cells = ed.h3_cells(seed_events, resolution=6)
    assert cells.index.equals(seed_events.index)
    assert [h3.get_resolution(c) for c in cells] == [6] * len(seed_events)
    # the two Ain al-Asad events share a cell; each cell contains its event
    assert cells.iloc[1] == cells.iloc[2]
    coordinates = zip(seed_events["latitude"], seed_events["longitude"], strict=True)
    for cell, (lat, lon) in zip(cells, coordinates, strict=True):
        assert h3.latlng_to_cell(lat, lon, 6) == cell
    with pytest.raises(ed.EventDataError, match="resolution"):
        ed.h3_cells(seed_events, resolution=16)
