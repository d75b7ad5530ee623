"""Frames as users build them: the same cell rules whatever the dtype, and as in files."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import eventdata as ed
from eventdata.cli import main
from tests.conftest import to_csv_buffer

TEXT_DTYPES = ["object", "string", "string[pyarrow]", "string[python]", "str"]

# (column, value written, what becomes of it): every path reads a cell the same way
CELLS = [
    ("country", " Iraq ", "Iraq"),
    ("admin1", "\tBaghdad\u00a0", "Baghdad"),
    ("location", "   ", "rejected: location: required"),
    ("actor2", " ", None),
    ("event_date", "2150-01-01", "rejected: event_date: a valid date"),
    ("event_date", "1899-12-31", "rejected: event_date: a valid date"),
]


def _validate_quietly(frame: pd.DataFrame) -> ed.Quarantine:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ed.CodebookWarning)
        return ed.validate(frame, errors="quarantine")


def _outcome(q: ed.Quarantine, column: str):
    if q.n_rejected:
        return "rejected: " + q.rejected["reason"].iloc[0]
    value = q.valid[column].iloc[2]
    return None if pd.isna(value) else value


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
@pytest.mark.parametrize(("column", "value", "expected"), CELLS)
def test_a_text_frame_of_any_dtype_is_read_as_the_csv_is(raw_seed, dtype, column, value, expected):
    raw = raw_seed.copy()
    raw.loc[2, column] = value
    from_file = _validate_quietly_read(to_csv_buffer(raw))
    from_frame = _validate_quietly(raw.astype(dtype))
    got_file, got_frame = _outcome(from_file, column), _outcome(from_frame, column)
    assert got_frame == got_file
    if expected is not None and expected.startswith("rejected"):
        assert got_frame.startswith(expected)
        assert from_frame.n_valid == len(raw) - 1
    else:
        assert got_frame == expected
        assert from_frame.n_valid == len(raw)


def _validate_quietly_read(buffer) -> ed.Quarantine:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ed.CodebookWarning)
        return ed.read_acled(buffer, errors="quarantine")


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
@pytest.mark.parametrize("column", ["actor1", "notes", "admin1", "source"])
def test_a_nul_character_rejects_its_row_in_any_text_dtype(raw_seed, dtype, column):
    raw = raw_seed.copy()
    raw.loc[4, column] = "Abu\x00Ghraib"
    q = _validate_quietly(raw.astype(dtype))
    assert q.n_valid == len(raw) - 1
    reason = q.rejected["reason"].iloc[0]
    assert reason.startswith(f"{column}: text without NUL")
    assert "\x00" not in reason and "Abu\\x00Ghraib" in reason


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_a_typed_frame_with_missing_numbers_in_text_columns_does_not_crash(raw_seed, dtype):
    raw = raw_seed.astype(dtype)
    raw.loc[1, "latitude"] = None
    raw.loc[3, "fatalities"] = None
    q = _validate_quietly(raw)
    assert q.n_valid == len(raw) - 2
    assert sorted(q.failures["column"]) == ["fatalities", "latitude"]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_typed_dates_outside_the_years_a_file_may_hold_are_rejected(seed_events, unit):
    events = seed_events.copy()
    dates = events["event_date"].to_numpy().astype(f"datetime64[{unit}]")
    if unit != "ns":  # out of datetime64[ns]'s range, as ACLED's API served in 2025
        dates[0] = np.datetime64("0025-03-14", unit)
    else:
        dates[0] = np.datetime64("1650-01-01", unit)
    dates[1] = np.datetime64("2150-06-01", unit)
    events["event_date"] = dates
    q = ed.validate(events, errors="quarantine")
    assert q.n_valid == len(events) - 2
    assert set(q.failures.query("column == 'event_date'")["row"]) == {0, 1}
    assert q.valid["event_date"].dtype == "datetime64[ns]"


def test_prose_keeps_its_surrounding_whitespace_and_names_do_not(raw_seed):
    raw = raw_seed.astype("string")
    raw.loc[0, "notes"] = "\nShelling at dawn. "
    raw.loc[0, "actor1"] = " Islamic State (Iraq)"
    typed = ed.validate(raw)
    assert typed.loc[0, "notes"] == "\nShelling at dawn. "
    assert typed.loc[0, "actor1"] == "Islamic State (Iraq)"


def _two_downloads(raw: pd.DataFrame) -> pd.DataFrame:
    """Last week's download, then this week's: two events revised, one repeated unchanged."""
    revised = raw.iloc[[0, 1]].assign(timestamp="1700000000", fatalities="5")
    repeated = raw.iloc[[2]]
    return pd.concat([raw, revised, repeated], ignore_index=True)


def test_concatenated_downloads_keep_the_newer_version_of_each_event(raw_seed):
    q = ed.validate(_two_downloads(raw_seed), errors="quarantine")
    assert q.n_rows == q.n_valid + q.n_rejected == len(raw_seed) + 3
    assert q.valid["event_id_cnty"].is_unique and q.n_valid == len(raw_seed)
    newer = q.valid.set_index("event_id_cnty").loc[raw_seed["event_id_cnty"].iloc[:2]]
    assert newer["timestamp"].tolist() == [1700000000] * 2 and newer["fatalities"].tolist() == [
        5,
        5,
    ]
    reasons = q.rejected.set_index("event_id_cnty")["reason"]
    for event in raw_seed["event_id_cnty"].iloc[:2]:
        assert reasons[event].startswith("event_id_cnty: superseded by a newer version")
        assert "newer version's timestamp 1700000000" in reasons[event]
    assert reasons[raw_seed["event_id_cnty"].iloc[2]].endswith(
        "an exact copy of an earlier row (got SEED-IRQ-003)"
    )


def test_the_order_of_the_downloads_does_not_matter(raw_seed):
    both = _two_downloads(raw_seed)
    forward = ed.validate(both, errors="quarantine").valid
    backward = ed.validate(both.iloc[::-1], errors="quarantine").valid
    columns = ["event_id_cnty", "timestamp", "fatalities"]
    pd.testing.assert_frame_equal(
        forward[columns].sort_values("event_id_cnty", ignore_index=True),
        backward[columns].sort_values("event_id_cnty", ignore_index=True),
    )


def test_versions_with_the_same_timestamp_that_differ_are_still_rejected(raw_seed):
    conflict = raw_seed.iloc[[3]].assign(fatalities="9")
    q = ed.validate(pd.concat([raw_seed, conflict], ignore_index=True), errors="quarantine")
    event = raw_seed.loc[3, "event_id_cnty"]
    assert q.n_rejected == 2 and event not in set(q.valid["event_id_cnty"])
    assert (q.rejected["reason"].str.contains("unique")).all()


def test_the_cli_reads_concatenated_downloads(raw_seed, tmp_path, capsys):
    path = tmp_path / "two-weeks.csv"
    _two_downloads(raw_seed).to_csv(path, index=False)
    out = tmp_path / "rejected.csv"
    assert main(["validate", str(path), "--quarantine", str(out)]) == 1  # rows set aside
    assert "rows valid:    6" in capsys.readouterr().out
    rejected = pd.read_csv(out)
    assert rejected["reason"].str.contains("superseded by a newer version").sum() == 2
