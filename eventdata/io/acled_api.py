"""A client for ACLED's API: account login, paging, retries and validated frames.

ACLED retired its key-and-email API in September 2025. The current one logs in
with the myACLED account (an OAuth password grant that returns an access token
and a refresh token) and serves events at ``/api/acled/read`` and deletions at
``/api/deleted/read``, a page at a time. :class:`Client` hides all of that:

- credentials come from arguments or the ``ACLED_USERNAME`` and
  ``ACLED_PASSWORD`` environment variables, and never appear in a ``repr``,
  a log record, an error message (in any encoding a server may echo them in),
  the rows returned (a server echoing them in a row gets ``***`` there, so no
  validation error, warning, quarantine or store file built from the rows holds
  them) or the local variables of an error's traceback; they travel only over https
  (loopback aside) and never follow a redirect;
- an expired access token is refreshed (or, if the refresh token is refused,
  the client logs in again) and the request is sent once more;
- answers 429 (honouring ``Retry-After``) and 5xx are retried with exponential
  backoff by urllib3's ``Retry``, within a budget, and each request has a
  deadline for the whole exchange (connecting, the TLS handshake, the answer and
  every retry and wait), not only for each byte;
- paging is bounded: a page larger than asked, or one that only repeats rows
  of earlier pages, is an error, and a row met twice keeps its newest copy;
- rows go through :func:`eventdata.validate`, so :meth:`Client.events` returns
  exactly the types :func:`eventdata.read_acled` returns for the same rows
  written as a CSV.

Every failure raises one error from :class:`AcledAPIError`'s small hierarchy,
with a message a notebook user can act on.

Examples
--------
>>> from eventdata import acled
>>> with acled.Client(username="analyst@example.org", password="example") as client:
...     client
Client(base_url='https://acleddata.com', page_size=5000, logged_in=False)
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import logging
import numbers
import os
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from eventdata.core import codebook
from eventdata.core.errors import (
    AcledAPIError,
    AuthenticationError,
    MalformedResponse,
    RequestRejected,
    RetryBudgetExhausted,
    ValidationError,
)
from eventdata.core.progress import Progress, ProgressOption
from eventdata.core.schema import ACLED_SCHEMA
from eventdata.core.sources import ACLED_API_URL
from eventdata.core.validation import Errors, Quarantine, validate
from eventdata.io._acled_answers import (
    MESSAGE_LIMIT,
    Answer,
    BearerAuth,
    Credentials,
    Token,
    attempts_text,
    deletions_frame,
    message_of,
    query_day,
    query_names,
    row_key,
    rows_to_frame,
    stack_pages,
    token_of,
    unix_seconds,
)
from eventdata.io._http import (
    DeadlineExceeded,
    Redactor,
    Secret,
    bounded_adapter,
    bounded_retry,
    checked_base_url,
    chunks_within,
    host_of,
    watching,
)

__all__ = [
    "AcledAPIError",
    "AuthenticationError",
    "Client",
    "MalformedResponse",
    "PageProgress",
    "RequestRejected",
    "RetryBudgetExhausted",
]

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = ACLED_API_URL
TOKEN_PATH = "/oauth/token"
EVENTS_PATH = "/api/acled/read"
DELETIONS_PATH = "/api/deleted/read"
CLIENT_ID = "acled"
USERNAME_ENV = "ACLED_USERNAME"
PASSWORD_ENV = "ACLED_PASSWORD"
# The PyPI ``acled`` package reads the account from ACLED_EMAIL too.
_USERNAME_ENV_ALIASES = (USERNAME_ENV, "ACLED_EMAIL")

#: The largest page ACLED serves. A larger ``limit`` could be cut to this size
#: by the server and then read as the last page: rows would go missing silently.
MAX_PAGE_SIZE = 5000

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# No answer of ACLED's comes near this: a 5000-row page is some 10 MB of JSON.
_MAX_ANSWER_BYTES = 512 * 2**20


@dataclass(frozen=True)
class PageProgress:
    """Passed to a progress callback after each page.

    Attributes
    ----------
    endpoint : str
        The path being read.
    page : int
        The page just read (1-based).
    rows : int
        Rows on that page.
    total_rows : int
        Rows read so far, this page included.
    """

    endpoint: str
    page: int
    rows: int
    total_rows: int


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _clean_errors(method: _Method) -> _Method:
    """Re-raise the client's errors with every secret blanked and no inner frames.

    The error raised is a fresh copy, raised outside the ``except`` block: its
    traceback starts here, so tools that show a traceback's local variables (error
    trackers, ``pytest -l``) see none of the frames that handled the login form,
    the tokens or the answers, and it keeps no link to the exception it replaces.
    """

    @functools.wraps(method)
    def public(self: Client, *args: Any, **kwargs: Any) -> Any:
        failure = None
        try:
            return method(self, *args, **kwargs)
        except AcledAPIError as error:
            failure = type(error)(
                self._redact(str(error)), status=error.status, endpoint=error.endpoint
            )
        except ValidationError as error:  # rows blanked already; the copy drops the frames
            blank = self._redactor()
            failure = ValidationError(blank(str(error)), blank.frame(error.failures), error.n_rows)
        raise failure

    return public  # type: ignore[return-value]


class Client:
    """A session with ACLED's API.

    Logs in lazily, on the first request, and keeps the tokens for later calls.
    Use it as a context manager, or call :meth:`close`, to release the connections.

    Parameters
    ----------
    username, password : str, optional
        The myACLED account (email) and its password. Default: the
        ``ACLED_USERNAME`` (or ``ACLED_EMAIL``) and ``ACLED_PASSWORD``
        environment variables. They are sent only to the token endpoint and
        never shown, logged or written anywhere.
    base_url : str
        Where the API lives (``https://acleddata.com``). It must be ``https``, so
        that the password and tokens never travel in clear; a loopback address
        (``http://127.0.0.1:8080``, for tests) may be ``http``, and so may any
        address with ``allow_http=True``.
    page_size : int
        Rows asked per page, at most 5000 (ACLED's largest page).
    timeout : float
        Seconds to wait for the server to connect or to send the next bytes.
    deadline : float, optional
        The most seconds one request may take, all of it: connecting, the TLS
        handshake, the answer's head and body, and every retry and the waits
        between them (default: ``timeout``). A server that answers too slowly
        is given up on, not retried, and a retry whose wait (``Retry-After``
        or the backoff) would pass the deadline is not made.
    max_retries : int
        How many times a request is retried after 429, 5xx or a broken connection.
    backoff_factor : float
        Waits between retries grow as ``backoff_factor * 2 ** (retry - 1)`` seconds,
        capped at ``backoff_max``; a ``Retry-After`` header takes precedence.
    backoff_max : float
        The longest wait between retries, in seconds.
    retry_after_max : int
        The longest ``Retry-After`` honoured, in seconds; longer asks are cut to it.
    allow_http : bool
        Accept a non-loopback ``http`` base URL (the password would travel in clear).

    Raises
    ------
    AuthenticationError
        No username or password, given or in the environment.
    ValueError
        A bad option: ``page_size`` out of range, a base URL that is not ``https``
        (nor loopback), holds a user name, a query or a fragment.

    Notes
    -----
    The client never follows a redirect: the login form would go to whatever
    host the answer names. A 3xx from the token endpoint is an
    :class:`AuthenticationError` naming that host; from the data endpoints, a
    :class:`RequestRejected`. Error messages never hold the password, the
    account or a token, in any encoding a server may echo them in, and the
    errors' tracebacks start at the public method called.

    Examples
    --------
    >>> from eventdata import acled
    >>> client = acled.Client(username="analyst@example.org", password="example", page_size=500)
    >>> client.page_size
    500
    >>> "example" in repr(client)
    False
    >>> client.close()
    """

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        page_size: int = MAX_PAGE_SIZE,
        timeout: float = 120.0,
        deadline: float | None = None,
        max_retries: int = 5,
        backoff_factor: float = 2.0,
        backoff_max: float = 120.0,
        retry_after_max: int = 600,
        allow_http: bool = False,
    ) -> None:
        # First, and unable to fail: no frame that can raise holds the plain text.
        self._secrets = Credentials(Secret(username), Secret(password))
        del username, password
        if not isinstance(page_size, numbers.Integral) or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(
                f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}, not {page_size!r}"
            )
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, not {max_retries!r}")
        for label, seconds in (("timeout", timeout), ("deadline", deadline)):
            if seconds is not None and not (
                isinstance(seconds, numbers.Real) and 0 < float(seconds) < float("inf")
            ):
                raise ValueError(f"{label} must be a positive number of seconds, not {seconds!r}")
        self.base_url = checked_base_url(base_url, allow_http=allow_http)
        self._secrets = _credentials(self._secrets)
        self.page_size = int(page_size)
        self.timeout = timeout
        self.deadline = float(timeout if deadline is None else deadline)
        self.max_retries = max_retries
        self._token: Token | None = None
        # requests loads with the first client, not with eventdata
        import requests

        self._session = requests.Session()
        retry = bounded_retry(
            total=max_retries,
            connect=max_retries,
            read=max_retries,
            status=max_retries,
            other=0,
            redirect=0,
            # The token request is a POST; asking for a token again is harmless.
            allowed_methods=frozenset({"GET", "POST"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            respect_retry_after_header=True,
            retry_after_max=retry_after_max,
            # Return the last 429/5xx answer instead of raising, so that the
            # error can name its status and what the server said.
            raise_on_status=False,
        )
        adapter = bounded_adapter(retry)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __repr__(self) -> str:
        return (
            f"Client(base_url={self.base_url!r}, page_size={self.page_size}, "
            f"logged_in={self._token is not None})"
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connections and forget the tokens."""
        self._token = None
        self._session.close()

    # --- public reads -------------------------------------------------------

    @_clean_errors
    def events(
        self,
        *,
        countries: str | Iterable[str] | None = None,
        start: str | dt.date | None = None,
        end: str | dt.date | None = None,
        since_timestamp: int | str | dt.datetime | None = None,
        event_types: str | Iterable[str] | None = None,
        fields: Iterable[str] | None = None,
        errors: Errors = "raise",
        progress: ProgressOption = None,
    ) -> pd.DataFrame | Quarantine:
        """Events matching the filters, read page by page until a short page.

        For keeping a local copy up to date, ask for the rows changed since the
        last sync: ``events(countries=..., since_timestamp=T)``, then apply
        :meth:`deletions` since ``T``.

        Parameters
        ----------
        countries : str or iterable of str, optional
            Country names as ACLED spells them (``"Iraq"``); default all.
        start, end : str or date, optional
            First and last event date, inclusive (``"2022-01-31"``).
        since_timestamp : int, str or datetime, optional
            Only rows added or changed at or after this time: Unix seconds, or a
            date/time (read as UTC when it has no time zone).
        event_types : str or iterable of str, optional
            Event types from :data:`eventdata.core.codebook.EVENT_TYPES`.
        fields : iterable of str, optional
            Columns to ask for. The ACLED schema's required columns are always
            asked too, so that the rows can be validated; schema columns not
            asked come back as null.
        errors : {"raise", "quarantine"}
            As for :func:`eventdata.read_acled`.
        progress : bool or callable, optional
            ``True``: a tqdm progress bar on stderr, shown only when stderr is a
            terminal. A callable is called with a :class:`PageProgress` after
            each page.

        Returns
        -------
        pandas.DataFrame or Quarantine
            The same types as :func:`eventdata.read_acled` gives for these rows.

        Raises
        ------
        AcledAPIError
            One of its subclasses, when the API cannot answer.
        ValidationError
            Rows break the schema (``errors="raise"``).

        Notes
        -----
        ACLED pages by offset: a row that moves to a later page while pages are
        read is kept once (its newest copy: highest ``timestamp``, then the one
        read last, so an older copy never replaces a newer one); a row that moves
        to an earlier page is missed, and found by the next sync since its
        timestamp changed.
        """
        params = self.events_query(
            countries=countries,
            start=start,
            end=end,
            since_timestamp=since_timestamp,
            event_types=event_types,
            fields=fields,
        )
        asked = params["fields"].split("|") if "fields" in params else list(ACLED_SCHEMA.columns)
        # every page's rows with the secrets blanked, before anything is built from them
        frames = [
            self._redactor().frame(rows_to_frame(rows, EVENTS_PATH)).assign(_page=page)
            for page, rows in enumerate(self._pages(EVENTS_PATH, params, progress), start=1)
        ]
        raw = stack_pages(frames, asked)
        if fields is not None:
            # Columns left out on purpose are null, without the warning meant
            # for exports of an older codebook.
            for column in ACLED_SCHEMA.columns:
                if column not in raw.columns:
                    raw[column] = np.nan
        return validate(raw, errors=errors, schema=ACLED_SCHEMA)

    @_clean_errors
    def deletions(
        self,
        *,
        since_timestamp: int | str | dt.datetime,
        progress: ProgressOption = None,
    ) -> pd.DataFrame:
        """Events ACLED deleted at or after a time.

        Parameters
        ----------
        since_timestamp : int, str or datetime
            Unix seconds, or a date/time (UTC when it has no time zone).
        progress : bool or callable, optional
            As for :meth:`events`.

        Returns
        -------
        pandas.DataFrame
            ``event_id_cnty`` (string) and ``deleted_timestamp`` (Int64, Unix
            seconds), one row per deletion, in the server's order.

        Raises
        ------
        AcledAPIError
            One of its subclasses, when the API cannot answer or a row lacks
            either column.
        """
        params = {
            "_format": "json",
            "deleted_timestamp": str(unix_seconds(since_timestamp)),
            "deleted_timestamp_where": ">=",
        }
        rows = [row for page in self._pages(DELETIONS_PATH, params, progress) for row in page]
        return self._redactor().frame(deletions_frame(rows, DELETIONS_PATH))

    def events_query(
        self,
        *,
        countries: str | Iterable[str] | None = None,
        start: str | dt.date | None = None,
        end: str | dt.date | None = None,
        since_timestamp: int | str | dt.datetime | None = None,
        event_types: str | Iterable[str] | None = None,
        fields: Iterable[str] | None = None,
    ) -> dict[str, str]:
        """The query :meth:`events` sends for these filters (without ``limit`` and ``page``).

        Parameters
        ----------
        countries, start, end, since_timestamp, event_types, fields
            As for :meth:`events`.

        Returns
        -------
        dict of str to str
            Query parameters, with ACLED's ``|`` between several values.

        Examples
        --------
        >>> from eventdata import acled
        >>> with acled.Client(username="analyst@example.org", password="example") as client:
        ...     query = client.events_query(
        ...         countries=["Iraq", "Syria"], start="2022-01-01", end="2022-01-31"
        ...     )
        >>> query["country"], query["event_date"], query["event_date_where"]
        ('Iraq|Syria', '2022-01-01|2022-01-31', 'BETWEEN')
        """
        # inter_num=1: actor types as codes rather than text labels (labels are
        # mapped by validate anyway, should a server ignore this).
        params = {"_format": "json", "inter_num": "1"}
        if countries is not None:
            params["country"] = "|".join(query_names(countries, "countries"))
        first = None if start is None else query_day(start, "start")
        last = None if end is None else query_day(end, "end")
        if first is not None and last is not None:
            if first > last:
                raise ValueError(f"start ({first}) is after end ({last})")
            params["event_date"] = f"{first}|{last}"
            params["event_date_where"] = "BETWEEN"
        elif first is not None:
            params["event_date"], params["event_date_where"] = first, ">="
        elif last is not None:
            params["event_date"], params["event_date_where"] = last, "<="
        if since_timestamp is not None:
            params["timestamp"] = str(unix_seconds(since_timestamp))
            params["timestamp_where"] = ">="
        if event_types is not None:
            wanted = query_names(event_types, "event_types")
            unknown = [e for e in wanted if e not in codebook.EVENT_TYPES]
            if unknown:
                raise ValueError(
                    f"unknown event type(s) {unknown}; ACLED's are {list(codebook.EVENT_TYPES)}"
                )
            params["event_type"] = "|".join(wanted)
        if fields is not None:
            chosen = query_names(fields, "fields")
            chosen += [c for c in ACLED_SCHEMA.required_columns if c not in chosen]
            params["fields"] = "|".join(chosen)
        return params

    # --- paging -------------------------------------------------------------

    def _pages(
        self, path: str, params: Mapping[str, str], progress: ProgressOption
    ) -> Iterator[list[dict]]:
        """Yield each page's rows until a page shorter than ``page_size``.

        A page longer than asked, or a full page whose rows all came on earlier
        pages (a server repeating pages: A, B, A, B), is a MalformedResponse:
        paging would otherwise take wrong rows or never end.
        """
        total = 0
        seen: dict[str, int] = {}  # row key -> the page it first came on
        with Progress(progress, unit=" rows", description=f"ACLED {path}") as bar:
            for page in itertools.count(1):
                body = self._get_json(
                    path, {**params, "limit": str(self.page_size), "page": str(page)}
                )
                rows = body["data"]
                if len(rows) > self.page_size:
                    raise MalformedResponse(
                        f"{path}: page {page} holds {len(rows)} rows, but {self.page_size} "
                        "were asked for; the server ignores 'limit', so pages cannot be "
                        "trusted to follow each other",
                        endpoint=path,
                    )
                keys = {row_key(row) for row in rows}
                if len(rows) == self.page_size and keys <= seen.keys():
                    earlier = ", ".join(map(str, sorted({seen[key] for key in keys})))
                    raise MalformedResponse(
                        f"{path}: page {page} repeats rows of page {earlier} only; the server "
                        "seems to ignore the 'page' parameter, so paging would never end",
                        endpoint=path,
                    )
                seen.update((key, page) for key in keys if key not in seen)
                total += len(rows)
                logger.info("%s page %d: %d rows (%d so far)", path, page, len(rows), total)
                bar.advance(len(rows), step=PageProgress(path, page, len(rows), total))
                yield rows
                if len(rows) < self.page_size:
                    return

    # --- requests and tokens ------------------------------------------------

    def _get_json(self, path: str, params: Mapping[str, str]) -> dict:
        """GET with a valid token: one refresh (or new login) and retry after a 401."""
        if self._token is None or time.monotonic() >= self._token.expires_at:
            self._renew_token()
        answer = self._send("GET", path, params=params)
        if answer.status == 401:
            logger.info("%s: access token refused (HTTP 401); renewing it", path)
            self._renew_token()
            answer = self._send("GET", path, params=params)
            if answer.status == 401:
                raise AuthenticationError(
                    f"{path}: ACLED refused a freshly issued access token (HTTP 401): "
                    f"{self._server_says(answer)}",
                    status=401,
                    endpoint=path,
                )
        return self._data_body(answer, path)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        grant: str | None = None,
    ) -> Answer:
        """One request, retried as the budget allows, read in full within the deadline.

        ``grant`` ("password" or "refresh_token") makes it the token request; the
        form is built inside the call, so that no frame here holds it.
        """
        import requests  # loaded already, by the client's session

        failure = None
        with watching(self.deadline) as attempts:
            try:
                with self._session.request(
                    method,
                    self.base_url + path,
                    params=params,
                    data=None if grant is None else self._token_form(grant),
                    auth=None if grant is not None else BearerAuth(self._token.access),
                    timeout=self.timeout,
                    headers={"Accept": "application/json"},
                    allow_redirects=False,
                    stream=True,
                ) as response:
                    content = chunks_within(response.iter_content(1 << 16), _MAX_ANSWER_BYTES)
                    answer = Answer(
                        status=response.status_code,
                        reason=str(response.reason or ""),
                        headers={
                            name: response.headers.get(name, "")
                            for name in ("Content-Type", "Location")
                        },
                        content=content or b"",
                    )
            except DeadlineExceeded as exc:
                failure = self._past_deadline(path, attempts.count, str(exc))
            except (requests.RequestException, OSError, ValueError) as exc:
                if attempts.passed():  # a timeout cut short by the deadline: its doing
                    failure = self._past_deadline(path, attempts.count)
                else:
                    failure = (
                        f"{path}: could not reach {self.base_url} after "
                        f"{attempts_text(attempts.count)} ({type(exc).__name__}: "
                        f"{self._redact(str(exc))[:MESSAGE_LIMIT]})"
                    )
        if failure is not None:
            # Raised outside the except block, so that the error keeps no link to
            # requests' exception, whose request would carry the login form.
            raise RetryBudgetExhausted(failure, endpoint=path)
        if content is None:
            raise MalformedResponse(
                f"{path}: the answer is larger than {_MAX_ANSWER_BYTES // 2**20} MiB; "
                "no page of ACLED's is",
                status=answer.status,
                endpoint=path,
            )
        if 300 <= answer.status < 400:
            where = host_of(urllib.parse.urljoin(self.base_url + path, answer.headers["Location"]))
            error = AuthenticationError if grant is not None else RequestRejected
            raise error(
                f"{path}: the server redirected the request (HTTP {answer.status}) to "
                f"{where or 'nowhere given'}; the client follows no redirect, so that the "
                "password and tokens go nowhere else. Check the base URL",
                status=answer.status,
                endpoint=path,
            )
        if answer.status in RETRY_STATUSES:
            raise RetryBudgetExhausted(
                f"{path}: ACLED still answered HTTP {answer.status} after "
                f"{attempts_text(attempts.count)} "
                f"({self._server_says(answer)}). "
                + (
                    "The request quota may be used up; wait before asking again."
                    if answer.status in (429, 500)
                    else "The server may be under maintenance; try again in a few minutes."
                ),
                status=answer.status,
                endpoint=path,
            )
        return answer

    def _past_deadline(self, path: str, count: int, why: str = "") -> str:
        return (
            f"{path}: {self.base_url} gave no complete answer after {attempts_text(count)} "
            f"within {self.deadline:g} s, the deadline of a request (connecting, TLS, the "
            f"answer and any retries){'; ' + why if why else ''}; a server this slow is not "
            "asked again"
        )

    def _token_form(self, grant: str) -> dict[str, str]:
        if grant == "refresh_token":
            return {
                "grant_type": grant,
                "refresh_token": self._token.refresh.reveal(),
                "client_id": CLIENT_ID,
            }
        return {
            "grant_type": "password",
            "username": self._secrets.username.reveal(),
            "password": self._secrets.password.reveal(),
            "client_id": CLIENT_ID,
        }

    def _renew_token(self) -> None:
        """Refresh the access token, or log in again when there is none to refresh."""
        if self._token is not None and self._token.refresh:
            try:
                self._token = self._request_token("refresh_token")
                logger.info("ACLED access token refreshed")
                return
            except (AuthenticationError, MalformedResponse) as exc:
                logger.info(
                    "refreshing the ACLED token failed (%s); logging in again",
                    self._redact(str(exc)),
                )
        self._token = self._request_token("password")
        logger.info("logged in to ACLED")

    def _request_token(self, grant: str) -> Token:
        kind = "refresh" if grant == "refresh_token" else "login"
        answer = self._send("POST", TOKEN_PATH, grant=grant)
        if answer.status in (400, 401, 403):
            what = (
                "the refresh token"
                if kind == "refresh"
                else "the username and password (check ACLED_USERNAME and ACLED_PASSWORD)"
            )
            raise AuthenticationError(
                f"ACLED refused {what} (HTTP {answer.status}: {self._server_says(answer)})",
                status=answer.status,
                endpoint=TOKEN_PATH,
            )
        token = token_of(answer) if answer.ok else None
        if token is None:
            self._json(answer, TOKEN_PATH)  # not JSON: say what came instead
            raise MalformedResponse(
                f"{TOKEN_PATH}: the {kind} answer (HTTP {answer.status}) has no access_token",
                status=answer.status,
                endpoint=TOKEN_PATH,
            )
        return token

    # --- answers ------------------------------------------------------------

    def _data_body(self, answer: Answer, path: str) -> dict:
        status = answer.status
        if status == 403:
            raise AuthenticationError(
                f"{path}: the account may not read this endpoint (HTTP 403: "
                f"{self._server_says(answer)}); check that API access is enabled and "
                "ACLED's terms are accepted in myACLED",
                status=status,
                endpoint=path,
            )
        if 400 <= status < 500:
            raise RequestRejected(
                f"{path}: ACLED rejected the query (HTTP {status}): {self._server_says(answer)}",
                status=status,
                endpoint=path,
            )
        body = self._json(answer, path)
        if not isinstance(body, dict):
            raise MalformedResponse(
                f"{path}: expected a JSON object, got a {type(body).__name__}",
                status=status,
                endpoint=path,
            )
        if body.get("success", True) in (False, 0, "0", "false"):
            raise RequestRejected(
                f"{path}: ACLED answered success: false: {self._server_says(answer, body)}",
                status=status,
                endpoint=path,
            )
        if not 200 <= status < 300:
            raise AcledAPIError(
                f"{path}: unexpected HTTP {status}: {self._server_says(answer, body)}",
                status=status,
                endpoint=path,
            )
        if "data" not in body:
            raise MalformedResponse(
                f"{path}: the answer has no 'data' (keys: {sorted(map(str, body))[:10]})",
                status=status,
                endpoint=path,
            )
        if not isinstance(body["data"], list):
            raise MalformedResponse(
                f"{path}: 'data' is a {type(body['data']).__name__}, not a list of rows",
                status=status,
                endpoint=path,
            )
        return body

    def _json(self, answer: Answer, path: str) -> Any:
        try:
            return answer.json()
        except ValueError:
            start = self._redact(answer.text[:4096])[:80]
            raise MalformedResponse(
                f"{path}: the answer is not JSON (HTTP {answer.status}, "
                f"{answer.headers.get('Content-Type') or 'no content type'}, begins {start!r})",
                status=answer.status,
                endpoint=path,
            ) from None

    def _server_says(self, answer: Answer, body: Any = None) -> str:
        """What the server gave as its reason, shortened and with any secret blanked."""
        if body is None:
            try:
                body = answer.json()
            except ValueError:
                body = answer.text[:4096]
        text = self._redact(message_of(body) or answer.reason or "no reason given")
        return " ".join(text.split())[:MESSAGE_LIMIT]

    def _redactor(self) -> Redactor:
        secrets = [self._secrets.username, self._secrets.password]
        if self._token is not None:
            secrets += [self._token.access, self._token.refresh]
        return Redactor(secrets)

    def _redact(self, text: str) -> str:
        return self._redactor()(text)


# --- helpers ----------------------------------------------------------------


def _credentials(given: Credentials) -> Credentials:
    """The account given, or else from the environment; an error naming what is missing."""
    username = given.username or next(
        (Secret(os.environ[name]) for name in _USERNAME_ENV_ALIASES if os.environ.get(name)),
        given.username,
    )
    password = given.password or Secret(os.environ.get(PASSWORD_ENV))
    given = Credentials(username, password)
    missing = [name for name in ("username", "password") if not getattr(given, name)]
    if missing:
        raise AuthenticationError(
            f"no ACLED {' or '.join(missing)}: pass username= and password= to Client, or set "
            f"the {USERNAME_ENV} and {PASSWORD_ENV} environment variables (your myACLED "
            "account email and password)"
        )
    return given
