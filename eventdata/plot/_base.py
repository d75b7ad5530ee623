"""What every plot shares: colours, labels, the Axes, the legend row, titles and tick formats.

A private module of :mod:`eventdata.plot`: its names are public within the
package (the plot modules import them) and undocumented outside it.

Colours are colour-blind safe throughout: categories use seaborn's
``"colorblind"`` palette (written out here, so that importing the package
loads neither seaborn nor matplotlib), each ACLED event type keeps the same
colour in every plot, counts on a grid use a sequential colormap whose
lightness rises with the count, and anniversary windows are one fixed colour.

matplotlib and seaborn are imported inside the functions that draw.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from itertools import cycle
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from eventdata.core import codebook

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Value = Literal["events", "fatalities"]
Color = tuple[float, float, float]


def _rgb(hex_colour: str) -> Color:
    """An RGB triple of floats from "#rrggbb", as matplotlib reads it."""
    return tuple(int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


#: seaborn's "colorblind" palette, the ten colours every plot draws with.
COLORBLIND: tuple[Color, ...] = tuple(
    _rgb(c)
    for c in (
        "#0173B2",
        "#DE8F05",
        "#029E73",
        "#D55E00",
        "#CC78BC",
        "#CA9161",
        "#FBAFE4",
        "#949494",
        "#ECE133",
        "#56B4E9",
    )
)
#: Sequential colormap for counts on a grid: light for few, dark for many,
#: perceptually uniform and readable without colour vision (and in greyscale).
SEQUENTIAL_CMAP = "mako_r"
#: Colour of shaded or outlined anniversary windows (the palette's orange).
ANNIVERSARY_COLOR = COLORBLIND[1]
#: Colour of a single count series (the palette's blue).
COUNT_COLOR = COLORBLIND[0]
#: Background of grid cells without data (outside the date range).
NO_DATA_COLOR = "0.82"
#: Colour of what a model predicts had nothing happened (counterfactuals, expectations).
EXPECTED_COLOR = COLORBLIND[3]
#: Colour of alert markers and thresholds.
ALERT_COLOR = COLORBLIND[3]
#: Style of the reference line at a ratio of 1.
REFERENCE_LINE = {"color": "0.25", "linewidth": 1.0, "linestyle": "--", "zorder": 1}
# Event type -> index in the colorblind palette: the hues easiest to tell apart
# go to the common types, grey to the non-violent strategic developments.
_EVENT_TYPE_PALETTE_INDEX = (0, 1, 4, 2, 3, 7)
_LINESTYLES = ("-", "--", ":", "-.")
# Tick values of ratio axes: (widest range high / low they serve, ticks).
_RATIO_TICKS = (
    (1.4, (0.8, 0.85, 0.9, 0.95, 1, 1.05, 1.1, 1.15, 1.2, 1.25)),
    (3.5, (0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.4, 1.6, 1.8, 2)),
    (120, (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 7, 10, 20)),
    (3e4, (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)),
    (np.inf, tuple(10.0 ** np.arange(-12, 13))),
)
#: Human names of the columns plots are labelled with.
LABELS = {
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


def axes_for(ax: Axes | None, *, figsize: tuple[float, float] = (8, 4)) -> Axes:
    """The Axes given, or those of a new figure (constrained layout) of ``figsize`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def finish(ax: Axes, *, title: str, xlabel: str, ylabel: str, pad: float | None = None) -> Axes:
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


def legend_above(
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


def count_grid(ax: Axes, grid: pd.DataFrame, *, label: str, **kwargs: Any) -> Axes:
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
    import seaborn as sns

    sns.heatmap(grid, ax=ax, **options)
    ax.tick_params(axis="y", rotation=0)
    return ax


def palette(n: int) -> list[Color]:
    """``n`` colour-blind-safe colours (seaborn's "colorblind"; repeats after 10)."""
    return [COLORBLIND[i % len(COLORBLIND)] for i in range(max(n, 1))]


def group_styles(n: int) -> list[tuple[tuple[float, float, float], str]]:
    """Colour and line style for ``n`` lines: colours first, dashes once they repeat."""
    base = palette(10)
    return [(base[i % 10], _LINESTYLES[(i // 10) % len(_LINESTYLES)]) for i in range(n)]


def category_order(values: pd.Series, column: str) -> list[Any]:
    """Categories present, in codebook order for event types, else by frequency."""
    present = set(values.unique())
    if column == "event_type":
        known = [t for t in codebook.EVENT_TYPES if t in present]
        return known + sorted(present - set(known), key=str)
    return values.value_counts(sort=True).index.tolist()


def category_colors(order: Sequence[Any], column: str) -> dict[Any, Any]:
    """Colours of categories: ACLED event types keep one colour each, everywhere."""
    if column == "event_type":
        base = palette(10)
        fixed = {
            t: base[i] for t, i in zip(codebook.EVENT_TYPES, _EVENT_TYPE_PALETTE_INDEX, strict=True)
        }
        spare = iter(c for i, c in enumerate(base) if i not in _EVENT_TYPE_PALETTE_INDEX)
        return {c: fixed[c] if c in fixed else next(spare, (0.5, 0.5, 0.5)) for c in order}
    return dict(zip(order, cycle(palette(10)), strict=False))


def darker(color: tuple[float, float, float], factor: float = 0.65) -> tuple[float, ...]:
    """The colour darkened (each channel times ``factor``): lines over bars of that colour."""
    return tuple(channel * factor for channel in color)


def format_date_axis(ax: Axes, axis: Literal["x", "y"] = "x") -> None:
    """Readable date ticks: matplotlib's automatic locator with the concise formatter."""
    import matplotlib.dates as mdates

    target = ax.xaxis if axis == "x" else ax.yaxis
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    target.set_major_locator(locator)
    target.set_major_formatter(mdates.ConciseDateFormatter(locator))


def format_ratio_axis(ax: Axes, axis: Literal["x", "y"] = "x") -> None:
    """Ratios on a log axis with plain labels (0.5, 1, 2), finer for narrower ranges.

    Call it once the axis limits are set.
    """
    import matplotlib.ticker as mticker

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


def plural(column: str) -> str:
    """What several categories of a column are called: "provinces", "countries", ..."""
    known = {"admin1": "provinces", "admin2": "districts", "country": "countries"}
    return known.get(column, "others")


def column_label(column: str) -> str:
    """A column's name as axes and legends print it: "admin1" -> "Province (admin1)"."""
    return LABELS.get(column, column.replace("_", " ").capitalize())


def group_title(groups: Sequence[str]) -> str:
    """The legend title of lines grouped by ``groups``: "Country / Event type"."""
    return " / ".join(column_label(g) for g in groups)


def pvalue_text(pvalue: float) -> str:
    """``p = 0.03``, or ``p < 0.001`` (more digits than that claim more than the model can)."""
    return "p < 0.001" if pvalue < 0.001 else f"p = {pvalue:.2g}"


def day_text(day: pd.Timestamp) -> str:
    """A day for titles: "3 Jan 2022"."""
    return f"{day.day} {day:%b %Y}"
