"""The codebook vocabulary, checked against the real exports' usage."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from eventdata.core import codebook
from tests.conftest import ACLED_EXPORTS, shared_file


def test_six_event_types_and_no_sub_event_type_in_two():
    assert len(codebook.EVENT_TYPES) == 6
    assert len(codebook.SUB_EVENT_TYPES) == len(set(codebook.SUB_EVENT_TYPES)) == 25


@pytest.mark.parametrize(("a", "b"), itertools.product(range(1, 9), range(0, 9)))
def test_interaction_code_is_symmetric_with_lower_code_first(a, b):
    code = codebook.interaction_code(a, b)
    if b == 0:
        assert code == 10 * a
    else:
        assert code == codebook.interaction_code(b, a) == 10 * min(a, b) + max(a, b)


@pytest.mark.parametrize(("code", "label"), list(codebook.INTER_CODES.items()))
def test_every_inter_label_maps_back(code, label):
    assert codebook.inter_code_from_label(label) == code
    assert codebook.inter_code_from_label(f"  {label.upper()} ") == code


def test_text_interactions():
    assert codebook.interaction_from_label("Protesters only") == 60
    assert codebook.interaction_from_label("External/Other forces-State forces") == 18
    assert codebook.interaction_from_label("State forces-Unicorns") is None
    assert codebook.interaction_from_label("a-b-c") is None


def test_real_export_uses_only_codebook_vocabulary():
    path = shared_file(ACLED_EXPORTS, "global-2020-04-27-to-05-09.csv")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False).iloc[:-1]
    pairs = set(zip(raw["event_type"], raw["sub_event_type"], strict=True))
    known = {(e, s) for e, subs in codebook.EVENT_TYPES.items() for s in subs}
    assert pairs <= known
    inter = raw[["inter1", "inter2", "interaction"]].astype(int)
    assert (
        codebook.interaction_code(inter["inter1"], inter["inter2"]) == inter["interaction"]
    ).all()
