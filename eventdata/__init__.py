"""eventdata: validated, stored and honestly analysed political-violence event data.

Examples
--------
>>> import eventdata as ed
>>> events = ed.datasets.load_seed_incidents()
>>> events["event_type"].value_counts()["Strategic developments"]
np.int64(3)
"""

from importlib import import_module as _import_module

# Where each public name lives. Nothing below is imported until first used (PEP 562): `import
# eventdata` costs next to nothing, and a name costs what its module needs (reading ACLED pays
# for pandas and pandera; statsmodels, scipy, matplotlib and dask load only with the analyses and
# plots that use them). Type checkers and IDEs cannot run this: they read the same names, with
# their types, from the stub beside this file (__init__.pyi), which tests/test_api.py holds to
# these tables. A new public name goes in a table here and in the stub.
_MODULES = {
    "acled": "eventdata.io.acled_api",
    "codebook": "eventdata.core.codebook",
    "datasets": "eventdata.datasets",
    "plot": "eventdata.plot",
    "spatial": "eventdata.analysis.spatial",
}
_NAMES = {
    "__version__": "eventdata.core.version",
    **dict.fromkeys(["EscalationAlerts", "escalation_alerts"], "eventdata.analysis.alerts"),
    **dict.fromkeys(
        [
            "AnniversaryResult",
            "AnniversaryTests",
            "anniversary_test",
        ],
        "eventdata.analysis.anniversary",
    ),
    **dict.fromkeys(["EventStudyResult", "event_study"], "eventdata.analysis.event_study"),
    **dict.fromkeys(["RateRatioTest", "rate_ratio_test"], "eventdata.analysis.rate_ratio"),
    **dict.fromkeys(
        ["InterruptedTimeSeries", "interrupted_time_series"], "eventdata.analysis.interrupted"
    ),
    **dict.fromkeys(
        [
            "PeriodComparison",
            "ProvinceModel",
            "ProvinceResult",
            "compare_periods",
            "province_frequency",
            "province_model",
        ],
        "eventdata.analysis.provinces",
    ),
    **dict.fromkeys(
        [
            "distance_km",
            "dyads",
            "from_long",
            "h3_cells",
            "priogrid_centroid",
            "priogrid_gid",
            "to_geopandas",
            "to_long",
            "write_geopackage",
            "write_geoparquet",
        ],
        "eventdata.analysis.spatial",
    ),
    **dict.fromkeys(["KnoxResult", "knox_test"], "eventdata.analysis.spatial.knox"),
    **dict.fromkeys(["ScanResult", "space_time_scan"], "eventdata.analysis.spatial.scan"),
    **dict.fromkeys(["UnitAnniversaryTests", "anniversary_by_unit"], "eventdata.analysis.units"),
    "normalize_admin1": "eventdata.core.admin1",
    **dict.fromkeys(
        [
            "Admin1Warning",
            "AutocorrelationWarning",
            "CalibrationWarning",
            "CodebookWarning",
            "CoverageWarning",
            "DispersionWarning",
            "EventDataError",
            "EventDataWarning",
            "InsufficientDataError",
            "OverdispersionWarning",
            "PrecisionWarning",
            "ReadError",
            "ReadWarning",
            "SelectionError",
            "StoreError",
            "ValidationError",
            "WindowOverlapWarning",
        ],
        "eventdata.core.errors",
    ),
    **dict.fromkeys(["ACLED_SCHEMA", "CORE_SCHEMA"], "eventdata.core.schema"),
    **dict.fromkeys(["Quarantine", "validate"], "eventdata.core.validation"),
    **dict.fromkeys(["counts", "filter_events"], "eventdata.events.counts"),
    "counts_out_of_core": "eventdata.events.outofcore",  # needs the optional dask extra
    **dict.fromkeys(["combine_sources", "match_events"], "eventdata.events.matching"),
    **dict.fromkeys(["read_acled", "write_acled"], "eventdata.io.acled_csv"),
    **dict.fromkeys(["read_incidents", "write_template"], "eventdata.io.incidents"),
    "read_ucdp_ged": "eventdata.io.ucdp",
    **dict.fromkeys(["Report", "build_report"], "eventdata.report"),
    **dict.fromkeys(
        [
            "EventStore",
            "StoreChange",
            "SyncResult",
            "read_parquet",
            "write_parquet",
        ],
        "eventdata.store",
    ),
}
# the public names are the tables' names (`__version__` is found but not exported by `*`)
__all__ = [*_MODULES, *(name for name in _NAMES if not name.startswith("__"))]


def __getattr__(name: str) -> object:
    if name in _MODULES:
        value = _import_module(_MODULES[name])
    elif name in _NAMES:
        value = getattr(_import_module(_NAMES[name]), name)
    else:
        raise AttributeError(f"module 'eventdata' has no attribute {name!r}")
    globals()[name] = value  # found once; later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
