"""Hand-coded incidents: the template, its descriptor, and validation with quarantine."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import eventdata as ed
from eventdata.core import codebook
from eventdata.core.schema import INCIDENT_SCHEMA
from eventdata.io.incidents import read_incidents, write_template


@pytest.fixture
def template(tmp_path):
    return write_template(tmp_path / "incidents.csv")


def _fill(path, rows: list[dict]) -> None:
    header = pd.read_csv(path, nrows=0).columns
    frame = pd.DataFrame(rows).reindex(columns=header)
    with path.open("a", encoding="utf-8") as handle:
        frame.to_csv(handle, header=False, index=False)


ROW = {
    "event_id_cnty": "HC-1",
    "event_date": "2022-01-05",
    "time_precision": 1,
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Shelling/artillery/missile attack",
    "actor1": "Unidentified Armed Group (Syria)",
    "country": "Syria",
    "location": "Green Village",
    "latitude": 35.05,
    "longitude": 40.55,
    "geo_precision": 2,
    "source": "Al-Monitor, 2022-01-06",
    "fatalities": 0,
}


def test_template_has_the_columns_an_example_comment_and_the_vocabularies(template):
    csv_path, schema_path = template
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == list(INCIDENT_SCHEMA.columns)
    assert lines[1].startswith("# HC-0001")
    descriptor = json.loads(schema_path.read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in descriptor["fields"]}
    assert fields["event_type"]["constraints"]["enum"] == list(codebook.EVENT_TYPES)
    assert fields["source"]["constraints"]["required"] is True


def test_filled_template_validates(template):
    csv_path, _ = template
    _fill(csv_path, [ROW, {**ROW, "event_id_cnty": "HC-2", "source_url": "https://example.org/a"}])
    incidents = read_incidents(csv_path)
    assert incidents["event_id_cnty"].tolist() == ["HC-1", "HC-2"]
    assert (incidents["dataset"] == "hand-coded").all()
    assert incidents["event_type"].dtype.categories.tolist() == list(codebook.EVENT_TYPES)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"source": None}, "source: required"),
        ({"source_url": "www.example.org"}, "source_url, when given, is an http(s) address"),
        ({"sub_event_type": "Armed clash"}, "sub_event_type is one of its event_type"),
        ({"event_type": "Skirmish"}, "vocabulary"),
    ],
)
def test_each_incident_rule_quarantines(template, change, rule):
    csv_path, _ = template
    _fill(csv_path, [ROW, {**ROW, "event_id_cnty": "HC-2", **change}])
    q = read_incidents(csv_path, errors="quarantine")
    assert q.n_valid == 1 and q.rejected["event_id_cnty"].tolist() == ["HC-2"]
    assert rule in q.rejected["reason"].iloc[0]
    with pytest.raises(ed.ValidationError, match="HC-2"):
        read_incidents(csv_path)
