"""Combining sources with provenance, and listing probable duplicates across them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import eventdata as ed
from eventdata.events.matching import combine_sources, match_events


def test_combine_keeps_provenance_and_core_types(seed_events, simulated):
    combined = combine_sources({"acled": simulated.head(50), "hand-coded": seed_events})
    assert len(combined) == 56
    assert combined["dataset"].value_counts().to_dict() == {"acled": 50, "hand-coded": 6}
    assert combined["event_type"].dtype == "string"
    ed.validate(combined.drop(columns="dataset"), schema="core")


def test_combine_refuses_an_id_used_twice(seed_events):
    with pytest.raises(ed.EventDataError, match="SEED-IRQ-001"):
        combine_sources({"a": seed_events, "b": seed_events.head(1)})


def test_match_finds_planted_duplicates_and_nothing_else(simulated):
    rng = np.random.default_rng(3)
    original = simulated.sample(40, random_state=1)
    # a second source re-codes the same events: a day later, ~2 km away, UCDP wording
    copy = original.assign(
        event_id_cnty="GED-" + original["event_id_cnty"],
        event_date=original["event_date"] + pd.Timedelta(days=1),
        latitude=original["latitude"] + rng.normal(0, 0.01, len(original)),
        event_type=original["event_type"]
        .map(
            {
                "Battles": "State-based conflict",
                "Explosions/Remote violence": "State-based conflict",
                "Violence against civilians": "One-sided violence",
            }
        )
        .astype("object")
        .fillna("Protests"),
    )
    pairs = match_events(original, copy, days=1, km=5)
    planted = list(zip(original["event_id_cnty"], copy["event_id_cnty"], strict=True))
    found = set(zip(pairs["event_id_a"], pairs["event_id_b"], strict=True))
    armed_or_civilian = original["event_type"].isin(
        ["Battles", "Explosions/Remote violence", "Violence against civilians"]
    )
    expected = {(a, b) for (a, b), keep in zip(planted, armed_or_civilian, strict=True) if keep}
    assert expected <= found
    assert found <= set(planted)  # and nothing else: no pair that was not planted
    # every pair reported really is within the limits, and of one class
    assert (pairs["days_apart"] <= 1).all() and (pairs["km_apart"] <= 5).all()
    none = match_events(original, copy, days=0, km=5)
    assert none.empty
    assert str(none["event_date_a"].dtype) == "datetime64[ns]"  # typed even when empty


def test_distance_is_great_circle(seed_events):
    pairs = match_events(seed_events, seed_events, days=3, km=1000, same_class=False)
    row = pairs[(pairs["event_id_a"] == "SEED-IRQ-001") & (pairs["event_id_b"] == "SEED-IRQ-002")]
    # Baghdad airport to Ain al-Asad: about 178 km
    assert row["km_apart"].iloc[0] == pytest.approx(178, abs=5)
