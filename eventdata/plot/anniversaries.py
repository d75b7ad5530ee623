"""Pictures of anniversary tests: year by year, against placebo windows, day by day, by unit.

Each function reads a result through its attributes (``by_year``,
``placebo``, ``frame``, ``table``, ...), never by importing the analysis
layer, which sits above this one. matplotlib loads when a plot is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.plot._base import (
    ANNIVERSARY_COLOR,
    COUNT_COLOR,
    EXPECTED_COLOR,
    REFERENCE_LINE,
    axes_for,
    darker,
    finish,
    format_ratio_axis,
    legend_above,
    palette,
    pvalue_text,
)
from eventdata.plot._data import result_table
from eventdata.plot._windows import window_days, window_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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
        From :func:`eventdata.anniversary_test` with one anniversary
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
    >>> from eventdata.plot import anniversary
    >>> daily = ed.datasets.simulate_counts(
    ...     "2016-01-01", "2022-12-31", seed=4, anniversaries=["01-03"], effect=2.0)
    >>> ax = anniversary(ed.anniversary_test(daily, "01-03"))
    >>> [t.get_text() for t in ax.get_xticklabels()][:2]
    ['2016', '2017']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from matplotlib.lines import Line2D

    by_year = _one_anniversary(result, "by_year")
    years = by_year["year"].to_numpy()
    x = np.arange(len(years))
    width = 0.4
    ax = axes_for(ax, figsize=(max(6.0, 2.5 + 0.7 * len(years)), 4.2))
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
    pad = legend_above(ax, handles=[*handles, ratio_key])
    default = (
        f"Anniversary {result.anniversary}, {window_days(result.window)}: events in the window\n"
        f"{_anniversary_effect(result)}"
    )
    return finish(ax, title=title or default, xlabel="Year", ylabel="Events in the window", pad=pad)


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
        From :func:`eventdata.anniversary_test` with one anniversary.
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
    >>> from eventdata.plot import placebo
    >>> daily = ed.datasets.simulate_counts(
    ...     "2016-01-01", "2022-12-31", seed=4, anniversaries=["01-03"], effect=2.0)
    >>> ax = placebo(ed.anniversary_test(daily, "01-03"))
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
    ax = axes_for(ax, figsize=(8, 3.8))
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
    ax.axvline(1.0, label="Ratio 1 (as expected)", **REFERENCE_LINE)
    format_ratio_axis(ax)
    pad = legend_above(ax)
    default = (
        f"{window_days(result.window).capitalize()} around {result.anniversary} against "
        f"the same window at other dates\n{_anniversary_effect(result)}"
    )
    return finish(
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
        f"{pvalue_text(result.pvalue)} ({result.method}, {sided})"
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
        From :func:`eventdata.event_study`.
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
    >>> from eventdata.plot import event_study
    >>> daily = ed.datasets.simulate_counts(
    ...     "2016-01-01", "2022-12-31", seed=4, anniversaries=["01-03"], effect=2.0)
    >>> ax = event_study(ed.event_study(daily, "01-03"))
    >>> ax.get_xlabel()
    'Days from the anniversary (01-03)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.ticker as mticker

    frame = result_table(result, "relative_day", "event_study")
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
    ax = axes_for(ax, figsize=(10, 4.2))
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
            label=window_label(result.anniversary, window),
        )
        patch.set_gid("anniversary-window")
    ax.axhline(1.0, label="Ratio 1 (as expected)", **REFERENCE_LINE)
    bottom = np.where(np.isfinite(ci_low) & (ci_low > 0), ci_low, low)
    top = np.where(np.isfinite(ci_high), ci_high, high)
    ax.vlines(
        days,
        bottom,
        top,
        color=darker(COUNT_COLOR),
        linewidth=1.4,
        zorder=2,
        label=f"{result.level:.0%} interval ({result.ci_method}, pointwise)",
    )
    positive = ratio > 0
    points = {
        "linestyle": "none",
        "marker": "o",
        "markersize": 5,
        "color": darker(COUNT_COLOR),
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
            color=darker(COUNT_COLOR),
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
    format_ratio_axis(ax, "y")
    handles, _ = ax.get_legend_handles_labels()
    pad = legend_above(ax, handles=handles, ncols=3 if len(handles) > 4 else None)
    years = result.years
    span_text = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    default = (
        f"Events around {result.anniversary}, day by day: observed / expected, "
        f"{len(years)} years pooled ({span_text})"
    )
    return finish(
        ax,
        title=title or default,
        xlabel=f"Days from the anniversary ({result.anniversary})",
        ylabel="Rate ratio (log scale)",
        pad=pad,
    )


def rate_ratios(
    table: pd.DataFrame,
    *,
    label: str,
    ax: Axes | None = None,
    alpha: float = 0.05,
    pooled: tuple[float, tuple[float, float]] | None = None,
    title: str | None = None,
) -> Axes:
    """Forest plot of rate ratios and their intervals, one row per test, sorted by ratio.

    The view of every result that holds several rate ratios: anniversaries tested together,
    units, a rate ratio test.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per test with ``label``, ``rate_ratio``, ``ci_low``, ``ci_high`` and
        optionally ``pvalue_adjusted`` (else ``pvalue``), which colours the rows.
    label : str
        The column naming each row (``"anniversary"``, ``"unit"``).
    ax : matplotlib.axes.Axes, optional
    alpha : float
        Rows whose (adjusted) p-value is below it are drawn in colour, the others grey.
    pooled : (float, (float, float)), optional
        A pooled rate ratio and its interval, drawn last in black.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    EventDataError
        If ``table`` lacks a column named above.

    Examples
    --------
    >>> table = pd.DataFrame(
    ...     {"anniversary": ["01-03", "07-04"], "rate_ratio": [1.6, 0.9],
    ...      "ci_low": [1.2, 0.7], "ci_high": [2.1, 1.2], "pvalue": [0.001, 0.4]}
    ... )
    >>> ax = rate_ratios(table, label="anniversary")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['07-04', '01-03']
    """
    missing = [c for c in (label, "rate_ratio", "ci_low", "ci_high") if c not in table.columns]
    if missing:
        raise EventDataError(f"a table of rate ratios needs the column(s) {', '.join(missing)}")
    table = table.sort_values("rate_ratio", kind="stable")
    significance = next((c for c in ("pvalue_adjusted", "pvalue") if c in table.columns), None)
    ax = axes_for(ax, figsize=(6, max(2.5, 0.35 * (len(table) + 2))))
    color = palette(1)[0]
    rows = [
        (str(getattr(row, label)), row.rate_ratio, (row.ci_low, row.ci_high), row)
        for row in table.itertuples(index=False)
    ]
    if pooled is not None:
        rows.append(("All (pooled)", pooled[0], tuple(pooled[1]), None))
    # an interval reaching 0 or infinity (a test with few events) is cut 20 times beyond the
    # ratios and marked with an arrowhead, so that the axis stays readable
    ratios = [r for _, r, _, _ in rows if np.isfinite(r) and r > 0] or [1.0]
    floor, ceiling = min(*ratios, 1.0) / 20, max(*ratios, 1.0) * 20
    for y, (_name, ratio, (low, high), row) in enumerate(rows):
        if row is None:
            tone, marker = "k", "D"
        else:
            p = getattr(row, significance) if significance else 0.0
            tone, marker = (color if p < alpha else "0.55"), "o"
        shown = (max(low, floor), min(high, ceiling))
        ax.plot(shown, [y, y], color=tone)
        ax.plot(ratio, y, marker, color=tone)
        for end, cut, head in ((low, floor, "<"), (high, ceiling, ">")):
            if not (floor <= end <= ceiling):
                ax.plot(cut, y, head, color=tone, markersize=5)
    ax.set_yticks(range(len(rows)), labels=[name for name, *_ in rows])
    ax.axvline(1.0, color="0.3", linestyle=":")
    ax.set_xscale("log")
    format_ratio_axis(ax, "x")
    return finish(ax, title=title or "Rate ratios", xlabel="Rate ratio (log scale)", ylabel="")


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
    pooled = result.pooled
    return rate_ratios(
        result.table,
        label="unit",
        ax=ax,
        alpha=alpha,
        pooled=(pooled.rate_ratio, tuple(pooled.ci)),
        title=f"Anniversary {result.anniversary} by {result.by}",
    )
