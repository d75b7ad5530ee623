"""The ``ingest`` and ``export`` commands: a weekly refresh of a local store, and sharing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import eventdata as ed
from eventdata.cli import main
from eventdata.io import write_acled
from eventdata.store import EventStore, read_parquet


@pytest.fixture
def week(raw_seed: pd.DataFrame, tmp_path: Path) -> Path:
    """An ACLED export of the seed incidents with one row that breaks the schema."""
    raw = raw_seed.copy()
    raw.loc[4, "fatalities"] = "-3"
    path = tmp_path / "export.csv"
    raw.to_csv(path, index=False)
    return path


def test_ingest_upserts_valid_rows_and_quarantines_the_rest_beside_the_store(
    week: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    store_dir = tmp_path / "mirror"
    assert main(["ingest", str(week), "--store", str(store_dir)]) == 1  # rows were rejected
    out = capsys.readouterr().out
    assert "rows read: 6, valid: 5, rejected: 1" in out
    assert "added                5" in out
    (quarantine,) = tmp_path.glob("mirror-rejected-*.csv")
    assert f"1 rejected rows written to {quarantine}" in out
    rejected = pd.read_csv(quarantine)
    assert rejected["event_id_cnty"].tolist() == ["SEED-SYR-002"]
    assert "fatalities" in rejected["reason"].iloc[0]
    assert len(EventStore(store_dir)) == 5
    assert not list(store_dir.glob("*.csv"))  # the store folder holds only the dataset


def test_a_second_ingest_updates_and_applies_deletions(
    seed_events: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    store_dir = tmp_path / "mirror"
    main(["ingest", str(write_acled(seed_events, tmp_path / "w1.csv")), "--store", str(store_dir)])
    newer = seed_events.head(2).assign(
        fatalities=pd.array([4, 5], dtype="Int64"), timestamp=seed_events["timestamp"].head(2) + 60
    )
    stamp = int(seed_events["timestamp"].max()) + 600
    deletions = tmp_path / "deleted.csv"
    deletions.write_text(f"event_id_cnty,deleted_timestamp\nSEED-SYR-003,{stamp}\nOTHER,{stamp}\n")
    capsys.readouterr()
    args = ["ingest", str(write_acled(newer, tmp_path / "w2.csv")), "--store", str(store_dir)]
    assert main([*args, "--deletions", str(deletions)]) == 0
    out = capsys.readouterr().out
    for line in ("updated              2", "deleted              1", "not found            1"):
        assert line in out
    stored = EventStore(store_dir).read().set_index("event_id_cnty")
    assert "SEED-SYR-003" not in stored.index
    assert stored.loc[["SEED-IRQ-001", "SEED-IRQ-002"], "fatalities"].tolist() == [4, 5]
    log = EventStore(store_dir).log()
    assert log["operation"].tolist() == ["upsert", "upsert"]


def test_export_writes_the_filtered_events_as_csv_or_parquet(
    simulated: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    store = EventStore(tmp_path / "mirror")
    store.upsert(simulated)
    filters = ["--country", "Iraq", "--country", "Syria", "--start", "2022-03-01"]
    filters += ["--end", "2022-05-31", "--event-type", "Battles", "--event-type", "Protests"]
    expected = store.read(
        countries=["Iraq", "Syria"],
        start="2022-03-01",
        end="2022-05-31",
        event_types=["Battles", "Protests"],
    )
    for name in ("share.parquet", "share.csv"):
        out = tmp_path / name
        assert (
            main(["export", "--store", str(tmp_path / "mirror"), "--out", str(out), *filters]) == 0
        )
        assert f"wrote {len(expected)} events to {out}" in capsys.readouterr().out
    pd.testing.assert_frame_equal(read_parquet(tmp_path / "share.parquet"), expected)
    back = ed.read_acled(tmp_path / "share.csv")
    pd.testing.assert_frame_equal(back, expected)
    assert main(["export", "--store", str(tmp_path / "mirror"), "--out", str(tmp_path / "a.csv"),
                 "--admin1", "Baghdad"]) == 0  # fmt: skip
    assert set(ed.read_acled(tmp_path / "a.csv")["admin1"]) == {"Baghdad"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--store", "{tmp}/nowhere", "--out", "{tmp}/x.csv"], "no such store folder"),
        (["export", "--store", "{tmp}/mirror", "--out", "{tmp}/x.xlsx"], ".parquet or .csv"),
        (["export", "--store", "{tmp}/mirror", "--out", "{tmp}/x.csv", "--start", "soon"], "date"),
        (["ingest", "{tmp}/missing.csv", "--store", "{tmp}/mirror"], "no such file"),
        (
            ["ingest", "{seed}", "--store", "{tmp}/mirror", "--deletions", "{tmp}/bad.csv"],
            "deletions",
        ),
    ],
)
def test_store_commands_report_errors_and_exit_two(
    args: list[str],
    message: str,
    seed_events: pd.DataFrame,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
) -> None:
    EventStore(tmp_path / "mirror").upsert(seed_events)
    (tmp_path / "bad.csv").write_text("event_id_cnty,deleted_timestamp\nSEED-IRQ-001,yesterday\n")
    seed = write_acled(seed_events, tmp_path / "seed.csv")
    before = (tmp_path / "mirror" / "_eventdata.json").read_bytes()
    filled = [a.format(tmp=tmp_path, seed=seed) for a in args]
    assert main(filled) == 2  # a usage or input error, found before the store changed
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err
    assert (tmp_path / "mirror" / "_eventdata.json").read_bytes() == before


def test_ingest_through_the_installed_command(week: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "eventdata.cli",
            "ingest",
            str(week),
            "--store",
            str(tmp_path / "m"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # one row rejected
    assert "added                5" in done.stdout
    assert len(read_parquet(tmp_path / "m")) == 5
