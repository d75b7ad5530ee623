"""No data is not zero: coverage from readers through filter_events and counts to analyses."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventdata as ed
from eventdata.core import errors
from eventdata.core.coverage import covered_days, normalize_coverage
from eventdata.core.errors import CoverageWarning, EventDataError, InsufficientDataError
from tests.conftest import shared_file

WILD = Path(__file__).parents[1] / "data" / "wild"
ACLED = Path(__file__).parents[3] / "shared" / "data" / "acled-exports"


def _read(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.CodebookWarning)
        return ed.read_acled(path, errors="quarantine").valid


def test_normalize_merges_spans_per_country_and_rejects_bad_ones():
    spans = normalize_coverage(
        pd.DataFrame(
            {
                "country": ["Iraq", "Iraq", None, "Iraq"],
                "start": ["2020-03-01", "2020-03-10", "2019-01-01", "2020-05-01"],
                "end": ["2020-03-15", "2020-04-02", "2019-12-31", "2020-05-02"],
            }
        )
    )
    assert spans == [
        {"country": None, "start": "2019-01-01", "end": "2019-12-31"},
        {"country": "Iraq", "start": "2020-03-01", "end": "2020-04-02"},
        {"country": "Iraq", "start": "2020-05-01", "end": "2020-05-02"},
    ]
    with pytest.raises(EventDataError, match="run forwards"):
        normalize_coverage([{"start": "2020-02-01", "end": "2020-01-01"}])
    with pytest.raises(EventDataError, match="start and an end"):
        normalize_coverage([{"country": "Iraq"}])


def test_a_total_is_covered_only_where_every_country_is():
    spans = normalize_coverage(
        [
            {"country": "Iraq", "start": "2020-01-01", "end": "2020-01-10"},
            {"country": "Syria", "start": "2020-01-05", "end": "2020-01-20"},
        ]
    )
    days = pd.date_range("2020-01-01", "2020-01-20")
    assert covered_days(spans, days).sum() == 6  # 5 to 10 January
    assert covered_days(spans, days, country="Syria").sum() == 16


def test_readers_record_the_file_span_per_country(seed_events):
    assert seed_events.attrs["coverage"] == [
        {"country": "Iraq", "start": "2022-01-03", "end": "2022-01-06"},
        {"country": "Syria", "start": "2022-01-03", "end": "2022-01-06"},
    ]


def test_filter_events_keeps_the_source_span_not_the_selection(seed_events):
    iraq = ed.filter_events(seed_events, countries="Iraq", event_types="Strategic developments")
    assert iraq["event_date"].min() == pd.Timestamp("2022-01-03")
    assert iraq.attrs["coverage"] == [
        {"country": "Iraq", "start": "2022-01-03", "end": "2022-01-06"}
    ]
    late = ed.filter_events(seed_events, start="2022-01-05")
    assert {s["start"] for s in late.attrs["coverage"]} == {"2022-01-05"}
    # the selection's last event is 5 January, its source covered the 6th: a zero
    syria = ed.filter_events(seed_events, countries="Syria")
    daily = ed.counts(syria)
    assert daily["date"].dt.strftime("%m-%d").tolist() == ["01-03", "01-04", "01-05", "01-06"]
    assert daily["count"].tolist() == [0, 0, 2, 0]


def test_counts_leave_uncovered_days_missing_and_an_explicit_coverage_overrides(seed_events):
    daily = ed.counts(seed_events, start="2022-01-01", end="2022-01-08")
    assert daily["count"].isna().tolist() == [True, True, False, False, False, False, True, True]
    assert daily.attrs["uncovered"] == {"periods": 4, "events": 0.0}
    gap = [
        {"country": None, "start": "2022-01-01", "end": "2022-01-03"},
        {"country": None, "start": "2022-01-06", "end": "2022-01-08"},
    ]
    daily = ed.counts(seed_events, start="2022-01-01", end="2022-01-08", coverage=gap)
    assert daily["count"].isna().tolist() == [False, False, False, True, True, False, False, False]
    assert daily.attrs["uncovered"] == {"periods": 2, "events": 3.0}  # 4 and 5 January
    # by country: each its own coverage
    gap_iraq = [*gap[:1], {"country": "Iraq", "start": "2022-01-04", "end": "2022-01-08"}]
    table = ed.counts(seed_events, by="country", coverage=gap_iraq)
    missing = table.loc[table["count"].isna(), ["country", "date"]]
    assert missing["country"].tolist() == ["Syria"] * 5  # 4 to 8 January
    # weekly: an interior week the coverage does not wholly hold is missing
    spans = [
        {"country": None, "start": "2021-12-01", "end": "2021-12-20"},
        {"country": None, "start": "2022-01-05", "end": "2022-01-31"},
    ]
    weekly = ed.counts(seed_events, freq="W", coverage=spans)
    assert weekly.loc[weekly["count"].isna(), "date"].dt.strftime("%m-%d").tolist() == [
        "12-20",
        "12-27",
        "01-03",
    ]


def test_a_march_and_a_late_april_export_do_not_make_a_may_escalation():
    """The issue's case: two exports with five weeks between them."""
    march = _read(shared_file(ACLED, "afghanistan-2020-03.csv"))
    april = _read(shared_file(ACLED, "global-2020-04-27-to-05-09.csv"))
    both = pd.concat([march, april], ignore_index=True)
    both.attrs["coverage"] = normalize_coverage(
        march.attrs["coverage"] + april.attrs["coverage"]
    )  # what a store holding both exports records
    afghanistan = ed.filter_events(both, countries="Afghanistan")
    daily = ed.counts(afghanistan)
    gap = daily.loc[daily["count"].isna(), "date"]
    assert gap.min() == pd.Timestamp("2020-03-22") and gap.max() == pd.Timestamp("2020-04-26")
    assert daily.attrs["uncovered"]["periods"] == 36
    with pytest.raises(InsufficientDataError, match="34 covered days"):
        ed.anniversary_test(afghanistan, "05-01")
    with pytest.raises(EventDataError, match="outside the data's coverage"):
        ed.escalation_alerts(daily.set_index("date")["count"])


def test_a_leading_month_dated_event_does_not_stretch_the_daily_calendar():
    """Issue 13, item 10 (wild case 05): one month-dated event in 2008, daily ones from 2010."""
    events = _read(WILD / "05-leading-coarse-event.csv")
    assert events["event_date"].min() == pd.Timestamp("2008-08-19")
    daily = ed.counts(events)
    assert daily["date"].min() == pd.Timestamp("2010-01-21")
    assert daily.attrs["time_precision"]["excluded"] == 1
    # without any coverage (a frame built in memory) the calendar starts there too
    bare = events.copy()
    bare.attrs = {}
    assert ed.counts(bare)["date"].min() == pd.Timestamp("2010-01-21")
    monthly = ed.counts(bare, freq="M")  # monthly counts keep it
    assert monthly["date"].min() == pd.Timestamp("2008-08-01")
    result = ed.anniversary_test(events, "01-03")
    assert result.years[0] == 2011 and result.model["n_days"] < 3700
    study = ed.event_study(bare, "01-03", window=(-3, 3))
    assert study.years[0] == 2011


def test_the_period_comes_from_coverage_not_from_the_first_selected_event():
    events = ed.datasets.simulate("2019-01-01", "2021-12-31", seed=5, rate=4)
    late = events.loc[pd.to_datetime(events["event_date"]) >= "2019-01-31"].copy()
    assert ed.anniversary_test(late, "01-03").years[0] == 2020  # 2019 silently lost
    late.attrs["coverage"] = [{"country": None, "start": "2019-01-01", "end": "2021-12-31"}]
    result = ed.anniversary_test(late, "01-03")
    assert result.years[0] == 2019  # its window holds no events, and it is tested
    assert result.by_year["observed"].iloc[0] == 0


def test_a_gap_inside_the_series_warns_and_is_left_out():
    daily = ed.datasets.simulate_counts("2016-01-01", "2022-12-31", seed=8)
    coverage = [
        {"start": "2016-01-01", "end": "2018-12-20"},
        {"start": "2019-03-01", "end": "2022-12-31"},
    ]
    with pytest.warns(CoverageWarning, match=r"70 days .*2018-12-21 to 2019-02-28"):
        result = ed.anniversary_test(daily, "01-03", coverage=coverage)
    assert result.uncovered_days == 70 and result.years_left_out == (2019,)
    assert 2019 not in result.years
    assert "70 days inside the series are outside" in result.summary()
    # whatever the uncovered days hold, the answer is the same: they are not read
    noisy = daily.copy()
    noisy.loc["2018-12-21":"2019-02-28"] = 500
    with pytest.warns(CoverageWarning):
        again = ed.anniversary_test(noisy, "01-03", coverage=coverage)
    assert again.rate_ratio == pytest.approx(result.rate_ratio, rel=1e-9)
    assert again.pvalue == result.pvalue
    # NaN counts are uncovered days too
    holes = daily.astype("float64")
    holes.loc["2018-12-21":"2019-02-28"] = np.nan
    with pytest.warns(CoverageWarning):
        same = ed.anniversary_test(holes, "01-03")
    assert same.rate_ratio == pytest.approx(result.rate_ratio, rel=1e-9)
    with pytest.warns(CoverageWarning):
        study = ed.event_study(holes, "01-03", window=(-3, 3))
    assert study.uncovered_days == 70 and 2019 not in study.years


def test_interrupted_time_series_fits_the_covered_periods_only():
    rng = np.random.default_rng(3)
    months = pd.date_range("2015-01-01", periods=72, freq="MS")
    rate = 40 * np.exp(0.005 * np.arange(72)) * np.where(np.arange(72) >= 48, 0.6, 1.0)
    monthly = pd.Series(rng.poisson(rate), index=months).astype("float64")
    full = ed.interrupted_time_series(monthly, "2019-01-01", family="poisson")
    holes = monthly.copy()
    holes.iloc[20:26] = np.nan
    with pytest.warns(CoverageWarning, match="6 of 72 periods are missing"):
        fit = ed.interrupted_time_series(holes, "2019-01-01", family="poisson")
    kept = np.r_[0:20, 26:72]
    assert fit.observed.isna().sum() == 6
    # the same model as a fit of the covered months at their own positions
    import statsmodels.api as sm

    t = np.arange(72.0)
    design = np.column_stack([np.ones(72), t, (t >= 48).astype(float)])[kept]
    direct = sm.GLM(monthly.to_numpy()[kept], design, family=sm.families.Poisson()).fit()
    assert fit.step_rate_ratio == pytest.approx(np.exp(direct.params[2]), rel=1e-6)
    assert abs(np.log(fit.step_rate_ratio) - np.log(full.step_rate_ratio)) < 0.1
    zeros = monthly.copy()
    zeros.iloc[20:26] = 0  # what reading the gap as quiet months would do
    biased = ed.interrupted_time_series(zeros, "2019-01-01", family="poisson")
    assert biased.trend != pytest.approx(fit.trend, rel=1e-3)


def test_province_periods_the_source_did_not_cover_are_left_out_not_zero():
    events = ed.datasets.simulate("2019-01-01", "2021-12-31", seed=7, rate=3)
    dates = pd.to_datetime(events["event_date"])
    kept = events.loc[(dates < "2020-03-01") | (dates >= "2020-07-01")].copy()
    kept.attrs["coverage"] = [
        {"country": None, "start": "2019-01-01", "end": "2020-02-29"},
        {"country": None, "start": "2020-07-01", "end": "2021-12-31"},
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # monthly dispersion (dependence="none"): what four zero months would inflate
        covered = ed.province_frequency(kept, dependence="none")
        as_zeros = kept.copy()
        as_zeros.attrs = {}
        zeros = ed.province_frequency(as_zeros, dependence="none")
    # the four months without data are not four quiet months
    assert covered.countries["periods"].tolist() == [32, 32]
    assert zeros.countries["periods"].tolist() == [36, 36]
    assert (covered.countries["dispersion"] <= zeros.countries["dispersion"]).all()


def test_counting_a_store_out_of_core_honours_an_explicit_coverage(seed_events, tmp_path):
    pytest.importorskip("dask")
    path = ed.write_parquet(seed_events, tmp_path / "seed.parquet", partition_by=())
    gap = [
        {"country": None, "start": "2022-01-01", "end": "2022-01-03"},
        {"country": None, "start": "2022-01-06", "end": "2022-01-08"},
    ]
    stored = ed.counts(path, coverage=gap)
    in_memory = ed.counts(seed_events, coverage=gap)
    assert stored["date"].tolist() == in_memory["date"].tolist()
    assert stored["count"].isna().tolist() == in_memory["count"].isna().tolist()
    assert stored.attrs["uncovered"] == in_memory.attrs["uncovered"]
