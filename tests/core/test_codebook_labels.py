"""Actor-type and interaction labels as other tools write them map to ACLED's codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import eventdata as ed
from eventdata.core import codebook

WILD = Path(__file__).parents[1] / "data" / "wild"

# as ACLED's R package (acledR), ACLED's API actor types, its 2024+ exports and
# the codebook before 2019 write them
LABELS = [
    ("State Forces", 1),
    ("Government or mutinous force", 1),
    ("Rebel Forces", 2),
    ("Rebel Groups", 2),
    ("Rebel group", 2),
    ("Political Militias", 3),
    ("Militia Groups", 3),
    ("Identity Militias", 4),
    ("Communal / Identity Groups", 4),
    ("Ethnic militia", 4),
    ("Rioters", 5),
    ("Protesters", 6),
    ("Civilians", 7),
    ("Foreign / Others", 8),
    ("External/Other Forces", 8),
    ("Outside/external force", 8),
]

INTERACTIONS = [
    ("State Forces-Rebel Groups", 12),
    ("Political Militias-Identity Militias", 34),
    ("Civilians-External/Other Forces", 78),
    ("Sole Protesters", 60),
    ("Sole Others", 80),
    ("Rioters only", 50),
    ("rebel forces - state forces", 12),
    ("Militia Groups-Communal / Identity Groups", 34),
]


def _respell(label: str, draw_case: list[bool], pad: str) -> str:
    """The label in another case and spacing, as a hand or another tool might write it."""
    cased = "".join(
        c.upper() if draw_case[i % len(draw_case)] else c.lower() for i, c in enumerate(label)
    )
    return pad + cased.replace(" ", pad or " ").replace("/", f"{pad}/{pad}") + pad


@pytest.mark.parametrize(("label", "code"), LABELS)
@given(case=st.lists(st.booleans(), min_size=1, max_size=5), pad=st.sampled_from(["", " ", "  "]))
def test_an_actor_type_label_maps_to_its_code_whatever_its_case_or_spacing(label, code, case, pad):
    assert codebook.inter_code_from_label(_respell(label, case, pad)) == code


@pytest.mark.parametrize(("label", "code"), INTERACTIONS)
@given(case=st.lists(st.booleans(), min_size=1, max_size=5), pad=st.sampled_from(["", " "]))
def test_an_interaction_label_maps_to_its_code_whatever_its_case_or_spacing(label, code, case, pad):
    assert codebook.interaction_from_label(_respell(label, case, pad)) == code


@pytest.mark.parametrize("label", ["Aliens", "State Forces-Aliens", "Sole", "a-b-c", "Sole -"])
def test_an_unknown_label_maps_to_nothing(label):
    assert codebook.interaction_from_label(label) is None
    assert codebook.inter_code_from_label(label) is None


def test_acledr_labels_and_an_empty_inter2_are_valid():
    with pytest.warns(ed.CodebookWarning, match="text labels mapped"):
        q = ed.read_acled(WILD / "04-acledR-interaction-labels.csv", errors="quarantine")
    assert (q.n_valid, q.n_rejected) == (4, 0)
    assert q.valid["inter1"].tolist() == [1, 6, 3, 8]
    assert q.valid["inter2"].tolist() == [2, 0, 4, 7]
    assert q.valid["interaction"].tolist() == [12, 60, 34, 78]


def test_an_empty_inter2_beside_a_named_actor2_is_still_rejected(raw_seed):
    raw = raw_seed.copy()
    assert raw.loc[0, "actor2"]
    raw.loc[0, "inter2"] = ""
    q = ed.validate(raw, errors="quarantine")
    assert q.n_rejected == 1 and q.rejected["reason"].iloc[0].startswith("inter2: required")


def test_the_cli_validates_acledr_labels():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "eventdata.cli",
            "validate",
            str(WILD / "04-acledR-interaction-labels.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rows valid:    4" in done.stdout and "Traceback" not in done.stderr
