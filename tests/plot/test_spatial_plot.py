"""Spatial plots: cluster circles, PRIO-GRID squares, the Knox permutation histogram."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import eventdata as ed
from eventdata import plot


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_cluster_map_draws_each_cluster_circle_at_its_radius(seed_events):
    result = ed.space_time_scan(seed_events, replications=9, seed=0, min_events=1)
    ax = result.plot(events=seed_events)
    top = result.most_likely
    circle = ax.lines[0]
    lat = circle.get_ydata()
    # the circle's north-south extent is twice the radius, in degrees of latitude
    assert (lat.max() - lat.min()) * 111.195 == pytest.approx(2 * top["radius_km"], rel=1e-6)
    assert ax.get_legend() is not None


def test_grid_map_draws_one_square_per_cell_with_events(simulated):
    ax = plot.grid_map(simulated)
    mesh = ax.collections[0]
    counts = mesh.get_array()
    cells = ed.priogrid_gid(simulated["latitude"], simulated["longitude"])
    assert int(np.ma.count(counts)) == len(set(cells.tolist()))
    assert counts.sum() == len(simulated)


def test_knox_plot_marks_the_observed_count(seed_events):
    result = ed.knox_test(seed_events, distance_km=50, days=2, permutations=19, seed=1)
    ax = result.plot()
    assert ax.lines[0].get_xdata()[0] == result.statistic
    assert "Knox" in ax.get_title()


def test_unit_forest_has_one_row_per_unit_and_the_pooled_test_last(simulated):
    result = ed.anniversary_by_unit(simulated, "01-03", by="country", method="negbin")
    ax = result.plot()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "All (pooled)"
    assert sorted(labels[:-1]) == sorted(result.table["unit"].astype(str))
