"""Where and who: distances, grid cells, actor roles, and space-time clustering.

The two space-time tests live here; the selection helpers they sit on live in the
events layer and are re-exported for convenience. Modules, one concept each:

- :mod:`~eventdata.events.geo`: coordinates from events, the sphere, haversine distances;
- :mod:`~eventdata.events.distance`: great-circle distances and events near places;
- :mod:`~eventdata.events.grid`: PRIO-GRID ids and centroids, H3 cells;
- :mod:`~eventdata.events.actors`: actor roles, dyads, the long (monadic) form;
- :mod:`~eventdata.analysis.spatial.knox`: the Knox test of space-time interaction;
- :mod:`~eventdata.analysis.spatial.scan`: the space-time permutation scan statistic;
- :mod:`~eventdata.events.gis`: GeoDataFrame, GeoParquet and GeoPackage export
  (optional ``geo`` extra: geopandas is imported when first used).

The events-layer modules import only eventdata's core, so selection and counting
(:func:`eventdata.filter_events`, :func:`eventdata.counts`) can use them; the tests
here import those and :mod:`eventdata.plot` (for their results' ``plot``).
"""

from __future__ import annotations

from eventdata.analysis.spatial.knox import KnoxResult, knox_test
from eventdata.analysis.spatial.scan import ScanResult, space_time_scan
from eventdata.events.actors import dyads, from_long, role_mask, to_long
from eventdata.events.distance import distance_km, nearest_place, select_near
from eventdata.events.gis import to_geopandas, write_geopackage, write_geoparquet
from eventdata.events.grid import h3_cells, priogrid_centroid, priogrid_gid, with_priogrid

__all__ = [
    "KnoxResult",
    "ScanResult",
    "distance_km",
    "dyads",
    "from_long",
    "h3_cells",
    "knox_test",
    "nearest_place",
    "priogrid_centroid",
    "priogrid_gid",
    "role_mask",
    "select_near",
    "space_time_scan",
    "to_geopandas",
    "to_long",
    "with_priogrid",
    "write_geopackage",
    "write_geoparquet",
]
