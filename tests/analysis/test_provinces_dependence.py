"""province_frequency when provinces have bursts that last longer than a period (issue 15, item 5).

The generator lives in ``benchmarks/province_dependence.py`` (a latent AR(1)
log-rate per province with phi 0.9 and multi-week campaigns at 3-5x); the
benchmark gives the full table, these are short versions of it.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import eventdata as ed
from eventdata.analysis.provinces import province_frequency
from eventdata.core.errors import DispersionWarning

_spec = importlib.util.spec_from_file_location(
    "province_dependence",
    Path(__file__).resolve().parents[2] / "benchmarks" / "province_dependence.py",
)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.fixture(scope="module")
def dependent_nulls() -> list[pd.DataFrame]:
    return [bench.dataset(seed, 0.8, 4.0) for seed in range(12)]


def test_dependent_provinces_do_not_flag_beyond_the_nominal_fdr(dependent_nulls):
    before = [province_frequency(e, dependence="none").table for e in dependent_nulls]
    after = [province_frequency(e).table for e in dependent_nulls]
    any_before = sum((t["flag"] != "as expected").any() for t in before)
    any_after = sum((t["flag"] != "as expected").any() for t in after)
    # monthly dispersion alone: many datasets with a false flag
    assert any_before >= 3
    # P(any flag) at most about 5%: 12 datasets, 2 false alarms is already p < 0.02 at 5%
    assert any_after <= 1
    raw = np.mean([(t["pvalue"] < 0.05).mean() for t in after])
    assert raw <= 0.08


def test_a_planted_province_is_still_found_when_days_are_only_overdispersed():
    found = []
    for seed in range(8):
        events = bench.dataset(500 + seed, 0.0, 0.0, hot="Kirkuk", factor=1.8)
        table = province_frequency(events).table.set_index("admin1")
        found.append(table.loc["Kirkuk", "flag"] == "higher")
    assert np.mean(found) >= 0.75


def test_the_dispersion_is_from_quarters_and_a_bursty_province_uses_its_own():
    rng = np.random.default_rng(4)
    days = pd.date_range("2021-01-01", "2022-12-31", freq="D")
    frames = []
    for province in ["Anbar", "Babylon", "Baghdad", "Basrah", "Diyala", "Erbil"]:
        rate = np.full(len(days), 2.0)
        if province == "Anbar":  # quiet, then a three-month campaign: same expected total
            rate = np.where((days >= "2021-06-01") & (days < "2021-09-01"), 8.0, 0.5)
            rate *= 2.0 * len(days) / rate.sum()
        y = rng.poisson(rate)
        frames.append(
            pd.DataFrame({"event_date": np.repeat(days, y), "country": "Iraq", "admin1": province})
        )
    events = pd.concat(frames, ignore_index=True)
    result = province_frequency(events, complete=False)
    country = result.countries.iloc[0]
    assert country["block_periods"] == 3
    wide = result.periods.pivot_table(index="admin1", columns="date", values="count")
    quarters = wide.T.groupby(np.arange(24) // 3).sum().T.to_numpy()
    chi2 = stats.chi2_contingency(quarters, correction=False)
    assert country["dispersion_df"] == chi2.dof == 5 * 7
    assert country["dispersion"] == pytest.approx(
        max(chi2.statistic / chi2.dof, country["dispersion_period"])
    )
    table = result.table.set_index("admin1")
    assert table.loc["Anbar", "dispersion"] > 3 * country["dispersion"]
    assert (table.drop("Anbar")["dispersion"] == country["dispersion"]).all()
    # t on the pooled degrees of freedom, and the interval agrees with the test
    for row in result.table.itertuples():
        assert row.pvalue == pytest.approx(2 * stats.t.sf(abs(row.statistic), chi2.dof))
        assert (row.pvalue < 0.05) == (row.ci_low > 1 or row.ci_high < 1)


def test_too_short_for_blocks_says_so():
    days = pd.date_range("2021-01-01", "2021-02-28", freq="D")
    rng = np.random.default_rng(0)
    events = pd.concat(
        pd.DataFrame(
            {
                "event_date": np.repeat(days, rng.poisson(1.0, len(days))),
                "country": "Iraq",
                "admin1": p,
            }
        )
        for p in ["Anbar", "Basrah", "Erbil"]
    )
    with pytest.warns(DispersionWarning, match="dependence between periods"):
        province_frequency(events, complete=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DispersionWarning)
        province_frequency(events, complete=False, dependence="none")
    with pytest.raises(ValueError, match="dependence"):
        province_frequency(events, dependence="hac")


def test_a_dispersion_warning_is_said_once_for_all_countries_it_concerns():
    # three countries with two weeks of data each: too short for blocks of a quarter
    events = ed.datasets.simulate("2022-01-01", "2022-01-14", seed=3, rate=20)
    events = pd.concat(
        [events, events.assign(country="Jordan", event_id_cnty=events["event_id_cnty"] + "J")]
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ed.province_frequency(events, normalize=False)
    dispersion = [w for w in caught if issubclass(w.category, ed.DispersionWarning)]
    texts = [str(w.message) for w in dispersion]
    assert len(texts) == len(set(t.split(": ", 1)[1] for t in texts))  # one per kind
    assert any("countries (Iraq, Jordan, Syria)" in t for t in texts), texts
    assert all(w.filename == __file__ for w in dispersion)  # points at the caller's line
