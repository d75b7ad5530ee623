# The names of eventdata's lazy facade (eventdata/__init__.py), for type checkers and IDEs.
#
# At run time `import eventdata` imports nothing: each name is imported from its module when
# first used (PEP 562 `__getattr__`). Type checkers read this stub instead of __init__.py and
# so see every name of `__all__` with its real type and signature. No module `__getattr__` here:
# with one, a misspelt name would type-check. tests/test_api.py checks that this file, `__all__`
# and the facade agree: a name added to one and not the others fails the suite.

from eventdata import datasets as datasets
from eventdata import plot as plot
from eventdata.analysis import spatial as spatial
from eventdata.analysis.alerts import EscalationAlerts as EscalationAlerts
from eventdata.analysis.alerts import escalation_alerts as escalation_alerts
from eventdata.analysis.anniversary import AnniversaryResult as AnniversaryResult
from eventdata.analysis.anniversary import AnniversaryTests as AnniversaryTests
from eventdata.analysis.anniversary import anniversary_test as anniversary_test
from eventdata.analysis.event_study import EventStudyResult as EventStudyResult
from eventdata.analysis.event_study import event_study as event_study
from eventdata.analysis.interrupted import InterruptedTimeSeries as InterruptedTimeSeries
from eventdata.analysis.interrupted import interrupted_time_series as interrupted_time_series
from eventdata.analysis.provinces import PeriodComparison as PeriodComparison
from eventdata.analysis.provinces import ProvinceModel as ProvinceModel
from eventdata.analysis.provinces import ProvinceResult as ProvinceResult
from eventdata.analysis.provinces import compare_periods as compare_periods
from eventdata.analysis.provinces import province_frequency as province_frequency
from eventdata.analysis.provinces import province_model as province_model
from eventdata.analysis.rate_ratio import RateRatioTest as RateRatioTest
from eventdata.analysis.rate_ratio import rate_ratio_test as rate_ratio_test
from eventdata.analysis.spatial import distance_km as distance_km
from eventdata.analysis.spatial import dyads as dyads
from eventdata.analysis.spatial import from_long as from_long
from eventdata.analysis.spatial import h3_cells as h3_cells
from eventdata.analysis.spatial import priogrid_centroid as priogrid_centroid
from eventdata.analysis.spatial import priogrid_gid as priogrid_gid
from eventdata.analysis.spatial import to_geopandas as to_geopandas
from eventdata.analysis.spatial import to_long as to_long
from eventdata.analysis.spatial import write_geopackage as write_geopackage
from eventdata.analysis.spatial import write_geoparquet as write_geoparquet
from eventdata.analysis.spatial.knox import KnoxResult as KnoxResult
from eventdata.analysis.spatial.knox import knox_test as knox_test
from eventdata.analysis.spatial.scan import ScanResult as ScanResult
from eventdata.analysis.spatial.scan import space_time_scan as space_time_scan
from eventdata.analysis.units import UnitAnniversaryTests as UnitAnniversaryTests
from eventdata.analysis.units import anniversary_by_unit as anniversary_by_unit
from eventdata.core import codebook as codebook
from eventdata.core.admin1 import normalize_admin1 as normalize_admin1
from eventdata.core.errors import Admin1Warning as Admin1Warning
from eventdata.core.errors import AutocorrelationWarning as AutocorrelationWarning
from eventdata.core.errors import CalibrationWarning as CalibrationWarning
from eventdata.core.errors import CodebookWarning as CodebookWarning
from eventdata.core.errors import CoverageWarning as CoverageWarning
from eventdata.core.errors import DispersionWarning as DispersionWarning
from eventdata.core.errors import EventDataError as EventDataError
from eventdata.core.errors import EventDataWarning as EventDataWarning
from eventdata.core.errors import InsufficientDataError as InsufficientDataError
from eventdata.core.errors import OverdispersionWarning as OverdispersionWarning
from eventdata.core.errors import PrecisionWarning as PrecisionWarning
from eventdata.core.errors import ReadError as ReadError
from eventdata.core.errors import ReadWarning as ReadWarning
from eventdata.core.errors import SelectionError as SelectionError
from eventdata.core.errors import StoreError as StoreError
from eventdata.core.errors import ValidationError as ValidationError
from eventdata.core.errors import WindowOverlapWarning as WindowOverlapWarning
from eventdata.core.schema import ACLED_SCHEMA as ACLED_SCHEMA
from eventdata.core.schema import CORE_SCHEMA as CORE_SCHEMA
from eventdata.core.validation import Quarantine as Quarantine
from eventdata.core.validation import validate as validate
from eventdata.core.version import __version__ as __version__
from eventdata.events.counts import counts as counts
from eventdata.events.counts import filter_events as filter_events
from eventdata.events.matching import combine_sources as combine_sources
from eventdata.events.matching import match_events as match_events
from eventdata.events.outofcore import counts_out_of_core as counts_out_of_core
from eventdata.io import acled_api as acled
from eventdata.io.acled_csv import read_acled as read_acled
from eventdata.io.acled_csv import write_acled as write_acled
from eventdata.io.incidents import read_incidents as read_incidents
from eventdata.io.incidents import write_template as write_template
from eventdata.io.ucdp import read_ucdp_ged as read_ucdp_ged
from eventdata.report import Report as Report
from eventdata.report import build_report as build_report
from eventdata.store import EventStore as EventStore
from eventdata.store import StoreChange as StoreChange
from eventdata.store import SyncResult as SyncResult
from eventdata.store import read_parquet as read_parquet
from eventdata.store import write_parquet as write_parquet

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
