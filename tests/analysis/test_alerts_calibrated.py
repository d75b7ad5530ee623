"""Alerts against R's surveillance, and calibrated for overdispersed counts (issue 15, item 6).

Reference values: ``tests/data/r_surveillance_reference.json``, written by
``benchmarks/r_surveillance_reference.R`` from the fixed series in
``tests/data/alerts_reference_series.json`` (provenance inside). R is not needed here.
The false-alert and power tables are in ``benchmarks/alerts_calibration.py``.

EARS C3 is in the fixture but not compared: R's ``earsC(method = "C3")`` sums
the C2 statistics differently and sets its threshold from ``alpha``, where
ours follows Fricker et al. (2008): they alert on different days by design.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventdata import escalation_alerts
from eventdata.core.errors import EventDataError

DATA = Path(__file__).parents[1] / "data"
REFERENCE = json.loads((DATA / "r_surveillance_reference.json").read_text())
SERIES = json.loads((DATA / "alerts_reference_series.json").read_text())
CALLS = REFERENCE["calls"]


def _array(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def daily() -> pd.Series:
    y = SERIES["daily"]
    return pd.Series(y, index=pd.date_range("2020-01-01", periods=len(y), freq="D"))


def weekly(name: str) -> pd.Series:
    y = SERIES[name]
    return pd.Series(y, index=pd.date_range("2015-01-04", periods=len(y), freq="W"))


def test_the_fixture_says_where_it_comes_from():
    provenance = REFERENCE["provenance"]
    assert provenance["surveillance"] and provenance["R"].startswith("R version")
    assert provenance["script"] == "benchmarks/r_surveillance_reference.R"
    assert all("call" in c for c in CALLS.values())


@pytest.mark.parametrize("method", ["C1", "C2"])
@pytest.mark.parametrize("min_sd", [0, 0.5])
def test_ears_upper_bounds_and_alarms_equal_r_earsc(method, min_sd):
    call = CALLS[f"earsC_{method}_minSigma{min_sd}"]
    result = escalation_alerts(daily(), method=f"ears-{method.lower()}", min_sd=min_sd)
    rows = np.array(call["range"]) - 1
    frame = result.to_frame().iloc[rows]
    np.testing.assert_allclose(frame["upper_bound"], _array(call["upperbound"]), rtol=1e-9)
    # R alarms when the count exceeds its upper bound, as ours
    assert frame["alert"].tolist() == [bool(a) for a in call["alarm"]]


@pytest.mark.parametrize("alpha", [0, 0.4])
def test_nb_cusum_statistic_equals_r_glrnb_with_known_theta(alpha):
    call = CALLS[f"glrnb_cusum_alpha{alpha}"]
    y = daily()
    mu0, shift = call["mu0"], np.exp(call["theta"])
    # R's statistic is the log-likelihood ratio; ours counts events: LLR = a * S
    if alpha == 0:
        a = np.log(shift)
    else:
        r = 1 / alpha
        a = np.log(shift * (r + mu0) / (r + shift * mu0))
    result = escalation_alerts(
        y, method="nb-cusum", reference=56, nb_dispersion=alpha, shift=shift, h=call["c_ARL"] / a
    )
    frame = result.to_frame()
    rows = np.array(call["range"]) - 1
    assert result.parameters["in_control_mean"] == pytest.approx(mu0)
    np.testing.assert_allclose(a * frame["statistic"].iloc[rows], call["statistic"], atol=1e-9)
    assert frame["alert"].iloc[rows].tolist() == [bool(v) for v in call["alarm"]]
    assert frame["alert"].sum() >= 1  # the planted rise is found


@pytest.mark.parametrize("name", ["weekly", "weekly_sparse"])
@pytest.mark.parametrize("setting", ["noufaily", "farrington"])
def test_farrington_flexible_equals_r_surveillance(name, setting):
    call = CALLS[f"farringtonFlexible_{name}_{setting}"]
    control = call["control"]
    options = {
        "b": control["b"],
        "w": control["w"],
        "periods": control["noPeriods"],
        "past_excluded": control["pastWeeksNotIncluded"],
        "reweight": control["reweight"],
        "weights_threshold": control["weightsThreshold"],
        "trend": control["trend"],
        "p_trend": control["pThresholdTrend"],
        "limit54": tuple(control["limit54"]),
    }
    result = escalation_alerts(
        weekly(name),
        method="farrington",
        alpha=control["alpha"],
        farrington=options,
        surveillance_compatible=True,
    )
    rows = np.array(call["range"]) - 1
    frame = result.to_frame().iloc[rows]
    trend = result.parameters["trend_used"][rows]
    # R's glm stops after 25 iterations ("did not converge") once on the sparse series
    agree = trend == _array(call["trend"])
    assert agree.sum() >= len(rows) - 1
    upper, expected = _array(call["upperbound"]), _array(call["expected"])
    assert np.array_equal(np.isnan(frame["upper_bound"]), np.isnan(upper))
    np.testing.assert_allclose(frame["upper_bound"][agree], upper[agree], rtol=1e-3)
    np.testing.assert_allclose(frame["baseline_mean"][agree], expected[agree], rtol=1e-3)
    np.testing.assert_allclose(
        result.parameters["dispersion"][rows][agree], _array(call["phi"])[agree], rtol=1e-3
    )
    assert frame["alert"][agree].tolist() == [bool(a) for a in np.array(call["alarm"])[agree]]


def test_farrington_by_default_uses_the_model_dispersion_not_surveillances():
    # surveillance's prediction variance after reweighting is too small by about the
    # mean count; ours is the quasi-Poisson one, so its bounds are wider there
    call = CALLS["farringtonFlexible_weekly_noufaily"]
    ours = escalation_alerts(weekly("weekly"), method="farrington", alpha=0.05)
    rows = np.array(call["range"]) - 1
    upper = ours.to_frame()["upper_bound"].iloc[rows].to_numpy()
    r_upper = _array(call["upperbound"])
    assert np.mean(upper > r_upper * 1.001) > 0.8


def test_default_is_farrington_on_long_weekly_and_nb_cusum_otherwise():
    result = escalation_alerts(weekly("weekly"))
    assert result.method == "farrington" and "EARS C2 was the default" in result.summary()
    short = escalation_alerts(daily())
    assert short.method == "nb-cusum" and "EARS C2 was the default" in short.summary()
    assert short.parameters["reference"] == 120 and short.parameters["block_length"] >= 2


def test_nb_cusum_refuses_short_references_and_gaps():
    y = daily()
    with pytest.raises(EventDataError, match="at least 56"):
        escalation_alerts(y[:100], method="nb-cusum")
    with pytest.raises(EventDataError, match="missing"):
        escalation_alerts(y.where(y.index != y.index[130]), method="nb-cusum")
    with pytest.raises(EventDataError, match="weekly series"):
        escalation_alerts(y, method="farrington")
    with pytest.raises(EventDataError, match="past seasons"):
        escalation_alerts(weekly("weekly")[:200], method="farrington")


def test_bootstrap_threshold_keeps_false_alerts_near_target_on_autocorrelated_counts():
    rng = np.random.default_rng(8)
    alerts, monitored = 0, 0
    for _ in range(6):
        n = 3 * 365
        x = np.zeros(n)
        for t in range(1, n):
            x[t] = 0.9 * x[t - 1] + rng.normal(0, 0.5 * np.sqrt(1 - 0.81))
        y = rng.poisson(rng.gamma(3.0, 6 * np.exp(x - 0.125) / 3.0))
        series = pd.Series(y, index=pd.date_range("2018-01-01", periods=n, freq="D"))
        nb = escalation_alerts(series, method="nb-cusum", n_bootstrap=100)
        alerts += nb.n_alerts
        monitored += n - nb.parameters["reference"]
    # Poisson CUSUM tuned the same way: tens a year; the NB CUSUM: a few at most
    assert alerts / (monitored / 365) <= 3


@pytest.mark.parametrize("method", [None, "ears-c2", "cusum", "farrington"])
def test_periods_outside_coverage_are_refused_with_where_they_start(method):
    y = weekly("weekly").astype(float)
    y.iloc[300:304] = np.nan  # weeks without coverage are missing, not zero
    with pytest.raises(EventDataError, match=r"4 missing period\(s\), from 2020-10-"):
        escalation_alerts(y, method=method)
