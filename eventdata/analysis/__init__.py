"""The analysis layer: tests and models of event counts, each returning a result.

- :mod:`~eventdata.analysis.anniversary`: anniversary escalation, event studies, rate ratios;
- :mod:`~eventdata.analysis.units`: the anniversary test per province, country or grid cell;
- :mod:`~eventdata.analysis.interrupted`: interrupted time series;
- :mod:`~eventdata.analysis.alerts`: escalation alerts;
- :mod:`~eventdata.analysis.provinces`: per-province frequency and period comparisons;
- :mod:`~eventdata.analysis.spatial`: the Knox test and the space-time scan.

Shared statistics live in its private modules. Results draw themselves through
:mod:`eventdata.plot`, which sits below this layer.
"""
