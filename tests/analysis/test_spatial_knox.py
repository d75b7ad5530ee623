"""The Knox test, cross-checked against PySAL pointpats on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import eventdata as ed
from eventdata.core.result import Result
from eventdata.events.geo import EARTH_RADIUS_KM


def _events(lat, lon, days):
    return pd.DataFrame(
        {
            "latitude": lat,
            "longitude": lon,
            "event_date": pd.Timestamp("2022-01-01") + pd.to_timedelta(days, unit="D"),
        }
    )


def _clustered(rng, n):
    """Events in a few hot spots, some of them bursts in time: interaction built in."""
    centres = rng.uniform([33.0, 42.0], [34.0, 43.5], (6, 2))
    which = rng.integers(0, 6, n)
    lat = centres[which, 0] + rng.normal(0, 0.05, n)
    lon = centres[which, 1] + rng.normal(0, 0.05, n)
    days = np.where(which < 2, 30 + which * 10 + rng.integers(0, 5, n), rng.integers(0, 120, n))
    return lat, lon, days


def test_knox_matches_pointpats_on_a_meridian():
    # on one meridian the great-circle distance is R times the latitude difference, exactly:
    # the same pairs on the plane (0, R * latitude) are what pointpats sees
    pointpats = pytest.importorskip("pointpats.spacetime")
    rng = np.random.default_rng(4)
    n = 150
    lat = rng.uniform(33.0, 35.0, n)
    days = rng.integers(0, 60, n)
    ours = ed.knox_test(_events(lat, 42.0, days), distance_km=15, days=4, permutations=199, seed=1)
    planar = np.column_stack([np.zeros(n), EARTH_RADIUS_KM * np.radians(lat)])
    np.random.seed(7)  # noqa: NPY002 (pointpats draws from numpy's global generator)
    theirs = pointpats.Knox(
        planar, days.reshape(-1, 1).astype(float), delta=15, tau=4, permutations=199
    )
    assert ours.statistic == theirs.statistic_
    np.testing.assert_allclose(ours.to_frame()["observed"], theirs.observed.ravel())
    np.testing.assert_allclose(ours.to_frame()["expected"], theirs.expected.ravel())
    # Monte Carlo p-values from different random permutations: close, not equal
    assert abs(ours.pvalue - theirs.p_sim) < 0.1


def test_knox_matches_pointpats_on_projected_points():
    pointpats = pytest.importorskip("pointpats.spacetime")
    pyproj = pytest.importorskip("pyproj")
    rng = np.random.default_rng(9)
    lat, lon, days = _clustered(rng, 200)
    # an azimuthal equidistant projection about the data's centre keeps these distances to
    # a few metres: the same data if no pair is that close to the threshold
    aeqd = pyproj.Proj(proj="aeqd", lat_0=33.5, lon_0=42.75, R=EARTH_RADIUS_KM * 1000)
    x, y = aeqd(lon, lat)
    planar = np.column_stack([x, y]) / 1000
    delta = 8.0
    i, j = np.triu_indices(len(lat), 1)
    sphere = ed.distance_km(lat[i], lon[i], lat[j], lon[j])
    plane = np.hypot(*(planar[i] - planar[j]).T)
    assert ((sphere <= delta) == (plane <= delta)).all()
    ours = ed.knox_test(
        _events(lat, lon, days), distance_km=delta, days=3, permutations=199, seed=2
    )
    np.random.seed(3)  # noqa: NPY002 (pointpats draws from numpy's global generator)
    theirs = pointpats.Knox(
        planar, days.reshape(-1, 1).astype(float), delta=delta, tau=3, permutations=199
    )
    assert ours.statistic == theirs.statistic_
    np.testing.assert_allclose(ours.to_frame()["expected"], theirs.expected.ravel())
    assert ours.pvalue <= 0.01 and theirs.p_sim <= 0.01  # the interaction built in is found
    assert ours.rate_ratio > 1.5


def test_knox_counts_pairs_by_brute_force():
    rng = np.random.default_rng(1)
    lat, lon, days = _clustered(rng, 120)
    result = ed.knox_test(_events(lat, lon, days), distance_km=10, days=2, permutations=0)
    i, j = np.triu_indices(len(lat), 1)
    space = ed.distance_km(lat[i], lon[i], lat[j], lon[j]) <= 10
    time = np.abs(days[i] - days[j]) <= 2
    assert result.statistic == int((space & time).sum())
    assert result.n_space_pairs == int(space.sum())
    assert result.n_time_pairs == int(time.sum())
    assert result.expected == pytest.approx(space.sum() * time.sum() / len(i))
    assert np.isnan(result.pvalue)


def test_knox_is_calibrated_without_interaction():
    # places and dates drawn independently (both uneven): p < 0.05 in about 5% of data sets
    rng = np.random.default_rng(12)
    rejections = 0
    runs = 60
    for _ in range(runs):
        lat, lon, _ = _clustered(rng, 150)
        days = rng.choice(90, 150, p=np.r_[np.full(30, 3.0), np.ones(60)] / 150)
        result = ed.knox_test(
            _events(lat, lon, days), distance_km=10, days=3, permutations=99, seed=rng
        )
        rejections += result.pvalue < 0.05
    assert rejections <= 8  # binomial(60, 0.05): P(X > 8) < 0.01


def test_knox_result_protocol_and_errors(seed_events):
    result = ed.knox_test(seed_events, distance_km=25, days=1, permutations=19, seed=0)
    assert result.n_events == len(seed_events)
    assert result.to_frame()["observed"].sum() == result.n_pairs == 15
    assert "Knox test" in result.summary()
    assert result.to_dict()["permutations"] == 19
    assert isinstance(result, Result)
    as_dict = result.to_dict()
    assert as_dict["pvalue"] == result.pvalue and as_dict["rate_ratio"] == result.rate_ratio
    assert [row["observed"] for row in as_dict["table"]] == result.table["observed"].tolist()
    assert "Knox test" in result._repr_html_() and "<table" in result._repr_html_()
    assert result.plot().get_xlabel() == "Pairs close in space and time"
    with pytest.raises(ed.EventDataError, match="distance_km"):
        ed.knox_test(seed_events, distance_km=-1, days=1)
    with pytest.raises(ed.EventDataError, match="permutations"):
        ed.knox_test(seed_events, distance_km=1, days=1, permutations=1.5)
    with pytest.raises(ed.InsufficientDataError):
        ed.knox_test(seed_events.head(1), distance_km=1, days=1)
