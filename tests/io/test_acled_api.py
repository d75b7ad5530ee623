"""The ACLED API client against a fake ACLED on loopback that answers in ACLED's shapes.

The fake server (pytest-httpserver, 127.0.0.1) keeps real tokens, pages by
``limit``/``page`` and applies the filters, so each test checks what went over
the wire as well as what came back.
"""

from __future__ import annotations

import io
import logging
import socket
import time

import pandas as pd
import pytest
from werkzeug import Response

import eventdata as ed
from eventdata.core import codebook, errors
from eventdata.datasets import SEED_PATH
from eventdata.io import acled_api as acled
from tests.fake_acled import PASSWORD, USERNAME, _json, acled_json_rows, as_csv


@pytest.fixture(scope="module")
def seed_csv() -> str:
    return SEED_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def simulated_csv() -> str:
    # 85 records: three pages of 30 and a short one
    return as_csv(ed.datasets.simulate("2022-01-01", "2022-01-20", seed=3))


# --- login, tokens and what reaches the server ------------------------------


def test_logs_in_once_with_the_password_grant_and_sends_the_bearer_token(
    fake, client, seed_csv, httpserver
):
    fake.rows = acled_json_rows(seed_csv)
    client.events()
    client.events(countries="Iraq")
    assert fake.grants == ["password"]
    form = fake.token_forms[0]
    assert form == {
        "grant_type": "password",
        "client_id": "acled",
        "username": USERNAME,
        "password": PASSWORD,
    }
    data_requests = [r for r, _ in httpserver.log if r.path == "/api/acled/read"]
    assert {r.headers["Authorization"] for r in data_requests} == {"Bearer ACCESS-1-7f3a9c"}
    # nothing secret travels in a URL
    assert all(PASSWORD not in r.url and USERNAME not in r.url for r, _ in httpserver.log)


def test_events_equal_read_acled_of_the_same_rows_written_as_csv(fake, client, seed_csv):
    fake.rows = acled_json_rows(seed_csv)
    events = client.events()
    pd.testing.assert_frame_equal(events, ed.read_acled(io.StringIO(seed_csv)))
    assert str(events["fatalities"].dtype) == "Int64"
    assert events["event_type"].dtype.name == "category"


def test_text_actor_types_are_mapped_to_codes(fake, client, seed_csv):
    rows = acled_json_rows(seed_csv, numbers_as_json=False)
    label = codebook.INTER_CODES
    for row in rows:
        inter1, inter2 = int(row["inter1"]), int(row["inter2"])
        row["inter1"], row["inter2"] = label[inter1], label[inter2]
        row["interaction"] = f"{label[inter1]}-{label[inter2]}"
    fake.rows = rows
    with pytest.warns(ed.CodebookWarning, match="text labels mapped"):
        events = client.events()
    pd.testing.assert_frame_equal(events, ed.read_acled(SEED_PATH))


@pytest.mark.parametrize("page_size", [30, 17, 85, 5000])
def test_pages_until_a_short_or_empty_page(fake, make_client, simulated_csv, page_size):
    fake.rows = acled_json_rows(simulated_csv)
    events = make_client(page_size=page_size).events()
    pd.testing.assert_frame_equal(events, ed.read_acled(io.StringIO(simulated_csv)))
    pages = [int(q["page"]) for q in fake.data_queries()]
    # 85 rows: a short last page ends it, or an empty one when pages divide it exactly
    expected_pages = 85 // page_size + 1
    assert pages == list(range(1, expected_pages + 1))
    assert {q["limit"] for q in fake.data_queries()} == {str(page_size)}


def test_filters_and_field_selection_reach_the_query_string(fake, client, simulated_csv):
    fake.rows = acled_json_rows(simulated_csv)
    events = client.events(
        countries=["Iraq", "Syria"],
        start="2022-01-01",
        end=pd.Timestamp("2022-01-31"),
        since_timestamp=pd.Timestamp("2022-01-08"),
        event_types=["Battles", "Protests"],
        fields=["event_id_cnty", "admin1", "notes"],
    )
    (query,) = fake.data_queries()
    assert query["_format"] == "json"
    assert query["country"] == "Iraq|Syria"
    assert query["event_date"] == "2022-01-01|2022-01-31"
    assert query["event_date_where"] == "BETWEEN"
    assert query["timestamp"] == "1641600000"
    assert query["timestamp_where"] == ">="
    assert query["event_type"] == "Battles|Protests"
    assert query["inter_num"] == "1"
    asked = query["fields"].split("|")
    assert asked[:3] == ["event_id_cnty", "admin1", "notes"]
    assert set(ed.ACLED_SCHEMA.required_columns) <= set(asked)
    assert "admin2" not in asked
    # the server applied the filters; columns not asked are null, typed as read_acled types them
    assert set(events["event_type"]) == {"Battles", "Protests"}
    assert events["admin2"].isna().all() and events["notes"].notna().all()
    assert list(events.columns) == list(ed.ACLED_SCHEMA.columns)


def test_one_sided_date_filters(fake, client):
    client.events(start="2022-01-05")
    client.events(end="2022-01-05")
    first, second = fake.data_queries()
    assert (first["event_date"], first["event_date_where"]) == ("2022-01-05", ">=")
    assert (second["event_date"], second["event_date_where"]) == ("2022-01-05", "<=")


def test_no_rows_gives_an_empty_frame_with_the_schema_types(fake, client):
    events = client.events(countries="Narnia")
    assert len(events) == 0
    assert events.dtypes.to_dict() == ed.ACLED_SCHEMA.dtypes


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(event_types="Battle"), "unknown event type"),
        (dict(start="2022-02-01", end="2022-01-01"), "after end"),
        (dict(start="the first of May"), "is not a date"),
        (dict(countries=[]), "countries"),
        (dict(countries="Iraq|Syria"), "without '|'"),
        (dict(since_timestamp=1.5), "whole Unix seconds"),
        (dict(since_timestamp=-1), "before 1970"),
    ],
)
def test_bad_arguments_fail_before_any_request(fake, client, options, message):
    with pytest.raises(ValueError, match=message):
        client.events(**options)
    assert fake.queries == [] and fake.grants == []


def test_page_size_is_bounded_by_what_acled_serves():
    with pytest.raises(ValueError, match="1 to 5000"):
        acled.Client(username=USERNAME, password=PASSWORD, page_size=10_000)


def test_quarantine_keeps_valid_rows_and_raise_names_the_bad_one(fake, client, seed_csv):
    rows = acled_json_rows(seed_csv)
    rows[1]["fatalities"] = "-3"
    fake.rows = rows
    with pytest.raises(ed.ValidationError, match="SEED-IRQ-002"):
        client.events()
    q = client.events(errors="quarantine")
    assert isinstance(q, ed.Quarantine)
    assert (q.n_valid, q.n_rejected) == (5, 1)
    assert q.rejected["reason"].iloc[0] == "fatalities: >= 0 (got -3)"


def test_a_row_moved_to_a_later_page_while_paging_is_kept_once(fake, make_client, seed_csv):
    rows = acled_json_rows(seed_csv)
    # page 1 holds rows 0-2; a new event pushes row 2 to the top of page 2
    fake.rows = [*rows[:3], rows[2], *rows[3:]]
    events = make_client(page_size=3).events()
    pd.testing.assert_frame_equal(events, ed.read_acled(io.StringIO(seed_csv)))


def test_a_server_ignoring_the_page_parameter_is_caught(fake, make_client, seed_csv):
    rows = acled_json_rows(seed_csv)
    same_page = _json({"success": True, "data": rows[:2]})
    fake.script("/api/acled/read", same_page, same_page)
    with pytest.raises(acled.MalformedResponse, match="repeats rows of page 1 only"):
        make_client(page_size=2).events()


# --- tokens expiring, refresh and login again -------------------------------


def test_an_expired_token_is_refreshed_and_the_request_sent_again(fake, client, seed_csv):
    fake.rows = acled_json_rows(seed_csv)
    client.events()
    fake.expire_tokens()
    events = client.events()
    assert len(events) == 6
    assert fake.grants == ["password", "refresh_token"]
    assert fake.token_forms[1] == {
        "grant_type": "refresh_token",
        "client_id": "acled",
        "refresh_token": "REFRESH-1-b41e02",
    }
    # the refused request and its retry
    assert len(fake.data_queries()) == 3


def test_a_token_about_to_expire_is_refreshed_before_asking(fake, client, seed_csv):
    fake.rows = acled_json_rows(seed_csv)
    fake.expires_in = 30  # within the client's safety margin: stale at once
    client.events()
    client.events()
    assert fake.grants == ["password", "refresh_token"]
    assert len(fake.data_queries()) == 2  # no request was refused first


def test_a_refused_refresh_falls_back_to_the_password(fake, client, seed_csv):
    fake.rows = acled_json_rows(seed_csv)
    client.events()
    fake.expire_tokens(refresh=True)
    assert len(client.events()) == 6
    assert fake.grants == ["password", "refresh_token", "password"]


def test_a_new_token_refused_too_is_an_authentication_error(fake, client):
    fake.script("/api/acled/read", *[_json({"message": "Account lacks API access"}, 401)] * 2)
    with pytest.raises(acled.AuthenticationError, match="freshly issued") as caught:
        client.events()
    assert caught.value.status == 401


def test_a_bad_login_is_one_clear_error_without_the_credentials(fake, make_client):
    client = make_client(password="wrong password, typed in a hurry")
    with pytest.raises(acled.AuthenticationError) as caught:
        client.events()
    message = str(caught.value)
    assert "refused the username and password" in message and "ACLED_PASSWORD" in message
    assert "Invalid credentials for ***" in message
    assert "wrong password" not in message and USERNAME not in message
    assert caught.value.status == 400 and caught.value.endpoint == "/oauth/token"
    assert isinstance(caught.value, ed.EventDataError)


def test_an_account_without_api_access_says_so(fake, client):
    fake.script("/api/acled/read", _json({"message": "Access denied"}, 403))
    with pytest.raises(acled.AuthenticationError, match="API access is enabled"):
        client.events()


def test_credentials_come_from_the_environment(fake, httpserver, monkeypatch, seed_csv):
    fake.rows = acled_json_rows(seed_csv)
    monkeypatch.setenv("ACLED_USERNAME", USERNAME)
    monkeypatch.setenv("ACLED_PASSWORD", PASSWORD)
    with acled.Client(base_url=httpserver.url_for("/").rstrip("/"), timeout=5) as client:
        assert len(client.events()) == 6
    assert fake.token_forms[0]["username"] == USERNAME


def test_missing_credentials_are_named_before_any_request(monkeypatch):
    for name in ("ACLED_USERNAME", "ACLED_EMAIL", "ACLED_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(acled.AuthenticationError, match="no ACLED username or password"):
        acled.Client()
    with pytest.raises(acled.AuthenticationError, match="no ACLED password"):
        acled.Client(username=USERNAME)


# --- retries ----------------------------------------------------------------


def test_429_waits_for_retry_after_then_succeeds(fake, client, seed_csv):
    fake.rows = acled_json_rows(seed_csv)
    fake.script(
        "/api/acled/read",
        _json({"message": "Too many requests"}, 429, headers={"Retry-After": "1"}),
    )
    began = time.monotonic()
    events = client.events()
    waited = time.monotonic() - began
    assert len(events) == 6
    assert waited >= 0.9  # backoff_factor is 0: only Retry-After made it wait
    assert len(fake.data_queries()) == 2


def test_a_long_retry_after_is_capped(fake, make_client, seed_csv):
    fake.rows = acled_json_rows(seed_csv)
    fake.script("/api/acled/read", _json({}, 429, headers={"Retry-After": "3600"}))
    began = time.monotonic()
    assert len(make_client(retry_after_max=0).events()) == 6
    assert time.monotonic() - began < 5


def test_transient_5xx_are_retried(fake, client, seed_csv):
    fake.rows = acled_json_rows(seed_csv)
    fake.script("/api/acled/read", Response("Bad gateway", 502), _json({}, 503))
    assert len(client.events()) == 6
    assert len(fake.data_queries()) == 3


def test_500_until_the_retry_budget_runs_out(fake, make_client):
    fake.script("/api/acled/read", *[_json({"message": "Internal error"}, 500)] * 10)
    with pytest.raises(acled.RetryBudgetExhausted) as caught:
        make_client(max_retries=3).events()
    assert caught.value.status == 500
    assert "HTTP 500 after 4 attempts" in str(caught.value)
    assert "Internal error" in str(caught.value)
    assert len(fake.data_queries()) == 4


def test_an_unreachable_server_exhausts_the_budget():
    with socket.socket() as probe:  # a port on loopback that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = acled.Client(
        username=USERNAME,
        password=PASSWORD,
        base_url=f"http://127.0.0.1:{port}",
        max_retries=1,
        backoff_factor=0,
        timeout=2,
    )
    with client, pytest.raises(acled.RetryBudgetExhausted, match="could not reach") as caught:
        client.events()
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    assert PASSWORD not in str(caught.value)


# --- malformed and refused answers ------------------------------------------


def test_an_answer_that_is_not_json(fake, client):
    fake.script("/api/acled/read", Response("<html>Maintenance</html>", 200, mimetype="text/html"))
    with pytest.raises(acled.MalformedResponse, match="not JSON.*text/html.*Maintenance"):
        client.events()


def test_success_false_carries_the_server_message(fake, client):
    fake.script(
        "/api/acled/read",
        _json({"status": 400, "success": False, "error": [{"message": "Invalid field: colour"}]}),
    )
    with pytest.raises(acled.RequestRejected, match="Invalid field: colour"):
        client.events()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"success": True, "count": 0}, "no 'data'"),
        ({"success": True, "data": {"event_id_cnty": "IRQ1"}}, "not a list"),
        ({"success": True, "data": ["IRQ1"]}, "not JSON objects"),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_answers_without_rows_are_malformed(fake, client, body, message):
    fake.script("/api/acled/read", _json(body))
    with pytest.raises(acled.MalformedResponse, match=message):
        client.events()


def test_a_token_answer_without_a_token_is_malformed(fake, client):
    fake.script("/oauth/token", _json({"token_type": "Bearer"}))
    with pytest.raises(acled.MalformedResponse, match="no access_token"):
        client.events()


def test_every_error_is_an_acled_api_error():
    for error in (
        acled.AuthenticationError,
        acled.RetryBudgetExhausted,
        acled.MalformedResponse,
        acled.RequestRejected,
    ):
        assert issubclass(error, acled.AcledAPIError)
        assert getattr(errors, error.__name__) is error  # kept with the others
    assert issubclass(acled.AcledAPIError, ed.EventDataError)
    assert acled.AcledAPIError is errors.AcledAPIError


# --- deletions --------------------------------------------------------------


def test_deletions_since_a_timestamp(fake, make_client):
    fake.deleted = [
        {"event_id_cnty": "IRQ101", "deleted_timestamp": "1641600000"},
        {"event_id_cnty": "SYR202", "deleted_timestamp": 1641700000},
        {"event_id_cnty": "IRQ103", "deleted_timestamp": "1641800000"},
        {"event_id_cnty": "IRQ001", "deleted_timestamp": "1500000000"},  # before: filtered
    ]
    deleted = make_client(page_size=2).deletions(since_timestamp=1641600000)
    expected = pd.DataFrame(
        {
            "event_id_cnty": pd.array(["IRQ101", "SYR202", "IRQ103"], dtype="string"),
            "deleted_timestamp": pd.array([1641600000, 1641700000, 1641800000], dtype="Int64"),
        }
    )
    pd.testing.assert_frame_equal(deleted, expected)
    queries = fake.data_queries("/api/deleted/read")
    assert [q["page"] for q in queries] == ["1", "2"]
    assert queries[0]["deleted_timestamp"] == "1641600000"
    assert queries[0]["deleted_timestamp_where"] == ">="


def test_deletions_with_none_and_with_a_bad_row(fake, client):
    empty = client.deletions(since_timestamp="2022-01-08")
    assert len(empty) == 0 and list(empty.columns) == ["event_id_cnty", "deleted_timestamp"]
    assert fake.data_queries("/api/deleted/read")[0]["deleted_timestamp"] == "1641600000"
    fake.deleted = [{"event_id_cnty": "IRQ101"}]
    with pytest.raises(acled.MalformedResponse, match="deleted_timestamp"):
        client.deletions(since_timestamp=0)


# --- progress ---------------------------------------------------------------


def test_progress_callback_sees_every_page(fake, make_client, simulated_csv):
    fake.rows = acled_json_rows(simulated_csv)
    seen: list[acled.PageProgress] = []
    make_client(page_size=30).events(progress=seen.append)
    assert [(p.page, p.rows, p.total_rows) for p in seen] == [
        (1, 30, 30),
        (2, 30, 60),
        (3, 25, 85),
    ]
    assert {p.endpoint for p in seen} == {"/api/acled/read"}


def test_progress_bar_is_quiet_when_not_a_terminal(fake, client, seed_csv, capfd):
    fake.rows = acled_json_rows(seed_csv)
    client.events(progress=True)
    assert capfd.readouterr() == ("", "")


# --- secrets ----------------------------------------------------------------


def test_credentials_and_tokens_never_reach_repr_logs_or_errors(
    fake, make_client, seed_csv, caplog
):
    caplog.set_level(logging.DEBUG)
    fake.rows = acled_json_rows(seed_csv)
    client = make_client()
    texts = [repr(client)]
    client.events()
    texts.append(repr(client))
    fake.expire_tokens(refresh=True)  # refresh refused, then a new login
    fake.script("/api/acled/read", _json({}, 429, headers={"Retry-After": "0"}))
    client.events()
    fake.script("/api/acled/read", *[_json({"message": "boom"}, 500)] * 3)
    with pytest.raises(acled.RetryBudgetExhausted) as exhausted:
        client.events()
    texts += [str(exhausted.value), repr(exhausted.value)]
    with pytest.raises(acled.AuthenticationError) as refused:
        make_client(password=PASSWORD + "x").events()
    texts += [str(refused.value), repr(refused.value)]
    texts += [repr(vars(client)), caplog.text]
    texts += [repr(record.args) for record in caplog.records]
    assert fake.grants == ["password", "refresh_token", "password", "password"]
    assert any("logged in to ACLED" in r.getMessage() for r in caplog.records)
    secrets = [USERNAME, PASSWORD, *fake.issued]
    leaks = [(s, t) for s in secrets for t in texts if s in t]
    assert leaks == []
