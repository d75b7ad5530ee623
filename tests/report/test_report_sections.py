"""The report degrades section by section, and claims only what the data cover."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import eventdata as ed
from eventdata.report import build_report
from tests.conftest import shared_file

SHARED = Path(__file__).parents[3] / "shared" / "data"


def _quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


@pytest.mark.parametrize(
    ("folder", "name", "covered"),
    [
        ("acled-exports", "afghanistan-2020-03.csv", 21),
        ("acled-exports", "global-2020-04-27-to-05-09.csv", 13),
    ],
)
def test_a_real_export_too_short_to_test_still_gives_a_report(folder, name, covered):
    export = _quietly(ed.read_acled, shared_file(SHARED / folder, name), errors="quarantine")
    report = _quietly(build_report, export, anniversary="05-01")
    assert report.anniversaries == () and report.event_studies == {}
    assert f"only {covered} covered days" in report.skipped["anniversary"]
    assert report.provinces is not None  # the other sections still ran
    page = report.to_html()
    assert 'id="skipped-anniversary"' in page and f"only {covered} covered days" in page
    assert 'id="province-table"' in page and 'id="validation-counts"' in page
    assert "escalation" not in page.lower().replace("escalation around the anniversary?", "")
    first, last = report.period
    assert (last - first).days + 1 == covered
    data = report.to_dict()
    assert data["anniversaries"] == [] and "anniversary" in data["skipped"]
    assert "anniversary: not computed" in report.summary()


def test_the_thirty_year_ucdp_extract_gives_a_report_over_its_covered_span():
    extract = _quietly(
        ed.read_ucdp_ged,
        shared_file(SHARED / "ucdp-ged", "iraq-1989-2018-hdx.csv"),
        errors="quarantine",
    )
    report = _quietly(build_report, extract, anniversary="01-03")
    assert not report.skipped and len(report.anniversaries) == 1
    # the period is what the data cover, not the first month-dated event of 1989
    assert report.period[0] == pd.Timestamp("1990-01-19")
    assert any("outside the span the data cover" in note for note in report.notes)


def test_a_gap_is_drawn_blank_and_named_and_the_tests_leave_it_out():
    events = ed.datasets.simulate("2018-01-01", "2021-12-31", seed=3, rate=3)
    dates = pd.to_datetime(events["event_date"])
    events = events.loc[(dates < "2019-11-01") | (dates > "2020-02-15")].copy()
    events.attrs["coverage"] = [
        {"country": None, "start": "2018-01-01", "end": "2019-10-31"},
        {"country": None, "start": "2020-02-16", "end": "2021-12-31"},
    ]
    report = _quietly(build_report, events)
    result = report.anniversaries[0]
    assert 2020 not in result.years and result.years_left_out == (2020,)
    assert result.uncovered_days == 107
    assert report.daily["count"].isna().sum() == 107
    assert any("CoverageWarning" in note for note in report.notes)
    assert {"timeline", "calendar"} <= set(report.figures)


def test_a_study_window_longer_than_the_data_shrinks_to_the_tested_window():
    events = ed.datasets.simulate("2021-06-01", "2022-01-10", seed=4, rate=4)
    report = _quietly(build_report, events, anniversary="01-03", study_window=(-14, 14))
    study = report.event_studies["01-03"]
    assert study.window == (0, 6)
    assert any("shows the tested window" in note for note in report.notes)
    assert not report.skipped
