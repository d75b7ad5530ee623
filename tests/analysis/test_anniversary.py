"""anniversary_test, event_study, rate_ratio_test: checked against published values,
against statsmodels and scipy computing the same thing another way, and by simulation
on overdispersed, autocorrelated counts."""

from __future__ import annotations

import dataclasses
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats import rates
from statsmodels.stats.multitest import multipletests

import eventdata as ed
from eventdata.analysis._baseline import Baseline, design_matrix
from eventdata.analysis._calendar import anniversary_anchors, window_days
from eventdata.analysis._glm import fit_log_glm
from eventdata.analysis._placebo import left_out_sums, placebo_shifts
from eventdata.analysis.anniversary import (
    AnniversaryResult,
    AnniversaryTests,
    AutocorrelationWarning,
    CalibrationWarning,
    InsufficientDataError,
    OverdispersionWarning,
    anniversary_test,
)
from eventdata.analysis.event_study import EventStudyResult, event_study
from eventdata.analysis.rate_ratio import rate_ratio_test
from eventdata.core.errors import EventDataError
from eventdata.datasets import simulate_counts

START, END = "2016-01-01", "2022-12-31"
# Plain Poisson counts from the same simulator: no gamma mixing, no latent AR process.
POISSON = {"dispersion": 1e9, "noise": 0.0}


@pytest.fixture(scope="module")
def null_series() -> pd.Series:
    return simulate_counts(START, END, seed=11)


@pytest.fixture(scope="module")
def planted_series() -> pd.Series:
    return simulate_counts(START, END, seed=12, anniversaries=["01-03"], effect=1.5)


def quiet(function, *args, **kwargs):
    """Call without the calibration warnings (tested on their own below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalibrationWarning)
        return function(*args, **kwargs)


# --- Published values -------------------------------------------------------------------


def test_gu_2008_example_1_score_test():
    # Gu, Ng, Tang, Schucany (2008), Biom J 50:283, example 1: 60 events in 51,477.5
    # person-years against 30 in 54,308.7; rate ratio 2.110, score test (their W2A)
    # one-sided p 0.000316, so two-sided 0.000632.
    two_sided = rate_ratio_test(60, 51477.5, 30, 54308.7, method="score")
    assert two_sided.rate_ratio == pytest.approx(2.110, abs=5e-4)
    assert two_sided.pvalue == pytest.approx(0.000632, abs=5e-6)
    one_sided = rate_ratio_test(60, 51477.5, 30, 54308.7, method="score", alternative="increase")
    assert one_sided.pvalue == pytest.approx(0.000316, abs=5e-6)
    # ... and the conditional exact test, one-sided: Gu et al. print 0.000428 (with
    # the C and M columns swapped, as statsmodels' own test of it notes).
    exact = rate_ratio_test(60, 51477.5, 30, 54308.7, method="exact", alternative="increase")
    assert exact.pvalue == pytest.approx(0.000428, abs=5e-5)
    decrease = rate_ratio_test(60, 51477.5, 30, 54308.7, method="score", alternative="decrease")
    assert decrease.pvalue == pytest.approx(1 - 0.000316, abs=5e-6)
    row = two_sided.to_frame()
    assert row.loc[0, "rate_ratio"] == two_sided.rate_ratio and row.loc[0, "method"] == "score"
    assert "2.11" in two_sided.summary() and "<table" in two_sided._repr_html_()


@pytest.mark.parametrize(("count2", "published"), [(3, 0.0884), (6, 0.1749)])
def test_krishnamoorthy_thomson_2004_e_test_examples(count2, published):
    # Krishnamoorthy & Thomson (2004), J Stat Plan Inference 119:23, section 6,
    # "Illustrative examples", example 1 (dodder seeds in two 100 g samples of clover,
    # after Przyborowski & Wilenski 1940): 0 vs 3 seeds, E-test p 0.0884; and the
    # 2 vs 6 variant, p 0.1749. The same figures are SciPy's checks of
    # scipy.stats.poisson_means_test (TestPoissonMeansTest.test_paper_examples).
    first = 0 if count2 == 3 else 2
    test = rate_ratio_test(first, 100, count2, 100, method="etest")
    assert test.pvalue == pytest.approx(published, abs=1e-4)


def _e_test_by_enumeration(count1, exposure1, count2, exposure2, sided):
    """The E-test written out: every pair of counts under the null's Poisson means,
    score statistic at least as extreme as the observed one."""
    grid = np.arange(0, 400)
    x1, x2 = np.meshgrid(grid, grid, indexing="ij")
    r = exposure1 / exposure2
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.nan_to_num((x1 - x2 * r) / np.sqrt((x1 + x2) * r))
    observed = (count1 - count2 * r) / np.sqrt((count1 + count2) * r)
    total = count1 + count2
    mass = stats.poisson.pmf(x1, total * exposure1 / (exposure1 + exposure2)) * stats.poisson.pmf(
        x2, total * exposure2 / (exposure1 + exposure2)
    )
    extreme = (
        np.abs(statistic) >= abs(observed) - 1e-12
        if sided == "two-sided"
        else statistic >= observed - 1e-12
    )
    return mass[extreme].sum()


@pytest.mark.parametrize(
    ("count1", "exposure1", "count2", "exposure2"),
    [(12, 50.0, 25, 50.0), (40, 50.0, 31, 50.0), (7, 50.0, 0, 50.0), (30, 20.0, 40, 60.0)],
)
def test_e_test_agrees_with_enumeration_and_scipy(count1, exposure1, count2, exposure2):
    for alternative in ("two-sided", "increase"):
        ours = rate_ratio_test(
            count1, exposure1, count2, exposure2, method="etest", alternative=alternative
        )
        enumerated = _e_test_by_enumeration(count1, exposure1, count2, exposure2, alternative)
        assert ours.pvalue == pytest.approx(enumerated, rel=1e-9, abs=1e-14)
    # SciPy's E-test (Krishnamoorthy & Thomson's Wald form, the same statistic when the
    # exposures are equal). SciPy 1.17 halves the two-sided p-value when a count is 0
    # (7 vs 0: 0.00243, against 0.00476 by enumeration), so that case is left to the above.
    if exposure1 == exposure2 and min(count1, count2) > 0:
        scipy_p = stats.poisson_means_test(count1, exposure1, count2, exposure2).pvalue
        assert rate_ratio_test(count1, exposure1, count2, exposure2).pvalue == pytest.approx(
            scipy_p, rel=1e-9
        )


def test_e_test_grid_shortcut_matches_statsmodels_full_grid():
    # Our grid covers only where the null distributions have mass (for speed on long
    # series); statsmodels' own grid runs from 0 to the far tail.
    for alternative, sided in [("two-sided", "two-sided"), ("increase", "larger")]:
        ours = rate_ratio_test(150, 100.0, 1800, 1500.0, method="etest", alternative=alternative)
        full = rates.test_poisson_2indep(
            150, 100.0, 1800, 1500.0, method="etest", alternative=sided
        )
        assert ours.pvalue == pytest.approx(full.pvalue, rel=1e-8, abs=1e-14)


def test_exact_interval_inverts_the_exact_test():
    # The Clopper-Pearson limits are where the one-sided conditional exact tests
    # (statsmodels, an independent computation) have p = 0.025.
    test = rate_ratio_test(60, 51477.5, 30, 54308.7, method="exact")
    low, high = test.ci
    assert low < test.rate_ratio < high
    at_low = rates.test_poisson_2indep(
        60, 51477.5, 30, 54308.7, value=low, method="exact-cond", alternative="larger"
    )
    at_high = rates.test_poisson_2indep(
        60, 51477.5, 30, 54308.7, value=high, method="exact-cond", alternative="smaller"
    )
    assert at_low.pvalue == pytest.approx(0.025, abs=1e-6)
    assert at_high.pvalue == pytest.approx(0.025, abs=1e-6)


def test_rate_ratio_test_rejects_bad_input():
    with pytest.raises(EventDataError, match="whole counts"):
        rate_ratio_test(2.5, 10, 3, 10, method="exact")
    with pytest.raises(EventDataError, match="exposures positive"):
        rate_ratio_test(2, 0, 3, 10)
    with pytest.raises(ValueError, match="method"):
        rate_ratio_test(2, 1, 3, 1, method="wald")
    with pytest.raises(EventDataError, match="both counts are zero"):
        rate_ratio_test(0, 1, 0, 1)


def test_zero_counts_get_one_sided_unbounded_intervals():
    none_in_window = rate_ratio_test(0, 10.0, 40, 100.0, method="score")
    assert none_in_window.rate_ratio == 0 and none_in_window.ci[0] == 0
    assert 0 < none_in_window.ci[1] < np.inf
    none_in_baseline = rate_ratio_test(5, 10.0, 0, 100.0)
    assert none_in_baseline.rate_ratio == np.inf and none_in_baseline.ci[1] == np.inf


# --- The expectation model, checked against statsmodels ----------------------------------


def test_irls_matches_statsmodels_glm(null_series):
    X, _ = design_matrix(null_series.index, trend_df=None, harmonics=None)
    y = null_series.to_numpy(dtype="float64")
    ours = fit_log_glm(X, y)
    theirs = sm.GLM(y, X, family=sm.families.Poisson()).fit().params
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)


def _formula_frame(series: pd.Series, window_rows: np.ndarray) -> pd.DataFrame:
    """Trend, weekday and two yearly harmonics built independently, for a formula fit."""
    days = series.index
    angle = 2 * np.pi * (days - pd.Timestamp("1970-01-01")).days.to_numpy() / 365.25
    frame = pd.DataFrame(
        {
            "count": series.to_numpy(),
            "t": np.arange(len(series)),
            "weekday": days.day_name(),
            "s1": np.sin(angle),
            "c1": np.cos(angle),
            "s2": np.sin(2 * angle),
            "c2": np.cos(2 * angle),
            "window": 0.0,
        }
    )
    frame.loc[window_rows, "window"] = 1.0
    return frame


# statsmodels' own negative binomial line search steps through log(0) on the way
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_expectation_and_model_rate_ratios_match_formula_fits(planted_series):
    daily = planted_series
    placebo = anniversary_test(daily, "01-03", trend_df=1)
    in_window = placebo.daily["in_window"].to_numpy()
    frame = _formula_frame(daily, np.flatnonzero(in_window))
    rhs = "t + C(weekday) + s1 + c1 + s2 + c2"

    baseline = smf.glm(f"count ~ {rhs}", frame[~in_window], family=sm.families.Poisson()).fit()
    expected = baseline.predict(frame[in_window]).sum()
    assert placebo.expected == pytest.approx(expected, rel=1e-7)
    assert placebo.rate_ratio == pytest.approx(daily[in_window].sum() / expected, rel=1e-7)

    quasi = quiet(anniversary_test, daily, "01-03", trend_df=1, method="quasipoisson")
    glm = smf.glm(f"count ~ {rhs} + window", frame, family=sm.families.Poisson()).fit(scale="X2")
    assert quasi.rate_ratio == pytest.approx(np.exp(glm.params["window"]), rel=1e-6)
    # signed-root likelihood-ratio test and profile interval, from statsmodels' deviances
    scale = glm.pearson_chi2 / glm.df_resid
    null = smf.glm(f"count ~ {rhs}", frame, family=sm.families.Poisson()).fit()
    root = np.sqrt((null.deviance - glm.deviance) / scale)
    assert quasi.pvalue == pytest.approx(stats.norm.sf(root), rel=1e-4)
    for bound in quasi.ci:  # the deviance with the window ratio fixed there rises by z^2
        fixed = smf.glm(
            f"count ~ {rhs}",
            frame,
            offset=np.log(bound) * frame["window"],
            family=sm.families.Poisson(),
        ).fit()
        rise = (fixed.deviance - glm.deviance) / scale
        assert rise == pytest.approx(stats.norm.isf(0.025) ** 2, rel=1e-3)
    wald = tuple(np.exp(glm.conf_int().loc["window"]))
    assert quasi.ci == pytest.approx(wald, rel=0.02)  # close to Wald's with many events

    negbin = quiet(anniversary_test, daily, "01-03", trend_df=1, method="negbin")
    nb = smf.negativebinomial(f"count ~ {rhs} + window", frame).fit(disp=0, maxiter=300)
    assert negbin.rate_ratio == pytest.approx(np.exp(nb.params["window"]), rel=1e-4)
    # the same coefficient from the GLM at the maximum-likelihood alpha
    glm_nb = smf.glm(
        f"count ~ {rhs} + window",
        frame,
        family=sm.families.NegativeBinomial(alpha=nb.params["alpha"]),
    ).fit()
    assert negbin.rate_ratio == pytest.approx(np.exp(glm_nb.params["window"]), rel=1e-4)


def test_poisson_methods_are_the_two_sample_test_with_model_exposures(planted_series):
    result = quiet(anniversary_test, planted_series, "01-03", method="poisson-score")
    baseline = ~result.daily["in_window"]
    count2 = result.daily.loc[baseline, "count"].sum()
    exposure2 = result.daily.loc[baseline, "expected"].sum()
    # a Poisson fit with an intercept reproduces the baseline total
    assert exposure2 == pytest.approx(count2, rel=1e-8)
    direct = rates.test_poisson_2indep(
        result.observed, result.expected, count2, exposure2, method="score", alternative="larger"
    )
    assert result.pvalue == pytest.approx(direct.pvalue, rel=1e-10)
    assert result.rate_ratio == pytest.approx(result.observed / result.expected)


def test_leave_window_out_expectation_matches_a_refit(null_series):
    days, y = null_series.index, null_series.to_numpy(dtype="float64")
    _, positions = anniversary_anchors(days, 1, 3)
    windows = window_days(positions, (0, 6), len(y))
    baseline = Baseline.fit(days, y, ~windows, trend_df=None, harmonics=None)
    anchors = positions[(positions >= 0) & (positions + 6 < len(y))]
    shifts = placebo_shifts(anchors, (0, 6), window_days(positions, (-30, 36), len(y)), len(y))
    chosen = shifts[[0, len(shifts) // 2, -1]]
    sums = left_out_sums(baseline, anchors, chosen, (0, 6))
    for i, shift in enumerate(chosen):
        rows = (anchors[:, None] + shift + np.arange(7)).ravel()
        fit = baseline.fit_rows.copy()
        fit[rows] = False
        refit = sm.GLM(y[fit], baseline.X[fit], family=sm.families.Poisson()).fit()
        mu = np.exp(baseline.X[rows] @ refit.params)
        assert sums.expected[i] == pytest.approx(mu.sum(), rel=2e-3)
        assert sums.observed[i] == y[rows].sum()
        # the expectation's variance: delta method on statsmodels' covariance (ours
        # keeps the other days' weights from the full fit: a few percent apart)
        gradient = mu @ baseline.X[rows]
        variance = gradient @ refit.cov_params() @ gradient / mu.sum() ** 2
        assert sums.model_variance[i] == pytest.approx(variance, rel=0.05)
        # in-sample, the fit would have absorbed part of the window
        assert abs(sums.expected[i] - baseline.mu[rows].sum()) > abs(sums.expected[i] - mu.sum())


def test_placebo_pvalue_by_brute_force_refits():
    # Written out from scratch with statsmodels: refit without each placebo window,
    # studentise log(O / E) by 1 / E + var(log E) + the placebo excess, rank.
    # Three years keep the 280-odd refits quick.
    daily = simulate_counts("2019-01-01", "2021-12-31", seed=21)
    result = anniversary_test(daily, "01-03")
    y = daily.to_numpy(dtype="float64")
    baseline_fit = ~result.daily["in_window"].to_numpy()
    X, _ = design_matrix(daily.index, trend_df=None, harmonics=None)
    anchors = np.flatnonzero(result.daily["relative_day"].eq(0).fillna(False).to_numpy())

    def window_statistic(rows, fit):
        model = sm.GLM(y[fit], X[fit], family=sm.families.Poisson()).fit()
        mu = np.exp(X[rows] @ model.params)
        gradient = mu @ X[rows]
        model_variance = gradient @ model.cov_params() @ gradient / mu.sum() ** 2
        return np.log(y[rows].sum() / mu.sum()), 1 / mu.sum() + model_variance

    placebo = []
    for shift in result.placebo["shift"]:
        rows = (anchors[:, None] + shift + np.arange(7)).ravel()
        fit = baseline_fit.copy()
        fit[rows] = False
        placebo.append(window_statistic(rows, fit))
    log_ratio, known = np.array(placebo).T
    excess = max(0, np.var(log_ratio) - np.mean(known))
    real_log_ratio, real_known = window_statistic(
        (anchors[:, None] + np.arange(7)).ravel(), baseline_fit
    )
    z = log_ratio / np.sqrt(known + excess)
    z_real = real_log_ratio / np.sqrt(real_known + excess)
    brute = (1 + np.sum(z >= z_real)) / (1 + len(z))
    assert result.pvalue == pytest.approx(brute, abs=1.5 / (1 + len(z)))
    np.testing.assert_allclose(result.placebo["rate_ratio"], np.exp(log_ratio), rtol=3e-3)
    assert result.rate_ratio == pytest.approx(np.exp(real_log_ratio), rel=1e-8)


# --- Calibration and power by simulation (small; the large study is in benchmarks/) ------


def test_placebo_test_holds_its_level_where_poisson_tests_do_not():
    rng = np.random.default_rng(2020)
    placebo, poisson = [], []
    for _ in range(150):
        daily = simulate_counts(START, END, seed=rng)  # overdispersed, autocorrelated
        placebo.append(anniversary_test(daily, "01-03").pvalue)
        poisson.append(quiet(anniversary_test, daily, "01-03", method="poisson-score").pvalue)
    placebo_rate = np.mean(np.array(placebo) < 0.05)
    poisson_rate = np.mean(np.array(poisson) < 0.05)
    assert placebo_rate <= 0.10  # 5% expected; 0.10 is beyond two binomial SEs
    assert poisson_rate >= 0.15  # the naive test over-rejects on the same series
    # p-values are roughly uniform: the lower half holds about half of them
    assert 0.35 <= np.mean(np.array(placebo) < 0.5) <= 0.65


def test_placebo_test_finds_a_planted_rise_and_estimates_it():
    rng = np.random.default_rng(2021)
    pvalues, ratios, covered = [], [], []
    for _ in range(100):
        daily = simulate_counts(START, END, seed=rng, anniversaries=["01-03"], effect=1.5)
        result = anniversary_test(daily, "01-03")
        pvalues.append(result.pvalue)
        ratios.append(result.rate_ratio)
        covered.append(result.ci[0] <= 1.5 <= result.ci[1])
    assert np.mean(np.array(pvalues) < 0.05) >= 0.80
    assert abs(np.median(ratios) - 1.5) <= 0.1
    assert np.mean(covered) >= 0.85


def test_on_poisson_counts_nothing_warns_and_the_tests_agree():
    daily = simulate_counts(START, END, seed=31, anniversaries=["01-03"], effect=1.3, **POISSON)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalibrationWarning)
        exact = anniversary_test(daily, "01-03", method="poisson-exact")
        placebo = anniversary_test(daily, "01-03")
    assert exact.dispersion == pytest.approx(1, abs=0.1)
    assert placebo.window_dispersion == pytest.approx(1, abs=0.5)
    assert exact.rate_ratio == pytest.approx(placebo.rate_ratio)
    # with Poisson counts the placebo interval is about as wide as the exact one
    width = np.log(placebo.ci[1] / placebo.ci[0]) / np.log(exact.ci[1] / exact.ci[0])
    assert 0.6 < width < 1.6


# --- Warnings, fallbacks and errors -----------------------------------------------------


def test_poisson_methods_warn_about_overdispersion(null_series):
    for method in ("poisson-etest", "poisson-exact", "poisson-score"):
        with pytest.warns(OverdispersionWarning, match="overdispersed"):
            result = anniversary_test(null_series, "01-03", method=method)
        assert result.method == method and result.method_note == "as requested"
    assert result.window_dispersion > 3


def test_model_based_methods_warn_about_autocorrelation(null_series):
    with pytest.warns(AutocorrelationWarning, match="autocorrelated") as record:
        result = anniversary_test(null_series, "01-03", method="quasipoisson")
    assert result.autocorrelation > 0.1
    assert record[0].filename == __file__  # the warning points at the caller's line
    with pytest.warns(AutocorrelationWarning):
        anniversary_test(null_series, "01-03", method="negbin")


def test_auto_falls_back_to_quasipoisson_on_a_short_series():
    daily = simulate_counts("2021-09-10", "2022-03-10", seed=5)
    with pytest.warns(CalibrationWarning, match="only .* pseudo-anniversaries"):
        result = anniversary_test(daily, "01-03", buffer=60)
    assert result.method == "quasipoisson"
    assert "auto" in result.method_note and result.n_placebo < 99
    # the placebo test's own minimum, named: a bounded 95% interval needs 39
    with pytest.raises(InsufficientDataError, match="needs at least 39 for a bounded 95%"):
        anniversary_test(daily, "01-03", method="placebo", buffer=80)


def test_seed_incidents_are_too_short_and_say_so(seed_events):
    with pytest.raises(InsufficientDataError, match=r"4 covered days \(2022-01-03 to 2022-01-06\)"):
        anniversary_test(seed_events)
    with pytest.raises(InsufficientDataError, match="at least 180 covered days"):
        event_study(seed_events, "01-03")
    # padding the calendar is not covering it: the days are missing, not zero
    with pytest.raises(InsufficientDataError, match="4 covered days"):
        anniversary_test(seed_events, start="2021-01-01", end="2022-12-31")
    # a source that covered those two years has no events outside the windows
    covered = [{"country": None, "start": "2021-01-01", "end": "2022-12-31"}]
    with pytest.raises(InsufficientDataError, match="no events outside"):
        anniversary_test(seed_events, start="2021-01-01", end="2022-12-31", coverage=covered)


def test_bad_arguments_raise(null_series):
    with pytest.raises(ValueError, match="no month 13"):
        anniversary_test(null_series, "13-01")
    with pytest.raises(ValueError, match="window"):
        anniversary_test(null_series, window=(3, 1))
    with pytest.raises(ValueError, match="alternative"):
        anniversary_test(null_series, alternative="greater")
    with pytest.raises(ValueError, match="method"):
        anniversary_test(null_series, method="hac")
    with pytest.raises(InsufficientDataError, match=r"\[2012\]"):
        anniversary_test(null_series, years=[2012, 2016])
    gappy = null_series.drop(null_series.index[10])
    with pytest.raises(EventDataError, match="no missing day"):
        anniversary_test(gappy)
    with pytest.raises(EventDataError, match="incident records"):
        anniversary_test(pd.DataFrame({"x": [1]}))


# --- Inputs, options and result objects -------------------------------------------------


def test_records_count_tables_and_series_give_the_same_test(simulated):
    table = ed.counts(simulated)
    from_records = anniversary_test(simulated, "01-03")
    from_table = anniversary_test(table, "01-03")
    from_series = anniversary_test(table.set_index("date")["count"], "01-03")
    for other in (from_table, from_series):
        assert other.rate_ratio == pytest.approx(from_records.rate_ratio)
        assert other.pvalue == pytest.approx(from_records.pvalue)
    # the time-precision policy of counts() is respected and reported
    assert from_records.time_precision == table.attrs["time_precision"]
    assert from_records.time_precision["excluded"] > 0
    assert from_records.years == (2021, 2022)
    window = table["date"].dt.strftime("%m-%d").between("01-03", "01-09")
    assert from_records.observed == table.loc[window, "count"].sum()
    assert "left out of the daily counts" in from_records.summary()
    spread = anniversary_test(simulated, "01-03", precision="spread")
    assert spread.observed != from_records.observed


def test_inputs_are_not_mutated(planted_series, simulated):
    series_before = planted_series.copy()
    records_before = simulated.copy()
    anniversary_test(planted_series, "01-03")
    anniversary_test(simulated, "01-03")
    pd.testing.assert_series_equal(planted_series, series_before)
    pd.testing.assert_frame_equal(simulated, records_before)


def test_result_object(planted_series):
    result = anniversary_test(planted_series, "01-03")
    # one type whether one anniversary or several; holding one, it reads as its result
    assert isinstance(result, AnniversaryTests) and len(result) == 1
    assert isinstance(result["01-03"], AnniversaryResult)
    assert result.rate_ratio == result["01-03"].rate_ratio
    assert result.method == "placebo" and "auto" in result.method_note
    assert result.alternative == "increase" and result.correction == "none"
    assert result.pvalue == result.pvalue_adjusted
    assert result.ci[0] < result.rate_ratio < result.ci[1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.rate_ratio = 1.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result["01-03"].rate_ratio = 1.0  # type: ignore[misc]

    by_year = result.by_year
    assert by_year["year"].tolist() == list(range(2016, 2023))
    assert by_year["observed"].sum() == result.observed
    assert by_year["expected"].sum() == pytest.approx(result.expected)
    assert (by_year["end"] - by_year["start"]).eq(pd.Timedelta(days=6)).all()
    assert (by_year["start"].dt.strftime("%m-%d") == "01-03").all()

    daily = result.daily
    assert len(daily) == len(planted_series)
    assert daily["in_window"].sum() == 7 * 7
    assert daily.loc[daily["in_window"], "relative_day"].tolist() == list(range(7)) * 7
    np.testing.assert_array_equal(daily["count"], planted_series.to_numpy())

    placebo = result.placebo
    assert len(placebo) == result.n_placebo >= 250
    # pseudo-anniversary windows keep `buffer` days away from the real ones
    real = pd.Timestamp("2016-01-03")
    gap = (placebo["date"] - real).dt.days
    assert gap.min() > 6 + 30 and gap.max() < 365 - 6 - 30
    assert placebo["date"].is_unique

    row = result.to_frame()
    assert row.shape == (1, 17)
    assert row.loc[0, "rate_ratio"] == result.rate_ratio
    text = result.summary()
    assert f"{result.rate_ratio:.3g}" in text and "2016" in text and "placebo" in text
    page = result._repr_html_()
    assert page.count("<table") == 2 and "01-03" in page  # the test, then year by year


def test_alternatives_on_a_planted_fall():
    daily = simulate_counts(START, END, seed=41, anniversaries=["06-10"], effect=0.5)
    increase = anniversary_test(daily, "06-10")
    decrease = anniversary_test(daily, "06-10", alternative="decrease")
    both = anniversary_test(daily, "06-10", alternative="two-sided")
    assert decrease.pvalue < 0.05 < increase.pvalue
    assert both.pvalue == pytest.approx(min(1, 2 * decrease.pvalue))
    assert decrease.rate_ratio == increase.rate_ratio < 1
    assert decrease.ci == increase.ci  # the interval is two-sided whatever the alternative


def test_several_anniversaries_are_corrected_for_multiplicity(planted_series):
    tests = anniversary_test(planted_series, ["01-03", "01-08", "07-04"])
    assert isinstance(tests, AnniversaryTests) and len(tests) == 3
    assert tests.anniversaries == ("01-03", "01-08", "07-04")
    raw = np.array([r.pvalue for r in tests])
    np.testing.assert_allclose(
        [r.pvalue_adjusted for r in tests], multipletests(raw, method="fdr_bh")[1]
    )
    holm = anniversary_test(planted_series, ["01-03", "01-08", "07-04"], correction="holm")
    np.testing.assert_allclose(
        holm.to_frame()["pvalue_adjusted"], multipletests(raw, method="holm")[1]
    )
    none = anniversary_test(planted_series, ["01-03", "07-04"], correction="none")
    assert [r.pvalue_adjusted for r in none] == [r.pvalue for r in none]
    assert tests["07-04"].correction == "bh"
    with pytest.raises(KeyError):
        tests["12-25"]
    # the model leaves out every anniversary's windows: 3-14 January and 4-10 July
    assert tests["01-03"].model["n_days"] == len(planted_series) - 7 * 12 - 7 * 7
    frame = tests.to_frame()
    assert frame["anniversary"].tolist() == ["01-03", "01-08", "07-04"]
    assert "bh" in tests.summary() and "<table" in tests._repr_html_()
    single_list = anniversary_test(planted_series, ["01-03"])
    assert isinstance(single_list, AnniversaryTests)


def test_years_subset_and_leap_day(planted_series):
    subset = anniversary_test(planted_series, "01-03", years=[2018, 2019, 2020])
    assert subset.years == (2018, 2019, 2020)
    assert subset.by_year["year"].tolist() == [2018, 2019, 2020]
    # untested years' windows stay out of the model all the same
    assert subset.model["n_days"] == len(planted_series) - 7 * 7
    leap = anniversary_test(planted_series, "02-29")
    assert leap.years == (2016, 2020)
    assert leap.n_placebo >= 99


# --- Event study ------------------------------------------------------------------------


def test_event_study_frame_and_a_planted_rise(planted_series):
    study = event_study(planted_series, "01-03")
    assert isinstance(study, EventStudyResult)
    frame = study.to_frame()
    assert frame.columns.tolist() == [
        "relative_day",
        "observed",
        "expected",
        "rate_ratio",
        "ci_low",
        "ci_high",
    ]
    assert frame["relative_day"].tolist() == list(range(-14, 15))
    assert study.years == tuple(range(2017, 2023))  # 2016 lacks 20-31 December 2015
    assert study.ci_method == "placebo"
    assert (
        (frame["ci_low"] < frame["rate_ratio"]) & (frame["rate_ratio"] < frame["ci_high"])
    ).all()
    inside = frame["relative_day"].between(0, 6)
    assert frame.loc[inside, "observed"].sum() / frame.loc[inside, "expected"].sum() > 1.3
    outside = frame.loc[~inside]
    assert outside["observed"].sum() / outside["expected"].sum() == pytest.approx(1, abs=0.25)
    assert "placebo" in study.summary() and "<table" in study._repr_html_()


def test_event_study_intervals_cover_one_under_no_effect():
    rng = np.random.default_rng(7)
    covered = []
    for _ in range(30):
        frame = event_study(simulate_counts(START, END, seed=rng), "01-03").frame
        covered.append(((frame["ci_low"] <= 1) & (frame["ci_high"] >= 1)).to_numpy())
    assert 0.90 <= np.mean(covered) <= 0.99  # pointwise 95% intervals


def test_event_study_falls_back_to_quasipoisson_intervals():
    daily = simulate_counts("2021-08-15", "2022-02-28", seed=3)
    study = event_study(daily, "01-03", window=(-7, 7), buffer=60)
    assert study.ci_method == "quasipoisson" and study.n_placebo < 99
    frame = study.frame
    assert (frame["ci_low"] <= frame["rate_ratio"]).all()
    assert (frame["rate_ratio"] <= frame["ci_high"]).all()
    # wider than plain Poisson limits by about the square root of the dispersion
    plain = stats.chi2.ppf(0.975, 2 * frame["observed"] + 2) / 2 / frame["expected"]
    assert (frame["ci_high"] > plain).all()


# --- one result type, whether one anniversary or several ------------------------------------


def test_one_anniversary_reads_as_its_result_and_several_say_which_to_pick(planted_series):
    one = anniversary_test(planted_series, "01-03")
    result = one["01-03"]
    for name in ("rate_ratio", "ci", "pvalue", "observed", "expected", "method", "window"):
        assert getattr(one, name) == getattr(result, name)
    assert (one.years, one.reliable, one.detectable_ratio) == (
        result.years,
        result.reliable,
        result.detectable_ratio,
    )
    pd.testing.assert_frame_equal(one.by_year, result.by_year)
    assert one.summary() == result.summary() and one._repr_html_() == result._repr_html_()
    pd.testing.assert_frame_equal(one.to_frame(), result.to_frame())
    pd.testing.assert_frame_equal(one.table, result.to_frame())

    several = anniversary_test(planted_series, ["01-03", "07-04"])
    with pytest.raises(EventDataError, match=r"tests\['01-03'\]"):
        several.rate_ratio  # noqa: B018
    with pytest.raises(EventDataError, match=r"tests\['01-03'\]"):
        several.plot(kind="placebo")  # one anniversary's figure: say which
    ax = several.plot()  # several: their rate ratios side by side
    assert [t.get_text() for t in ax.get_yticklabels()] == list(
        several.to_frame().sort_values("rate_ratio", kind="stable")["anniversary"]
    )
    plt.close(ax.figure)
    # still an AttributeError: getattr with a default and hasattr answer as usual
    assert getattr(several, "pvalue", None) is None and not hasattr(several, "by_year")
    assert several["07-04"].rate_ratio == pytest.approx(
        anniversary_test(planted_series, ["07-04", "01-03"])["07-04"].rate_ratio
    )


def test_results_follow_the_result_protocol(planted_series):
    from eventdata.core.result import Result

    study = event_study(planted_series, "01-03", window=(-3, 3))
    test = rate_ratio_test(60, 51477.5, 30, 54308.7, method="score")
    for result in (anniversary_test(planted_series, "01-03"), study, test):
        assert isinstance(result, Result)
        pd.testing.assert_frame_equal(result.table, result.to_frame())
        assert "<table" in result._repr_html_() and result.summary()
    numbers = study.to_dict()
    assert numbers["anniversary"] == "01-03" and numbers["window"] == [-3, 3]
    assert [row["relative_day"] for row in numbers["table"]] == list(range(-3, 4))
    pd.testing.assert_frame_equal(study.table, study.frame)
    numbers = test.to_dict()
    assert numbers["rate_ratio"] == pytest.approx(2.11, abs=5e-3)
    assert numbers["ci"] == [pytest.approx(test.ci[0]), pytest.approx(test.ci[1])]
    assert numbers["table"][0]["count1"] == 60
