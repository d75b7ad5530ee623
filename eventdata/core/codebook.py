"""The ACLED codebook vocabulary, defined once.

Every category string eventdata knows (event types, sub-event types, disorder
types, actor-type ("inter") codes, precision codes) lives here and nowhere
else: the schema, the simulator, the exported schema files and the tests all
read it from this module.

Source: ACLED Codebook (2023 edition, with the 2024 change that writes actor
types as text labels). The column list is the 31 columns of the current
export, in ACLED's own order.

Examples
--------
>>> from eventdata import codebook
>>> codebook.EVENT_TYPES["Riots"]
('Violent demonstration', 'Mob violence')
>>> codebook.interaction_code(3, 8)
38
>>> codebook.interaction_code(6, 0)
60
"""

from __future__ import annotations

import re
from types import MappingProxyType

import numpy as np
import pandas as pd

__all__ = [
    "ACLED_COLUMNS",
    "CIVILIAN_TARGETING",
    "COARSE_EVENT_CLASS",
    "CODEBOOK_VERSION",
    "DISORDER_TYPES",
    "EVENT_TYPES",
    "GEO_PRECISION",
    "INTER_CODES",
    "INTER_LABEL_ALIASES",
    "LEGACY_ABSENT_COLUMNS",
    "LEGACY_COLUMN_NAMES",
    "LEGACY_EVENT_TYPES",
    "LEGACY_OPTIONAL_COLUMNS",
    "ORIGINAL_EVENT_TYPE",
    "SUB_EVENT_TYPES",
    "TIME_PRECISION",
    "UCDP_DATE_PRECISION",
    "UCDP_TYPE_OF_VIOLENCE",
    "UCDP_WHERE_PRECISION",
    "inter_code_from_label",
    "interaction_code",
    "from_legacy_export",
    "interaction_from_label",
    "is_legacy_export",
    "label_key",
    "split_riots_protests",
]

CODEBOOK_VERSION = "2024"

#: The six event types and, for each, its sub-event types, in codebook order.
EVENT_TYPES: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "Battles": (
            "Armed clash",
            "Government regains territory",
            "Non-state actor overtakes territory",
        ),
        "Explosions/Remote violence": (
            "Chemical weapon",
            "Air/drone strike",
            "Suicide bomb",
            "Shelling/artillery/missile attack",
            "Remote explosive/landmine/IED",
            "Grenade",
        ),
        "Violence against civilians": (
            "Sexual violence",
            "Attack",
            "Abduction/forced disappearance",
        ),
        "Protests": (
            "Peaceful protest",
            "Protest with intervention",
            "Excessive force against protesters",
        ),
        "Riots": ("Violent demonstration", "Mob violence"),
        "Strategic developments": (
            "Agreement",
            "Arrests",
            "Change to group/activity",
            "Disrupted weapons use",
            "Headquarters or base established",
            "Looting/property destruction",
            "Non-violent transfer of territory",
            "Other",
        ),
    }
)

#: Every sub-event type, in codebook order (each belongs to exactly one event type).
SUB_EVENT_TYPES: tuple[str, ...] = tuple(s for subs in EVENT_TYPES.values() for s in subs)

#: The event type each sub-event type belongs to.
EVENT_TYPE_OF_SUB_EVENT: MappingProxyType[str, str] = MappingProxyType(
    {sub: event for event, subs in EVENT_TYPES.items() for sub in subs}
)

DISORDER_TYPES: tuple[str, ...] = (
    "Political violence",
    "Demonstrations",
    "Strategic developments",
    "Political violence; Demonstrations",
)

CIVILIAN_TARGETING: tuple[str, ...] = ("Civilian targeting",)

#: Actor-type codes (``inter1``, ``inter2``); 0 means "no second actor".
INTER_CODES: MappingProxyType[int, str] = MappingProxyType(
    {
        0: "No actor",
        1: "State forces",
        2: "Rebel group",
        3: "Political militia",
        4: "Identity militia",
        5: "Rioters",
        6: "Protesters",
        7: "Civilians",
        8: "External/Other forces",
    }
)

TIME_PRECISION: MappingProxyType[int, str] = MappingProxyType(
    {1: "day known", 2: "week known (date is within it)", 3: "month known (date is within it)"}
)

GEO_PRECISION: MappingProxyType[int, str] = MappingProxyType(
    {
        1: "town or village known",
        2: "part of a region known (nearest town coded)",
        3: "only the larger region known (its capital coded)",
    }
)

#: The 31 columns of the current ACLED export, in ACLED's order.
ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

#: Columns that exports of older codebook versions lack; read as null, with a warning.
LEGACY_OPTIONAL_COLUMNS: tuple[str, ...] = ("disorder_type", "civilian_targeting", "tags")

#: Other names of the actor types, as other tools and vintages write them. Compared
#: after :func:`label_key` (case, spacing, "/" and plural "s" do not matter), so
#: "Rebel Groups", "rebel group" and "REBEL  GROUPS" are one name. Sources: ACLED's
#: 2024+ exports (``INTER_CODES`` above); ACLED's R package acledR
#: (``acled_transform_interaction``: "State Forces", "Rebel Groups", "Political
#: Militias", "Identity Militias", "External/Other Forces", "Sole Others"); ACLED's
#: API actor types ("Rebel Forces", "Militia Groups", "Communal / Identity Groups",
#: "Foreign / Others"); the codebook before 2019 ("Government or mutinous force",
#: "Ethnic militia", "Outside/external force").
INTER_LABEL_ALIASES: MappingProxyType[int, tuple[str, ...]] = MappingProxyType(
    {
        0: ("",),
        1: ("State forces", "Government or mutinous force", "Government forces"),
        2: ("Rebel forces", "Rebel groups", "Rebels"),
        3: ("Political militias", "Militia groups", "Militias"),
        4: ("Identity militias", "Communal/Identity groups", "Ethnic militia", "Communal militia"),
        5: ("Rioters",),
        6: ("Protesters", "Protestors"),
        7: ("Civilians",),
        8: (
            "External/Other forces",
            "Foreign/Others",
            "Outside/external force",
            "External forces",
            "Other forces",
            "Others",
        ),
    }
)


def label_key(label: str) -> str:
    """A label as compared: lower case, words split at spaces, "/" and "_", plurals made singular.

    Examples
    --------
    >>> label_key("  Communal / Identity Groups ")
    'communal identity group'
    >>> label_key("External/Other Forces") == label_key("external/other force")
    True
    """
    words = re.split(r"[\s/_]+", label.strip().lower())
    return " ".join(_singular(w) for w in words if w)


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


_INTER_LABELS: dict[str, int] = {label_key(label): code for code, label in INTER_CODES.items()}
_INTER_LABELS.update(
    {label_key(alias): code for code, aliases in INTER_LABEL_ALIASES.items() for alias in aliases}
)


def inter_code_from_label(label: str) -> int | None:
    """Return the numeric actor-type code of a text label, or None if unknown.

    Any spelling of :data:`INTER_CODES` or :data:`INTER_LABEL_ALIASES`, whatever
    its case, spacing or number.

    Examples
    --------
    >>> inter_code_from_label("Rioters")
    5
    >>> inter_code_from_label("External/Other forces")
    8
    >>> inter_code_from_label("communal / identity GROUPS")
    4
    >>> inter_code_from_label("Aliens") is None
    True
    """
    return _INTER_LABELS.get(label_key(label))


def interaction_code(inter1, inter2):
    """ACLED's two-digit interaction code from the two actor-type codes.

    The lower code comes first; an event with one actor gets ``10 * inter1``.
    Works on scalars and on arrays / Series alike.

    Examples
    --------
    >>> interaction_code(7, 3)
    37
    >>> interaction_code(np.array([1, 6]), np.array([2, 0])).tolist()
    [12, 60]
    """
    a = np.asarray(inter1)
    b = np.asarray(inter2)
    code = np.where(b == 0, 10 * a, 10 * np.minimum(a, b) + np.maximum(a, b))
    if isinstance(inter1, pd.Series):
        return pd.Series(code, index=inter1.index)
    return code.item() if code.ndim == 0 else code


_SPLIT = re.compile(r"\s*-\s*")
_ONE_ACTOR = re.compile(r"^\s*(?:sole\s+(?P<sole>.+?)|(?P<only>.+?)\s+only)\s*$", re.IGNORECASE)


def interaction_from_label(label: str) -> int | None:
    """Numeric interaction code of a text interaction, or None if unknown.

    ``"X-Y"`` is the pair's code; one actor is ``"X only"`` (ACLED's exports) or
    ``"Sole X"`` (acledR); X and Y are any actor-type label
    (:func:`inter_code_from_label`).

    Examples
    --------
    >>> interaction_from_label("Rioters only")
    50
    >>> interaction_from_label("State forces-Rebel group")
    12
    >>> interaction_from_label("Civilians-Political militia")
    37
    >>> interaction_from_label("Sole Protesters")
    60
    >>> interaction_from_label("State Forces - Rebel Groups")
    12
    """
    one = _ONE_ACTOR.match(label)
    if one:
        code = inter_code_from_label(one["sole"] or one["only"])
        return None if code is None or code == 0 else 10 * code
    parts = _SPLIT.split(label.strip())
    if len(parts) != 2:
        return None
    codes = [inter_code_from_label(p) for p in parts]
    if None in codes or 0 in codes:
        return None
    return int(interaction_code(codes[0], codes[1]))


# --- The codebook before 2019 -------------------------------------------------

#: The event types of ACLED's codebook before 2019 and what each is today: (event
#: type, sub-event type), None where the old type does not determine it. ACLED
#: replaced its nine event types with six and added sub-event types in March 2019
#: ("ACLED introduces new event types and sub-event types", acleddata.com,
#: 2019-03-14; Codebook 2019). The three battle types and the two territorial
#: strategic developments became sub-event types one to one. "Remote violence",
#: "Violence against civilians" and "Strategic development" keep their event type,
#: but the old data say nothing of which new sub-event type (air strike or IED,
#: attack or abduction, arrest or looting...) an event is: sub_event_type stays
#: missing. "Riots/Protests" is split by actor type (:func:`split_riots_protests`)
#: and has no sub-event type either (peaceful protest or protest with
#: intervention, violent demonstration or mob violence are not told apart).
LEGACY_EVENT_TYPES: MappingProxyType[str, tuple[str | None, str | None]] = MappingProxyType(
    {
        "Battle-No change of territory": ("Battles", "Armed clash"),
        "Battle-Government regains territory": ("Battles", "Government regains territory"),
        "Battle-Non-state actor overtakes territory": (
            "Battles",
            "Non-state actor overtakes territory",
        ),
        "Remote violence": ("Explosions/Remote violence", None),
        "Violence against civilians": ("Violence against civilians", None),
        "Riots/Protests": (None, None),
        "Strategic development": ("Strategic developments", None),
        "Non-violent transfer of territory": (
            "Strategic developments",
            "Non-violent transfer of territory",
        ),
        "Headquarters or base established": (
            "Strategic developments",
            "Headquarters or base established",
        ),
    }
)

#: Columns of exports before 2019 under their current names ("ally" actors became
#: "associated" actors). ``gwno`` (Gleditsch-Ward country number, not ISO 3166),
#: ``event_id_no_cnty`` and ``data_id`` are kept as they are.
LEGACY_COLUMN_NAMES: MappingProxyType[str, str] = MappingProxyType(
    {"ally_actor_1": "assoc_actor_1", "ally_actor_2": "assoc_actor_2"}
)

#: Columns an export before 2019 lacks and that its rows may leave empty.
LEGACY_ABSENT_COLUMNS: tuple[str, ...] = ("sub_event_type", "timestamp")

#: The column that keeps a mapped event's event type as the old export wrote it.
ORIGINAL_EVENT_TYPE = "event_type_original"

_RIOTERS, _PROTESTERS = 5, 6


def _legacy_key(text: str) -> str:
    return re.sub(r"\s*([-/])\s*", r"\1", re.sub(r"\s+", " ", text.strip().lower()))


_LEGACY_BY_KEY = {_legacy_key(old): old for old in LEGACY_EVENT_TYPES}


def split_riots_protests(inter1, inter2) -> np.ndarray:
    """Today's event type of old "Riots/Protests" events, from the actor types.

    Actor 1 decides when it is rioters (5: "Riots") or protesters (6:
    "Protests"), as ACLED codes demonstrators as actor 1; otherwise actor 2 does
    (state forces against protesters were a protest with intervention). When
    neither actor is rioters or protesters the type is not determined: None, and
    the row is rejected with the old value named.

    Parameters
    ----------
    inter1, inter2 : array-like of int (missing as any value outside 1-8)

    Returns
    -------
    numpy.ndarray of object
        "Riots", "Protests" or None for each event.

    Examples
    --------
    >>> split_riots_protests([5, 6, 1, 1, 3], [0, 1, 6, 5, 1]).tolist()
    ['Riots', 'Protests', 'Protests', 'Riots', None]
    """
    a, b = np.asarray(inter1), np.asarray(inter2)
    by = np.where(np.isin(a, [_RIOTERS, _PROTESTERS]), a, b)
    return np.select([by == _RIOTERS, by == _PROTESTERS], ["Riots", "Protests"], None)


def is_legacy_export(frame: pd.DataFrame) -> bool:
    """Whether a frame is an export of the codebook before 2019.

    It has no ``sub_event_type`` column and names some event by an old event type.

    Examples
    --------
    >>> is_legacy_export(pd.DataFrame({"event_type": ["Riots/Protests"]}))
    True
    >>> is_legacy_export(pd.DataFrame({"event_type": ["Protests"], "sub_event_type": ["Other"]}))
    False
    """
    if "sub_event_type" in frame.columns or "event_type" not in frame.columns:
        return False
    names = pd.Series(frame["event_type"].dropna().unique()).astype(str)
    return bool(names.map(_legacy_key).isin(list(_LEGACY_BY_KEY)).any())


def from_legacy_export(frame: pd.DataFrame) -> pd.DataFrame:
    """An export of the codebook before 2019 in today's terms (other frames pass unchanged).

    ``ally_actor_1``/``ally_actor_2`` become ``assoc_actor_1``/``assoc_actor_2``;
    each old event type becomes today's event type and, where determined, its
    sub-event type (:data:`LEGACY_EVENT_TYPES`, :func:`split_riots_protests`); the
    old value is kept in ``event_type_original``. An undetermined "Riots/Protests"
    keeps its old value (and so breaks the event-type vocabulary, naming it).
    Values are not otherwise typed or checked: :func:`eventdata.validate` does that.

    Examples
    --------
    >>> old = pd.DataFrame(
    ...     {
    ...         "event_type": ["Riots/Protests", "Battle-No change of territory"],
    ...         "inter1": ["5", "1"],
    ...         "inter2": ["0", "2"],
    ...         "ally_actor_1": [None, None],
    ...     }
    ... )
    >>> new = from_legacy_export(old)
    >>> new["event_type"].tolist(), new["sub_event_type"].tolist()
    (['Riots', 'Battles'], [<NA>, 'Armed clash'])
    >>> new["event_type_original"].tolist()
    ['Riots/Protests', 'Battle-No change of territory']
    >>> "assoc_actor_1" in new.columns
    True
    """
    if not is_legacy_export(frame):
        return frame
    renames = {
        old: new
        for old, new in LEGACY_COLUMN_NAMES.items()
        if old in frame.columns and new not in frame.columns
    }
    out = frame.rename(columns=renames)
    given = out["event_type"].astype("object")
    old = given.map(lambda v: _LEGACY_BY_KEY.get(_legacy_key(v)) if isinstance(v, str) else None)
    event = old.map(lambda v: None if v is None else LEGACY_EVENT_TYPES[v][0])
    sub = old.map(lambda v: None if v is None else LEGACY_EVENT_TYPES[v][1])
    split = (old == "Riots/Protests").to_numpy()
    if split.any():
        codes = [
            _actor_type_codes(out[c]) if c in out.columns else None for c in ("inter1", "inter2")
        ]
        none = np.zeros(len(out), dtype="int64")
        event[split] = split_riots_protests(
            (codes[0] if codes[0] is not None else none)[split],
            (codes[1] if codes[1] is not None else none)[split],
        )
    mapped = event.notna()
    out["event_type"] = given.where(~mapped, event)
    out["sub_event_type"] = sub.astype("string")
    out[ORIGINAL_EVENT_TYPE] = given.where(old.notna(), None).astype("string")
    return out


def _actor_type_codes(values: pd.Series) -> np.ndarray:
    """Actor-type codes given as numbers or labels, -1 where neither."""
    text = values.astype("string").str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    labels = text[numbers.isna() & text.notna()]
    if len(labels):
        numbers[labels.index] = labels.map(lambda v: inter_code_from_label(v))
    return numbers.fillna(-1).to_numpy(dtype="int64")


# --- UCDP GED (Georeferenced Event Dataset) codes, for the GED reader ---------

#: GED ``type_of_violence`` codes and the event-type label they get in the core schema.
UCDP_TYPE_OF_VIOLENCE: MappingProxyType[int, str] = MappingProxyType(
    {1: "State-based conflict", 2: "Non-state conflict", 3: "One-sided violence"}
)

#: GED ``date_prec`` codes (1 exact day ... 5 year) onto the core ``time_precision``
#: (1 day, 2 week, 3 month or coarser): a 2-6 day range and a week are week-level.
UCDP_DATE_PRECISION: MappingProxyType[int, int] = MappingProxyType({1: 1, 2: 2, 3: 2, 4: 3, 5: 3})

#: GED ``where_prec`` codes (1 exact place ... 7 international waters) onto the core
#: ``geo_precision``: within 25 km, a second-order area or a linear feature (road,
#: river) is "part of a region" (2); a first-order area, the country, or waters is 3.
UCDP_WHERE_PRECISION: MappingProxyType[int, int] = MappingProxyType(
    {1: 1, 2: 2, 3: 2, 4: 3, 5: 2, 6: 3, 7: 3}
)


#: A coarse event class shared by every source, used to match events across
#: datasets (ACLED event types and UCDP types of violence).
COARSE_EVENT_CLASS: MappingProxyType[str, str] = MappingProxyType(
    {
        "Battles": "armed conflict",
        "Explosions/Remote violence": "armed conflict",
        "Violence against civilians": "violence against civilians",
        "Protests": "demonstration",
        "Riots": "demonstration",
        "Strategic developments": "other",
        UCDP_TYPE_OF_VIOLENCE[1]: "armed conflict",
        UCDP_TYPE_OF_VIOLENCE[2]: "armed conflict",
        UCDP_TYPE_OF_VIOLENCE[3]: "violence against civilians",
    }
)
