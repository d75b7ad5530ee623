"""Maps: events at their coordinates over country outlines, PRIO-GRID cells, scan clusters.

Offline by design: the country outlines ship with the package (Natural Earth,
public domain), boundaries of the user's own can be drawn over them, and no
basemap or tile server is needed. matplotlib and seaborn load when a map is drawn.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.datasets.geography import admin1_lines
from eventdata.events.grid import CELL_DEGREES, priogrid_gid
from eventdata.plot._base import (
    COUNT_COLOR,
    axes_for,
    category_colors,
    category_order,
    column_label,
    finish,
    palette,
)
from eventdata.plot._data import check_events

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def map(
    events: pd.DataFrame,
    *,
    ax: Axes | None = None,
    size: str | None = "fatalities",
    hue: str | None = "event_type",
    sizes: tuple[float, float] = (20.0, 300.0),
    title: str | None = None,
    borders: Any = True,
    admin1: Any = True,
    **kwargs: Any,
) -> Axes:
    """Events at their coordinates over country borders, sized by fatalities, coloured by type.

    A longitude/latitude scatter with the aspect ratio of the mean latitude
    (one degree of longitude is drawn ``cos(latitude)`` times as long as one
    of latitude, so that distances look right near the events), over country
    outlines shipped with the package: no basemap, no tile server, no GIS
    dependency, nothing downloaded. Larger markers are drawn first so small
    ones stay visible on top. The view is the events' extent with a margin.

    The bundled outlines are Natural Earth's 1:10m countries (version 5.1.1,
    public domain), simplified (to about 2 km for Iraq, Syria, their
    neighbours and Afghanistan, about 20 km elsewhere); see
    ``tools/natural_earth_outlines.py``. Province (admin1) boundaries are
    bundled for Iraq, Syria, Afghanistan and their neighbours: Natural Earth's
    1:10m admin-1 boundary lines, simplified to about 2 km (see
    :func:`eventdata.datasets.admin1_lines`; Natural Earth lacks most of the
    boundaries between Iraq's northern governorates). Elsewhere pass your own
    as ``admin1`` (e.g. a GeoDataFrame read with geopandas).

    Parameters
    ----------
    events : pandas.DataFrame
        Event records with ``longitude`` and ``latitude`` (rows without
        coordinates are left out) and the ``size`` and ``hue`` columns.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure's).
    size : str or None
        Numeric column the marker area grows with, from ``sizes[0]`` at zero
        (so events without fatalities still show) to ``sizes[1]`` at the maximum;
        ``None``: all markers the smallest size.
    hue : str or None
        Category column of the colours (ACLED event types keep their fixed
        colours and codebook order); ``None``: one colour.
    sizes : (float, float)
        Smallest and largest marker area in points squared.
    title : str, optional
        Axes title (default: "Event locations").
    borders : bool or boundaries
        ``True``: the bundled country outlines; ``False`` or ``None``: none;
        or boundaries of your own to draw instead: a GeoDataFrame or GeoSeries
        (any CRS: it is converted to longitude/latitude), a sequence of
        shapely polygons or lines, or a DataFrame of vertices with columns
        ``longitude``, ``latitude`` and ``ring`` (rows of one ring together,
        in order).
    admin1 : bool or boundaries
        Province outlines drawn thinner over the countries: ``True``, the
        bundled ones (where the view has any); ``False`` or ``None``: none;
        or your own (same forms as ``borders``).
    **kwargs
        Passed to :func:`seaborn.scatterplot` (e.g. ``alpha=``, ``style=``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import eventdata as ed
    >>> from eventdata.plot import map
    >>> ax = map(ed.datasets.load_seed_incidents())
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Longitude', 'Latitude')
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import seaborn as sns

    needed = [c for c in ("longitude", "latitude", size, hue) if c is not None]
    check_events(events, *needed)
    frame = pd.DataFrame(
        {column: events[column].to_numpy() for column in dict.fromkeys(needed)},
        index=pd.RangeIndex(len(events)),
    )
    frame["longitude"] = pd.to_numeric(frame["longitude"], errors="coerce").astype(float)
    frame["latitude"] = pd.to_numeric(frame["latitude"], errors="coerce").astype(float)
    frame = frame.dropna(subset=["longitude", "latitude"])
    if frame.empty:
        raise EventDataError("no event has both longitude and latitude: nothing to map")
    # opaque for a few events, see-through where thousands overlap
    alpha = float(np.clip(25 / np.sqrt(len(frame)), 0.4, 0.9))
    options: dict[str, Any] = {"alpha": alpha, "linewidth": 0.3, "edgecolor": "white"}
    if size is not None:
        frame[size] = pd.to_numeric(frame[size], errors="coerce").astype(float).fillna(0.0)
        frame = frame.sort_values(size, ascending=False, kind="stable")
        top = max(float(frame[size].max()), 1.0)
        options |= {"size": column_label(size), "sizes": sizes, "size_norm": (0.0, top)}
    else:
        options["s"] = sizes[0]
    if hue is not None:
        frame[hue] = frame[hue].astype(object).where(frame[hue].notna(), "(unknown)")
        order = category_order(frame[hue], hue)
        options |= {
            "hue": column_label(hue),
            "hue_order": order,
            "palette": category_colors(order, hue),
        }
    else:
        options["color"] = COUNT_COLOR
    frame = frame.rename(columns={c: column_label(c) for c in (size, hue) if c is not None})
    latitude = float(np.clip(frame["latitude"].mean(), -60, 60))
    view = _map_view(frame["longitude"], frame["latitude"])
    shape = (view[3] - view[1]) / (view[2] - view[0]) / np.cos(np.radians(latitude))
    ax = axes_for(ax, figsize=(8.5, float(np.clip(1.4 + 5.4 * shape, 3.5, 9.0))))
    sns.scatterplot(data=frame, x="longitude", y="latitude", ax=ax, **(options | kwargs))
    layers = [
        (borders, "country-borders", 0.7, "0.45", "0.95"),
        (admin1, "admin1-borders", 0.4, "0.6", None),
    ]
    for layer, gid, width, edge, face in layers:
        if layer is None or layer is False:
            continue
        if layer is True:
            rings = _country_rings() if gid == "country-borders" else _admin1_rings()
        else:
            rings = _boundary_rings(layer)
        _draw_rings(ax, rings, view, gid=gid, linewidth=width, edgecolor=edge, facecolor=face)
    # the view, widened along one side to fill the Axes at the aspect ratio of the latitude
    ax.update_datalim([(view[0], view[1]), (view[2], view[3])])
    ax.margins(0)
    ax.autoscale_view()
    ax.set_aspect(1 / np.cos(np.radians(latitude)), adjustable="datalim")
    if ax.get_legend() is not None:
        sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize="small")
        for handle in ax.get_legend().legend_handles:  # keys in full colour
            if handle is not None:
                handle.set_alpha(1.0)
        for artist in [*ax.lines, *ax.collections]:  # seaborn's empty stand-ins for the key
            if not artist.get_label().startswith("_") and _empty(artist):
                artist.remove()
    return finish(ax, title=title or "Event locations", xlabel="Longitude", ylabel="Latitude")


@functools.cache
def _admin1_rings() -> list[tuple[np.ndarray, bool]]:
    """The bundled admin1 boundary lines as (vertices, is_hole) rings, read once."""
    return _boundary_rings(admin1_lines())


def _empty(artist: Any) -> bool:
    """Whether a line or scatter has no point."""
    from matplotlib.lines import Line2D

    if isinstance(artist, Line2D):
        return len(artist.get_xdata()) == 0
    offsets = getattr(artist, "get_offsets", None)
    return offsets is not None and len(offsets()) == 0


def _map_view(longitude: pd.Series, latitude: pd.Series) -> tuple[float, float, float, float]:
    """The events' extent with a margin (10%, at least half a degree): west, south, east, north."""
    west, east = float(longitude.min()), float(longitude.max())
    south, north = float(latitude.min()), float(latitude.max())
    dx = max(0.1 * (east - west), 0.5)
    dy = max(0.1 * (north - south), 0.5)
    return (
        max(west - dx, -180.0),
        max(south - dy, -90.0),
        min(east + dx, 180.0),
        min(north + dy, 90.0),
    )


@functools.cache
def _country_rings() -> list[tuple[np.ndarray, bool]]:
    """The bundled country outlines as (vertices, is_hole) rings, read once."""
    from importlib import resources

    path = resources.files("eventdata.datasets") / "data" / "countries.csv"
    with resources.as_file(path) as local:
        table = pd.read_csv(local, dtype=str, keep_default_na=False)
    return [
        (np.array([pair.split(" ") for pair in text.split(";")], dtype=float), kind == "hole")
        for text, kind in zip(table["coordinates"], table["ring"], strict=True)
    ]


def _boundary_rings(layer: Any) -> list[tuple[np.ndarray, bool]]:
    """Rings (vertices, is_hole) of boundaries given as geometries or a frame of vertices."""
    if isinstance(layer, pd.DataFrame) and not hasattr(layer, "geometry"):
        missing = [c for c in ("longitude", "latitude", "ring") if c not in layer.columns]
        if missing:
            raise EventDataError(
                "boundaries as a table need columns 'longitude', 'latitude' and 'ring' "
                f"(one id per ring); missing {missing}"
            )
        xy = layer[["longitude", "latitude"]].apply(pd.to_numeric, errors="coerce")
        return [
            (block.to_numpy(dtype=float), False)
            for _, block in xy.groupby(layer["ring"].to_numpy(), sort=False)
        ]
    crs = getattr(layer, "crs", None)
    if crs is not None and hasattr(layer, "to_crs") and not getattr(crs, "is_geographic", True):
        layer = layer.to_crs(4326)
    geometries = getattr(layer, "geometry", layer)
    if isinstance(geometries, str) or not isinstance(geometries, Sequence | pd.Series | np.ndarray):
        geometries = [geometries]
    rings: list[tuple[np.ndarray, bool]] = []
    for geometry in geometries:
        rings += _geometry_rings(geometry)
    return rings


def _geometry_rings(geometry: Any) -> list[tuple[np.ndarray, bool]]:
    """Rings of a shapely(-like) polygon, line or collection of them; nothing for points."""
    if geometry is None or getattr(geometry, "is_empty", False):
        return []
    kind = getattr(geometry, "geom_type", None)
    if kind == "Polygon":
        return [(np.asarray(geometry.exterior.coords, dtype=float)[:, :2], False)] + [
            (np.asarray(ring.coords, dtype=float)[:, :2], True) for ring in geometry.interiors
        ]
    if kind in ("LineString", "LinearRing"):
        return [(np.asarray(geometry.coords, dtype=float)[:, :2], True)]
    if kind in ("MultiPolygon", "MultiLineString", "GeometryCollection"):
        return [ring for part in geometry.geoms for ring in _geometry_rings(part)]
    if kind in ("Point", "MultiPoint"):
        return []
    raise EventDataError(
        "boundaries must be a GeoDataFrame, GeoSeries, shapely geometries or a table of "
        f"vertices, not {type(geometry).__name__}"
    )


def _draw_rings(
    ax: Axes,
    rings: Sequence[tuple[np.ndarray, bool]],
    view: tuple[float, float, float, float],
    *,
    gid: str,
    linewidth: float,
    edgecolor: Any,
    facecolor: Any,
) -> None:
    """Outlines behind the events: the rings that reach into ``view``, land filled lightly.

    Holes (and lines) are outlines only: a hole in a country is another's enclave.
    """
    from matplotlib.collections import LineCollection, PolyCollection

    west, south, east, north = view
    # the aspect ratio may widen the view along one side: keep what lies just beyond it too
    dx, dy = east - west, north - south
    west, east, south, north = west - dx, east + dx, south - dy, north + dy
    shown = [
        (xy, hole)
        for xy, hole in rings
        if len(xy) > 1
        and np.nanmin(xy[:, 0]) <= east
        and np.nanmax(xy[:, 0]) >= west
        and np.nanmin(xy[:, 1]) <= north
        and np.nanmax(xy[:, 1]) >= south
    ]
    if facecolor is not None:
        land = PolyCollection(
            [xy for xy, hole in shown if not hole],
            facecolors=facecolor,
            edgecolors="none",
            zorder=0,
        )
        land.set_gid(f"{gid}-land")
        ax.add_collection(land, autolim=False)
    lines = LineCollection(
        [xy for xy, _ in shown], colors=edgecolor, linewidths=linewidth, zorder=0.5
    )
    lines.set_gid(gid)
    ax.add_collection(lines, autolim=False)


def cluster_map(
    result: Any,
    *,
    events: pd.DataFrame | None = None,
    ax: Axes | None = None,
    max_clusters: int | None = None,
    alpha: float = 0.05,
) -> Axes:
    """Map of space-time clusters: each cluster's circle, labelled by rank, over the events.

    Parameters
    ----------
    result : eventdata.ScanResult
        From :func:`eventdata.space_time_scan`.
    events : pandas.DataFrame, optional
        Events to draw as grey points (``latitude``, ``longitude``).
    ax : matplotlib.axes.Axes, optional
    max_clusters : int, optional
        Draw only the first clusters (default: all reported).
    alpha : float
        Clusters with ``pvalue`` below it are drawn solid, the others dashed.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import eventdata as ed
    >>> seed = ed.datasets.load_seed_incidents()
    >>> result = ed.space_time_scan(seed, replications=9, seed=0, min_events=1)
    >>> ax = cluster_map(result, events=seed)
    >>> ax.get_xlabel()
    'Longitude'
    """
    ax = axes_for(ax, figsize=(6, 6))
    if events is not None:
        check_events(events, "latitude", "longitude")
        ax.scatter(events["longitude"], events["latitude"], s=6, color="0.6", label="Events")
    table = result.table if max_clusters is None else result.table.head(max_clusters)
    colors = palette(max(1, len(table)))
    bearing = np.linspace(0, 2 * np.pi, 121)
    for color, row in zip(colors, table.itertuples(index=False), strict=False):
        # a circle of radius_km on the sphere, drawn in degrees
        dlat = row.radius_km / 111.195
        dlon = dlat / max(np.cos(np.radians(row.latitude)), 1e-6)
        solid = not (row.pvalue >= alpha)  # NaN (no replications) draws solid
        ax.plot(
            row.longitude + dlon * np.cos(bearing),
            row.latitude + dlat * np.sin(bearing),
            color=color,
            linestyle="-" if solid else "--",
            label=f"{row.rank}: {row.start:%d %b %Y} to {row.end:%d %b %Y}, "
            f"{row.observed} vs {row.expected:.1f}, p={row.pvalue:.3g}",
        )
        ax.plot(row.longitude, row.latitude, marker="+", color=color)
        ax.annotate(
            str(row.rank),
            (row.longitude, row.latitude),
            textcoords="offset points",
            xytext=(4, 4),
            color=color,
        )
    ax.set_aspect(
        1 / max(np.cos(np.radians(np.nanmean(table["latitude"]))), 1e-6) if len(table) else "equal",
        adjustable="datalim",
    )
    if len(table) or events is not None:
        ax.legend(fontsize="small", loc="best")
    return finish(ax, title="Space-time clusters", xlabel="Longitude", ylabel="Latitude")


def grid_map(
    events: pd.DataFrame, *, ax: Axes | None = None, cmap: str = "rocket_r", **kwargs: Any
) -> Axes:
    """Event counts per PRIO-GRID cell, drawn as half-degree squares (no basemap needed).

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``latitude`` and ``longitude``.
    ax : matplotlib.axes.Axes, optional
    cmap : str
        A sequential colormap (lightness follows the count).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.pcolormesh`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import eventdata as ed
    >>> ax = grid_map(ed.datasets.load_seed_incidents())
    >>> ax.get_title()
    'Events per PRIO-GRID cell'
    """
    import seaborn as sns

    check_events(events, "latitude", "longitude")
    gid = pd.Series(priogrid_gid(events["latitude"], events["longitude"])).dropna()
    if gid.empty:
        raise EventDataError("no event has coordinates to map")
    index = gid.to_numpy("int64") - 1
    row, col = index // 720, index % 720
    rows = np.arange(row.min(), row.max() + 2)
    cols = np.arange(col.min(), col.max() + 2)
    grid = np.zeros((len(rows) - 1, len(cols) - 1))
    np.add.at(grid, (row - row.min(), col - col.min()), 1)
    ax = axes_for(ax, figsize=(6, 5))
    mesh = ax.pcolormesh(
        -180 + cols * CELL_DEGREES,
        -90 + rows * CELL_DEGREES,
        np.ma.masked_equal(grid, 0),
        cmap=sns.color_palette(cmap, as_cmap=True),
        edgecolors="0.85",
        linewidth=0.3,
        **kwargs,
    )
    ax.figure.colorbar(mesh, ax=ax, label="Events")
    ax.set_aspect("equal")
    return finish(ax, title="Events per PRIO-GRID cell", xlabel="Longitude", ylabel="Latitude")
