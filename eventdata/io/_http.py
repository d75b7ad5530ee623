"""HTTP plumbing for the API client: secrets, addresses, per-attempt deadlines and counts.

Private to :mod:`eventdata.io.acled_api`. Small pieces:

- :class:`Secret` holds a password or token so that no ``repr``, no ``str`` and no
  walk through an object's attributes (what error trackers and ``pytest -l`` do
  with a traceback's local variables) shows it: the text is kept XOR-masked and
  revealed only inside the expression that sends it.
- :func:`bounded_adapter` and :func:`bounded_retry` make a ``requests`` adapter and
  urllib3's ``Retry`` that end a request when its deadline passes: connecting, the
  TLS handshake, the answer and every retry and wait included. A socket timeout
  alone bounds the wait for each byte, not the whole exchange: a server trickling
  one byte every half second would hold the client forever.
- :func:`redact` blanks secrets from text in the encodings a server may echo them
  in (raw, URL-encoded, HTML-escaped, JSON- or repr-escaped).
- :func:`checked_base_url` refuses an address the password should not travel to
  (not https and not loopback, or holding credentials, a query or a fragment);
  :func:`host_of` names where a redirect pointed, without any credentials in it.

``requests`` and ``urllib3`` load when the first adapter is made, not with this module.
"""

from __future__ import annotations

import functools
import html
import io
import ipaddress
import itertools
import json
import os
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

__all__ = [
    "Attempts",
    "bounded_adapter",
    "bounded_retry",
    "DeadlineExceeded",
    "Redactor",
    "Secret",
    "checked_base_url",
    "host_of",
    "redact",
    "watching",
]


class Secret:
    """A string shown nowhere: no repr, no str, no plain text among its attributes.

    The constructor never raises (a non-string is kept as "missing"), so the frame
    that wraps a plaintext argument cannot end in a traceback that holds it.

    Examples
    --------
    >>> token = Secret("s3cret")
    >>> token, str(token), bool(token), bool(Secret(None))
    (<hidden>, '<hidden>', True, False)
    >>> token.reveal()
    's3cret'
    """

    __slots__ = ("_masked", "_pad")

    def __init__(self, value: object) -> None:
        data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else b""
        self._pad = os.urandom(len(data))
        self._masked = _xor(data, self._pad)

    def reveal(self) -> str:
        """The plain text: use it in the expression that needs it, never keep it in a name."""
        return _xor(self._masked, self._pad).decode("utf-8", "surrogatepass")

    def __bool__(self) -> bool:
        return bool(self._masked)

    def __repr__(self) -> str:
        return "<hidden>"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


def _xor(data: bytes, pad: bytes) -> bytes:
    if not data:
        return b""
    mixed = int.from_bytes(data, "big") ^ int.from_bytes(pad, "big")
    return mixed.to_bytes(len(data), "big")


# --- redaction ---------------------------------------------------------------

_ENCODINGS = (
    lambda s: urllib.parse.quote(s, safe=""),
    lambda s: urllib.parse.quote(s),
    lambda s: urllib.parse.quote_plus(s, safe=""),
    lambda s: html.escape(s, quote=True),
    lambda s: html.escape(s, quote=False),
    lambda s: json.dumps(s)[1:-1],
    lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
    lambda s: repr(s)[1:-1],
    lambda s: " ".join(s.split()),
)


def _variants(secret: str) -> set[str]:
    """The secret as a server or a message may write it: every encoding, and pairs of them."""
    found = {secret}
    for first, second in itertools.product((lambda s: s, *_ENCODINGS), repeat=2):
        found.add(second(first(secret)))
    return {v for v in found if v}


#: Rows are searched for secrets of this many characters or more only: a shorter
#: one would match real data (a password "Iraq" in every Iraqi event, "2022" in
#: every date) and blank it. Messages are searched for every secret.
SHORTEST_IN_ROWS = 8


class Redactor:
    """Blanks the secrets it was given, whatever their encoding or letter case.

    Examples
    --------
    >>> blank = Redactor([Secret("a&b"), None])
    >>> blank("login failed for a%26b / a&amp;b / A&B")
    'login failed for *** / *** / ***'
    """

    def __init__(self, secrets: Iterable[Secret | None], *, mask: str = "***") -> None:
        variants: set[str] = set()
        for secret in secrets:
            if secret:
                variants |= _variants(secret.reveal())
        self.mask = mask
        self._pattern = _alternation(variants)
        long = {v for v in variants if len(v) >= SHORTEST_IN_ROWS}
        self._in_rows = _alternation(long)
        self._lowered_long = tuple({v.lower() for v in long})

    def __repr__(self) -> str:
        return "<Redactor: secrets hidden>"

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(self.mask, text)

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A frame of text (and missing values) with every secret blanked, names included.

        Rows an API sends may echo what it was sent: whatever is built from them
        (a frame, an error naming their values, a warning, a file) is built from
        this copy. Secrets shorter than :data:`SHORTEST_IN_ROWS` characters are
        not looked for. Columns without a secret are searched once and kept as
        they are.

        Examples
        --------
        >>> rows = pd.DataFrame(
        ...     {"notes": ["sent by analyst@example.org", "2022"], "year": ["2022", None]}
        ... )
        >>> Redactor([Secret("analyst@example.org"), Secret("2022")]).frame(rows)
                 notes  year
        0  sent by ***  2022
        1         2022   NaN
        """
        if self._in_rows is None:
            return frame
        hits = [name for name in frame.columns if self._holds(frame[name].dropna().astype(str))]
        names = pd.Series([str(name) for name in frame.columns], dtype=object)
        renamed = self._holds(names)
        if not hits and not renamed:
            return frame
        blanked = frame.copy()
        for name in hits:
            column = blanked[name]
            blanked[name] = column.where(column.isna(), self._blank(column.astype(str)))
        if renamed:
            blanked.columns = self._blank(names).tolist()
        return blanked

    def _holds(self, values: pd.Series) -> bool:
        lowered = "\0".join(values.tolist()).lower()
        return any(variant in lowered for variant in self._lowered_long)

    def _blank(self, values: pd.Series) -> pd.Series:
        return values.str.replace(self._in_rows, self.mask, regex=True)


def _alternation(variants: set[str]) -> re.Pattern | None:
    """One case-blind pattern for the texts, longest first; None for none."""
    if not variants:
        return None
    # case-blind: a server may write percent-encodings in lower case, or shout
    texts = sorted(variants, key=len, reverse=True)
    return re.compile("|".join(re.escape(v) for v in texts), re.IGNORECASE)


def redact(text: str, secrets: Iterable[Secret | None], *, mask: str = "***") -> str:
    """``text`` with every secret blanked, whatever its encoding or letter case.

    Examples
    --------
    >>> redact("login failed for a%26b / a&amp;b / a&b", [Secret("a&b")])
    'login failed for *** / *** / ***'
    """
    return Redactor(secrets, mask=mask)(text)


# --- addresses -----------------------------------------------------------------


def checked_base_url(base_url: str, *, allow_http: bool) -> str:
    """The base URL without a trailing slash, or a ValueError saying what is wrong with it."""
    if not isinstance(base_url, str):
        raise ValueError(f"base_url must be a string, not {type(base_url).__name__}")
    try:
        parts = urllib.parse.urlsplit(base_url.strip())
        port = parts.port
    except ValueError:
        raise ValueError(f"base_url is not a URL: {base_url!r}") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"base_url must be an https:// address, not {base_url!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "base_url must not hold a user name or password; the account goes in "
            "username= and password= (or ACLED_USERNAME and ACLED_PASSWORD)"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"base_url must not hold a query or a fragment: {base_url!r}")
    if parts.scheme == "http" and not allow_http and not _is_loopback(parts.hostname):
        raise ValueError(
            f"base_url {parts.scheme}://{parts.hostname}{'' if port is None else f':{port}'} "
            "is not https: the password and tokens would travel in clear. Use https, or "
            "pass allow_http=True if you really mean it"
        )
    return base_url.strip().rstrip("/")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(url: str) -> str:
    """Host and port of a URL, without any user name or password it holds."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return "an address that is not a valid URL"
    if not parts.hostname:
        return ""
    return parts.hostname + ("" if port is None else f":{port}")


# --- deadlines and attempts ----------------------------------------------------


class DeadlineExceeded(Exception):
    """A request ran past its deadline. Not an OSError, so that urllib3 does not retry it.

    Its text, when it has one, says what ended the request early (a retry's wait
    that would pass the deadline).
    """


class Attempts:
    """One request's attempts: how many were made, and the deadline they all share.

    The deadline runs from the moment the request begins and covers everything:
    connecting, the TLS handshake, the answer's head and body, every retry and the
    waits between them.

    Parameters
    ----------
    seconds : float or None
        The most the whole request may take (None: no deadline).
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.count = 0
        self.deadline = float("inf") if seconds is None else time.monotonic() + seconds

    def start(self) -> None:
        """Count one more attempt, unless the deadline has passed (DeadlineExceeded)."""
        if self.remaining() <= 0:
            raise DeadlineExceeded
        self.count += 1

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def passed(self) -> bool:
        return self.remaining() <= 0


_in_flight = threading.local()


class watching:
    """Count the attempts of the request sent inside the block, and bound them all."""

    def __init__(self, seconds: float | None) -> None:
        self.attempts = Attempts(seconds)

    def __enter__(self) -> Attempts:
        _in_flight.attempts = self.attempts
        return self.attempts

    def __exit__(self, *exc_info: object) -> None:
        _in_flight.attempts = None


def _current() -> Attempts | None:
    return getattr(_in_flight, "attempts", None)


class _DeadlineReader(io.RawIOBase):
    """Reads a socket, giving up at the deadline of the attempt in flight."""

    def __init__(self, raw: io.RawIOBase, owner: _DeadlineSocket) -> None:
        self._raw = raw
        self._owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        attempts = _current()
        if attempts is None or attempts.seconds is None:
            return self._raw.readinto(buffer)
        remaining = attempts.remaining()
        if remaining <= 0:
            raise DeadlineExceeded
        base = self._owner.gettimeout()
        self._owner.wrapped.settimeout(remaining if base is None else min(base, remaining))
        try:
            return self._raw.readinto(buffer)
        except TimeoutError:
            if attempts.remaining() <= 0:
                raise DeadlineExceeded from None
            raise
        finally:
            self._owner.wrapped.settimeout(base)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineSocket:
    """A connected socket (plain or TLS) whose binary reads honour the attempt's deadline."""

    def __init__(self, sock: socket.socket) -> None:
        self.wrapped = sock
        self._timeout = sock.gettimeout()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def settimeout(self, value: float | None) -> None:
        self._timeout = value
        self.wrapped.settimeout(value)

    def gettimeout(self) -> float | None:
        return self._timeout

    def makefile(self, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode != "rb":
            return self.wrapped.makefile(mode, *args, **kwargs)
        # the socket's own raw file keeps the socket open while the answer is read
        raw = self.wrapped.makefile("rb", buffering=0)
        return io.BufferedReader(_DeadlineReader(raw, self))


class _CountingPool:
    """Starts an attempt each time urllib3 sends the request, within the deadline left.

    urllib3's own ``Timeout(total=...)`` bounds the connection and the TLS handshake
    (Python ends a handshake when the socket's timeout has passed, however the
    server trickles it); the answer's bytes are bounded by :class:`_DeadlineReader`.
    """

    def _make_request(self, conn: Any, method: str, url: str, **kwargs: Any) -> Any:
        attempts = _current()
        if attempts is not None:
            attempts.start()
            given = kwargs.get("timeout")
            if attempts.seconds is not None and isinstance(given, _timeout_class()):
                kwargs["timeout"] = _timeout_class()(
                    connect=given.connect_timeout,
                    read=given.read_timeout,
                    total=max(attempts.remaining(), 0.001),
                )
        return super()._make_request(conn, method, url, **kwargs)


def bounded_adapter(max_retries: Retry) -> HTTPAdapter:
    """An ``HTTPAdapter`` whose attempts are counted and stopped at the request's deadline.

    Inside a :class:`watching` block every attempt (the first and each retry)
    counts once; connecting, the TLS handshake and reading the answer stop with
    :class:`DeadlineExceeded` (or a timeout) once ``seconds`` have passed since
    the request began, and no retry starts, nor waits, past that moment.
    ``max_retries`` should be made by :func:`bounded_retry`.
    """
    return _adapter_class()(max_retries=max_retries)


def bounded_retry(**options: Any) -> Retry:
    """urllib3's ``Retry`` with these options, whose waits end at the request's deadline.

    A wait before the next try (``Retry-After``, or the backoff) that would reach
    past the deadline is not waited: the request ends at once with
    :class:`DeadlineExceeded` saying what the server asked.
    """
    return _retry_class()(**options)


@functools.cache
def _timeout_class() -> type:
    from urllib3.util.timeout import Timeout

    return Timeout


@functools.cache
def _retry_class() -> type[Retry]:
    from urllib3.util.retry import Retry

    class DeadlineRetry(Retry):
        def sleep(self, response: Any = None) -> None:
            attempts = _current()
            if attempts is not None:
                wait = None
                if self.respect_retry_after_header and response is not None:
                    wait = self.get_retry_after(response)
                wait = wait or self.get_backoff_time()
                if attempts.passed():
                    raise DeadlineExceeded
                if wait >= attempts.remaining():
                    answered = "" if response is None else f"HTTP {response.status}, and "
                    raise DeadlineExceeded(f"{answered}the next try was {wait:g} s away")
            super().sleep(response)

    return DeadlineRetry


@functools.cache
def _adapter_class() -> type[HTTPAdapter]:
    # requests and urllib3 are imported here, when a client first needs them
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class DeadlineConnection(HTTPConnection):
        def connect(self) -> None:
            super().connect()
            self.sock = _DeadlineSocket(self.sock)

    class DeadlineTLSConnection(HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            self.sock = _DeadlineSocket(self.sock)

    class DeadlinePool(_CountingPool, HTTPConnectionPool):
        ConnectionCls = DeadlineConnection

    class DeadlineTLSPool(_CountingPool, HTTPSConnectionPool):
        ConnectionCls = DeadlineTLSConnection

    pools = {"http": DeadlinePool, "https": DeadlineTLSPool}

    class BoundedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = dict(pools)

        def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
            manager = super().proxy_manager_for(*args, **kwargs)
            manager.pool_classes_by_scheme = dict(pools)
            return manager

    return BoundedAdapter


def chunks_within(stream: Iterator[bytes], limit: int) -> bytes | None:
    """The stream's bytes, or None as soon as they pass ``limit`` bytes."""
    buffer = bytearray()
    for chunk in stream:
        buffer += chunk
        if len(buffer) > limit:
            return None
    return bytes(buffer)
