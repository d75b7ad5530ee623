"""Honest anniversary answers: minimums, detectable ratios, sparse and empty windows,
long real series without tuning, exposure offsets."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import eventdata as ed
from eventdata.analysis._baseline import design_matrix
from eventdata.analysis.anniversary import MINIMUMS, anniversary_test
from eventdata.analysis.event_study import event_study
from eventdata.core.errors import InsufficientDataError
from tests.conftest import shared_file

UCDP = Path(__file__).parents[3] / "shared" / "data" / "ucdp-ged"


def quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


@pytest.fixture(scope="module")
def emptied() -> pd.Series:
    """Three years of about 2.4 events a day, every 3-9 January window emptied."""
    daily = ed.datasets.simulate_counts("2020-01-01", "2022-12-31", seed=6, rate=2.4)
    for year in (2020, 2021, 2022):
        daily.loc[f"{year}-01-03" : f"{year}-01-09"] = 0
    return daily


@pytest.mark.parametrize("method", ["negbin", "quasipoisson"])
def test_an_empty_window_gives_a_tiny_p_and_a_finite_interval_from_zero(emptied, method):
    result = quiet(anniversary_test, emptied, "01-03", method=method, alternative="decrease")
    assert result.observed == 0 and 30 < result.expected < 80
    assert result.pvalue < 1e-6
    assert result.ci[0] == 0 and 0 < result.ci[1] < 0.2
    assert result.rate_ratio == 0
    summary = result.summary()
    assert "CI 0 to" in summary and "p < 0.0001" in summary
    rise = quiet(anniversary_test, emptied, "01-03", method=method)
    assert rise.pvalue > 0.999 and np.isfinite(rise.pvalue)


def test_the_profile_interval_of_an_empty_window_matches_the_statsmodels_deviance(emptied):
    result = quiet(anniversary_test, emptied, "01-03", method="quasipoisson")
    frame = result.daily
    window = frame["in_window"].to_numpy().astype(float)
    X, _ = design_matrix(pd.DatetimeIndex(frame["date"]), trend_df=None, harmonics=None)
    y = frame["count"].to_numpy()
    without = sm.GLM(y[window == 0], X[window == 0], family=sm.families.Poisson()).fit()
    full = sm.GLM(y, np.column_stack([X, window]), family=sm.families.Poisson()).fit()
    scale = full.pearson_chi2 / full.df_resid
    fixed = sm.GLM(y, X, offset=np.log(result.ci[1]) * window, family=sm.families.Poisson()).fit()
    rise = (fixed.deviance - without.deviance) / scale
    assert rise == pytest.approx(stats.norm.isf(0.025) ** 2, rel=2e-3)


@pytest.mark.parametrize("method", ["placebo", "negbin", "quasipoisson", "poisson-score"])
def test_sparse_windows_keep_the_estimate_in_its_interval_and_refuse_a_p_value(method):
    daily = ed.datasets.simulate_counts("2016-01-01", "2022-12-31", seed=9, rate=0.08)
    result = quiet(anniversary_test, daily, "01-03", method=method)
    assert result.expected < MINIMUMS["expected"]
    assert result.ci[0] <= result.rate_ratio <= result.ci[1]
    assert not result.reliable and np.isnan(result.pvalue)
    assert "at least 5 are needed" in result.reliability_note
    assert "NOT RELIABLE" in result.summary()
    assert not result.to_frame()["reliable"].iloc[0]


def test_too_few_covered_days_raise_naming_the_minimum():
    daily = ed.datasets.simulate_counts("2021-11-01", "2022-01-09", seed=2)  # 70 days
    with pytest.raises(InsufficientDataError, match="at least 180 covered days"):
        anniversary_test(daily, "01-03", buffer=0)
    with pytest.raises(InsufficientDataError, match="at least 180 covered days"):
        event_study(daily, "01-03", window=(-3, 3))


def test_every_result_reports_the_ratio_it_could_detect():
    short = ed.datasets.simulate_counts("2020-01-01", "2021-12-31", seed=3)
    long = ed.datasets.simulate_counts("2014-01-01", "2021-12-31", seed=3)
    two = anniversary_test(short, "01-03")
    eight = anniversary_test(long, "01-03")
    assert 1 < eight.detectable_ratio < two.detectable_ratio < 4
    assert "detectable with 80% power" in two.summary()
    assert eight.to_frame()["detectable_ratio"].iloc[0] == eight.detectable_ratio
    fall = anniversary_test(long, "01-03", alternative="decrease")
    assert 0.3 < fall.detectable_ratio < 1
    for method in ("negbin", "quasipoisson", "poisson-exact"):
        model = quiet(anniversary_test, long, "01-03", method=method)
        assert 1 < model.detectable_ratio < 3
    # Poisson tests ignore overdispersion: they claim to detect smaller effects
    poisson = quiet(anniversary_test, long, "01-03", method="poisson-exact")
    assert poisson.detectable_ratio < eight.detectable_ratio


def test_an_exposure_offset_takes_out_a_reporting_artefact():
    rng = np.random.default_rng(4)
    days = pd.date_range("2016-01-01", "2022-12-31")
    exposure = pd.Series(1.0, index=days)
    # twice the sources in the first weeks of every year, twice the events reported
    exposure[(days.day_of_year <= 20)] = 2.0
    daily = pd.Series(rng.poisson(3.0 * exposure.to_numpy()), index=days)
    naive = anniversary_test(daily, "01-03")
    assert naive.rate_ratio > 1.6 and naive.pvalue < 0.01
    adjusted = anniversary_test(daily, "01-03", exposure=exposure)
    assert adjusted.model["exposure"] and 0.85 < adjusted.rate_ratio < 1.2
    assert naive.rate_ratio / adjusted.rate_ratio > 1.5
    # a constant exposure changes nothing but the intercept
    constant = anniversary_test(daily, "01-03", exposure=np.full(len(days), 7.0))
    assert constant.rate_ratio == pytest.approx(naive.rate_ratio, rel=1e-8)
    study = event_study(daily, "01-03", window=(-3, 3), exposure=exposure)
    assert study.frame["rate_ratio"].between(0.6, 1.5).all()


def test_tiny_p_values_and_zero_bounds_print_plainly():
    from eventdata.analysis.anniversary import format_pvalue, format_ratio

    assert format_pvalue(3.68e-304) == "< 0.0001"
    assert format_pvalue(0.0001) == "0.0001"
    assert format_ratio(9.4e-14) == "0"
    assert format_ratio(0.0) == "0"


def test_the_thirty_year_ucdp_iraq_extract_fits_without_tuning():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        events = ed.read_ucdp_ged(shared_file(UCDP, "iraq-1989-2018-hdx.csv"))
    years = range(2014, 2019)
    result = anniversary_test(events, "01-03", years=years)
    assert result.model["trend_df"] < 25 and np.isfinite(result.pvalue)
    # even with the calendar stretched over the quiet first year by a coverage
    covered = [{"country": "Iraq", "start": "1989-01-01", "end": "2018-12-31"}]
    again = anniversary_test(events, "01-03", years=years, coverage=covered)
    assert again.model["n_days"] > result.model["n_days"] and np.isfinite(again.pvalue)


def test_a_23_year_series_that_explodes_late_fits_without_tuning():
    """Like Burkina Faso 1997-2019: a few events a year, then thousands."""
    rng = np.random.default_rng(23)
    days = pd.date_range("1997-01-01", "2019-12-31")
    years = (days - days[0]).days.to_numpy() / 365.25
    rate = 0.01 + 6.0 / (1 + np.exp(-(years - 20.5) * 2.5))
    gamma = rng.gamma(2.0, 0.5, size=len(days))
    daily = pd.Series(rng.poisson(rate * gamma), index=days)
    for method in ("placebo", "negbin"):
        result = quiet(anniversary_test, daily, "01-03", method=method)
        assert np.isfinite(result.rate_ratio) and np.isfinite(result.ci).all()
        assert result.model["trend_df"] == 15  # 8, then one per two years after 8
