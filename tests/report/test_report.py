"""The anniversary report: its sections, embedded figures and numbers, in HTML and JSON."""

from __future__ import annotations

import base64
import json
import math
import warnings
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import eventdata as ed
from eventdata.analysis.anniversary import anniversary_test
from eventdata.core.errors import Admin1Warning, EventDataError
from eventdata.core.result import jsonable
from eventdata.report import Report, build_report, interpretation

PNG = b"\x89PNG\r\n\x1a\n"
SECTIONS = ["Dataset and validation", "Anniversary test", "Provinces", "Methods and caveats"]


class Page(HTMLParser):
    """What a reader of the HTML sees: headings, images, tables (as text cells), links."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.headings: dict[str, list[str]] = {"h1": [], "h2": [], "h3": []}
        self.images: list[dict[str, str]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.external: list[str] = []
        self._heading: str | None = None
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.headings:
            self._heading, self._text = tag, []
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "table":
            self._table = attrs.get("id", f"table-{len(self.tables)}")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
        if tag in ("link", "script", "iframe") or attrs.get("src", "").startswith("http"):
            self.external.append(tag)

    def handle_endtag(self, tag):
        if tag == self._heading:
            self.headings[tag].append("".join(self._text).strip())
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._heading:
            self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def records(self, table_id: str) -> list[dict[str, str]]:
        header, *rows = self.tables[table_id]
        return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def broken() -> pd.DataFrame:
    """Four years of simulated records with 50% more events from 3 to 9 January, two rows broken."""
    events = ed.datasets.simulate(
        "2019-01-01", "2022-12-31", seed=11, anniversaries=["01-03"], effect=1.5
    )
    events = events.assign(fatalities=events["fatalities"].astype("object"))
    events.loc[5, "fatalities"] = -1
    events.loc[9, "latitude"] = 123.0
    return events


@pytest.fixture(scope="module")
def report(broken) -> Report:
    return build_report(broken, anniversary="01-03", source="Simulated test records")


@pytest.fixture(scope="module")
def page(report) -> Page:
    return Page(report.to_html())


def test_the_page_has_each_section(page, report):
    assert page.headings["h1"] == ["Anniversary report: 01-03"]
    assert page.headings["h2"] == SECTIONS
    assert page.headings["h3"] == ["Rejected rows by rule", "01-03"]


def test_figures_are_embedded_png_and_nothing_is_fetched(page, report):
    sources = [image["src"] for image in page.images]
    assert len(sources) == 6 == len(report.figures)
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    for source in sources:
        assert base64.b64decode(source.split(",", 1)[1]).startswith(PNG)
    assert all(image["alt"] for image in page.images)
    assert page.external == []
    assert set(report.figures) == {
        "timeline",
        "anniversary-01-03",
        "event-study-01-03",
        "placebo-01-03",
        "calendar",
        "provinces",
    }


def test_validation_numbers_are_those_of_the_quarantine(page, report, broken):
    checked = ed.validate(broken, errors="quarantine")
    rows = {r[""]: int(r["Rows"]) for r in page.records("validation-counts")}
    assert rows == {
        "Rows read": checked.n_rows == len(broken) and len(broken),
        "Rows valid": checked.n_valid,
        "Rows rejected": 2,
        "Events selected": checked.n_valid,
    }
    rules = page.records("rejected-by-rule")
    assert {(r["Column"], int(r["Rows"])) for r in rules} == {("fatalities", 1), ("latitude", 1)}
    assert report.validation.n_rejected == 2


def test_anniversary_numbers_are_those_of_the_test(page, report, broken):
    (result,) = report.anniversaries
    again = anniversary_test(ed.validate(broken, errors="quarantine").valid, "01-03")
    assert result.rate_ratio == pytest.approx(again.rate_ratio)
    (row,) = page.records("anniversary-tests")
    assert row["Anniversary"] == "01-03"
    assert float(row["Rate ratio"]) == pytest.approx(result.rate_ratio, rel=1e-2)
    assert float(row["CI low"]) == pytest.approx(result.ci[0], rel=1e-2)
    assert float(row["CI high"]) == pytest.approx(result.ci[1], rel=1e-2)
    assert float(row["p"]) == pytest.approx(result.pvalue, rel=1e-2)
    assert int(row["Observed"]) == result.observed
    assert row["Method"] == result.method
    assert interpretation(result) in report.to_html()


def test_province_numbers_are_those_of_province_frequency(page, report):
    table = report.provinces.table
    rows = page.records("province-table")
    assert len(rows) == len(table)
    assert [r["Province"] for r in rows] == table["admin1"].tolist()
    assert [r["Flag"] for r in rows] == table["flag"].tolist()
    assert [int(r["Events"]) for r in rows] == table["count"].astype(int).tolist()
    assert [r["Country"] for r in page.records("province-countries")] == ["Iraq", "Syria"]


def test_json_has_the_numbers(report):
    numbers = json.loads(report.to_json())
    assert numbers["validation"] == {
        "rows_read": report.validation.n_rows,
        "rows_valid": report.validation.n_valid,
        "rows_rejected": 2,
        "rejected_by_rule": [
            {"column": r.column, "rule": r.rule, "rows": r.rows}
            for r in report.validation.by_rule().itertuples()
        ],
    }
    (test,) = numbers["anniversaries"]
    (result,) = report.anniversaries
    assert test["rate_ratio"] == pytest.approx(result.rate_ratio)
    assert [test["ci_low"], test["ci_high"]] == pytest.approx(list(result.ci))
    assert test["pvalue"] == pytest.approx(result.pvalue)
    assert [y["observed"] for y in test["by_year"]] == result.by_year["observed"].tolist()
    assert test["by_year"][0]["start"] == result.by_year["start"].iloc[0].date().isoformat()
    study = numbers["event_studies"]["01-03"]
    assert [d["relative_day"] for d in study] == list(range(-14, 15))
    provinces = numbers["provinces"]["table"]
    assert [p["rate_ratio"] for p in provinces] == pytest.approx(
        report.provinces.table["rate_ratio"]
    )
    assert numbers["selection"]["events"] == report.validation.n_valid
    assert numbers["period"] == ["2019-01-01", "2022-12-31"]


def test_several_anniversaries_are_tested_together(broken):
    report = build_report(broken, anniversary=["01-03", "07-04"], window=(0, 3))
    assert [r.anniversary for r in report.anniversaries] == ["01-03", "07-04"]
    assert report.to_frame()["anniversary"].tolist() == ["01-03", "07-04"]
    assert report.to_frame()["pvalue_adjusted"].tolist() == [
        r.pvalue_adjusted for r in report.anniversaries
    ]
    assert len(report.figures) == 9
    page = Page(report.to_html())
    assert page.headings["h3"][-2:] == ["01-03", "07-04"]
    adjusted = [float(r["p adjusted"]) for r in page.records("anniversary-tests")]
    assert adjusted == pytest.approx([r.pvalue_adjusted for r in report.anniversaries], rel=1e-2)
    assert all(r.correction == "bh" for r in report.anniversaries)


def test_selection_and_quarantine_input(broken):
    checked = ed.validate(broken, errors="quarantine")
    before = broken.copy()
    report = build_report(checked, countries="Iraq", event_types="Battles")
    assert report.selection == {
        "countries": "Iraq",
        "event_types": "Battles",
        "actors": None,
        "start": None,
        "end": None,
        "events": int(
            (
                (checked.valid["country"] == "Iraq") & (checked.valid["event_type"] == "Battles")
            ).sum()
        ),
    }
    assert "countries Iraq; event types Battles" in report.to_html()
    pd.testing.assert_frame_equal(broken, before)
    with pytest.raises(EventDataError, match="no valid event matches"):
        build_report(checked, actors="nobody by this name")


def test_warnings_are_kept_in_the_notes_and_still_raised(broken):
    misspelt = broken.assign(admin1=broken["admin1"].astype(object).replace("Ninewa", "Ninawa"))
    with pytest.warns(Admin1Warning):
        report = build_report(misspelt)
    assert any(note.startswith("Admin1Warning") for note in report.notes)
    assert "Ninawa" in Page(report.to_html()).tables["province-table"].__repr__()


def test_interpretation_says_what_the_numbers_allow():
    planted = ed.datasets.simulate_counts(
        "2016-01-01", "2022-12-31", seed=4, anniversaries=["01-03"], effect=2.0
    )
    text = interpretation(anniversary_test(planted, "01-03"))
    assert "consistent with an escalation" in text
    flat = ed.datasets.simulate_counts("2016-01-01", "2022-12-31", seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = anniversary_test(flat, "01-03")
    assert result.pvalue > 0.05
    assert "no evidence of an escalation" in interpretation(result)
    sparse = ed.datasets.simulate_counts("2016-01-01", "2022-12-31", seed=4, rate=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        few = anniversary_test(sparse, "01-03")
    assert "cannot tell a rise from chance" in interpretation(few)


def test_jsonable_makes_plain_json():
    value = {
        "nan": float("nan"),
        "inf": math.inf,
        "na": pd.NA,
        "nat": pd.NaT,
        "when": pd.Timestamp("2022-01-03 12:30"),
        "frame": pd.DataFrame({"a": [1, 2]}),
        "int": pd.Series([1]).iloc[0],
    }
    plain = jsonable(value)
    assert plain == {
        "nan": None,
        "inf": None,
        "na": None,
        "nat": None,
        "when": "2022-01-03T12:30:00",
        "frame": [{"a": 1}, {"a": 2}],
        "int": 1,
    }
    json.dumps(plain, allow_nan=False)


def test_a_period_keeps_the_validation_counts_and_is_the_reports_span(broken):
    report = build_report(broken, start="2020-01-01", end="2021-12-31")
    assert report.validation.n_rows == len(broken) and report.validation.n_rejected == 2
    assert report.selection["start"] == "2020-01-01" and report.selection["end"] == "2021-12-31"
    dates = pd.to_datetime(report.daily["date"])
    assert dates.min() >= pd.Timestamp("2020-01-01") and dates.max() <= pd.Timestamp("2021-12-31")
    assert report.period == (pd.Timestamp("2020-01-01"), pd.Timestamp("2021-12-31"))
    assert report.anniversaries[0].years == (2020, 2021)
    assert "from 2020-01-01; to 2021-12-31" in report.to_html()


def test_exposure_reaches_the_anniversary_test(broken):
    valid = ed.validate(broken, errors="quarantine").valid
    days = pd.date_range("2019-01-01", "2022-12-31", freq="D")
    exposure = pd.Series(1.0, index=days)
    exposure[days >= "2021-01-01"] = 2.0  # e.g. twice the sources from 2021
    exposure[(days >= "2020-06-01") & (days <= "2020-06-30")] = 0.0  # no coverage in June 2020
    report = build_report(broken, exposure=exposure)
    (result,) = report.anniversaries
    expected = anniversary_test(valid, "01-03", exposure=exposure)
    assert result.rate_ratio == pytest.approx(expected.rate_ratio)
    assert result.uncovered_days == 30 and result.model["exposure"] is True
    study = ed.event_study(valid, "01-03", exposure=exposure)
    pd.testing.assert_frame_equal(report.event_studies["01-03"].to_frame(), study.to_frame())
    assert report.to_dict()["anniversaries"][0]["uncovered_days"] == 30
    assert build_report(broken).anniversaries[0].model["exposure"] is False
