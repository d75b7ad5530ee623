"""What an upsert or a deletion does to the stored rows, decided before anything is written."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from eventdata.core.errors import StoreError, ValidationError
from eventdata.core.validation import FAILURE_COLUMNS
from eventdata.store._layout import Layout, read_layout
from eventdata.store._log import StoreChange
from eventdata.store._types import ID, TIMESTAMP


def parse_deletions(deletions: pd.DataFrame | Iterable[str] | str) -> pd.DataFrame:
    """Deletions as a frame of id (str) and deleted_timestamp (Int64, NA for plain ids)."""
    if isinstance(deletions, str):
        deletions = [deletions]
    if not isinstance(deletions, pd.DataFrame):
        ids = pd.Series(list(deletions), dtype=object)
        deletions = pd.DataFrame({ID: ids})
    if ID not in deletions.columns:
        raise ValidationError(
            f"a deletions frame needs an {ID!r} column (columns found: {list(deletions.columns)})",
            pd.DataFrame([[None, None, ID, "column present", None]], columns=FAILURE_COLUMNS),
            len(deletions),
        )
    frame = deletions.reset_index(drop=True)
    ids = frame[ID].astype("string").str.strip()
    problems = []
    missing_id = ids.isna() | (ids == "")
    problems.append((np.flatnonzero(missing_id.to_numpy(dtype=bool)), ID, "required", frame[ID]))
    if "deleted_timestamp" in frame.columns:
        raw = frame["deleted_timestamp"]
        numbers = pd.to_numeric(raw.astype("string").str.strip(), errors="coerce")
        numbers = pd.Series(np.asarray(numbers, dtype="float64"))
        bad = numbers.isna() | (numbers < 0) | (numbers % 1 != 0)
        problems.append(
            (np.flatnonzero(bad.to_numpy()), "deleted_timestamp", "an integer >= 0", raw)
        )
        stamps = numbers.where(~bad).astype("Int64")
    else:
        stamps = pd.array([None] * len(frame), dtype="Int64")
    failures = pd.concat(
        [
            pd.DataFrame(
                {
                    "row": rows,
                    "event_id_cnty": ids.iloc[rows].to_numpy(),
                    "column": column,
                    "rule": rule,
                    "value": values.iloc[rows].astype("string").to_numpy(),
                }
            )
            for rows, column, rule, values in problems
            if len(rows)
        ]
        or [pd.DataFrame(columns=FAILURE_COLUMNS)]
    )
    if len(failures):
        shown = "; ".join(
            f"row {r.row}: {r.column} {r.rule} (got {r.value})"
            for r in failures.head(10).itertuples()
        )
        raise ValidationError(
            f"{failures['row'].nunique()} of {len(frame)} deletions are invalid: {shown}",
            failures.reset_index(drop=True),
            len(frame),
        )
    parsed = pd.DataFrame({ID: ids.astype(object), "deleted_timestamp": stamps})
    if not parsed[ID].duplicated().any():
        return parsed
    # An id listed twice: a plain deletion (no timestamp) wins, else the latest.
    plain = parsed.groupby(ID, sort=False)["deleted_timestamp"].apply(lambda s: s.isna().any())
    latest = parsed.groupby(ID, sort=False)["deleted_timestamp"].max()
    return pd.DataFrame(
        {ID: latest.index, "deleted_timestamp": latest.where(~plain).astype("Int64").to_numpy()}
    )


def lookup(layout: Layout, ids: list[str]) -> pd.DataFrame:
    """Stored timestamp and partition of these ids (index: id)."""
    records = []
    if layout.partitions and ids:
        key_of = {os.fspath(layout.root / p["path"]): tuple(p["key"]) for p in layout.partitions}
        stamped = TIMESTAMP in layout.schema.names
        scanner = layout.dataset().scanner(
            columns=[ID, TIMESTAMP] if stamped else [ID],
            filter=ds.field(ID).isin(pa.array(ids, pa.large_string())),
        )
        for tagged in scanner.scan_batches():
            batch = tagged.record_batch
            if batch.num_rows:
                key = key_of[tagged.fragment.path]
                records.append(
                    pd.DataFrame(
                        {
                            "id": batch.column(ID).to_pylist(),
                            "ts": (
                                batch.column(TIMESTAMP).to_numpy()
                                if stamped
                                else np.zeros(batch.num_rows, dtype=np.int64)
                            ),
                            "key": [key] * batch.num_rows,
                        }
                    )
                )
    if not records:
        return pd.DataFrame({"ts": pd.Series(dtype="Int64"), "key": pd.Series(dtype=object)})
    found = pd.concat(records, ignore_index=True)
    if found["id"].duplicated().any():
        twice = found.loc[found["id"].duplicated(), "id"].iloc[:5].tolist()
        raise StoreError(f"{layout.root}: ids stored twice {twice}; the store is damaged")
    return found.set_index("id").astype({"ts": "Int64"})


def _differs(layout: Layout, incoming: pd.DataFrame, known: pd.Index) -> Any:
    """For a source without ``timestamp``: 1 where a stored id's row differs, else 0."""
    ids = incoming[ID].astype(object)
    out = np.zeros(len(incoming), dtype=np.int64)
    seen = ids.isin(known).to_numpy()
    if seen.any():
        expression = ds.field(ID).isin(pa.array(ids[seen].tolist(), pa.large_string()))
        stored = read_layout(layout, expression, None).set_index(ID, drop=False)
        common = [c for c in incoming.columns if c in stored.columns]
        mine = incoming.loc[seen, common].reset_index(drop=True)
        theirs = stored.loc[ids[seen].tolist(), common].reset_index(drop=True)
        try:
            theirs = theirs.astype(mine.dtypes.to_dict())
            same = (
                pd.util.hash_pandas_object(mine, index=False).to_numpy()
                == pd.util.hash_pandas_object(theirs, index=False).to_numpy()
            )
        except (TypeError, ValueError):
            same = np.zeros(int(seen.sum()), dtype=bool)
        out[np.flatnonzero(seen)] = (~same).astype(np.int64)
    return pd.array(out, dtype="Int64")


@dataclass
class Plan:
    """The outcome of applying rows then deletions to the stored state."""

    write: np.ndarray  # incoming rows to write (bool mask)
    removed_by_key: dict[tuple, list[str]]  # stored ids to drop, by partition
    tombstones: dict[str, int]
    counts: dict[str, int]

    @classmethod
    def make(
        cls,
        layout: Layout,
        incoming: pd.DataFrame | None,
        deletions: pd.DataFrame | None,
        tombstones: dict[str, int],
    ) -> Plan:
        incoming_ids = [] if incoming is None else incoming[ID].astype(object).tolist()
        deleted_ids = [] if deletions is None else deletions[ID].tolist()
        stored = lookup(layout, list(dict.fromkeys(incoming_ids + deleted_ids)))
        tombstones = dict(tombstones)
        counts = dict.fromkeys(
            ("added", "updated", "unchanged", "stale", "deleted", "not_found", "stale_deletions"),
            0,
        )
        # state after the rows: id -> (timestamp, where: partition key or "incoming")
        state_ts = stored["ts"].copy()
        write = np.zeros(0, dtype=bool)
        removed: set[str] = set()
        if incoming is not None:
            ids = pd.Index(incoming_ids)
            if TIMESTAMP in incoming.columns:
                ts = pd.array(incoming[TIMESTAMP], dtype="Int64")
            else:  # no versions: a row differing from the stored one is newer
                ts = _differs(layout, incoming, stored.index)
            prior = pd.array(stored["ts"].reindex(ids), dtype="Int64")
            known = ~pd.isna(prior)
            newer = known & (ts > prior).fillna(False).to_numpy(dtype=bool)
            equal = known & (ts == prior).fillna(False).to_numpy(dtype=bool)
            buried_ts = pd.array(pd.Series(tombstones, dtype="Int64").reindex(ids), dtype="Int64")
            buried = ~known & (ts <= buried_ts).fillna(False).to_numpy(dtype=bool)
            added = ~known & ~buried
            write = added | newer
            counts.update(
                added=int(added.sum()),
                updated=int(newer.sum()),
                unchanged=int(equal.sum()),
                stale=int((known & ~newer & ~equal).sum() + buried.sum()),
            )
            removed |= set(ids[newer])
            for event_id in ids[added]:
                tombstones.pop(event_id, None)
            state_ts = pd.concat(
                [state_ts.drop(ids[newer]), pd.Series(ts[write], index=ids[write], dtype="Int64")]
            )
        if deletions is not None:
            present = deletions[ID].isin(state_ts.index).to_numpy()
            current = pd.array(state_ts.reindex(deletions[ID]), dtype="Int64")
            when = pd.array(deletions["deleted_timestamp"], dtype="Int64")
            newer_or_plain = (pd.isna(when) | (when >= current).fillna(False)).astype(bool)
            applies = present & np.asarray(newer_or_plain)
            counts.update(
                deleted=int(applies.sum()),
                not_found=int((~present).sum()),
                stale_deletions=int((present & ~applies).sum()),
            )
            gone = deletions.loc[applies, ID].tolist()
            marks = np.where(pd.isna(when[applies]), current[applies], when[applies])
            tombstones.update({i: int(t) for i, t in zip(gone, marks, strict=True)})
            removed |= set(gone) & set(stored.index)
            if incoming is not None and gone:
                write = write & ~pd.Index(incoming_ids).isin(gone)
        removed_by_key: dict[tuple, list[str]] = {}
        for event_id in sorted(removed):
            removed_by_key.setdefault(stored.at[event_id, "key"], []).append(event_id)
        return cls(write, removed_by_key, tombstones, counts)

    def change(
        self, operation: str, when: pd.Timestamp, rows: int, parts: tuple[str, ...]
    ) -> StoreChange:
        return StoreChange(operation, when, rows=rows, partitions=parts, **self.counts)
