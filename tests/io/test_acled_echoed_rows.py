"""Rows of ACLED's API that echo the account or a token: no secret survives validation.

A server may put anything in a row: the login email in ``source``, the password in
``fatalities``, the bearer token in ``event_type``, a refresh token in a column's
name. Whether the rows pass or fail validation, the secrets reach no error (its
text, its ``failures``, the errors chained to it), no warning, no log record, no
attribute of the result and no file a sync writes.
"""

from __future__ import annotations

import html
import json
import logging
import urllib.parse
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import eventdata as ed
from eventdata.datasets import SEED_PATH
from eventdata.io import acled_api as acled
from eventdata.store import EventStore
from tests import fake_acled
from tests.fake_acled import PASSWORD, USERNAME, acled_json_rows

# the tokens the fake ACLED hands out at the first login
ACCESS, REFRESH = "ACCESS-1-7f3a9c", "REFRESH-1-b41e02"
SECRETS = (USERNAME, PASSWORD, ACCESS, REFRESH)


def _variants(secret: str) -> set[str]:
    return {
        secret,
        secret.lower(),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        html.escape(secret),
        json.dumps(secret)[1:-1],
    }


def _echoing_rows(*, all_valid: bool = False) -> list[dict]:
    """The seed's rows, with the account and tokens echoed in valid and invalid places."""
    rows = acled_json_rows(SEED_PATH.read_text(encoding="utf-8"))
    rows[0]["notes"] = f"logged in as {USERNAME} with {PASSWORD}; Authorization: Bearer {ACCESS}"
    rows[1]["source"] = f"{urllib.parse.quote_plus(PASSWORD)} / {html.escape(REFRESH)}"
    rows[2]["admin1"] = USERNAME
    if not all_valid:
        rows[3]["fatalities"] = PASSWORD
        rows[4]["event_type"] = f"Bearer {ACCESS}"
        rows[5]["event_date"] = f"{REFRESH} {USERNAME.upper()}"
    for row in rows:
        row[f"extra_{REFRESH}"] = "1"
    return rows


def _texts(value: object) -> Iterator[str]:
    """str and repr of a value, every frame it holds written out, its chained errors."""
    seen: set[int] = set()
    pending = [value]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, pd.DataFrame):
            yield current.to_csv()
            yield " ".join(map(str, current.columns))
            continue
        yield str(current)
        yield repr(current)
        if isinstance(current, BaseException):
            pending += [current.__cause__, current.__context__, *current.args]
        for name in ("failures", "valid", "rejected", "change"):
            pending.append(getattr(current, name, None))
        for method in ("to_frame", "summary", "_repr_html_", "by_rule"):
            if callable(getattr(current, method, None)):
                pending.append(getattr(current, method)())


def _leaks(texts: list[str]) -> list[tuple[str, str]]:
    return [
        (secret, text[:200])
        for secret in SECRETS
        for variant in _variants(secret)
        for text in texts
        if variant in text
    ]


@pytest.fixture
def watched(caplog) -> Iterator[list[str]]:
    """Texts of the log records and warnings of the block, to be searched for secrets."""
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield texts
    texts += [str(w.message) for w in caught]
    texts += [caplog.text, *(repr(r.args) for r in caplog.records)]


def test_a_validation_error_of_api_rows_holds_no_secret(fake, make_client, watched):
    fake.rows = _echoing_rows()
    with pytest.raises(ed.ValidationError) as caught:
        make_client().events()
    error = caught.value
    assert set(error.failures["column"]) >= {"fatalities", "event_type", "event_date"}
    assert "***" in error.failures["value"].astype(str).str.cat()
    watched += list(_texts(error))
    assert _leaks(watched) == []


def test_the_quarantine_of_api_rows_holds_no_secret(fake, make_client, watched):
    fake.rows = _echoing_rows()
    checked = make_client().events(errors="quarantine")
    assert checked.n_rejected == 3 and checked.n_valid == 3
    watched += list(_texts(checked))
    assert _leaks(watched) == []
    assert "***" in checked.valid["notes"].iloc[0]


def test_valid_api_rows_hold_no_secret(fake, make_client, watched):
    fake.rows = _echoing_rows(all_valid=True)
    events = make_client().events()
    assert len(events) == 6
    watched += list(_texts(events))
    assert _leaks(watched) == []


def _files_text(folder: Path) -> list[str]:
    return [p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file()]


def test_a_sync_of_echoing_rows_writes_no_secret(fake, make_client, watched, tmp_path):
    fake.rows = _echoing_rows()
    store = EventStore(tmp_path / "mirror")
    result = store.sync(make_client(), quarantine=tmp_path / "rejected.csv")
    assert len(result.rejected) == 3 and result.change.added == 3
    assert (tmp_path / "rejected.csv").exists()
    watched += list(_texts(result)) + list(_texts(store.read())) + _files_text(tmp_path)
    assert _leaks(watched) == []


def test_the_check_finds_a_secret_in_a_failure_value():
    # the searches above can fail: a secret in a failures frame is found, in any case
    failures = pd.DataFrame({"value": [urllib.parse.quote(PASSWORD, safe="")]})
    error = ed.ValidationError("1 of 1 rows failed validation", failures, 1)
    assert _leaks(list(_texts(error))) != []
    assert _leaks([f"row 3: {USERNAME.lower()}"]) != []


def test_errors_of_the_client_keep_their_type(fake, make_client):
    # the rows are checked after the secrets are blanked: rows that fail still fail
    fake.rows = _echoing_rows()
    with pytest.raises(ed.ValidationError, match="3 of 6 rows failed"):
        make_client().events()
    with pytest.raises(acled.AcledAPIError):
        make_client(password="wrong").events()


def test_a_short_password_does_not_blank_real_data(fake, make_client, monkeypatch):
    # a password that is also a country: looked for in rows, it would blank every
    # Iraqi event; rows are searched for secrets of 8 characters or more only
    monkeypatch.setattr(fake_acled, "PASSWORD", "Iraq")
    fake.rows = acled_json_rows(SEED_PATH.read_text(encoding="utf-8"))
    events = make_client(password="Iraq").events()
    pd.testing.assert_frame_equal(events, ed.read_acled(SEED_PATH))
    assert (events["country"] == "Iraq").sum() == 3
    fake.rows[0]["fatalities"] = "-1"
    with pytest.raises(ed.ValidationError) as caught:  # messages blank every secret
        make_client(password="Iraq").events()
    assert "Iraq" not in str(caught.value) and "fatalities" in str(caught.value)


def test_a_secret_in_a_column_name_is_blanked_when_columns_are_named(fake, make_client, watched):
    # rows lacking a required column: the error names the columns found, the echoed one too
    rows = _echoing_rows(all_valid=True)
    fake.rows = [
        {f"{PASSWORD}": "x", **{k: v for k, v in row.items() if k != "country"}} for row in rows
    ]
    with pytest.raises(ed.ValidationError, match="missing required column") as caught:
        make_client().events()
    assert "***" in str(caught.value)
    watched += list(_texts(caught.value))
    assert _leaks(watched) == []
