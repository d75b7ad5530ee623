"""The store's log: what each write did (:class:`StoreChange`), and a sync's result."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from eventdata.core.result import Result
from eventdata.store._manifest import LOG_COLUMNS


@dataclass(frozen=True)
class StoreChange(Result):
    """What one write did to a store: one entry of :meth:`EventStore.log`.

    Attributes
    ----------
    operation : {"write", "upsert", "sync", "delete", "compact"}
    when : pandas.Timestamp
        When the change was committed (UTC).
    added, updated : int
        Rows new to the store, and stored rows replaced by a newer version.
    unchanged : int
        Rows whose timestamp equals the stored row's (not rewritten).
    stale : int
        Rows older than the stored row, or than the row's recorded deletion: ignored.
    deleted : int
        Stored rows removed.
    not_found : int
        Deletions naming an id that is not stored.
    stale_deletions : int
        Deletions older than the stored row's timestamp: not applied.
    rows : int
        Rows stored after the change.
    partitions : tuple of str
        Partitions rewritten, as folder names (``country=Iraq/year=2022``).

    Examples
    --------
    >>> change = StoreChange("upsert", pd.Timestamp("2024-05-06", tz="UTC"), added=3, rows=3)
    >>> print(change.summary())
    upsert at 2024-05-06 00:00 UTC: 3 rows stored
      added               3
      updated             0
      unchanged           0
      stale (ignored)     0
      partitions rewritten: 0
    """

    operation: str
    when: pd.Timestamp
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    deleted: int = 0
    not_found: int = 0
    stale_deletions: int = 0
    rows: int = 0
    partitions: tuple[str, ...] = ()

    def _counts(self) -> list[tuple[str, str]]:
        """(label, attribute) of the counts that matter for this operation."""
        upserted = [
            ("added", "added"),
            ("updated", "updated"),
            ("unchanged", "unchanged"),
            ("stale (ignored)", "stale"),
        ]
        deleted = [
            ("deleted", "deleted"),
            ("not found", "not_found"),
            ("stale deletions", "stale_deletions"),
        ]
        if self.operation == "write":  # stale: deleted or newer in the store it replaced
            return [("written", "added")] + ([("stale (ignored)", "stale")] if self.stale else [])
        if self.operation == "delete":
            return deleted
        if self.operation in ("upsert", "sync"):
            has_deletions = self.deleted or self.not_found or self.stale_deletions
            return upserted + (deleted if has_deletions else [])
        return []

    def to_frame(self) -> pd.DataFrame:
        """One row with every count, as in :meth:`EventStore.log`."""
        return log_frame([entry_record(self)])

    def _headline_dict(self) -> dict[str, Any]:
        return entry_record(self)

    def summary(self) -> str:
        """A short text report of the change."""
        lines = [
            f"{self.operation} at {self.when:%Y-%m-%d %H:%M} UTC: {self.rows:,} rows stored",
            *(f"  {label:<16}{getattr(self, name):>6,}" for label, name in self._counts()),
        ]
        shown = ", ".join(self.partitions[:6]) + (", ..." if len(self.partitions) > 6 else "")
        lines.append(
            f"  partitions rewritten: {len(self.partitions)}" + (f" ({shown})" if shown else "")
        )
        return "\n".join(lines)

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={getattr(self, name)}" for _, name in self._counts())
        return f"StoreChange({self.operation}: {counts}{', ' if counts else ''}rows={self.rows})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{label}</td><td>{getattr(self, name):,}</td></tr>"
            for label, name in self._counts()
        )
        return (
            f"<p><b>{self.operation}</b> at {self.when:%Y-%m-%d %H:%M} UTC: {self.rows:,} rows "
            f"stored, {len(self.partitions)} partitions rewritten</p><table>{rows}</table>"
        )


@dataclass(frozen=True)
class SyncResult(Result):
    """What :meth:`EventStore.sync` did.

    Attributes
    ----------
    change : StoreChange
        The change applied to the store (rows added, updated, deleted, ...).
    rejected : pandas.DataFrame
        Rows the API sent that failed validation, with a ``reason``; not stored.
    since : int or None
        The Unix time changes were fetched from (None: everything).
    quarantine : pathlib.Path or None
        The file the rejected rows were written to before the store changed
        (None: no row was rejected, or no file was asked for).
    """

    change: StoreChange
    rejected: pd.DataFrame
    since: int | None
    quarantine: Path | None = None

    def summary(self) -> str:
        """Text report: what was fetched from when, the change, the rejected rows."""
        since = "the beginning" if self.since is None else pd.Timestamp(self.since, unit="s")
        lines = [f"sync of changes since {since}", self.change.summary()]
        if len(self.rejected):
            lines.append(f"rejected rows (not stored): {len(self.rejected)}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The change as one tidy row (see :meth:`StoreChange.to_frame`)."""
        return self.change.to_frame().assign(rejected=len(self.rejected), since=self.since)

    def _headline_dict(self) -> dict[str, Any]:
        return {**entry_record(self.change), "rejected": len(self.rejected), "since": self.since}


def entry_record(change: StoreChange) -> dict[str, Any]:
    record = {f.name: getattr(change, f.name) for f in fields(change)}
    record["when"] = change.when.isoformat()
    record["partitions"] = list(change.partitions)
    return record


def log_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(LOG_COLUMNS))
    frame["when"] = pd.to_datetime(frame["when"], utc=True, format="ISO8601", errors="coerce")
    frame["partitions"] = frame["partitions"].map(
        lambda parts: tuple(parts) if isinstance(parts, list | tuple) else ()
    )
    counts = [c for c in LOG_COLUMNS if c not in ("when", "operation", "partitions")]
    frame[counts] = frame[counts].fillna(0)  # counts an older entry lacks
    return frame.astype({c: "int64" for c in counts} | {"operation": pd.StringDtype()})
