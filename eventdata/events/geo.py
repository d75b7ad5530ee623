"""Coordinates on the sphere: reading them from events, checking them, and their distances.

The building blocks the spatial modules share (:mod:`eventdata.events.distance`,
:mod:`eventdata.events.grid`, :mod:`eventdata.events.gis` and the space-time tests of
:mod:`eventdata.analysis.spatial`). They take numbers already checked or check them
themselves; the user-facing functions (:func:`eventdata.distance_km`,
:func:`eventdata.filter_events` with ``near=``) are built on them.

Examples
--------
>>> import pandas as pd
>>> events = pd.DataFrame({"latitude": [35.05, 35.30], "longitude": [40.55, 40.29]})
>>> lat, lon = event_coordinates(events)
>>> round(float(haversine_km(lat[0], lon[0], lat[1], lon[1])), 1)  # Green Village to Conoco
36.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.core.options import require_columns

__all__ = ["EARTH_RADIUS_KM", "as_degrees", "event_coordinates", "haversine_km"]

#: Mean Earth radius in km (IUGG R1), the sphere every distance here is measured on.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points in degrees, broadcast like numpy.

    The inputs are not checked (see :func:`as_degrees`, or :func:`eventdata.distance_km`,
    which checks them); NaN gives NaN.

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : float or array-like
        Coordinates in decimal degrees.

    Returns
    -------
    numpy.ndarray
        Distances in km on a sphere of radius :data:`EARTH_RADIUS_KM`.

    Examples
    --------
    >>> round(float(haversine_km(0.0, 0.0, 1.0, 0.0)), 5)  # one degree of a meridian
    111.19508
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2, dtype="float64") - np.asarray(lon1, dtype="float64"))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def as_degrees(values, what: str) -> np.ndarray:
    """Latitudes or longitudes as float64, NaN where missing; out-of-range values are an error.

    Parameters
    ----------
    values : scalar or array-like
        Numbers (or numeric strings) in decimal degrees.
    what : str
        ``"latitude"`` (limit ±90) or ``"longitude"`` (limit ±180): names the values in errors.

    Returns
    -------
    numpy.ndarray
        The values as float64, in the shape given.

    Raises
    ------
    EventDataError
        If a value is not a number or lies outside the limit.

    Examples
    --------
    >>> as_degrees(["35.5", None], "latitude")
    array([35.5,  nan])
    >>> as_degrees([200.0], "longitude")
    Traceback (most recent call last):
    ...
    eventdata.core.errors.EventDataError: longitude must lie within ±180 degrees, not 200
    """
    try:
        array = pd.to_numeric(pd.Series(np.ravel(values)), errors="raise")
    except (ValueError, TypeError):
        raise EventDataError(f"{what} must be numbers in degrees") from None
    array = array.to_numpy("float64", na_value=np.nan).reshape(np.shape(values))
    limit = 90.0 if what.startswith("lat") else 180.0
    with np.errstate(invalid="ignore"):
        bad = np.abs(array) > limit
    if bad.any():
        first = array[bad].flat[0]
        raise EventDataError(f"{what} must lie within ±{limit:g} degrees, not {first:g}")
    return array


def event_coordinates(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The ``latitude`` and ``longitude`` columns of events as float64 arrays (NaN if missing).

    Parameters
    ----------
    events : pandas.DataFrame
        Records with ``latitude`` and ``longitude`` in decimal degrees.

    Returns
    -------
    tuple of numpy.ndarray
        Latitudes and longitudes.

    Raises
    ------
    EventDataError
        If a column is missing, or a value is not a number or out of range.

    Examples
    --------
    >>> import pandas as pd
    >>> event_coordinates(pd.DataFrame({"latitude": [35.0], "longitude": [40.5]}))
    (array([35.]), array([40.5]))
    """
    require_columns(events, "latitude", "longitude")
    return (
        as_degrees(events["latitude"], "latitude"),
        as_degrees(events["longitude"], "longitude"),
    )
