"""Pictures of events and event counts over time: timelines, heatmaps and calendars.

Every function here is axes-level, in the manner of seaborn's: it draws on the
``ax`` it is given (or on a new figure's Axes), labels its axes, title and
legend, and returns the Axes, so plots compose into a user's own figures and
never call ``plt.show()``. matplotlib and seaborn load when a plot is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.events.counts import counts
from eventdata.plot._base import (
    ANNIVERSARY_COLOR,
    COUNT_COLOR,
    LABELS,
    NO_DATA_COLOR,
    Value,
    axes_for,
    column_label,
    count_grid,
    darker,
    finish,
    format_date_axis,
    group_styles,
    group_title,
    legend_above,
    plural,
)
from eventdata.plot._data import PERIOD_LENGTHS, check_events, data_coverage, wide_counts
from eventdata.plot._windows import (
    anniversary_windows,
    calendar_windows,
    leap_day_of_year,
    shade_windows,
    window_label,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
    wide, name, unit = wide_counts(counts, by=groups)
    if groups:
        wide = _top_columns(
            wide, max_groups, noun=plural(groups[0]) if len(groups) == 1 else "groups"
        )
    offset = PERIOD_LENGTHS[unit]
    edges = wide.index.append(pd.DatetimeIndex([wide.index[-1] + offset]))
    middles = wide.index + (edges[1:] - edges[:-1]) / 2
    # a rolling mean needs a series several times its length, or it is all edge
    smooth = rolling is not None and rolling > 1 and len(wide) >= 3 * rolling
    average = wide.rolling(rolling, center=True, min_periods=rolling).mean() if smooth else wide
    few = len(wide) <= 31  # a few periods: each one marked, so a single day still shows
    what = LABELS[name]
    ax = axes_for(ax, figsize=(10, 4))
    if groups:
        styles = group_styles(len(wide.columns))
        others = len(wide.columns) > (max_groups or len(wide.columns))  # last: the rest summed
        for i, (column, (color, linestyle)) in enumerate(zip(wide.columns, styles, strict=True)):
            if others and i == len(wide.columns) - 1:  # a sum of many: grey, behind the rest
                color, linestyle = (0.55, 0.55, 0.55), ":"
            line = {"color": color, "linestyle": linestyle, "linewidth": 1.5} | kwargs
            if few:
                line = {"marker": "o", "markersize": 4} | line
            drawstyle = "default" if smooth else "steps-mid"
            ax.plot(middles, average[column], label=str(column), drawstyle=drawstyle, **line)
        legend_title = group_title(groups)
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
            line = {"color": darker(COUNT_COLOR), "linewidth": 1.6} | kwargs
            label = f"{rolling}-{unit} rolling mean (centred)"
            ax.plot(middles, average.iloc[:, 0], label=label, **line)
        legend_title = None
    if anniversary is not None:
        spans = anniversary_windows(anniversary, window, edges[0], edges[-1])
        shade_windows(ax, spans, label=window_label(anniversary, window), axis=edges)
    ax.set_xlim(edges[0], edges[-1])
    drawn = average if groups else wide  # lines of groups, else the bars (above their mean)
    top = float(np.nanmax(drawn.to_numpy(dtype=float), initial=0.0))
    ax.set_ylim(0, max(top, 1.0) * 1.05)
    format_date_axis(ax)
    default = f"{what} per {unit}" + (f" by {group_title(groups).lower()}" if groups else "")
    pad = None if groups else 22
    finish(ax, title=title or default, xlabel="Date", ylabel=f"{what} per {unit}", pad=pad)
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
        legend_above(ax)
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
    check_events(events, rows, *(["fatalities"] if value == "fatalities" else []))
    events = _fill_missing_category(events, rows)
    freq = {"month": "M", "year": "Y", "week": "W", "weekday": "D"}[cols]
    start, end = data_coverage(events)
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
        grid = _top_columns(grid.T, max(max_rows - 1, 1), noun=plural(rows)).T
        shown = grid.iloc[:-1].to_numpy(dtype=float)
        top = float(np.nanmax(shown, initial=0.0))
        if "vmax" not in kwargs and 0 < top < float(np.nanmax(grid.iloc[-1])):
            # the row of the others is a sum of many: it saturates, not the scale of the rest
            kwargs = kwargs | {
                "vmax": top,
                "cbar_kws": {"extend": "max"} | kwargs.get("cbar_kws", {}),
            }
    what = LABELS[name]
    label = f"{what} (all weeks)" if cols == "weekday" else f"{what} per {cols}"
    per_column = 0.3 if cols == "month" else 0.12  # room for "Jan" under each month
    width = max(6.0, min(14.0, 3 + per_column * grid.shape[1]))
    ax = axes_for(ax, figsize=(width, max(3.0, 1.6 + 0.25 * len(grid))))
    cells = {"linewidths": 0.3 if grid.shape[1] <= 60 else 0, "linecolor": "white"}
    count_grid(ax, grid, label=label, **(cells | kwargs))
    if "xticklabels" not in kwargs:
        _label_period_columns(ax, grid.columns, cols)
    if cols != "weekday":
        dates = pd.to_datetime(events["event_date"])
        first = dates.min() if start is None else start
        last = dates.max() if end is None else end
        _mark_partial_periods(ax, grid, cols, first, last)
    xlabel = {"weekday": "Day of week", "week": "Week (Monday to Sunday)"}.get(cols, cols.title())
    default = (
        f"{what} per {cols if cols != 'weekday' else 'day of week'} by {column_label(rows).lower()}"
    )
    pad = 22 if ax.get_legend() is not None else None
    return finish(ax, title=title or default, xlabel=xlabel, ylabel=column_label(rows), pad=pad)


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
    outside the data's range are grey ("No data"), 29 February of a common
    year, a day that does not exist, is left blank, and days without events
    are zeros. The colour scale stops at the 99th percentile of
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
    from matplotlib.patches import Patch, Rectangle

    wide, name, unit = wide_counts(events, by=[], value=value)
    if unit != "day":
        raise EventDataError(f"calendar needs daily counts, not counts per {unit}")
    daily = wide.iloc[:, 0]
    years = np.arange(daily.index[0].year, daily.index[-1].year + 1)
    grid = np.full((len(years), 366), np.nan)
    grid[daily.index.year - years[0], leap_day_of_year(daily.index)] = daily.to_numpy(float)
    grid = pd.DataFrame(grid, index=years, columns=range(1, 367))
    common = ~((years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0)))
    leap_day = int(leap_day_of_year(pd.DatetimeIndex(["2000-02-29"]))[0])
    no_data = grid.isna().to_numpy(copy=True)
    no_data[common, leap_day] = False  # a day that does not exist is not missing data
    what = LABELS[name]
    ax = axes_for(ax, figsize=(12, 1.6 + 0.35 * len(years)))
    ax.set_facecolor(NO_DATA_COLOR)
    colour_bar = {"pad": 0.01}
    top = float(np.ceil(np.nanpercentile(grid.to_numpy(), 99)))
    if "vmax" not in kwargs and 0 < top < np.nanmax(grid.to_numpy()):
        # a few extreme days would wash out every other: they saturate, the bar says so
        kwargs = kwargs | {"vmax": top}
        colour_bar["extend"] = "max"
    count_grid(ax, grid, label=f"{what} per day", cbar_kws=colour_bar, **kwargs)
    starts = leap_day_of_year(pd.date_range("2000-01-01", periods=12, freq="MS"))
    ax.set_xticks(starts, labels=[""] * 12)
    ax.set_xticks(starts + np.diff([*starts, 366]) / 2, labels=_MONTHS, minor=True)
    ax.tick_params(axis="x", which="minor", length=0)
    for row in np.flatnonzero(common):  # blank, not grey: no such day
        ax.add_patch(
            Rectangle(
                (leap_day, row),
                1,
                1,
                facecolor=ax.figure.get_facecolor(),
                linewidth=0,
                zorder=1.5,
                gid="no-such-day",
            )
        )
    handles = []
    if no_data.any():  # the key names only what is drawn
        handles.append(
            Patch(facecolor=NO_DATA_COLOR, edgecolor="0.5", linewidth=0.5, label="No data")
        )
    if anniversary is not None:
        label = window_label(anniversary, window)
        for first, last in calendar_windows(anniversary, window):
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
    if handles:
        legend_above(ax, handles=handles)
    for spine in ("left", "bottom"):
        ax.spines[spine].set_visible(True)
    return finish(
        ax,
        title=title or f"{what} per day, by day of the year",
        xlabel="Day of the year",
        ylabel="Year",
        pad=22 if handles else None,
    )


def _fill_missing_category(events: pd.DataFrame, column: str) -> pd.DataFrame:
    """A copy where a missing category reads "(unknown)" (the input is left as it is)."""
    if not events[column].isna().any():
        return events
    filled = events[column].astype(object).where(events[column].notna(), "(unknown)")
    return events.assign(**{column: filled})


def _mark_partial_periods(
    ax: Axes, grid: pd.DataFrame, cols: str, first: pd.Timestamp, last: pd.Timestamp
) -> None:
    """Hatch the edge columns whose period the data covers only in part.

    A week or month cut short by the start or end of the data holds fewer
    events; unmarked, it reads as a fall in activity.
    """
    from matplotlib.patches import Patch, Rectangle

    starts = pd.DatetimeIndex(grid.columns)
    ends = starts + PERIOD_LENGTHS[cols] - pd.Timedelta(days=1)
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
        legend_above(ax, handles=[key])


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
