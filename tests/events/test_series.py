"""counts and filter_events: complete calendars, honest precision handling, selections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import eventdata as ed
from eventdata.events import _counting
from eventdata.events.counts import counts, filter_events


def test_daily_counts_are_zero_filled_over_the_whole_calendar(seed_events):
    covered = [{"country": None, "start": "2021-12-25", "end": "2022-01-10"}]
    daily = counts(seed_events, start="2021-12-25", end="2022-01-10", coverage=covered)
    assert len(daily) == 17
    assert (
        daily["date"].is_monotonic_increasing
        and daily["date"].diff().dropna().eq(pd.Timedelta(days=1)).all()
    )
    assert daily["count"].sum() == 5  # one event is dated to the week only
    assert daily["count"].dtype == "int64"
    assert daily.attrs["time_precision"] == {
        "policy": "exclude",
        "excluded": 1,
        "spread": 0,
        "undated": 0,
    }


def test_events_without_a_date_are_left_out_and_reported(seed_events):
    undated = seed_events.assign(
        event_date=seed_events["event_date"].where(seed_events["event_id_cnty"] != "SEED-IRQ-001")
    )
    daily = counts(undated, start="2022-01-01", end="2022-01-07")
    assert daily["count"].sum() == 4
    assert daily.attrs["time_precision"]["undated"] == 1


def test_counts_agree_with_a_plain_groupby(simulated):
    table = counts(simulated, by=["country", "admin1"], precision="keep")
    plain = simulated.groupby(["country", "admin1", "event_date"]).size()
    merged = table.set_index(["country", "admin1", "date"])["count"]
    assert (
        merged[merged > 0].sort_index().equals(plain.sort_index().rename("count").astype("int64"))
    )
    n_groups = simulated[["country", "admin1"]].drop_duplicates().shape[0]
    n_days = (simulated["event_date"].max() - simulated["event_date"].min()).days + 1
    assert len(table) == n_groups * n_days
    assert table["count"].sum() == len(simulated)


def test_precision_policies_on_simulated_data(simulated):
    coarse = int((simulated["time_precision"] > 1).sum())
    excluded = counts(simulated)
    kept = counts(simulated, precision="keep")
    spread = counts(simulated, precision="spread", start="2020-12-01", end="2023-01-31")
    assert excluded["count"].sum() == len(simulated) - coarse
    assert excluded.attrs["time_precision"]["excluded"] == coarse
    assert kept["count"].sum() == len(simulated)
    assert spread["count"].sum() == pytest.approx(len(simulated))
    assert spread.attrs["time_precision"]["spread"] == coarse
    assert not np.allclose(spread["count"], spread["count"].round())
    weekly = counts(simulated, freq="W")
    month_only = int((simulated["time_precision"] > 2).sum())
    assert weekly["count"].sum() == len(simulated) - month_only
    assert counts(simulated, freq="M")["count"].sum() == len(simulated)


def test_spread_puts_a_week_event_over_seven_days(seed_events):
    week_event = seed_events[seed_events["time_precision"] == 2]
    covered = [{"start": "2021-12-30", "end": "2022-01-10"}]
    spread = counts(
        week_event, precision="spread", start="2021-12-30", end="2022-01-10", coverage=covered
    )
    nonzero = spread[spread["count"] > 0]
    assert nonzero["date"].dt.strftime("%m-%d").tolist() == [
        "01-02",
        "01-03",
        "01-04",
        "01-05",
        "01-06",
        "01-07",
        "01-08",
    ]
    assert np.allclose(nonzero["count"], 1 / 7)


def test_weeks_months_and_fatalities(simulated):
    weekly = counts(simulated, freq="W")
    assert (weekly["date"].dt.day_of_week == 0).all()  # weeks start on Monday
    monthly = counts(simulated, freq="M", value="fatalities", by="country")
    assert (monthly["date"].dt.day == 1).all()
    assert monthly.columns.tolist() == ["date", "country", "fatalities"]
    assert monthly["fatalities"].sum() == simulated["fatalities"].sum()


def test_categorical_groups_keep_their_dtype(simulated):
    table = counts(simulated, by="event_type", freq="M")
    assert table["event_type"].dtype == simulated["event_type"].dtype


@pytest.fixture(scope="module")
def awkward(simulated):
    """Simulated events with what a count must handle: no date, no group, repeated ids."""
    events = simulated.iloc[::7].reset_index(drop=True)
    events.loc[:4, "event_date"] = pd.NaT
    events.loc[5:9, "admin1"] = pd.NA
    events.loc[10:11, "event_id_cnty"] = pd.NA  # two missing ids: counted once
    events.loc[12:14, "year"] = pd.NA
    repeated = events.iloc[20:26]  # the same events again (as a monadic export has them)
    return pd.concat([events, repeated.assign(admin1="Elsewhere")], ignore_index=True)


BY_DTYPES = {
    "arrow text": lambda names: names.astype("string[pyarrow]"),
    "python text": lambda names: names.astype("string[python]"),
    "str": lambda names: names.astype("str"),
    "categories in another order, some unused": lambda names: names.astype(
        pd.CategoricalDtype(["Unused", *sorted(names.dropna().unique(), reverse=True)])
    ),
}
COUNT_OPTIONS = [
    {},
    {"freq": "W", "value": "fatalities"},
    {"freq": "M", "precision": "keep"},
    {"freq": "MS", "precision": "spread", "start": "2022-02-01"},  # spreads nothing by month
    {"freq": "Y", "precision": "exclude"},
    {"start": "2021-03-02 12:00", "end": "2021-05-01"},
    {"start": "2023-01-01", "end": "2023-02-01"},  # after every event
    {"start": "2022-01-01", "end": "2021-01-01"},  # an empty calendar
]


@pytest.mark.parametrize("options", COUNT_OPTIONS)
@pytest.mark.parametrize("dtype", list(BY_DTYPES))
def test_the_grid_count_is_the_group_by_count(awkward, monkeypatch, dtype, options):
    events = awkward.assign(admin1=BY_DTYPES[dtype](awkward["admin1"]))
    for by in [None, "admin1", ["country", "admin1"], ["admin1", "year"]]:
        fast = counts(events, by=by, **options)
        with monkeypatch.context() as patch:  # the pandas group-by and reindex
            patch.setattr(_counting, "grid_counts", lambda *args, **kwargs: None)
            general = counts(events, by=by, **options)
        pd.testing.assert_frame_equal(fast, general, check_exact=True)
        assert fast.attrs == general.attrs


def test_the_grid_count_of_frames_without_dated_rows(awkward, monkeypatch):
    for events in [awkward.iloc[:0], awkward.iloc[:5], awkward.assign(event_date=pd.NaT)]:
        fast = counts(events, by="admin1")
        with monkeypatch.context() as patch:
            patch.setattr(_counting, "grid_counts", lambda *args, **kwargs: None)
            general = counts(events, by="admin1")
        pd.testing.assert_frame_equal(fast, general, check_exact=True)


def test_precision_codes_of_any_numeric_dtype_count_alike(simulated):
    expected = counts(simulated, by="admin1", freq="W")
    for dtype in ["int64", "float64"]:
        other = simulated.assign(time_precision=simulated["time_precision"].astype(dtype))
        pd.testing.assert_frame_equal(counts(other, by="admin1", freq="W"), expected)


def test_counts_reject_bad_options(seed_events):
    with pytest.raises(ValueError, match="freq"):
        counts(seed_events, freq="H")
    with pytest.raises(ValueError, match="precision"):
        counts(seed_events, precision="smear")
    with pytest.raises(ed.EventDataError, match="admin9"):
        counts(seed_events, by="admin9")


def test_the_seed_question_is_one_call(seed_events):
    attacks = filter_events(
        seed_events,
        countries=["Iraq", "Syria"],
        actors="coalition|united states",
        text="base|coalition",
        start="2022-01-03",
        end="2022-01-09",
    )
    assert len(attacks) == 6
    syria_attacks = filter_events(
        seed_events, event_types="Explosions/Remote violence", actors="^Unidentified"
    )
    # any actor column matches: the coalition strike on the militia (SYR-002) too
    assert syria_attacks["event_id_cnty"].tolist() == [
        "SEED-SYR-001",
        "SEED-SYR-002",
        "SEED-SYR-003",
    ]


def test_filters_match_a_plain_boolean_mask(simulated):
    got = filter_events(
        simulated, admin1=["Idleb", "Aleppo"], sub_event_types="Armed clash", start="2022-03-01"
    )
    mask = (
        simulated["admin1"].isin(["Idleb", "Aleppo"])
        & (simulated["sub_event_type"] == "Armed clash")
        & (simulated["event_date"] >= "2022-03-01")
    )
    pd.testing.assert_frame_equal(got, simulated[mask])
    by_text = filter_events(simulated, text="US-LED COALITION")
    assert len(by_text) == (simulated["actor2"] == "Global Coalition Against Daesh").sum()
    assert filter_events(simulated, actors="nobody at all").empty


def test_filter_values_are_checked_as_every_reader_checks_them(simulated):
    # the same rules, and the same words, as read_parquet and the ACLED client
    with pytest.raises(ed.EventDataError, match=r"event_types must be text, not \[3\]"):
        ed.filter_events(simulated, event_types=["Battles", 3])
    with pytest.raises(ed.EventDataError, match="end='the 3rd' is not a date"):
        ed.filter_events(simulated, end="the 3rd")
    # a time of day is dropped: event dates are days
    noon = ed.filter_events(simulated, start="2021-01-03 12:00", end="2021-01-03 12:00")
    assert len(noon) and (noon["event_date"] == pd.Timestamp("2021-01-03")).all()
