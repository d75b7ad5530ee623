"""EventStore.sync and `eventdata sync` against the fake ACLED API on loopback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import eventdata as ed
from eventdata.cli import main
from eventdata.store import EventStore
from tests.fake_acled import PASSWORD, USERNAME, acled_json_rows, as_csv

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def events() -> pd.DataFrame:
    return ed.datasets.simulate("2022-01-01", "2022-01-20", seed=3)  # ~85 rows, two countries


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    key = "event_id_cnty"
    pd.testing.assert_frame_equal(
        a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True)
    )


def _revise(events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ACLED's next week: three rows revised, two added, one deleted (and one unknown id)."""
    newest = int(events["timestamp"].max())
    revised = events.head(3).assign(fatalities=7, timestamp=newest + 100)
    added = ed.datasets.simulate("2022-01-21", "2022-01-22", seed=4).head(2)
    added = added.assign(event_id_cnty="NEW" + added["event_id_cnty"], timestamp=newest + 200)
    after = pd.concat([revised, events.iloc[3:], added], ignore_index=True)
    gone = events["event_id_cnty"].iloc[10]
    deletions = pd.DataFrame(
        {"event_id_cnty": [gone, "NEVER-STORED"], "deleted_timestamp": [newest + 300] * 2}
    )
    expected = after[after["event_id_cnty"] != gone]
    return expected, deletions


def test_first_sync_mirrors_everything_then_asks_only_for_changes(
    fake, make_client, events, tmp_path
):
    fake.rows = acled_json_rows(as_csv(events))
    store = EventStore(tmp_path / "mirror")
    client = make_client(page_size=30)
    first = store.sync(client, countries=["Iraq", "Syria"])
    assert first.since is None and first.change.added == len(events)
    _same_rows(store.read(), events)

    expected, deletions = _revise(events)
    fake.rows = acled_json_rows(as_csv(expected))
    fake.deleted = deletions.astype(str).to_dict(orient="records")
    # from the oldest of the two countries' newest timestamps: neither is left behind
    watermark = int(events.groupby("country")["timestamp"].max().min())
    second = store.sync(client, countries=["Iraq", "Syria"])
    last_query = fake.data_queries()[-1]
    assert last_query["timestamp"] == str(watermark)
    assert fake.data_queries("/api/deleted/read")[-1]["deleted_timestamp"] == str(watermark)
    change = second.change
    assert (change.added, change.updated, change.deleted, change.not_found) == (2, 3, 1, 1)
    refetched = events.iloc[3:]
    refetched = refetched[refetched["timestamp"] >= watermark]
    refetched = refetched[refetched["event_id_cnty"] != events["event_id_cnty"].iloc[10]]
    assert change.unchanged == len(refetched)
    _same_rows(store.read(), expected)
    assert store.log()["operation"].tolist() == ["sync", "sync"]
    assert "sync of changes since" in second.summary()


def test_syncing_countries_one_by_one_loses_nothing(fake, make_client, events, tmp_path):
    fake.rows = acled_json_rows(as_csv(events))
    store = EventStore(tmp_path / "mirror")
    client = make_client()
    store.sync(client, countries=["Iraq"])
    store.sync(client, countries=["Syria"])  # Syria was never synced: fetched whole
    _same_rows(store.read(), events)
    store.sync(client)  # all countries: from the oldest country's newest timestamp
    _same_rows(store.read(), events)


def test_rows_failing_validation_are_kept_aside_not_stored(fake, make_client, events, tmp_path):
    rows = acled_json_rows(as_csv(events))
    rows[0]["fatalities"] = "-1"
    fake.rows = rows
    result = EventStore(tmp_path / "mirror").sync(make_client())
    assert len(result.rejected) == 1 and "fatalities" in result.rejected["reason"].iloc[0]
    assert result.change.added == len(events) - 1


KILLER = """
import json, os, signal, sys
from eventdata import store
from eventdata.io import acled_api as acled
from eventdata.store import _commit

job = json.loads(sys.argv[1])
def die(*_):
    os.kill(os.getpid(), signal.SIGKILL)
if job["at"] != "fetch":
    _commit.checkpoint = lambda name: die() if name == job["at"] else None
pages = []
def progress(page):
    pages.append(page)
    if job["at"] == "fetch" and len(pages) == 2:
        die()
client = acled.Client(base_url=job["url"], page_size=30, max_retries=0, timeout=5)
store.EventStore(job["store"]).sync(client, progress=progress)
"""


@pytest.mark.skipif(not hasattr(os, "kill") or os.name != "posix", reason="needs SIGKILL")
@pytest.mark.parametrize("at", ["fetch", "data-written", "manifest-written", "manifest-replaced"])
def test_a_killed_sync_run_again_converges_to_one_clean_run(
    fake, make_client, httpserver, events, tmp_path, at
):
    fake.rows = acled_json_rows(as_csv(events))
    base = tmp_path / "base"
    EventStore(base).sync(make_client())
    expected, deletions = _revise(events)
    fake.rows = acled_json_rows(as_csv(expected))
    fake.deleted = deletions.astype(str).to_dict(orient="records")

    clean = tmp_path / "clean"
    shutil.copytree(base, clean)
    EventStore(clean).sync(make_client(page_size=30))

    crashed = tmp_path / "crashed"
    shutil.copytree(base, crashed)
    job = {"at": at, "store": str(crashed), "url": httpserver.url_for("/").rstrip("/")}
    env = {**os.environ, "ACLED_USERNAME": USERNAME, "ACLED_PASSWORD": PASSWORD}
    done = subprocess.run(
        [sys.executable, "-c", KILLER, json.dumps(job)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == -9, done.stderr  # killed by SIGKILL
    state = EventStore(crashed).read()  # whole: the old state or the new one
    sort = "event_id_cnty"
    old_state = EventStore(base).read()
    assert len(state) in (len(old_state), len(expected))
    EventStore(crashed).sync(make_client(page_size=30))
    _same_rows(EventStore(crashed).read(), EventStore(clean).read())
    assert EventStore(crashed).read()[sort].is_unique


def test_sync_command(fake, httpserver, events, tmp_path, monkeypatch, capsys):
    fake.rows = acled_json_rows(as_csv(events))
    monkeypatch.setenv("ACLED_USERNAME", USERNAME)
    monkeypatch.setenv("ACLED_PASSWORD", PASSWORD)
    url = httpserver.url_for("/").rstrip("/")
    store = tmp_path / "mirror"
    argv = ["sync", "--store", str(store), "--country", "Iraq", "--api-url", url]
    assert main(argv) == 0
    out = capsys.readouterr().out
    iraq = int((events["country"] == "Iraq").sum())
    assert f"{iraq} rows stored" in out
    assert PASSWORD not in out
    assert set(EventStore(store).read()["country"]) == {"Iraq"}


def test_sync_command_without_credentials_is_one_clear_error(tmp_path, monkeypatch, capsys):
    for name in ("ACLED_USERNAME", "ACLED_EMAIL", "ACLED_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    assert main(["sync", "--store", str(tmp_path / "s"), "--api-url", "http://127.0.0.1:9"]) == 2
    assert capsys.readouterr().err.startswith("error:")


def test_template_command(tmp_path, capsys):
    out = tmp_path / "incidents.csv"
    assert main(["template", "--out", str(out)]) == 0
    assert out.exists() and (tmp_path / "incidents.schema.json").exists()
    assert len(ed.read_incidents(out)) == 0
