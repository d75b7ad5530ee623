"""The incident schemas: a core one every source shares, and ACLED's, which extends it.

Each column is described once as a :class:`Field`; the pandera schemas, the
dtypes, the coercion in :mod:`eventdata.io.acled_csv` and the files under ``schemas/``
(pandera YAML, Frictionless Table Schema) are all derived from these fields,
so they cannot disagree.

Examples
--------
>>> from eventdata.core.schema import ACLED_SCHEMA, CORE_SCHEMA
>>> ACLED_SCHEMA.name, ACLED_SCHEMA.version
('acled', '1.0.0')
>>> set(CORE_SCHEMA.columns) <= set(ACLED_SCHEMA.columns)
True
>>> ACLED_SCHEMA.fields["fatalities"].dtype
Int64Dtype()
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera import extensions

from eventdata.core import codebook
from eventdata.core.sources import SOURCE_NAMES

__all__ = [
    "ACLED_SCHEMA",
    "CORE_SCHEMA",
    "INCIDENT_SCHEMA",
    "UCDP_GED_SCHEMA",
    "SOURCES",
    "Field",
    "IncidentSchema",
    "write_schema_files",
]

SCHEMA_VERSION = "1.0.0"

Kind = Literal["string", "integer", "number", "date", "category"]

_STRING = pd.StringDtype()


@dataclass(frozen=True)
class Field:
    """One column of an incident schema.

    Parameters
    ----------
    name : str
        Column name, spelled as in ACLED's export.
    kind : {"string", "integer", "number", "date", "category"}
        Logical type; the pandas dtype follows from it.
    description : str
        What the column holds, for the schema files.
    required : bool
        Whether a value must be present in every row.
    categories : tuple of str or int, optional
        The closed vocabulary of a category (or coded integer) column.
    minimum, maximum : float, optional
        Inclusive bounds of a numeric column.
    unique : bool
        Whether values must be unique (the event id).
    free_text : bool
        Prose (``notes``) kept as written; other text (names, codes) is read with
        surrounding whitespace stripped. In both, text that is only whitespace is
        missing and a NUL character rejects the row.
    """

    name: str
    kind: Kind
    description: str
    required: bool = False
    categories: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    unique: bool = False
    free_text: bool = False

    @property
    def dtype(self) -> Any:
        """The pandas dtype of this column."""
        if self.kind == "category":
            return pd.CategoricalDtype(list(self.categories or ()), ordered=False)
        return {
            "string": _STRING,
            "integer": pd.Int64Dtype(),
            "number": np.dtype("float64"),
            "date": np.dtype("datetime64[ns]"),
        }[self.kind]

    def rules(self) -> list[tuple[str, pa.Check]]:
        """The value rules of this column as (human-readable rule, pandera check)."""
        rules: list[tuple[str, pa.Check]] = []
        if self.categories is not None:
            vocab = list(self.categories)
            rules.append((f"in the codebook vocabulary {vocab}", pa.Check.isin(vocab)))
        if self.minimum is not None and self.maximum is not None:
            rules.append(
                (
                    f"between {self.minimum:g} and {self.maximum:g}",
                    pa.Check.in_range(self.minimum, self.maximum),
                )
            )
        elif self.minimum is not None:
            rules.append((f">= {self.minimum:g}", pa.Check.ge(self.minimum)))
        return rules

    def holds(self, values: pd.Series) -> bool:
        """Whether every value keeps this field's rules: a vectorised check, without pandera.

        True guarantees that this field's pandera column (:meth:`IncidentSchema.to_pandera`,
        its dtype and uniqueness aside) finds no failure; False means that some
        value may break a rule, for pandera to name.

        Examples
        --------
        >>> fatalities = ACLED_SCHEMA.fields["fatalities"]
        >>> fatalities.holds(pd.Series([0, 3], dtype="Int64"))
        True
        >>> fatalities.holds(pd.Series([0, None], dtype="Int64"))  # required
        False
        """
        if self.required and bool(values.isna().any()):
            return False
        if self.categories is not None and not _in_vocabulary(values, self.categories):
            return False
        if self.minimum is None and self.maximum is None:
            return True
        if not pd.api.types.is_numeric_dtype(values.dtype):
            return False
        low, high = values.min(), values.max()  # missing values skipped
        if pd.isna(low):
            return True  # no value given
        return bool(
            (self.minimum is None or low >= self.minimum)
            and (self.maximum is None or high <= self.maximum)
        )


def _in_vocabulary(values: pd.Series, vocabulary: tuple[Any, ...]) -> bool:
    """Whether every given value is one of the vocabulary's."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories
        outside = ~categories.isin(list(vocabulary))
        if not outside.any():
            return True
        codes = values.cat.codes.to_numpy()
        return not outside[codes[codes >= 0]].any()
    if pd.api.types.is_integer_dtype(values.dtype) and all(isinstance(v, int) for v in vocabulary):
        # integer codes looked up in a table of the allowed ones (missing: an allowed one)
        numbers = values.to_numpy(dtype="int64", na_value=vocabulary[0])
        low, high = min(vocabulary), max(vocabulary)
        if not len(numbers) or high - low > 4096:
            return bool(np.isin(numbers, np.array(vocabulary, dtype="int64")).all())
        if numbers.min() < low or numbers.max() > high:
            return False
        allowed = np.zeros(high - low + 1, dtype=bool)
        allowed[np.array(vocabulary, dtype="int64") - low] = True
        return bool(np.take(allowed, numbers - low).all())
    return bool((values.isin(list(vocabulary)) | values.isna()).all())


# Cross-column rules. Registered with pandera so that they serialise into the
# YAML schema by name, with their parameters, and kept by name so that
# IncidentSchema.rules_hold can call them directly.

_FrameRule = Callable[..., pd.Series]
_FRAME_RULES: dict[str, _FrameRule] = {}
#: The cross-column rules by name (as a pandera check names them), callable directly on a
#: frame with the check's statistics: what :meth:`IncidentSchema.rules_hold` runs.
FRAME_RULES: MappingProxyType[str, _FrameRule] = MappingProxyType(_FRAME_RULES)


def _frame_rule(statistics: list[str] | None = None) -> Callable[[_FrameRule], _FrameRule]:
    """Register a cross-column rule with pandera (a ``pa.Check`` method) and by name here."""

    def register(function: _FrameRule) -> _FrameRule:
        _FRAME_RULES[function.__name__] = function
        return extensions.register_check_method(statistics=statistics or [])(function)

    return register


@_frame_rule(statistics=["pairs"])
def sub_event_type_belongs_to_event_type(df: pd.DataFrame, *, pairs: list[str]) -> pd.Series:
    """True where sub_event_type is one of its event_type's sub-event types."""
    event, sub = df["event_type"], df["sub_event_type"]
    if isinstance(event.dtype, pd.CategoricalDtype) and isinstance(sub.dtype, pd.CategoricalDtype):
        # a table of the allowed (event, sub-event) codes; code -1 (missing) is allowed
        allowed = np.zeros((len(event.cat.categories) + 1, len(sub.cat.categories) + 1), bool)
        allowed[-1, :] = allowed[:, -1] = True
        events = event.cat.categories.get_indexer([p.split("|", 1)[0] for p in pairs])
        subs = sub.cat.categories.get_indexer([p.split("|", 1)[1] for p in pairs])
        known_pair = (events >= 0) & (subs >= 0)
        allowed[events[known_pair], subs[known_pair]] = True
        ok = allowed[event.cat.codes.to_numpy(), sub.cat.codes.to_numpy()]
        return pd.Series(ok, index=df.index)
    known = event.isna() | sub.isna()
    pair = event.astype("string") + "|" + sub.astype("string")
    return known | pair.isin(pairs).fillna(False).astype(bool)


@_frame_rule()
def interaction_matches_inter_codes(df: pd.DataFrame) -> pd.Series:
    """True where interaction equals the code built from inter1 and inter2."""
    columns = [df[name] for name in ("inter1", "inter2", "interaction")]
    present = np.logical_and.reduce([c.notna().to_numpy(dtype=bool) for c in columns])
    i1, i2, given = (c.to_numpy(dtype="int64", na_value=0) for c in columns)
    ok = (codebook.interaction_code(i1, i2) == given) | ~present
    return pd.Series(ok, index=df.index)


@_frame_rule()
def year_matches_event_date(df: pd.DataFrame) -> pd.Series:
    """True where year equals the calendar year of event_date."""
    date, year = df["event_date"], df["year"]
    present = (date.notna() & year.notna()).to_numpy()
    ok = np.ones(len(df), dtype=bool)
    ok[present] = (
        date.dt.year.to_numpy()[present] == year.to_numpy(dtype="int64", na_value=0)[present]
    )
    return pd.Series(ok, index=df.index)


@dataclass(frozen=True)
class IncidentSchema:
    """A named, versioned incident schema built from :class:`Field` objects.

    Attributes
    ----------
    name, version : str
        Recorded in exported files and in stored datasets' metadata.
    fields : mapping of str to Field
        The columns, in order.
    frame_rules : tuple of (str, str, tuple, pandera.Check)
        Cross-column rules: (rule name, human description, columns involved, check).
    """

    name: str
    version: str
    description: str
    fields: MappingProxyType[str, Field]
    frame_rules: tuple[tuple[str, str, tuple[str, ...], pa.Check], ...] = field(default=())

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names, in order."""
        return tuple(self.fields)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns an input must carry (required values); others may be absent."""
        return tuple(n for n, f in self.fields.items() if f.required)

    @property
    def dtypes(self) -> dict[str, Any]:
        """Column name to pandas dtype."""
        return {n: f.dtype for n, f in self.fields.items()}

    def extend(
        self,
        name: str,
        description: str,
        fields: list[Field],
        order: tuple[str, ...],
        frame_rules: tuple = (),
    ) -> IncidentSchema:
        """A new schema with these fields added or narrowed, in the given column order."""
        merged = dict(self.fields)
        merged.update({f.name: f for f in fields})
        missing = set(merged) - set(order)
        if missing:
            raise ValueError(f"column order lacks {sorted(missing)}")
        return IncidentSchema(
            name=name,
            version=self.version,
            description=description,
            fields=MappingProxyType({n: merged[n] for n in order}),
            frame_rules=self.frame_rules + tuple(frame_rules),
        )

    def to_pandera(self) -> pa.DataFrameSchema:
        """The pandera ``DataFrameSchema`` (lazy validation collects every failure)."""
        columns = {
            n: pa.Column(
                f.dtype,
                checks=[check for _, check in f.rules()],
                nullable=not f.required,
                unique=f.unique,
                required=f.required,
                description=f.description,
                title=n,
            )
            for n, f in self.fields.items()
        }
        return pa.DataFrameSchema(
            columns,
            checks=[check for *_, check in self.frame_rules],
            name=self.name,
            description=self.description,
            metadata={"version": self.version, "codebook_version": codebook.CODEBOOK_VERSION},
            strict=False,
            ordered=False,
        )

    def rules_hold(self, frame: pd.DataFrame) -> bool:
        """Whether every row of a typed frame keeps every value and cross-column rule.

        A vectorised check without pandera, for the common case of a valid
        frame: True guarantees that :meth:`to_pandera` (dtypes and uniqueness
        aside) finds no failure; False means that some row may break a rule,
        for pandera to name. Every schema column must be in ``frame``.

        Examples
        --------
        >>> import eventdata as ed
        >>> events = ed.validate(ed.datasets.load_seed_incidents())
        >>> ACLED_SCHEMA.rules_hold(events)
        True
        >>> ACLED_SCHEMA.rules_hold(events.assign(year=events["year"] + 1))
        False
        """
        for name, spec in self.fields.items():
            if not spec.holds(frame[name]):
                return False
        for *_, check in self.frame_rules:
            function = FRAME_RULES.get(check.name)
            if function is None or not np.all(function(frame, **check.statistics)):
                return False
        return True

    def to_frictionless(self) -> dict[str, Any]:
        """A Frictionless Table Schema descriptor (JSON-serialisable dict)."""
        kinds = {
            "string": "string",
            "integer": "integer",
            "number": "number",
            "date": "date",
            "category": "string",
        }
        out_fields = []
        for n, f in self.fields.items():
            constraints: dict[str, Any] = {"required": f.required}
            if f.unique:
                constraints["unique"] = True
            if f.categories is not None:
                constraints["enum"] = list(f.categories)
            if f.minimum is not None:
                constraints["minimum"] = f.minimum
            if f.maximum is not None:
                constraints["maximum"] = f.maximum
            out_fields.append(
                {
                    "name": n,
                    "type": kinds[f.kind],
                    "description": f.description,
                    "constraints": constraints,
                }
            )
        return {
            "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
            "name": self.name,
            "title": f"eventdata {self.name} incident schema",
            "description": self.description,
            "version": self.version,
            "codebook_version": codebook.CODEBOOK_VERSION,
            "fields": out_fields,
            "primaryKey": [n for n, f in self.fields.items() if f.unique],
            "missingValues": ["", "NA"],
            "rules": [
                {"name": rule, "description": text, "columns": list(cols)}
                for rule, text, cols, _ in self.frame_rules
            ],
        }


def _integer_codes(mapping: MappingProxyType[int, str]) -> tuple[int, ...]:
    return tuple(mapping)


CORE_SCHEMA = IncidentSchema(
    name="core",
    version=SCHEMA_VERSION,
    description=(
        "An incident record any source can fill (ACLED, UCDP GED, hand-coded reports): "
        "the columns every eventdata analysis needs."
    ),
    fields=MappingProxyType(
        {
            f.name: f
            for f in [
                Field("event_id_cnty", "string", "Unique event identifier.", True, unique=True),
                Field("event_date", "date", "Date of the event (day).", True),
                Field(
                    "time_precision",
                    "integer",
                    "How precisely the date is known.",
                    True,
                    _integer_codes(codebook.TIME_PRECISION),
                ),
                Field("event_type", "string", "Type of event.", True),
                Field("sub_event_type", "string", "Sub-type of event."),
                Field("actor1", "string", "Main actor.", True),
                Field("actor2", "string", "Other main actor, if any."),
                Field("country", "string", "Country of the event.", True),
                Field("admin1", "string", "Largest sub-national unit (province, governorate)."),
                Field("location", "string", "Named location of the event.", True),
                Field("latitude", "number", "Latitude (WGS84).", True, minimum=-90, maximum=90),
                Field("longitude", "number", "Longitude (WGS84).", True, minimum=-180, maximum=180),
                Field(
                    "geo_precision",
                    "integer",
                    "How precisely the location is known.",
                    True,
                    _integer_codes(codebook.GEO_PRECISION),
                ),
                Field("source", "string", "Source(s) of the report.", True),
                Field(
                    "fatalities",
                    "integer",
                    "Reported fatalities (conservative estimate).",
                    True,
                    minimum=0,
                ),
            ]
        }
    ),
)

_INTER = _integer_codes(codebook.INTER_CODES)
_INTERACTIONS = tuple(
    sorted({int(codebook.interaction_code(a, b)) for a in _INTER if a > 0 for b in _INTER})
)

ACLED_SCHEMA = CORE_SCHEMA.extend(
    name="acled",
    description="An ACLED event record: the 31 columns of the current ACLED codebook.",
    order=codebook.ACLED_COLUMNS,
    fields=[
        Field("year", "integer", "Year of the event.", True, minimum=1900),
        Field(
            "disorder_type",
            "category",
            "Disorder type (absent in older exports).",
            categories=codebook.DISORDER_TYPES,
        ),
        Field("event_type", "category", "Event type.", True, tuple(codebook.EVENT_TYPES)),
        Field(
            "sub_event_type",
            "category",
            "Sub-event type (belongs to its event type).",
            True,
            codebook.SUB_EVENT_TYPES,
        ),
        Field("assoc_actor_1", "string", "Actors associated with actor1."),
        Field("inter1", "integer", "Actor type code of actor1.", True, _INTER[1:]),
        Field("assoc_actor_2", "string", "Actors associated with actor2."),
        Field("inter2", "integer", "Actor type code of actor2 (0: none).", True, _INTER),
        Field(
            "interaction",
            "integer",
            "Interaction code from inter1 and inter2.",
            True,
            _INTERACTIONS,
        ),
        Field(
            "civilian_targeting",
            "category",
            "Whether civilians were targeted.",
            categories=codebook.CIVILIAN_TARGETING,
        ),
        Field("iso", "integer", "ISO 3166 numeric country code.", minimum=0, maximum=999),
        Field("region", "string", "ACLED region."),
        Field("admin2", "string", "Second sub-national unit."),
        Field("admin3", "string", "Third sub-national unit."),
        Field("source_scale", "string", "Geographic scale of the sources."),
        Field("notes", "string", "Short description of the event.", free_text=True),
        Field("tags", "string", "Additional structured tags (absent in older exports)."),
        Field(
            "timestamp", "integer", "Unix time (seconds) of the row's last change.", True, minimum=0
        ),
    ],
    frame_rules=(
        (
            "sub_event_type_belongs_to_event_type",
            "sub_event_type is one of its event_type's sub-event types",
            ("event_type", "sub_event_type"),
            pa.Check.sub_event_type_belongs_to_event_type(
                pairs=[f"{e}|{s}" for e, subs in codebook.EVENT_TYPES.items() for s in subs]
            ),
        ),
        (
            "interaction_matches_inter_codes",
            "interaction is 10*min(inter1, inter2) + max(...), or 10*inter1 with no actor2",
            ("inter1", "inter2", "interaction"),
            pa.Check.interaction_matches_inter_codes(),
        ),
        (
            "year_matches_event_date",
            "year is the year of event_date",
            ("year", "event_date"),
            pa.Check.year_matches_event_date(),
        ),
    ),
)


@_frame_rule()
def event_date_not_after_date_end(df: pd.DataFrame) -> pd.Series:
    """True where the event's first day is not after its last day (or either is missing)."""
    start, end = df["event_date"], df["date_end"]
    return (start.isna() | end.isna() | (start <= end)).astype(bool)


_GED_ONLY = (
    "type_of_violence",
    "date_prec",
    "where_prec",
    "date_end",
    "low",
    "high",
    "conflict_name",
    "dyad_name",
    "adm_1",
    "adm_2",
    "source_office",
    "dataset",
)

UCDP_GED_SCHEMA = CORE_SCHEMA.extend(
    name="ucdp_ged",
    description=(
        "A UCDP Georeferenced Event Dataset (GED) event mapped onto the core schema: "
        "date_start as event_date, side_a/side_b as actors, best as fatalities, "
        "type_of_violence as event_type, precision codes mapped (see eventdata.core.codebook)."
    ),
    order=(*CORE_SCHEMA.columns, *_GED_ONLY),
    fields=[
        Field(
            "event_type",
            "category",
            "UCDP type of violence, as a label.",
            True,
            tuple(codebook.UCDP_TYPE_OF_VIOLENCE.values()),
        ),
        Field(
            "type_of_violence",
            "integer",
            "1 state-based, 2 non-state, 3 one-sided.",
            True,
            tuple(codebook.UCDP_TYPE_OF_VIOLENCE),
        ),
        Field(
            "date_prec",
            "integer",
            "GED date precision (1 day ... 5 year).",
            True,
            tuple(codebook.UCDP_DATE_PRECISION),
        ),
        Field(
            "where_prec",
            "integer",
            "GED location precision (1 exact ... 7 waters).",
            True,
            tuple(codebook.UCDP_WHERE_PRECISION),
        ),
        Field("date_end", "date", "Last day of the event.", True),
        Field("low", "integer", "Low estimate of deaths.", True, minimum=0),
        Field("high", "integer", "High estimate of deaths.", True, minimum=0),
        Field("conflict_name", "string", "UCDP conflict name."),
        Field("dyad_name", "string", "UCDP dyad name."),
        Field("adm_1", "string", "First-order admin unit as GED wrote it."),
        Field("adm_2", "string", "Second-order admin unit as GED wrote it."),
        Field("source_office", "string", "Source office (news agency)."),
        Field("dataset", "string", "Source dataset of the record.", True),
    ],
    frame_rules=(
        (
            "event_date_not_after_date_end",
            "date_start (event_date) is not after date_end",
            ("event_date", "date_end"),
            pa.Check.event_date_not_after_date_end(),
        ),
    ),
)


@_frame_rule()
def source_url_is_http(df: pd.DataFrame) -> pd.Series:
    """True where source_url is missing or an http(s) address."""
    url = df["source_url"].astype("string")
    return (url.isna() | url.str.match(r"^https?://\S+$")).fillna(True).astype(bool)


INCIDENT_SCHEMA = CORE_SCHEMA.extend(
    name="incident",
    description=(
        "An incident coded by hand from a report (news article, NGO report), ACLED-style: "
        "the core columns with ACLED's event and sub-event types, and the report cited."
    ),
    order=(*CORE_SCHEMA.columns, "notes", "source_url", "coder", "dataset"),
    fields=[
        ACLED_SCHEMA.fields["event_type"],
        ACLED_SCHEMA.fields["sub_event_type"],
        Field("source", "string", "Citation of the report: publication, title, date.", True),
        Field("source_url", "string", "Address of the report, if online."),
        Field("notes", "string", "What happened, in the coder's own words.", free_text=True),
        Field("coder", "string", "Who coded the incident."),
        Field("dataset", "string", "Source dataset of the record.", True),
    ],
    frame_rules=(
        ACLED_SCHEMA.frame_rules[0],
        (
            "source_url_is_http",
            "source_url, when given, is an http(s) address",
            ("source_url",),
            pa.Check.source_url_is_http(),
        ),
    ),
)

SCHEMAS: MappingProxyType[str, IncidentSchema] = MappingProxyType(
    {s.name: s for s in (CORE_SCHEMA, ACLED_SCHEMA, UCDP_GED_SCHEMA, INCIDENT_SCHEMA)}
)


#: The sources eventdata reads, as ``--source`` names them, and each one's schema.
SOURCES: MappingProxyType[str, IncidentSchema] = MappingProxyType(
    dict(zip(SOURCE_NAMES, (ACLED_SCHEMA, UCDP_GED_SCHEMA, INCIDENT_SCHEMA), strict=True))
)


def schema_files() -> dict[str, str]:
    """The text of every file under ``schemas/``, keyed by file name."""
    files = {}
    for s in SCHEMAS.values():
        files[f"{s.name}.schema.json"] = json.dumps(s.to_frictionless(), indent=2) + "\n"
        files[f"{s.name}.pandera.yaml"] = s.to_pandera().to_yaml()
    files["codebook.json"] = (
        json.dumps(
            {
                "codebook_version": codebook.CODEBOOK_VERSION,
                "event_types": {k: list(v) for k, v in codebook.EVENT_TYPES.items()},
                "disorder_types": list(codebook.DISORDER_TYPES),
                "inter_codes": {str(k): v for k, v in codebook.INTER_CODES.items()},
                "time_precision": {str(k): v for k, v in codebook.TIME_PRECISION.items()},
                "geo_precision": {str(k): v for k, v in codebook.GEO_PRECISION.items()},
                "civilian_targeting": list(codebook.CIVILIAN_TARGETING),
                "acled_columns": list(codebook.ACLED_COLUMNS),
                "ucdp_type_of_violence": {
                    str(k): v for k, v in codebook.UCDP_TYPE_OF_VIOLENCE.items()
                },
                "ucdp_date_prec_to_time_precision": {
                    str(k): v for k, v in codebook.UCDP_DATE_PRECISION.items()
                },
                "ucdp_where_prec_to_geo_precision": {
                    str(k): v for k, v in codebook.UCDP_WHERE_PRECISION.items()
                },
            },
            indent=2,
        )
        + "\n"
    )
    return files


def write_schema_files(directory: str | Path) -> list[Path]:
    """Write the schema files (Frictionless JSON, pandera YAML, codebook JSON) to a folder.

    This is what ``eventdata schemas --out schemas/`` runs; the test suite checks
    that the committed files equal what this function writes.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in write_schema_files(d)][:3]
    ['acled.pandera.yaml', 'acled.schema.json', 'codebook.json']
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_files().items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return sorted(written)
