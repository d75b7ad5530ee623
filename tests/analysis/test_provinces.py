"""Per-province frequency analysis: exact against scipy/statsmodels, calibrated by simulation."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.diagnostic import PoissonDiagnostic
from statsmodels.stats import rates
from statsmodels.stats.multitest import multipletests

import eventdata as ed
from eventdata.analysis.provinces import (
    DispersionWarning,
    benjamini_hochberg,
    compare_periods,
    concentration,
    nb2_glm,
    overdispersion_test,
    province_design,
    province_frequency,
    province_model,
)
from eventdata.core.admin1 import Admin1Warning
from eventdata.datasets import simulate_counts
from eventdata.datasets.geography import COUNTRIES

YEAR = ("2021-01-01", "2021-12-31")
#: ACLED-like activity weights: the expected shares when planting hot provinces.
REALISTIC = pd.Series({p.admin1: p.weight for c in COUNTRIES.values() for p in c.provinces})


def _monthly_events(table: dict[tuple[str, str], list[int]], year: int = 2021) -> pd.DataFrame:
    """Events on the 10th of consecutive months: {(country, admin1): [count per month]}."""
    rows = []
    for (country, admin1), per_month in table.items():
        for month, n in enumerate(per_month, start=1):
            rows += [(pd.Timestamp(year, month, 10), country, admin1)] * n
    return pd.DataFrame(rows, columns=["event_date", "country", "admin1"])


def clustered_events(
    seed: int,
    start: str = YEAR[0],
    end: str = YEAR[1],
    *,
    dispersion: float = 1.0,
    noise: float = 0.6,
) -> pd.DataFrame:
    """No province differs in expectation, but each has its own bursts of events.

    Every province of Iraq and Syria gets an independent overdispersed,
    autocorrelated daily series (the simulator's count process) with the same
    mean within its country: province totals vary far more than a binomial
    split of the country's events would. The defaults make bursts stronger than
    the simulator's (daily gamma shape 1 instead of 6, latent sd 0.6 instead of 0.4).
    """
    rng = np.random.default_rng(seed)
    frames = []
    for country, share in (("Iraq", 0.4), ("Syria", 0.6)):
        provinces = COUNTRIES[country].provinces
        for province in provinces:
            daily = simulate_counts(
                start,
                end,
                seed=rng,
                rate=6.0 * share / len(provinces),
                dispersion=dispersion,
                noise=noise,
            )
            dates = np.repeat(daily.index.to_numpy(), daily.to_numpy())
            frames.append(
                pd.DataFrame({"event_date": dates, "country": country, "admin1": province.admin1})
            )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def uniform_years() -> list[pd.DataFrame]:
    """Ten one-year series with no province difference (uniform weights, no hot provinces)."""
    return [
        ed.datasets.simulate(*YEAR, seed=seed, province_weights="uniform") for seed in range(10)
    ]


@pytest.fixture(scope="module")
def uniform_result(uniform_years) -> ed.provinces.ProvinceResult:
    return province_frequency(uniform_years[0])


# ----------------------------------------------------------------------------- helpers


def test_benjamini_hochberg_equals_statsmodels():
    rng = np.random.default_rng(11)
    p = np.concatenate([rng.uniform(size=40), rng.uniform(0, 0.01, size=10)])
    expected = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(benjamini_hochberg(p), expected, rtol=1e-12)
    with_nan = p.copy()
    with_nan[[3, 17]] = np.nan
    q = benjamini_hochberg(with_nan)
    kept = ~np.isnan(with_nan)
    np.testing.assert_allclose(q[kept], multipletests(with_nan[kept], method="fdr_bh")[1])
    assert np.isnan(q[[3, 17]]).all()


def test_concentration_against_the_double_sum_definition():
    rng = np.random.default_rng(3)
    for x in (rng.poisson(20, 18), rng.negative_binomial(1, 0.05, 14), np.array([0, 0, 7])):
        n = len(x)
        gini = np.abs(x[:, None] - x[None, :]).sum() / (2 * n**2 * x.mean())
        share = x / x.sum()
        result = concentration(x)
        assert result["gini"] == pytest.approx(gini)
        assert result["hhi"] == pytest.approx(np.sum(share**2))
        assert result["hhi_normalized"] == pytest.approx((np.sum(share**2) - 1 / n) / (1 - 1 / n))
    assert concentration([0, 0, 0, 0, 9]) == {"gini": 0.8, "hhi": 1.0, "hhi_normalized": 1.0}


def test_overdispersion_tests_equal_statsmodels_poisson_diagnostic(uniform_result):
    periods = uniform_result.periods
    iraq = periods[periods["country"] == "Iraq"]
    model = sm.GLM.from_formula(
        "count ~ C(date) + C(admin1)", data=iraq, family=sm.families.Poisson()
    ).fit()
    frame = PoissonDiagnostic(model).test_dispersion().summary_frame().set_index("method")
    y, mu = iraq["count"].to_numpy(float), model.fittedvalues.to_numpy()
    dean = overdispersion_test(y, mu, method="dean")
    ct2 = overdispersion_test(y, mu, method="ct-nb2")
    assert dean.statistic == pytest.approx(frame.loc["Dean B", "statistic"], rel=1e-6)
    assert ct2.statistic == pytest.approx(frame.loc["CT nb2", "statistic"], rel=1e-6)
    # NB1 form (AER's default): OLS of the auxiliary variable on a constant
    aux = ((y - mu) ** 2 - y) / mu
    ols = sm.OLS(aux, np.ones_like(aux)).fit()
    ct1 = overdispersion_test(y, mu, method="ct-nb1")
    assert ct1.statistic == pytest.approx(ols.tvalues[0], rel=1e-9)
    assert ct1.estimate == pytest.approx(1 + ols.params[0], rel=1e-9)
    assert ct1.pvalue == pytest.approx(stats.norm.sf(ols.tvalues[0]))
    # the result's columns are these tests on the independence fit of the same table
    row = uniform_result.countries.set_index("country").loc["Iraq"]
    assert row["dean_z"] == pytest.approx(dean.statistic, rel=1e-6)
    assert row["ct_z"] == pytest.approx(ct1.statistic, rel=1e-6)


def test_overdispersion_test_detects_negative_binomial_counts():
    rng = np.random.default_rng(5)
    mu = np.full(400, 4.0)
    poisson = overdispersion_test(rng.poisson(mu), mu)
    negbin = overdispersion_test(rng.negative_binomial(2, 2 / (2 + mu)), mu)  # var = 3 mu
    assert poisson.pvalue > 0.01 and negbin.pvalue < 1e-6
    assert negbin.estimate == pytest.approx(3.0, rel=0.25)
    with pytest.raises(ValueError, match="method"):
        overdispersion_test([1, 2], [1, 2], method="nb3")


def test_nb2_glm_equals_statsmodels_glm():
    rng = np.random.default_rng(8)
    y = rng.negative_binomial(3, 0.3, size=(5, 12)).astype(float)
    design = province_design(5, 12)
    for alpha in (0.0, 0.4):
        family = sm.families.Poisson() if alpha == 0 else sm.families.NegativeBinomial(alpha=alpha)
        reference = sm.GLM(y.ravel(), design, family=family).fit(tol=1e-12)
        ours = nb2_glm(y.ravel(), design, alpha)
        np.testing.assert_allclose(ours["params"], reference.params, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(ours["cov"], reference.cov_params(), rtol=1e-6, atol=1e-12)
        assert ours["loglik"] == pytest.approx(reference.llf, rel=1e-9)


# ----------------------------------------------------------------------------- frequency


def test_goodness_of_fit_equals_scipy():
    months = {
        ("Iraq", "Anbar"): [30, 25, 41, 28],
        ("Iraq", "Baghdad"): [22, 19, 25, 30],
        ("Iraq", "Ninewa"): [12, 15, 9, 11],
    }
    events = _monthly_events(months)
    totals = np.array([sum(v) for v in months.values()])
    weights = pd.Series({"Anbar": 2.0, "Baghdad": 2.0, "Ninewa": 1.0})
    for exposure, share in ((None, np.full(3, 1 / 3)), (weights, np.array([0.4, 0.4, 0.2]))):
        expected = totals.sum() * share
        pearson = province_frequency(events, exposure=exposure, complete=False).countries
        reference = stats.chisquare(totals, expected)
        assert pearson.loc[0, "statistic"] == pytest.approx(reference.statistic)
        assert pearson.loc[0, "pvalue"] == pytest.approx(reference.pvalue)
        assert pearson.loc[0, "pvalue_method"] == "asymptotic"
        g = province_frequency(events, exposure=exposure, statistic="g", complete=False)
        reference = stats.power_divergence(totals, expected, lambda_="log-likelihood")
        assert g.countries.loc[0, "statistic"] == pytest.approx(reference.statistic)
        assert g.countries.loc[0, "pvalue"] == pytest.approx(reference.pvalue)


def test_monte_carlo_pvalue_agrees_with_exact_multinomial_enumeration():
    counts = {("Syria", "Hama"): [2, 1], ("Syria", "Homs"): [0, 0], ("Syria", "Idleb"): [3, 1]}
    events = _monthly_events(counts)
    exposure = pd.Series(1.0, index=pd.MultiIndex.from_tuples(list(counts)))
    result = province_frequency(events, exposure=exposure, n_simulations=20000, seed=1)
    assert result.table["admin1"].tolist() == ["Hama", "Homs", "Idleb"]
    row = result.countries.iloc[0]
    assert row["pvalue_method"].startswith("monte carlo")
    observed = np.array([3, 0, 4])
    n, k = observed.sum(), len(observed)
    expected = np.full(k, n / k)
    x2 = np.sum((observed - expected) ** 2 / expected)
    exact = sum(
        stats.multinomial.pmf(x, n, np.full(k, 1 / k))
        for x in itertools.product(range(n + 1), repeat=k)
        if sum(x) == n and np.sum((np.array(x) - expected) ** 2 / expected) >= x2 - 1e-12
    )
    assert row["statistic"] == pytest.approx(x2)
    assert row["pvalue"] == pytest.approx(exact, abs=0.01)


def test_province_tests_are_deviance_tests_scaled_by_the_period_dispersion(uniform_years):
    # dependence="none": the monthly dispersion and the normal reference
    result = province_frequency(uniform_years[0], dependence="none")
    table, countries = result.table, result.countries.set_index("country")
    periods = result.periods
    q = stats.norm.ppf(0.975)
    for country, rows in table.groupby("country"):
        wide = periods[periods["country"] == country].pivot_table(
            index="admin1", columns="date", values="count"
        )
        chi2 = stats.chi2_contingency(wide.to_numpy(), correction=False)
        phi = max(1.0, chi2.statistic / chi2.dof)
        assert countries.loc[country, "dispersion"] == pytest.approx(phi)
        assert countries.loc[country, "dispersion_df"] == chi2.dof
        n = int(rows["count"].sum())
        for row in rows.itertuples():
            share = row.expected / n

            def scaled_deviance(s, count=int(row.count), n=n, phi=phi):
                # twice the binomial log-likelihood ratio of the observed share against s
                ll = stats.binom.logpmf(count, n, count / n) - stats.binom.logpmf(count, n, s)
                return 2 * ll / phi

            assert row.statistic**2 == pytest.approx(scaled_deviance(share), rel=1e-8)
            assert np.sign(row.statistic) == np.sign(row.count - row.expected)
            assert row.pvalue == pytest.approx(stats.chi2.sf(scaled_deviance(share), 1))
            # the interval holds the ratios the test accepts at 5%
            for bound in (row.ci_low, row.ci_high):
                assert scaled_deviance(bound * share) == pytest.approx(q**2, rel=1e-6)
            assert row.ci_low < row.ratio < row.ci_high
            assert (row.pvalue < 0.05) == (row.ci_low > 1 or row.ci_high < 1)


def test_without_overdispersion_the_province_test_is_the_g_test_of_province_vs_rest():
    # the same counts every month: no extra variation, phi is 1
    months = {
        ("Iraq", "Anbar"): [20] * 6,
        ("Iraq", "Baghdad"): [10] * 6,
        ("Iraq", "Erbil"): [0] * 6,
    }
    exposure = pd.Series(1.0, index=pd.MultiIndex.from_tuples(list(months)))
    # dependence="none": the normal reference (the default refers to t on the blocks' df)
    result = province_frequency(_monthly_events(months), exposure=exposure, dependence="none")
    assert result.countries.loc[0, "dispersion"] == 1
    table = result.table.set_index("admin1")
    n = table["count"].sum()
    for admin1, row in table.iterrows():
        observed = [row["count"], n - row["count"]]
        g = stats.power_divergence(observed, [n / 3, 2 * n / 3], lambda_="log-likelihood")
        assert row["statistic"] ** 2 == pytest.approx(g.statistic, rel=1e-9), admin1
        assert row["pvalue"] == pytest.approx(g.pvalue, rel=1e-9)
    assert table.loc["Erbil", "ci_low"] == 0 and table.loc["Erbil", "ci_high"] < 1
    assert table.loc["Anbar", "flag"] == "higher" and table.loc["Erbil", "flag"] == "lower"


def test_table_columns_flags_and_adjusted_pvalues(uniform_result):
    table = uniform_result.to_frame()
    assert list(table.columns) == [
        "country",
        "admin1",
        "count",
        "share",
        "expected",
        "rate_ratio",
        "ci_low",
        "ci_high",
        "dispersion",
        "statistic",
        "pvalue",
        "pvalue_adjusted",
        "flag",
    ]
    assert len(table) == 32
    np.testing.assert_allclose(
        table["pvalue_adjusted"], multipletests(table["pvalue"], method="fdr_bh")[1]
    )
    assert table.groupby("country")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    assert table.groupby("country")["expected"].sum().tolist() == pytest.approx(
        table.groupby("country")["count"].sum().tolist()
    )
    flagged = table["pvalue_adjusted"] < 0.05
    assert (table.loc[flagged, "flag"].isin(["higher", "lower"])).all()
    assert (table.loc[~flagged, "flag"] == "as expected").all()


def test_result_views(uniform_years):
    events = ed.datasets.simulate(*YEAR, seed=21, hot_provinces=["Idleb"], hot_factor=3.0)
    result = province_frequency(events)
    frame = result.to_frame()
    # the table without the columns kept under their old names for one release
    assert frame.equals(result.table.drop(columns=["ratio", "qvalue"]))
    assert frame is not result.table
    text = result.summary()
    assert "Idleb" in text and "Syria" in text and "dispersion" in text
    html = result._repr_html_()
    assert html.startswith("<pre>") and "<table" in html and "Idleb" in html
    assert repr(result) == text


def test_exposure_series_by_name_or_by_country_and_scale_free(uniform_years):
    events = uniform_years[1]
    by_name = province_frequency(events, exposure=REALISTIC)
    by_pair = province_frequency(
        events,
        exposure=pd.Series(
            REALISTIC.to_numpy(),
            index=pd.MultiIndex.from_tuples(
                [(c, p.admin1) for c, info in COUNTRIES.items() for p in info.provinces]
            ),
        ),
    )
    scaled = province_frequency(events, exposure=REALISTIC * 1000)
    pd.testing.assert_frame_equal(by_name.table, by_pair.table)
    pd.testing.assert_frame_equal(by_name.table, scaled.table)
    iraq = by_name.table[by_name.table["country"] == "Iraq"].set_index("admin1")
    n = iraq["count"].sum()
    weights = REALISTIC[iraq.index]
    np.testing.assert_allclose(iraq["expected"], n * weights / weights.sum())
    assert by_name.expected == "exposure"
    with pytest.raises(ed.EventDataError, match="exposure lacks"):
        province_frequency(events, exposure=REALISTIC.drop("Hama"))


def test_baseline_events_give_their_shares_as_expected(uniform_years):
    baseline, current = uniform_years[2], uniform_years[3]
    result = province_frequency(current, exposure=baseline)
    assert result.expected == "baseline"
    base = baseline.groupby(["country", "admin1"]).size()
    table = result.table.set_index(["country", "admin1"])
    for country in ("Iraq", "Syria"):
        share = base[country] / base[country].sum()
        np.testing.assert_allclose(
            table.loc[country, "expected"], table.loc[country, "count"].sum() * share
        )


def test_provinces_without_events_are_counted_as_zero(uniform_years):
    events = uniform_years[4]
    without = events[events["admin1"] != "Quneitra"]
    result = province_frequency(without).table.set_index("admin1")
    assert result.loc["Quneitra", "count"] == 0
    assert result.loc["Quneitra", "flag"] == "lower"
    assert len(result) == 32
    assert "Quneitra" not in province_frequency(without, complete=False).table["admin1"].tolist()


def test_mixed_spellings_warn_and_normalize_repairs_them(uniform_years):
    events = uniform_years[5].copy()
    odd = (events["admin1"] == "Ninewa").to_numpy() & (np.arange(len(events)) % 2 == 0)
    events.loc[odd, "admin1"] = "Nīnawá province"
    untouched = events.copy()
    with pytest.warns(Admin1Warning, match="canonical"):
        split = province_frequency(events)
    assert {"Ninewa", "Nīnawá province"} <= set(split.table["admin1"])
    fixed = province_frequency(events, normalize=True)
    pd.testing.assert_frame_equal(events, untouched)
    assert fixed.normalization is not None and fixed.normalization.n_mapped == odd.sum()
    reference = province_frequency(uniform_years[5])
    pd.testing.assert_frame_equal(fixed.table, reference.table)
    assert f"{odd.sum()} rows renamed" in fixed.summary()


def test_within_none_compares_all_provinces_together(uniform_years):
    result = province_frequency(uniform_years[6], within=None)
    assert len(result.table) == 32
    assert "country" not in result.to_frame().columns
    assert result.table["expected"].nunique() == 1
    assert "all:" in result.summary()


def test_fatalities_and_events_missing_a_province(uniform_years):
    events = uniform_years[7].copy()
    events.loc[events.index[:25], "admin1"] = pd.NA
    result = province_frequency(events, value="fatalities")
    assert result.n_missing == 25
    assert result.table["count"].sum() == events["fatalities"].iloc[25:].sum()
    # fatalities come in lumps: far more variable than a count of events
    assert (result.countries["dispersion"] > 2).all()
    with pytest.raises(ValueError, match="value"):
        province_frequency(events, value="deaths")
    with pytest.raises(ed.EventDataError, match="admin1"):
        province_frequency(events.drop(columns="admin1"))


def test_one_period_cannot_measure_dispersion_and_says_so():
    events = _monthly_events({("Iraq", "Anbar"): [5], ("Iraq", "Diyala"): [9]})
    with pytest.warns(DispersionWarning):
        result = province_frequency(events, complete=False)
    assert (result.countries["dispersion"] == 1).all()


# ------------------------------------------------------------------ frequency: simulation


def test_no_province_difference_keeps_flags_within_the_nominal_fdr(uniform_years):
    flagged_share, any_flag, raw_rejections, n_tests = [], 0, 0, 0
    for events in uniform_years:
        table = province_frequency(events).table
        flagged_share.append((table["flag"] != "as expected").mean())
        any_flag += int((table["flag"] != "as expected").any())
        raw_rejections += int((table["pvalue"] < 0.05).sum())
        n_tests += len(table)
    assert np.mean(flagged_share) <= 0.05
    # with no true difference every flag is false: the FDR is P(any flag)
    assert any_flag <= stats.binom.ppf(0.99, len(uniform_years), 0.05)
    # per-province tests are calibrated: raw rejections at 5% within binomial noise
    assert raw_rejections <= stats.binom.ppf(0.99, n_tests, 0.05)


def test_province_specific_clusters_keep_province_tests_near_nominal():
    ours, naive, n_tests, detected = 0, 0, 0, []
    for seed in range(10):
        result = province_frequency(clustered_events(seed))
        table = result.table
        totals = table.groupby("country")["count"].transform("sum")
        ours += int((table["pvalue"] < 0.05).sum())
        naive += sum(
            stats.binomtest(int(k), int(n), e / n).pvalue < 0.05
            for k, n, e in zip(table["count"], totals, table["expected"], strict=True)
        )
        n_tests += len(table)
        assert (result.countries["dispersion"] > 1.2).all()
        detected += (result.countries["ct_pvalue"] < 0.05).tolist()
    assert ours <= stats.binom.ppf(0.99, n_tests, 0.05)
    assert np.mean(detected) >= 0.7  # Cameron-Trivedi sees the clustering (conservatively)
    # the exact binomial test of totals, which ignores the clustering, is not calibrated
    assert naive >= 1.5 * ours


def test_planted_hot_provinces_are_flagged_higher():
    hot = ["Kirkuk", "Hama"]
    found, false_flags = [], []
    for seed in range(20):
        events = ed.datasets.simulate(*YEAR, seed=100 + seed, hot_provinces=hot, hot_factor=1.8)
        table = province_frequency(events, exposure=REALISTIC).table.set_index("admin1")
        found += (table.loc[hot, "flag"] == "higher").tolist()
        false_flags.append((table.drop(hot)["flag"] != "as expected").mean())
    # power 0.89 in 80 trials (0.91 with dependence="none"); 40 here, so a margin
    assert np.mean(found) >= 0.75
    assert np.mean(false_flags) <= 0.05


# ----------------------------------------------------------------------------- two periods


@pytest.fixture(scope="module")
def two_years() -> pd.DataFrame:
    return ed.datasets.simulate("2021-01-01", "2022-12-31", seed=31)


def test_compare_periods_rates_and_spread_test(two_years):
    change = compare_periods(
        two_years, before=("2021-01-01", "2021-12-31"), after=("2022-01-01", "2022-12-31")
    )
    table = change.table
    assert change.days_before == 365 and change.days_after == 365
    year = two_years["event_date"].dt.year
    for (country, admin1), row in table.set_index(["country", "admin1"]).iterrows():
        mask = (two_years["country"] == country) & (two_years["admin1"] == admin1)
        assert row["count_before"] == (mask & (year == 2021)).sum()
        assert row["count_after"] == (mask & (year == 2022)).sum()
    np.testing.assert_allclose(table["rate_before"], table["count_before"] / 365)
    np.testing.assert_allclose(table["rate_ratio"], table["count_after"] / table["count_before"])
    for country, rows in table.groupby("country"):
        reference = stats.chi2_contingency(
            rows[["count_before", "count_after"]].to_numpy(), correction=False
        )
        row = change.countries.set_index("country").loc[country]
        assert row["statistic"] == pytest.approx(reference.statistic)
        assert row["pvalue"] == pytest.approx(reference.pvalue)
        assert row["df"] == reference.dof
    np.testing.assert_allclose(
        table["pvalue_adjusted"], multipletests(table["pvalue"], method="fdr_bh")[1]
    )
    assert "Syria" in change.summary() and "<table" in change._repr_html_()


def test_without_overdispersion_the_rate_test_is_the_poisson_score_test():
    # constant weekly counts: no extra variation, so alpha is 0
    weeks = pd.date_range("2021-01-04", periods=16, freq="7D")
    rows = []
    for week_index, week in enumerate(weeks):
        after = week_index >= 8
        for admin1, (n_before, n_after) in {
            "Anbar": (3, 7),
            "Diyala": (5, 5),
            "Erbil": (2, 0),
        }.items():
            rows += [(week, "Iraq", admin1)] * (n_after if after else n_before)
    events = pd.DataFrame(rows, columns=["event_date", "country", "admin1"])
    change = compare_periods(
        events,
        before=("2021-01-04", "2021-02-28"),
        after=("2021-03-01", "2021-04-25"),
        freq="W",
        complete=False,
    )
    assert change.countries.loc[0, "nb_dispersion"] == 0
    for row in change.table.itertuples():
        test = rates.test_poisson_2indep(row.count_after, 56, row.count_before, 56, method="score")
        assert row.statistic == pytest.approx(test.statistic)
        if row.count_after > 0:
            low, high = rates.confint_poisson_2indep(
                row.count_after, 56, row.count_before, 56, method="score"
            )
            assert (row.ci_low, row.ci_high) == pytest.approx((low, high), rel=1e-6)
    erbil = change.table.set_index("admin1").loc["Erbil"]
    assert erbil["rate_ratio"] == 0 and erbil["ci_low"] == 0 and erbil["ci_high"] < 1


def test_nb2_alpha_solves_the_pearson_equation_of_the_negative_binomial_glm():
    events = clustered_events(3, start="2021-01-04", end="2021-12-26")
    iraq = events[events["country"] == "Iraq"]
    change = compare_periods(
        iraq, before=("2021-01-04", "2021-06-27"), after=("2021-06-28", "2021-12-26"), freq="W"
    )
    alpha = change.countries.loc[0, "nb_dispersion"]
    assert alpha > 0
    weekly = ed.counts(iraq, freq="W", by="admin1", precision="keep")
    weekly["era"] = np.where(weekly["date"] < "2021-06-28", "before", "after")
    model = sm.GLM.from_formula(
        "count ~ 0 + C(admin1):C(era)",
        data=weekly,
        family=sm.families.NegativeBinomial(alpha=alpha),
    ).fit()
    assert model.pearson_chi2 == pytest.approx(model.df_resid, rel=1e-6)


def test_spread_test_with_few_events_is_monte_carlo_with_fixed_margins():
    months = {("Syria", "Hama"): [1, 2, 0, 4, 3, 2], ("Syria", "Homs"): [2, 1, 1, 0, 0, 1]}
    change = compare_periods(
        _monthly_events(months),
        before=("2021-01-01", "2021-03-31"),
        after=("2021-04-01", "2021-06-30"),
        within=None,
        n_simulations=20000,
        seed=2,
    )
    row = change.countries.iloc[0]
    assert row["pvalue_method"].startswith("monte carlo")
    table = np.array([[3, 9], [4, 1]])  # provinces x (before, after)
    x2 = stats.chi2_contingency(table, correction=False).statistic
    assert row["statistic"] == pytest.approx(x2)
    # exact: every table with these margins is fixed by its first cell (hypergeometric)
    margins = stats.hypergeom(table.sum(), table[:, 0].sum(), table[0].sum())
    exact = 0.0
    for a in range(table[0].sum() + 1):
        candidate = np.array([[a, 12 - a], [7 - a, a - 2]])
        if (candidate >= 0).all():
            x2_a = stats.chi2_contingency(candidate, correction=False).statistic
            exact += margins.pmf(a) * (x2_a >= x2 - 1e-9)
    assert row["pvalue"] == pytest.approx(exact, abs=0.01)
    assert "all:" in change.summary()


def test_compare_periods_rejects_overlapping_or_reversed_periods(two_years):
    with pytest.raises(ValueError, match="overlap"):
        compare_periods(
            two_years, before=("2021-01-01", "2021-12-31"), after=("2021-06-01", "2022-06-01")
        )
    with pytest.raises(ValueError, match="ends before"):
        compare_periods(
            two_years, before=("2021-12-31", "2021-01-01"), after=("2022-01-01", "2022-12-31")
        )


def test_compare_periods_is_calibrated_without_change_and_finds_a_planted_one():
    raw, n_tests, found = 0, 0, []
    for seed in range(6):
        events = ed.datasets.simulate("2021-01-01", "2022-12-31", seed=300 + seed)
        change = compare_periods(
            events, before=("2021-01-01", "2021-12-31"), after=("2022-01-01", "2022-12-31")
        )
        raw += int((change.table["pvalue"] < 0.05).sum())
        n_tests += len(change.table)
        first = ed.datasets.simulate(*YEAR, seed=400 + seed)
        second = ed.datasets.simulate(
            "2022-01-01", "2022-12-31", seed=500 + seed, hot_provinces=["Kirkuk"], hot_factor=2.5
        )
        planted = compare_periods(
            pd.concat([first, second], ignore_index=True),
            before=YEAR,
            after=("2022-01-01", "2022-12-31"),
        )
        found.append(planted.table.set_index("admin1").loc["Kirkuk", "flag"] == "increase")
    assert raw <= stats.binom.ppf(0.99, n_tests, 0.05)
    assert np.mean(found) >= 0.8


def test_province_clusters_do_not_make_rate_changes():
    raw, naive, n_tests = 0, 0, 0
    for seed in range(6):
        events = clustered_events(600 + seed, end="2022-12-31")
        table = compare_periods(events, before=YEAR, after=("2022-01-01", "2022-12-31")).table
        raw += int((table["pvalue"] < 0.05).sum())
        naive += sum(
            rates.test_poisson_2indep(a, 365, b, 365, method="score").pvalue < 0.05
            for a, b in zip(table["count_after"], table["count_before"], strict=True)
        )
        n_tests += len(table)
    assert raw <= stats.binom.ppf(0.99, n_tests, 0.05)
    assert naive >= 1.5 * raw


# ----------------------------------------------------------------------------- model view


def test_province_model_matches_statsmodels_negative_binomial_mle():
    events = clustered_events(9)
    syria = events[events["country"] == "Syria"]
    model = province_model(syria, freq="M")
    weekly = ed.counts(syria, freq="M", by="admin1", precision="keep")
    wide = weekly.pivot_table(index="admin1", columns="date", values="count")
    design = province_design(*wide.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poisson = sm.GLM(wide.to_numpy().ravel(), design, family=sm.families.Poisson()).fit()
        reference = sm.NegativeBinomial(wide.to_numpy().ravel(), design, loglike_method="nb2").fit(
            start_params=np.append(poisson.params, 0.1), method="bfgs", maxiter=2000, disp=0
        )
        reference = sm.NegativeBinomial(wide.to_numpy().ravel(), design, loglike_method="nb2").fit(
            start_params=reference.params, method="newton", disp=0
        )
    alpha = reference.params[-1]
    row = model.countries.iloc[0]
    assert row["nb_dispersion"] == pytest.approx(alpha, rel=1e-3)
    assert row["loglik"] == pytest.approx(reference.llf, rel=1e-7)
    effects = reference.params[wide.shape[1] : -1]
    log_ratio = np.log(model.table["rate_ratio"].to_numpy())
    np.testing.assert_allclose(log_ratio, np.append(effects, -effects.sum()), atol=2e-4)
    assert log_ratio.sum() == pytest.approx(0, abs=1e-9)
    se = reference.bse[wide.shape[1] : -1]
    ours_se = (np.log(model.table["ci_high"]) - log_ratio) / stats.norm.ppf(0.975)
    np.testing.assert_allclose(ours_se[:-1], se, rtol=1e-2)
    assert row["pvalue_alpha"] < 0.05


def test_province_model_recovers_a_planted_rate_ratio(uniform_years):
    truth = 3.0 ** (13 / 14)  # hot province's rate over the geometric mean of 14
    covered, null_covered = [], []
    for seed in range(3):
        events = ed.datasets.simulate(
            *YEAR,
            seed=700 + seed,
            province_weights="uniform",
            hot_provinces=["Idleb"],
            hot_factor=3.0,
        )
        table = province_model(events).table.set_index("admin1")
        idleb = table.loc["Idleb"]
        covered.append(idleb["ci_low"] <= truth <= idleb["ci_high"])
        assert idleb["flag"] == "higher"
        null = province_model(uniform_years[seed]).table
        null_covered += ((null["ci_low"] <= 1) & (null["ci_high"] >= 1)).tolist()
    assert all(covered)
    assert np.mean(null_covered) >= 0.9
    text = province_model(uniform_years[0]).summary()
    assert "alpha" in text and "Idleb" in text


def test_old_names_still_work_for_one_release_and_warn(uniform_result):
    table = uniform_result.table
    # the renamed columns stay in the table under their old names, after the others
    assert list(table.columns[-2:]) == ["ratio", "qvalue"]
    pd.testing.assert_series_equal(table["ratio"], table["rate_ratio"], check_names=False)
    pd.testing.assert_series_equal(table["qvalue"], table["pvalue_adjusted"], check_names=False)
    with pytest.warns(DeprecationWarning, match="'fdr'"):
        assert uniform_result.alpha == uniform_result.fdr == 0.05
    events = _monthly_events({("Iraq", "Anbar"): [9, 3, 7], ("Iraq", "Basrah"): [2, 8, 1]})
    with pytest.warns(DeprecationWarning, match="keyword 'alpha'"):
        old = province_frequency(events, alpha=0.2, complete=False)
    assert old.fdr == 0.2
    new = province_frequency(events, fdr=0.2, complete=False)
    pd.testing.assert_frame_equal(old.table, new.table)


def test_province_results_follow_the_result_protocol(uniform_result):
    from eventdata.core.result import Result

    events = _monthly_events({("Iraq", "Anbar"): [9, 3, 7, 5], ("Iraq", "Basrah"): [2, 8, 1, 4]})
    change = compare_periods(
        events,
        before=("2021-01-01", "2021-02-28"),
        after=("2021-03-01", "2021-04-30"),
        complete=False,
    )
    model = province_model(events, freq="M", complete=False)
    for result in (uniform_result, change, model):
        assert isinstance(result, Result)
        frame = result.to_frame()
        assert "qvalue" not in frame.columns and "ratio" not in frame.columns
        assert result.table.columns[-1] == "qvalue"  # the old name, for one release, last
        as_dict = result.to_dict()
        assert len(as_dict["table"]) == len(frame)
        assert "<table" in result._repr_html_()
    for result in (change, model):
        headline = result.to_dict()
        assert headline["fdr"] == 0.05 and headline["by"] == "admin1"
        assert "nb_dispersion" in headline["countries"][0]
        assert "alpha" not in headline["countries"][0]
        assert (result.countries["alpha"] == result.countries["nb_dispersion"]).all()
