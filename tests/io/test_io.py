"""Reading exports as users have them, and refusing garbage with one clear line."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator

import pandas as pd
import pytest

import eventdata as ed
from eventdata.core import codebook
from eventdata.datasets import SEED_PATH
from tests.conftest import ACLED_EXPORTS, shared_file


def test_seed_csv_reads_typed():
    events = ed.read_acled(SEED_PATH)
    assert len(events) == 6
    assert str(events["event_date"].dtype) == "datetime64[ns]"
    assert events["event_type"].dtype.categories.tolist() == list(codebook.EVENT_TYPES)
    assert str(events["fatalities"].dtype) == "Int64"


def test_read_from_a_text_or_bytes_buffer():
    text = SEED_PATH.read_text(encoding="utf-8")
    from_text = ed.read_acled(io.StringIO(text))
    from_bytes = ed.read_acled(io.BytesIO(text.encode("utf-8")))
    pd.testing.assert_frame_equal(from_text, from_bytes)
    pd.testing.assert_frame_equal(from_text, ed.read_acled(SEED_PATH))


def test_global_export_of_an_older_codebook_with_excel_dates_and_a_truncated_row():
    path = shared_file(ACLED_EXPORTS, "global-2020-04-27-to-05-09.csv")
    with pytest.warns(ed.CodebookWarning, match="disorder_type"):
        q = ed.read_acled(path, errors="quarantine")
    assert q.n_rows == 5071 == q.n_valid + q.n_rejected
    # the truncated last record and the row without an event id, nothing else
    assert q.n_rejected == 2
    truncated = q.rejected[q.rejected["event_id_cnty"] == "PHL10453"]
    assert "country: required" in truncated["reason"].iloc[0]
    assert q.rejected["event_id_cnty"].isna().sum() == 1
    valid = q.valid
    assert valid["event_date"].min() == pd.Timestamp("2020-04-27")
    assert valid["event_date"].max() == pd.Timestamp("2020-05-09")
    assert (valid["year"] == 2020).all()
    counts = valid["country"].value_counts()
    assert counts["Iraq"] == 91 and counts["Syria"] == 313
    assert "Deir-ez-Zor" in set(valid["admin1"])
    assert (valid["actor1"] == "Global Coalition Against Daesh").any()
    # the old codebook's extra columns are kept, not silently dropped
    assert {"data_id", "event_id_no_cnty", "iso3"} <= set(valid.columns)


def test_afghanistan_export_with_long_dates():
    path = shared_file(ACLED_EXPORTS, "afghanistan-2020-03.csv")
    with pytest.warns(ed.CodebookWarning):
        events = ed.read_acled(path)
    assert len(events) == 496
    assert events["event_date"].min() == pd.Timestamp("2020-03-01")
    assert events["event_date"].max() == pd.Timestamp("2020-03-21")


@pytest.mark.parametrize(
    "written",
    ["2022-01-03", "3 January 2022", "3-Jan-22", "03-Jan-2022", "44564", "2022-01-03 00:00:00"],
)
def test_date_spellings_users_have(written):
    text = SEED_PATH.read_text(encoding="utf-8").replace("2022-01-03", written, 1)
    events = ed.read_acled(io.StringIO(text))
    assert events.loc[0, "event_date"] == pd.Timestamp("2022-01-03")


def test_month_first_slashed_dates_are_recognised_from_the_file():
    text = SEED_PATH.read_text(encoding="utf-8")
    text = text.replace("2022-01-03", "01/03/2022").replace("2022-01-04", "01/04/2022")
    text = text.replace("2022-01-06", "01/06/2022").replace("2022-01-05", "01/25/2022")
    events = ed.read_acled(io.StringIO(text))
    # one value (01/25) can only be month-first, so the whole file is read month-first
    assert events["event_date"].dt.strftime("%m-%d").tolist() == [
        "01-03",
        "01-04",
        "01-06",
        "01-25",
        "01-25",
        "01-25",
    ]


def test_ambiguous_slashed_dates_are_read_day_first_with_a_warning():
    text = SEED_PATH.read_text(encoding="utf-8").replace("2022-01-03", "03/01/2022")
    with pytest.warns(ed.CodebookWarning, match="ambiguous"):
        events = ed.read_acled(io.StringIO(text))
    assert events.loc[0, "event_date"] == pd.Timestamp("2022-01-03")


def test_r_style_na_is_missing():
    text = SEED_PATH.read_text(encoding="utf-8").replace("Heet,,", "NA,NA,", 1)
    events = ed.read_acled(io.StringIO(text))
    assert pd.isna(events.loc[1, "admin2"])


@pytest.mark.parametrize("break_", ["\n", "\r\n"])
def test_line_breaks_inside_notes_survive_across_parser_blocks(tmp_path, break_):
    # ~2 MB: Arrow parses in 1 MB blocks, so some broken notes straddle a block edge
    events = ed.datasets.simulate("2021-01-01", "2021-03-31", seed=3, rate=60)
    notes = events["notes"].astype(object).to_numpy().copy()
    pieces = [f"a{break_}b", f"x,{break_}y,z", f'one{break_}"two", three', break_]
    for k in range(0, len(notes), 7):
        notes[k] = pieces[k % len(pieces)] + notes[k]
    events["notes"] = pd.array(notes, dtype="string")
    path = ed.write_acled(events, tmp_path / "export.csv")
    assert path.stat().st_size > 2**20
    back = ed.read_acled(path)
    assert len(back) == len(events)
    by_id = back.set_index("event_id_cnty")["notes"]
    expected = events.set_index("event_id_cnty")["notes"]
    pd.testing.assert_series_equal(by_id.loc[expected.index], expected, check_names=False)


def test_a_malformed_line_is_quarantined_with_its_line_number():
    lines = SEED_PATH.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3] + ",surplus,fields"
    text = "\n".join(lines) + "\n"
    with pytest.raises(ed.ReadError, match="malformed line.*line 4"):
        ed.read_acled(io.StringIO(text))
    q = ed.read_acled(io.StringIO(text), errors="quarantine")
    assert q.n_rows == 6 and q.n_valid == 5 and q.n_rejected == 1
    assert "malformed line 4: 33 fields" in q.rejected["reason"].iloc[0]
    assert q.rejected["extra_fields"].iloc[0] == "surplus,fields"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("event_id_cnty,notes\nX1,caf\xe9\n".encode("latin-1"), "not valid utf-8"),
    ],
)
def test_garbage_files_get_one_clear_line(tmp_path, content, message):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(ed.ReadError, match=message) as info:
        ed.read_acled(path, encoding="utf-8")
    assert "\n" not in str(info.value)


def test_a_file_with_other_columns_names_the_missing_ones(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("date,price\n2020-01-01,3\n", encoding="utf-8")
    with pytest.raises(ed.ValidationError, match="missing required column.*event_id_cnty"):
        ed.read_acled(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ed.ReadError, match="no such file"):
        ed.read_acled(tmp_path / "nope.csv")
    with pytest.raises(ed.ReadError, match="folder"):
        ed.read_acled(tmp_path)


def test_cp1252_file_reads_with_the_encoding_named():
    text = SEED_PATH.read_text(encoding="utf-8").replace("Green Village", "Green Villag\xe9")
    data = text.encode("cp1252")
    with pytest.raises(ed.ReadError, match='encoding="cp1252".*--encoding cp1252'):
        ed.read_acled(io.BytesIO(data), encoding="utf-8")
    with pytest.warns(ed.ReadWarning, match="read as cp1252"):
        guessed = ed.read_acled(io.BytesIO(data))
    assert "Green Villag\xe9" in set(guessed["location"])
    events = ed.read_acled(io.BytesIO(data), encoding="cp1252")
    assert "Green Villag\xe9" in set(events["location"])


def test_excel_workbook(tmp_path, seed_events):
    pytest.importorskip("openpyxl")
    raw = pd.read_csv(SEED_PATH, dtype=str, keep_default_na=False)
    path = tmp_path / "export.xlsx"
    raw.to_excel(path, index=False)
    pd.testing.assert_frame_equal(ed.read_acled(path), seed_events)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ed.ReadError, match="Excel"):
        ed.read_acled(broken)


def _monadic(raw: pd.DataFrame) -> pd.DataFrame:
    """The seed incidents as ACLED's monadic export writes them: one row per actor."""
    first = raw.drop(columns=["actor2", "assoc_actor_2", "inter2"])
    second = first.assign(
        actor1=raw["actor2"], assoc_actor_1=raw["assoc_actor_2"], inter1=raw["inter2"]
    )
    return pd.concat([first, second]).sort_index(kind="stable").reset_index(drop=True)


def test_monadic_export_is_recognised_and_read_one_row_per_event(raw_seed, seed_events):
    text = _monadic(raw_seed).to_csv(index=False)
    with pytest.warns(ed.CodebookWarning, match="monadic export.*12 rows read as 6 events"):
        events = ed.read_acled(io.StringIO(text))
    pd.testing.assert_frame_equal(events.reset_index(drop=True), seed_events)
    kept = ed.read_acled(io.StringIO(text), monadic="keep")
    assert len(kept) == 12 and "actor2" not in kept.columns
    assert (
        ed.counts(kept, freq="W")["count"].sum() == ed.counts(seed_events, freq="W")["count"].sum()
    )


def test_monadic_rows_that_disagree_reject_the_whole_event(raw_seed):
    monadic = _monadic(raw_seed)
    monadic.loc[1, "fatalities"] = "3"  # the second actor's row of SEED-IRQ-001
    q = ed.read_acled(io.StringIO(monadic.to_csv(index=False)), errors="quarantine")
    assert q.n_rows == 12 and q.n_valid == 5
    assert q.rejected["event_id_cnty"].tolist() == ["SEED-IRQ-001", "SEED-IRQ-001"]
    assert q.rejected["fatalities"].tolist() == ["0", "3"]  # both rows, as read


# --- write_acled validates once ---------------------------------------------


@contextlib.contextmanager
def validations() -> Iterator[list[str]]:
    """The calls of ed.validate made inside the block, watched with a profiler, not a patch."""
    code = ed.validate.__code__
    calls: list[str] = []

    def watch(frame, event, arg) -> None:
        if event == "call" and frame.f_code is code:
            calls.append(event)

    sys.setprofile(watch)
    try:
        yield calls
    finally:
        sys.setprofile(None)


@pytest.mark.parametrize("source", ["validate", "read_acled", "read_parquet"])
def test_write_acled_does_not_validate_a_trusted_frame_again(seed_events, tmp_path, source):
    typed = ed.validate(seed_events.copy())
    if source == "read_acled":
        typed = ed.read_acled(ed.write_acled(typed, tmp_path / "first.csv"))
    elif source == "read_parquet":
        ed.write_parquet(typed, tmp_path / "store")
        typed = ed.read_parquet(tmp_path / "store")
    copied = typed.copy()
    with validations() as trusted_calls:
        trusted = ed.write_acled(typed, tmp_path / "trusted.csv")
    with validations() as copied_calls:
        checked = ed.write_acled(copied, tmp_path / "copied.csv")
    assert (len(trusted_calls), len(copied_calls)) == (0, 1)
    assert trusted.read_bytes() == checked.read_bytes()
    pd.testing.assert_frame_equal(ed.read_acled(trusted), ed.read_acled(checked))


def test_write_acled_validates_a_frame_edited_after_validation(seed_events, tmp_path):
    typed = ed.validate(seed_events.copy())
    typed.loc[1, "fatalities"] = -5
    typed.loc[3, "event_date"] = pd.Timestamp("1850-01-01")
    with pytest.raises(ed.ValidationError, match="fatalities") as caught:
        ed.write_acled(typed, tmp_path / "export.csv")
    assert set(caught.value.failures["column"]) >= {"fatalities", "event_date"}
    assert list(tmp_path.iterdir()) == []
    edited = ed.validate(seed_events.copy())
    edited["notes"] = edited["notes"].str.upper()  # a new column: checked, and written
    with validations() as calls:
        ed.write_acled(edited, tmp_path / "edited.csv")
    assert len(calls) == 1
