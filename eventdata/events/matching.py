"""Putting records from several sources together, and finding probable duplicates.

:func:`combine_sources` stacks ACLED, UCDP GED and hand-coded records on the
core columns with a ``dataset`` column that keeps each row's provenance.
:func:`match_events` lists pairs of records from two sources that probably
describe the same event (same class of event, close in time and space) for a
person to decide: nothing is ever merged silently.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from eventdata.core import codebook
from eventdata.core.errors import EventDataError
from eventdata.core.schema import CORE_SCHEMA
from eventdata.events.geo import haversine_km

__all__ = ["combine_sources", "match_events"]


def combine_sources(sources: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack validated frames from several sources on the core columns.

    Parameters
    ----------
    sources : mapping of str to DataFrame
        Dataset name (e.g. "acled", "ucdp_ged", "hand-coded") to its validated records.

    Returns
    -------
    pandas.DataFrame
        The core columns, typed as in the core schema (``event_type`` as text,
        since the sources' vocabularies differ), plus ``dataset``. Event ids stay
        as each source wrote them; an id used by two datasets is an error.

    Examples
    --------
    >>> import eventdata as ed
    >>> seed = ed.datasets.load_seed_incidents()
    >>> both = combine_sources({"acled": seed.iloc[:2], "hand-coded": seed.iloc[2:]})
    >>> both["dataset"].value_counts().to_dict()
    {'hand-coded': 4, 'acled': 2}
    """
    columns = list(CORE_SCHEMA.columns)
    parts = []
    for name, frame in sources.items():
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise EventDataError(f"{name}: lacks core column(s) {', '.join(missing)}")
        part = frame[columns].astype(CORE_SCHEMA.dtypes)
        parts.append(part.assign(dataset=pd.Series(name, index=part.index, dtype="string")))
    combined = pd.concat(parts, ignore_index=True)
    clash = combined["event_id_cnty"].duplicated(keep=False)
    if clash.any():
        shared = combined.loc[clash, "event_id_cnty"].unique()[:5]
        raise EventDataError(f"event ids used by more than one row: {', '.join(shared)}")
    return combined


def match_events(
    a: pd.DataFrame,
    b: pd.DataFrame,
    *,
    days: int = 1,
    km: float = 10.0,
    same_class: bool = True,
) -> pd.DataFrame:
    """List probable duplicates across two sources, for a person to decide.

    A pair matches when the two events are at most ``days`` apart, at most ``km``
    apart (great-circle distance), and, with ``same_class``, of the same coarse
    class of event (``codebook.COARSE_EVENT_CLASS``: armed conflict, violence
    against civilians, demonstration, other), which lets ACLED's event types meet
    UCDP's types of violence.

    Parameters
    ----------
    a, b : pandas.DataFrame
        Records with the core columns.
    days : int
        Largest difference between event dates, in days.
    km : float
        Largest distance between the coded locations, in kilometres.
    same_class : bool
        Require the same coarse class of event.

    Returns
    -------
    pandas.DataFrame
        One row per candidate pair: ``event_id_a``, ``event_id_b``, both dates,
        ``days_apart``, ``km_apart``, both event types and locations; sorted by
        distance. Nothing is merged.

    Examples
    --------
    >>> import eventdata as ed
    >>> seed = ed.datasets.load_seed_incidents()
    >>> pairs = match_events(seed.iloc[[3]], seed, days=0, km=15)
    >>> pairs[["event_id_a", "event_id_b"]].values.tolist()
    [['SEED-SYR-001', 'SEED-SYR-001'], ['SEED-SYR-001', 'SEED-SYR-002']]
    """
    if days < 0 or km < 0:
        raise ValueError(f"days and km must be >= 0, not {days!r} and {km!r}")
    left = _side(a, "a")
    right = _side(b, "b")
    pieces = [
        left.assign(_day=left["_day"] + shift).merge(right, on="_day")
        for shift in range(-days, days + 1)
    ]
    pairs = pd.concat(pieces, ignore_index=True)  # typed, even when empty
    pairs["days_apart"] = (pairs["event_date_b"] - pairs["event_date_a"]).dt.days.abs()
    pairs["km_apart"] = haversine_km(
        *(pairs[f"{c}_{s}"].to_numpy(float) for s in "ab" for c in ("latitude", "longitude"))
    )
    keep = pairs["km_apart"] <= km
    if same_class:
        keep &= (pairs["class_a"] == pairs["class_b"]).fillna(False).astype(bool)
    out = pairs.loc[keep, _PAIR_COLUMNS].sort_values(
        ["km_apart", "days_apart", "event_id_a", "event_id_b"], kind="stable"
    )
    return out.reset_index(drop=True)


_PAIR_COLUMNS = [
    "event_id_a",
    "event_id_b",
    "event_date_a",
    "event_date_b",
    "days_apart",
    "km_apart",
    "event_type_a",
    "event_type_b",
    "location_a",
    "location_b",
]


def _side(frame: pd.DataFrame, suffix: str) -> pd.DataFrame:
    needed = ["event_id_cnty", "event_date", "event_type", "latitude", "longitude", "location"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise EventDataError(f"records lack column(s) {', '.join(missing)} for matching")
    side = frame[needed].rename(columns={"event_id_cnty": "event_id"}).reset_index(drop=True)
    side["event_type"] = side["event_type"].astype("string")
    side["class"] = side["event_type"].map(dict(codebook.COARSE_EVENT_CLASS)).astype("string")
    side["_day"] = (side["event_date"] - pd.Timestamp("1970-01-01")).dt.days
    return side.rename(columns={c: f"{c}_{suffix}" for c in side.columns if c != "_day"})
