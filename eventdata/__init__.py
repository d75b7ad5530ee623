"""eventdata: validated, stored and honestly analysed political-violence event data.

Examples
--------
>>> import eventdata as ed
>>> events = ed.datasets.load_seed_incidents()
>>> events["event_type"].value_counts()["Strategic developments"]
np.int64(3)
"""

from __future__ import annotations

from eventdata import datasets
from eventdata.analysis import spatial
from eventdata.analysis.alerts import EscalationAlerts, escalation_alerts
from eventdata.analysis.anniversary import AnniversaryResult, AnniversaryTests, anniversary_test
from eventdata.analysis.event_study import EventStudyResult, event_study
from eventdata.analysis.interrupted import InterruptedTimeSeries, interrupted_time_series
from eventdata.analysis.provinces import (
    PeriodComparison,
    ProvinceModel,
    ProvinceResult,
    compare_periods,
    province_frequency,
    province_model,
)
from eventdata.analysis.rate_ratio import RateRatioTest, rate_ratio_test
from eventdata.analysis.spatial import (
    distance_km,
    dyads,
    from_long,
    h3_cells,
    priogrid_centroid,
    priogrid_gid,
    to_geopandas,
    to_long,
    write_geopackage,
    write_geoparquet,
)
from eventdata.analysis.spatial.knox import KnoxResult, knox_test
from eventdata.analysis.spatial.scan import ScanResult, space_time_scan
from eventdata.analysis.units import UnitAnniversaryTests, anniversary_by_unit
from eventdata.core import codebook
from eventdata.core.admin1 import normalize_admin1
from eventdata.core.errors import (
    Admin1Warning,
    AutocorrelationWarning,
    CalibrationWarning,
    CodebookWarning,
    CoverageWarning,
    DispersionWarning,
    EventDataError,
    EventDataWarning,
    InsufficientDataError,
    OverdispersionWarning,
    PrecisionWarning,
    ReadError,
    ReadWarning,
    SelectionError,
    StoreError,
    ValidationError,
    WindowOverlapWarning,
)
from eventdata.core.schema import ACLED_SCHEMA, CORE_SCHEMA
from eventdata.core.validation import Quarantine, validate
from eventdata.core.version import __version__ as __version__
from eventdata.events.counts import counts, filter_events
from eventdata.events.matching import combine_sources, match_events
from eventdata.io import acled_api as acled
from eventdata.io.acled_csv import read_acled
from eventdata.io.incidents import read_incidents, write_template
from eventdata.io.ucdp import read_ucdp_ged
from eventdata.report import Report, build_report
from eventdata.store import (
    EventStore,
    StoreChange,
    SyncResult,
    read_parquet,
    write_acled,
    write_parquet,
)

del annotations  # helpers, not the API


def __getattr__(name: str):
    # eventdata.plot loads matplotlib and seaborn: only when first used
    if name == "plot":
        import importlib

        return importlib.import_module("eventdata.plot")
    if name == "counts_out_of_core":  # needs the optional dask extra
        from eventdata.events.outofcore import counts_out_of_core

        return counts_out_of_core
    raise AttributeError(f"module 'eventdata' has no attribute {name!r}")


__all__ = [
    "ACLED_SCHEMA",
    "Admin1Warning",
    "AnniversaryResult",
    "AnniversaryTests",
    "AutocorrelationWarning",
    "CalibrationWarning",
    "CodebookWarning",
    "CoverageWarning",
    "CORE_SCHEMA",
    "DispersionWarning",
    "EscalationAlerts",
    "EventDataError",
    "EventDataWarning",
    "EventStore",
    "EventStudyResult",
    "InsufficientDataError",
    "InterruptedTimeSeries",
    "OverdispersionWarning",
    "PrecisionWarning",
    "PeriodComparison",
    "ProvinceModel",
    "ProvinceResult",
    "Quarantine",
    "RateRatioTest",
    "ReadError",
    "ReadWarning",
    "SelectionError",
    "Report",
    "StoreChange",
    "StoreError",
    "SyncResult",
    "ValidationError",
    "WindowOverlapWarning",
    "acled",
    "anniversary_test",
    "build_report",
    "codebook",
    "combine_sources",
    "compare_periods",
    "counts",
    "counts_out_of_core",
    "datasets",
    "escalation_alerts",
    "event_study",
    "filter_events",
    "interrupted_time_series",
    "match_events",
    "normalize_admin1",
    "plot",
    "province_frequency",
    "province_model",
    "rate_ratio_test",
    "read_acled",
    "read_incidents",
    "read_parquet",
    "read_ucdp_ged",
    "validate",
    "write_acled",
    "write_parquet",
    "write_template",
    "spatial",
    "distance_km",
    "dyads",
    "from_long",
    "h3_cells",
    "priogrid_centroid",
    "priogrid_gid",
    "to_long",
    "ScanResult",
    "space_time_scan",
    "KnoxResult",
    "knox_test",
    "UnitAnniversaryTests",
    "anniversary_by_unit",
    "to_geopandas",
    "write_geopackage",
    "write_geoparquet",
]
