"""A fake ACLED API on loopback (pytest-httpserver, 127.0.0.1) for the client and sync tests.

It keeps real tokens, pages by ``limit``/``page`` and applies the filters, so each
test checks what went over the wire as well as what came back.
"""

from __future__ import annotations

import io
import itertools
import json

import pandas as pd
import pytest
from werkzeug import Request, Response

from eventdata.io import acled_api as acled

USERNAME = "analyst.one@example.org"
PASSWORD = "correct horse battery staple 42!"


@pytest.fixture(scope="session")
def httpserver_listen_address():
    # IPv4 loopback, any free port: never "localhost", which may resolve elsewhere.
    return ("127.0.0.1", 0)


# --- the fake ACLED ---------------------------------------------------------


def _json(body: object, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


class FakeAcled:
    """ACLED's token, events and deletions endpoints, with scripted failures."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.deleted: list[dict] = []
        self.access: set[str] = set()
        self.refresh: set[str] = set()
        self.issued: list[str] = []  # every token handed out, to look for leaks
        self.grants: list[str] = []  # grant_type of each token request
        self.token_forms: list[dict] = []
        self.queries: list[tuple[str, dict]] = []  # (path, query args) of each data request
        self.scripted: list[tuple[str, Response]] = []  # answered first, in order, per path
        self.expires_in = 86400
        self._serial = itertools.count(1)

    def script(self, path: str, *responses: Response) -> None:
        self.scripted += [(path, r) for r in responses]

    def expire_tokens(self, *, refresh: bool = False) -> None:
        self.access.clear()
        if refresh:
            self.refresh.clear()

    def _scripted(self, path: str) -> Response | None:
        for i, (where, response) in enumerate(self.scripted):
            if where == path:
                del self.scripted[i]
                return response
        return None

    def token(self, request: Request) -> Response:
        form = request.form.to_dict()
        self.token_forms.append(form)
        self.grants.append(form.get("grant_type", ""))
        scripted = self._scripted("/oauth/token")
        if scripted is not None:
            return scripted
        if form.get("client_id") != "acled":
            return _json({"error": "invalid_client"}, 400)
        grant = form.get("grant_type")
        if grant == "password":
            ok = form.get("username") == USERNAME and form.get("password") == PASSWORD
            if not ok:
                # Echo the account like some servers do: the client must blank it.
                return _json(
                    {
                        "error": "invalid_grant",
                        "error_description": f"Invalid credentials for {form.get('username')}"
                        f" / {form.get('password')}",
                    },
                    400,
                )
        elif grant == "refresh_token":
            if form.get("refresh_token") not in self.refresh:
                return _json({"error": "invalid_grant", "error_description": "Token expired"}, 400)
            self.refresh.discard(form["refresh_token"])
        else:
            return _json({"error": "unsupported_grant_type"}, 400)
        n = next(self._serial)
        access, refresh = f"ACCESS-{n}-7f3a9c", f"REFRESH-{n}-b41e02"
        self.access.add(access)
        self.refresh.add(refresh)
        self.issued += [access, refresh]
        return _json(
            {
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "access_token": access,
                "refresh_token": refresh,
            }
        )

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[len("Bearer ") :] in self.access

    def _page(self, request: Request, rows: list[dict]) -> Response:
        limit, page = int(request.args["limit"]), int(request.args["page"])
        chunk = rows[(page - 1) * limit : page * limit]
        return _json(
            {
                "status": 200,
                "success": True,
                "last_update": 2,
                "count": len(chunk),
                "messages": [],
                "data": chunk,
                "filename": "fake-acled",
            }
        )

    def read(self, request: Request) -> Response:
        """Both data endpoints: log the query, play a scripted answer, check the token."""
        args = request.args.to_dict()
        self.queries.append((request.path, args))
        scripted = self._scripted(request.path)
        if scripted is not None:
            return scripted
        if not self._authorised(request):
            return _json({"message": "Unauthorized: access token expired"}, 401)
        if request.path == "/api/deleted/read":
            return self._page(request, self._deleted_rows(args))
        return self._page(request, self._event_rows(args))

    def _event_rows(self, args: dict) -> list[dict]:
        rows = self.rows
        if "country" in args:
            rows = [r for r in rows if r["country"] in args["country"].split("|")]
        if "event_type" in args:
            rows = [r for r in rows if r["event_type"] in args["event_type"].split("|")]
        if "timestamp" in args:
            rows = [r for r in rows if int(r["timestamp"]) >= int(args["timestamp"])]
        if "fields" in args:
            keep = args["fields"].split("|")
            rows = [{k: r[k] for k in keep if k in r} for r in rows]
        return rows

    def _deleted_rows(self, args: dict) -> list[dict]:
        since = int(args["deleted_timestamp"])
        return [r for r in self.deleted if int(r.get("deleted_timestamp", since)) >= since]

    def data_queries(self, path: str = "/api/acled/read") -> list[dict]:
        return [args for where, args in self.queries if where == path]


@pytest.fixture
def fake(httpserver) -> FakeAcled:
    server = FakeAcled()
    httpserver.expect_request("/oauth/token", method="POST").respond_with_handler(server.token)
    for path in ("/api/acled/read", "/api/deleted/read"):
        httpserver.expect_request(path, method="GET").respond_with_handler(server.read)
    return server


@pytest.fixture
def make_client(httpserver):
    made = []

    def make(**options) -> acled.Client:
        settings = dict(
            username=USERNAME,
            password=PASSWORD,
            base_url=httpserver.url_for("/").rstrip("/"),
            max_retries=2,
            backoff_factor=0,
            timeout=5,
        )
        settings.update(options)
        client = acled.Client(**settings)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client) -> acled.Client:
    return make_client()


# --- rows in ACLED's JSON form ----------------------------------------------


def as_csv(events: pd.DataFrame) -> str:
    return events.to_csv(index=False, date_format="%Y-%m-%d")


def acled_json_rows(csv_text: str, *, numbers_as_json: bool = True) -> list[dict]:
    """Rows as ACLED's JSON carries them: strings, "" when empty, some numbers unquoted."""
    raw = pd.read_csv(io.StringIO(csv_text), dtype=str, keep_default_na=False)
    rows = raw.to_dict(orient="records")
    if numbers_as_json:
        # ACLED's answers mix quoted and bare numbers: give every other row bare ones.
        for row in rows[::2]:
            for column in ("fatalities", "timestamp", "year", "iso", "inter1", "inter2"):
                if row[column] != "":
                    row[column] = int(row[column])
            for column in ("latitude", "longitude"):
                row[column] = float(row[column])
    return rows
