"""Every figure on every kind of data: the simulation, the seed incidents, a real year, many units.

Each plot helper and each result's ``plot()`` is drawn on four datasets and the
drawn figure is checked for what a reader would see wrong: nothing drawn, data
outside the view, a colour scale below zero for counts, a figure too large to
view, tick labels printed over each other, legend entries for what is not
drawn, an anniversary shading that covers the whole plot. Where an analysis
cannot run on a dataset (four days of seed incidents have no anniversary
test), the test asserts that it says so with an :class:`EventDataError`.

The PNGs of a run are kept in ``tests/figures/`` (ignored by git) for review.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import warnings
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection, QuadMesh
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle, StepPatch

import eventdata as ed
from eventdata import plot as edplot
from eventdata.core.errors import EventDataError
from tests.conftest import ACLED_EXPORTS, UCDP_GED, shared_file

FIGURES = Path(__file__).resolve().parents[1] / "figures"
MAX_INCHES = 16.0  # width and height of a figure a screen shows whole


# --------------------------------------------------------------------------- datasets


def _quiet(call: Callable[[], object]) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # codebook and dispersion notes are not under test
        return call()


def _simulation() -> pd.DataFrame:
    return ed.datasets.simulate("2021-01-01", "2022-12-31", seed=7)


def _seed() -> pd.DataFrame:
    return ed.datasets.load_seed_incidents()


def _real_year() -> pd.DataFrame:
    """One year (2016) of real events in Iraq, from the UCDP GED extract."""
    path = shared_file(UCDP_GED, "iraq-1989-2018-hdx.csv")
    events = _quiet(lambda: ed.read_ucdp_ged(path))
    # filter_events clips the file's coverage to the year (a boolean mask would keep 1990-2018)
    year = ed.filter_events(events, start="2016-01-01", end="2016-12-31")
    return year.reset_index(drop=True)


def _many_provinces(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Two weeks of the world's events (107 countries, 776 provinces), through a store."""
    path = shared_file(ACLED_EXPORTS, "global-2020-04-27-to-05-09.csv")
    valid = _quiet(lambda: ed.read_acled(path, errors="quarantine")).valid
    store = ed.write_parquet(valid, tmp_path_factory.mktemp("store") / "global")
    return ed.read_parquet(store)


DATASETS = ("simulation", "seed", "real-year", "many-provinces")


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> dict[str, Callable[[], pd.DataFrame]]:
    cache: dict[str, pd.DataFrame] = {}
    makers = {
        "simulation": _simulation,
        "seed": _seed,
        "real-year": _real_year,
        "many-provinces": lambda: _many_provinces(tmp_path_factory),
    }

    def get(name: str) -> pd.DataFrame:
        if name not in cache:
            cache[name] = makers[name]()
        return cache[name]

    return get


def _halves(events: pd.DataFrame) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    first, last = events["event_date"].min(), events["event_date"].max()
    middle = first + (last - first) / 2
    return {
        "before": (first, middle.floor("D")),
        "after": (middle.floor("D") + pd.Timedelta(days=1), last),
    }


def _middle_week(weekly: pd.DataFrame) -> pd.Timestamp:
    return weekly["date"].iloc[len(weekly) // 2]


# name -> (draw(events) -> Axes, draws counts on a colour scale)
FIGURES_DRAWN: dict[str, Callable[[pd.DataFrame], object]] = {
    "timeline": lambda e: edplot.timeline(ed.counts(e), anniversary="01-03"),
    "timeline-by-country": lambda e: edplot.timeline(ed.counts(e, by="country"), by="country"),
    "heatmap-months": lambda e: edplot.heatmap(e, rows="admin1", cols="month"),
    "heatmap-weekdays-fatalities": lambda e: edplot.heatmap(
        e, rows="event_type", cols="weekday", value="fatalities"
    ),
    "calendar": lambda e: edplot.calendar(e, anniversary="01-03"),
    "map": lambda e: edplot.map(e),
    "province-frequency": lambda e: ed.province_frequency(e, n_simulations=99).plot(),
    "compare-periods": lambda e: ed.compare_periods(e, **_halves(e), n_simulations=99).plot(),
    "province-model": lambda e: ed.province_model(e, freq="M").plot(),
    "alerts": lambda e: ed.escalation_alerts(ed.counts(e)).plot(),
    "its": lambda e: (
        lambda weekly: ed.interrupted_time_series(weekly, _middle_week(weekly)).plot()
    )(ed.counts(e, freq="W")),
    "anniversary": lambda e: ed.anniversary_test(ed.counts(e), "01-03").plot(),
    "placebo": lambda e: ed.anniversary_test(ed.counts(e), "01-03").plot(kind="placebo"),
    "anniversaries": lambda e: ed.anniversary_test(ed.counts(e), ["01-03", "07-04"]).plot(),
    "by-province": lambda e: ed.anniversary_test(e, "01-03", by="admin1", min_events=1).plot(),
    "grid-map": lambda e: edplot.grid_map(e),
    "knox": lambda e: ed.knox_test(e, distance_km=25, days=7, permutations=19, seed=1).plot(),
    "cluster-map": lambda e: ed.space_time_scan(
        e, max_radius_km=50, max_days=28, days_per_unit=7, replications=19, seed=1
    ).plot(events=e),
    "event-study": lambda e: ed.event_study(ed.counts(e), "01-03", window=(-7, 7)).plot(),
}
COUNT_SCALES = {"heatmap-months", "heatmap-weekdays-fatalities", "calendar"}
# Analyses that cannot run on a dataset, and refuse with a sentence: the seed incidents span
# four days, the many-province export two weeks, and the real year has no 7 days before 3
# January 2016 for an event study.
REFUSED = {
    *(("seed", f) for f in ("alerts", "its", "anniversary", "placebo", "anniversaries")),
    ("seed", "event-study"),
    *(
        ("many-provinces", f)
        for f in ("alerts", "its", "anniversary", "placebo", "anniversaries", "event-study")
    ),
    ("real-year", "event-study"),
    ("seed", "by-province"),  # four days
    ("many-provinces", "by-province"),  # two weeks
}


# --------------------------------------------------------------------------- what is checked


def _finite_xy(line: Line2D) -> np.ndarray:
    xy = np.asarray(line.get_xydata(), dtype=float)  # dates converted as the axis converts them
    return xy[np.isfinite(xy).all(axis=1)] if len(xy) else xy


def _has_data(artist) -> bool:
    """Whether an artist draws something: finite points, a non-empty shape or cells."""
    if isinstance(artist, Line2D):
        return len(_finite_xy(artist)) > 0 and artist.get_visible()
    if isinstance(artist, StepPatch):
        return bool(np.isfinite(artist.get_data().values).any())
    if isinstance(artist, QuadMesh):
        return artist.get_array() is not None and np.asarray(artist.get_array()).size > 0
    if isinstance(artist, PathCollection):
        return len(artist.get_offsets()) > 0
    if isinstance(artist, LineCollection | PolyCollection):
        return len(artist.get_paths()) > 0
    if isinstance(artist, Rectangle):
        return artist.get_width() != 0 and artist.get_height() != 0
    if isinstance(artist, Patch):
        return len(artist.get_path().vertices) > 0
    return True


def _in_view(ax, x: np.ndarray, y: np.ndarray) -> bool:
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    tx, ty = 1e-6 * max(x1 - x0, 1), 1e-6 * max(y1 - y0, 1)
    return bool(((x >= x0 - tx) & (x <= x1 + tx)).all() and ((y >= y0 - ty) & (y <= y1 + ty)).all())


def _check_limits(ax) -> list[str]:
    """Data of the artists drawn in data coordinates lie inside the view."""
    wrong = []
    for line in ax.get_lines():
        if line.get_transform() != ax.transData or line.get_label().startswith("_"):
            continue  # reference lines across the axes, markers at the edge
        xy = _finite_xy(line)
        if len(xy) and not _in_view(ax, xy[:, 0], xy[:, 1]):
            wrong.append(f"line {line.get_label()!r} runs outside the view")
    for patch in ax.patches:
        if isinstance(patch, StepPatch):
            values, edges, _ = patch.get_data()
            values = np.asarray(values, dtype=float)
            if not _in_view(ax, np.asarray(edges, dtype=float), values[np.isfinite(values)]):
                wrong.append(f"bars {patch.get_label()!r} run outside the view")
    for collection in ax.collections:
        if isinstance(collection, PathCollection) and len(collection.get_offsets()):
            offsets = np.asarray(collection.get_offsets(), dtype=float)
            offsets = offsets[np.isfinite(offsets).all(axis=1)]
            if not _in_view(ax, offsets[:, 0], offsets[:, 1]):
                wrong.append("points outside the view")
    return wrong


def _overlaps(labels, renderer) -> list[str]:
    boxes = [
        (t.get_text(), t.get_window_extent(renderer))
        for t in labels
        if t.get_visible() and t.get_text().strip()
    ]
    found = []
    for i, (text, box) in enumerate(boxes):
        for other, second in boxes[i + 1 :]:
            # a shared edge is not an overlap: shrink by a pixel
            if box.padded(-1).overlaps(second.padded(-1)):
                found.append(f"{text!r} overlaps {other!r}")
    return found


def _all_ticklabels(ax) -> list:
    ticks = [
        tick
        for axis in (ax.xaxis, ax.yaxis)
        for tick in axis.get_major_ticks() + axis.get_minor_ticks()
    ]
    return [label for tick in ticks for label in (tick.label1, tick.label2)]


def _drawn_ticklabels(ax, axis=None) -> list:
    """The tick labels drawn: those of ticks inside the view."""
    labels = []
    for target in (ax.xaxis, ax.yaxis) if axis is None else (axis,):
        low, high = sorted(target.get_view_interval())
        slack = 1e-9 * max(high - low, 1)
        for tick in target.get_major_ticks() + target.get_minor_ticks():
            if low - slack <= tick.get_loc() <= high + slack:
                labels += [lab for lab in (tick.label1, tick.label2) if lab.get_visible()]
    return labels


def _check_ticks(ax, renderer) -> list[str]:
    return [
        problem
        for axis in (ax.xaxis, ax.yaxis)
        for problem in _overlaps(_drawn_ticklabels(ax, axis), renderer)
    ]


def _check_legend(ax) -> list[str]:
    """Each legend entry that names an artist of the plot names one that draws something."""
    legend = ax.get_legend()
    if legend is None:
        return []
    drawn: dict[str, list] = {}
    for artist in [*ax.get_lines(), *ax.patches, *ax.collections]:
        drawn.setdefault(artist.get_label(), []).append(artist)
    wrong = []
    for text in legend.get_texts():
        label = text.get_text()
        artists = drawn.get(label, [])
        if artists and not any(_has_data(a) for a in artists):
            wrong.append(f"legend names {label!r}, which draws nothing")
    return wrong


def _check_windows(ax) -> list[str]:
    """Anniversary shading leaves most of the plot unshaded."""
    windows = [p for p in ax.patches if p.get_gid() == "anniversary-window"]
    if not windows:
        return []
    ax.figure.canvas.draw()
    area = ax.get_window_extent()
    shaded = sum(p.get_window_extent().width * p.get_window_extent().height for p in windows) / (
        area.width * area.height
    )
    return [f"anniversary windows shade {shaded:.0%} of the plot"] if shaded > 0.6 else []


def _check_colour_scale(ax) -> list[str]:
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    wrong = []
    for mesh in meshes:
        low, high = mesh.norm.vmin, mesh.norm.vmax
        if low is None or low < 0:
            wrong.append(f"colour scale of counts starts below zero ({low})")
        if high is None or not high > (low or 0):
            wrong.append(f"colour scale of counts is empty ({low} to {high})")
    if not meshes:
        wrong.append("no colour grid drawn")
    return wrong


def _check_texts_inside(figure, renderer) -> list[str]:
    """Titles, labels, legends and notes are inside the figure, not cut off at its edge."""
    edge = figure.bbox.padded(2)
    ticks = {id(t) for a in figure.axes for t in _all_ticklabels(a)}
    drawn = [t for a in figure.axes for t in _drawn_ticklabels(a)]
    wrong = []
    others = [t for t in figure.findobj(matplotlib.text.Text) if id(t) not in ticks]
    for text in others + drawn:
        if not (text.get_visible() and text.get_text().strip()):
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < edge.x0 or box.x1 > edge.x1 or box.y0 < edge.y0 or box.y1 > edge.y1:
            wrong.append(f"text {text.get_text()[:40]!r} runs off the figure")
    return wrong


def check_figure(ax, name: str) -> list[str]:
    """Everything wrong with a drawn figure that can be told without looking."""
    figure = ax.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    wrong = []
    artists = [*ax.get_lines(), *ax.patches, *ax.collections]
    if not any(_has_data(a) for a in artists):
        wrong.append("nothing drawn")
    width, height = figure.get_size_inches()
    if width > MAX_INCHES or height > MAX_INCHES:
        wrong.append(f"figure of {width:.1f} x {height:.1f} in")
    wrong += _check_limits(ax)
    wrong += _check_ticks(ax, renderer)
    wrong += _check_texts_inside(figure, renderer)
    wrong += _check_legend(ax)
    wrong += _check_windows(ax)
    if name in COUNT_SCALES:
        wrong += _check_colour_scale(ax)
    return wrong


# --------------------------------------------------------------------------- the test


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("figure", list(FIGURES_DRAWN))
@pytest.mark.parametrize("dataset", DATASETS)
def test_every_figure_reads_right_on_every_dataset(dataset, figure, datasets):
    events = datasets(dataset)
    if (dataset, figure) in REFUSED:  # it must say why, in a sentence
        with pytest.raises(EventDataError, match=r"(?s)\w+ \w+ \w+ .{20,}"):
            _quiet(lambda: FIGURES_DRAWN[figure](events))
        return
    ax = _quiet(lambda: FIGURES_DRAWN[figure](events))
    FIGURES.mkdir(exist_ok=True)
    ax.figure.savefig(FIGURES / f"{dataset}-{figure}.png", dpi=72)
    assert check_figure(ax, figure) == []


# --------------------------------------------------------------------------- the checks can fail


def _bad_figures() -> dict[str, object]:
    """Figures with one known fault each, as the plots drew them before issue 18."""
    bad = {}
    _, ax = plt.subplots(figsize=(8, 3), layout="constrained")
    ax.plot([0, 1, 2], [np.nan] * 3, label="7-day rolling mean (centred)")
    ax.plot([0, 1, 2], [1, 2, 1], label="Events per day")
    ax.legend()
    bad["legend names '7-day rolling mean (centred)', which draws nothing"] = ax
    _, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    ax.bar(range(24), np.arange(24))
    ax.set_xticks(range(24), labels=["Jan", "Feb", "Mar", "Apr", "May", "Jun"] * 4)
    bad["overlaps"] = ax
    _, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    import seaborn as sns

    sns.heatmap(pd.DataFrame(np.zeros((2, 7))), ax=ax)
    bad["colour scale of counts starts below zero"] = ax
    _, ax = plt.subplots(figsize=(9.4, 214.9))
    ax.plot([0, 1], [0, 1])
    bad["figure of 9.4 x 214.9 in"] = ax
    _, ax = plt.subplots(figsize=(8, 3))
    ax.plot(pd.date_range("2022-01-03", periods=4), [1, 1, 2, 1])
    span = ax.axvspan(pd.Timestamp("2022-01-02"), pd.Timestamp("2022-01-10"))
    span.set_gid("anniversary-window")
    bad["anniversary windows shade"] = ax
    _, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    ax.set_title("A title far too long for so narrow a figure, running off both of its sides")
    bad["runs off the figure"] = ax
    _, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 5], [0, 5], label="counts")
    ax.set_xlim(0, 2)
    bad["line 'counts' runs outside the view"] = ax
    return bad


def test_the_checks_find_each_fault_the_issue_names():
    for fault, ax in _bad_figures().items():
        name = "heatmap-months" if "colour" in fault else "timeline"
        found = check_figure(ax, name)
        assert any(fault in problem for problem in found), (fault, found)


# --------------------------------------------------------------------------- coverage


def test_plots_run_over_the_sources_coverage_not_only_the_events(seed_events):
    # the seed incidents fall on 3-6 January 2022; the source is said to cover all of 2022
    events = seed_events.copy()
    events.attrs["coverage"] = [
        {"country": "Iraq", "start": "2022-01-01", "end": "2022-12-31"},
        {"country": "Syria", "start": "2022-01-01", "end": "2022-12-31"},
        {"country": "Narnia", "start": "1990-01-01", "end": "1990-12-31"},  # not in the data
    ]
    ax = edplot.timeline(events)
    first, last = (matplotlib.dates.num2date(x).date().isoformat() for x in ax.get_xlim())
    assert (first, last) == ("2022-01-01", "2023-01-01")
    calendar = edplot.calendar(events)
    cells = quadmesh_values(calendar)
    assert np.isnan(cells).sum() == 1  # only 29 February, which 2022 has not: December is in
    assert calendar.get_legend() is None  # so no "No data" key: 29 February is blank, not grey
    assert [(p.get_x(), p.get_y()) for p in calendar.patches if p.get_gid() == "no-such-day"] == [
        (59, 0)
    ]
    months = edplot.heatmap(events, rows="country", cols="month")
    assert len(months.get_xticklabels()) >= 4  # the months of 2022, not January alone
    assert not [p for p in months.patches if p.get_gid() == "partial-period"]
    # without coverage, the plots keep to the events' own days
    plain = edplot.timeline(seed_events)
    first, last = (matplotlib.dates.num2date(x).date().isoformat() for x in plain.get_xlim())
    assert (first, last) == ("2022-01-03", "2022-01-07")
    assert "No data" in [
        t.get_text() for t in edplot.calendar(seed_events).get_legend().get_texts()
    ]


def quadmesh_values(ax) -> np.ndarray:
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    return np.ma.filled(mesh.get_array().astype(float), np.nan)


# --------------------------------------------------------------------------- long alerts, maps


def test_alerts_over_seven_years_draw_a_band_and_one_mark_per_run_and_zoom():
    daily = ed.datasets.simulate_counts("2016-01-01", "2022-12-31", seed=4)
    result = ed.escalation_alerts(daily, method="ears-c2")  # a method that alerts often
    ax = result.plot()
    assert check_figure(ax, "alerts") == []
    (band,) = [p for p in ax.patches if p.get_gid() == "threshold-band"]
    assert np.isfinite(band.get_data().values).sum() > 2000
    (marks,) = [line for line in ax.get_lines() if line.get_gid() == "alert"]
    alerting = result.frame["alert"].to_numpy()
    runs = int((alerting & ~np.concatenate([[False], alerting[:-1]])).sum())
    assert len(marks.get_xdata()) == runs < result.n_alerts
    assert not [p for p in ax.patches if p.get_label() == "Threshold (count that alerts)"]
    zoom = result.plot(start="2020-01-01", end="2020-03-31")
    first, last = (matplotlib.dates.num2date(x).date().isoformat() for x in zoom.get_xlim())
    assert (first, last) == ("2020-01-01", "2020-04-01")
    assert "from 2020-01-01 to 2020-03-31" in zoom.get_title()
    (threshold,) = [p for p in zoom.patches if p.get_label() == "Threshold (count that alerts)"]
    assert len(threshold.get_data().values) == 91
    assert check_figure(zoom, "alerts") == []
    with pytest.raises(EventDataError, match="no period from 2030"):
        result.plot(start="2030-01-01")


def test_map_draws_country_borders_offline_and_any_boundaries_given(seed_events):
    ax = edplot.map(seed_events)
    (borders,) = [c for c in ax.collections if c.get_gid() == "country-borders"]
    assert len(borders.get_paths()) >= 2  # Iraq and Syria at least
    vertices = np.concatenate([p.vertices for p in borders.get_paths()])
    # the Iraq-Syria border runs through the view (about 41 E at 34.5 N)
    inside = (vertices[:, 0] > 40.5) & (vertices[:, 0] < 41.5) & (abs(vertices[:, 1] - 34.5) < 1)
    assert inside.any()
    latitude = seed_events["latitude"].astype(float).mean()
    assert ax.get_aspect() == pytest.approx(1 / np.cos(np.radians(latitude)))
    assert check_figure(ax, "map") == []
    square = pd.DataFrame(
        {
            "ring": ["a"] * 5 + ["b"] * 4,
            "longitude": [40, 41, 41, 40, 40, 42, 43, 43, 42],
            "latitude": [33, 33, 34, 34, 33, 35, 35, 36, 36],
        }
    )
    own = edplot.map(seed_events, borders=False, admin1=square)
    assert not [c for c in own.collections if c.get_gid() == "country-borders"]
    (admin1,) = [c for c in own.collections if c.get_gid() == "admin1-borders"]
    assert [len(p.vertices) for p in admin1.get_paths()] == [5, 4]
    with pytest.raises(EventDataError, match="'ring'"):
        edplot.map(seed_events, borders=square.drop(columns="ring"))


def test_map_takes_shapely_geometries_as_boundaries(seed_events):
    geometry = pytest.importorskip("shapely.geometry")
    provinces = [geometry.box(40, 33, 42, 35), geometry.Point(41, 34)]
    ax = edplot.map(seed_events, borders=provinces)
    (drawn,) = [c for c in ax.collections if c.get_gid() == "country-borders"]
    assert len(drawn.get_paths()) == 1 and len(drawn.get_paths()[0].vertices) == 5


def test_import_eventdata_loads_no_plotting_library():
    import subprocess
    import sys

    code = "import sys, eventdata; print('matplotlib' in sys.modules, 'seaborn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_import_eventdata_plot_loads_matplotlib_and_seaborn_only_when_a_plot_is_drawn():
    # the analysis results import eventdata.plot at module level for their plot(): it must
    # cost no plotting library until a figure is drawn
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import eventdata.plot as plot\n"
        "print('matplotlib' in sys.modules, 'seaborn' in sys.modules)\n"
        "import eventdata as ed\n"
        "plot.heatmap(ed.datasets.load_seed_incidents(), rows='country', cols='weekday')\n"
        "print('matplotlib' in sys.modules, 'seaborn' in sys.modules)\n"
    )
    env = os.environ | {"MPLBACKEND": "Agg"}
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert out.stdout.split() == ["False", "False", "True", "True"]
