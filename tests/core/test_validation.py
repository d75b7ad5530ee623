"""Validation: every rule rejects a row that breaks it, and nothing is lost or duplicated."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eventdata as ed
from eventdata.core import codebook
from eventdata.core.schema import ACLED_SCHEMA
from eventdata.core.validation import has_repeats, text_keys

# (column, bad value, words the rule must contain). Each breaks one rule on row 2
# of the seed incidents (SEED-IRQ-003: inter1 8, inter2 3, Strategic developments).
BROKEN = [
    ("event_id_cnty", "", "required"),
    ("event_date", "2022-13-45", "a valid date"),
    ("event_date", "", "required"),
    ("year", "2021", "year is the year of event_date"),
    ("year", "20x2", "an integer"),
    ("time_precision", "4", "vocabulary"),
    ("geo_precision", "0", "vocabulary"),
    ("disorder_type", "Chaos", "vocabulary"),
    ("event_type", "Skirmish", "vocabulary"),
    ("event_type", "Protests", "sub_event_type is one of its event_type"),
    ("sub_event_type", "Pillow fight", "vocabulary"),
    ("sub_event_type", "Armed clash", "sub_event_type is one of its event_type"),
    ("inter1", "9", "vocabulary"),
    ("inter1", "Aliens", "actor-type code"),
    ("inter2", "", "required"),
    ("interaction", "37", "interaction is 10*min"),
    ("interaction", "Rioters only", "interaction is 10*min"),
    ("civilian_targeting", "Yes", "vocabulary"),
    ("latitude", "91", "between -90 and 90"),
    ("latitude", "north", "a number"),
    ("longitude", "-180.5", "between -180 and 180"),
    ("fatalities", "-1", ">= 0"),
    ("fatalities", "2.5", "an integer"),
    ("fatalities", "", "required"),
    ("timestamp", "-5", ">= 0"),
    ("iso", "1000", "between 0 and 999"),
    ("actor1", "", "required"),
    ("country", "  ", "required"),
    ("location", None, "required"),
    ("source", "", "required"),
]


@pytest.mark.parametrize(("column", "value", "rule"), BROKEN)
def test_each_rule_rejects_the_row_that_breaks_it(raw_seed, column, value, rule):
    raw = raw_seed.copy()
    raw.loc[2, column] = value
    q = ed.validate(raw, errors="quarantine")
    assert q.n_valid == len(raw) - 1
    assert q.rejected.index.tolist() == [2]
    failures = q.failures[q.failures["row"] == 2]
    assert rule in " | ".join(failures["rule"]), failures
    assert column in set(failures["column"]) or rule.startswith(("year is", "sub_event", "inter"))
    with pytest.raises(ed.ValidationError) as info:
        ed.validate(raw)
    message = str(info.value)
    assert "1 of 6 rows failed" in message
    assert "row 2" in message and rule in message


def test_valid_data_passes_and_is_typed(raw_seed):
    typed = ed.validate(raw_seed)
    assert list(typed.columns) == list(codebook.ACLED_COLUMNS)
    for name, dtype in ACLED_SCHEMA.dtypes.items():
        assert typed[name].dtype == dtype, name
    assert typed["event_type"].cat.categories.tolist() == list(codebook.EVENT_TYPES)
    assert typed["fatalities"].sum() == 0


def test_validate_never_mutates_its_input(raw_seed):
    before = raw_seed.copy()
    raw_seed.loc[1, "fatalities"] = "-4"
    snapshot = raw_seed.copy()
    ed.validate(raw_seed, errors="quarantine")
    pd.testing.assert_frame_equal(raw_seed, snapshot)
    assert not before.equals(raw_seed)


def test_typed_input_validates_unchanged(seed_events):
    again = ed.validate(seed_events)
    pd.testing.assert_frame_equal(again, seed_events)


def test_the_error_names_every_failing_row_and_rule(raw_seed):
    raw = raw_seed.copy()
    raw.loc[0, "fatalities"] = "-1"
    raw.loc[3, "latitude"] = "95"
    raw.loc[3, "event_type"] = "Skirmish"
    with pytest.raises(ed.ValidationError) as info:
        ed.validate(raw)
    err = info.value
    assert isinstance(err, ValueError)
    assert "2 of 6 rows failed" in str(err)
    assert "row 0 (SEED-IRQ-001): fatalities: >= 0 (got -1)" in str(err)
    assert "row 3 (SEED-SYR-001)" in str(err)
    assert set(err.failures["column"]) == {"fatalities", "latitude", "event_type"}
    assert err.failures["row"].tolist() == [0, 3, 3]


def test_conflicting_duplicate_ids_reject_both_rows(raw_seed):
    raw = raw_seed.copy()
    raw.loc[1, "event_id_cnty"] = raw.loc[0, "event_id_cnty"]
    q = ed.validate(raw, errors="quarantine")
    assert q.rejected.index.tolist() == [0, 1]
    assert q.rejected["reason"].str.contains("unique").all()


def test_exact_duplicate_rows_keep_the_first_copy(raw_seed):
    raw = pd.concat([raw_seed, raw_seed.iloc[[4]]], ignore_index=True)
    q = ed.validate(raw, errors="quarantine")
    assert q.n_valid == 6 and q.n_rejected == 1
    assert q.rejected.index.tolist() == [6]
    assert "exact copy" in q.rejected["reason"].iloc[0]
    assert q.valid["event_id_cnty"].is_unique


def test_text_actor_types_of_2024_exports_map_to_codes(raw_seed):
    raw = raw_seed.copy()
    raw["inter1"] = raw["inter1"].map({"8": "External/Other forces", "3": "Political militia"})
    raw["inter2"] = raw["inter2"].map({"8": "External/Other forces", "3": "Political militia"})
    raw["interaction"] = "Political militia-External/Other forces"
    with pytest.warns(ed.CodebookWarning, match="text labels"):
        typed = ed.validate(raw)
    pd.testing.assert_series_equal(
        typed["interaction"], ed.validate(raw_seed)["interaction"], check_names=False
    )
    assert typed["inter1"].tolist() == ed.validate(raw_seed)["inter1"].tolist()


def test_older_codebook_columns_are_filled_with_null_and_warned(raw_seed):
    old = raw_seed.drop(columns=list(codebook.LEGACY_OPTIONAL_COLUMNS))
    with pytest.warns(ed.CodebookWarning, match="disorder_type, civilian_targeting, tags"):
        typed = ed.validate(old)
    assert typed["disorder_type"].isna().all()
    assert list(typed.columns) == list(codebook.ACLED_COLUMNS)


def test_extra_columns_of_old_exports_are_kept(raw_seed):
    raw = raw_seed.assign(iso3="IRQ", data_id="1")
    typed = ed.validate(raw)
    assert list(typed.columns[-2:]) == ["iso3", "data_id"]


def test_missing_required_columns_is_one_clear_error(raw_seed):
    with pytest.raises(ed.ValidationError, match="missing required column.*event_date, year"):
        ed.validate(raw_seed.drop(columns=["event_date", "year"]), errors="quarantine")


def test_core_schema_validates_a_minimal_incident_table(seed_events):
    core = seed_events[list(ed.CORE_SCHEMA.columns)].astype({"event_type": "string"})
    typed = ed.validate(core, schema="core")
    assert typed["event_type"].dtype == "string"
    bad = core.assign(latitude=[0, 0, 0, 0, 0, 120.0])
    with pytest.raises(ed.ValidationError, match="row 5"):
        ed.validate(bad, schema="core")


def test_quarantine_result_reports(raw_seed):
    raw = raw_seed.copy()
    raw.loc[[1, 4], "fatalities"] = "-1"
    q = ed.validate(raw, errors="quarantine")
    assert "rows rejected: 2" in q.summary()
    table = q.to_frame()
    assert table.loc[0, ["column", "rule", "rows"]].tolist() == ["fatalities", ">= 0", 2]
    assert "2 rejected" in q._repr_html_()
    assert repr(q) == "Quarantine(n_rows=6, n_valid=4, n_rejected=2)"


def test_bad_errors_argument():
    with pytest.raises(ValueError, match="errors must be"):
        ed.validate(pd.DataFrame(), errors="ignore")


# Property: whatever is corrupted, valid + rejected hold every input row exactly once.
_CORRUPTIONS = st.sampled_from(
    [
        "",
        "NA",
        "-1",
        "999999",
        "abc",
        "2.5",
        "1e400",
        "Skirmish",
        "Rioters only",
        "  ",
        "0",
        "31-Feb-22",
        "9-May-20",
        "3.0",
        "Armed clash",
    ]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(list(codebook.ACLED_COLUMNS)), _CORRUPTIONS),
        max_size=12,
    ),
    duplicate=st.lists(st.integers(0, 5), max_size=3),
)
def test_quarantine_never_loses_or_duplicates_a_row(raw_seed, cells, duplicate):
    raw = raw_seed.copy()
    for row, column, value in cells:
        raw.loc[row, column] = value
    raw = pd.concat([raw, raw.iloc[duplicate]], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ed.CodebookWarning)
        q = ed.validate(raw, errors="quarantine")
    assert q.n_valid + q.n_rejected == len(raw) == q.n_rows
    together = np.sort(np.concatenate([q.valid.index.to_numpy(), q.rejected.index.to_numpy()]))
    assert together.tolist() == list(range(len(raw)))
    assert q.rejected["reason"].str.len().gt(0).all()
    # the rejected rows are the input rows, untouched
    pd.testing.assert_frame_equal(q.rejected.drop(columns="reason"), raw.loc[q.rejected.index])
    # untouched, unduplicated rows are never rejected
    touched = {r for r, _, _ in cells} | set(duplicate)
    clean = [r for r in range(6) if r not in touched]
    assert set(clean) <= set(q.valid.index)
    # what passes is valid
    if q.n_valid:
        ed.validate(q.valid)


# --------------------------------------------------------------------------------------
# Repeated values, found by sorting 64-bit keys of the text


@st.composite
def arrow_texts(draw: st.DrawFn) -> pd.Series:
    """Arrow-held text with repeats, missing values, long and multi-byte strings, in chunks."""
    alphabet = st.sampled_from(["a", "b", "\x00", "é", "中", "IRQ", "0123456789"])
    words = st.lists(alphabet, max_size=8).map("".join)
    values = draw(st.lists(st.none() | words, max_size=40))
    cuts = sorted(draw(st.lists(st.integers(0, len(values)), max_size=3)))
    kind = draw(st.sampled_from([pa.string(), pa.large_string()]))
    pieces = [values[a:b] for a, b in zip([0, *cuts], [*cuts, len(values)], strict=True)]
    chunks = pa.chunked_array([pa.array(p, kind) for p in pieces], kind)
    series = pd.Series(pd.arrays.ArrowStringArray(chunks))
    return series.iloc[draw(st.integers(0, 2)) :]  # a slice: chunks with an offset


@given(arrow_texts(), st.booleans())
def test_repeats_are_found_as_pandas_finds_them(values, missing_equal):
    expected = values.duplicated() if missing_equal else values.dropna().duplicated()
    assert has_repeats(values, missing_equal=missing_equal) is bool(expected.any())
    keys = text_keys(values)
    text = values.tolist()
    for i, j in zip(*np.triu_indices(len(text), 1), strict=True):
        if text[i] is not pd.NA and text[j] is not pd.NA and text[i] == text[j]:
            assert keys[i] == keys[j]


def test_equal_keys_of_different_strings_are_told_apart():
    # same length, first 16 and last 8 bytes: one key for three different ids
    values = pd.Series(
        [f"IRQ-2022-000000-{middle}-00000001" for middle in ("A", "B", "C")],
        dtype="string[pyarrow]",
    )
    keys = text_keys(values)
    assert len(set(keys.tolist())) == 1
    assert not has_repeats(values)
    assert has_repeats(pd.concat([values, values.iloc[:1]]))


def test_repeats_of_other_dtypes():
    assert has_repeats(pd.Series([1, 2, 1]))
    assert not has_repeats(pd.Series(["a", None, None], dtype=object))
    assert has_repeats(pd.Series(["a", None, None], dtype=object), missing_equal=True)
    assert not has_repeats(pd.Series([], dtype="string[pyarrow]"))
