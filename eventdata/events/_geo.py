"""Coordinates shared by the spatial modules: reading them from events, and the sphere.

Private to :mod:`eventdata.analysis.spatial`: the public functions live in
:mod:`eventdata.events.distance` and :mod:`eventdata.events.grid`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.core.options import require_columns

#: Mean Earth radius in km (IUGG R1), the sphere every distance here is measured on.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points in degrees, broadcast like numpy."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2, dtype="float64") - np.asarray(lon1, dtype="float64"))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def as_degrees(values, what: str) -> np.ndarray:
    """Latitudes or longitudes as float64, NaN where missing; out-of-range values are an error."""
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
    """The ``latitude`` and ``longitude`` columns of events as float64 arrays (NaN if missing)."""
    require_columns(events, "latitude", "longitude")
    return (
        as_degrees(events["latitude"], "latitude"),
        as_degrees(events["longitude"], "longitude"),
    )
