"""Incidents coded by hand from news reports, ACLED-style.

When a dataset has not caught up yet, analysts code events themselves, as we did
for the seed article. :func:`write_template` writes an empty CSV with the
columns to fill, a commented example row, and the Frictionless descriptor beside
it (so that a spreadsheet tool can offer the vocabularies as drop-downs);
:func:`read_incidents` validates a filled file with the same quarantine
contract as :func:`eventdata.read_acled`.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pandas as pd

from eventdata.core.schema import INCIDENT_SCHEMA
from eventdata.core.validation import Errors, Quarantine
from eventdata.io.acled_csv import Source, read_validated

__all__ = ["read_incidents", "write_template"]

DATASET = "hand-coded"

_EXAMPLE = {
    "event_id_cnty": "HC-0001",
    "event_date": "2022-01-05",
    "time_precision": "1",
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Shelling/artillery/missile attack",
    "actor1": "Unidentified Armed Group (Syria)",
    "actor2": "Global Coalition Against Daesh",
    "country": "Syria",
    "admin1": "Deir-ez-Zor",
    "location": "Green Village",
    "latitude": "35.05",
    "longitude": "40.55",
    "geo_precision": "2",
    "source": "Al-Monitor, 'Coalition hits back at Iran-backed groups', 2022-01-06",
    "fatalities": "0",
    "notes": "Eight rounds of indirect fire hit a base hosting coalition advisers.",
    "source_url": "https://www.al-monitor.com/",
    "coder": "your initials",
    "dataset": DATASET,
}


def write_template(path: str | os.PathLike) -> tuple[Path, Path]:
    """Write an empty incident template and its Frictionless descriptor beside it.

    The CSV has the header, then one example row commented out with ``#`` (which
    :func:`read_incidents` skips). The descriptor ``<name>.schema.json`` lists every
    column with its type, whether it is required, and the codebook vocabularies.

    Returns
    -------
    (Path, Path)
        The template and the descriptor.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     csv_path, schema_path = write_template(pathlib.Path(d) / "incidents.csv")
    ...     len(read_incidents(csv_path)), schema_path.name
    (0, 'incidents.schema.json')
    """
    target = Path(path)
    columns = list(INCIDENT_SCHEMA.columns)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        example = [_EXAMPLE.get(c, "") for c in columns]
        example[0] = "# " + example[0]
        writer.writerow(example)
    descriptor = target.with_name(target.stem + ".schema.json")
    descriptor.write_text(
        json.dumps(INCIDENT_SCHEMA.to_frictionless(), indent=2) + "\n", encoding="utf-8"
    )
    return target, descriptor


def read_incidents(
    source: Source,
    *,
    errors: Errors = "raise",
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame | Quarantine:
    """Read and validate hand-coded incidents (a filled :func:`write_template` file).

    Rows whose first cell starts with ``#`` are comments. Every row needs a
    ``source`` (a citation of the report); ``source_url``, when given, must be an
    http(s) address. Event and sub-event types use ACLED's codebook. A missing or
    empty ``dataset`` is filled with "hand-coded".

    Parameters
    ----------
    source : path or file-like
        The CSV.
    errors : {"raise", "quarantine"}
        As in :func:`eventdata.read_acled`.
    encoding, delimiter, decimal, dayfirst
        How to read the CSV, as in :func:`eventdata.read_acled` (by default detected).

    Returns
    -------
    pandas.DataFrame or Quarantine

    Examples
    --------
    >>> import io
    >>> text = (
    ...     "event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,"
    ...     "country,location,latitude,longitude,geo_precision,source,fatalities\\n"
    ...     "HC-1,2022-01-05,1,Battles,Armed clash,Militia,Syria,Mayadin,35.02,40.45,2,"
    ...     "Al-Monitor 2022-01-06,0\\n"
    ... )
    >>> read_incidents(io.StringIO(text))["dataset"].tolist()
    ['hand-coded']
    """
    return read_validated(
        source,
        schema=INCIDENT_SCHEMA,
        errors=errors,
        encoding=encoding,
        prepare=_prepare,
        delimiter=delimiter,
        decimal=decimal,
        dayfirst=dayfirst,
    )


def _prepare(raw: pd.DataFrame) -> pd.DataFrame:
    """Drop comment rows; fill an absent or empty dataset column."""
    if len(raw.columns):
        first = raw.iloc[:, 0].astype("string").str.lstrip()
        raw = raw.loc[~first.str.startswith("#").fillna(False).astype(bool)]
    dataset = raw["dataset"] if "dataset" in raw.columns else pd.Series(pd.NA, index=raw.index)
    return raw.assign(dataset=dataset.fillna(DATASET))
