"""Tests of eventdata.plot: what each plot draws, labels and refuses."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, QuadMesh
from matplotlib.lines import Line2D
from matplotlib.patches import StepPatch

import eventdata as ed
from eventdata import plot as edplot
from eventdata.core import codebook
from eventdata.core.errors import EventDataError


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def daily(simulated: pd.DataFrame) -> pd.DataFrame:
    return ed.counts(simulated)


def windows(ax) -> list:
    return [p for p in ax.patches if p.get_gid() == "anniversary-window"]


def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def own_lines(ax) -> list[Line2D]:
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def quadmesh(ax) -> QuadMesh:
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    return mesh


# --------------------------------------------------------------------------- axes handling

# The result plots, on results of the analysis modules (fixtures further down).
RESULT_PLOTS = [
    (edplot.anniversary, "anniversary_result"),
    (edplot.placebo, "anniversary_result"),
    (edplot.event_study, "study"),
    (edplot.provinces, "frequency"),
    (edplot.provinces, "change"),
    (edplot.its, "weekly_its"),
    (edplot.alerts, "daily_alerts"),
]


@pytest.mark.parametrize(
    ("draw", "data"),
    [
        (edplot.timeline, "daily"),
        (edplot.heatmap, "simulated"),
        (edplot.calendar, "simulated"),
        (edplot.map, "simulated"),
        *RESULT_PLOTS,
    ],
)
def test_draws_on_the_axes_given_or_a_new_one(draw, data, request):
    frame = request.getfixturevalue(data)
    _, given = plt.subplots()
    assert draw(frame, ax=given) is given
    new = draw(frame)
    assert new is not given and new.figure is not given.figure
    assert new.get_title() and new.get_xlabel() and new.get_ylabel()


@pytest.mark.parametrize("draw", [edplot.timeline, edplot.heatmap, edplot.calendar, edplot.map])
def test_inputs_are_not_mutated(draw, simulated):
    before = simulated.copy()
    draw(simulated)
    pd.testing.assert_frame_equal(simulated, before)


# --------------------------------------------------------------------------- timeline


def test_timeline_bars_rolling_mean_and_one_shaded_window_per_year(daily):
    ax = edplot.timeline(daily, anniversary="01-03")
    (bars,) = [p for p in ax.patches if isinstance(p, StepPatch)]
    assert len(bars.get_data().values) == len(daily) == 730
    assert len(own_lines(ax)) == 1
    assert len(windows(ax)) == 2  # 2021 and 2022
    assert legend_texts(ax) == [
        "Events per day",
        "7-day rolling mean (centred)",
        "Anniversary window (01-03, days 0 to +6)",
    ]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "Date",
        "Events per day",
        "Events per day",
    )
    assert ax.get_ylim()[0] == 0


def test_timeline_window_covers_the_anniversary_and_six_days_after(daily):
    ax = edplot.timeline(daily, anniversary="01-03", window=(0, 6))
    first = windows(ax)[0].get_bbox()
    start, stop = (matplotlib.dates.num2date(x).replace(tzinfo=None) for x in (first.x0, first.x1))
    assert (start, stop) == (pd.Timestamp("2021-01-03"), pd.Timestamp("2021-01-10"))


def test_timeline_rolling_mean_is_centred(daily):
    ax = edplot.timeline(daily, rolling=7)
    (line,) = own_lines(ax)
    y = line.get_ydata()
    expected = daily["count"].iloc[:7].mean()
    assert np.isnan(y[:3]).all() and y[3] == pytest.approx(expected)


def test_timeline_without_rolling_draws_only_the_bars(daily):
    ax = edplot.timeline(daily, rolling=None)
    assert own_lines(ax) == []
    assert legend_texts(ax) == ["Events per day"]


def test_timeline_by_group_draws_one_line_per_group(simulated):
    table = ed.counts(simulated, by="country")
    ax = edplot.timeline(table, by="country", anniversary=["01-03", "07-04"])
    assert [line.get_label() for line in own_lines(ax)] == ["Iraq", "Syria"]
    assert not [p for p in ax.patches if isinstance(p, StepPatch)]
    colours = {matplotlib.colors.to_hex(line.get_color()) for line in own_lines(ax)}
    assert len(colours) == 2
    assert len(windows(ax)) == 4
    assert ax.get_legend().get_title().get_text() == "Country (7-day rolling mean)"
    assert legend_texts(ax)[-1] == "Anniversary windows (01-03, 07-04, days 0 to +6)"
    assert ax.get_title() == "Events per day by country"


def test_timeline_sums_groups_when_not_drawn_by_them(simulated, daily):
    ax = edplot.timeline(ed.counts(simulated, by="country"), rolling=None)
    (bars,) = [p for p in ax.patches if isinstance(p, StepPatch)]
    np.testing.assert_array_equal(bars.get_data().values, daily["count"].to_numpy())


def test_timeline_takes_a_series_a_weekly_table_and_events():
    series = ed.datasets.simulate_counts("2021-01-01", "2021-12-31", seed=2)
    assert edplot.timeline(series).get_ylabel() == "Events per day"
    events = ed.datasets.simulate("2021-01-01", "2021-06-30", seed=2)
    weekly = edplot.timeline(ed.counts(events, freq="W"), anniversary="01-03")
    assert weekly.get_ylabel() == "Events per week"
    assert "4-week" not in legend_texts(weekly)[1] and "7-week" in legend_texts(weekly)[1]
    fatal = edplot.timeline(ed.counts(events, value="fatalities", freq="M"), rolling=None)
    assert fatal.get_ylabel() == "Fatalities per month"
    assert edplot.timeline(events).get_ylabel() == "Events per day"


def test_timeline_seed_incidents(seed_events):
    ax = edplot.timeline(ed.counts(seed_events), anniversary="01-03", rolling=3)
    assert len(windows(ax)) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pd.DataFrame({"date": [], "count": []}), "empty"),
        (pd.DataFrame({"day": ["2021-01-01"], "n": [1]}), "count table"),
        (pd.Series([1, 2, 3]), "indexed by date"),
        ([1, 2, 3], "not list"),
    ],
)
def test_timeline_refuses_what_is_not_a_count_table(data, message):
    with pytest.raises(EventDataError, match=message):
        edplot.timeline(data)


def test_timeline_refuses_a_missing_group_column(daily):
    with pytest.raises(EventDataError, match="admin1"):
        edplot.timeline(daily, by="admin1")


def test_timeline_refuses_a_badly_written_anniversary(daily):
    with pytest.raises(ValueError, match="MM-DD"):
        edplot.timeline(daily, anniversary="3 January")


def test_anniversary_windows_cover_every_year_and_are_clipped_to_the_range():
    spans = edplot._anniversary_windows(
        "12-30", (0, 6), pd.Timestamp("2021-01-01"), pd.Timestamp("2023-01-01")
    )
    assert spans == [
        (pd.Timestamp("2021-01-01"), pd.Timestamp("2021-01-06")),
        (pd.Timestamp("2021-12-30"), pd.Timestamp("2022-01-06")),
        (pd.Timestamp("2022-12-30"), pd.Timestamp("2023-01-01")),
    ]
    leap = edplot._anniversary_windows(
        "02-29", (0, 0), pd.Timestamp("2019-01-01"), pd.Timestamp("2025-01-01")
    )
    assert [lo.year for lo, _ in leap] == [2020, 2024]


# --------------------------------------------------------------------------- heatmap


def test_heatmap_has_a_cell_per_province_and_month_sorted_by_total(simulated):
    ax = edplot.heatmap(simulated, rows="admin1", cols="month")
    provinces = simulated["admin1"].nunique()
    cells = quadmesh(ax).get_array()
    assert cells.size == provinces * 24
    grid = np.asarray(cells).reshape(provinces, 24)
    assert (np.diff(grid.sum(axis=1)) <= 0).all()
    assert grid.sum() == len(simulated)  # month counts keep every precision
    rows = [t.get_text() for t in ax.get_yticklabels()]
    top = simulated["admin1"].value_counts().index[0]
    assert rows[0] == top and len(rows) == provinces
    months = [t.get_text() for t in ax.get_xticklabels()]
    assert len(months) == 24 and months[:2] == ["Jan\n2021", "Feb"] and months[12] == "Jan\n2022"
    assert quadmesh(ax).colorbar.ax.get_ylabel() == "Events per month"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Month", "Province (admin1)")
    assert ax.get_title() == "Events per month by province (admin1)"
    assert quadmesh(ax).norm.vmin == 0


def test_heatmap_by_weekday_of_fatalities(simulated):
    ax = edplot.heatmap(simulated, rows="event_type", cols="weekday", value="fatalities")
    types = simulated["event_type"].nunique()
    assert quadmesh(ax).get_array().size == types * 7
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    assert quadmesh(ax).colorbar.ax.get_ylabel() == "Fatalities (all weeks)"
    assert ax.get_xlabel() == "Day of week"


def test_heatmap_few_months_are_labelled_each(simulated):
    spring = ed.filter_events(simulated, start="2022-03-01", end="2022-05-31")
    ax = edplot.heatmap(spring, rows="country")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Mar\n2022", "Apr", "May"]


def test_heatmap_hatches_periods_the_data_covers_in_part(simulated):
    complete = edplot.heatmap(simulated, rows="country", cols="month")
    assert not [p for p in complete.patches if p.get_gid() == "partial-period"]
    assert complete.get_legend() is None
    spring = ed.filter_events(simulated, start="2022-03-01", end="2022-03-31")
    ax = edplot.heatmap(spring, rows="country", cols="week")  # Mon 28 Feb to Sun 3 Apr
    hatched = [p for p in ax.patches if p.get_gid() == "partial-period"]
    assert [p.get_x() for p in hatched] == [0, 4]
    assert legend_texts(ax) == ["Period partly outside the data"]


@pytest.mark.parametrize("cols", ["year", "week"])
def test_heatmap_years_and_weeks(seed_events, cols):
    ax = edplot.heatmap(seed_events, rows="country", cols=cols)
    expected = {"year": 1, "week": 1}[cols]  # 3 to 6 January 2022: one week, one year
    assert quadmesh(ax).get_array().size == 2 * expected


def test_heatmap_refuses_bad_input(simulated):
    with pytest.raises(EventDataError, match="admin2"):
        edplot.heatmap(simulated.drop(columns="admin2"), rows="admin2")
    with pytest.raises(EventDataError, match="no events"):
        edplot.heatmap(simulated.iloc[:0])
    with pytest.raises(ValueError, match="cols"):
        edplot.heatmap(simulated, cols="fortnight")


# --------------------------------------------------------------------------- calendar


def test_calendar_is_a_day_of_year_by_year_grid(simulated, daily):
    ax = edplot.calendar(simulated, anniversary="01-03")
    cells = quadmesh(ax).get_array()
    assert cells.size == 2 * 366
    assert np.ma.count_masked(cells) == 2  # 29 February of 2021 and 2022
    grid = np.ma.asarray(cells).reshape(2, 366)
    on_day = daily.set_index("date")["count"]
    assert grid[1, 2] == on_day["2022-01-03"]
    assert grid[0, 365] == on_day["2021-12-31"]  # 31 December stays in the last column
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2021", "2022"]
    months = [t.get_text() for t in ax.get_xticklabels(minor=True)]
    assert months[0] == "Jan" and months[-1] == "Dec" and len(months) == 12
    (outline,) = windows(ax)
    assert (outline.get_x(), outline.get_width(), outline.get_height()) == (2, 7, 2)
    assert legend_texts(ax) == ["Anniversary window (01-03, days 0 to +6)", "No data"]
    colour_bar = quadmesh(ax).colorbar
    assert colour_bar.ax.get_ylabel() == "Events per day"
    top = np.ceil(np.percentile(daily["count"], 99))
    assert colour_bar.vmax == top < daily["count"].max() and colour_bar.extend == "max"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Day of the year", "Year")


def test_calendar_leaves_days_outside_the_data_blank(seed_events):
    ax = edplot.calendar(seed_events, anniversary="12-30")
    cells = quadmesh(ax).get_array()
    assert np.ma.count(cells) == 4  # 3 to 6 January 2022 only
    assert len(windows(ax)) == 2  # 30 December to 5 January wraps round the year


def test_calendar_takes_a_daily_count_table_not_a_weekly_one(simulated, daily):
    assert edplot.calendar(daily).get_ylabel() == "Year"
    with pytest.raises(EventDataError, match="daily"):
        edplot.calendar(ed.counts(simulated, freq="W"))
    with pytest.raises(EventDataError, match="event_date"):
        edplot.calendar(simulated.drop(columns="event_date"))


# --------------------------------------------------------------------------- map


def test_map_sizes_grow_with_fatalities_and_colours_follow_event_types():
    types = list(codebook.EVENT_TYPES)
    events = pd.DataFrame(
        {
            "event_date": pd.to_datetime(["2022-01-03"] * 4),
            "longitude": [40.0, 41.0, 42.0, 43.0],
            "latitude": [34.0, 34.5, 35.0, 35.5],
            "fatalities": [0, 1, 5, 20],
            "event_type": [types[0], types[1], types[1], types[2]],
        }
    )
    ax = edplot.map(events)
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    order = np.argsort(points.get_offsets()[:, 0])
    sizes = points.get_sizes()[order]
    assert sizes[0] > 0 and (np.diff(sizes) > 0).all()
    assert legend_texts(ax)[:4] == ["Event type", types[0], types[1], types[2]]
    assert "Fatalities" in legend_texts(ax)
    colours = points.get_facecolors()[order]
    assert np.allclose(colours[1], colours[2]) and not np.allclose(colours[0], colours[1])
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "Longitude",
        "Latitude",
        "Event locations",
    )
    assert ax.get_aspect() == pytest.approx(1 / np.cos(np.radians(34.75)))


def test_map_event_type_colours_are_the_same_in_every_plot(simulated, seed_events):
    def colours(ax):
        legend = ax.get_legend()
        return {
            t.get_text(): matplotlib.colors.to_hex(h.get_color())
            for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)
            if t.get_text() in codebook.EVENT_TYPES
        }

    everything, seed = colours(edplot.map(simulated)), colours(edplot.map(seed_events))
    assert seed and all(everything[t] == c for t, c in seed.items())
    assert len(set(everything.values())) == len(everything) == 6


def test_map_without_size_or_hue(simulated):
    ax = edplot.map(simulated, size=None, hue=None)
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points.get_offsets()) == len(simulated)
    assert ax.get_legend() is None


def test_map_refuses_events_without_coordinates(simulated):
    with pytest.raises(EventDataError, match="longitude"):
        edplot.map(simulated.drop(columns="longitude"))
    with pytest.raises(EventDataError, match="nothing to map"):
        edplot.map(simulated.head(3).assign(latitude=np.nan))
    with pytest.raises(EventDataError, match="no events"):
        edplot.map(simulated.iloc[:0])


# --------------------------------------------------------------------------- result plots


@pytest.fixture(scope="module")
def planted() -> pd.Series:
    """Seven years of daily counts with a doubling planted on 3 to 9 January."""
    return ed.datasets.simulate_counts(
        "2016-01-01", "2022-12-31", seed=4, anniversaries=["01-03"], effect=2.0
    )


@pytest.fixture(scope="module")
def anniversary_result(planted):
    from eventdata.analysis.anniversary import anniversary_test

    return anniversary_test(planted, "01-03", window=(0, 6))


@pytest.fixture(scope="module")
def study(planted):
    from eventdata.analysis.event_study import event_study

    return event_study(planted, "01-03", window=(-10, 12))


@pytest.fixture(scope="module")
def frequency(simulated):
    return ed.province_frequency(simulated)


@pytest.fixture(scope="module")
def change(simulated):
    return ed.compare_periods(
        simulated, before=("2021-01-01", "2021-12-31"), after=("2022-01-01", "2022-12-31")
    )


@pytest.fixture(scope="module")
def weekly_its(simulated):
    weekly = ed.counts(simulated, freq="W").set_index("date")["count"].iloc[1:-1]
    return ed.interrupted_time_series(weekly, "2022-01-03", slope_change=True)


@pytest.fixture(scope="module")
def daily_alerts(daily):
    return ed.escalation_alerts(daily.set_index("date")["count"], method="ears-c2")


@pytest.mark.parametrize(("draw", "fixture"), RESULT_PLOTS)
def test_result_plots_have_a_legend(draw, fixture, request):
    assert draw(request.getfixturevalue(fixture)).get_legend() is not None


@pytest.mark.parametrize(("draw", "fixture"), RESULT_PLOTS)
def test_result_plots_leave_the_result_as_it_was(draw, fixture, request):
    result = request.getfixturevalue(fixture)
    frames = {
        name: value.copy()
        for name, value in vars(result).items()
        if isinstance(value, pd.DataFrame | pd.Series)
    }
    draw(result)
    for name, before in frames.items():
        after = getattr(result, name)
        if isinstance(before, pd.DataFrame):
            pd.testing.assert_frame_equal(after, before)
        else:
            pd.testing.assert_series_equal(after, before)


@pytest.mark.parametrize(
    "draw",
    [
        edplot.anniversary,
        edplot.placebo,
        edplot.event_study,
        edplot.provinces,
        edplot.its,
        edplot.alerts,
    ],
)
def test_result_plots_refuse_other_objects(draw, simulated):
    with pytest.raises(EventDataError, match="expected a result"):
        draw(simulated)


def as_dates(values) -> pd.DatetimeIndex:
    """x data of a line as dates, whether matplotlib kept them as dates or as numbers."""
    values = np.asarray(values)
    if not np.issubdtype(values.dtype, np.number):  # datetime64 or Timestamp objects
        return pd.DatetimeIndex(values)
    return pd.DatetimeIndex([matplotlib.dates.num2date(x).replace(tzinfo=None) for x in values])


def points(ax, gid: str) -> Line2D:
    (line,) = [line for line in ax.get_lines() if line.get_gid() == gid]
    return line


# --------------------------------------------------------------------------- anniversary


def test_anniversary_bars_are_the_observed_and_expected_counts_per_year(anniversary_result):
    ax = edplot.anniversary(anniversary_result)
    by_year = anniversary_result.by_year
    observed = [p.get_height() for p in ax.patches if p.get_gid() == "observed"]
    expected = [p.get_height() for p in ax.patches if p.get_gid() == "expected"]
    np.testing.assert_allclose(observed, by_year["observed"])
    np.testing.assert_allclose(expected, by_year["expected"])
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(y) for y in by_year["year"]]
    ratios = [t.get_text() for t in ax.texts]
    assert ratios == [f"\u00d7{r:.2f}" for r in by_year["ratio"]]
    lo, hi = anniversary_result.ci
    title = ax.get_title()
    assert f"rate ratio {anniversary_result.rate_ratio:.2f}" in title
    assert f"95% CI {lo:.2f} to {hi:.2f}" in title and anniversary_result.method in title
    assert "Anniversary 01-03, days 0 to +6" in title
    assert legend_texts(ax) == [
        "Observed",
        "Expected (model without the windows)",
        "Observed / expected",
    ]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Year", "Events in the window")


def test_anniversary_asks_for_one_of_several(planted):
    from eventdata.analysis.anniversary import anniversary_test

    tests = anniversary_test(planted, ["01-03", "07-04"])
    with pytest.raises(EventDataError, match=r"tests\['01-03'\]"):
        edplot.anniversary(tests)
    assert edplot.anniversary(tests["07-04"]).get_title().startswith("Anniversary 07-04")


def test_placebo_histogram_holds_every_pseudo_anniversary_and_marks_the_real_one(
    anniversary_result,
):
    ax = edplot.placebo(anniversary_result)
    ratios = anniversary_result.placebo["rate_ratio"]
    heights = [p.get_height() for p in ax.patches if isinstance(p, matplotlib.patches.Rectangle)]
    assert sum(heights) == len(ratios) == anniversary_result.n_placebo
    real = points(ax, "anniversary-ratio")
    assert real.get_xdata()[0] == pytest.approx(anniversary_result.rate_ratio)
    assert legend_texts(ax)[:2] == [
        f"{len(ratios)} pseudo-anniversaries",
        f"01-03: \u00d7{anniversary_result.rate_ratio:.2f}",
    ]
    assert ax.get_xscale() == "log"
    assert f"p = {anniversary_result.pvalue:.2g}" in ax.get_title()
    with pytest.raises(EventDataError, match="pick one"):
        from eventdata.analysis.anniversary import AnniversaryTests

        one = anniversary_result.only()
        several = (one, dataclasses.replace(one, anniversary="07-04"))
        edplot.placebo(AnniversaryTests(results=several, correction="none"))


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ((0.84, 1.16), [0.85, 0.9, 0.95, 1, 1.05, 1.1, 1.15]),
        ((0.7, 1.5), [0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.4]),
        ((0.6, 1.9), [0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.4, 1.6, 1.8]),
        ((0.1, 4.0), [0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3]),
    ],
)
def test_ratio_axes_have_plain_labels_finer_for_narrow_ranges(limits, expected):
    _, ax = plt.subplots()
    ax.set_xscale("log")
    ax.set_xlim(*limits)
    edplot._format_ratio_axis(ax)
    ticks = [t for t in ax.get_xticks() if limits[0] <= t <= limits[1]]
    assert ticks == pytest.approx(expected)
    labels = [ax.xaxis.get_major_formatter()(t) for t in ticks]
    assert labels == [f"{t:g}" for t in expected]


def test_event_study_points_intervals_reference_and_window(study):
    ax = edplot.event_study(study, window=(0, 6))
    frame = study.frame
    line = points(ax, "rate-ratio")
    positive = frame["rate_ratio"] > 0
    np.testing.assert_allclose(line.get_xdata(), frame.loc[positive, "relative_day"])
    np.testing.assert_allclose(line.get_ydata(), frame.loc[positive, "rate_ratio"])
    (intervals,) = [c for c in ax.collections if c.get_label().startswith("95% interval")]
    segments = intervals.get_segments()
    assert len(segments) == len(frame)
    np.testing.assert_allclose([s[1, 1] for s in segments], frame["ci_high"])
    (window,) = windows(ax)
    box = window.get_bbox()
    assert (box.x0, box.x1) == (-0.5, 6.5)
    (reference,) = [line for line in ax.get_lines() if line.get_label().startswith("Ratio 1")]
    assert set(reference.get_ydata()) == {1.0}
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "Days from the anniversary (01-03)"
    assert "pointwise" in " ".join(legend_texts(ax))
    assert not windows(edplot.event_study(study, window=None))


def test_event_study_draws_days_without_events_at_the_bottom_edge(study):
    frame = study.frame.copy()
    frame.loc[frame["relative_day"] == 3, ["observed", "rate_ratio"]] = 0.0
    from dataclasses import replace

    ax = edplot.event_study(replace(study, frame=frame))
    zero = points(ax, "rate-ratio-zero")
    assert list(zero.get_xdata()) == [3.0]
    assert zero.get_ydata()[0] == pytest.approx(ax.get_ylim()[0])
    assert "No events (ratio 0)" in legend_texts(ax)


# --------------------------------------------------------------------------- provinces


def province_rows(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def test_provinces_rows_are_grouped_by_country_and_sorted_by_ratio(frequency):
    ax = edplot.provinces(frequency)
    rows = province_rows(ax)
    table = frequency.table
    assert rows[0] == "Iraq" and "Syria" in rows
    assert len(rows) == len(table) + 2
    bold = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    assert bold == ["Iraq", "Syria"]
    iraq = table[table["country"] == "Iraq"].sort_values("ratio", ascending=False)
    expected = [f"{r.admin1} ({r.count:g})" for r in iraq.itertuples()]
    assert rows[1 : 1 + len(iraq)] == expected
    for flag in table["flag"].unique():
        drawn = points(ax, f"province-{flag}")
        chosen = table[table["flag"] == flag]
        assert sorted(drawn.get_xdata()) == pytest.approx(sorted(chosen["ratio"]))
        assert f"{flag.capitalize()} ({len(chosen)})" in legend_texts(ax)
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "Events observed / expected (log scale)"
    assert "95% interval" in legend_texts(ax)


def test_provinces_colours_and_markers_tell_higher_from_lower(frequency):
    ax = edplot.provinces(frequency)
    higher, lower = points(ax, "province-higher"), points(ax, "province-lower")
    assert higher.get_marker() == "^" and lower.get_marker() == "v"
    assert higher.get_color() != lower.get_color()


def test_provinces_only_flagged(frequency):
    ax = edplot.provinces(frequency, only_flagged=True)
    flagged = frequency.table["flag"].isin(["higher", "lower"]).sum()
    assert len(province_rows(ax)) == flagged + 2
    assert not [line for line in ax.get_lines() if line.get_gid() == "province-as expected"]


def test_provinces_period_comparison_labels_counts_before_and_after(change):
    ax = edplot.provinces(change)
    table = change.table
    first = table[table["country"] == "Iraq"].sort_values("rate_ratio", ascending=False).iloc[0]
    assert province_rows(ax)[1] == (
        f"{first['admin1']} ({first['count_before']:g} \u2192 {first['count_after']:g})"
    )
    assert ax.get_xlabel() == "Rate per day, after / before (log scale)"
    assert "1 Jan 2022 to 31 Dec 2022" in ax.get_title()


def test_provinces_zero_ratios_are_arrows_at_the_edge(simulated):
    sparse = ed.filter_events(simulated, admin1=["Kirkuk", "Baghdad", "Basrah"])
    spring = sparse[~((sparse["admin1"] == "Basrah") & (sparse["event_date"].dt.year == 2022))]
    result = ed.compare_periods(
        spring, before=("2021-01-01", "2021-12-31"), after=("2022-01-01", "2022-12-31")
    )
    ax = edplot.provinces(result)
    arrows = [line for line in ax.get_lines() if line.get_gid() == "province-off-scale"]
    assert len(arrows) == 1
    assert arrows[0].get_marker() == "<"
    assert arrows[0].get_xdata()[0] == pytest.approx(ax.get_xlim()[0])
    assert "arrows at the edge" in " ".join(t.get_text() for t in ax.texts)


def test_provinces_model(simulated):
    model = ed.province_model(ed.filter_events(simulated, countries="Iraq"), freq="M")
    ax = edplot.provinces(model)
    assert ax.get_xlabel() == "Rate relative to the country's provinces (log scale)"
    assert len(province_rows(ax)) == len(model.table) + 1


# --------------------------------------------------------------------------- its and alerts


def test_its_draws_observed_fitted_counterfactual_and_the_interruption(weekly_its):
    ax = edplot.its(weekly_its)
    (bars,) = [p for p in ax.patches if isinstance(p, StepPatch)]
    np.testing.assert_array_equal(bars.get_data().values, weekly_its.observed.to_numpy())
    np.testing.assert_allclose(points(ax, "fitted").get_ydata(), weekly_its.fitted)
    counterfactual = points(ax, "counterfactual").get_ydata()
    assert len(counterfactual) == weekly_its.n_after + 1
    np.testing.assert_allclose(counterfactual, weekly_its.counterfactual[weekly_its.n_before - 1 :])
    interruption = points(ax, "interruption")
    assert as_dates(interruption.get_xdata())[0] == pd.Timestamp("2022-01-03") == weekly_its.at
    lo, hi = weekly_its.step_ci
    assert f"step rate ratio {weekly_its.step_rate_ratio:.2f}" in ax.get_title()
    assert f"95% CI {lo:.2f} to {hi:.2f}" in ax.get_title()
    assert ax.get_ylabel() == "Count per week"
    assert legend_texts(ax)[-1] == "Interruption (2022-01-03)"


def test_its_with_a_period_index_and_with_numbers():
    months = pd.period_range("2015-01", periods=48, freq="M")
    rate = np.where(months >= pd.Period("2018-01", "M"), 30, 60)
    monthly = pd.Series(np.random.default_rng(1).poisson(rate), index=months)
    ax = edplot.its(ed.interrupted_time_series(monthly, "2018-01"))
    assert ax.get_ylabel() == "Count per month" and ax.get_xlabel() == "Date"
    numbered = pd.Series(monthly.to_numpy(), index=np.arange(48))
    ax = edplot.its(ed.interrupted_time_series(numbered, 36))
    assert ax.get_xlabel() == "Period"
    assert points(ax, "interruption").get_xdata()[0] == 35.5


def test_alerts_marks_each_alert_above_its_count(daily_alerts):
    ax = edplot.alerts(daily_alerts, detail=True)
    frame = daily_alerts.frame
    marks = points(ax, "alert")
    assert len(marks.get_xdata()) == daily_alerts.n_alerts > 0
    days = as_dates(marks.get_xdata()).normalize()
    assert days.equals(pd.DatetimeIndex(daily_alerts.alerts))
    assert (marks.get_ydata() > frame.loc[frame["alert"], "count"].to_numpy()).all()
    threshold = [p for p in ax.patches if p.get_label() == "Threshold (count that alerts)"]
    np.testing.assert_allclose(threshold[0].get_data().values, frame["upper_bound"])
    assert legend_texts(ax)[-1] == f"Alert ({daily_alerts.n_alerts})"
    assert "EARS C2" in ax.get_title()


def test_alerts_leave_a_gap_where_any_count_alerts(daily):
    result = ed.escalation_alerts(daily.set_index("date")["count"], method="ears-c3")
    assert np.isneginf(result.frame["upper_bound"]).any()
    ax = edplot.alerts(result, detail=True)
    (threshold,) = [p for p in ax.patches if p.get_label() == "Threshold (count that alerts)"]
    drawn = threshold.get_data().values
    assert np.isnan(drawn[np.isneginf(result.frame["upper_bound"])]).all()
    cusum = ed.escalation_alerts(daily.set_index("date")["count"], method="cusum")
    assert "In-control mean" in legend_texts(edplot.alerts(cusum, detail=True))
