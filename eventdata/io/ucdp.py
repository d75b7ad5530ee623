"""Reading the UCDP Georeferenced Event Dataset (GED) onto the core incident schema.

GED is the other standard event dataset (Uppsala Conflict Data Program, CC BY
4.0; cite Sundberg and Melander 2013, Journal of Peace Research 50(4), and the
release used). :func:`read_ucdp_ged` reads a GED CSV (a yearly or candidate
release, or HDX's republication with its HXL hashtag row) by column name, and
maps each event onto the core schema so that every eventdata analysis runs on
it through the same code as on ACLED:

========================  =====================================================
core column               from GED
========================  =====================================================
event_id_cnty             ``"GED-" + id``
event_date                ``date_start`` (``date_end`` is kept)
time_precision            ``date_prec`` via ``codebook.UCDP_DATE_PRECISION``
event_type                ``type_of_violence`` as its label
actor1, actor2            ``side_a``, ``side_b``
fatalities                ``best`` (``low`` and ``high`` are kept)
admin1                    ``adm_1`` through eventdata's admin1 names table
                          (``Al Anbār province`` -> ``Anbar``); ``adm_1``
                          itself is kept as written
location                  ``where_coordinates``
geo_precision             ``where_prec`` via ``codebook.UCDP_WHERE_PRECISION``
source                    ``source_article``, else ``source_office``, else the
                          dataset itself ("UCDP GED")
========================  =====================================================
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from eventdata.core import codebook
from eventdata.core.admin1 import normalize_admin1
from eventdata.core.errors import DeathEstimateWarning, ValidationError
from eventdata.core.schema import UCDP_GED_SCHEMA
from eventdata.core.validation import Errors, Quarantine
from eventdata.io.acled_csv import Source, read_validated

__all__ = ["DeathEstimateWarning", "read_ucdp_ged"]

#: Columns a GED file must have (by name: releases order them differently).
GED_REQUIRED = (
    "id",
    "type_of_violence",
    "side_a",
    "side_b",
    "where_prec",
    "adm_1",
    "latitude",
    "longitude",
    "country",
    "date_prec",
    "date_start",
    "date_end",
    "best",
    "low",
    "high",
)


def read_ucdp_ged(
    source: Source,
    *,
    errors: Errors = "raise",
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame | Quarantine:
    """Read a UCDP GED CSV, validate it, and map it onto the core incident schema.

    Parameters
    ----------
    source : path or file-like
        A GED CSV: a yearly or candidate release, or HDX's form (an HXL hashtag
        row under the header is recognised and skipped).
    errors : {"raise", "quarantine"}
        As in :func:`eventdata.read_acled`. With ``"quarantine"`` the rejected rows
        are the GED rows as read, plus a ``reason`` column.
    encoding, delimiter, decimal, dayfirst
        How to read the CSV, as in :func:`eventdata.read_acled` (by default detected).

    Returns
    -------
    pandas.DataFrame or Quarantine
        Core columns first (typed as in :data:`eventdata.CORE_SCHEMA`, with
        ``event_type`` one of the three GED types of violence), then the GED
        columns kept (``type_of_violence``, ``date_prec``, ``where_prec``,
        ``date_end``, ``low``, ``high``, ``conflict_name``, ``dyad_name``,
        ``adm_1``, ``adm_2``, ``source_office``) and ``dataset`` = "ucdp_ged".

    Notes
    -----
    The rules of the GED schema: unique ids; type_of_violence 1-3; date_prec 1-5;
    where_prec 1-7; date_start not after date_end; coordinates in range; deaths
    non-negative integers. A best estimate outside [low, high] breaks GED's own
    definition, but UCDP publishes such rows (69 of 7,473 in the Iraq extract):
    they are kept, as published, with a :class:`DeathEstimateWarning`, because
    rejecting real events would bias every count.

    Examples
    --------
    >>> import io
    >>> text = (
    ...     "id,type_of_violence,side_a,side_b,where_prec,where_coordinates,adm_1,latitude,"
    ...     "longitude,country,date_prec,date_start,date_end,best,low,high,source_article\\n"
    ...     "1,3,IS,Civilians,1,Mosul town,Nīnawá province,36.34,43.13,Iraq,1,"
    ...     "2015-06-01,2015-06-01,4,4,6,AFP\\n"
    ... )
    >>> ged = read_ucdp_ged(io.StringIO(text))
    >>> ged.loc[0, ["event_id_cnty", "event_type", "admin1"]].tolist()
    ['GED-1', 'One-sided violence', 'Ninewa']
    >>> int(ged.loc[0, "fatalities"]), int(ged.loc[0, "high"])
    (4, 6)
    """
    result = read_validated(
        source,
        schema=UCDP_GED_SCHEMA,
        errors=errors,
        encoding=encoding,
        prepare=_prepare,
        delimiter=delimiter,
        decimal=decimal,
        dayfirst=dayfirst,
    )
    _warn_death_estimates(result.valid if isinstance(result, Quarantine) else result)
    return result


def _prepare(raw: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in GED_REQUIRED if c not in raw.columns]
    if missing:
        raise ValidationError(
            f"not a UCDP GED file: missing column(s) {', '.join(missing)}",
            pd.DataFrame({"column": missing, "rule": "column present"}),
            len(raw),
        )
    return _to_core(raw)


def _to_core(raw: pd.DataFrame) -> pd.DataFrame:
    """GED columns (as strings) onto core names; codes mapped, values not yet typed."""

    def mapped(column: str, mapping: dict) -> pd.Series:
        codes = pd.to_numeric(raw[column], errors="coerce")
        return codes.map(mapping).astype("object").where(codes.isin(list(mapping)))

    admin1 = raw["adm_1"].astype("string").str.replace(r"\s+province\s*$", "", regex=True)
    source = raw.get("source_article", pd.Series(pd.NA, index=raw.index)).astype("string")
    office = raw.get("source_office", pd.Series(pd.NA, index=raw.index)).astype("string")
    source = source.mask(source.str.strip().fillna("") == "", office)
    source = source.mask(source.str.strip().fillna("") == "", "UCDP GED")
    frame = pd.DataFrame(
        {
            "event_id_cnty": "GED-" + raw["id"].astype("string").str.strip(),
            "event_date": raw["date_start"],
            "time_precision": mapped("date_prec", dict(codebook.UCDP_DATE_PRECISION)),
            "event_type": mapped("type_of_violence", dict(codebook.UCDP_TYPE_OF_VIOLENCE)),
            "sub_event_type": pd.NA,
            "actor1": raw["side_a"],
            "actor2": raw["side_b"],
            "country": raw["country"],
            "admin1": admin1.str.strip(),
            "location": raw.get("where_coordinates", raw["adm_1"]),
            "latitude": raw["latitude"],
            "longitude": raw["longitude"],
            "geo_precision": mapped("where_prec", dict(codebook.UCDP_WHERE_PRECISION)),
            "source": source,
            "fatalities": raw["best"],
            "type_of_violence": raw["type_of_violence"],
            "date_prec": raw["date_prec"],
            "where_prec": raw["where_prec"],
            "date_end": raw["date_end"],
            "low": raw["low"],
            "high": raw["high"],
            "conflict_name": raw.get("conflict_name"),
            "dyad_name": raw.get("dyad_name"),
            "adm_1": raw["adm_1"],
            "adm_2": raw.get("adm_2"),
            "source_office": raw.get("source_office"),
            "dataset": "ucdp_ged",
        },
        index=raw.index,
    )
    # GED's "Al Anbār province" is ACLED's "Anbar": one names table for every source
    return normalize_admin1(frame, column="admin1", country_column="country").events


def _warn_death_estimates(valid: pd.DataFrame) -> None:
    best = valid["fatalities"].to_numpy(dtype="float64", na_value=np.nan)
    low = valid["low"].to_numpy(dtype="float64", na_value=np.nan)
    high = valid["high"].to_numpy(dtype="float64", na_value=np.nan)
    outside = (best < low) | (best > high)
    if outside.any():
        ids = valid["event_id_cnty"].to_numpy()[outside]
        warnings.warn(
            f"{int(outside.sum())} GED row(s) have best outside [low, high] as published "
            f"(e.g. {', '.join(map(str, ids[:5]))}): kept unchanged",
            DeathEstimateWarning,
            stacklevel=3,
        )
