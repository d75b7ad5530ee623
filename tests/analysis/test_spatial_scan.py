"""The space-time permutation scan: SaTScan's published NYC runs, brute force, a planted cluster."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventdata as ed
from eventdata.core.result import Result
from tests.conftest import shared_file

NYC = Path(__file__).resolve().parents[3] / "shared" / "data" / "reference" / "satscan-nycfever"


def _nyc():
    cases = pd.read_csv(shared_file(NYC, "cases.csv"), dtype={"location_id": str})
    places = pd.read_csv(shared_file(NYC, "locations.csv"), dtype={"location_id": str})
    events = cases.merge(places, on="location_id", how="left")
    events["event_date"] = pd.to_datetime(events["date"])
    return events, places.rename(columns={"location_id": "name"})


def _expected(name):
    table = pd.read_csv(shared_file(NYC, name), dtype={"location_ids": str})
    table["start"] = pd.to_datetime(table["start"])
    table["end"] = pd.to_datetime(table["end"])
    return table


def _assert_same_clusters(found: pd.DataFrame, published: pd.DataFrame):
    assert len(found) >= len(published) or len(found) > 0
    n = min(len(found), len(published))
    for got, want in zip(
        found.head(n).itertuples(index=False),
        published.head(n).itertuples(index=False),
        strict=True,
    ):
        assert " ".join(got.locations) == want.location_ids
        assert (got.latitude, got.longitude) == (want.latitude, want.longitude)
        # SaTScan prints the radius to two decimals on its own sphere (about 0.1% smaller)
        assert got.radius_km == pytest.approx(want.radius_km, rel=0.003, abs=0.006)
        assert (got.start, got.end) == (want.start, want.end)
        assert got.observed == want.observed
        assert got.expected == pytest.approx(want.expected, rel=0.02, abs=0.006)
        assert round(got.test_statistic, 6) == want.test_statistic


def test_reproduces_satscan_retrospective_nyc_fever_clusters():
    events, places = _nyc()
    published = _expected("expected-retrospective.csv")
    result = ed.space_time_scan(
        events, locations=places, replications=0, min_events=2, max_clusters=len(published)
    )
    assert len(result.table) == len(published) == 8
    _assert_same_clusters(result.table, published)
    assert result.most_likely["test_statistic"] == pytest.approx(8.119521, abs=5e-7)
    assert result.n_events == 194 and result.n_locations == 192


def test_reproduces_satscan_prospective_nyc_fever_clusters():
    events, places = _nyc()
    published = _expected("expected-prospective.csv")
    result = ed.space_time_scan(
        events, locations=places, prospective=True, replications=0, min_events=1, max_clusters=3
    )
    _assert_same_clusters(result.table, published)
    assert len(result.table) == 3
    assert result.most_likely["test_statistic"] == pytest.approx(3.845418, abs=5e-7)
    assert (result.table["end"] == pd.Timestamp("2001-11-24")).all()


def test_monte_carlo_pvalues_agree_with_satscan_roughly():
    events, places = _nyc()
    published = _expected("expected-retrospective.csv")
    result = ed.space_time_scan(events, locations=places, replications=99, seed=5)
    # SaTScan: 0.02 for the most likely cluster, 0.73 to 0.97 for the next ones
    assert result.pvalue <= 0.06
    assert result.table["pvalue"].is_monotonic_increasing
    assert 0.5 < result.table["pvalue"].iloc[1] < 0.9
    # what is reported is SaTScan's list, in its order, stopping where p would be 1
    assert 6 <= len(result.table) <= 9
    _assert_same_clusters(result.table, published)
    assert len(result.null_statistics) == 99
    assert result.pvalue == (1 + (result.null_statistics >= 8.119521).sum()) / 100


def _brute_force_largest(events, max_share, window, min_events):
    """Every circle around every location times every interval, one at a time."""
    places = events[["latitude", "longitude"]].drop_duplicates().to_numpy()
    where = {tuple(p): i for i, p in enumerate(places)}
    place = np.array([where[(a, b)] for a, b in events[["latitude", "longitude"]].to_numpy()])
    day = (events["event_date"] - events["event_date"].min()).dt.days.to_numpy()
    n_days, total = day.max() + 1, len(events)
    best = 0.0
    for centre in range(len(places)):
        km = ed.distance_km(places[centre, 0], places[centre, 1], places[:, 0], places[:, 1])
        for radius in np.unique(km):
            inside = np.isin(place, np.flatnonzero(km <= radius))
            if inside.sum() > max_share * total:
                continue
            for s, e in itertools.product(range(n_days), range(n_days)):
                if not 0 <= e - s < window:
                    continue
                during = (day >= s) & (day <= e)
                c = int((inside & during).sum())
                mu = inside.sum() * during.sum() / total
                if c > mu and c >= min_events:
                    llr = c * np.log(c / mu)
                    if c < total:
                        llr += (total - c) * np.log((total - c) / (total - mu))
                    best = max(best, llr)
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_most_likely_cluster_is_the_best_of_every_cylinder(seed):
    rng = np.random.default_rng(seed)
    n = 60
    events = pd.DataFrame(
        {
            "latitude": rng.choice(np.arange(8) * 0.1 + 33, n),
            "longitude": rng.choice(np.arange(3) * 0.13 + 44, n),
            "event_date": pd.Timestamp("2022-01-01")
            + pd.to_timedelta(rng.integers(0, 12, n), unit="D"),
        }
    )
    for share, window, least in ((0.5, 6, 2), (0.3, 3, 1), (1.0, 12, 2)):
        result = ed.space_time_scan(
            events, replications=0, max_share=share, max_days=window, min_events=least
        )
        top = result.table["test_statistic"].max() if len(result.table) else 0.0
        assert top == pytest.approx(_brute_force_largest(events, share, window, least), abs=1e-9)


def _towns(n, rng, days=120, planted=0):
    """Events at 48 towns on a half-degree grid, uniform over days; optionally a planted
    burst of extra events near (34.5, 42.0) on days 60 to 66."""
    lat = np.r_[rng.uniform(33, 36, n), 34.5 + rng.normal(0, 0.08, planted)]
    lon = np.r_[rng.uniform(40, 44, n), 42.0 + rng.normal(0, 0.08, planted)]
    day = np.r_[rng.integers(0, days, n), rng.integers(60, 67, planted)]
    return pd.DataFrame(
        {
            "latitude": (lat * 2).round() / 2,
            "longitude": (lon * 2).round() / 2,
            "event_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(day, unit="D"),
        }
    )


def test_finds_a_planted_cluster_at_its_place_and_time():
    events = _towns(2000, np.random.default_rng(11), planted=40)
    result = ed.space_time_scan(events, replications=19, max_days=21, seed=2)
    top = result.most_likely
    assert result.pvalue == 0.05  # beat all 19 replications
    assert ed.distance_km(top["latitude"], top["longitude"], 34.5, 42.0) < 40
    assert pd.Timestamp("2023-02-25") <= top["start"] <= pd.Timestamp("2023-03-03")
    assert pd.Timestamp("2023-03-05") <= top["end"] <= pd.Timestamp("2023-03-12")
    assert top["observed"] > 2 * top["expected"]


def _replications_are_full_scans(events, replications, seed, options):
    """Each replication's largest LLR is a full scan's of the same shuffled days (events in
    the scan's own order: by place, then day; the days shuffled by the seed's generator)."""
    events = events.sort_values(["latitude", "longitude", "event_date"], ignore_index=True)
    result = ed.space_time_scan(events, replications=replications, seed=seed, **options)
    first = events["event_date"].min()
    day = (events["event_date"] - first).dt.days.to_numpy()
    rng = np.random.default_rng(seed)
    for null in result.null_statistics:
        shuffled = events.assign(event_date=first + pd.to_timedelta(rng.permutation(day), "D"))
        full = ed.space_time_scan(shuffled, replications=0, **options)
        assert null == pytest.approx(full.table["test_statistic"].max(), rel=1e-12)
    return result


@pytest.mark.parametrize(
    ("planted", "options"),
    [
        (0, {"max_days": 5}),
        (30, {"max_days": 5}),  # a strong cluster: the replications are looked at far too high
        (30, {"max_days": 8, "prospective": True, "min_events": 1}),
    ],
)
def test_each_replication_is_the_largest_statistic_of_its_shuffled_days(planted, options):
    # the replications prune cylinders that cannot reach a level; what they report must be
    # what a full scan of the same shuffled days finds
    events = _towns(300, np.random.default_rng(4), days=40, planted=planted)
    result = _replications_are_full_scans(events, 15, 7, options)
    if planted:
        assert result.most_likely["test_statistic"] > 2 * result.null_statistics.max()


def test_the_result_does_not_depend_on_row_order():
    events = _towns(800, np.random.default_rng(5), days=60)
    one = ed.space_time_scan(events, replications=9, seed=4, max_days=14)
    shuffled = events.sample(frac=1, random_state=3)
    two = ed.space_time_scan(shuffled, replications=9, seed=4, max_days=14)
    columns = ["test_statistic", "observed", "expected", "start", "end", "pvalue"]
    pd.testing.assert_frame_equal(one.table[columns], two.table[columns])


def test_weekly_units_scan_whole_weeks():
    events = _towns(1000, np.random.default_rng(8), days=180)
    result = ed.space_time_scan(events, replications=0, days_per_unit=7, max_days=28)
    first = events["event_date"].min()
    assert result.parameters["days_per_unit"] == 7
    assert ((result.table["start"] - first).dt.days % 7 == 0).all()
    spans = (result.table["end"] - result.table["start"]).dt.days + 1
    assert (spans <= 28).all()


def test_result_protocol(seed_events):
    result = ed.space_time_scan(seed_events, replications=9, seed=0, min_events=1)
    frame = result.to_frame()
    assert frame.columns[:3].tolist() == ["rank", "centre", "latitude"]
    assert "Space-time permutation scan" in result.summary()
    assert result.to_dict()["clusters"][0]["rank"] == 1
    assert result.parameters["left_out"] == 0
    # the shared protocol: the clusters are the table; the headline names are the shared ones
    assert isinstance(result, Result)
    pd.testing.assert_frame_equal(result.table, frame)
    as_dict = result.to_dict()
    assert as_dict["table"] == as_dict["clusters"]  # "clusters": the CLI's key, kept
    assert as_dict["clusters"][0]["start"] == f"{frame['start'].iloc[0]:%Y-%m-%d}"
    assert as_dict["pvalue"] == result.pvalue == frame["pvalue"].iloc[0]
    assert result.rate_ratio == pytest.approx(frame["observed"].iloc[0] / frame["expected"].iloc[0])
    page = result._repr_html_()
    assert "Space-time permutation scan: 6 events" in page and "<table" in page
    assert result.plot().get_xlabel() == "Longitude"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_share": 0}, "max_share"),
        ({"max_share": 1.5}, "max_share"),
        ({"max_days": 0}, "max_days"),
        ({"replications": -1}, "replications"),
        ({"min_events": 1.5}, "min_events"),
        ({"max_radius_km": -3}, "max_radius_km"),
        ({"days_per_unit": 0}, "days_per_unit"),
        (
            {"locations": pd.DataFrame({"name": ["x"], "latitude": [0.0], "longitude": [0.0]})},
            "none of",
        ),
    ],
)
def test_bad_options_raise_one_clear_error(seed_events, options, message):
    with pytest.raises(ed.EventDataError, match=message):
        ed.space_time_scan(seed_events, **{"replications": 0, **options})


def test_too_few_events_is_insufficient_data(seed_events):
    with pytest.raises(ed.InsufficientDataError):
        ed.space_time_scan(seed_events.head(1), replications=0)
    no_dates = seed_events.assign(event_date=pd.NaT)
    with pytest.raises(ed.InsufficientDataError):
        ed.space_time_scan(no_dates, replications=0)


def test_events_at_one_place_give_no_cluster_rather_than_an_error():
    # the only circle holds every event, more than max_share: nothing to scan
    events = pd.DataFrame(
        {
            "latitude": [35.0] * 6,
            "longitude": [40.0] * 6,
            "event_date": pd.to_datetime(["2022-01-01", "2022-01-02", "2022-01-02"] * 2),
        }
    )
    result = ed.space_time_scan(events, replications=9, seed=1)
    assert result.table.empty and np.isnan(result.pvalue)
    assert (result.null_statistics == 0).all()
    assert "No cylinder had more events than expected" in result.summary()


def _scattered(n, rng, days=40, planted=0):
    """Events each at its own coordinates (as ACLED's villages), uniform over days;
    optionally a burst of extra events around (34.5, 42.0) on days 20 to 22."""
    lat = np.r_[rng.uniform(33, 36, n), 34.5 + rng.normal(0, 0.05, planted)]
    lon = np.r_[rng.uniform(40, 44, n), 42.0 + rng.normal(0, 0.05, planted)]
    day = np.r_[rng.integers(0, days, n), rng.integers(20, 23, planted)]
    return pd.DataFrame(
        {
            "latitude": lat.round(4),
            "longitude": lon.round(4),
            "event_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(day, unit="D"),
        }
    )


@pytest.mark.parametrize(
    ("planted", "options"),
    [
        (0, {"max_days": 20, "max_radius_km": 120}),
        (25, {"max_share": 0.5}),
        (0, {"prospective": True, "max_days": 10, "max_radius_km": 150}),
    ],
)
def test_replications_are_exact_when_every_event_has_its_own_place(planted, options):
    # thousands of distinct places is ACLED's common case: every circle differs, so the
    # engine shares thresholds between circles of one size and skips intervals it can bound
    events = _scattered(160, np.random.default_rng(12), planted=planted)
    _replications_are_full_scans(events, 8, 3, options)


@pytest.mark.parametrize("seed", [5, 6])
def test_most_likely_cluster_at_distinct_places_is_the_best_of_every_cylinder(seed):
    events = _scattered(30, np.random.default_rng(seed), days=8, planted=6)
    for share, window, least in ((0.5, 4, 2), (1.0, 8, 2)):
        result = ed.space_time_scan(
            events, replications=0, max_share=share, max_days=window, min_events=least
        )
        top = result.table["test_statistic"].max()
        assert top == pytest.approx(_brute_force_largest(events, share, window, least), abs=1e-9)


def test_a_scan_too_large_to_run_says_so_at_once_with_what_would_shrink_it():
    # thirty years of days at hundreds of places: trillions of cylinders per replication,
    # and a table of counts larger than memory. One clear error, before any big allocation.
    rng = np.random.default_rng(1)
    n = 4000
    events = pd.DataFrame(
        {
            "latitude": rng.uniform(30, 37, n).round(3),
            "longitude": rng.uniform(39, 48, n).round(3),
            "event_date": pd.Timestamp("1989-01-01")
            + pd.to_timedelta(rng.integers(0, 30 * 365, n), unit="D"),
        }
    )
    with pytest.raises(ed.EventDataError) as caught:
        ed.space_time_scan(events, replications=999)
    message = str(caught.value)
    assert "\n" not in message
    assert "days_per_unit" in message and "max_radius_km" in message
    # the advice is enough: scanning months within 100 km fits
    fits = ed.space_time_scan(
        events, replications=3, days_per_unit=30, max_radius_km=50, max_days=180, seed=1
    )
    assert fits.n_events == n


def test_progress_reports_every_replication(seed_events):
    steps = []
    result = ed.space_time_scan(
        seed_events, replications=25, seed=0, min_events=1, progress=steps.append
    )
    assert sum(step.n for step in steps) == 25 == len(result.null_statistics)
    assert all(step.total == 25 and step.description == "scan" for step in steps)
    assert steps[-1].done == 25
    with pytest.raises(TypeError, match="progress"):
        ed.space_time_scan(seed_events, replications=0, progress="yes")
