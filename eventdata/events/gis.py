"""GIS exchange: events as point geometries (EPSG:4326) for geopandas, GeoParquet and GeoPackage.

Needs the optional ``geo`` extra (``pip install 'eventdata[geo]'``: geopandas).
The store itself stays plain Parquet; these are exports for GIS tools such as
QGIS. Files are written to a temporary file beside the target and moved into
place, so a failed write leaves no half-written file.

Examples
--------
>>> import eventdata as ed
>>> frame = to_geopandas(ed.datasets.load_seed_incidents())  # doctest: +SKIP
>>> frame.crs.to_epsg()  # doctest: +SKIP
4326
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.events.geo import event_coordinates

__all__ = ["to_geopandas", "write_geopackage", "write_geoparquet"]


def _geopandas():
    try:
        import geopandas  # optional: the 'geo' extra
    except ImportError:
        raise EventDataError("GIS export needs geopandas: pip install 'eventdata[geo]'") from None
    return geopandas


def to_geopandas(events: pd.DataFrame) -> Any:
    """Events as a GeoDataFrame of points in WGS84 (EPSG:4326).

    Parameters
    ----------
    events : pandas.DataFrame
        Records with ``latitude`` and ``longitude``.

    Returns
    -------
    geopandas.GeoDataFrame
        The events' columns plus ``geometry`` (a point, or missing where an
        event has no coordinates), indexed like ``events``.

    Raises
    ------
    EventDataError
        If geopandas is not installed or the coordinates are missing or invalid.
    """
    geopandas = _geopandas()
    lat, lon = event_coordinates(events)
    points = geopandas.points_from_xy(lon, lat, crs="EPSG:4326")
    return geopandas.GeoDataFrame(events.copy(), geometry=points, crs="EPSG:4326")


def _atomic(path: str | os.PathLike, write) -> Path:
    target = Path(path)
    if not target.parent.is_dir():
        raise EventDataError(f"the folder {target.parent} does not exist")
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=target.suffix
    )
    os.close(handle)
    try:
        os.unlink(temporary)  # the writers create the file themselves
        write(temporary)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return target


def write_geoparquet(events: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write events as GeoParquet (point geometry, EPSG:4326), atomically.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    frame = to_geopandas(events)
    return _atomic(path, lambda p: frame.to_parquet(p, index=False))


def write_geopackage(
    events: pd.DataFrame, path: str | os.PathLike, *, layer: str = "events"
) -> Path:
    """Write events as a GeoPackage layer (point geometry, EPSG:4326), atomically.

    Nullable integer, text and date columns are written as GeoPackage fields;
    a column GeoPackage cannot hold raises an :class:`EventDataError`.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    frame = to_geopandas(events)
    for column in frame.columns:
        if column != "geometry" and isinstance(frame[column].dtype, pd.StringDtype):
            frame[column] = frame[column].astype(object)
    return _atomic(path, lambda p: frame.to_file(p, layer=layer, driver="GPKG"))
