"""EventStore.sync and `eventdata sync` against the fake ACLED API on loopback."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
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


# --- the rejected rows are on disk before the store changes ------------------


def _with_one_bad_row(events: pd.DataFrame) -> list[dict]:
    """The rows, the last one (a new event, so fetched by the next sync) failing validation."""
    rows = acled_json_rows(as_csv(events))
    rows[-1]["fatalities"] = "-1"
    return rows


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


@contextlib.contextmanager
def store_switch_fails(folder: Path, rejected_at: Path) -> Iterator[list[bool]]:
    """os.replace fails for files inside ``folder``: the store cannot switch to a new state.

    Each failed switch records whether the rejected rows (one) were then whole on
    disk at ``rejected_at``.
    """
    seen: list[bool] = []
    real = os.replace

    def replace(source, target, *args, **kwargs):
        if Path(os.fspath(target)).resolve().is_relative_to(folder.resolve()):
            seen.append(rejected_at.exists() and len(pd.read_csv(rejected_at)) == 1)
            raise OSError(errno.EIO, "Input/output error")
        return real(source, target, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "replace", replace)
        yield seen


def _revised_with_a_bad_row(fake, make_client, events, tmp_path) -> tuple[EventStore, pd.DataFrame]:
    fake.rows = acled_json_rows(as_csv(events))
    store = EventStore(tmp_path / "mirror")
    store.sync(make_client())
    expected, deletions = _revise(events)
    fake.rows = _with_one_bad_row(expected)
    fake.deleted = deletions.astype(str).to_dict(orient="records")
    bad_id = expected["event_id_cnty"].iloc[-1]
    return store, expected[expected["event_id_cnty"] != bad_id]


def test_sync_writes_the_rejected_rows_before_the_store_changes(
    fake, make_client, events, tmp_path
):
    store, expected = _revised_with_a_bad_row(fake, make_client, events, tmp_path)
    before, out = _files(store.path), tmp_path / "rejected.csv"
    with (
        store_switch_fails(store.path, out) as seen,
        pytest.raises(ed.StoreError, match="nothing was changed"),
    ):
        store.sync(make_client(), quarantine=out)
    assert seen and all(seen)  # the rejected rows were whole on disk when the store switched
    # a failed change is undone whole: the store as it was, the rejected rows' file gone
    assert _files(store.path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mirror"]

    result = store.sync(make_client(), quarantine=out)  # run again: both done
    assert result.quarantine == out and len(result.rejected) == 1
    pd.testing.assert_frame_equal(
        pd.read_csv(out), pd.read_csv(io.StringIO(result.rejected.to_csv(index=False)))
    )
    _same_rows(store.read(), expected)


def test_sync_refuses_a_rejected_rows_file_that_exists_before_asking_the_api(
    fake, make_client, events, tmp_path
):
    store, _ = _revised_with_a_bad_row(fake, make_client, events, tmp_path)
    out = tmp_path / "rejected.csv"
    out.write_text("earlier rejected rows\n", encoding="utf-8")
    asked = len(fake.queries)
    with pytest.raises(ed.StoreError, match="already exists"):
        store.sync(make_client(), quarantine=out)
    assert len(fake.queries) == asked
    assert out.read_text(encoding="utf-8") == "earlier rejected rows\n"
    with pytest.raises(ed.StoreError, match="inside the store"):
        store.sync(make_client(), quarantine=store.path / "rejected.csv")


def test_the_sync_command_keeps_the_rejected_rows_when_the_store_fails(
    fake, make_client, httpserver, events, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("ACLED_USERNAME", USERNAME)
    monkeypatch.setenv("ACLED_PASSWORD", PASSWORD)
    store, expected = _revised_with_a_bad_row(fake, make_client, events, tmp_path)
    before, out = _files(store.path), tmp_path / "rejected.csv"
    url = httpserver.url_for("/").rstrip("/")
    argv = ["sync", "--store", str(store.path), "--api-url", url, "--quarantine", str(out)]
    with store_switch_fails(store.path, out) as seen:
        assert main(argv) == 3
    assert seen and all(seen)
    assert _files(store.path) == before  # the store as it was; the rejected rows kept aside
    assert len(pd.read_csv(out)) == 1
    out.unlink()
    assert main(argv) == 1  # ran; one row rejected
    assert f"1 rejected rows written to {out}" in capsys.readouterr().out
    _same_rows(EventStore(store.path).read(), expected)
