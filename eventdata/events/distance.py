"""Great-circle distances, and events near places.

:func:`distance_km` is the haversine distance on a sphere of the mean Earth
radius (6,371.0088 km), within 0.6% of the ellipsoid's: ample for
selecting events near a base or a town. :func:`nearest_place` tells, for each
event, which of several named places is closest and how far it is; this is what
:func:`eventdata.filter_events` uses for ``near=`` and ``radius_km=``.

Examples
--------
>>> round(float(distance_km(35.05, 40.55, 35.30, 40.29)), 1)  # Green Village to Conoco
36.5
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.events.geo import as_degrees, event_coordinates, haversine_km

__all__ = ["Places", "distance_km", "nearest_place", "places_frame", "select_near"]

#: One point ``(lat, lon)``, a mapping of names to points, or a frame with
#: ``name``, ``latitude`` and ``longitude`` columns.
Places = tuple[float, float] | Mapping[str, tuple[float, float]] | pd.DataFrame


def distance_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle (haversine) distance in km, vectorised.

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : float or array-like
        Coordinates in decimal degrees (WGS84, west and south negative).
        Arrays broadcast against each other as numpy does, so one point
        against many, or many against many, both work.

    Returns
    -------
    numpy.ndarray
        Distances in km (float64), NaN where a coordinate is missing.

    Raises
    ------
    EventDataError
        If a coordinate is not a number or lies outside ±90 (latitude) or
        ±180 (longitude) degrees.

    Notes
    -----
    The haversine formula on a sphere of radius 6,371.0088 km (IUGG mean
    radius); its error against the WGS84 ellipsoid is below 0.6%
    (checked against pyproj's geodesics).

    Examples
    --------
    >>> distance_km([33.2625, 35.05], [44.2346, 40.55], 33.7856, 42.4412).round(1)
    array([176.1, 223.3])
    """
    return haversine_km(
        as_degrees(lat1, "latitude"),
        as_degrees(lon1, "longitude"),
        as_degrees(lat2, "latitude"),
        as_degrees(lon2, "longitude"),
    )


def places_frame(places: Places, option: str = "near") -> pd.DataFrame:
    """Named places as a frame with ``name``, ``latitude``, ``longitude``.

    Parameters
    ----------
    places : tuple, mapping or pandas.DataFrame
        One point ``(lat, lon)`` (named ``"point"``), a mapping of names to
        ``(lat, lon)``, or a frame with ``name`` (or ``location``),
        ``latitude`` and ``longitude`` columns.
    option : str
        The option the places came from, named in the messages (``near``,
        ``locations``).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    EventDataError
        If the places are empty, malformed, or a name repeats.

    Examples
    --------
    >>> places_frame({"Green Village": (35.05, 40.55)})
                name  latitude  longitude
    0  Green Village     35.05      40.55
    """
    if isinstance(places, pd.DataFrame):
        name = next((c for c in ("name", "location") if c in places.columns), None)
        if name is None or not {"latitude", "longitude"} <= set(places.columns):
            raise EventDataError("a frame of places needs the columns name, latitude and longitude")
        frame = pd.DataFrame(
            {
                "name": places[name].astype("string").to_numpy(dtype=object),
                "latitude": places["latitude"].to_numpy(),
                "longitude": places["longitude"].to_numpy(),
            }
        )
    elif isinstance(places, Mapping):
        rows = []
        for key, point in places.items():
            rows.append((str(key), *_point(point, f"the place {key!r}")))
        frame = pd.DataFrame(rows, columns=["name", "latitude", "longitude"])
    else:
        frame = pd.DataFrame(
            [("point", *_point(places, option))], columns=["name", "latitude", "longitude"]
        )
    if frame.empty:
        raise EventDataError(f"{option}= needs at least one place")
    frame["latitude"] = as_degrees(frame["latitude"], "latitude")
    frame["longitude"] = as_degrees(frame["longitude"], "longitude")
    if frame[["latitude", "longitude"]].isna().any().any():
        raise EventDataError(f"every place of {option}= needs a latitude and a longitude")
    repeated = frame["name"][frame["name"].duplicated()].tolist()
    if repeated:
        raise EventDataError(f"the names of {option}= must be unique; repeated: {repeated[:3]}")
    return frame


def _point(point, what: str) -> tuple[float, float]:
    try:
        lat, lon = point
        return float(lat), float(lon)
    except (TypeError, ValueError):
        raise EventDataError(
            f"{what} must be a (latitude, longitude) pair, not {point!r}"
        ) from None


def nearest_place(events: pd.DataFrame, places: Places) -> pd.DataFrame:
    """For each event, the nearest of the given places and its distance.

    Parameters
    ----------
    events : pandas.DataFrame
        Records with ``latitude`` and ``longitude`` (degrees).
    places : tuple, mapping or pandas.DataFrame
        See :func:`places_frame`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``events``, with ``nearest`` (the place's name; missing
        where the event has no coordinates) and ``distance_km``.

    Raises
    ------
    EventDataError
        If the events lack coordinates or the places are malformed.

    Examples
    --------
    >>> import eventdata as ed
    >>> seed = ed.datasets.load_seed_incidents()
    >>> bases = {"Green Village": (35.05, 40.55), "Ain al-Asad": (33.7856, 42.4412)}
    >>> nearest_place(seed, bases)["nearest"].tolist()[:4]
    ['Ain al-Asad', 'Ain al-Asad', 'Ain al-Asad', 'Green Village']
    """
    table = places_frame(places)
    lat, lon = event_coordinates(events)
    # events x places: a handful of places, so the full matrix is small
    km = haversine_km(
        lat[:, None],
        lon[:, None],
        table["latitude"].to_numpy()[None, :],
        table["longitude"].to_numpy()[None, :],
    )
    located = ~np.isnan(km).any(axis=1) if len(table) else np.zeros(len(events), bool)
    best = np.zeros(len(events), dtype=np.intp)
    if located.any():
        best[located] = np.argmin(km[located], axis=1)
    names = table["name"].to_numpy(dtype=object)[best]
    distance = km[np.arange(len(events)), best] if len(events) else np.empty(0)
    return pd.DataFrame(
        {
            "nearest": pd.array(np.where(located, names, None), dtype="string"),
            "distance_km": np.where(located, distance, np.nan),
        },
        index=events.index,
    )


def select_near(
    events: pd.DataFrame, near: Places, *, radius_km: float | None = None
) -> pd.DataFrame:
    """The events within a distance of one place or of the nearest of several.

    Parameters
    ----------
    events : pandas.DataFrame
        Records with ``latitude`` and ``longitude``.
    near : tuple, mapping or pandas.DataFrame
        One point ``(lat, lon)``, or named places (see :func:`places_frame`).
    radius_km : float, optional
        Keep events at most this far (km) from the (nearest) place; without
        it every event is kept and only annotated. Events without
        coordinates are dropped when a radius is given.

    Returns
    -------
    pandas.DataFrame
        The kept rows (a copy) with ``distance_km`` and, for named places,
        ``nearest`` (the nearest place's name).

    Raises
    ------
    EventDataError
        If the radius is not a non-negative number, or the places are malformed.

    Examples
    --------
    >>> import eventdata as ed
    >>> seed = ed.datasets.load_seed_incidents()
    >>> near = select_near(seed, {"Green Village": (35.05, 40.55)}, radius_km=25)
    >>> near[["location", "nearest"]].values.tolist()
    [['Green Village', 'Green Village'], ['Mayadin', 'Green Village']]
    """
    if radius_km is not None:
        try:
            radius = float(radius_km)
        except (TypeError, ValueError):
            radius = np.nan
        if isinstance(radius_km, bool) or not radius >= 0:
            raise EventDataError(
                f"radius_km must be a non-negative number of km, not {radius_km!r}"
            )
    table = nearest_place(events, near)
    out = events.copy()
    if isinstance(near, (pd.DataFrame, Mapping)):
        out["nearest"] = table["nearest"]
    out["distance_km"] = table["distance_km"]
    if radius_km is None:
        return out
    return out.loc[(table["distance_km"] <= radius).to_numpy(dtype=bool, na_value=False)]
