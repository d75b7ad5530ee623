"""The schemas, and the files under schemas/ that are generated from them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from eventdata import codebook
from eventdata.schema import ACLED_SCHEMA, CORE_SCHEMA, schema_files, write_schema_files

SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"


def test_schema_files_are_in_sync_with_the_code():
    expected = schema_files()
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMAS_DIR.iterdir()}
    stale = sorted(n for n in expected if committed.get(n) != expected[n])
    assert not stale, f"regenerate with `eventdata schemas --out schemas`: {stale}"
    assert set(committed) == set(expected)


def test_acled_schema_has_the_31_codebook_columns_in_order():
    assert ACLED_SCHEMA.columns == codebook.ACLED_COLUMNS
    assert len(ACLED_SCHEMA.columns) == 31


def test_acled_extends_the_core_schema():
    assert set(CORE_SCHEMA.columns) < set(ACLED_SCHEMA.columns)
    for name in CORE_SCHEMA.columns:
        # ACLED may narrow a core column (make it required, close its vocabulary), never loosen it
        assert ACLED_SCHEMA.fields[name].required >= CORE_SCHEMA.fields[name].required, name
    assert CORE_SCHEMA.fields["event_type"].kind == "string"
    assert ACLED_SCHEMA.fields["event_type"].categories == tuple(codebook.EVENT_TYPES)


def test_frictionless_descriptor_carries_the_vocabularies(tmp_path):
    write_schema_files(tmp_path)
    table = json.loads((tmp_path / "acled.schema.json").read_text())
    fields = {f["name"]: f for f in table["fields"]}
    assert list(fields) == list(codebook.ACLED_COLUMNS)
    assert fields["sub_event_type"]["constraints"]["enum"] == list(codebook.SUB_EVENT_TYPES)
    assert fields["latitude"]["constraints"] == {"required": True, "minimum": -90, "maximum": 90}
    assert table["primaryKey"] == ["event_id_cnty"]
    assert {r["name"] for r in table["rules"]} == {
        "sub_event_type_belongs_to_event_type",
        "interaction_matches_inter_codes",
        "year_matches_event_date",
    }


def test_pandera_yaml_round_trips_into_a_schema(tmp_path):
    import pandera.pandas as pa

    text = schema_files()["acled.pandera.yaml"]
    spec = yaml.safe_load(text)
    assert spec["name"] == "acled"
    schema = pa.DataFrameSchema.from_yaml(text)
    assert list(schema.columns) == list(codebook.ACLED_COLUMNS)
    names = [check.name for check in schema.checks]
    assert "sub_event_type_belongs_to_event_type" in names
