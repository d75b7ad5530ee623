"""The schemas, and the files under schemas/ that are generated from them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors
import pytest
import yaml

from eventdata.core import codebook
from eventdata.core.schema import (
    ACLED_SCHEMA,
    CORE_SCHEMA,
    FRAME_RULES,
    SCHEMAS,
    IncidentSchema,
    schema_files,
    write_schema_files,
)

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"


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


# (column, value): each breaks one value or cross-column rule of row 2 of the typed
# seed incidents (SEED-IRQ-003: inter1 8, inter2 3, Strategic developments); None
# as value: missing.
BROKEN_TYPED = [
    ("event_id_cnty", None),
    ("event_date", None),
    ("year", 2021),
    ("year", 1800),
    ("time_precision", 4),
    ("geo_precision", None),
    ("event_type", "Protests"),
    ("sub_event_type", "Armed clash"),
    ("inter1", 9),
    ("inter1", 0),
    ("interaction", 37),
    ("latitude", 91.0),
    ("latitude", np.inf),
    ("latitude", np.nan),
    ("longitude", -180.5),
    ("iso", 1000),
    ("fatalities", -1),
    ("timestamp", -5),
    ("source", None),
]
# Changes that keep every rule: optional values missing, unused categories.
KEPT_TYPED = [
    ("admin1", None),
    ("iso", None),
    ("civilian_targeting", None),
    ("fatalities", 0),
    ("latitude", -90.0),
]


def _pandera_finds_failures(frame: pd.DataFrame, schema: IncidentSchema) -> bool:
    try:
        schema.to_pandera().validate(frame, lazy=True)
    except pandera.errors.SchemaErrors:
        return True
    return False


@pytest.mark.parametrize(("column", "value"), BROKEN_TYPED + KEPT_TYPED)
def test_the_vectorised_rules_agree_with_pandera(seed_events, column, value):
    frame = seed_events.copy()
    frame.loc[2, column] = value
    assert ACLED_SCHEMA.rules_hold(frame) is not _pandera_finds_failures(frame, ACLED_SCHEMA)
    assert ACLED_SCHEMA.rules_hold(frame) is ((column, value) in KEPT_TYPED)


def test_the_vectorised_rules_hold_on_valid_frames(seed_events, simulated):
    more_categories = seed_events.assign(
        event_type=seed_events["event_type"].cat.add_categories(["Unused"])
    )
    for frame in [seed_events, simulated, seed_events.iloc[:0], more_categories]:
        assert ACLED_SCHEMA.rules_hold(frame)
    assert CORE_SCHEMA.rules_hold(seed_events)


def test_every_cross_column_rule_can_be_called_directly():
    for schema in SCHEMAS.values():
        for *_, check in schema.frame_rules:
            assert check.name in FRAME_RULES
