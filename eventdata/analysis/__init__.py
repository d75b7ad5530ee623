"""The analysis layer: tests and models of event counts, each returning a result.

- :mod:`~eventdata.analysis.anniversary`: anniversary escalation, event studies, rate ratios;
- :mod:`~eventdata.analysis.units`: the anniversary test per province, country or grid cell;
- :mod:`~eventdata.analysis.interrupted`: interrupted time series;
- :mod:`~eventdata.analysis.alerts`: escalation alerts (the detectors in private modules:
  ``_ears``, ``_cusum``, ``_nb_cusum``, ``_farrington``);
- :mod:`~eventdata.analysis.provinces`: the per-province frequency test, re-exporting
  :mod:`~eventdata.analysis.period_comparison` (two periods compared),
  :mod:`~eventdata.analysis.province_model` (the negative-binomial province model) and
  :mod:`~eventdata.analysis.overdispersion` (tests of Poisson variation);
- :mod:`~eventdata.analysis.spatial`: the Knox test and the space-time scan.

Shared statistics live in its private modules: ``_glm`` (the one Poisson/NB2 GLM core and
NB2 dispersion estimator), ``_multiple`` (NaN-aware multiple-testing corrections through
statsmodels' ``multipletests``). Results draw themselves through
:mod:`eventdata.plot`, which sits below this layer.
"""
