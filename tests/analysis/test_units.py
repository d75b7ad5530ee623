"""The anniversary test per unit: the planted province is found, the others are not."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import eventdata as ed


@pytest.fixture(scope="module")
def planted():
    """Seven years of events; only the busiest province has an anniversary surge (x2.5)."""
    base = ed.datasets.simulate("2016-01-01", "2022-12-31", seed=21)
    hot = base["admin1"].value_counts().index[0]
    surged = ed.datasets.simulate(
        "2016-01-01", "2022-12-31", seed=22, anniversaries=["01-03"], effect=2.5
    )
    events = pd.concat(
        [base[base["admin1"] != hot], surged[surged["admin1"] == hot]], ignore_index=True
    )
    return events, hot


def test_the_province_with_the_surge_is_found_and_no_other(planted):
    events, hot = planted
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # negbin: the placebo p-value cannot fall below 1 / (placebos + 1), too coarse for
        # Benjamini-Hochberg over 25 provinces
        result = ed.anniversary_by_unit(
            events, "01-03", by="admin1", min_events=150, method="negbin"
        )
    significant = result.table.loc[result.table["pvalue_adjusted"] < 0.05, "unit"].tolist()
    assert significant == [hot]
    assert result.rate_ratio[hot] > 1.8
    # every province is either tested or listed with its reason, none is dropped
    assert set(result.table["unit"]) | set(result.sparse["unit"]) == set(events["admin1"].unique())
    assert (result.sparse["n_events"] < 150).all()
    assert result.sparse["reason"].str.contains("fewer than 150").all()
    # Benjamini-Hochberg across the tested provinces, as statsmodels computes it
    from statsmodels.stats.multitest import multipletests

    known = result.table["pvalue"].notna().to_numpy()
    expected = multipletests(result.table["pvalue"][known], method="fdr_bh")[1]
    np.testing.assert_allclose(result.table["pvalue_adjusted"][known], expected)
    assert result.table["pvalue_adjusted"][~known].isna().all()
    # the pooled test is the ordinary test of all events
    pooled = ed.anniversary_test(events, "01-03", method="negbin")
    assert result.pooled.rate_ratio == pytest.approx(pooled.rate_ratio)


def test_one_unit_result_equals_the_test_on_that_unit_alone(planted):
    events, hot = planted
    result = ed.anniversary_by_unit(events, "01-03", by="country", method="quasipoisson")
    country = events.loc[events["admin1"] == hot, "country"].iloc[0]
    alone = ed.anniversary_test(
        events[events["country"] == country],
        "01-03",
        method="quasipoisson",
        start=events["event_date"].min(),
        end=events["event_date"].max(),
    )
    row = result.table.set_index("unit").loc[country]
    assert row["rate_ratio"] == pytest.approx(alone.rate_ratio)
    assert row["pvalue"] == pytest.approx(alone.pvalue)
    frame = result.to_frame()
    assert "(all)" in frame["unit"].tolist()
    assert "Pooled" in result.summary()


def test_by_priogrid_cells_from_coordinates(planted):
    events, _ = planted
    result = ed.anniversary_by_unit(
        events, "01-03", by="priogrid", min_events=10**6, method="quasipoisson"
    )
    cells = set(ed.priogrid_gid(events["latitude"], events["longitude"]).tolist())
    assert result.table.empty
    assert set(result.sparse["unit"]) == cells
    assert result.sparse["n_events"].sum() == len(events)


def test_units_whose_test_cannot_run_are_listed_with_the_reason(planted):
    events, _ = planted
    # a unit whose 40 events all fall on one day has no baseline to fit
    burst = (
        events[events["admin1"] == "Idleb"]
        .head(40)
        .assign(admin1="One day", event_date=pd.Timestamp("2019-05-01"))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ed.anniversary_by_unit(
            pd.concat([events, burst]), "01-03", by="admin1", min_events=1500, method="negbin"
        )
    listed = result.sparse.set_index("unit")
    assert "One day" in set(result.table["unit"]) | set(listed.index)
    assert (listed["reason"].str.len() > 0).all()


def test_too_short_a_calendar_is_insufficient_data(seed_events):
    with pytest.raises(ed.InsufficientDataError):
        ed.anniversary_by_unit(seed_events, "01-03", by="country", min_events=1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"by": "province"}, "province"),
        ({"anniversary": ["01-03", "06-01"]}, "one anniversary"),
        ({"correction": "fdr"}, "correction"),
        ({"min_events": 0}, "min_events"),
    ],
)
def test_bad_options(seed_events, options, message):
    with pytest.raises(ed.EventDataError, match=message):
        ed.anniversary_by_unit(seed_events, **{"anniversary": "01-03", **options})


def test_a_unit_by_placebo_is_the_test_on_that_unit_alone(planted):
    events, hot = planted
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ed.anniversary_test(events, "01-03", by="admin1", min_events=1500)
        alone = ed.anniversary_test(
            events[events["admin1"] == hot],
            "01-03",
            start=events["event_date"].min(),
            end=events["event_date"].max(),
        )
    assert isinstance(result, ed.UnitAnniversaryTests) and result.by == "admin1"
    unit = result.results[hot]
    assert unit.method == alone.method == "placebo"
    assert unit.rate_ratio == pytest.approx(alone.rate_ratio, rel=1e-9)
    assert unit.ci == pytest.approx(alone.ci, rel=1e-9)
    assert unit.pvalue == alone.pvalue
    assert unit.coarse_in_windows == alone.coarse_in_windows
    pd.testing.assert_frame_equal(unit.placebo, alone.placebo, rtol=1e-9)
    pd.testing.assert_frame_equal(unit.by_year, alone.by_year, rtol=1e-9)
    # anniversary_by_unit is the same call
    again = ed.anniversary_by_unit(events, "01-03", by="admin1", min_events=1500)
    pd.testing.assert_frame_equal(result.to_frame(), again.to_frame())
    numbers = result.to_dict()
    assert {row["unit"] for row in numbers["units"]} == set(result.table["unit"])
    assert "(all)" in [row["unit"] for row in numbers["table"]]
    assert numbers["pooled"]["rate_ratio"] == pytest.approx(result.pooled.rate_ratio)


def test_several_anniversaries_by_unit_are_refused(planted):
    events, _ = planted
    with pytest.raises(ed.EventDataError, match="one anniversary"):
        ed.anniversary_test(events, ["01-03", "07-04"], by="admin1")


@pytest.mark.parametrize("call", [ed.anniversary_by_unit, ed.anniversary_test])
def test_warnings_of_the_pooled_test_point_at_the_callers_line(planted, call):
    events, _ = planted
    with pytest.warns(ed.AutocorrelationWarning) as record:
        call(events, "01-03", by="admin1", min_events=1500, method="negbin")
    # the pooled test's warning, once, at this line (the units' go to their rows)
    assert [warning.filename for warning in record.list] == [__file__]


@pytest.mark.parametrize("method", ["placebo", "negbin", "quasipoisson"])
def test_every_unit_has_exactly_the_numbers_of_its_test_alone(planted, method):
    """The units share the design, the baseline fits (one stack of Newton steps) and the
    placebo solves; each unit's numbers are still bit for bit those of its test alone."""
    events, _ = planted
    calendar = {"start": events["event_date"].min(), "end": events["event_date"].max()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ed.anniversary_by_unit(
            events, "01-03", by="admin1", min_events=1000, method=method
        )
        assert len(result.results) >= 3
        for unit, together in result.results.items():
            alone = ed.anniversary_test(
                events[events["admin1"] == unit], "01-03", method=method, **calendar
            )
            assert together.method == alone.method == method
            for name in ("observed", "expected", "rate_ratio", "ci", "pvalue", "dispersion"):
                assert getattr(together, name) == getattr(alone, name), (unit, name)
            assert together.detectable_ratio == alone.detectable_ratio
            assert together.window_dispersion == alone.window_dispersion
            for table in ("by_year", "placebo", "daily"):
                pd.testing.assert_frame_equal(
                    getattr(together, table), getattr(alone, table), check_exact=True
                )
            row = result.table.set_index("unit").loc[unit]
            assert (row["rate_ratio"], row["pvalue"]) == (alone.rate_ratio, alone.pvalue)
