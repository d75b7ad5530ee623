"""What travels between the ACLED client and the API, apart from the HTTP itself.

Private to :mod:`eventdata.io.acled_api`: the account and its tokens (kept hidden),
the values of a query, an answer read in full, ACLED's error messages, and the
rows of the pages as the string frames a CSV reader would give.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import numbers
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eventdata.core.errors import MalformedResponse
from eventdata.core.options import as_day, as_names
from eventdata.io._http import Secret

if TYPE_CHECKING:
    import requests

# the client's logger: records say what the client did, whichever module wrote them
logger = logging.getLogger("eventdata.io.acled_api")

# Renew the access token this long before the expiry the server announced.
_EXPIRY_MARGIN_SECONDS = 60.0
#: The longest text of a server's taken into a message.
MESSAGE_LIMIT = 300


class Credentials:
    """The account, kept out of every repr, message and traceback's local variables."""

    __slots__ = ("password", "username")

    def __init__(self, username: Secret, password: Secret) -> None:
        self.username = username
        self.password = password

    def __repr__(self) -> str:
        return "<ACLED credentials hidden>"


@dataclass(repr=False)
class Token:
    access: Secret
    refresh: Secret | None
    expires_at: float  # time.monotonic() seconds

    def __repr__(self) -> str:
        return "<ACLED token hidden>"


class BearerAuth:
    """Sets ``Authorization: Bearer``; being an auth callable, it also keeps ~/.netrc out."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = "Bearer " + self._token.reveal()
        return request

    def __repr__(self) -> str:
        return "<bearer token hidden>"


@dataclass(frozen=True)
class Answer:
    """What a request brought back, read in full within the deadline."""

    status: int
    reason: str
    headers: Mapping[str, str]
    content: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


def attempts_text(count: int) -> str:
    return f"{count} attempt{'s' if count != 1 else ''}"


def token_of(answer: Answer) -> Token | None:
    """The tokens of a token answer, hidden at once; None when it has no access token."""
    try:
        body = answer.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    access, refresh = body.get("access_token"), body.get("refresh_token")
    if not isinstance(access, str) or not access:
        return None
    try:
        lifetime = float(body.get("expires_in", 86400))
    except (TypeError, ValueError):
        lifetime = 86400.0
    if not 0 <= lifetime < float("inf"):
        lifetime = 86400.0
    return Token(
        access=Secret(access),
        refresh=Secret(refresh) if isinstance(refresh, str) and refresh else None,
        expires_at=time.monotonic() + lifetime - _EXPIRY_MARGIN_SECONDS,
    )


def query_names(values: str | Iterable[str], label: str) -> list[str]:
    names = as_names(values, label, error=ValueError)
    bad = [v for v in names if not v.strip() or "|" in v]
    if not names or bad:
        raise ValueError(f"{label} must be one or more non-empty strings without '|', got {bad}")
    return [v.strip() for v in names]


def query_day(value: str | dt.date, label: str) -> str:
    day = as_day(value, label, error=ValueError)
    return day.strftime("%Y-%m-%d")


def unix_seconds(value: int | str | dt.datetime) -> int:
    """Unix seconds from seconds, or from a date/time (UTC unless it says otherwise)."""
    if isinstance(value, bool):
        raise TypeError("since_timestamp must be Unix seconds or a date/time, not a bool")
    if isinstance(value, numbers.Real):
        if not float(value).is_integer():
            raise ValueError(f"since_timestamp must be whole Unix seconds, not {value!r}")
        seconds = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        seconds = int(value)
    else:
        try:
            moment = pd.Timestamp(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"since_timestamp must be Unix seconds or a date/time, not {value!r}"
            ) from None
        if moment is pd.NaT:
            raise ValueError("since_timestamp is missing (NaT)")
        if moment.tzinfo is None:
            moment = moment.tz_localize("UTC")
        seconds = int(moment.timestamp())
    if seconds < 0:
        raise ValueError(f"since_timestamp must not be before 1970, got {value!r}")
    return seconds


def message_of(body: Any) -> str:
    """The human text in ACLED's error shapes: ``error: [{message}]``, ``message``, ..."""
    if isinstance(body, str):
        return " ".join(body.split())[:MESSAGE_LIMIT]
    if isinstance(body, list):
        return "; ".join(filter(None, (message_of(item) for item in body)))
    if isinstance(body, dict):
        for key in ("error_description", "message", "error", "errors", "detail"):
            if body.get(key):
                return message_of(body[key])
    return ""


def row_key(row: Any) -> str:
    """What makes a row the same row on another page: its event id, else all of it."""
    if isinstance(row, dict):
        key = row.get("event_id_cnty")
        if isinstance(key, str | int) and not isinstance(key, bool) and str(key).strip():
            return "id:" + str(key).strip()
    return "row:" + json.dumps(row, sort_keys=True, default=str)


def rows_to_frame(rows: list, path: str) -> pd.DataFrame:
    """JSON rows as the strings a CSV reader gives: numbers written out, null as NaN."""
    bad = [i for i, row in enumerate(rows) if not isinstance(row, dict)]
    if bad:
        raise MalformedResponse(
            f"{path}: {len(bad)} row(s) are not JSON objects (first at position {bad[0]})",
            endpoint=path,
        )
    frame = pd.DataFrame(rows, dtype=object)
    return frame.astype(str).where(frame.notna(), np.nan)


def stack_pages(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """One string frame from the pages, each row once; a column per field asked when empty."""
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    raw = pd.concat(frames, ignore_index=True)
    if "event_id_cnty" in raw.columns:
        # The copy to keep: the newest (highest timestamp), then the one read last.
        stamp = (
            pd.to_numeric(raw["timestamp"], errors="coerce")
            if "timestamp" in raw.columns
            else pd.Series(np.nan, index=raw.index)
        )
        order = raw.assign(_stamp=stamp).sort_values(
            ["_stamp", "_page"], na_position="first", kind="stable"
        )
        older = order.duplicated("event_id_cnty", keep="last") & order["event_id_cnty"].notna()
        if older.any():
            logger.info(
                "%d row(s) came twice while paging: kept each one's newest copy",
                int(older.sum()),
            )
            raw = raw.drop(index=order.index[older.to_numpy()]).reset_index(drop=True)
    return raw.drop(columns="_page")


def deletions_frame(rows: list, path: str) -> pd.DataFrame:
    """The deletions of the pages: ids and Unix seconds; a row lacking either is an error."""
    raw = rows_to_frame(rows, path)
    for column in ("event_id_cnty", "deleted_timestamp"):
        if column not in raw.columns:
            raw[column] = np.nan
    ids = raw["event_id_cnty"].astype("string").str.strip()
    stamps = pd.to_numeric(raw["deleted_timestamp"], errors="coerce")
    bad = ids.isna() | (ids == "") | stamps.isna() | (stamps % 1 != 0)
    if bad.any():
        first = rows[int(np.flatnonzero(bad.to_numpy())[0])]
        raise MalformedResponse(
            f"{path}: {int(bad.sum())} row(s) lack an event_id_cnty or an integer "
            f"deleted_timestamp (first: {first!r})",
            endpoint=path,
        )
    return pd.DataFrame(
        {"event_id_cnty": ids, "deleted_timestamp": stamps.astype("Int64")}
    ).reset_index(drop=True)
