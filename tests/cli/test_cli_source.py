"""Every source through every command: --source acled|ucdp-ged|incidents|auto."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import eventdata as ed
from eventdata.cli import main
from eventdata.core.schema import ACLED_SCHEMA, INCIDENT_SCHEMA
from eventdata.core.sources import detect_source

SOURCE_READERS = {
    "acled": ed.read_acled,
    "ucdp-ged": ed.read_ucdp_ged,
    "incidents": ed.read_incidents,
}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "eventdata.cli", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def _as_ged(events: pd.DataFrame) -> pd.DataFrame:
    """Events written as a UCDP GED file would hold them."""
    violence = (
        events["event_type"]
        .astype(str)
        .map({"Battles": 1, "Violence against civilians": 3})
        .fillna(2)
    )
    dates = events["event_date"].dt.strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            "id": range(1, len(events) + 1),
            "type_of_violence": violence.astype(int),
            "side_a": events["actor1"],
            "side_b": events["actor2"].fillna("Civilians"),
            "where_prec": 1,
            "where_coordinates": events["location"],
            "adm_1": events["admin1"] + " province",
            "latitude": events["latitude"],
            "longitude": events["longitude"],
            "country": events["country"],
            "date_prec": 1,
            "date_start": dates,
            "date_end": dates,
            "best": events["fatalities"],
            "low": events["fatalities"],
            "high": events["fatalities"],
            "source_article": events["source"],
        }
    )


def _as_incidents(events: pd.DataFrame) -> pd.DataFrame:
    coded = events.assign(source_url="https://example.org/report", coder="AB", dataset="hand-coded")
    coded["event_date"] = coded["event_date"].dt.strftime("%Y-%m-%d")
    return coded[list(INCIDENT_SCHEMA.columns)]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    events = ed.datasets.simulate("2021-01-01", "2022-12-31", seed=11)
    folder = tmp_path_factory.mktemp("sources")
    paths = {
        "acled": ed.write_acled(events, folder / "acled.csv"),
        "ucdp-ged": folder / "ged.csv",
        "incidents": folder / "incidents.csv",
    }
    _as_ged(events).to_csv(paths["ucdp-ged"], index=False)
    _as_incidents(events).to_csv(paths["incidents"], index=False)
    return paths


def test_the_source_is_detected_from_any_header(files):
    for source, path in files.items():
        header = pd.read_csv(path, nrows=0).columns
        assert detect_source(header) == source
        assert detect_source([f" {name.upper()} " for name in header]) == source
    assert detect_source(ACLED_SCHEMA.columns) == "acled"
    assert detect_source(["event_id_cnty", "event_date"]) == "acled"  # its reader names the rest


@pytest.mark.parametrize("source", list(SOURCE_READERS))
@pytest.mark.parametrize("given", ["auto", "named"])
def test_validate_reads_each_source(files, source, given, capsys):
    path = files[source]
    options = [] if given == "auto" else ["--source", source]
    code = main(["validate", str(path), *options])
    printed = capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = SOURCE_READERS[source](path, errors="quarantine")
    assert code == 0, printed.out + printed.err
    assert f"rows valid:    {expected.n_valid}" in printed.out and expected.n_valid > 1000


@pytest.mark.parametrize("source", list(SOURCE_READERS))
def test_the_analyses_run_on_each_source_as_in_python(files, source, tmp_path, capsys):
    path = files[source]
    out = tmp_path / "anniversary.json"
    assert main(["anniversary", str(path), "--anniversary", "01-03", "--out", str(out)]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        events = SOURCE_READERS[source](path)
        expected = ed.anniversary_test(events, "01-03")
    assert json.loads(out.read_text())[0]["rate_ratio"] == pytest.approx(expected.rate_ratio)
    assert main(["provinces", str(path), "--source", source]) == 0
    report = tmp_path / "report.json"
    assert main(["report", str(path), "--format", "json", "--out", str(report)]) == 0
    assert json.loads(report.read_text())
    assert "error" not in capsys.readouterr().err


def test_the_cli_validates_its_own_template(tmp_path):
    template = tmp_path / "x.csv"
    assert run("template", "--out", template).returncode == 0
    done = run("validate", template)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rows rejected: 0" in done.stdout and "error" not in done.stderr


def test_a_source_named_wrongly_is_one_clear_line(files, capsys):
    assert main(["validate", str(files["ucdp-ged"]), "--source", "acled"]) == 2  # input error
    err = capsys.readouterr().err
    assert err.startswith("error: missing required column(s) for the 'acled' schema")
    assert len(err.strip().splitlines()) == 1
    assert main(["validate", str(files["acled"]), "--source", "ged"]) == 2  # a usage error
    assert "invalid choice" in capsys.readouterr().err
