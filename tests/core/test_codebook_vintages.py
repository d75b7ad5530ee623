"""Exports of ACLED's codebook before 2019 read in today's terms, and analyses run on them."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventdata as ed
from eventdata.cli import main
from eventdata.core import codebook

WILD = Path(__file__).parents[1] / "data" / "wild"

# today's (event type, sub-event type) -> the event type ACLED coded before 2019
_OLD_BATTLES = {
    "Armed clash": "Battle-No change of territory",
    "Government regains territory": "Battle-Government regains territory",
    "Non-state actor overtakes territory": "Battle-Non-state actor overtakes territory",
}
_OLD_DEVELOPMENTS = {
    "Headquarters or base established": "Headquarters or base established",
    "Non-violent transfer of territory": "Non-violent transfer of territory",
}


def _old_event_type(event_type: str, sub_event_type: str) -> str:
    if event_type == "Battles":
        return _OLD_BATTLES[sub_event_type]
    if event_type == "Strategic developments":
        return _OLD_DEVELOPMENTS.get(sub_event_type, "Strategic development")
    return {
        "Explosions/Remote violence": "Remote violence",
        "Violence against civilians": "Violence against civilians",
        "Protests": "Riots/Protests",
        "Riots": "Riots/Protests",
    }[event_type]


def as_pre2019_export(events: pd.DataFrame) -> pd.DataFrame:
    """Events as ACLED's export tool wrote them before 2019 (columns in its alphabetical order)."""
    old = events.assign(
        event_type=[
            _old_event_type(e, s)
            for e, s in zip(events["event_type"], events["sub_event_type"], strict=True)
        ],
        gwno=645,
        event_id_no_cnty=np.arange(len(events)) + 1,
        data_id=np.arange(len(events)) + 100,
    ).rename(columns={"assoc_actor_1": "ally_actor_1", "assoc_actor_2": "ally_actor_2"})
    old = old.drop(
        columns=[
            "sub_event_type",
            "disorder_type",
            "civilian_targeting",
            "tags",
            "timestamp",
            "iso",
            "region",
            "source_scale",
        ]
    )
    old["event_date"] = old["event_date"].dt.strftime("%Y-%m-%d")
    return old[sorted(old.columns)]


@pytest.fixture(scope="module")
def modern() -> pd.DataFrame:
    return ed.datasets.simulate("2015-01-01", "2016-12-31", seed=5)


@pytest.fixture(scope="module")
def legacy_file(modern, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("vintage") / "iraq-syria-2015-2016.csv"
    as_pre2019_export(modern).to_csv(path)  # with the leading unnamed index column pandas writes
    return path


@pytest.fixture(scope="module")
def legacy(legacy_file) -> ed.Quarantine:
    with pytest.warns(ed.CodebookWarning, match="codebook before 2019"):
        return ed.read_acled(legacy_file, errors="quarantine")


def test_the_case_file_is_read_with_its_event_types_mapped():
    with pytest.warns(ed.CodebookWarning, match="codebook before 2019: 2 old event types"):
        q = ed.read_acled(WILD / "02-pre2019-codebook.csv", errors="quarantine")
    assert (q.n_valid, q.n_rejected) == (2, 0)
    valid = q.valid.set_index("event_id_cnty")
    assert valid.loc["9001RTA", "event_type"] == "Protests"  # inter1 6: protesters
    assert pd.isna(valid.loc["9001RTA", "sub_event_type"])
    assert valid.loc["9002RTA", "event_type"] == "Battles"
    assert valid.loc["9002RTA", "sub_event_type"] == "Armed clash"
    assert valid["event_type_original"].tolist() == [
        "Riots/Protests",
        "Battle-No change of territory",
    ]
    assert "assoc_actor_1" in valid.columns and "gwno" in valid.columns


def test_every_row_of_an_old_export_is_valid_with_todays_event_types(modern, legacy):
    assert legacy.n_rejected == 0 and legacy.n_valid == len(modern)
    got = legacy.valid.set_index("event_id_cnty").loc[modern["event_id_cnty"]]
    assert got["event_type"].astype(str).tolist() == modern["event_type"].astype(str).tolist()
    assert str(got["event_type"].dtype) == "category"


def test_sub_event_types_are_given_exactly_where_the_old_type_determines_them(modern, legacy):
    got = legacy.valid.set_index("event_id_cnty").loc[modern["event_id_cnty"]]
    determined = modern["sub_event_type"].isin([*_OLD_BATTLES, *_OLD_DEVELOPMENTS]).to_numpy()
    expected = modern["sub_event_type"].astype(str).to_numpy()[determined]
    assert got["sub_event_type"].astype(str).to_numpy()[determined].tolist() == expected.tolist()
    assert got["sub_event_type"].isna().to_numpy()[~determined].all()


def test_riots_protests_split_by_actor_type_and_undetermined_rows_are_rejected(raw_seed):
    raw = raw_seed.drop(columns=["sub_event_type", "disorder_type"])
    raw["event_type"] = "Riots/Protests"
    raw[["inter1", "inter2"]] = [
        ["5", "0"],
        ["6", "0"],
        ["1", "6"],
        ["1", "5"],
        ["3", "1"],
        ["6", "5"],
    ]
    raw["interaction"] = [
        str(codebook.interaction_code(int(a), int(b)))
        for a, b in zip(raw.inter1, raw.inter2, strict=True)
    ]
    with pytest.warns(ed.CodebookWarning, match="1 not determined"):
        q = ed.validate(raw, errors="quarantine")
    assert q.valid["event_type"].astype(str).tolist() == [
        "Riots",
        "Protests",
        "Protests",
        "Riots",
        "Protests",
    ]
    assert q.rejected["event_id_cnty"].tolist() == [raw.loc[4, "event_id_cnty"]]
    assert "Riots/Protests" in q.rejected["reason"].iloc[0]


def test_analyses_run_on_a_2015_2016_export_as_on_a_current_one(modern, legacy):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old, new = legacy.valid, ed.validate(modern)
        pd.testing.assert_frame_equal(
            ed.counts(old, freq="D", by="event_type"), ed.counts(new, freq="D", by="event_type")
        )
        pd.testing.assert_frame_equal(
            ed.anniversary_test(old, "01-03").to_frame(),
            ed.anniversary_test(new, "01-03").to_frame(),
        )
        pd.testing.assert_frame_equal(
            ed.province_frequency(old).to_frame(), ed.province_frequency(new).to_frame()
        )


@pytest.mark.parametrize("command", ["validate", "anniversary", "provinces"])
def test_the_cli_reads_an_old_export(legacy_file, command, capsys):
    assert main([command, str(legacy_file)]) == 0
    printed = capsys.readouterr()
    assert "codebook before 2019" in printed.err and "error" not in printed.err
