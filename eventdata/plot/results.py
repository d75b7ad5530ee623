"""Pictures of analysis results: provinces' ratios, interrupted time series, alerts, Knox tests.

Each function reads a result through its attributes (``table``, ``frame``,
``observed``, ...), never by importing the analysis layer, which sits above
this one: a result's ``plot()`` calls these. matplotlib loads when a plot is drawn.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.core.periods import format_label
from eventdata.plot._base import (
    ALERT_COLOR,
    COLORBLIND,
    COUNT_COLOR,
    EXPECTED_COLOR,
    REFERENCE_LINE,
    axes_for,
    column_label,
    darker,
    day_text,
    finish,
    format_date_axis,
    format_ratio_axis,
    legend_above,
    palette,
    pvalue_text,
)
from eventdata.plot._data import period_edges, result_table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Flags of province results -> (colour, marker): vermillion up for more, blue down for
# fewer, grey for neither; markers differ too, so the plot reads without colour.
_FLAG_STYLES = {
    "higher": (COLORBLIND[3], "^"),
    "increase": (COLORBLIND[3], "^"),
    "lower": (COLORBLIND[0], "v"),
    "decrease": (COLORBLIND[0], "v"),
    "as expected": ((0.35, 0.35, 0.35), "o"),
    "no change": ((0.35, 0.35, 0.35), "o"),
    "not tested": ((0.65, 0.65, 0.65), "o"),
}


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
    from matplotlib.lines import Line2D

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
        drawn = pd.concat([high, low])
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
    # the scale of the rows drawn: a province left out must not squeeze them to one side
    drawn = drawn if hidden else table
    positive = pd.concat([drawn["ratio"], drawn["ci_low"], drawn["ci_high"]])
    positive = positive[np.isfinite(positive) & (positive > 0)]
    low = min(float(positive.min()) if len(positive) else 1.0, 1.0) / 1.25
    high = max(float(positive.max()) if len(positive) else 1.0, 1.0) * 1.25
    longest = max(
        (len(view["row_label"](r._asdict())) for kind, r in rows if kind == "province"), default=0
    ) + (int(table[result.within].astype(str).str.len().max()) + 2 if hidden and grouped else 0)
    width = min(14.0, max(8.0, 5.0 + 0.09 * longest))  # long labels leave the plot its room
    ax = axes_for(ax, figsize=(width, max(3.4, 1.9 + 0.24 * len(rows))))
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ax.axvline(1.0, label=view["reference"], **REFERENCE_LINE)
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
    format_ratio_axis(ax)
    interval = Line2D([], [], color="0.35", linewidth=1.6, label=f"{result.level:.0%} interval")
    handles, _ = ax.get_legend_handles_labels()
    handles = [*handles, interval]
    pad = legend_above(ax, handles=handles, ncols=3 if len(handles) > 4 else None)
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
    return finish(
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
    # the false discovery rate is ``fdr`` (``alpha`` before issue 16 named it), the ratio
    # ``rate_ratio`` (``ratio`` in the frequency test's table before)
    rate = getattr(result, "fdr", None)
    fdr = f"flagged at FDR {result.alpha if rate is None else rate:g}"
    by = column_label(result.by)
    if "rate_ratio" in table.columns:
        table = table.drop(columns="ratio", errors="ignore").rename(columns={"rate_ratio": "ratio"})
    if "count_before" in table.columns:  # PeriodComparison
        frame = table
        after, before = (
            f"{day_text(lo)} to {day_text(hi)}" for lo, hi in (result.after, result.before)
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
        "table": table,
        "flagged": ("higher", "lower"),
        "reference": "Ratio 1 (country's geometric mean)",
        "xlabel": "Rate relative to the country's provinces (log scale)",
        "ylabel": f"{by}\n({result.value} in brackets)",
        "title": f"Negative-binomial model of {result.value} per province and period\n{fdr}",
        "row_label": lambda r: f"{r[result.by]} ({r['count']:g})",
    }


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
    edges, middles, unit = period_edges(result.observed.index)
    ax = axes_for(ax, figsize=(10, 4))
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
    line = {"color": darker(COUNT_COLOR), "linewidth": 1.8} | kwargs
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
        f"{hi:.2f}), {pvalue_text(result.step_pvalue)}"
    )
    if result.slope_rate_ratio is not None and result.slope_pvalue is not None:
        effect += (
            f"; slope change x{result.slope_rate_ratio:.3f} per {unit}, "
            f"{pvalue_text(result.slope_pvalue)}"
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
    frame = _zoom(result_table(result, "upper_bound", "ed.escalation_alerts"), start, end)
    labels = pd.Index(frame.iloc[:, 0])
    edges, middles, unit = period_edges(labels)
    values = frame["count"].to_numpy(dtype=float)
    ax = axes_for(ax, figsize=(10, 4))
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


def _finish_periods(ax: Axes, edges: Any, unit: str, *, title: str, ylabel: str | None) -> Axes:
    """Limits, date ticks, legend row and labels of counts drawn over periods."""
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(bottom=0)
    dates = isinstance(edges, pd.DatetimeIndex)
    if dates:
        format_date_axis(ax)
    pad = legend_above(ax)
    xlabel = "Date" if dates else unit.capitalize()
    return finish(ax, title=title, xlabel=xlabel, ylabel=ylabel or f"Count per {unit}", pad=pad)


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
    ax = axes_for(ax)
    null = np.asarray(result.null_statistics)
    if len(null):
        bins = np.arange(null.min(), max(null.max(), result.statistic) + 2) - 0.5
        ax.hist(null, bins=bins, color="0.7", label=f"{len(null)} permutations")
    ax.axvline(result.statistic, color=palette(1)[0], label=f"Observed ({result.statistic})")
    ax.axvline(
        result.expected, color="0.3", linestyle=":", label=f"Expected ({result.expected:.1f})"
    )
    ax.legend(fontsize="small")
    title = (
        f"Knox test: {result.distance_km:g} km, {result.days:g} days, {pvalue_text(result.pvalue)}"
    )
    return finish(ax, title=title, xlabel="Pairs close in space and time", ylabel="Permutations")
