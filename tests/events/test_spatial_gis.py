"""GIS exchange: GeoDataFrame, GeoParquet and GeoPackage read back by geopandas."""

from __future__ import annotations

import numpy as np
import pytest

from eventdata.events.gis import to_geopandas, write_geopackage, write_geoparquet

geopandas = pytest.importorskip("geopandas")


def test_points_in_wgs84(seed_events):
    frame = to_geopandas(seed_events)
    assert frame.crs.to_epsg() == 4326
    np.testing.assert_allclose(frame.geometry.x, seed_events["longitude"])
    np.testing.assert_allclose(frame.geometry.y, seed_events["latitude"])
    assert "geometry" not in seed_events.columns


def test_geoparquet_and_geopackage_read_back(tmp_path, seed_events):
    parquet = write_geoparquet(seed_events, tmp_path / "events.parquet")
    back = geopandas.read_parquet(parquet)
    assert back.crs.to_epsg() == 4326
    assert back["event_id_cnty"].tolist() == seed_events["event_id_cnty"].tolist()
    package = write_geopackage(seed_events, tmp_path / "events.gpkg")
    layer = geopandas.read_file(package, layer="events")
    assert layer.crs.to_epsg() == 4326
    np.testing.assert_allclose(layer.geometry.y, seed_events["latitude"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.gpkg", "events.parquet"]
