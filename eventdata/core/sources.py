"""The sources eventdata reads, by name, and how a file's header tells them apart.

This module imports nothing heavy: the command line builds its options from it
without loading pandas. Each source's schema is in :mod:`eventdata.core.schema`
(:data:`~eventdata.core.schema.SOURCES`).

Examples
--------
>>> SOURCE_NAMES
('acled', 'ucdp-ged', 'incidents')
>>> detect_source(["event_id_cnty", "event_date", "inter1"])
'acled'
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ACLED_API_URL", "SOURCE_NAMES", "detect_source"]

#: The sources eventdata reads, as ``--source`` names them.
SOURCE_NAMES = ("acled", "ucdp-ged", "incidents")

#: Where ACLED's API lives (the client's default address).
ACLED_API_URL = "https://acleddata.com"

# Columns only one source's files have (any ACLED vintage; GED's own names; the
# incident template's citation columns).
_SOURCE_MARKERS = {
    "ucdp-ged": frozenset({"type_of_violence", "side_a", "side_b", "date_start", "where_prec"}),
    "acled": frozenset(
        {"inter1", "inter2", "interaction", "assoc_actor_1", "ally_actor_1", "gwno", "timestamp"}
    ),
    "incidents": frozenset({"source_url", "coder"}),
}


def detect_source(columns: Iterable[str]) -> str:
    """Which source a file comes from, by the column names of its header.

    A UCDP GED file has GED's own names (``type_of_violence``, ``side_a``,
    ``date_start``...); an ACLED export, of any codebook vintage, has actor-type
    codes (``inter1``, ``interaction``) or other ACLED-only columns; a hand-coded
    incident file (:func:`eventdata.write_template`) cites its reports
    (``source_url``, ``coder``). Names match whatever their case and surrounding
    whitespace. When nothing tells, ``"acled"``: its reader then names the
    columns that are missing.

    Parameters
    ----------
    columns : iterable of str
        The header.

    Returns
    -------
    {"acled", "ucdp-ged", "incidents"}
        One of :data:`SOURCE_NAMES`.

    Examples
    --------
    >>> detect_source(["id", "type_of_violence", "side_a", "side_b", "date_start", "best"])
    'ucdp-ged'
    >>> detect_source(["event_date", "country", "source_url", "coder"])
    'incidents'
    >>> detect_source([" EVENT_ID_CNTY", "INTER1", "Interaction"])
    'acled'
    """
    names = {str(c).strip().lower() for c in columns}
    hits = {source: len(names & markers) for source, markers in _SOURCE_MARKERS.items()}
    if hits["ucdp-ged"] >= 3:
        return "ucdp-ged"
    if hits["acled"] == 0 and hits["incidents"] > 0:
        return "incidents"
    return "acled"
