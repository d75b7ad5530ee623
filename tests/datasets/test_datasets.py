"""The seed incidents and the simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import eventdata as ed
from eventdata.datasets.geography import COUNTRIES
from eventdata.datasets.simulate import daily_intensity


def test_seed_incidents_validate_and_tell_the_seed_story(seed_events):
    assert len(seed_events) == 6
    assert ed.validate(seed_events).equals(seed_events)
    assert seed_events["event_date"].between("2022-01-03", "2022-01-06").all()
    assert set(seed_events["admin1"]) == {"Baghdad", "Anbar", "Deir-ez-Zor"}
    coalition = seed_events[["actor1", "actor2"]].eq("Global Coalition Against Daesh").any(axis=1)
    assert coalition.all()
    assert seed_events["notes"].str.len().gt(80).all()


def test_simulated_records_validate(simulated):
    assert len(ed.validate(simulated)) == len(simulated)
    for country, info in COUNTRIES.items():
        names = {p.admin1 for p in info.provinces}
        assert set(simulated.loc[simulated["country"] == country, "admin1"]) <= names


def test_simulate_is_reproducible_and_seeded():
    a = ed.datasets.simulate("2022-01-01", "2022-03-31", seed=3)
    b = ed.datasets.simulate("2022-01-01", "2022-03-31", seed=3)
    c = ed.datasets.simulate("2022-01-01", "2022-03-31", seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a["event_date"].equals(c["event_date"])


def _daily(events: pd.DataFrame) -> pd.Series:
    days = pd.date_range(events["event_date"].min(), events["event_date"].max())
    return events.groupby("event_date").size().reindex(days, fill_value=0)


@pytest.fixture(scope="module")
def long_series() -> pd.DataFrame:
    return ed.datasets.simulate("2010-01-01", "2019-12-31", seed=11)


def test_daily_counts_are_overdispersed_and_autocorrelated(long_series):
    daily = _daily(long_series)
    assert 5.0 < daily.mean() < 7.0
    assert daily.var() / daily.mean() > 2.0  # Poisson would give 1
    assert daily.autocorr(lag=1) > 0.15
    assert daily.autocorr(lag=30) < daily.autocorr(lag=1)


def test_weekly_and_yearly_seasonality(long_series):
    daily = _daily(long_series)
    by_weekday = daily.groupby(daily.index.day_of_week).mean()
    assert by_weekday[4] < 0.85 * by_weekday.drop(4).mean()  # Fridays are quieter
    by_month = daily.groupby(daily.index.month).mean()
    assert by_month.max() / by_month.min() > 1.2


def test_planted_anniversary_effect():
    mu = daily_intensity(
        "2020-12-20",
        "2021-01-20",
        anniversaries=["01-03"],
        effect=1.5,
        window=(0, 6),
        weekly=0,
        yearly=0,
    )
    inside = mu["2021-01-03":"2021-01-09"]
    outside = mu.drop(inside.index)
    assert np.allclose(inside, 6.0 * 1.5) and np.allclose(outside, 6.0)
    events = ed.datasets.simulate(
        "2000-01-01", "2019-12-31", seed=5, anniversaries=["01-03"], effect=2.0, window=(0, 6)
    )
    daily = _daily(events)
    window = (daily.index.month == 1) & (daily.index.day >= 3) & (daily.index.day <= 9)
    late_dec_to_jan = (daily.index.month == 1) | (daily.index.month == 12)
    ratio = daily[window].mean() / daily[late_dec_to_jan & ~window].mean()
    assert 1.6 < ratio < 2.5


def test_hot_provinces_get_their_factor():
    events = ed.datasets.simulate(
        "2015-01-01",
        "2019-12-31",
        seed=8,
        countries=["Syria"],
        province_weights="uniform",
        hot_provinces=["Idleb"],
        hot_factor=1.8,
    )
    shares = events["admin1"].value_counts(normalize=True)
    expected = 1.8 / (13 + 1.8)
    assert shares["Idleb"] == pytest.approx(expected, rel=0.08)
    assert shares.drop("Idleb").max() < 0.09


def test_simulate_refuses_unknown_countries_and_weights():
    with pytest.raises(ValueError, match="Iraq and Syria"):
        ed.datasets.simulate(seed=1, countries=["Mars"])
    with pytest.raises(ValueError, match="province_weights"):
        ed.datasets.simulate("2020-01-01", "2020-01-31", seed=1, province_weights="odd")
