"""Validation once: a frame already validated is stored without being validated again,
and a frame changed after validation is validated (and rejected when it breaks a rule)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import eventdata as ed
from eventdata.core.schema import ACLED_SCHEMA, CORE_SCHEMA
from eventdata.core.validity import known_valid
from eventdata.store import EventStore, read_parquet, write_parquet


@pytest.fixture
def typed(seed_events: pd.DataFrame) -> pd.DataFrame:
    return ed.validate(seed_events.copy())


def test_what_validate_returns_is_known_valid_for_its_schema_only(typed):
    assert known_valid(typed, ACLED_SCHEMA)
    assert not known_valid(typed, CORE_SCHEMA)
    quarantine = ed.validate(typed.copy(), errors="quarantine")
    assert known_valid(quarantine.valid, ACLED_SCHEMA)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("fatalities", -5),  # a masked integer column, edited in place
        ("latitude", 123.0),  # a float column (a numpy block shared with longitude)
        ("event_date", pd.Timestamp("1850-01-01")),
        ("event_type", "Protests"),  # a categorical
        ("notes", "\0"),  # an Arrow string column
        ("fatalities", pd.NA),
    ],
)
def test_an_edit_in_place_after_validation_is_noticed(typed, column, value):
    typed.loc[2, column] = value
    assert not known_valid(typed, ACLED_SCHEMA)


def test_derived_frames_are_not_trusted(typed):
    assert not known_valid(typed.copy(), ACLED_SCHEMA)
    assert not known_valid(typed.head(3), ACLED_SCHEMA)
    assert not known_valid(typed.assign(fatalities=1), ACLED_SCHEMA)
    assert not known_valid(typed.drop(columns="notes"), ACLED_SCHEMA)
    assert not known_valid(typed.rename(columns={"notes": "comments"}), ACLED_SCHEMA)
    with_extra = typed.copy()
    with_extra["extra"] = 1
    assert not known_valid(with_extra, ACLED_SCHEMA)
    buffer = io.BytesIO()
    typed.to_pickle(buffer)
    buffer.seek(0)
    assert not known_valid(pd.read_pickle(buffer), ACLED_SCHEMA)
    assert known_valid(typed, ACLED_SCHEMA)  # the frame itself still is


@pytest.mark.parametrize("write", ["upsert", "write_parquet"])
def test_a_frame_edited_after_validation_is_validated_and_rejected(typed, tmp_path, write):
    typed.loc[1, "fatalities"] = -5
    typed.loc[3, "event_date"] = pd.Timestamp("1850-01-01")
    with pytest.raises(ed.ValidationError, match="fatalities") as caught:
        if write == "upsert":
            EventStore(tmp_path / "store").upsert(typed)
        else:
            write_parquet(typed, tmp_path / "store")
    assert set(caught.value.failures["column"]) >= {"fatalities", "event_date"}
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())


def test_a_store_read_is_known_valid_and_stored_again_as_it_is(typed, tmp_path):
    write_parquet(typed, tmp_path / "first")
    back = read_parquet(tmp_path / "first")
    assert known_valid(back, ACLED_SCHEMA)
    assert not known_valid(read_parquet(tmp_path / "first", columns=["event_date"]), ACLED_SCHEMA)
    change = EventStore(tmp_path / "second").upsert(back)
    assert change.added == len(typed)
    pd.testing.assert_frame_equal(EventStore(tmp_path / "second").read(), back)
    back.loc[0, "fatalities"] = -1  # edited: validated, rejected
    with pytest.raises(ed.ValidationError, match="fatalities"):
        EventStore(tmp_path / "third").upsert(back)


def test_an_acled_file_read_is_known_valid(seed_events, tmp_path):
    path = ed.write_acled(seed_events, tmp_path / "seed.csv")
    assert known_valid(ed.read_acled(path), ACLED_SCHEMA)
