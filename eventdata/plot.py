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

import re
from collections.abc import Sequence
from itertools import cycle
from typing import TYPE_CHECKING, Any, Literal

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import Patch, Rectangle

from eventdata import codebook
from eventdata.errors import EventDataError
from eventdata.series import _require, counts

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["calendar", "heatmap", "map", "timeline"]

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
    anniversary : "MM-DD" or sequence of "MM-DD", optional
        Anniversaries whose windows are shaded in every year of the range.
    window : (int, int)
        Days relative to the anniversary, both ends included: ``(0, 6)`` shades
        the day and the six after it.
    by : str or sequence of str, optional
        Group column(s) of the table: one line per group (the rolling mean, or
        the counts when ``rolling`` is ``None``), coloured by group, instead of
        the bars.
    title : str, optional
        Axes title (default: says what is counted).
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the line(s).

    Returns
    -------
    matplotlib.axes.Axes

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
    offset = _UNITS[unit]
    edges = wide.index.append(pd.DatetimeIndex([wide.index[-1] + offset]))
    middles = wide.index + (edges[1:] - edges[:-1]) / 2
    smooth = rolling is not None and rolling > 1
    average = wide.rolling(rolling, center=True, min_periods=rolling).mean() if smooth else wide
    what = _LABELS[name]
    ax = _axes(ax, figsize=(10, 4))
    if groups:
        styles = _group_styles(len(wide.columns))
        for column, (color, linestyle) in zip(wide.columns, styles, strict=True):
            line = {"color": color, "linestyle": linestyle, "linewidth": 1.5} | kwargs
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
        _shade_windows(ax, spans, label=_window_label(anniversary, window))
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(bottom=0)
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


def heatmap(
    events: pd.DataFrame,
    *,
    rows: str = "admin1",
    cols: Literal["month", "year", "week", "weekday"] = "month",
    value: Value = "events",
    ax: Axes | None = None,
    title: str | None = None,
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
    **kwargs
        Passed to :func:`seaborn.heatmap` (e.g. ``annot=True``, ``cmap=``).

    Returns
    -------
    matplotlib.axes.Axes

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
    table = counts(events, freq=freq, by=rows, value=value)
    name = table.columns[-1]
    if cols == "weekday":
        table = table.assign(date=table["date"].dt.day_of_week)
    grid = table.pivot_table(
        index=rows, columns="date", values=name, aggfunc="sum", observed=True, fill_value=0
    )
    if cols == "weekday":
        grid = grid.reindex(columns=range(7), fill_value=0)
    grid = grid.loc[grid.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    what = _LABELS[name]
    label = f"{what} (all weeks)" if cols == "weekday" else f"{what} per {cols}"
    width = max(6.0, min(14.0, 3 + 0.12 * grid.shape[1]))
    ax = _axes(ax, figsize=(width, max(3.0, 1.6 + 0.25 * len(grid))))
    cells = {"linewidths": 0.3 if grid.shape[1] <= 60 else 0, "linecolor": "white"}
    _count_grid(ax, grid, label=label, **(cells | kwargs))
    if "xticklabels" not in kwargs:
        _label_period_columns(ax, grid.columns, cols)
    if cols != "weekday":
        dates = pd.to_datetime(events["event_date"])
        _mark_partial_periods(ax, grid, cols, dates.min(), dates.max())
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
    handles = [Patch(facecolor=NO_DATA_COLOR, edgecolor="0.5", linewidth=0.5, label="No data")]
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
    **kwargs: Any,
) -> Axes:
    """Events at their coordinates, sized by fatalities and coloured by event type.

    A plain longitude/latitude scatter (no basemap, no GIS dependency), with
    the aspect ratio of the mean latitude so that distances look right. Larger
    markers are drawn first so small ones stay visible on top.

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
    ax = _axes(ax, figsize=(9, 6.5))
    sns.scatterplot(data=frame, x="longitude", y="latitude", ax=ax, **(options | kwargs))
    latitude = float(np.clip(frame["latitude"].mean(), -80, 80))
    ax.set_aspect(1 / np.cos(np.radians(latitude)), adjustable="datalim")
    if ax.get_legend() is not None:
        sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize="small")
        for handle in ax.get_legend().legend_handles:  # keys in full colour
            if handle is not None:
                handle.set_alpha(1.0)
    return _finish(ax, title=title or "Event locations", xlabel="Longitude", ylabel="Latitude")


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
    ax: Axes, spans: Sequence[tuple[pd.Timestamp, pd.Timestamp]], *, label: str
) -> list[Any]:
    """Shade date spans behind the data with one legend entry (gid "anniversary-window")."""
    patches = []
    for i, (lo, hi) in enumerate(spans):
        # the edge keeps a one-week window visible on a many-year axis
        patch = ax.axvspan(
            lo,
            hi,
            facecolor=(*ANNIVERSARY_COLOR, 0.3),
            edgecolor=(*ANNIVERSARY_COLOR, 0.7),
            linewidth=0.8,
            zorder=0,
            label=label if i == 0 else "_nolegend_",
        )
        patch.set_gid("anniversary-window")
        patches.append(patch)
    return patches


def _window_label(anniversary: str | Sequence[str], window: tuple[int, int]) -> str:
    """Legend text of anniversary windows, e.g. "Anniversary window (01-03, days 0 to +6)"."""
    days = [anniversary] if isinstance(anniversary, str) else list(anniversary)
    first, last = (f"{d:+d}" if d else "0" for d in window)
    span = f"day {first}" if window[0] == window[1] else f"days {first} to {last}"
    noun = "Anniversary window" if len(days) == 1 else "Anniversary windows"
    return f"{noun} ({', '.join(days)}, {span})"


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


def _legend_above(ax: Axes, *, handles: Sequence[Any] | None = None) -> None:
    """One row of legend entries between the title and the plot (give the title pad=22)."""
    if handles is None:
        handles, _ = ax.get_legend_handles_labels()
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=max(len(handles), 1),
        frameon=False,
        fontsize="small",
        borderaxespad=0.2,
    )


def _finish(ax: Axes, *, title: str, xlabel: str, ylabel: str, pad: float | None = None) -> Axes:
    """Label the axes and title; return the Axes."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, pad=pad)
    return ax


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
            table = counts(data, by=list(by) or None, value=value)
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
    full = pd.date_range(wide.index[0], wide.index[-1], freq=_UNITS[unit])
    return wide.reindex(full, fill_value=0.0).fillna(0.0), name, unit


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
    if len(dates) <= 24 and cols == "month":  # "Jan\n2022", "Feb", ...: the year once
        new_year = ~pd.Series(dates.year).duplicated().to_numpy()
        labels = [d.strftime("%b\n%Y" if y else "%b") for d, y in zip(dates, new_year, strict=True)]
        ax.set_xticks(centres, labels=labels, rotation=0)
        return
    if len(dates) <= 24:
        ax.set_xticks(centres, labels=[d.strftime("%d %b %Y") for d in dates], rotation=90)
        return
    first = ~pd.Series(dates.year).duplicated().to_numpy()
    ax.set_xticks(np.flatnonzero(first), labels=[str(y) for y in dates.year[first]], ha="left")
    ax.tick_params(axis="x", rotation=0)
