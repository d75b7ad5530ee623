"""eventdata: validated, stored and honestly analysed political-violence event data.

Examples
--------
>>> import eventdata as ed
>>> events = ed.datasets.load_seed_incidents()
>>> events["event_type"].value_counts()["Strategic developments"]
np.int64(3)
"""

from __future__ import annotations

import importlib.metadata as _metadata

# first, so that submodules can read it while the package loads
try:
    __version__ = _metadata.version("eventdata")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from eventdata import acled, codebook, datasets, spatial
from eventdata.admin1 import normalize_admin1
from eventdata.alerts import EscalationAlerts, escalation_alerts
from eventdata.anniversary import (
    AnniversaryResult,
    AnniversaryTests,
    EventStudyResult,
    RateRatioTest,
    anniversary_test,
    event_study,
    rate_ratio_test,
)
from eventdata.errors import (
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
from eventdata.incidents import read_incidents, write_template
from eventdata.interrupted import InterruptedTimeSeries, interrupted_time_series
from eventdata.io import read_acled
from eventdata.matching import combine_sources, match_events
from eventdata.provinces import (
    PeriodComparison,
    ProvinceModel,
    ProvinceResult,
    compare_periods,
    province_frequency,
    province_model,
)
from eventdata.report import Report, build_report
from eventdata.schema import ACLED_SCHEMA, CORE_SCHEMA
from eventdata.series import counts, filter_events
from eventdata.spatial import (
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
from eventdata.spatial.knox import KnoxResult, knox_test
from eventdata.spatial.scan import ScanResult, space_time_scan
from eventdata.store import (
    EventStore,
    StoreChange,
    SyncResult,
    read_parquet,
    write_acled,
    write_parquet,
)
from eventdata.ucdp import read_ucdp_ged
from eventdata.units import UnitAnniversaryTests, anniversary_by_unit
from eventdata.validation import Quarantine, validate

del _metadata, annotations  # helpers, not the API


def __getattr__(name: str):
    # eventdata.plot loads matplotlib and seaborn: only when first used
    if name == "plot":
        import importlib

        return importlib.import_module("eventdata.plot")
    if name == "counts_out_of_core":  # needs the optional dask extra
        from eventdata.outofcore import counts_out_of_core

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
