"""Pictures of events and event counts: timelines, heatmaps, calendars and maps.

Every function here is axes-level, in the manner of seaborn's: it draws on the
``ax`` it is given (or on a new figure's Axes), labels its axes, title and
legend, and returns the Axes, so plots compose into a user's own figures and
never call ``plt.show()``.

Colours are colour-blind safe throughout: categories use seaborn's
``"colorblind"`` palette (each ACLED event type keeps the same colour in every
plot), counts on a grid use a sequential colormap whose lightness rises with the
count, and anniversary windows are shaded or outlined in one fixed colour.

The private helpers are meant for the result plots built on the analysis
modules: ``_axes`` (given or new Axes), ``_palette`` and ``_category_colors``
(colour-blind-safe colours, fixed per event type), ``_count_grid`` (a labelled
count heatmap), ``_format_date_axis`` (concise date ticks),
``_anniversary_windows``, ``_shade_windows`` and ``_window_label`` (anniversary
windows as date spans, shaded, with their legend text), ``_legend_above`` and
``_finish`` (legend row, axis labels and title).
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Sequence
from itertools import cycle
from typing import TYPE_CHECKING, Any, Literal

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from eventdata.core import codebook
from eventdata.core.errors import EventDataError
from eventdata.core.periods import format_label
from eventdata.events.counts import _require, counts
from eventdata.events.grid import CELL_DEGREES, priogrid_gid

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "alerts",
    "anniversary",
    "calendar",
    "cluster_map",
    "event_study",
    "grid_map",
    "heatmap",
    "its",
    "knox_null",
    "map",
    "placebo",
    "provinces",
    "timeline",
    "unit_forest",
]

Value = Literal["events", "fatalities"]

#: Sequential colormap for counts on a grid: light for few, dark for many,
#: perceptually uniform and readable without colour vision (and in greyscale).
SEQUENTIAL_CMAP = "mako_r"
#: Colour of shaded or outlined anniversary windows (the palette's orange).
ANNIVERSARY_COLOR = sns.color_palette("colorblind")[1]
# Event type -> index in the colorblind palette: the hues easiest to tell apart
# go to the common types, grey to the non-violent strategic developments.
_EVENT_TYPE_PALETTE_INDEX = (0, 1, 4, 2, 3, 7)
#: Colour of a single count series (the palette's blue).
COUNT_COLOR = sns.color_palette("colorblind")[0]
#: Background of grid cells without data (outside the date range, 29 February).
NO_DATA_COLOR = "0.82"

# Human names of the columns plots are labelled with.
_LABELS = {
    "admin1": "Province (admin1)",
    "admin2": "District (admin2)",
    "country": "Country",
    "event_type": "Event type",
    "sub_event_type": "Sub-event type",
    "disorder_type": "Disorder type",
    "fatalities": "Fatalities",
    "events": "Events",
    "count": "Events",
    "actor1": "Actor 1",
    "actor2": "Actor 2",
}
_UNITS = {  # counting unit -> length of one period
    "day": pd.DateOffset(days=1),
    "week": pd.DateOffset(weeks=1),
    "month": pd.DateOffset(months=1),
    "year": pd.DateOffset(years=1),
}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MMDD = re.compile(r"^(\d{2})-(\d{2})$")
_LINESTYLES = ("-", "--", ":", "-.")


# --------------------------------------------------------------------------- public plots


def timeline(
    counts: pd.DataFrame | pd.Series,
    *,
    ax: Axes | None = None,
    rolling: int | None = 7,
    anniversary: str | Sequence[str] | None = None,
    window: tuple[int, int] = (0, 6),
    by: str | Sequence[str] | None = None,
    title: str | None = None,
    max_groups: int | None = 10,
    **kwargs: Any,
) -> Axes:
    """Counts over time as light bars with a rolling mean, anniversary windows shaded.

    Parameters
    ----------
    counts : pandas.DataFrame or pandas.Series
        A table from :func:`eventdata.counts` (columns ``date``, optional group
        columns, and ``count`` or ``fatalities``), a Series of counts indexed by
        date, or event records (with ``event_date``), which are counted per day.
        Missing periods are drawn as zeros. Without ``by``, group columns are
        summed.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure's).
    rolling : int or None
        Periods in the centred rolling mean drawn on top; ``None`` or 1: none.
        A series shorter than three times ``rolling`` periods gets none either
        (it would be mostly edge): its counts are drawn as they are.
    anniversary : "MM-DD" or sequence of "MM-DD", optional
        Anniversaries whose windows are shaded in every year of the range.
        When the windows would cover more than half of the axis (a short
        series), they are marked by a strip along the bottom instead.
    window : (int, int)
        Days relative to the anniversary, both ends included: ``(0, 6)`` shades
        the day and the six after it.
    by : str or sequence of str, optional
        Group column(s) of the table: one line per group (the rolling mean, or
        the counts when ``rolling`` is ``None``), coloured by group, instead of
        the bars.
    title : str, optional
        Axes title (default: says what is counted).
    max_groups : int or None
        With ``by``: the groups with the largest totals drawn as their own
        lines; the others are summed into one "Other" line. ``None``: all.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the line(s).

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    The period drawn is the data's coverage: the first to the last day in
    ``attrs["coverage"]`` (the sources' stated coverage, a list of
    ``{"country", "start", "end"}``) or ``attrs["span"]`` (a count table's
    days) when the input carries them, zeros included; else the data's own
    first to last date.

    Examples
    --------
    >>> import eventdata as ed
    >>> from eventdata.plot import timeline
    >>> events = ed.datasets.simulate("2021-01-01", "2022-12-31", seed=1)
    >>> ax = timeline(ed.counts(events), anniversary="01-03")
    >>> ax.get_ylabel(), ax.get_legend().get_texts()[-1].get_text()
    ('Events per day', 'Anniversary window (01-03, days 0 to +6)')
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    groups = [] if by is None else ([by] if isinstance(by, str) else list(by))
    wide, name, unit = _wide_counts(counts, by=groups)
    if groups:
        wide = _top_columns(
            wide, max_groups, noun=_plural(groups[0]) if len(groups) == 1 else "groups"
        )
    offset = _UNITS[unit]
    edges = wide.index.append(pd.DatetimeIndex([wide.index[-1] + offset]))
    middles = wide.index + (edges[1:] - edges[:-1]) / 2
    # a rolling mean needs a series several times its length, or it is all edge
    smooth = rolling is not None and rolling > 1 and len(wide) >= 3 * rolling
    average = wide.rolling(rolling, center=True, min_periods=rolling).mean() if smooth else wide
    few = len(wide) <= 31  # a few periods: each one marked, so a single day still shows
    what = _LABELS[name]
    ax = _axes(ax, figsize=(10, 4))
    if groups:
        styles = _group_styles(len(wide.columns))
        others = len(wide.columns) > (max_groups or len(wide.columns))  # last: the rest summed
        for i, (column, (color, linestyle)) in enumerate(zip(wide.columns, styles, strict=True)):
            if others and i == len(wide.columns) - 1:  # a sum of many: grey, behind the rest
                color, linestyle = (0.55, 0.55, 0.55), ":"
            line = {"color": color, "linestyle": linestyle, "linewidth": 1.5} | kwargs
            if few:
                line = {"marker": "o", "markersize": 4} | line
            drawstyle = "default" if smooth else "steps-mid"
            ax.plot(middles, average[column], label=str(column), drawstyle=drawstyle, **line)
        legend_title = _group_title(groups)
        if smooth:
            legend_title += f" ({rolling}-{unit} rolling mean)"
    else:
        values = wide.iloc[:, 0]
        ax.stairs(
            values.to_numpy(dtype=float),
            edges,
            fill=True,
            color=COUNT_COLOR,
            alpha=0.35 if smooth else 0.8,
            linewidth=0,
            label=f"{what} per {unit}",
        )
        if smooth:
            line = {"color": _darker(COUNT_COLOR), "linewidth": 1.6} | kwargs
            label = f"{rolling}-{unit} rolling mean (centred)"
            ax.plot(middles, average.iloc[:, 0], label=label, **line)
        legend_title = None
    if anniversary is not None:
        spans = _anniversary_windows(anniversary, window, edges[0], edges[-1])
        _shade_windows(ax, spans, label=_window_label(anniversary, window), axis=edges)
    ax.set_xlim(edges[0], edges[-1])
    drawn = average if groups else wide  # lines of groups, else the bars (above their mean)
    top = float(np.nanmax(drawn.to_numpy(dtype=float), initial=0.0))
    ax.set_ylim(0, max(top, 1.0) * 1.05)
    _format_date_axis(ax)
    default = f"{what} per {unit}" + (f" by {_group_title(groups).lower()}" if groups else "")
    pad = None if groups else 22
    _finish(ax, title=title or default, xlabel="Date", ylabel=f"{what} per {unit}", pad=pad)
    if groups:  # possibly many entries: beside the plot
        ax.legend(
            title=legend_title,
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            frameon=False,
            fontsize="small",
            title_fontsize="small",
        )
    else:  # a dense series leaves no free corner: one row between title and plot
        _legend_above(ax)
    return ax


def _top_columns(wide: pd.DataFrame, keep: int | None, *, noun: str = "groups") -> pd.DataFrame:
    """The ``keep`` columns with the largest totals, the rest summed into one "Other" column."""
    if keep is None or len(wide.columns) <= keep:
        return wide
    if keep < 1:
        raise ValueError(f"keep at least one group (or pass None for all), not {keep!r}")
    order = wide.sum().sort_values(ascending=False, kind="stable").index
    rest = order[keep:]
    top = wide[order[:keep]].copy()
    top[f"Other ({len(rest)} {noun})"] = wide[rest].sum(axis=1)
    return top


def heatmap(
    events: pd.DataFrame,
    *,
    rows: str = "admin1",
    cols: Literal["month", "year", "week", "weekday"] = "month",
    value: Value = "events",
    ax: Axes | None = None,
    title: str | None = None,
    max_rows: int | None = 40,
    **kwargs: Any,
) -> Axes:
    """Events (or fatalities) per category and period as a colour grid.

    Parameters
    ----------
    events : pandas.DataFrame
        Event records with ``event_date``, the ``rows`` column (and
        ``fatalities`` for ``value="fatalities"``).
    rows : str
        Column whose categories make the rows (e.g. ``"admin1"``,
        ``"event_type"``), sorted by their total, largest first.
    cols : {"month", "year", "week", "weekday"}
        Calendar months, years or weeks (Monday to Sunday) of the range, zeros
        included, or the day of the week (all weeks summed). Events dated less
        precisely than the period are left out, as :func:`eventdata.counts` does.
    value : {"events", "fatalities"}
        Count events or sum fatalities.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure's); the colour bar takes room from it.
    title : str, optional
        Axes title (default: says what is counted).
    max_rows : int or None
        Rows drawn at most: the categories with the largest totals, the others
        summed into a last row "Other (n)". ``None``: every category.
    **kwargs
        Passed to :func:`seaborn.heatmap` (e.g. ``annot=True``, ``cmap=``).

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    The periods drawn run over the data's coverage when the frame carries
    ``attrs["coverage"]`` (see :func:`timeline`), else from its first to its
    last event; edge periods covered in part are hatched.

    Examples
    --------
    >>> import eventdata as ed
    >>> from eventdata.plot import heatmap
    >>> ax = heatmap(ed.datasets.load_seed_incidents(), rows="country", cols="weekday")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Iraq', 'Syria']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    if cols not in ("month", "year", "week", "weekday"):
        raise ValueError(f"cols must be 'month', 'year', 'week' or 'weekday', not {cols!r}")
    _check_events(events, rows, *(["fatalities"] if value == "fatalities" else []))
    events = _fill_missing_category(events, rows)
    freq = {"month": "M", "year": "Y", "week": "W", "weekday": "D"}[cols]
    start, end = _coverage(events)
    table = counts(events, freq=freq, by=rows, value=value, start=start, end=end)
    name = table.columns[-1]
    if cols == "weekday":
        table = table.assign(date=table["date"].dt.day_of_week)
    grid = table.pivot_table(
        index=rows, columns="date", values=name, aggfunc="sum", observed=True, fill_value=0
    )
    if cols == "weekday":
        grid = grid.reindex(columns=range(7), fill_value=0)
    grid = grid.loc[grid.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    others = max_rows is not None and len(grid) > max_rows
    if others:
        grid = _top_columns(grid.T, max(max_rows - 1, 1), noun=_plural(rows)).T
        shown = grid.iloc[:-1].to_numpy(dtype=float)
        top = float(np.nanmax(shown, initial=0.0))
        if "vmax" not in kwargs and 0 < top < float(np.nanmax(grid.iloc[-1])):
            # the row of the others is a sum of many: it saturates, not the scale of the rest
            kwargs = kwargs | {
                "vmax": top,
                "cbar_kws": {"extend": "max"} | kwargs.get("cbar_kws", {}),
            }
    what = _LABELS[name]
    label = f"{what} (all weeks)" if cols == "weekday" else f"{what} per {cols}"
    per_column = 0.3 if cols == "month" else 0.12  # room for "Jan" under each month
    width = max(6.0, min(14.0, 3 + per_column * grid.shape[1]))
    ax = _axes(ax, figsize=(width, max(3.0, 1.6 + 0.25 * len(grid))))
    cells = {"linewidths": 0.3 if grid.shape[1] <= 60 else 0, "linecolor": "white"}
    _count_grid(ax, grid, label=label, **(cells | kwargs))
    if "xticklabels" not in kwargs:
        _label_period_columns(ax, grid.columns, cols)
    if cols != "weekday":
        dates = pd.to_datetime(events["event_date"])
        first = dates.min() if start is None else start
        last = dates.max() if end is None else end
        _mark_partial_periods(ax, grid, cols, first, last)
    xlabel = {"weekday": "Day of week", "week": "Week (Monday to Sunday)"}.get(cols, cols.title())
    default = f"{what} per {cols if cols != 'weekday' else 'day of week'} by {_label(rows).lower()}"
    pad = 22 if ax.get_legend() is not None else None
    return _finish(ax, title=title or default, xlabel=xlabel, ylabel=_label(rows), pad=pad)


def calendar(
    events: pd.DataFrame | pd.Series,
    *,
    ax: Axes | None = None,
    anniversary: str | Sequence[str] | None = None,
    window: tuple[int, int] = (0, 6),
    value: Value = "events",
    title: str | None = None,
    **kwargs: Any,
) -> Axes:
    """Daily counts as a grid of day of year (x) by year (y), anniversaries outlined.

    Each column is one calendar day (29 February has its own column, so a date
    such as 3 January or 4 July stands in the same column every year); days
    outside the data's range and 29 February of common years are grey, days
    without events are zeros. The colour scale stops at the 99th percentile of
    days (the colour bar's arrow; pass ``vmax=`` to change it), so that a few
    extreme days do not wash out all the others.

    Parameters
    ----------
    events : pandas.DataFrame or pandas.Series
        Event records (with ``event_date``), a daily table from
        :func:`eventdata.counts` (group columns are summed), or daily counts
        indexed by date.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure's); the colour bar takes room from it.
    anniversary : "MM-DD" or sequence of "MM-DD", optional
        Anniversaries whose windows are outlined across all years.
    window : (int, int)
        Days relative to the anniversary, both ends included.
    value : {"events", "fatalities"}
        For event records: count events or sum fatalities.
    title : str, optional
        Axes title (default: says what is counted).
    **kwargs
        Passed to :func:`seaborn.heatmap` (e.g. ``cmap=``, ``vmax=``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import eventdata as ed
    >>> from eventdata.plot import calendar
    >>> events = ed.datasets.simulate("2021-01-01", "2022-12-31", seed=1)
    >>> ax = calendar(events, anniversary="01-03")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['2021', '2022']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    wide, name, unit = _wide_counts(events, by=[], value=value)
    if unit != "day":
        raise EventDataError(f"calendar needs daily counts, not counts per {unit}")
    daily = wide.iloc[:, 0]
    years = np.arange(daily.index[0].year, daily.index[-1].year + 1)
    grid = np.full((len(years), 366), np.nan)
    grid[daily.index.year - years[0], _leap_day_of_year(daily.index)] = daily.to_numpy(float)
    grid = pd.DataFrame(grid, index=years, columns=range(1, 367))
    what = _LABELS[name]
    ax = _axes(ax, figsize=(12, 1.6 + 0.35 * len(years)))
    ax.set_facecolor(NO_DATA_COLOR)
    colour_bar = {"pad": 0.01}
    top = float(np.ceil(np.nanpercentile(grid.to_numpy(), 99)))
    if "vmax" not in kwargs and 0 < top < np.nanmax(grid.to_numpy()):
        # a few extreme days would wash out every other: they saturate, the bar says so
        kwargs = kwargs | {"vmax": top}
        colour_bar["extend"] = "max"
    _count_grid(ax, grid, label=f"{what} per day", cbar_kws=colour_bar, **kwargs)
    starts = _leap_day_of_year(pd.date_range("2000-01-01", periods=12, freq="MS"))
    ax.set_xticks(starts, labels=[""] * 12)
    ax.set_xticks(starts + np.diff([*starts, 366]) / 2, labels=_MONTHS, minor=True)
    ax.tick_params(axis="x", which="minor", length=0)
    handles = []
    if grid.isna().to_numpy().any():  # the key names only what is drawn
        handles.append(
            Patch(facecolor=NO_DATA_COLOR, edgecolor="0.5", linewidth=0.5, label="No data")
        )
    if anniversary is not None:
        label = _window_label(anniversary, window)
        for first, last in _calendar_windows(anniversary, window):
            ax.add_patch(
                Rectangle(
                    (first, 0),
                    last - first + 1,
                    len(years),
                    fill=False,
                    edgecolor=ANNIVERSARY_COLOR,
                    linewidth=1.5,
                    gid="anniversary-window",
                    clip_on=False,
                )
            )
        handles.insert(
            0, Patch(fill=False, edgecolor=ANNIVERSARY_COLOR, linewidth=1.5, label=label)
        )
    _legend_above(ax, handles=handles)
    for spine in ("left", "bottom"):
        ax.spines[spine].set_visible(True)
    return _finish(
        ax,
        title=title or f"{what} per day, by day of the year",
        xlabel="Day of the year",
        ylabel="Year",
        pad=22,
    )


def map(
    events: pd.DataFrame,
    *,
    ax: Axes | None = None,
    size: str | None = "fatalities",
    hue: str | None = "event_type",
    sizes: tuple[float, float] = (20.0, 300.0),
    title: str | None = None,
    borders: Any = True,
    admin1: Any = None,
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
    ``tools/natural_earth_outlines.py``. No admin1 outlines are bundled: pass
    your own as ``admin1`` (e.g. a GeoDataFrame read with geopandas).

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
    admin1 : boundaries, optional
        Province outlines drawn thinner over the countries (same forms as
        ``borders``).
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
    needed = [c for c in ("longitude", "latitude", size, hue) if c is not None]
    _check_events(events, *needed)
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
        options |= {"size": _label(size), "sizes": sizes, "size_norm": (0.0, top)}
    else:
        options["s"] = sizes[0]
    if hue is not None:
        frame[hue] = frame[hue].astype(object).where(frame[hue].notna(), "(unknown)")
        order = _category_order(frame[hue], hue)
        options |= {"hue": _label(hue), "hue_order": order, "palette": _category_colors(order, hue)}
    else:
        options["color"] = COUNT_COLOR
    frame = frame.rename(columns={c: _label(c) for c in (size, hue) if c is not None})
    latitude = float(np.clip(frame["latitude"].mean(), -60, 60))
    view = _map_view(frame["longitude"], frame["latitude"])
    shape = (view[3] - view[1]) / (view[2] - view[0]) / np.cos(np.radians(latitude))
    ax = _axes(ax, figsize=(8.5, float(np.clip(1.4 + 5.4 * shape, 3.5, 9.0))))
    sns.scatterplot(data=frame, x="longitude", y="latitude", ax=ax, **(options | kwargs))
    layers = [
        (borders, "country-borders", 0.7, "0.45", "0.95"),
        (admin1, "admin1-borders", 0.4, "0.6", None),
    ]
    for layer, gid, width, edge, face in layers:
        if layer is None or layer is False:
            continue
        rings = _country_rings() if layer is True else _boundary_rings(layer)
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
    return _finish(ax, title=title or "Event locations", xlabel="Longitude", ylabel="Latitude")


def _empty(artist: Any) -> bool:
    """Whether a line or scatter has no point."""
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


# --------------------------------------------------------------------------- result plots

# Flags of province results -> (colour, marker): vermillion up for more, blue down for
# fewer, grey for neither; markers differ too, so the plot reads without colour.
_PALETTE = sns.color_palette("colorblind")
_FLAG_STYLES = {
    "higher": (_PALETTE[3], "^"),
    "increase": (_PALETTE[3], "^"),
    "lower": (_PALETTE[0], "v"),
    "decrease": (_PALETTE[0], "v"),
    "as expected": ((0.35, 0.35, 0.35), "o"),
    "no change": ((0.35, 0.35, 0.35), "o"),
    "not tested": ((0.65, 0.65, 0.65), "o"),
}
#: Colour of what a model predicts had nothing happened (counterfactuals, expectations).
EXPECTED_COLOR = _PALETTE[3]
#: Colour of alert markers and thresholds.
ALERT_COLOR = _PALETTE[3]
# Tick values of ratio axes: (widest range high / low they serve, ticks).
_RATIO_TICKS = (
    (1.4, (0.8, 0.85, 0.9, 0.95, 1, 1.05, 1.1, 1.15, 1.2, 1.25)),
    (3.5, (0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.4, 1.6, 1.8, 2)),
    (120, (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 7, 10, 20)),
    (3e4, (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)),
    (np.inf, tuple(10.0 ** np.arange(-12, 13))),
)
_REFERENCE_LINE = {"color": "0.25", "linewidth": 1.0, "linestyle": "--", "zorder": 1}


def provinces(
    result: Any,
    *,
    ax: Axes | None = None,
    only_flagged: bool = False,
    title: str | None = None,
    max_rows: int | None = 40,
    **kwargs: Any,
) -> Axes:
    """Provinces' ratios with confidence intervals, sorted, flagged ones coloured.

    One row per province, grouped by country (a bold heading row each),
    sorted by ratio within the country, largest on top; the ratio is a point,
    its interval a line, on a log scale with a reference line at 1. Provinces
    flagged "higher" ("increase") are vermillion upward triangles, "lower"
    ("decrease") blue downward ones, the rest grey circles (hollow when not
    tested). The tick labels give each province's count, so that a large
    ratio from three events does not read like one from three hundred.

    Parameters
    ----------
    result : ProvinceResult, PeriodComparison or ProvinceModel
        From :func:`eventdata.province_frequency`, :func:`eventdata.compare_periods`
        or :func:`eventdata.province_model`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure's, tall enough for every row).
    only_flagged : bool
        Draw only the provinces flagged higher or lower (increase or decrease).
    title : str, optional
        Axes title (default: says what is compared and how provinces are flagged).
    max_rows : int or None
        Provinces drawn at most. With more, the figure shows about
        ``max_rows / 2`` provinces above a ratio of 1 and as many below it
        (flagged ones first, then those with the smallest p-values, then the
        most extreme ratios), sorted across countries and labelled with their
        country, a gap row between the two, and a note of how many are left
        out; ``None``: every province.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the points.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import eventdata as ed
    >>> from eventdata.plot import provinces
    >>> events = ed.datasets.simulate("2021-01-01", "2021-12-31", seed=5)
    >>> ax = provinces(ed.province_frequency(events))
    >>> ax.get_xlabel()
    'Events observed / expected (log scale)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    view = _province_view(result)
    table = view["table"]
    if only_flagged:
        table = table[table["flag"].isin(view["flagged"])]
    left_out = int(table["ratio"].isna().sum())
    table = table[table["ratio"].notna()]
    if table.empty:
        raise EventDataError("no province to draw (none flagged, or none with a ratio)")
    grouped = result.within != "_within" and result.within in table.columns
    rows: list[tuple[str, Any]] = []  # (kind, payload), top to bottom
    hidden = 0
    row_label = view["row_label"]
    if max_rows is not None and len(table) > max(max_rows, 2):
        # many units: on each side of 1, flagged ones first, then the strongest evidence
        # (smallest p-value: a ratio of 3 from 300 events before one of 9 from 1 event),
        # then the most extreme ratio
        flagged = table["flag"].isin(view["flagged"]).to_numpy()
        evidence = (
            -table["pvalue"].fillna(1.0).to_numpy(dtype=float)
            if "pvalue" in table.columns
            else np.zeros(len(table))
        )
        high, low = (
            table[side]
            .assign(_f=flagged[side], _p=evidence[side], _r=table["ratio"].to_numpy()[side] * sign)
            .sort_values(["_f", "_p", "_r"], ascending=False, kind="stable")
            .drop(columns=["_f", "_p", "_r"])
            for side, sign in (
                ((table["ratio"] >= 1).to_numpy(), 1),
                ((table["ratio"] < 1).to_numpy(), -1),
            )
        )
        n_low = min(len(low), max(max_rows // 2, max_rows - len(high)))
        high, low = high.head(max_rows - n_low), low.head(n_low)
        hidden = len(table) - len(high) - len(low)
        for block in (high, low):
            if block is low:
                rows.append(("gap", f"\u2026 {hidden} provinces not shown \u2026"))
            block = block.sort_values("ratio", ascending=False, kind="stable")
            rows += [("province", row) for row in block.itertuples(index=False)]
        if grouped:
            base = row_label

            def row_label(r: dict[str, Any]) -> str:
                return f"{base(r)}, {r[result.within]}"

    else:
        for country, block in table.groupby(result.within if grouped else np.zeros(len(table))):
            if grouped:
                rows.append(("heading", str(country)))
            block = block.sort_values("ratio", ascending=False, kind="stable")
            rows += [("province", row) for row in block.itertuples(index=False)]
    positive = pd.concat([table["ratio"], table["ci_low"], table["ci_high"]])
    positive = positive[np.isfinite(positive) & (positive > 0)]
    low = min(float(positive.min()) if len(positive) else 1.0, 1.0) / 1.25
    high = max(float(positive.max()) if len(positive) else 1.0, 1.0) * 1.25
    longest = max(
        (len(view["row_label"](r._asdict())) for kind, r in rows if kind == "province"), default=0
    ) + (int(table[result.within].astype(str).str.len().max()) + 2 if hidden and grouped else 0)
    width = min(14.0, max(8.0, 5.0 + 0.09 * longest))  # long labels leave the plot its room
    ax = _axes(ax, figsize=(width, max(3.4, 1.9 + 0.24 * len(rows))))
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ax.axvline(1.0, label=view["reference"], **_REFERENCE_LINE)
    labels, off_scale = [], []
    points: dict[str, list[tuple[float, float]]] = {}
    for y, (kind, payload) in enumerate(rows):
        if kind in ("heading", "gap"):
            labels.append(payload)
            if y:
                ax.axhline(y - 0.5, color="0.85", linewidth=0.8, zorder=0)
            continue
        row = payload._asdict()
        labels.append(row_label(row))
        colour, _ = _FLAG_STYLES.get(row["flag"], _FLAG_STYLES["not tested"])
        lo = row["ci_low"] if np.isfinite(row["ci_low"]) and row["ci_low"] > 0 else low
        hi = row["ci_high"] if np.isfinite(row["ci_high"]) else high
        ax.plot([lo, hi], [y, y], color=colour, linewidth=1.6, solid_capstyle="butt", zorder=2)
        ratio = row["ratio"]
        if np.isfinite(ratio) and ratio > 0:
            points.setdefault(row["flag"], []).append((ratio, y))
        else:  # 0 or infinite: an arrow at the edge, pointing off the scale
            edge = (low, "<") if ratio == 0 else (high, ">")
            off_scale.append((edge[0], y, edge[1], colour, row["flag"]))
    flags = table["flag"].value_counts()
    keyed: dict[str, str] = {}  # flag -> legend label still to give to one of its arrows
    for flag in sorted(flags.index, key=list(_FLAG_STYLES).index):
        colour, marker = _FLAG_STYLES[flag]
        x, y = ([p[0] for p in points.get(flag, [])], [p[1] for p in points.get(flag, [])])
        style = {
            "linestyle": "none",
            "marker": marker,
            "markersize": 7,
            "color": colour,
            "markerfacecolor": "white" if flag == "not tested" else colour,
            "markeredgecolor": colour,
            "zorder": 3,
            "clip_on": False,
        } | kwargs
        # the key names what is drawn: points, else this flag's arrows, else nothing
        label = f"{flag.capitalize()} ({flags[flag]})"
        keyed[flag] = label if not x else "_nolegend_"
        ax.plot(x, y, label=label if x else "_nolegend_", gid=f"province-{flag}", **style)
    for x, y, marker, colour, flag in off_scale:
        label, keyed[flag] = keyed.get(flag, "_nolegend_"), "_nolegend_"
        ax.plot(
            x,
            y,
            marker=marker,
            markersize=7,
            color=colour,
            linestyle="none",
            zorder=3,
            clip_on=False,
            gid="province-off-scale",
            label=label,
        )
    ax.set_yticks(range(len(rows)), labels=labels)
    for tick, (kind, _) in zip(ax.get_yticklabels(), rows, strict=True):
        if kind == "heading":
            tick.set_fontweight("bold")
        elif kind == "gap":
            tick.set_fontstyle("italic")
            tick.set_color("0.35")
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    _format_ratio_axis(ax)
    interval = Line2D([], [], color="0.35", linewidth=1.6, label=f"{result.level:.0%} interval")
    handles, _ = ax.get_legend_handles_labels()
    handles = [*handles, interval]
    pad = _legend_above(ax, handles=handles, ncols=3 if len(handles) > 4 else None)
    notes = []
    if off_scale:
        notes.append(f"{len(off_scale)} ratio(s) of 0 or infinity: arrows at the edge")
    if left_out:
        notes.append(f"{left_out} province(s) without events in either period not drawn")
    if hidden:
        notes.append(
            f"{hidden} of {len(table)} provinces not shown: the highest and lowest "
            "ratios are drawn (max_rows=None draws all, only_flagged=True the flagged)"
        )
    if notes:
        ax.annotate(
            "\n".join(
                textwrap.fill(note[0].upper() + note[1:], width=int(12 * width) - 20)
                for note in notes
            ),
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -38),
            textcoords="offset points",
            fontsize="small",
            color="0.3",
            va="top",
        )
    return _finish(
        ax, title=title or view["title"], xlabel=view["xlabel"], ylabel=view["ylabel"], pad=pad
    )


def _province_view(result: Any) -> dict[str, Any]:
    """What :func:`provinces` draws of each kind of province result, and its words."""
    table = getattr(result, "table", None)
    if not isinstance(table, pd.DataFrame) or "flag" not in table.columns:
        raise EventDataError(
            "expected a result of ed.province_frequency, ed.compare_periods or "
            f"ed.province_model, not {type(result).__name__}"
        )
    fdr = f"flagged at FDR {result.alpha:g}"
    by = _label(result.by)
    if "count_before" in table.columns:  # PeriodComparison
        frame = table.rename(columns={"rate_ratio": "ratio"})
        after, before = (
            f"{_day_text(lo)} to {_day_text(hi)}" for lo, hi in (result.after, result.before)
        )
        return {
            "table": frame,
            "flagged": ("increase", "decrease"),
            "reference": "Ratio 1 (no change)",
            "xlabel": "Rate per day, after / before (log scale)",
            "ylabel": f"{by}\n({result.value} before \u2192 after)",
            "title": f"Change in {result.value} per day: {after}\nagainst {before}; {fdr}",
            "row_label": lambda r: (
                f"{r[result.by]} ({r['count_before']:g} \u2192 {r['count_after']:g})"
            ),
        }
    if "expected" in table.columns:  # ProvinceResult
        spread = {
            "uniform": "an even spread",
            "exposure": "their exposure",
            "baseline": "the baseline's shares",
        }
        where = "all provinces" if result.within == "_within" else f"each {result.within}"
        return {
            "table": table,
            "flagged": ("higher", "lower"),
            "reference": "Ratio 1 (expected)",
            "xlabel": f"{result.value.capitalize()} observed / expected (log scale)",
            "ylabel": f"{by}\n({result.value} in brackets)",
            "title": f"{result.value.capitalize()} per province against "
            f"{spread.get(result.expected, result.expected)} within {where}\n{fdr}",
            "row_label": lambda r: f"{r[result.by]} ({r['count']:g})",
        }
    # ProvinceModel
    return {
        "table": table.rename(columns={"rate_ratio": "ratio"}),
        "flagged": ("higher", "lower"),
        "reference": "Ratio 1 (country's geometric mean)",
        "xlabel": "Rate relative to the country's provinces (log scale)",
        "ylabel": f"{by}\n({result.value} in brackets)",
        "title": f"Negative-binomial model of {result.value} per province and period\n{fdr}",
        "row_label": lambda r: f"{r[result.by]} ({r['count']:g})",
    }


def _day_text(day: pd.Timestamp) -> str:
    """A day for titles: "3 Jan 2022"."""
    return f"{day.day} {day:%b %Y}"


def _pvalue_text(pvalue: float) -> str:
    """``p = 0.03``, or ``p < 0.001`` (more digits than that claim more than the model can)."""
    return "p < 0.001" if pvalue < 0.001 else f"p = {pvalue:.2g}"


def _format_ratio_axis(ax: Axes, axis: Literal["x", "y"] = "x") -> None:
    """Ratios on a log axis with plain labels (0.5, 1, 2), finer for narrower ranges.

    Call it once the axis limits are set.
    """
    target = ax.xaxis if axis == "x" else ax.yaxis
    low, high = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
    candidates = next(ticks for widest, ticks in _RATIO_TICKS if high / low <= widest)
    ticks = [t for t in candidates if low <= t <= high]
    for keep in ((1, 2, 5), (1,)):  # a wide range: 1-2-5 ticks, then powers of ten
        if len(ticks) <= 9:
            break
        thinner = [t for t in ticks if round(t / 10 ** np.floor(np.log10(t) + 1e-9), 6) in keep]
        ticks = thinner if len(thinner) >= 3 else ticks
    if len(ticks) >= 3:
        target.set_major_locator(mticker.FixedLocator(ticks))
    else:  # a very narrow range: matplotlib's own choice
        target.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    target.set_minor_locator(mticker.NullLocator())


def its(
    result: Any,
    *,
    ax: Axes | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    **kwargs: Any,
) -> Axes:
    """An interrupted time series: counts, the fitted model and its counterfactual.

    The observed counts are light bars; the fitted expected counts a dark
    line; from the interruption on, the counterfactual (the same trend and
    season without the level or slope change) a dashed vermillion line, and
    the gap between the two is the effect. A dotted vertical line marks the
    interruption and the title states the step rate ratio with its interval.

    Parameters
    ----------
    result : InterruptedTimeSeries
        From :func:`eventdata.interrupted_time_series`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure's).
    ylabel : str, optional
        y-axis label (default: "Count per <period>").
    title : str, optional
        Axes title (default: the step rate ratio, interval and p-value).
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the fitted line.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import eventdata as ed
    >>> from eventdata.plot import its
    >>> months = pd.period_range("2015-01", periods=72, freq="M")
    >>> rate = np.where(months >= pd.Period("2019-01", "M"), 30, 60)
    >>> monthly = pd.Series(np.random.default_rng(1).poisson(rate), index=months)
    >>> ax = its(ed.interrupted_time_series(monthly, "2019-01"))
    >>> ax.get_ylabel()
    'Count per month'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    for attribute in ("observed", "fitted", "counterfactual", "n_before", "step_rate_ratio"):
        if not hasattr(result, attribute):
            raise EventDataError(
                f"expected a result of ed.interrupted_time_series, not {type(result).__name__}"
            )
    edges, middles, unit = _period_edges(result.observed.index)
    ax = _axes(ax, figsize=(10, 4))
    observed = result.observed.to_numpy(dtype=float)
    ax.stairs(
        observed,
        edges,
        fill=True,
        color=COUNT_COLOR,
        alpha=0.35,
        linewidth=0,
        label=f"Observed count per {unit}",
    )
    line = {"color": _darker(COUNT_COLOR), "linewidth": 1.8} | kwargs
    ax.plot(middles, result.fitted.to_numpy(), label="Fitted", gid="fitted", **line)
    start = max(result.n_before - 1, 0)  # joined to the last fitted period before
    ax.plot(
        middles[start:],
        result.counterfactual.to_numpy()[start:],
        color=EXPECTED_COLOR,
        linewidth=1.8,
        linestyle="--",
        label="Counterfactual (no interruption)",
        gid="counterfactual",
    )
    ax.axvline(
        edges[result.n_before],
        color="0.15",
        linewidth=1.2,
        linestyle=":",
        label=f"Interruption ({format_label(result.at)})",
        gid="interruption",
    )
    lo, hi = result.step_ci
    effect = (
        f"step rate ratio {result.step_rate_ratio:.2f} ({result.level:.0%} CI {lo:.2f} to "
        f"{hi:.2f}), {_pvalue_text(result.step_pvalue)}"
    )
    if result.slope_rate_ratio is not None and result.slope_pvalue is not None:
        effect += (
            f"; slope change x{result.slope_rate_ratio:.3f} per {unit}, "
            f"{_pvalue_text(result.slope_pvalue)}"
        )
    default = f"{result.summary().splitlines()[0]}\n{effect}"
    return _finish_periods(ax, edges, unit, title=title or default, ylabel=ylabel)


def alerts(
    result: Any,
    *,
    ax: Axes | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    start: Any = None,
    end: Any = None,
    detail: bool | None = None,
    **kwargs: Any,
) -> Axes:
    """Counts with the escalation detector's threshold and its alerts marked.

    The counts are bars, the baseline mean the detector judged each period
    against a grey line, and the threshold a dashed vermillion step line: the
    count above which that period alerts, given the past (a gap where any
    count would alert, as after a run of EARS C3 exceedances). Alerting
    periods carry a vermillion triangle above their bar.

    Over many periods (more than 120 drawn) lines and markers would merge
    into a solid band, so the span from the baseline mean to the threshold
    is a light band instead, and each run of consecutive alerts is one tick
    along the top of the plot; ``start`` and ``end`` zoom in on a period.

    Parameters
    ----------
    result : EscalationAlerts
        From :func:`eventdata.escalation_alerts`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure's).
    ylabel : str, optional
        y-axis label (default: "Count per <period>").
    title : str, optional
        Axes title (default: the detector and the number of alerts).
    start, end : date-like, optional
        Draw only the periods from ``start`` to ``end`` (both included; for
        periods numbered rather than dated, their numbers).
    detail : bool or None
        ``True``: the threshold and baseline as lines and a marker per alert;
        ``False``: the band and the ticks; ``None``: lines for 120 periods
        or fewer drawn, else the band.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the alert markers.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    EventDataError
        If ``start`` and ``end`` leave no period to draw.

    Examples
    --------
    >>> import pandas as pd
    >>> import eventdata as ed
    >>> from eventdata.plot import alerts
    >>> days = pd.date_range("2023-03-01", periods=12, freq="D")
    >>> daily = pd.Series([4, 5, 3, 6, 4, 5, 4, 5, 3, 5, 21, 6], index=days)
    >>> ax = alerts(ed.escalation_alerts(daily, method="ears-c2"))
    >>> ax.get_legend().get_texts()[-1].get_text()
    'Alert (1)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    frame = getattr(result, "frame", None)
    if not isinstance(frame, pd.DataFrame) or "upper_bound" not in frame.columns:
        raise EventDataError(
            f"expected a result of ed.escalation_alerts, not {type(result).__name__}"
        )
    frame = _zoom(frame, start, end)
    labels = pd.Index(frame.iloc[:, 0])
    edges, middles, unit = _period_edges(labels)
    values = frame["count"].to_numpy(dtype=float)
    ax = _axes(ax, figsize=(10, 4))
    # lines and markers of many periods would merge into one band
    long = len(frame) > 120 if detail is None else not detail
    ax.stairs(
        values,
        edges,
        fill=True,
        color=COUNT_COLOR,
        alpha=0.55,
        linewidth=0,
        label=f"Count per {unit}",
    )
    cusum = result.method in ("cusum", "nb-cusum")
    baseline = "In-control mean" if cusum else "Baseline mean"
    mean = frame["baseline_mean"].to_numpy(dtype=float)
    bound = frame["upper_bound"].to_numpy(dtype=float, copy=True)
    bound[~np.isfinite(bound)] = np.nan
    if long:
        band = np.isfinite(mean) & np.isfinite(bound)
        ax.stairs(
            np.where(band, bound, np.nan),
            edges,
            baseline=np.where(band, mean, np.nan),
            fill=True,
            color=ALERT_COLOR,
            alpha=0.22,
            linewidth=0,
            label=f"{baseline} to threshold",
            gid="threshold-band",
        )
    else:
        ax.stairs(mean, edges, color="0.3", linewidth=1.0, label=baseline, baseline=None)
        ax.stairs(
            bound,
            edges,
            color=ALERT_COLOR,
            linewidth=1.2,
            linestyle="--",
            baseline=None,
            label="Threshold (count that alerts)",
        )
    alerting = frame["alert"].to_numpy(dtype=bool)
    n_alerts = int(alerting.sum())
    if long:  # one tick along the top per run of consecutive alerts
        runs = alerting & ~np.concatenate([[False], alerting[:-1]])
        marker = {
            "linestyle": "none",
            "marker": "|",
            "markersize": 9,
            "markeredgewidth": 1.4,
            "color": ALERT_COLOR,
            "clip_on": False,
        } | kwargs
        label = f"Alert ({n_alerts}" + (
            f", {int(runs.sum())} runs)" if runs.sum() < n_alerts else ")"
        )
        label = label if n_alerts else "_nolegend_"
        ax.plot(
            middles[runs],
            np.full(int(runs.sum()), 0.98),
            transform=ax.get_xaxis_transform(),
            label=label,
            gid="alert",
            **marker,
        )
    else:
        top = np.nanmax(values) if len(values) else 1.0
        marker = {
            "linestyle": "none",
            "marker": "v",
            "markersize": 6,
            "color": ALERT_COLOR,
            "zorder": 4,
        } | kwargs
        ax.plot(
            middles[alerting],
            values[alerting] + 0.04 * max(top, 1.0),
            label=f"Alert ({n_alerts})" if n_alerts else "_nolegend_",
            gid="alert",
            **marker,
        )
    monitored = int(frame["statistic"].notna().sum())
    default = (
        f"{result.summary().splitlines()[0]}\n{n_alerts} alert(s) in {monitored} monitored {unit}s"
    )
    if start is not None or end is not None:
        default += f" from {_period_text(labels[0])} to {_period_text(labels[-1])}"
    return _finish_periods(ax, edges, unit, title=title or default, ylabel=ylabel)


def _zoom(frame: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    """The rows of a per-period table (labels in its first column) from ``start`` to ``end``."""
    if start is None and end is None:
        return frame
    labels = frame.iloc[:, 0]
    if isinstance(labels.dtype, pd.PeriodDtype):
        keys = labels.dt.start_time
    elif pd.api.types.is_datetime64_any_dtype(labels):
        keys = labels
    else:
        keys = pd.to_numeric(labels, errors="coerce")
    dated = not pd.api.types.is_numeric_dtype(keys)
    try:
        lo = (pd.Timestamp(start) if dated else float(start)) if start is not None else None
        hi = (pd.Timestamp(end) if dated else float(end)) if end is not None else None
    except (TypeError, ValueError):
        raise ValueError(
            f"start and end must be dates (or period numbers), not {start!r}, {end!r}"
        ) from None
    keep = np.ones(len(frame), dtype=bool)
    if lo is not None:
        keep &= (keys >= lo).to_numpy()
    if hi is not None:
        keep &= (keys <= hi).to_numpy()
    if not keep.any():
        raise EventDataError(
            f"no period from {start} to {end}: the result runs from "
            f"{_period_text(labels.iloc[0])} to {_period_text(labels.iloc[-1])}"
        )
    return frame.loc[keep]


def _period_text(label: Any) -> str:
    """A period's label for titles: a date without its time, a period or a number as is."""
    if isinstance(label, pd.Timestamp):
        return f"{label:%Y-%m-%d}"
    return str(label)


def anniversary(
    result: Any,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs: Any,
) -> Axes:
    """Observed and expected events in the anniversary window, year by year.

    Two bars per tested year: the events observed in that year's window
    (blue) and what the model fitted without the windows expected there
    (vermillion, hatched), with the year's ratio above. The title gives the
    pooled rate ratio, its interval and p-value, and the test used.

    Parameters
    ----------
    result : AnniversaryResult
        From :func:`eventdata.analysis.anniversary.anniversary_test` with one anniversary
        (index several: ``tests["01-03"]``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure's).
    title : str, optional
        Axes title (default: the anniversary, window and pooled result).
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.bar` for the observed bars.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import eventdata as ed
    >>> from eventdata.analysis.anniversary import anniversary_test
    >>> from eventdata.plot import anniversary
    >>> daily = ed.datasets.simulate_counts(
    ...     "2016-01-01", "2022-12-31", seed=4, anniversaries=["01-03"], effect=2.0)
    >>> ax = anniversary(anniversary_test(daily, "01-03"))
    >>> [t.get_text() for t in ax.get_xticklabels()][:2]
    ['2016', '2017']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    by_year = _one_anniversary(result, "by_year")
    years = by_year["year"].to_numpy()
    x = np.arange(len(years))
    width = 0.4
    ax = _axes(ax, figsize=(max(6.0, 2.5 + 0.7 * len(years)), 4.2))
    bars = {"color": COUNT_COLOR, "width": width, "label": "Observed"} | kwargs
    ax.bar(x - width / 2, by_year["observed"].to_numpy(dtype=float), gid="observed", **bars)
    ax.bar(
        x + width / 2,
        by_year["expected"].to_numpy(dtype=float),
        width=width,
        color=(*EXPECTED_COLOR, 0.25),
        edgecolor=EXPECTED_COLOR,
        hatch="//",
        linewidth=1.0,
        label="Expected (model without the windows)",
        gid="expected",
    )
    top = float(np.nanmax(by_year[["observed", "expected"]].to_numpy(dtype=float), initial=1.0))
    for xi, row in zip(x, by_year.itertuples(index=False), strict=True):
        ax.annotate(
            _times(row.ratio),
            xy=(xi, max(row.observed, row.expected)),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="small",
            color="0.2",
        )
    ax.set_xticks(x, labels=[str(y) for y in years])
    ax.set_ylim(0, top * 1.15)
    ax.set_xlim(-0.6, len(years) - 0.4)
    ratio_key = Line2D(
        [], [], linestyle="none", marker="$\u00d7$", color="0.2", label="Observed / expected"
    )
    handles, _ = ax.get_legend_handles_labels()
    pad = _legend_above(ax, handles=[*handles, ratio_key])
    default = (
        f"Anniversary {result.anniversary}, {_window_days(result.window)}: events in the window\n"
        f"{_anniversary_effect(result)}"
    )
    return _finish(
        ax, title=title or default, xlabel="Year", ylabel="Events in the window", pad=pad
    )


def placebo(
    result: Any,
    *,
    ax: Axes | None = None,
    bins: int = 30,
    title: str | None = None,
    **kwargs: Any,
) -> Axes:
    """The anniversary window's rate ratio among the placebo windows' (pseudo-anniversaries).

    A histogram of observed over expected events in the same window at every
    pseudo-anniversary of the series (log scale), and a line at the real
    anniversary's ratio: how often an ordinary stretch of days rises as much.
    The placebo test ranks these ratios after allowing for each window's
    expected count (studentised), so its p-value, given in the title, can
    differ a little from a count of the bars beyond the line.

    Parameters
    ----------
    result : AnniversaryResult
        From :func:`eventdata.analysis.anniversary.anniversary_test` with one anniversary.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure's).
    bins : int
        Histogram bins.
    title : str, optional
        Axes title (default: the anniversary and the test's result).
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.hist`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import eventdata as ed
    >>> from eventdata.analysis.anniversary import anniversary_test
    >>> from eventdata.plot import placebo
    >>> daily = ed.datasets.simulate_counts(
    ...     "2016-01-01", "2022-12-31", seed=4, anniversaries=["01-03"], effect=2.0)
    >>> ax = placebo(anniversary_test(daily, "01-03"))
    >>> ax.get_legend().get_texts()[0].get_text()
    '292 pseudo-anniversaries'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    table = _one_anniversary(result, "placebo")
    ratios = table["rate_ratio"].to_numpy(dtype=float)
    empty = int((ratios == 0).sum())
    ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
    if not len(ratios):
        raise EventDataError("the result has no placebo windows with events to draw")
    shown = np.append(ratios, result.rate_ratio if result.rate_ratio > 0 else ratios.min())
    edges = np.geomspace(shown.min() / 1.05, shown.max() * 1.05, bins + 1)
    ax = _axes(ax, figsize=(8, 3.8))
    options = {"color": "0.65", "edgecolor": "white", "linewidth": 0.5} | kwargs
    label = f"{len(ratios)} pseudo-anniversaries"
    if empty:
        label += f" ({empty} without events not drawn)"
    ax.hist(ratios, bins=edges, label=label, **options)
    ax.set_xscale("log")
    ax.axvline(
        shown[-1],
        color=ANNIVERSARY_COLOR,
        linewidth=2.2,
        label=f"{result.anniversary}: {_times(result.rate_ratio)}",
        gid="anniversary-ratio",
    )
    ax.axvline(1.0, label="Ratio 1 (as expected)", **_REFERENCE_LINE)
    _format_ratio_axis(ax)
    pad = _legend_above(ax)
    default = (
        f"{_window_days(result.window).capitalize()} around {result.anniversary} against "
        f"the same window at other dates\n{_anniversary_effect(result)}"
    )
    return _finish(
        ax,
        title=title or default,
        xlabel="Observed / expected events in the window (log scale)",
        ylabel="Pseudo-anniversaries",
        pad=pad,
    )


def _one_anniversary(result: Any, table: str) -> pd.DataFrame:
    """The table of an anniversary test's result, or an error that says what to pass."""
    found = getattr(result, table, None)
    if isinstance(found, pd.DataFrame):
        return found
    if hasattr(result, "results"):
        raise EventDataError("pick one anniversary of several: plot(tests['01-03'])")
    raise EventDataError(f"expected a result of anniversary_test, not {type(result).__name__}")


def _times(ratio: float) -> str:
    """A ratio as a factor: "×1.46", "×0"; nothing when not finite."""
    if not np.isfinite(ratio):
        return ""
    return "\u00d70" if ratio == 0 else f"\u00d7{ratio:.2f}"


def _anniversary_effect(result: Any) -> str:
    """ "rate ratio 1.43 (95% CI 1.11 to 1.92), p = 0.0034 (placebo, one-sided)"."""
    sided = "two-sided" if result.alternative == "two-sided" else "one-sided"
    lo, hi = result.ci
    return (
        f"pooled rate ratio {result.rate_ratio:.2f} ({result.level:.0%} CI {lo:.2f} to {hi:.2f}), "
        f"{_pvalue_text(result.pvalue)} ({result.method}, {sided})"
    )


def event_study(
    result: Any,
    *,
    ax: Axes | None = None,
    window: tuple[int, int] | None = (0, 6),
    title: str | None = None,
    **kwargs: Any,
) -> Axes:
    """Rate ratios day by day around the anniversary, with intervals and the window shaded.

    Each relative day's observed over expected events, pooled over the years,
    is a point with its (pointwise) interval, on a log scale around a
    reference line at 1. Ratios of 0 (no events that day in any year) are
    arrows at the bottom edge. Among many days, one or two intervals missing
    1 are expected by chance: read the run of days, not a single one.

    Parameters
    ----------
    result : EventStudyResult
        From :func:`eventdata.analysis.anniversary.event_study`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure's).
    window : (int, int) or None
        The tested window to shade (days relative to the anniversary, both
        ends included); ``None``: no shading.
    title : str, optional
        Axes title (default: the anniversary, years and interval method).
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the points.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import eventdata as ed
    >>> from eventdata.analysis.event_study import event_study as study
    >>> from eventdata.plot import event_study
    >>> daily = ed.datasets.simulate_counts(
    ...     "2016-01-01", "2022-12-31", seed=4, anniversaries=["01-03"], effect=2.0)
    >>> ax = event_study(study(daily, "01-03"))
    >>> ax.get_xlabel()
    'Days from the anniversary (01-03)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    frame = getattr(result, "frame", None)
    if not isinstance(frame, pd.DataFrame) or "relative_day" not in frame.columns:
        raise EventDataError(f"expected a result of event_study, not {type(result).__name__}")
    days = frame["relative_day"].to_numpy(dtype=float)
    ratio = frame["rate_ratio"].to_numpy(dtype=float)
    ci_low = frame["ci_low"].to_numpy(dtype=float)
    ci_high = frame["ci_high"].to_numpy(dtype=float)
    shown = np.concatenate([ratio, ci_low, ci_high])
    # intervals reaching towards 0 would squash the plot: they run off the bottom edge
    shown = shown[np.isfinite(shown) & (shown > 0.02)]
    low = min(float(shown.min()) if len(shown) else 1.0, 1.0) / 1.2
    high = max(float(shown.max()) if len(shown) else 1.0, 1.0) * 1.2
    low = min(low, 0.5)  # room below 1 even when every lower limit is 0
    ax = _axes(ax, figsize=(10, 4.2))
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    if window is not None:
        first, last = window
        if first > last:
            raise ValueError(f"window must be (first, last) with first <= last, not {window!r}")
        patch = ax.axvspan(
            first - 0.5,
            last + 0.5,
            facecolor=(*ANNIVERSARY_COLOR, 0.3),
            edgecolor=(*ANNIVERSARY_COLOR, 0.7),
            linewidth=0.8,
            zorder=0,
            label=_window_label(result.anniversary, window),
        )
        patch.set_gid("anniversary-window")
    ax.axhline(1.0, label="Ratio 1 (as expected)", **_REFERENCE_LINE)
    bottom = np.where(np.isfinite(ci_low) & (ci_low > 0), ci_low, low)
    top = np.where(np.isfinite(ci_high), ci_high, high)
    ax.vlines(
        days,
        bottom,
        top,
        color=_darker(COUNT_COLOR),
        linewidth=1.4,
        zorder=2,
        label=f"{result.level:.0%} interval ({result.ci_method}, pointwise)",
    )
    positive = ratio > 0
    points = {
        "linestyle": "none",
        "marker": "o",
        "markersize": 5,
        "color": _darker(COUNT_COLOR),
        "zorder": 3,
    } | kwargs
    ax.plot(
        days[positive], ratio[positive], label="Observed / expected", gid="rate-ratio", **points
    )
    if (~positive).any():
        ax.plot(
            days[~positive],
            np.full((~positive).sum(), low),
            linestyle="none",
            marker="v",
            markersize=6,
            color=_darker(COUNT_COLOR),
            clip_on=False,
            zorder=3,
            label="No events (ratio 0)",
            gid="rate-ratio-zero",
        )
    ax.set_xlim(days.min() - 0.7, days.max() + 0.7)
    span = days.max() - days.min()
    step = 1 if span <= 20 else (2 if span <= 40 else 7)
    ax.set_xticks(np.arange(np.ceil(days.min() / step) * step, days.max() + 1, step))
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:+g}" if v else "0"))
    _format_ratio_axis(ax, "y")
    handles, _ = ax.get_legend_handles_labels()
    pad = _legend_above(ax, handles=handles, ncols=3 if len(handles) > 4 else None)
    years = result.years
    span_text = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    default = (
        f"Events around {result.anniversary}, day by day: observed / expected, "
        f"{len(years)} years pooled ({span_text})"
    )
    return _finish(
        ax,
        title=title or default,
        xlabel=f"Days from the anniversary ({result.anniversary})",
        ylabel="Rate ratio (log scale)",
        pad=pad,
    )


def _finish_periods(ax: Axes, edges: Any, unit: str, *, title: str, ylabel: str | None) -> Axes:
    """Limits, date ticks, legend row and labels of counts drawn over periods."""
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(bottom=0)
    dates = isinstance(edges, pd.DatetimeIndex)
    if dates:
        _format_date_axis(ax)
    pad = _legend_above(ax)
    xlabel = "Date" if dates else unit.capitalize()
    return _finish(ax, title=title, xlabel=xlabel, ylabel=ylabel or f"Count per {unit}", pad=pad)


def _period_edges(labels: pd.Index) -> tuple[Any, Any, str]:
    """Edges and middles of the periods a series is labelled with, and the period's name.

    Dates and pandas Periods give dates (periods of a day, week, month or
    year are named so; others "period"); numbers give numbers, one apart.
    """
    if not isinstance(labels, pd.PeriodIndex) and not pd.api.types.is_datetime64_any_dtype(labels):
        numbers = np.asarray(labels, dtype=float)
        step = float(np.median(np.diff(numbers))) if len(numbers) > 1 else 1.0
        edges = np.append(numbers - step / 2, numbers[-1] + step / 2)
        return edges, numbers, "period"
    if isinstance(labels, pd.PeriodIndex):
        starts = labels.to_timestamp(how="start")
        last = (labels[-1] + 1).to_timestamp(how="start")
    else:
        starts = pd.DatetimeIndex(labels)
    try:
        unit = _unit(starts)
    except EventDataError:  # quarters, business days: spaced regularly, but unnamed
        unit = "period"
    if not isinstance(labels, pd.PeriodIndex):
        step = starts[-1] - starts[-2] if len(starts) > 1 else pd.Timedelta(days=1)
        last = starts[-1] + _UNITS.get(unit, step)
    edges = starts.append(pd.DatetimeIndex([last]))
    middles = edges[:-1] + (edges[1:] - edges[:-1]) / 2
    return edges, middles, unit


# --------------------------------------------------------------------------- shared helpers


def _axes(ax: Axes | None, *, figsize: tuple[float, float] = (8, 4)) -> Axes:
    """The Axes given, or those of a new figure (constrained layout) of ``figsize`` inches."""
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _count_grid(ax: Axes, grid: pd.DataFrame, *, label: str, **kwargs: Any) -> Axes:
    """Draw a table of counts with :func:`seaborn.heatmap`, colour bar labelled ``label``.

    Sequential colours from zero, row labels upright, no column labels (the caller sets them).
    """
    options = {
        "cmap": SEQUENTIAL_CMAP,
        "vmin": 0,
        "xticklabels": False,
        "yticklabels": [str(row) for row in grid.index],
    } | kwargs
    options["cbar_kws"] = {"label": label} | kwargs.get("cbar_kws", {})
    if "vmax" not in kwargs and not np.nanmax(grid.to_numpy(dtype=float), initial=0.0) > 0:
        options["vmax"] = 1  # all zeros: a scale from 0, not one centred on it
    sns.heatmap(grid, ax=ax, **options)
    ax.tick_params(axis="y", rotation=0)
    return ax


def _palette(n: int) -> list[tuple[float, float, float]]:
    """``n`` colour-blind-safe colours (seaborn's "colorblind"; repeats after 10)."""
    return sns.color_palette("colorblind", n_colors=max(n, 1))


def _group_styles(n: int) -> list[tuple[tuple[float, float, float], str]]:
    """Colour and line style for ``n`` lines: colours first, dashes once they repeat."""
    base = _palette(10)
    return [(base[i % 10], _LINESTYLES[(i // 10) % len(_LINESTYLES)]) for i in range(n)]


def _category_order(values: pd.Series, column: str) -> list[Any]:
    """Categories present, in codebook order for event types, else by frequency."""
    present = set(values.unique())
    if column == "event_type":
        known = [t for t in codebook.EVENT_TYPES if t in present]
        return known + sorted(present - set(known), key=str)
    return values.value_counts(sort=True).index.tolist()


def _category_colors(order: Sequence[Any], column: str) -> dict[Any, Any]:
    """Colours of categories: ACLED event types keep one colour each, everywhere."""
    if column == "event_type":
        base = _palette(10)
        fixed = {
            t: base[i] for t, i in zip(codebook.EVENT_TYPES, _EVENT_TYPE_PALETTE_INDEX, strict=True)
        }
        spare = iter(c for i, c in enumerate(base) if i not in _EVENT_TYPE_PALETTE_INDEX)
        return {c: fixed[c] if c in fixed else next(spare, (0.5, 0.5, 0.5)) for c in order}
    return dict(zip(order, cycle(_palette(10)), strict=False))


def _darker(color: tuple[float, float, float], factor: float = 0.65) -> tuple[float, ...]:
    return tuple(channel * factor for channel in color)


def _format_date_axis(ax: Axes, axis: Literal["x", "y"] = "x") -> None:
    """Readable date ticks: matplotlib's automatic locator with the concise formatter."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    target.set_major_locator(locator)
    target.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _parse_anniversaries(anniversary: str | Sequence[str]) -> list[tuple[int, int]]:
    """(month, day) pairs from one "MM-DD" string or several."""
    texts = [anniversary] if isinstance(anniversary, str) else list(anniversary)
    parsed = []
    for text in texts:
        match = _MMDD.match(str(text))
        if not match:
            raise ValueError(f"anniversaries are written 'MM-DD' (e.g. '01-03'), not {text!r}")
        month, day = int(match[1]), int(match[2])
        try:
            pd.Timestamp(year=2000, month=month, day=day)
        except ValueError:
            raise ValueError(f"{text!r} is not a day of the year") from None
        parsed.append((month, day))
    return parsed


def _anniversary_windows(
    anniversary: str | Sequence[str],
    window: tuple[int, int],
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Every anniversary window overlapping ``[start, end)``, as ``[first day, day after last)``.

    Windows are clipped to the range; 29 February is skipped in common years.
    """
    first_offset, last_offset = window
    if first_offset > last_offset:
        raise ValueError(f"window must be (first, last) with first <= last, not {window!r}")
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    spans = []
    for month, day in _parse_anniversaries(anniversary):
        for year in range(start.year - 1, end.year + 2):
            try:
                centre = pd.Timestamp(year=year, month=month, day=day)
            except ValueError:  # 29 February in a common year
                continue
            lo = centre + pd.Timedelta(days=first_offset)
            hi = centre + pd.Timedelta(days=last_offset + 1)
            if hi > start and lo < end:
                spans.append((max(lo, start), min(hi, end)))
    return sorted(spans)


def _shade_windows(
    ax: Axes,
    spans: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
    *,
    label: str,
    axis: pd.DatetimeIndex | None = None,
) -> list[Any]:
    """Shade date spans behind the data with one legend entry (gid "anniversary-window").

    With ``axis`` (the edges of the x-axis), spans that would cover more than
    half of it are drawn as a strip along the bottom instead: shading a whole
    short axis would say nothing.
    """
    strip = False
    if axis is not None and len(spans):
        covered = sum(((hi - lo) for lo, hi in spans), pd.Timedelta(0)) / (axis[-1] - axis[0])
        strip = covered > 0.5
    patches = []
    for i, (lo, hi) in enumerate(spans):
        # the edge keeps a one-week window visible on a many-year axis
        style: dict[str, Any] = {
            "facecolor": (*ANNIVERSARY_COLOR, 0.3),
            "edgecolor": (*ANNIVERSARY_COLOR, 0.7),
            "linewidth": 0.8,
            "zorder": 0,
        }
        if strip:
            style = {"facecolor": ANNIVERSARY_COLOR, "linewidth": 0, "zorder": 3, "ymax": 0.04}
        patch = ax.axvspan(lo, hi, label=label if i == 0 else "_nolegend_", **style)
        patch.set_gid("anniversary-window")
        patches.append(patch)
    return patches


def _window_label(anniversary: str | Sequence[str], window: tuple[int, int]) -> str:
    """Legend text of anniversary windows, e.g. "Anniversary window (01-03, days 0 to +6)"."""
    days = [anniversary] if isinstance(anniversary, str) else list(anniversary)
    noun = "Anniversary window" if len(days) == 1 else "Anniversary windows"
    return f"{noun} ({', '.join(days)}, {_window_days(window)})"


def _window_days(window: tuple[int, int]) -> str:
    """Days relative to an anniversary in words: "days 0 to +6", "day -1"."""
    first, last = (f"{d:+d}" if d else "0" for d in window)
    return f"day {first}" if window[0] == window[1] else f"days {first} to {last}"


def _calendar_windows(
    anniversary: str | Sequence[str], window: tuple[int, int]
) -> list[tuple[int, int]]:
    """Anniversary windows as (first, last) columns of the 366-day calendar grid, wrapped."""
    columns = []
    for month, day in _parse_anniversaries(anniversary):
        centre = int(_leap_day_of_year(pd.DatetimeIndex([f"2000-{month:02d}-{day:02d}"]))[0])
        first, last = centre + window[0], centre + window[1]
        if last - first >= 365:
            columns.append((0, 365))
        elif first < 0:
            columns += [(0, last), (366 + first, 365)]
        elif last > 365:
            columns += [(first, 365), (0, last - 366)]
        else:
            columns.append((first, last))
    return columns


def _leap_day_of_year(dates: pd.DatetimeIndex) -> np.ndarray:
    """0-based position of each date's month and day in a leap year (1 March is 60 every year)."""
    doy = dates.day_of_year.to_numpy() - 1
    return doy + ((~dates.is_leap_year) & (dates.month > 2)).astype(int)


def _legend_above(
    ax: Axes, *, handles: Sequence[Any] | None = None, ncols: int | None = None
) -> float:
    """Legend entries between the title and the plot, in as few rows as the figure's width allows.

    At most ``ncols`` entries a row. Returns the title pad (points) that
    clears the legend: 22 for one row.
    """
    if handles is None:
        handles, _ = ax.get_legend_handles_labels()
    # an entry takes about 0.07 inch a character of its text and 0.5 inch for its key
    room = ax.figure.get_size_inches()[0] * ax.get_position().width
    widths = [0.5 + 0.07 * len(str(h.get_label())) for h in handles]
    fits = max(len(handles), 1)
    while fits > 1 and max(sum(widths[i : i + fits]) for i in range(0, len(widths), fits)) > room:
        fits -= 1
    ncols = fits if ncols is None else min(ncols, fits)
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=ncols,
        frameon=False,
        fontsize="small",
        borderaxespad=0.2,
    )
    return 22.0 + 13.0 * (int(np.ceil(len(handles) / ncols)) - 1)


def _finish(ax: Axes, *, title: str, xlabel: str, ylabel: str, pad: float | None = None) -> Axes:
    """Label the axes and title (lines wrapped to the figure's width); return the Axes."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    # about 0.11 inch per character of a title, within the axes it is centred on (plus
    # the margins beside them), so that none runs off the figure
    width = ax.figure.get_size_inches()[0]
    position = ax.get_position()
    room = min(width, width * (position.width + 2 * min(position.x0, 1 - position.x1)))
    chars = max(int(room / 0.11), 30)
    title = "\n".join(textwrap.fill(line, chars) for line in title.splitlines())
    ax.set_title(title, pad=pad)
    return ax


def _plural(column: str) -> str:
    """What several categories of a column are called: "provinces", "countries", ..."""
    known = {"admin1": "provinces", "admin2": "districts", "country": "countries"}
    return known.get(column, "others")


def _label(column: str) -> str:
    return _LABELS.get(column, column.replace("_", " ").capitalize())


def _group_title(groups: Sequence[str]) -> str:
    return " / ".join(_label(g) for g in groups)


# --------------------------------------------------------------------------- input handling


def _check_events(events: pd.DataFrame, *columns: str) -> None:
    if not isinstance(events, pd.DataFrame):
        raise EventDataError(f"expected a DataFrame of events, not {type(events).__name__}")
    _require(events, "event_date", *columns)
    if events.empty:
        raise EventDataError("there are no events to plot (the table is empty)")


def _fill_missing_category(events: pd.DataFrame, column: str) -> pd.DataFrame:
    """A copy where a missing category reads "(unknown)" (the input is left as it is)."""
    if not events[column].isna().any():
        return events
    filled = events[column].astype(object).where(events[column].notna(), "(unknown)")
    return events.assign(**{column: filled})


def _wide_counts(
    data: pd.DataFrame | pd.Series, *, by: Sequence[str], value: Value = "events"
) -> tuple[pd.DataFrame, str, str]:
    """Counts as a complete date-indexed frame, one column per group.

    Accepts a :func:`counts` table, a Series indexed by date or event records
    (counted per day). Returns the frame, the value name ("count" or
    "fatalities") and the counting unit ("day", "week", "month", "year").
    """
    if isinstance(data, pd.Series):
        if by:
            raise EventDataError("a Series of counts has no group columns to draw by")
        if not isinstance(data.index, pd.DatetimeIndex):
            raise EventDataError("a Series of counts must be indexed by date (a DatetimeIndex)")
        name = "fatalities" if data.name == "fatalities" else "count"
        table = pd.DataFrame({"date": data.index, name: data.to_numpy()})
    elif isinstance(data, pd.DataFrame):
        if "date" not in data.columns and "event_date" in data.columns:
            _check_events(data, *by)
            start, end = _coverage(data)
            table = counts(data, by=list(by) or None, value=value, start=start, end=end)
        else:
            table = data
        value_columns = [c for c in ("count", "fatalities") if c in table.columns]
        if "date" not in table.columns or not value_columns:
            raise EventDataError(
                "expected a count table with 'date' and 'count' (or 'fatalities') columns, "
                "as ed.counts() returns, or event records with 'event_date'; "
                f"got columns {list(table.columns)}"
            )
        name = value_columns[0]
        _require(table, *by)
    else:
        raise EventDataError(f"expected a count table or Series, not {type(data).__name__}")
    if table.empty:
        raise EventDataError("there is nothing to plot (the count table is empty)")
    dates = pd.to_datetime(table["date"])
    values = pd.to_numeric(table[name], errors="coerce").astype(float)
    if by:
        keys = table[list(by)].astype(str).agg(" / ".join, axis=1)
        frame = pd.DataFrame({"date": dates, "group": keys.to_numpy(), "v": values.to_numpy()})
        wide = frame.pivot_table(index="date", columns="group", values="v", aggfunc="sum")
        order = table[list(by)].astype(str).agg(" / ".join, axis=1).drop_duplicates()
        wide = wide[order.tolist()]
    else:
        wide = values.groupby(dates.to_numpy()).sum().to_frame(name)
    unit = _unit(wide.index)
    first, last = wide.index[0], wide.index[-1]
    if unit == "day":  # a daily table or series is drawn over the days its source covers
        start, end = _coverage(data)
        first = min(first, start) if start is not None else first
        last = max(last, end) if end is not None else last
    full = pd.date_range(first, last, freq=_UNITS[unit])
    return wide.reindex(full, fill_value=0.0).fillna(0.0), name, unit


def _coverage(data: pd.DataFrame | pd.Series) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First and last day the data's source covers, from its ``attrs``; ``(None, None)``: unknown.

    ``attrs["coverage"]`` (a list of ``{"country", "start", "end"}``, the
    entries of the countries in the data when it has a ``country`` column)
    comes first, then ``attrs["span"]`` (a count table's first and last day).
    Unreadable entries are ignored.
    """
    attrs = getattr(data, "attrs", {}) or {}
    entries = attrs.get("coverage")
    if isinstance(entries, Sequence) and not isinstance(entries, str) and len(entries):
        entries = [e for e in entries if isinstance(e, dict)]
        if isinstance(data, pd.DataFrame) and "country" in data.columns:
            present = set(data["country"].dropna().astype(str))
            entries = [e for e in entries if str(e.get("country")) in present] or entries
        starts = pd.to_datetime([e.get("start") for e in entries], errors="coerce").dropna()
        ends = pd.to_datetime([e.get("end") for e in entries], errors="coerce").dropna()
        if len(starts) and len(ends) and starts.min() <= ends.max():
            return starts.min().normalize(), ends.max().normalize()
    span = attrs.get("span")
    if isinstance(span, tuple | list) and len(span) == 2:
        try:
            lo, hi = (pd.Timestamp(day) for day in span)
        except (TypeError, ValueError):
            return None, None
        if lo is not pd.NaT and hi is not pd.NaT and lo <= hi:
            return lo.normalize(), hi.normalize()
    return None, None


def _unit(dates: pd.Index) -> str:
    """The counting period of regularly spaced dates (a single date counts as a day)."""
    if len(dates) < 2:
        return "day"
    step = float(np.median(np.diff(dates.to_numpy()).astype("timedelta64[D]").astype(float)))
    for unit, (low, high) in {
        "day": (1, 1),
        "week": (7, 7),
        "month": (28, 31),
        "year": (365, 366),
    }.items():
        if low <= step <= high:
            return unit
    raise EventDataError(
        f"dates {step:g} days apart are not daily, weekly, monthly or yearly counts"
    )


def _mark_partial_periods(
    ax: Axes, grid: pd.DataFrame, cols: str, first: pd.Timestamp, last: pd.Timestamp
) -> None:
    """Hatch the edge columns whose period the data covers only in part.

    A week or month cut short by the start or end of the data holds fewer
    events; unmarked, it reads as a fall in activity.
    """
    starts = pd.DatetimeIndex(grid.columns)
    ends = starts + _UNITS[cols] - pd.Timedelta(days=1)
    partial = [j for j in {0, len(starts) - 1} if starts[j] < first or ends[j] > last]
    for j in sorted(partial):
        ax.add_patch(
            Rectangle(
                (j, 0),
                1,
                len(grid),
                fill=False,
                hatch="///",
                edgecolor="0.35",
                linewidth=0,
                gid="partial-period",
            )
        )
    if partial:
        key = Patch(
            fill=False, hatch="///", edgecolor="0.35", label="Period partly outside the data"
        )
        _legend_above(ax, handles=[key])


def _label_period_columns(ax: Axes, periods: pd.Index, cols: str) -> None:
    """Readable column labels: every column when few, else the first period of each year."""
    centres = np.arange(len(periods)) + 0.5
    if cols == "weekday":
        ax.set_xticks(centres, labels=list(_WEEKDAYS))
        return
    dates = pd.DatetimeIndex(periods)
    if cols == "year":
        ax.set_xticks(centres, labels=[str(d.year) for d in dates])
        return
    if len(dates) <= 48 and cols == "month":  # "Jan\n2022", "Feb", ...: the year once
        # every k-th month, so that the labels fit the axes' width (about 0.35 in each)
        figure_width = ax.figure.get_size_inches()[0] * ax.get_position().width
        step = next((k for k in (1, 2, 3, 6) if len(dates) / k * 0.35 <= figure_width), 12)
        shown = np.flatnonzero((dates.month - 1) % step == 0)
        new_year = ~pd.Series(dates.year[shown]).duplicated().to_numpy()
        labels = [
            dates[i].strftime("%b\n%Y" if y else "%b") for i, y in zip(shown, new_year, strict=True)
        ]
        ax.set_xticks(centres[shown], labels=labels, rotation=0)
        return
    if len(dates) <= 24:
        ax.set_xticks(centres, labels=[d.strftime("%d %b %Y") for d in dates], rotation=90)
        return
    first = ~pd.Series(dates.year).duplicated().to_numpy()
    ax.set_xticks(np.flatnonzero(first), labels=[str(y) for y in dates.year[first]], ha="left")
    ax.tick_params(axis="x", rotation=0)


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
    ax = _axes(ax, figsize=(6, 6))
    if events is not None:
        _check_events(events, "latitude", "longitude")
        ax.scatter(events["longitude"], events["latitude"], s=6, color="0.6", label="Events")
    table = result.table if max_clusters is None else result.table.head(max_clusters)
    colors = _palette(max(1, len(table)))
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
    return _finish(ax, title="Space-time clusters", xlabel="Longitude", ylabel="Latitude")


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
    _check_events(events, "latitude", "longitude")
    gid = pd.Series(priogrid_gid(events["latitude"], events["longitude"])).dropna()
    if gid.empty:
        raise EventDataError("no event has coordinates to map")
    index = gid.to_numpy("int64") - 1
    row, col = index // 720, index % 720
    rows = np.arange(row.min(), row.max() + 2)
    cols = np.arange(col.min(), col.max() + 2)
    grid = np.zeros((len(rows) - 1, len(cols) - 1))
    np.add.at(grid, (row - row.min(), col - col.min()), 1)
    ax = _axes(ax, figsize=(6, 5))
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
    return _finish(ax, title="Events per PRIO-GRID cell", xlabel="Longitude", ylabel="Latitude")


def knox_null(result: Any, *, ax: Axes | None = None) -> Axes:
    """The Knox test's permutation distribution, with the observed count marked.

    Examples
    --------
    >>> import eventdata as ed
    >>> seed = ed.datasets.load_seed_incidents()
    >>> ax = knox_null(ed.knox_test(seed, distance_km=25, days=2, permutations=19, seed=0))
    >>> ax.get_xlabel()
    'Pairs close in space and time'
    """
    ax = _axes(ax)
    null = np.asarray(result.null_statistics)
    if len(null):
        bins = np.arange(null.min(), max(null.max(), result.statistic) + 2) - 0.5
        ax.hist(null, bins=bins, color="0.7", label=f"{len(null)} permutations")
    ax.axvline(result.statistic, color=_palette(1)[0], label=f"Observed ({result.statistic})")
    ax.axvline(
        result.expected, color="0.3", linestyle=":", label=f"Expected ({result.expected:.1f})"
    )
    ax.legend(fontsize="small")
    title = (
        f"Knox test: {result.distance_km:g} km, {result.days:g} days, {_pvalue_text(result.pvalue)}"
    )
    return _finish(ax, title=title, xlabel="Pairs close in space and time", ylabel="Permutations")


def unit_forest(result: Any, *, ax: Axes | None = None, alpha: float = 0.05) -> Axes:
    """Forest plot of an anniversary test per unit: rate ratios and intervals, pooled last.

    Parameters
    ----------
    result : eventdata.UnitAnniversaryTests
        From :func:`eventdata.anniversary_by_unit`.
    ax : matplotlib.axes.Axes, optional
    alpha : float
        Units whose adjusted p-value is below it are drawn in colour, the others grey.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.simulate("2016-01-01", "2022-12-31", seed=2)
    >>> result = ed.anniversary_by_unit(events, "01-03", by="country", method="negbin")
    >>> ax = unit_forest(result)
    >>> [t.get_text() for t in ax.get_yticklabels()][-1]
    'All (pooled)'
    """
    table = result.table.sort_values("rate_ratio", kind="stable")
    ax = _axes(ax, figsize=(6, max(2.5, 0.35 * (len(table) + 2))))
    color = _palette(1)[0]
    labels = []
    for y, row in enumerate(table.itertuples(index=False)):
        hit = row.pvalue_adjusted < alpha
        tone = color if hit else "0.55"
        ax.plot([row.ci_low, row.ci_high], [y, y], color=tone)
        ax.plot(row.rate_ratio, y, "o", color=tone)
        labels.append(str(row.unit))
    pooled = result.pooled
    y = len(table)
    ax.plot(list(pooled.ci), [y, y], color="k")
    ax.plot(pooled.rate_ratio, y, "D", color="k")
    labels.append("All (pooled)")
    ax.set_yticks(range(len(labels)), labels=labels)
    ax.axvline(1.0, color="0.3", linestyle=":")
    ax.set_xscale("log")
    _format_ratio_axis(ax, "x")
    title = f"Anniversary {result.anniversary} by {result.by}"
    return _finish(ax, title=title, xlabel="Rate ratio (log scale)", ylabel="")
