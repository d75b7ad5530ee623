"""The report, anniversary and provinces commands, on a CSV export, a store and the example."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

import eventdata as ed
from eventdata.cli import main


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> tuple:
    """An ACLED-style CSV of four simulated years with one row broken, and its events."""
    events = ed.datasets.simulate(
        "2019-01-01", "2022-12-31", seed=5, anniversaries=["01-03"], effect=1.5
    )
    path = tmp_path_factory.mktemp("export") / "iraq-syria.csv"
    ed.write_acled(events, path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw.loc[0, "fatalities"] = "-4"
    raw.to_csv(path, index=False)
    return path, events


@pytest.fixture(scope="module")
def store(tmp_path_factory, export) -> str:
    folder = tmp_path_factory.mktemp("store") / "acled"
    ed.EventStore(folder).upsert(export[1])
    return str(folder)


def test_report_from_a_csv_export_writes_one_html_file(export, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", str(export[0]), "--anniversary", "01-03", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out} (html, 6 figures)" in printed
    assert f"{len(export[1])} rows read, {len(export[1]) - 1} valid, 1 rejected" in printed
    page = out.read_text(encoding="utf-8")
    assert page.count('<img src="data:image/png;base64,') == 6
    assert "ACLED export iraq-syria.csv" in page
    assert "fatalities" in page  # the rule the broken row failed


def test_report_as_json_from_a_store(store, tmp_path):
    out = tmp_path / "numbers.json"
    assert main(["report", store, "--out", str(out), "--country", "Iraq"]) == 0
    numbers = json.loads(out.read_text(encoding="utf-8"))
    assert numbers["source"].startswith("Event store")
    assert numbers["validation"]["rows_rejected"] == 0
    assert numbers["selection"]["countries"] == ["Iraq"]
    (test,) = numbers["anniversaries"]
    assert test["anniversary"] == "01-03" and test["window_start"] == 0 and test["window_end"] == 6
    assert {p["country"] for p in numbers["provinces"]["table"]} == {"Iraq"}


def test_report_format_option_names_the_default_file(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["report", store, "--format", "json", "--window", "0", "3"]) == 0
    numbers = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert numbers["window"] == [0, 3]


def test_anniversary_prints_and_writes_csv_and_json(store, tmp_path, capsys):
    csv = tmp_path / "results.csv"
    args = ["anniversary", store, "--anniversary", "01-03", "--anniversary", "07-04"]
    assert main([*args, "--window", "0", "6", "--out", str(csv)]) == 0
    printed = capsys.readouterr().out
    assert "Anniversary test 01-03" in printed and "Anniversary test 07-04" in printed
    table = pd.read_csv(csv, dtype={"anniversary": str})
    assert table["anniversary"].tolist() == ["01-03", "07-04"]
    assert (table["pvalue_adjusted"] >= table["pvalue"]).all()
    out = tmp_path / "results.json"
    assert main(["anniversary", store, "--actors", "coalition", "--out", str(out)]) == 0
    (result,) = json.loads(out.read_text(encoding="utf-8"))
    assert result["anniversary"] == "01-03" and len(result["by_year"]) == result["n_years"]


def test_provinces_prints_and_writes_csv_and_json(export, tmp_path, capsys):
    csv = tmp_path / "provinces.csv"
    assert main(["provinces", str(export[0]), "--country", "Syria", "--out", str(csv)]) == 0
    assert "flags at FDR 0.05" in capsys.readouterr().out
    table = pd.read_csv(csv)
    assert set(table["country"]) == {"Syria"} and len(table) == 14
    out = tmp_path / "provinces.json"
    assert main(["provinces", str(export[0]), "--out", str(out)]) == 0
    numbers = json.loads(out.read_text(encoding="utf-8"))
    assert [c["country"] for c in numbers["countries"]] == ["Iraq", "Syria"]
    assert len(numbers["table"]) == 32


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report"], "give an INPUT"),
        (["anniversary", "x.csv", "--example"], "not both"),
        (["provinces", "--example", "--out", "p.txt"], "must end in .csv or .json"),
        (["anniversary", "--example", "--country", "Atlantis"], "unknown country 'Atlantis'"),
    ],
)
def test_mistakes_get_one_clear_error(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_report_example_through_the_installed_command(tmp_path):
    out = tmp_path / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "eventdata.cli", "report", "--example", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    assert "rate ratio" in done.stdout
    assert out.read_text(encoding="utf-8").count("data:image/png;base64,") == 6


def _pdf_pages(content: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", content))


@pytest.mark.parametrize(
    ("country", "rows_per_page", "table_pages"), [("Syria", 45, 1), (None, 10, 4)]
)
def test_report_as_pdf_has_a_page_per_figure_and_text_pages(
    store, tmp_path, capsys, monkeypatch, country, rows_per_page, table_pages
):
    monkeypatch.setattr("eventdata.report.document.PDF_TABLE_ROWS", rows_per_page)
    out = tmp_path / "report.pdf"
    selection = ["--country", country] if country else []
    assert main(["report", store, "--out", str(out), *selection]) == 0
    assert f"wrote {out} (pdf, 6 figures)" in capsys.readouterr().out
    content = out.read_bytes()
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    provinces = 14 if country == "Syria" else 32
    assert -(-provinces // rows_per_page) == table_pages
    # summary, six figures, the province table, methods and caveats
    assert _pdf_pages(content) == 1 + 6 + table_pages + 1
    assert b"<html" not in content.lower()


def test_report_format_pdf_names_the_default_file(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["report", store, "--format", "pdf", "--country", "Iraq"]) == 0
    assert (tmp_path / "report.pdf").read_bytes()[:5] == b"%PDF-"


def test_report_with_a_period_still_counts_the_rows_read_and_rejected(export, tmp_path, capsys):
    out = tmp_path / "period.json"
    args = ["report", str(export[0]), "--start", "2020-01-01", "--end", "2021-12-31"]
    assert main([*args, "--out", str(out)]) == 0
    rows = len(export[1])
    assert f"{rows} rows read, {rows - 1} valid, 1 rejected" in capsys.readouterr().out
    numbers = json.loads(out.read_text(encoding="utf-8"))
    assert numbers["validation"]["rows_read"] == rows
    assert numbers["validation"]["rows_rejected"] == 1
    assert numbers["selection"]["start"] == "2020-01-01"
    assert numbers["selection"]["end"] == "2021-12-31"
    dates = pd.to_datetime(export[1]["event_date"])
    in_period = ((dates >= "2020-01-01") & (dates <= "2021-12-31")).sum()
    assert numbers["selection"]["events"] in (in_period, in_period - 1)  # the broken row
    assert numbers["period"] == ["2020-01-01", "2021-12-31"]


def _exposure_file(path, events, *, doubled: str, missing: str) -> pd.Series:
    """A daily exposure CSV over the events' span: 1, then 2 from `doubled`, 0 in June `missing`."""
    days = pd.date_range(events["event_date"].min(), events["event_date"].max(), freq="D")
    exposure = pd.Series(1.0, index=days)
    exposure[exposure.index >= doubled] = 2.0
    exposure[exposure.index.strftime("%Y-%m") == f"{missing}-06"] = 0.0
    exposure.rename_axis("date").rename("exposure").reset_index().to_csv(path, index=False)
    return exposure


def test_anniversary_takes_an_exposure_file(store, export, tmp_path):
    exposure_csv = tmp_path / "exposure.csv"
    exposure = _exposure_file(exposure_csv, export[1], doubled="2021-01-01", missing="2020")
    out = tmp_path / "with-exposure.json"
    assert main(["anniversary", store, "--exposure", str(exposure_csv), "--out", str(out)]) == 0
    (result,) = json.loads(out.read_text(encoding="utf-8"))
    expected = ed.anniversary_test(ed.read_parquet(store), "01-03", exposure=exposure)
    assert result["rate_ratio"] == pytest.approx(expected.rate_ratio)
    assert result["uncovered_days"] == expected.uncovered_days == 30
    plain = tmp_path / "without.json"
    assert main(["anniversary", store, "--out", str(plain)]) == 0
    (without,) = json.loads(plain.read_text(encoding="utf-8"))
    assert without["uncovered_days"] == 0
    assert without["rate_ratio"] != pytest.approx(result["rate_ratio"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("day,exposure\n2020-01-01,1\n", "needs the columns date and exposure"),
        ("date,exposure\n2020-01-01,many\n", "not a number"),
        ("date,exposure\n2020-13-01,1\n", "not a date"),
        ("date,exposure\n2020-01-01,-1\n", "negative"),
        ("date,exposure\n2020-01-01,1\n2020-01-01,2\n", "more than once"),
    ],
)
def test_a_bad_exposure_file_gets_one_clear_error(text, message, tmp_path, capsys):
    path = tmp_path / "exposure.csv"
    path.write_text(text, encoding="utf-8")
    assert main(["anniversary", "--example", "--exposure", str(path)]) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    assert main(["anniversary", "--example", "--exposure", str(tmp_path / "none.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_report_takes_an_exposure_file(store, export, tmp_path):
    exposure_csv = tmp_path / "exposure.csv"
    _exposure_file(exposure_csv, export[1], doubled="2022-01-01", missing="2021")
    out = tmp_path / "report.json"
    args = ["report", store, "--exposure", str(exposure_csv), "--country", "Iraq"]
    assert main([*args, "--out", str(out)]) == 0
    (test,) = json.loads(out.read_text(encoding="utf-8"))["anniversaries"]
    assert test["uncovered_days"] == 30
