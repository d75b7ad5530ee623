"""Files as analysts really bring them: bad cells, other headers, dialects, broken files.

Each test stands for a kind of input (issue 13 items 1, 4, 5, 9; issue 14 item 6);
the files under ``tests/data/wild/`` are invented, in the shape of real ones.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eventdata as ed
from eventdata.cli import main
from eventdata.datasets import SEED_PATH

WILD = Path(__file__).parents[1] / "data" / "wild"


def seed_text() -> str:
    return SEED_PATH.read_text(encoding="utf-8")


def seed_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(seed_text())))


def as_csv(rows: list[list[str]], delimiter: str = ",", lineterminator: str = "\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=lineterminator).writerows(rows)
    return out.getvalue()


def with_cell(column: str, value: str, row: int = 1) -> str:
    """The seed export with one cell replaced (row: 0-based data row)."""
    rows = seed_rows()
    rows[row + 1][rows[0].index(column)] = value
    return as_csv(rows)


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- issue 13 item 1: one bad cell never rejects a file -------------------------------


BAD_CELLS = [
    ("latitude", ""),
    ("latitude", "NaN"),
    ("longitude", "nan"),
    ("fatalities", "99999999999999999999"),
    ("timestamp", str(2**63)),
    ("timestamp", str(-(2**63) - 1)),
    ("fatalities", "0x10"),
    ("inter1", "0x1"),
    ("latitude", "0x10"),
    ("fatalities", "\uff11\uff12"),  # full-width digits
    ("event_date", "0025-03-14"),
    ("event_date", "9999-12-31"),
    ("event_date", "1650-01-01"),
    ("event_date", "14 March 0025"),
    ("event_date", "14-Mar-0025"),
    ("event_date", "14/03/0025"),
    ("event_date", "0025-03-14T00:00:00Z"),
    ("event_date", "99999"),
    ("notes", "a\x00b"),
]


@pytest.mark.parametrize(("column", "value"), BAD_CELLS)
def test_one_bad_cell_rejects_its_row_only(column, value):
    q = ed.read_acled(io.StringIO(with_cell(column, value)), errors="quarantine")
    assert (q.n_valid, q.n_rejected) == (5, 1)
    assert q.rejected["reason"].iloc[0].startswith(column)
    assert q.rejected["line"].tolist() == [3]
    with pytest.raises(ed.ValidationError, match=f"line 3 .*{column}"):
        ed.read_acled(io.StringIO(with_cell(column, value)))


@pytest.mark.parametrize(("column", "value"), [c for c in BAD_CELLS if c[0] != "notes"])
def test_one_bad_cell_in_a_frame_rejects_its_row_only(raw_seed, column, value):
    for dtype in (object, "string"):
        frame = raw_seed.astype(dtype)
        frame.loc[1, column] = value
        q = ed.validate(frame, errors="quarantine")
        assert (q.n_valid, q.n_rejected) == (5, 1), dtype
        assert q.rejected.index.tolist() == [1]


@pytest.mark.parametrize(
    "written", ["2022-01-03T00:00:00Z", "2022-01-03T23:30:00+03:00", "2022-01-03 00:00:00-0500"]
)
def test_a_date_with_a_time_zone_is_the_date_as_written(written):
    events = ed.read_acled(io.StringIO(with_cell("event_date", written, row=0)))
    assert events.loc[0, "event_date"].normalize() == pd.Timestamp("2022-01-03")


def test_mixed_time_zones_in_one_column_are_each_read_as_written():
    rows = seed_rows()
    column = rows[0].index("event_date")
    dates = [r[column] for r in rows[1:]]
    for k, zone in enumerate(["Z", "+03:00", "-05:00", "", "+0100", "Z"]):
        rows[k + 1][column] = f"{dates[k]}T12:00:00{zone}"
    events = ed.read_acled(io.StringIO(as_csv(rows)))
    assert events["event_date"].dt.strftime("%Y-%m-%d").tolist() == dates
    assert (events["event_date"].dt.hour == 12).all()  # the local time as written


def test_year_0025_through_python_and_the_command_line(capsys):
    path = WILD / "03-year-0025.csv"
    q = ed.read_acled(path, errors="quarantine")
    assert (q.n_valid, q.n_rejected) == (1, 1)
    assert q.rejected["reason"].iloc[0].startswith("event_date")
    code, out, err = cli(capsys, "validate", str(path))
    assert code == 1 and "rows valid:    1" in out and "event_date: a valid date" in out
    assert "Traceback" not in err


@pytest.mark.parametrize("reader", ["acled", "ged", "incidents"])
def test_every_reader_rejects_only_the_bad_row(reader, tmp_path):
    if reader == "acled":
        text, read = with_cell("latitude", ""), ed.read_acled
    elif reader == "ged":
        rows = list(csv.reader((WILD / "07-ged-hdx-hxl-row-count.csv").open(encoding="utf-8")))
        rows += [[*rows[2]], [*rows[2]]]
        rows[4][0], rows[5][0] = "103", "104"
        rows[2][rows[0].index("latitude")] = ""
        rows[3][rows[0].index("best")] = "99999999999999999999"
        rows[4][rows[0].index("date_start")] = "0025-03-14"
        text, read = as_csv(rows), ed.read_ucdp_ged
    else:
        path, _ = ed.write_template(tmp_path / "incidents.csv")
        rows = list(csv.reader(path.open(encoding="utf-8")))
        good = [c.lstrip("# ") for c in rows[1]]
        bad = [*good]
        bad[0], bad[rows[0].index("longitude")] = "HC-0002", "0x10"
        rows += [good, bad]
        text, read = as_csv(rows), ed.read_incidents
    q = read(io.StringIO(text), errors="quarantine")
    expected = {"acled": (5, 1), "ged": (1, 3), "incidents": (1, 1)}[reader]
    assert (q.n_valid, q.n_rejected) == expected, q.rejected["reason"].tolist()
    assert q.n_rows == q.n_valid + q.n_rejected + q.n_skipped


def test_cr_only_line_ends():
    text = seed_text().replace("\n", "\r")
    events = ed.read_acled(io.BytesIO(text.encode("utf-8")))
    pd.testing.assert_frame_equal(events, ed.read_acled(SEED_PATH))


_VALUE = st.text(st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(row=st.integers(0, 5), column=st.integers(0, 30), value=_VALUE)
def test_any_single_cell_rejects_at_most_its_row(row, column, value):
    rows = seed_rows()
    name = rows[0][column]
    ids = [r[0] for r in rows[1:]]
    if name == "event_id_cnty" and value.strip() in ids:
        return  # two rows sharing an id are both at fault: not one cell's doing
    rows[row + 1][column] = value
    text = as_csv(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q = ed.read_acled(io.StringIO(text), errors="quarantine")
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        checked = ed.validate(frame, errors="quarantine")
    assert q.n_rows == 6 and q.n_valid + q.n_rejected + q.n_skipped == 6
    assert q.n_valid >= 5, q.rejected["reason"].tolist()
    assert set(q.rejected["line"]) <= {row + 2}
    assert checked.n_valid >= 5 and set(checked.rejected.index) <= {row}


# --- issue 13 item 4: headers and wrappers as they come -------------------------------


def test_column_names_in_any_case_and_padding(capsys):
    path = WILD / "01-uppercase-headers.csv"
    assert len(ed.read_acled(path)) == 2
    rows = seed_rows()
    rows[0] = [f"  {name.title()} " for name in rows[0]]
    pd.testing.assert_frame_equal(
        ed.read_acled(io.StringIO(as_csv(rows))), ed.read_acled(SEED_PATH)
    )
    code, out, _ = cli(capsys, "validate", str(path))
    assert code == 0 and "rows valid:    2" in out


def test_hxl_rows_are_skipped_and_reported(capsys):
    acled = WILD / "08-acled-hdx-hxl-row.csv"
    with pytest.warns(ed.CodebookWarning, match="line 2 skipped: an HXL hashtag row") as caught:
        assert len(ed.read_acled(acled)) == 2
    assert caught[0].filename == __file__  # the warning points at the caller's line
    q = ed.read_acled(acled, errors="quarantine")
    assert (q.n_rows, q.n_valid, q.n_rejected, q.n_skipped) == (3, 2, 0, 1)
    assert q.skipped["line"].tolist() == [2]
    code, out, _ = cli(capsys, "validate", str(acled))
    assert code == 0 and "rows skipped:  1" in out and "line 2: an HXL hashtag row" in out

    ged = WILD / "07-ged-hdx-hxl-row-count.csv"
    q = ed.read_ucdp_ged(ged, errors="quarantine")
    assert (q.n_rows, q.n_valid, q.n_rejected, q.n_skipped) == (3, 2, 0, 1)
    assert q.valid["event_id_cnty"].tolist() == ["GED-101", "GED-102"]


def test_hxl_row_in_hand_coded_incidents(tmp_path):
    path, _ = ed.write_template(tmp_path / "incidents.csv")
    rows = list(csv.reader(path.open(encoding="utf-8")))
    tags = [
        "#event+code" if i == 0 else ("#date" if n == "event_date" else "")
        for i, n in enumerate(rows[0])
    ]
    good = [c.lstrip("# ") for c in rows[1]]
    text = as_csv([rows[0], tags, rows[1], good])
    q = ed.read_incidents(io.StringIO(text), errors="quarantine")
    assert (q.n_rows, q.n_valid, q.n_rejected) == (3, 1, 0)
    assert q.skipped["line"].tolist() == [2, 3]
    assert "comment" in q.skipped["reason"].iloc[1]


def test_a_file_resaved_by_pandas_reads_as_the_original(tmp_path, raw_seed):
    original = ed.read_acled(SEED_PATH)
    resaved = raw_seed.copy()
    for column in ("fatalities", "timestamp", "inter1", "year"):
        resaved[column] = resaved[column].astype(float)  # what pandas writes after a NaN
    path = tmp_path / "resaved.csv"
    resaved.to_csv(path)  # with its unnamed index column
    assert ",1690000000.0," in path.read_text() or ".0," in path.read_text()
    with pytest.warns(ed.CodebookWarning, match="index written by pandas"):
        back = ed.read_acled(path)
    pd.testing.assert_frame_equal(back, original)
    ged = pd.read_csv(WILD / "07-ged-hdx-hxl-row-count.csv").iloc[1:]
    ged["id"] = ged["id"].astype(float)
    ged.to_csv(tmp_path / "ged.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ed.read_ucdp_ged(tmp_path / "ged.csv")["event_id_cnty"].tolist() == [
            "GED-101",
            "GED-102",
        ]


def test_monadic_export_accounts_for_every_row(raw_seed):
    first = raw_seed.drop(columns=["actor2", "assoc_actor_2", "inter2"])
    second = first.assign(
        actor1=raw_seed["actor2"],
        assoc_actor_1=raw_seed["assoc_actor_2"],
        inter1=raw_seed["inter2"],
    )
    monadic = pd.concat([first, second]).sort_index(kind="stable").reset_index(drop=True)
    monadic.loc[3, "fatalities"] = "7"  # the two rows of the second event disagree
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q = ed.read_acled(io.StringIO(monadic.to_csv(index=False)), errors="quarantine")
    assert q.n_rows == 12 == q.n_valid + q.n_rejected + q.n_skipped
    assert (q.n_valid, q.n_rejected, q.n_skipped) == (5, 2, 5)
    assert q.rejected["line"].tolist() == [4, 5]
    assert q.skipped["line"].tolist() == [3, 7, 9, 11, 13]
    assert "event on line 2" in q.skipped["reason"].iloc[0]


# --- issue 13 item 5: dialects --------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_delimiter_is_detected(delimiter):
    text = as_csv(seed_rows(), delimiter=delimiter)
    pd.testing.assert_frame_equal(ed.read_acled(io.StringIO(text)), ed.read_acled(SEED_PATH))
    given = ed.read_acled(io.StringIO(text), delimiter=delimiter)
    pd.testing.assert_frame_equal(given, ed.read_acled(SEED_PATH))


def european(dates: list[str] | None = None) -> str:
    """The seed export as a spreadsheet in a European locale saves it."""
    rows = seed_rows()
    header = rows[0]
    for row, date in zip(rows[1:], dates or [None] * 6, strict=True):
        for column in ("latitude", "longitude"):
            row[header.index(column)] = row[header.index(column)].replace(".", ",")
        y, m, d = row[header.index("event_date")].split("-")
        row[header.index("event_date")] = date or f"{d}/{m}/{y}"
    return as_csv(rows, delimiter=";")


def test_decimal_comma_and_settled_day_first_dates():
    seed = ed.read_acled(SEED_PATH)
    days = (3, 4, 6, 5, 5, 25)  # 25 settles the order
    events = ed.read_acled(io.StringIO(european([f"{d:02d}/01/2022" for d in days])))
    assert events["event_date"].dt.day.tolist() == list(days)
    assert events["event_date"].dt.month.unique().tolist() == [1]
    pd.testing.assert_frame_equal(
        events[["latitude", "longitude"]], seed[["latitude", "longitude"]]
    )
    month_first = european([f"01/{d:02d}/2022" for d in days])
    assert ed.read_acled(io.StringIO(month_first))["event_date"].dt.day.tolist() == list(days)
    dotted = european([f"{d:02d}.01.22" for d in days])
    assert ed.read_acled(io.StringIO(dotted))["event_date"].dt.day.tolist() == list(days)
    both = european([f"{d:02d}/01/2022" for d in days[:-1]] + ["01/25/2022"])
    q = ed.read_acled(io.StringIO(both), dayfirst=True, errors="quarantine")
    assert (
        q.rejected["line"].tolist() == [7] and "not day/month/year" in q.rejected["reason"].iloc[0]
    )


def test_ambiguous_day_first_raises_one_line_naming_the_option(capsys, tmp_path):
    text = european([f"{d:02d}/01/2022" for d in (3, 3, 4, 6, 5, 5)])
    with pytest.raises(ed.ReadError, match="dayfirst=True") as info:
        ed.read_acled(io.StringIO(text))
    assert "\n" not in str(info.value) and "--dayfirst" in str(info.value)
    events = ed.read_acled(io.StringIO(text), dayfirst=True)
    assert events["event_date"].dt.month.unique().tolist() == [1]
    events = ed.read_acled(io.StringIO(text), dayfirst=False, errors="quarantine")
    assert events.valid["event_date"].dt.day.unique().tolist() == [1]
    path = tmp_path / "eu.csv"
    path.write_text(text, encoding="utf-8")
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 2 and err.count("\n") == 1 and "--dayfirst" in err  # an input error
    code, out, _ = cli(
        capsys, "validate", "--dayfirst", "--delimiter", ";", "--decimal", ",", str(path)
    )
    assert code == 0 and "rows valid:    6" in out


def test_semicolon_cp1252_through_python_and_the_command_line(capsys):
    path = WILD / "09-semicolon-cp1252.csv"
    with pytest.warns(ed.ReadWarning, match='encoding="cp1252"'):
        events = ed.read_acled(path, dayfirst=True)
    assert events["event_date"].tolist() == [pd.Timestamp("2023-05-06"), pd.Timestamp("2023-05-07")]
    assert events["latitude"].tolist() == [33.3, 33.3]
    assert events["location"].iloc[1] == "Sampletown Caf\xe9"
    assert events["notes"].iloc[0] == "Invented event; Sampletown"
    done = subprocess.run(
        [sys.executable, "-m", "eventdata.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2  # an input error
    lines = done.stderr.splitlines()  # the cp1252 warning, then the one error line
    assert lines[-1].startswith("error: ") and sum(x.startswith("error: ") for x in lines) == 1
    assert all(x.startswith(("warning: ", "error: ")) for x in lines)
    assert "--dayfirst" in done.stderr and "Exception ignored" not in done.stderr
    code, out, _ = cli(capsys, "validate", "--dayfirst", str(path))
    assert code == 0 and "rows valid:    2" in out


def test_utf16_reads_when_given_and_by_its_byte_order_mark(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes(seed_text().encode("utf-16"))
    expected = ed.read_acled(SEED_PATH)
    pd.testing.assert_frame_equal(ed.read_acled(path, encoding="utf-16"), expected)
    pd.testing.assert_frame_equal(ed.read_acled(path), expected)
    path.write_bytes(seed_text().encode("utf-16-le"))
    pd.testing.assert_frame_equal(ed.read_acled(path, encoding="utf-16-le"), expected)


def test_bad_options_are_one_clear_error():
    with pytest.raises(ValueError, match="delimiter"):
        ed.read_acled(SEED_PATH, delimiter=";;")
    with pytest.raises(ValueError, match="decimal"):
        ed.read_acled(SEED_PATH, decimal="·")


# --- issue 13 item 9: messages point at the file --------------------------------------


def test_rejected_rows_are_named_by_their_file_line():
    rows = seed_rows()
    notes = rows[0].index("notes")
    rows[1][notes] = "a note\nover\nthree lines"  # lines 2-4
    rows[3][rows[0].index("fatalities")] = "-1"  # the record on line 6
    text = as_csv(rows)
    q = ed.read_acled(io.StringIO(text), errors="quarantine")
    assert q.rejected["line"].tolist() == [6]
    assert q.failures["line"].tolist() == [6]
    with pytest.raises(ed.ValidationError, match=r"line 6 \(SEED-IRQ-003\): fatalities"):
        ed.read_acled(io.StringIO(text))


def test_warnings_point_at_the_callers_line(raw_seed):
    frame = raw_seed.drop(columns=["tags"])
    with pytest.warns(ed.CodebookWarning) as caught:
        ed.validate(frame)
    assert {w.filename for w in caught} == {__file__}
    text = frame.to_csv(index=False)
    with pytest.warns(ed.CodebookWarning) as caught:
        ed.read_acled(io.StringIO(text))
    assert {w.filename for w in caught} == {__file__}


# --- issue 14 item 6: the reader never kills the process ------------------------------


@pytest.mark.parametrize("megabytes", [2, 20])
def test_notes_of_several_megabytes(tmp_path, megabytes):
    rows = seed_rows()
    rows[2][rows[0].index("notes")] = "word, " * (megabytes * 2**20 // 6)
    path = tmp_path / "long.csv"
    path.write_text(as_csv(rows), encoding="utf-8")
    events = ed.read_acled(path)
    assert len(events) == 6 and len(events.loc[1, "notes"]) > megabytes * 2**20 - 10


@pytest.mark.parametrize("text", ["", "\n"])
def test_header_only_file_reads_as_no_rows(text):
    header = seed_text().splitlines()[0]
    assert len(ed.read_acled(io.StringIO(header + text))) == 0


def test_a_nul_byte_anywhere_rejects_its_row(tmp_path):
    events = ed.datasets.simulate("2021-01-01", "2021-01-31", seed=1)
    path = ed.write_acled(events, tmp_path / "export.csv")
    text = path.read_text(encoding="utf-8")
    assert len(text) > 10 * 4096
    rows = list(csv.reader(io.StringIO(text)))
    last = len(rows) - 1
    rows[last][rows[0].index("actor1")] = rows[last][rows[0].index("actor1")] + "\x00"
    path.write_text(as_csv(rows), encoding="utf-8")
    q = ed.read_acled(path, errors="quarantine")
    assert q.n_rejected == 1 and q.rejected["line"].tolist() == [last + 1]
    assert "NUL" in q.rejected["reason"].iloc[0]
    with pytest.raises(ed.ValidationError, match=f"line {last + 1} "):
        ed.read_acled(path)


_READ_WHILE_TRUNCATED = """
import sys, eventdata as ed
for _ in range(10):
    try:
        ed.read_acled(sys.argv[1], errors="quarantine")
    except ed.EventDataError:
        pass
"""


def test_a_file_truncated_while_read_never_kills_the_process(tmp_path):
    events = ed.datasets.simulate("2021-01-01", "2021-12-31", seed=2, rate=8)
    path = ed.write_acled(events, tmp_path / "export.csv")
    data = path.read_bytes()
    reader = subprocess.Popen(
        [sys.executable, "-c", _READ_WHILE_TRUNCATED, str(path)],
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    while reader.poll() is None:
        with path.open("r+b") as handle:
            handle.truncate(len(data) // 3)
        path.write_bytes(data)
    _, err = reader.communicate()
    assert reader.returncode == 0, err.decode()[-2000:]


def test_every_command_that_reads_a_file_takes_the_reading_options(capsys, tmp_path):
    path = WILD / "09-semicolon-cp1252.csv"
    options = ["--encoding", "cp1252", "--delimiter", ";", "--decimal", ",", "--dayfirst"]
    code, out, _ = cli(capsys, "ingest", str(path), "--store", str(tmp_path / "store"), *options)
    assert code == 0 and "valid: 2, rejected: 0" in out
    stored = ed.read_parquet(tmp_path / "store")
    assert sorted(stored["event_date"].dt.day) == [6, 7]
    code, out, _ = cli(capsys, "provinces", str(path), *options)
    assert code == 0 and "2 valid rows of 2" in out
    code, _, err = cli(capsys, "provinces", str(path), "--encoding", "cp1252")
    assert code == 2 and "--dayfirst" in err
