"""Loopback servers that misbehave at the socket level, for the ACLED client's tests.

pytest-httpserver answers whole HTTP messages; these speak raw bytes on a plain
socket, so that a test can trickle an answer, drop a connection, answer garbage
or count every connection the client opened.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

Handler = Callable[[socket.socket, threading.Event], None]


class RawServer:
    """Accepts connections on 127.0.0.1 and hands each one to ``handler`` in a thread."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        # OSError: the client hung up, which is what these tests expect of it
        with connection, contextlib.suppress(OSError):
            self._handler(connection, self.stopped)

    def close(self) -> None:
        self.stopped.set()
        self._accepting.join(5)
        for thread in self._threads:
            thread.join(5)
        self._listener.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Handler], RawServer]]:
    servers: list[RawServer] = []

    def start(handler: Handler) -> RawServer:
        server = RawServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def read_request(connection: socket.socket) -> bytes:
    """One request's head and body (by Content-Length); b"" when the client hung up."""
    connection.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def answer(status: str, body: bytes = b"{}", content_type: str = "application/json") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1") + body


def trickle(data: bytes, *, every: float = 0.5, head: bytes = b"") -> Handler:
    """Answer any request with ``head`` at once, then ``data`` one byte every ``every`` s."""

    def handle(connection: socket.socket, stopped: threading.Event) -> None:
        read_request(connection)
        connection.sendall(head)
        for i in range(len(data)):
            if stopped.is_set():
                return
            connection.sendall(data[i : i + 1])
            time.sleep(every)

    return handle


def trickle_body(data: bytes, *, every: float = 0.5) -> Handler:
    """Answer at once with a head announcing ``data``, then trickle the body."""
    head = answer("200 OK", b"").replace(b"Content-Length: 0", b"Content-Length: %d" % len(data))
    return trickle(data, every=every, head=head)


def reply(raw: bytes) -> Handler:
    """Answer every request with the same bytes, then close the connection."""

    def handle(connection: socket.socket, stopped: threading.Event) -> None:
        read_request(connection)
        connection.sendall(raw)

    return handle


def hang_up(connection: socket.socket, stopped: threading.Event) -> None:
    """Read the request and close the connection without a word."""
    read_request(connection)


def over_tls(handler: Handler, cert: str, key: str) -> Handler:
    """The same handler, speaking TLS with the given certificate."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def handle(connection: socket.socket, stopped: threading.Event) -> None:
        with context.wrap_socket(connection, server_side=True) as tls:
            handler(tls, stopped)

    return handle


def keep_alive(answers: dict[bytes, bytes]) -> Handler:
    """Answer request after request on one connection: the first answer whose key is in
    the request line; hang up on a request that matches none."""

    def handle(connection: socket.socket, stopped: threading.Event) -> None:
        while not stopped.is_set():
            request = read_request(connection)
            line = request.split(b"\r\n", 1)[0]
            chosen = next((raw for key, raw in answers.items() if key in line), None)
            if not request or chosen is None:
                return
            connection.sendall(chosen.replace(b"Connection: close", b"Connection: keep-alive"))

    return handle
