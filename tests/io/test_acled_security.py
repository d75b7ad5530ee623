"""The ACLED client against hostile and misbehaving servers on loopback.

Two promises, each tried as a family of faults:

- the password and tokens go nowhere but the real token endpoint and show up in
  no error message (in any encoding a server may echo them in) and in no local
  variable of an error's traceback;
- the client's work is bounded: a deadline per attempt, no page larger than
  asked, no endless paging, no older copy of a row over a newer one, and retry
  messages that count the attempts really made.
"""

from __future__ import annotations

import html
import io
import json
import logging
import shutil
import subprocess
import time
import types
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import eventdata as ed
from eventdata.datasets import SEED_PATH
from eventdata.io import acled_api as acled
from tests.fake_acled import PASSWORD, USERNAME, _json, acled_json_rows
from tests.misbehaving_http import (
    answer,
    hang_up,
    keep_alive,
    over_tls,
    read_request,
    reply,
    trickle,
    trickle_body,
)

# Everything that encodes differently: non-ASCII, quotes, markup, %, +, /, \ and spaces.
HOSTILE_PASSWORD = "Pässwörd \"q\" 's' <b>&amp; 50%+/\\ end"
EVENTDATA_DIR = str(Path(acled.__file__).parents[1])


def encodings(secret: str) -> set[str]:
    """The secret as a server or a message may write it."""
    once = {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote(secret),
        urllib.parse.quote_plus(secret),
        html.escape(secret),
        html.escape(secret, quote=False),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
    }
    lower_hex = {urllib.parse.quote(secret, safe="").lower()} if "%" in secret else set()
    return {v for v in once | lower_hex if len(v) >= 4}


@pytest.fixture(scope="module")
def seed_rows() -> list[dict]:
    return acled_json_rows(SEED_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    """Another origin, standing by to steal what a redirect would bring it."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/", method="POST").respond_with_json({"access_token": "STOLEN"})
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def _client_of(base_url: str, **options) -> acled.Client:
    return acled.Client(
        username=USERNAME,
        password=HOSTILE_PASSWORD,
        base_url=base_url,
        backoff_factor=0,
        **options,
    )


# --- redirects --------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirected_login_is_refused_naming_the_host(status, fake, client, other_server):
    fake.script(
        "/oauth/token", Response(status=status, headers={"Location": other_server.url_for("/")})
    )
    with pytest.raises(acled.AuthenticationError) as caught:
        client.events()
    assert f"127.0.0.1:{other_server.port}" in str(caught.value)
    assert caught.value.status == status and caught.value.endpoint == "/oauth/token"
    assert list(other_server.log) == []  # the form went nowhere else
    assert fake.data_queries() == []  # and no token came back to be used


@pytest.mark.parametrize(
    ("location", "named"),
    [
        ("https://login.evil.example/oauth/token", "login.evil.example"),
        ("https://someone:secret@evil.example:8443/x", "evil.example:8443"),
        ("//evil.example/x", "evil.example"),
    ],
)
def test_the_redirect_error_names_only_the_host(location, named, fake, client):
    fake.script("/oauth/token", Response(status=307, headers={"Location": location}))
    with pytest.raises(acled.AuthenticationError, match="redirected") as caught:
        client.events()
    assert named in str(caught.value) and "secret" not in str(caught.value)


def test_a_redirected_data_request_is_refused_and_sends_no_token(
    fake, client, other_server, seed_rows
):
    fake.rows = seed_rows
    fake.script(
        "/api/acled/read", Response(status=307, headers={"Location": other_server.url_for("/")})
    )
    with pytest.raises(acled.RequestRejected, match=f"127.0.0.1:{other_server.port}"):
        client.events()
    assert list(other_server.log) == []


# --- only https, loopback aside ---------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("http://acleddata.com", "not https"),
        ("http://10.1.2.3:8080", "not https"),
        ("http://localhost:8080", "not https"),
        ("ftp://acleddata.com", "must be an https"),
        ("acleddata.com", "must be an https"),
        ("https://me:pw@acleddata.com", "user name or password"),
        ("https://acleddata.com/?key=1", "query"),
        ("https://acleddata.com:99999", "not a URL"),
    ],
)
def test_a_base_url_that_would_expose_the_password_is_refused(base_url, message):
    with pytest.raises(ValueError, match=message) as caught:
        acled.Client(username=USERNAME, password=HOSTILE_PASSWORD, base_url=base_url)
    assert "pw" not in str(caught.value).replace("password", "")


@pytest.mark.parametrize(
    ("base_url", "options"),
    [
        ("https://acleddata.com/", {}),
        ("http://127.0.0.1:8080", {}),
        ("http://127.3.4.5", {}),
        ("http://[::1]:8080", {}),
        ("http://acleddata.com", {"allow_http": True}),
    ],
)
def test_https_loopback_or_an_explicit_opt_in_is_accepted(base_url, options):
    with acled.Client(
        username=USERNAME, password=HOSTILE_PASSWORD, base_url=base_url, **options
    ) as client:
        assert client.base_url == base_url.rstrip("/")


# --- secrets in messages, whatever their encoding ---------------------------

ECHOES = {
    # where the server puts what it echoes -> a response built from the echoed text
    "json error": lambda text: _json({"error": "invalid_grant", "error_description": text}, 400),
    "text 400": lambda text: Response(f"Bad login: {text}", 400, mimetype="text/plain"),
    "html 401": lambda text: Response(f"<p>No {text}</p>", 401, mimetype="text/html"),
    "text 200": lambda text: Response(f"Hello {text}", 200, mimetype="text/plain"),
    "text 500": lambda text: Response(f"Crash for {text}", 500, mimetype="text/plain"),
    "content type": lambda text: Response("x", 200, headers={"Content-Type": f"text/{text}"}),
    "reason": lambda text: Response("", status=f"400 {text}"),
    "json list": lambda text: _json({"errors": [{"message": text}]}, 403),
}
ASCII_ONLY = {"content type", "reason"}


def _encoded(secret: str, how: str) -> str:
    return {
        "raw": secret,
        "url": urllib.parse.quote(secret, safe=""),
        "url-plus": urllib.parse.quote_plus(secret),
        "url-lower": urllib.parse.quote(secret, safe="").lower(),
        "html": html.escape(secret),
        "json": json.dumps(secret)[1:-1],
        "json-ascii-in-html": html.escape(json.dumps(secret)[1:-1]),
    }[how]


def _echo_server(httpserver: HTTPServer, place: str, how: str) -> None:
    def token(request: Request) -> Response:
        form = request.form.to_dict()
        echoed = f"{_encoded(form['password'], how)} of {_encoded(form['username'], how)}"
        if place in ASCII_ONLY:
            echoed = echoed.encode("ascii", "backslashreplace").decode("ascii")
        return ECHOES[place](echoed)

    httpserver.expect_request("/oauth/token", method="POST").respond_with_handler(token)


ENCODINGS = ("raw", "url", "url-plus", "url-lower", "html", "json", "json-ascii-in-html")
# header lines carry only ASCII: the encodings that keep non-ASCII letters cannot travel there
ECHO_CASES = [
    (place, how)
    for place in sorted(ECHOES)
    for how in ENCODINGS
    if not (place in ASCII_ONLY and how in ("raw", "html", "json"))
]


@pytest.mark.parametrize(("place", "how"), ECHO_CASES)
def test_an_echoed_password_reaches_no_message(place, how, httpserver, make_client, caplog):
    caplog.set_level(logging.DEBUG, logger="eventdata")
    _echo_server(httpserver, place, how)
    with pytest.raises(ed.EventDataError) as caught:
        make_client(password=HOSTILE_PASSWORD, max_retries=0).events()
    texts = [str(caught.value), repr(caught.value), caplog.text]
    leaks = [
        (secret, text)
        for secret in (*encodings(HOSTILE_PASSWORD), *encodings(USERNAME))
        for text in texts
        if secret in text
    ]
    assert leaks == []
    assert "***" in str(caught.value) or place in ("content type", "text 200")


def test_an_echoed_token_reaches_no_message(fake, client, seed_rows):
    fake.rows = seed_rows
    client.events()
    (access,) = [t for t in fake.issued if t.startswith("ACCESS")]
    for how in ("raw", "url", "html", "json"):
        fake.script(
            "/api/acled/read",
            _json(
                {"success": False, "error": [{"message": f"token {_encoded(access, how)} refused"}]}
            ),
        )
        with pytest.raises(acled.RequestRejected) as caught:
            client.events()
        assert access not in str(caught.value) and "token *** refused" in str(caught.value)


# --- secrets in traceback locals --------------------------------------------


def _strings_in(value: object, seen: set[int], depth: int = 0) -> Iterator[str]:
    """Every str (and bytes, decoded) reachable from a value through containers and attributes."""
    if id(value) in seen or depth > 12:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes | bytearray | memoryview):
        yield bytes(value).decode("utf-8", errors="replace")
    elif isinstance(value, dict):
        for key, item in list(value.items()):
            yield from _strings_in(key, seen, depth + 1)
            yield from _strings_in(item, seen, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in list(value):
            yield from _strings_in(item, seen, depth + 1)
    elif isinstance(value, types.ModuleType | type | types.FunctionType):
        return
    else:
        for name in getattr(type(value), "__slots__", ()):
            yield from _strings_in(getattr(value, name, None), seen, depth + 1)
        attributes = getattr(value, "__dict__", None)
        if isinstance(attributes, dict):
            yield from _strings_in(attributes, seen, depth + 1)


def _frames(error: BaseException) -> Iterator[types.FrameType]:
    """The frames of an error's traceback and of every error chained to it."""
    pending, done = [error], set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in done:
            continue
        done.add(id(current))
        tb = current.__traceback__
        while tb is not None:
            yield tb.tb_frame
            tb = tb.tb_next
        pending += [current.__context__, current.__cause__]


def _leaks_in_locals(error: BaseException, secrets: list[str]) -> list[tuple[str, str, str]]:
    variants = {(secret, v) for secret in secrets for v in encodings(secret)}
    leaks = []
    for frame in _frames(error):
        if not frame.f_code.co_filename.startswith(EVENTDATA_DIR):
            continue  # the test's own frames hold the secrets it passes in
        for name, value in frame.f_locals.items():
            for text in _strings_in(value, set()):
                leaks += [(frame.f_code.co_name, name, s) for s, v in variants if v in text]
    return leaks


LOGIN_FAULTS = (
    "refused login",
    "token answer without token",
    "token answer not JSON",
    "redirected login",
)
FAULTS = {
    "refused login": lambda fake: fake.script(
        "/oauth/token", _json({"error_description": "Invalid credentials"}, 401)
    ),
    "token answer without token": lambda fake: fake.script(
        "/oauth/token", _json({"refresh_token": "REFRESH-only-0001"})
    ),
    "token answer not JSON": lambda fake: fake.script("/oauth/token", Response("<html>", 200)),
    "redirected login": lambda fake: fake.script(
        "/oauth/token", Response(status=307, headers={"Location": "https://evil.example/"})
    ),
    "5xx exhausts retries": lambda fake: fake.script(
        "/api/acled/read", *[_json({"message": "boom"}, 503)] * 3
    ),
    "refused data": lambda fake: fake.script("/api/acled/read", _json({}, 403)),
    "malformed data": lambda fake: fake.script("/api/acled/read", _json({"success": True})),
    "oversized page": lambda fake: fake.script(
        "/api/acled/read",
        _json({"success": True, "data": [{"event_id_cnty": str(i)} for i in range(9)]}),
    ),
    "token refused twice": lambda fake: fake.script(
        "/api/acled/read", *[_json({"message": "expired"}, 401)] * 2
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_no_secret_in_the_locals_of_an_error_traceback(fault, fake, make_client, seed_rows):
    fake.rows = seed_rows
    client = make_client(page_size=5)
    client.deletions(since_timestamp=0)  # logged in: tokens held from here on
    FAULTS[fault](fake)
    if fault in LOGIN_FAULTS:
        fake.expire_tokens(refresh=True)
        fake.script("/oauth/token", _json({"error": "invalid_grant"}, 400))  # refresh refused
    with pytest.raises(acled.AcledAPIError) as caught:
        client.events()
    secrets = [PASSWORD, USERNAME, "REFRESH-only-0001", *fake.issued]
    assert _leaks_in_locals(caught.value, secrets) == []
    assert caught.value.__context__ is None and caught.value.__cause__ is None


def test_an_unreachable_server_leaves_no_secret_in_locals(raw_server):
    server = raw_server(hang_up)
    with (
        _client_of(server.url, max_retries=1, timeout=5) as client,
        pytest.raises(acled.RetryBudgetExhausted) as caught,
    ):
        client.events()
    assert _leaks_in_locals(caught.value, [HOSTILE_PASSWORD, USERNAME]) == []


def test_the_walk_finds_a_secret_held_in_plain_text():
    # the check above can fail: a plain attribute two objects down is found
    holder = types.SimpleNamespace(inner=types.SimpleNamespace(form={"password": "p%C3%A4ss"}))
    try:
        raise ValueError(holder)
    except ValueError as error:
        found = [
            s
            for frame in _frames(error)
            for v in frame.f_locals.values()
            for s in _strings_in(v, set())
            if "p%C3%A4ss" in s
        ]
    assert found


# --- bounded work: deadlines ------------------------------------------------

TOKEN_ANSWER = answer("200 OK", b'{"access_token": "A-1", "expires_in": 3600}')


@pytest.mark.parametrize(
    "handler",
    [trickle(TOKEN_ANSWER), trickle_body(b'{"access_token": "A"}' + b" " * 40)],
    ids=["head", "body"],
)
def test_a_trickling_server_is_given_up_at_the_deadline(handler, raw_server):
    server = raw_server(handler)
    with _client_of(server.url, timeout=2, max_retries=2) as client:
        began = time.monotonic()
        with pytest.raises(acled.RetryBudgetExhausted, match="within 2 s") as caught:
            client.events()
        took = time.monotonic() - began
    assert took < 3.5, f"held for {took:.1f} s"
    assert server.connections == 1  # not asked again
    assert "not asked again" in str(caught.value)


def test_a_deadline_can_be_set_apart_from_the_socket_timeout(raw_server):
    server = raw_server(trickle(TOKEN_ANSWER, every=0.2))
    with _client_of(server.url, timeout=30, deadline=1, max_retries=0) as client:
        began = time.monotonic()
        with pytest.raises(acled.RetryBudgetExhausted, match="within 1 s"):
            client.events()
        assert time.monotonic() - began < 2.5


# A TLS record header announcing a 16 KiB handshake message: a client waits for all of it.
_HANDSHAKE_RECORD = b"\x16\x03\x03\x40\x00\x02\x00\x3f\xfc" + bytes(16375)


def _tls_trickle(connection, stopped) -> None:
    """Answer a TLS client hello with a server hello sent one byte every 0.2 s."""
    for i in range(len(_HANDSHAKE_RECORD)):
        if stopped.wait(0.2):
            return
        connection.sendall(_HANDSHAKE_RECORD[i : i + 1])


def _tls_silence(connection, stopped) -> None:
    """Accept the connection and never say a word."""
    stopped.wait(60)


@pytest.mark.parametrize("handler", [_tls_trickle, _tls_silence], ids=["trickle", "silence"])
def test_a_slow_tls_handshake_is_cut_at_the_deadline(handler, raw_server):
    server = raw_server(handler)
    base_url = server.url.replace("http", "https", 1)
    with _client_of(base_url, timeout=8, deadline=1, max_retries=3) as client:
        began = time.monotonic()
        with pytest.raises(acled.RetryBudgetExhausted) as caught:
            client.events()
        took = time.monotonic() - began
    assert took < 2.5, f"held for {took:.1f} s"
    message = str(caught.value)
    assert "within 1 s" in message and "deadline" in message and "\n" not in message
    assert server.connections == 1


def _slow_answer(status: str, *, delay: float, headers: str = "") -> Callable:
    raw = answer(status, b'{"message": "busy"}')
    raw = raw.replace(b"\r\n\r\n", f"\r\n{headers}\r\n\r\n".encode(), 1) if headers else raw

    def handle(connection, stopped) -> None:
        read_request(connection)
        if not stopped.wait(delay):
            connection.sendall(raw)

    return handle


def test_the_deadline_bounds_a_request_with_all_its_retries(raw_server):
    # each attempt is quick enough alone; six of them are not
    server = raw_server(_slow_answer("503 Service Unavailable", delay=0.4))
    with _client_of(server.url, timeout=5, deadline=1.5, max_retries=5) as client:
        began = time.monotonic()
        with pytest.raises(acled.RetryBudgetExhausted, match=r"within 1\.5 s") as caught:
            client.events()
        took = time.monotonic() - began
    assert took < 2.2, f"held for {took:.1f} s"
    assert 2 <= server.connections <= 4
    assert f"{server.connections} attempts" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "headers", "backoff", "made", "wait"),
    [
        ("429 Too Many Requests", "Retry-After: 30", 0, 1, "30 s"),
        # urllib3 waits nothing before the first retry, backoff * 2 before the second
        ("503 Service Unavailable", "", 20, 2, "40 s"),
    ],
    ids=["retry-after", "backoff"],
)
def test_a_retry_wait_past_the_deadline_ends_the_request_at_once(
    status, headers, backoff, made, wait, raw_server
):
    server = raw_server(_slow_answer(status, delay=0, headers=headers))
    client = acled.Client(
        username=USERNAME,
        password=HOSTILE_PASSWORD,
        base_url=server.url,
        timeout=5,
        deadline=3,
        max_retries=2,
        backoff_factor=backoff,
    )
    with client:
        began = time.monotonic()
        with pytest.raises(acled.RetryBudgetExhausted, match="within 3 s") as caught:
            client.events()
        assert time.monotonic() - began < 1.5
    assert f"HTTP {status[:3]}" in str(caught.value) and wait in str(caught.value)
    assert server.connections == made


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
         "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_over_https_answers_are_read_and_bounded_alike(raw_server, certificate, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])  # requests trusts the test certificate
    token = answer("200 OK", b'{"access_token": "A-1", "expires_in": 3600}')
    empty = answer("200 OK", b'{"success": true, "data": []}')
    server = raw_server(
        over_tls(keep_alive({b"/oauth/token": token, b"/api/": empty}), *certificate)
    )
    with _client_of(server.url.replace("http", "https", 1), timeout=5) as client:
        assert len(client.events()) == 0 and len(client.deletions(since_timestamp=0)) == 0
    assert server.connections == 1  # three requests on one kept-alive TLS connection
    slow = raw_server(over_tls(trickle(TOKEN_ANSWER), *certificate))
    with _client_of(slow.url.replace("http", "https", 1), timeout=2, max_retries=1) as client:
        began = time.monotonic()
        with pytest.raises(acled.RetryBudgetExhausted, match="within 2 s"):
            client.events()
        assert time.monotonic() - began < 3.5


# --- bounded work: pages ----------------------------------------------------


def test_a_page_larger_than_asked_is_malformed(fake, make_client, seed_rows):
    fake.script("/api/acled/read", _json({"success": True, "data": seed_rows}))
    with pytest.raises(acled.MalformedResponse, match="holds 6 rows, but 5 were asked"):
        make_client(page_size=5).events()


@pytest.mark.parametrize("vary", [False, True], ids=["same pages", "same rows, new values"])
def test_a_server_cycling_through_pages_is_caught(fake, make_client, seed_rows, vary):
    a, b = seed_rows[:2], seed_rows[2:4]
    again = [dict(row, notes="revised") for row in a] if vary else a
    fake.script(
        "/api/acled/read",
        *[_json({"success": True, "data": page}) for page in (a, b, again, b, a, b)],
    )
    with pytest.raises(acled.MalformedResponse, match="page 3 repeats rows of page 1 only"):
        make_client(page_size=2).events()


def test_deletion_pages_that_repeat_are_caught(fake, make_client):
    a = [
        {"event_id_cnty": "IRQ1", "deleted_timestamp": 5},
        {"event_id_cnty": "IRQ2", "deleted_timestamp": 6},
    ]
    b = [
        {"event_id_cnty": "IRQ3", "deleted_timestamp": 7},
        {"event_id_cnty": "IRQ4", "deleted_timestamp": 8},
    ]
    fake.script("/api/deleted/read", *[_json({"success": True, "data": p}) for p in (a, b, a, b)])
    with pytest.raises(acled.MalformedResponse, match="page 3 repeats"):
        make_client(page_size=2).deletions(since_timestamp=0)


@pytest.mark.parametrize("newer_first", [True, False])
def test_an_older_copy_on_a_later_page_never_replaces_a_newer_one(
    fake, make_client, seed_rows, newer_first
):
    newer = dict(seed_rows[2], timestamp=int(seed_rows[2]["timestamp"]) + 100, fatalities=7)
    older = dict(seed_rows[2])
    first, second = (newer, older) if newer_first else (older, newer)
    fake.script(
        "/api/acled/read",
        _json({"success": True, "data": [*seed_rows[:2], first]}),
        _json({"success": True, "data": [second, *seed_rows[3:5]]}),
        _json({"success": True, "data": seed_rows[5:]}),
    )
    events = make_client(page_size=3).events()
    assert events["event_id_cnty"].is_unique and len(events) == 6
    kept = events.set_index("event_id_cnty").loc[seed_rows[2]["event_id_cnty"]]
    assert kept["fatalities"] == 7
    assert kept["timestamp"] == int(seed_rows[2]["timestamp"]) + 100
    expected = ed.read_acled(SEED_PATH)["event_id_cnty"].tolist()
    assert sorted(events["event_id_cnty"]) == sorted(expected)


# --- retry messages count the attempts made ---------------------------------


@pytest.mark.parametrize(
    ("handler", "scheme"),
    [
        (reply(answer("503 Service Unavailable", b'{"message": "busy"}')), "http"),
        (hang_up, "http"),
        (reply(b"HELLO, THIS IS NOT HTTP\r\n\r\n"), "http"),
        (reply(answer("200 OK", b"{}")), "https"),  # a TLS client meets a plain server
    ],
    ids=["503", "hang up", "not http", "tls to plain"],
)
def test_a_retry_message_counts_the_attempts_made(handler, scheme, raw_server):
    server = raw_server(handler)
    base_url = server.url.replace("http", scheme, 1)
    with (
        _client_of(base_url, timeout=5, max_retries=2) as client,
        pytest.raises(acled.RetryBudgetExhausted) as caught,
    ):
        client.events()
    made = server.connections
    assert made >= 1
    assert f"after {made} attempt{'s' if made > 1 else ''} " in str(caught.value)


def test_an_older_row_is_logged_when_set_aside(fake, make_client, seed_rows, caplog):
    caplog.set_level(logging.INFO, logger="eventdata")
    fake.script(
        "/api/acled/read",
        _json({"success": True, "data": seed_rows[:3]}),
        _json({"success": True, "data": [seed_rows[2], *seed_rows[3:5]]}),
        _json({"success": True, "data": seed_rows[5:]}),
    )
    events = make_client(page_size=3).events()
    pd.testing.assert_frame_equal(events, ed.read_acled(io.StringIO(SEED_PATH.read_text())))
    assert "kept each one's newest copy" in caplog.text
