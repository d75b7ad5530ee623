"""The events layer: select events, reshape them and count them.

- :mod:`~eventdata.events.counts`: ``filter_events`` and ``counts``, the one way from events
  to a count series;
- :mod:`~eventdata.events.outofcore`: counts of a store too large for memory;
- :mod:`~eventdata.events.matching`: the same event in two sources;
- :mod:`~eventdata.events.distance`: great-circle distances and events near places;
- :mod:`~eventdata.events.grid`: PRIO-GRID ids and centroids, H3 cells;
- :mod:`~eventdata.events.actors`: actor roles, dyads, the long (monadic) form;
- :mod:`~eventdata.events.gis`: GeoDataFrame, GeoParquet and GeoPackage export.

It imports the core, io and store layers.
"""
