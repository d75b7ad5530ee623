"""Parquet storage: exact round trips, a local ACLED mirror with weekly updates, exports.

:func:`write_parquet` and :func:`read_parquet` store a validated frame as
Parquet and give it back exactly (same rows, values and dtypes, categoricals
with their full codebook vocabularies). A dataset is a folder of hive-style
partitions (``country=Iraq/year=2022/part-<uuid>.parquet``), rows sorted by
``event_date`` within each file, so that filters read only the matching files
(partition pruning) and row groups (``event_date`` statistics).

:class:`EventStore` keeps such a folder as a mirror of ACLED: ``upsert`` applies
an export by ``event_id_cnty`` and ``timestamp`` (a row replaces the stored one
only when it is newer), ``delete`` applies ACLED's deletions, ``log`` lists the
changes. Every write is atomic: data files are immutable, and a small manifest
(``_eventdata.json``) naming the live file of each partition is replaced with
write-to-temp, fsync and ``os.replace``. A crash at any moment leaves the
previous state whole; readers never see a half-written state; leftovers of a
crash are removed on the next open or write.

The folder stays a plain Parquet dataset: pyarrow, DuckDB or Polars read it
without eventdata (hive partitioning), and each file carries its provenance
(schema name and version, eventdata and codebook versions, row count, date and
timestamp ranges) in its key-value metadata under the key ``eventdata``.

The modules: :mod:`~eventdata.store.parquet` (``read_parquet``, ``write_parquet``,
``export``), :mod:`~eventdata.store.mirror` (``EventStore``),
:mod:`~eventdata.store.dataset` (what a dataset holds: ``open_dataset``,
``read_columns``); private ones hold the manifest (``_manifest``), the commit of a change
(``_commit``), the dtypes (``_types``), the layout and filters (``_layout``).

Examples
--------
>>> import tempfile
>>> import eventdata as ed
>>> from eventdata.store import EventStore
>>> events = ed.datasets.load_seed_incidents()
>>> with tempfile.TemporaryDirectory() as folder:
...     store = EventStore(folder)
...     change = store.upsert(events)
...     iraq = store.read(countries="Iraq")
>>> change.added, len(iraq), str(iraq["event_date"].dtype)
(6, 3, 'datetime64[ns]')
"""

from eventdata.core.errors import StoreError
from eventdata.store._commit import COMPRESSION, ROW_GROUP_SIZE
from eventdata.store._groups import DEFAULT_PARTITION_BY, group_codes
from eventdata.store._log import StoreChange, SyncResult
from eventdata.store._manifest import (
    FORMAT_VERSION,
    LOCK,
    LOCK_TIMEOUT,
    MANIFEST,
    METADATA_KEY,
)
from eventdata.store.dataset import (
    StoredDataset,
    guarded,
    is_stored,
    open_dataset,
    read_columns,
)
from eventdata.store.mirror import EventStore
from eventdata.store.parquet import export, read_parquet, write_parquet

__all__ = [
    "COMPRESSION",
    "DEFAULT_PARTITION_BY",
    "FORMAT_VERSION",
    "LOCK",
    "LOCK_TIMEOUT",
    "MANIFEST",
    "METADATA_KEY",
    "ROW_GROUP_SIZE",
    "EventStore",
    "StoreChange",
    "StoredDataset",
    "StoreError",
    "SyncResult",
    "export",
    "group_codes",
    "guarded",
    "is_stored",
    "open_dataset",
    "read_columns",
    "read_parquet",
    "write_parquet",
]
