"""Grid cells: PRIO-GRID ids and centroids, and H3 hexagons.

PRIO-GRID (Tollefsen, Strand and Buhaug 2012, "PRIO-GRID: A unified spatial
data structure", Journal of Peace Research 49(2)) divides the globe into
0.5 x 0.5 degree cells numbered row by row from the South Pole and, within a
row, eastwards from -180 degrees: ``gid = (row - 1) * 720 + col`` with
``row = floor((lat + 90) / 0.5) + 1`` and ``col = floor((lon + 180) / 0.5) + 1``
(1 to 259,200). UCDP GED gives each event's cell in ``priogrid_gid``.
A point on a cell's edge belongs to the cell to its north and east, except
at 90 N and 180 E, which belong to the last row and column.

H3 (Uber's hierarchical hexagons) needs the optional ``h3`` package
(``pip install 'eventdata[h3]'``).

Examples
--------
>>> priogrid_gid(33.355813, 43.786124).tolist()  # Fallujah, as UCDP GED codes it
[177568]
>>> priogrid_centroid(177568)
(array([33.25]), array([43.75]))
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.events.geo import as_degrees, event_coordinates

__all__ = ["CELL_DEGREES", "h3_cells", "priogrid_centroid", "priogrid_gid", "with_priogrid"]

#: PRIO-GRID cell size in degrees, and the numbers of rows and columns.
CELL_DEGREES = 0.5
_ROWS, _COLUMNS = 360, 720


def priogrid_gid(latitude, longitude) -> pd.array:
    """PRIO-GRID cell ids of points.

    Parameters
    ----------
    latitude, longitude : float or array-like
        Decimal degrees (WGS84).

    Returns
    -------
    pandas.arrays.IntegerArray
        ``Int64`` cell ids (1 to 259,200), missing where a coordinate is missing.

    Raises
    ------
    EventDataError
        If a coordinate is not a number or is out of range.

    Examples
    --------
    >>> priogrid_gid([-90, 89.99, 0.0], [-180, 179.99, 0.0]).tolist()
    [1, 259200, 129961]
    """
    lat = np.atleast_1d(as_degrees(latitude, "latitude")).astype("float64")
    lon = np.atleast_1d(as_degrees(longitude, "longitude")).astype("float64")
    lat, lon = np.broadcast_arrays(lat, lon)
    missing = np.isnan(lat) | np.isnan(lon)
    with np.errstate(invalid="ignore"):
        row = np.clip(np.floor((lat + 90.0) / CELL_DEGREES), 0, _ROWS - 1)
        col = np.clip(np.floor((lon + 180.0) / CELL_DEGREES), 0, _COLUMNS - 1)
    gid = np.where(missing, 0, row * _COLUMNS + col + 1).astype("int64")
    return pd.array(np.where(missing, None, gid), dtype="Int64")


def priogrid_centroid(gid) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of PRIO-GRID cell centres.

    Parameters
    ----------
    gid : int or array-like of int
        Cell ids (1 to 259,200); missing ids give NaN.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Centre latitudes and longitudes in degrees.

    Raises
    ------
    EventDataError
        If an id is not a whole number from 1 to 259,200.

    Examples
    --------
    >>> priogrid_centroid([1, 259200])
    (array([-89.75,  89.75]), array([-179.75,  179.75]))
    """
    values = pd.to_numeric(pd.Series(np.atleast_1d(gid)), errors="coerce").to_numpy(
        "float64", na_value=np.nan
    )
    known = ~np.isnan(values)
    bad = known & ((values < 1) | (values > _ROWS * _COLUMNS) | (values != np.round(values)))
    if bad.any():
        raise EventDataError(
            f"a PRIO-GRID id is a whole number from 1 to 259200, not {values[bad][0]:g}"
        )
    index = values - 1
    row, col = np.floor(index / _COLUMNS), np.mod(index, _COLUMNS)
    return (
        -90.0 + (row + 0.5) * CELL_DEGREES,
        -180.0 + (col + 0.5) * CELL_DEGREES,
    )


def with_priogrid(events: pd.DataFrame, *, column: str = "priogrid") -> pd.DataFrame:
    """A copy of events with a column of PRIO-GRID cell ids.

    Parameters
    ----------
    events : pandas.DataFrame
        Records with ``latitude`` and ``longitude``.
    column : str
        Name of the new column (replaced if present).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import eventdata as ed
    >>> with_priogrid(ed.datasets.load_seed_incidents())["priogrid"].tolist()[:3]
    [177569, 178285, 178285]
    """
    lat, lon = event_coordinates(events)
    out = events.copy()
    out[column] = priogrid_gid(lat, lon) if len(events) else pd.array([], dtype="Int64")
    return out


def h3_cells(events: pd.DataFrame, *, resolution: int) -> pd.Series:
    """H3 cell of each event at the chosen resolution.

    Parameters
    ----------
    events : pandas.DataFrame
        Records with ``latitude`` and ``longitude``.
    resolution : int
        H3 resolution, 0 (cells of about 4.4 million km²) to 15 (about 1 m²);
        resolution 5 cells are about 250 km², 7 about 5 km².

    Returns
    -------
    pandas.Series
        Cell ids as H3 hexadecimal strings (``string`` dtype), indexed like
        ``events``, missing where an event has no coordinates.

    Raises
    ------
    EventDataError
        If ``h3`` is not installed, or the resolution is not 0 to 15.

    Examples
    --------
    >>> import eventdata as ed
    >>> cells = h3_cells(ed.datasets.load_seed_incidents(), resolution=5)  # doctest: +SKIP
    """
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, (int, np.integer))
        or not 0 <= resolution <= 15
    ):
        raise EventDataError(f"resolution must be a whole number from 0 to 15, not {resolution!r}")
    try:
        import h3  # optional: the 'h3' extra
    except ImportError:
        raise EventDataError("H3 cells need the h3 package: pip install 'eventdata[h3]'") from None
    lat, lon = event_coordinates(events)
    cells = [
        None if (np.isnan(a) or np.isnan(b)) else h3.latlng_to_cell(a, b, int(resolution))
        for a, b in zip(lat.tolist(), lon.tolist(), strict=True)
    ]
    return pd.Series(pd.array(cells, dtype="string"), index=events.index, name="h3")
