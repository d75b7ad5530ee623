"""escalation_alerts: EARS C1-C3 and the Poisson CUSUM, by their definitions and by simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventdata.analysis._cusum import run_length
from eventdata.analysis.alerts import EscalationAlerts, escalation_alerts
from eventdata.core.errors import EventDataError
from eventdata.datasets import simulate_counts

EARS = ["ears-c1", "ears-c2", "ears-c3"]


def ears_by_hand(counts, method, *, baseline=7, min_sd=0.5):
    """C1, C2 or C3 per Hutwagner et al. (2003) / Fricker et al. (2008), one period at a time."""
    y = np.asarray(counts, dtype=float)
    guard = 0 if method == "ears-c1" else 2
    n = len(y)
    mean, sd, z = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for t in range(baseline + guard, n):
        window = y[t - guard - baseline : t - guard]
        mean[t] = window.mean()
        sd[t] = max(window.std(ddof=1), min_sd)
        z[t] = (y[t] - mean[t]) / sd[t]
    if method != "ears-c3":
        return mean, sd, z, z > 3
    c3 = np.full(n, np.nan)
    for t in range(baseline + guard + 2, n):
        c3[t] = sum(max(0.0, z[i] - 1) for i in (t - 2, t - 1, t))
    return mean, sd, c3, c3 > 2


def cusum_by_hand(counts, mu0, k, h, start=0):
    statistic, alert, s = [], [], 0.0
    for y in counts[start:]:
        s = max(0.0, s + y - k)
        statistic.append(s)
        alert.append(s > h)
        if s > h:
            s = 0.0
    return np.array(statistic), np.array(alert)


@pytest.mark.parametrize("method", EARS)
def test_ears_matches_the_definitions_on_a_small_series(method):
    days = pd.date_range("2023-05-01", periods=20, freq="D")
    counts = pd.Series([3, 5, 4, 2, 6, 4, 3, 5, 4, 3, 4, 12, 15, 6, 4, 5, 3, 4, 30, 2], index=days)
    frame = escalation_alerts(counts, method=method).to_frame()
    mean, sd, statistic, alert = ears_by_hand(counts, method)
    assert frame["baseline_mean"].to_numpy() == pytest.approx(mean, nan_ok=True)
    assert frame["baseline_sd"].to_numpy() == pytest.approx(sd, nan_ok=True)
    assert frame["statistic"].to_numpy() == pytest.approx(statistic, nan_ok=True)
    assert frame["alert"].to_numpy().tolist() == alert.tolist()
    assert frame["date"].equals(pd.Series(days, name="date"))
    assert frame["count"].tolist() == counts.tolist()
    assert frame["alert"].any()


@given(st.lists(st.integers(0, 25), min_size=12, max_size=40), st.sampled_from(EARS))
def test_ears_agrees_with_the_definitions_and_its_upper_bound(values, method):
    frame = escalation_alerts(pd.Series(values), method=method).to_frame()
    _, _, statistic, alert = ears_by_hand(values, method)
    assert frame["statistic"].to_numpy() == pytest.approx(statistic, nan_ok=True)
    assert frame["alert"].to_numpy().tolist() == alert.tolist()
    # upper_bound is the count above which the period alerts, given its past
    monitored = frame["statistic"].notna()
    above = frame["count"] > frame["upper_bound"]
    assert (above[monitored] == frame["alert"][monitored]).all()


def test_a_flat_baseline_uses_the_minimum_sd():
    counts = pd.Series([0] * 7 + [1, 2, 0])
    c1 = escalation_alerts(counts, method="ears-c1").to_frame()
    # sd 0 floored at 0.5: one event after seven empty days is 2 "sd", no alert
    assert c1.loc[7, "statistic"] == pytest.approx(2.0) and not c1.loc[7, "alert"]
    raw = escalation_alerts(counts, method="ears-c1", min_sd=0).to_frame()
    assert raw.loc[7, "statistic"] == np.inf and raw.loc[7, "alert"]
    zeros = escalation_alerts(pd.Series([0] * 10), method="ears-c1", min_sd=0).to_frame()
    assert zeros["statistic"].dropna().eq(0).all() and not zeros["alert"].any()
    bigger = escalation_alerts(pd.Series([0] * 7 + [2]), method="ears-c1").to_frame()
    assert bigger.loc[7, "statistic"] == pytest.approx(4.0) and bigger.loc[7, "alert"]


def test_custom_threshold_and_baseline():
    counts = pd.Series(np.random.default_rng(2).poisson(5, 60))
    loose = escalation_alerts(counts, method="ears-c1", threshold=1.0, baseline=14)
    mean, _, statistic, _ = ears_by_hand(counts, "ears-c1", baseline=14)
    frame = loose.to_frame()
    assert frame["baseline_mean"].to_numpy() == pytest.approx(mean, nan_ok=True)
    assert frame["alert"].tolist() == (np.nan_to_num(statistic, nan=-np.inf) > 1.0).tolist()
    assert loose.threshold == 1.0 and loose.parameters["baseline"] == 14


def test_cusum_matches_the_recursion_with_reset():
    rng = np.random.default_rng(5)
    counts = pd.Series(np.concatenate([rng.poisson(4, 60), rng.poisson(9, 20), rng.poisson(4, 40)]))
    result = escalation_alerts(counts, method="cusum", in_control_mean=4.0, h=6.0)
    k = result.parameters["k"]
    lucas = (6.0 - 4.0) / np.log(6.0 / 4.0)  # (mu1 - mu0) / (log mu1 - log mu0), mu1 = 1.5 mu0
    assert k == pytest.approx(lucas, abs=np.sqrt(4.0) / 40)
    statistic, alert = cusum_by_hand(counts.to_numpy(), 4.0, k, 6.0)
    frame = result.to_frame()
    assert frame["statistic"].to_numpy() == pytest.approx(statistic)
    assert frame["alert"].tolist() == alert.tolist()
    assert alert[60:80].any() and result.n_alerts == alert.sum()
    assert (frame["baseline_mean"] == 4.0).all() and frame["baseline_sd"].isna().all()
    assert ((frame["count"] > frame["upper_bound"]) == frame["alert"]).all()


def test_cusum_estimates_its_mean_from_the_reference_periods():
    counts = pd.Series(np.random.default_rng(8).poisson(3, 100))
    result = escalation_alerts(counts, method="cusum", reference=30)
    frame = result.to_frame()
    assert result.parameters["in_control_mean"] == pytest.approx(counts[:30].mean())
    assert frame["statistic"][:30].isna().all() and frame["statistic"][30:].notna().all()
    statistic, _ = cusum_by_hand(
        counts.to_numpy(), None, result.parameters["k"], result.threshold, 30
    )
    assert frame["statistic"][30:].to_numpy() == pytest.approx(statistic)


@pytest.mark.parametrize("mean", [0.4, 6.0, 40.0])
def test_cusum_threshold_gives_the_in_control_run_length(mean):
    """The Markov chain's h: on Poisson counts, false alerts come every arl0 periods."""
    arl0 = 100.0
    n = 300_000
    counts = pd.Series(np.random.default_rng(int(mean * 10)).poisson(mean, n))
    result = escalation_alerts(counts, method="cusum", in_control_mean=mean, arl0=arl0)
    chosen = _chain_run_length(mean, result.parameters["k"], result.parameters["h"])
    assert chosen >= arl0
    # renewal: alerts per period is 1 / ARL; the count is about Poisson, so 4 sd allow for chance
    expected = n / chosen
    assert abs(result.n_alerts - expected) < 4 * np.sqrt(expected)


def _chain_run_length(mean: float, k: float, h: float) -> float:
    """ARL of the Markov chain on a grid holding k, with h half a step above a level.

    On such a grid the CUSUM of integer counts never leaves it, so the chain is exact.
    """
    for grid in range(1, 2000):
        steps = k * grid
        level = h * grid - 0.5
        if abs(steps - round(steps)) < 1e-6 and abs(level - round(level)) < 1e-6:
            return run_length(mean, k, round(level), grid)
    raise AssertionError("k and h are not on a common grid")


def test_false_alert_rates_poisson_versus_overdispersed_counts():
    """EARS over-alarms even on Poisson counts, and more on overdispersed, autocorrelated ones.

    Nominally 3 sd is 0.135% of periods; with a 7-period baseline, on Poisson
    counts around 6 a day, C1 and C2 alert on about 2% of days and C3 on 8%;
    on simulate_counts (same mean, gamma-Poisson with an AR(1) latent rate)
    about 5%, 6% and 17%. The CUSUM tuned to one false alert a year (0.27%)
    gives about that on Poisson counts and 20 times more (5%) on simulated conflict.
    """
    days = 20 * 365
    simulated = simulate_counts("2000-01-01", periods_end(days), seed=21)
    poisson = pd.Series(np.random.default_rng(21).poisson(simulated.mean(), days))
    rates = {}
    for method in [*EARS, "cusum"]:
        for name, counts in [("poisson", poisson), ("simulated", simulated)]:
            options = {"in_control_mean": counts.mean()} if method == "cusum" else {}
            frame = escalation_alerts(counts, method=method, **options).to_frame()
            rates[method, name] = frame.loc[frame["statistic"].notna(), "alert"].mean()
    for method in EARS:
        assert rates[method, "poisson"] > 10 * 0.00135  # far above the normal-theory rate
        assert rates[method, "simulated"] > 1.5 * rates[method, "poisson"]
    assert rates["ears-c3", "poisson"] > rates["ears-c2", "poisson"]
    # (test_cusum_threshold_gives_the_in_control_run_length checks the Poisson rate closely)
    assert rates["cusum", "poisson"] < 2 / 365
    assert rates["cusum", "simulated"] > 10 / 365


def periods_end(days: int) -> pd.Timestamp:
    return pd.Timestamp("2000-01-01") + pd.Timedelta(days=days - 1)


@pytest.mark.parametrize("method", [*EARS, "cusum"])
def test_a_planted_step_is_detected_quickly(method):
    """Poisson counts of 5 a day that triple on day 100: an alert within 3 days."""
    rng = np.random.default_rng(33)
    options = {}
    if method == "cusum":  # h for one false alert a year at 5 a day, found once
        h = escalation_alerts(pd.Series([5] * 10), method="cusum", in_control_mean=5.0).threshold
        options = {"in_control_mean": 5.0, "h": h}
    delays = []
    for _ in range(100):
        counts = pd.Series(np.concatenate([rng.poisson(5, 100), rng.poisson(15, 20)]))
        alerts = escalation_alerts(counts, method=method, **options).to_frame()["alert"]
        after = np.flatnonzero(alerts.to_numpy()[100:])
        delays.append(after[0] if len(after) else np.inf)
    assert np.mean(np.array(delays) <= 2) > 0.9


def test_planted_escalations_in_simulated_conflict_counts_are_flagged():
    """simulate_counts with the rate tripled for a week around each 15 June."""
    counts = simulate_counts(
        "2015-01-01", "2022-12-31", seed=4, anniversaries=["06-15"], effect=3.0, window=(0, 6)
    )
    frame = escalation_alerts(counts, method="ears-c2").to_frame().set_index("date")
    weeks = [pd.date_range(f"{year}-06-15", periods=7) for year in range(2015, 2023)]
    flagged = [frame.loc[week, "alert"].any() for week in weeks]
    assert np.mean(flagged) >= 0.75
    in_weeks = frame.index.isin(np.concatenate(weeks))
    assert frame.loc[in_weeks, "alert"].mean() > 5 * frame.loc[~in_weeks, "alert"].mean()


def test_result_views():
    days = pd.date_range("2023-03-01", periods=12, freq="D")
    counts = pd.Series([4, 5, 3, 6, 4, 5, 4, 5, 3, 5, 21, 6], index=days)
    result = escalation_alerts(counts, method="ears-c2")
    assert isinstance(result, EscalationAlerts) and result.method == "ears-c2"
    assert result.threshold == 3.0 and result.n_alerts == 1
    assert list(result.alerts) == [pd.Timestamp("2023-03-11")]
    frame = result.to_frame()
    expected = "date count baseline_mean baseline_sd statistic threshold upper_bound alert"
    assert list(frame.columns) == expected.split()
    frame.loc[0, "count"] = -1
    assert result.table.loc[0, "count"] == 4  # to_frame is a copy
    assert "2023-03-11" in result.summary() and "EARS C2" in result.summary()
    assert "<table" in result._repr_html_()
    cusum = escalation_alerts(counts, method="cusum", in_control_mean=4.5)
    assert "Poisson CUSUM" in cusum.summary() and "in-control ARL 365" in cusum.summary()
    named = escalation_alerts(counts.rename_axis("week"), method="ears-c1").to_frame()
    assert named.columns[0] == "week"


def test_the_result_protocol_and_the_old_names():
    import json

    from eventdata.core.result import Result

    days = pd.date_range("2023-03-01", periods=12, freq="D")
    counts = pd.Series([4, 5, 3, 6, 4, 5, 4, 5, 3, 5, 21, 6], index=days)
    result = escalation_alerts(counts, method="ears-c2")
    assert isinstance(result, Result)
    as_dict = result.to_dict()
    assert as_dict["method"] == "ears-c2" and as_dict["n_alerts"] == 1
    assert as_dict["alerts"] == ["2023-03-11"] and len(as_dict["table"]) == 12
    assert as_dict["parameters"] == {"baseline": 7, "guard": 2, "min_sd": 0.5}
    json.dumps(as_dict)
    assert result.table.equals(result.to_frame())
    with pytest.warns(DeprecationWarning, match="'table'"):
        assert result.frame is result.table
    long = pd.Series(np.random.default_rng(4).poisson(5, 200))
    with pytest.warns(DeprecationWarning, match="keyword 'nb_alpha'"):
        old = escalation_alerts(long, method="nb-cusum", nb_alpha=0.2, h=5.0)
    new = escalation_alerts(long, method="nb-cusum", nb_dispersion=0.2, h=5.0)
    assert old.parameters["nb_dispersion"] == new.parameters["nb_dispersion"] == 0.2
    assert old.parameters["alpha"] == 0.2  # the old key, kept for one release
    assert new.to_dict()["parameters"]["nb_dispersion"] == 0.2
    assert "alpha" not in new.to_dict()["parameters"]
    pd.testing.assert_frame_equal(old.table, new.table)


def test_inputs_are_checked():
    counts = pd.Series(np.arange(30))
    with pytest.raises(ValueError, match="method"):
        escalation_alerts(counts, method="ears-c4")
    with pytest.raises(EventDataError, match="at least 12"):
        escalation_alerts(counts[:11], method="ears-c3")
    with pytest.raises(EventDataError, match="negative"):
        escalation_alerts(counts - 5)
    with pytest.raises(EventDataError, match="missing"):
        escalation_alerts(counts.where(counts > 3))
    with pytest.raises(EventDataError, match="time order"):
        escalation_alerts(counts[::-1])
    with pytest.raises(EventDataError, match="positive"):
        escalation_alerts(pd.Series([0] * 40), method="cusum")
    with pytest.raises(EventDataError, match="only 20"):
        escalation_alerts(counts[:20], method="cusum")
    with pytest.raises(ValueError, match="shift"):
        escalation_alerts(counts, method="cusum", shift=0.8)
    with pytest.raises(ValueError, match="min_sd"):
        escalation_alerts(counts, method="ears-c2", min_sd=-1)
    before = counts.copy()
    escalation_alerts(counts, method="cusum", reference=10)
    assert counts.equals(before)


def test_a_daily_series_with_missing_days_is_refused():
    days = pd.date_range("2023-01-01", periods=30, freq="D")
    gappy = pd.Series(5, index=days).drop(days[[3, 4, 10, 17]])  # zero days dropped
    with pytest.raises(EventDataError, match="not evenly spaced"):
        escalation_alerts(gappy, method="ears-c2")


def test_a_count_table_of_one_series_is_taken_as_its_series():
    import eventdata as ed

    events = ed.datasets.simulate("2022-01-01", "2022-06-30", seed=4, rate=6)
    table = ed.counts(events)
    series = table.set_index("date")["count"]
    from_table = escalation_alerts(table, method="ears-c2")
    pd.testing.assert_frame_equal(
        from_table.to_frame(), escalation_alerts(series, method="ears-c2").to_frame()
    )
    fatalities = ed.counts(events, value="fatalities")
    assert escalation_alerts(fatalities).to_frame()["count"].sum() == fatalities["fatalities"].sum()
    # one group of a grouped table is one series; the whole table is refused
    grouped = ed.counts(events, by="country")
    with pytest.raises(EventDataError, match=r"holds 2 series \(by country\)"):
        escalation_alerts(grouped)
    iraq = grouped[grouped["country"] == "Iraq"]
    assert escalation_alerts(iraq).to_frame()["count"].tolist() == iraq["count"].tolist()
    with pytest.raises(EventDataError, match="needs a 'date' column"):
        escalation_alerts(table.rename(columns={"count": "n"}))
