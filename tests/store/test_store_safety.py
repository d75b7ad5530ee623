"""The store under faults and hostile input: it touches only its own files, every failure
is a StoreError that leaves the previous state readable, and nothing is ever undone.

Faults are injected, not described: a hostile or damaged manifest, ``os.replace`` and
``os.fsync`` raising, a read-only folder (a read-only bind mount, and ``os.open`` raising
``PermissionError`` where mounting is not allowed: the tests run as root, for whom
``chmod`` stops nothing), a full disk (a 1 MB tmpfs), a missing data file.
"""

from __future__ import annotations

import contextlib
import copy
import errno
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

import eventdata as ed
from eventdata.cli import main
from eventdata.store import MANIFEST, EventStore, StoreError, read_parquet, write_parquet
from eventdata.store import export as store_export

KEY = ["event_date", "event_id_cnty"]


def same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        got.sort_values(KEY, ignore_index=True), want.sort_values(KEY, ignore_index=True)
    )


def revised(events: pd.DataFrame, seconds: int, **changes) -> pd.DataFrame:
    version = events.assign(timestamp=events["timestamp"] + seconds, **changes)
    return version.astype(events.dtypes.to_dict())


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "_eventdata.lock"
    }


@pytest.fixture
def events() -> pd.DataFrame:
    return ed.datasets.simulate("2022-01-01", "2022-02-28", seed=11)


# --------------------------------------------------------------------------------------
# 1. A store touches only its own files


def test_opening_and_writing_a_store_never_touches_a_store_inside_it(events, tmp_path):
    outer = tmp_path / "mirror"
    write_parquet(events, outer)
    # a store that ended up inside (copied there, or made by an older eventdata), placed
    # where a partition folder would be and where it would not
    for name in ("iraq-only", "country=Iraq/nested", "country=Zed"):
        other = tmp_path / f"other-{uuid.uuid4().hex}"
        EventStore(other).upsert(events[events["country"] == "Iraq"])
        (outer / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(other, outer / name)
    before = {name: files_under(outer / name) for name in ("iraq-only", "country=Zed")}
    before["country=Iraq/nested"] = files_under(outer / "country=Iraq" / "nested")
    store = EventStore(outer)  # opening cleans the store's own leftovers only
    store.upsert(revised(events.head(5), 60, fatalities=9))
    store.compact()
    write_parquet(events, outer)
    for name, files in before.items():
        assert files_under(outer / name) == files, name
        same_rows(EventStore(outer / name).read(), events[events["country"] == "Iraq"])


def test_a_store_inside_or_around_another_is_refused(events, tmp_path):
    write_parquet(events, tmp_path / "mirror")
    inside = tmp_path / "mirror" / "iraq-only"
    with pytest.raises(StoreError, match="inside the store"):
        EventStore(inside).upsert(events)
    with pytest.raises(StoreError, match="inside the store"):
        write_parquet(events, inside)
    with pytest.raises(StoreError, match="inside the store"):
        write_parquet(events, tmp_path / "mirror" / "country=Iraq" / "deeper")
    assert not inside.exists()
    # around: a folder holding a store (even in a hidden folder) is not made a store
    write_parquet(events, tmp_path / "around" / ".cache" / "store")
    for attempt in (
        lambda: write_parquet(events, tmp_path / "around"),
        lambda: EventStore(tmp_path / "around").upsert(events),
    ):
        with pytest.raises(StoreError, match="holds the store"):
            attempt()
    same_rows(read_parquet(tmp_path / "around" / ".cache" / "store"), events)


def _part_name() -> str:
    return f"part-{uuid.uuid4().hex}.parquet"


def _hostile_paths(store: Path, victim: Path) -> list[str]:
    first = json.loads((store / MANIFEST).read_text())["partitions"][0]["path"]
    folder = first.rsplit("/", 1)[0]
    return [
        f"../{victim.name}",
        str(victim),  # absolute
        f"{folder}/../../../{victim.name}",
        f"{folder}/./{Path(first).name}",
        f"{folder}//{Path(first).name}",
        f"country=Iraq\\..\\..\\{victim.name}",
        f"{folder}/notes.txt",  # not a part file
        f"{folder}/{Path(first).name}/",
        f"country=Iraq/{_part_name()}",  # one folder level missing
        f"year=2022/country=Iraq/{_part_name()}",  # folders in the wrong order
        "C:/" + first,
        f"{folder}/{Path(first).name}\0",
    ]


def _victim(tmp_path: Path, events: pd.DataFrame) -> Path:
    """A file outside the store that today's code would read, copy and delete."""
    single = write_parquet(events.head(3), tmp_path / "outside.parquet", partition_by=())
    victim = tmp_path / _part_name()
    single.rename(victim)
    return victim


OPERATIONS: dict[str, Callable[[Path, pd.DataFrame], object]] = {
    "open": lambda p, e: EventStore(p),
    "read": lambda p, e: EventStore(p).read(),
    "read_parquet": lambda p, e: read_parquet(p),
    "upsert": lambda p, e: EventStore(p).upsert(revised(e.head(40), 60)),
    "delete": lambda p, e: EventStore(p).delete(e["event_id_cnty"].head(40)),
    "compact": lambda p, e: EventStore(p).compact(),
    "write_parquet": lambda p, e: write_parquet(e, p),
    "export": lambda p, e: EventStore(p).export(p.parent / f"x-{uuid.uuid4().hex}.csv"),
}


def test_manifest_paths_outside_the_store_are_refused(events, tmp_path):
    victim = _victim(tmp_path, events)
    victim_bytes = victim.read_bytes()
    good = tmp_path / "good"
    write_parquet(events, good)
    tried = 0
    for number, hostile in enumerate(_hostile_paths(good, victim)):
        for name, operation in OPERATIONS.items():
            store = tmp_path / f"s{number}-{name}"
            shutil.copytree(good, store)
            manifest = json.loads((store / MANIFEST).read_text())
            manifest["partitions"][0]["path"] = hostile
            (store / MANIFEST).write_text(json.dumps(manifest))
            before = files_under(store)
            with pytest.raises(StoreError, match="manifest"):
                operation(store, events)
            tried += 1
            assert victim.read_bytes() == victim_bytes, (hostile, name)
            assert files_under(store) == before, (hostile, name)
    assert tried == 12 * len(OPERATIONS)


def test_a_partition_folder_linked_outside_the_store_is_refused(events, tmp_path):
    store = tmp_path / "store"
    write_parquet(events, store)
    outside = tmp_path / "elsewhere"
    partition = next(store.glob("country=*/year=*"))
    shutil.move(partition, outside)
    partition.symlink_to(outside, target_is_directory=True)
    before = files_under(outside)
    for name, operation in OPERATIONS.items():
        with pytest.raises(StoreError, match="outside the store"):
            operation(store, events)
        assert files_under(outside) == before, name
    # a partition folder not yet written, linked outside: nothing is written through it
    fresh = tmp_path / "fresh"
    EventStore(fresh).upsert(events[events["country"] == "Syria"])
    elsewhere = tmp_path / "elsewhere-2"
    elsewhere.mkdir()
    (fresh / "country=Iraq").symlink_to(elsewhere, target_is_directory=True)
    for operation in (
        lambda: EventStore(fresh).upsert(events),
        lambda: write_parquet(events, fresh),
    ):
        with pytest.raises(StoreError, match="outside the store"):
            operation()
        assert not list(elsewhere.rglob("*.parquet*"))
    # and the lock file linked outside is not followed
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (fresh / "country=Iraq").unlink()
    (fresh / "_eventdata.lock").unlink()
    (fresh / "_eventdata.lock").symlink_to(victim)
    with pytest.raises(StoreError):
        EventStore(fresh).upsert(events)
    assert victim.read_text() == "keep me"


# --------------------------------------------------------------------------------------
# 2. Every failure is a StoreError, and the previous state stays readable


def _probes(manifest: dict) -> Iterator[tuple[str, Callable[[dict], object]]]:
    """Damaged manifests: each field deleted, retyped and emptied, at every level."""
    retypes = [None, -1, "2022-13-45", [], {"a": 1}]

    def setting(path: tuple, value: object) -> Callable[[dict], object]:
        def change(m: dict) -> None:
            target = m
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = copy.deepcopy(value)

        return change

    def deleting(path: tuple) -> Callable[[dict], object]:
        def change(m: dict) -> None:
            target = m
            for part in path[:-1]:
                target = target[part]
            del target[path[-1]]

        return change

    places: list[tuple] = [(k,) for k in manifest]
    places += [("partitions", 0, k) for k in manifest["partitions"][0]]
    places += [("columns", 0, k) for k in manifest["columns"][0]]
    places += [("columns", 0, "dtype", k) for k in manifest["columns"][0]["dtype"]]
    places += [("log", 0, k) for k in manifest["log"][0]]
    places += [("coverage", 0, k) for k in manifest.get("coverage", [{}])[0]]
    places += [("partitions", 0, "key", 0), ("partitions", 0, "event_date", 0)]
    for place in places:
        yield f"delete {place}", deleting(place)
        for value in retypes:
            yield f"{place} = {value!r}", setting(place, value)
    yield "format_version 99", setting(("format_version",), 99)
    yield "format_version '1'", setting(("format_version",), "1")
    yield "schema unknown", setting(("schema",), "gdelt")
    yield "schema_version 9.0", setting(("schema_version",), "9.0.0")
    yield "arrow_schema not base64", setting(("arrow_schema",), "!!!not base64!!!")
    yield "arrow_schema base64 of junk", setting(("arrow_schema",), "AAAA")
    yield "partition listed twice", lambda m: m["partitions"].append(m["partitions"][0])
    yield "deleted not ints", setting(("deleted",), {"X": "soon"})
    yield "coverage reversed", setting(("coverage", 0, "end"), "1999-01-01")


def _damaged_texts(text: str) -> Iterator[tuple[str, bytes]]:
    for cut in (0, 1, 10, len(text) // 3, len(text) // 2, len(text) - 2):
        yield f"truncated at {cut}", text[:cut].encode()
    yield "not JSON", b"<html>not json</html>"
    yield "a JSON list", b"[1, 2, 3]"
    yield "invalid UTF-8", b'{"format": "\xff\xfe"}'
    yield "deeply nested", b"[" * 100_000 + b"]" * 100_000


def test_damaged_manifests_give_store_errors_and_keep_the_data(events, tmp_path):
    """Only StoreError escapes; a failed write changes nothing, and the data stay whole.

    Every probe goes through the read operations; the writes run in full where the
    damage is found on opening, and the upsert alone where it is tolerated (a
    missing optional field) to keep the test short.
    """
    events = events.head(60)
    good = tmp_path / "good"
    store = EventStore(good)
    store.upsert(events)
    store.delete(events["event_id_cnty"].head(2))
    good_text = (good / MANIFEST).read_text()
    good_manifest = json.loads(good_text)
    expected = EventStore(good).read()
    probes = [
        (name, json.dumps(_changed(good_manifest, change)).encode())
        for name, change in _probes(good_manifest)
    ]
    probes += list(_damaged_texts(good_text))
    read_only = {
        "open": lambda p: EventStore(p),
        "read": lambda p: EventStore(p).read(),
        "read filtered": lambda p: EventStore(p).read(countries="Iraq", start="2022-02-01"),
        "log": lambda p: EventStore(p).log(),
        "partitions": lambda p: EventStore(p).partitions(),
        "coverage": lambda p: EventStore(p).coverage,
        "metadata and len": lambda p: (EventStore(p).metadata, len(EventStore(p))),
        "read_parquet": lambda p: read_parquet(p),
    }
    writes = {
        "upsert": lambda p: EventStore(p).upsert(revised(events.head(30), 60)),
        "delete": lambda p: EventStore(p).delete(events["event_id_cnty"].iloc[5:9]),
        "compact": lambda p: EventStore(p).compact(),
        "write_parquet": lambda p: write_parquet(events, p),
    }
    outcomes = {"store error": 0, "worked": 0}
    escaped = []
    for number, (name, damaged) in enumerate(probes):
        folder = tmp_path / f"probe-{number}"
        shutil.copytree(good, folder)
        (folder / MANIFEST).write_bytes(damaged)
        try:
            EventStore(folder)
            tolerated = True
        except StoreError:
            tolerated = False
        for label, operation in read_only.items():
            if tolerated and label not in ("read", "log", "coverage"):
                continue
            try:
                operation(folder)
            except StoreError as exc:
                assert "\n" not in str(exc)
                outcomes["store error"] += 1
            except Exception as exc:
                escaped.append((name, label, type(exc).__name__, str(exc)[:80]))
            else:
                outcomes["worked"] += 1
        for label, operation in writes.items():
            if tolerated and label != "upsert":
                continue
            copy_ = tmp_path / f"probe-{number}-{label}"
            shutil.copytree(folder, copy_)
            before = files_under(copy_)
            try:
                operation(copy_)
            except StoreError:
                outcomes["store error"] += 1
                # nothing changed: every file as it was (so the original manifest, put
                # back, reads the previous state whole; checked on every 20th probe)
                assert files_under(copy_) == before, (name, label)
                if number % 20 == 0:
                    (copy_ / MANIFEST).write_text(good_text)
                    same_rows(EventStore(copy_).read(), expected)
            except Exception as exc:
                escaped.append((name, label, type(exc).__name__, str(exc)[:80]))
            else:
                outcomes["worked"] += 1
            shutil.rmtree(copy_)
        shutil.rmtree(folder)
    assert not escaped, f"{len(escaped)} non-StoreErrors, e.g. {escaped[:5]}"
    assert len(probes) > 250 and outcomes["store error"] > 1500, outcomes


def _changed(manifest: dict, change: Callable[[dict], object]) -> dict:
    damaged = copy.deepcopy(manifest)
    change(damaged)
    return damaged


def test_a_missing_or_damaged_data_file_is_a_store_error(events, tmp_path):
    for damage in ("missing", "truncated", "not parquet"):
        folder = tmp_path / damage
        write_parquet(events, folder)
        part = next(folder.rglob("part-*.parquet"))
        if damage == "missing":
            part.unlink()
        elif damage == "truncated":
            part.write_bytes(part.read_bytes()[:200])
        else:
            part.write_bytes(b"PAR1 but not really")
        for name, operation in OPERATIONS.items():
            if name in ("open", "write_parquet"):
                continue  # opening reads no data file; a rewrite needs none of the old ones
            with pytest.raises(StoreError):
                operation(folder, events)
        with pytest.raises(StoreError):
            ed.counts(str(folder), freq="D")


@pytest.mark.parametrize("target", ["os.replace", "os.fsync"])
def test_os_replace_or_fsync_failing_is_a_store_error_and_changes_nothing(
    events, tmp_path, monkeypatch, target
):
    folder = tmp_path / "store"
    store = EventStore(folder)
    store.upsert(events.head(100))
    before = files_under(folder)
    expected = store.read()
    real = getattr(os, target.split(".")[1])
    for after in range(0, 12):
        calls = {"n": 0}

        def failing(*args, _real=real, _after=after, _calls=calls):
            _calls["n"] += 1
            if _calls["n"] > _after:
                raise OSError(errno.EIO, "Input/output error")
            return _real(*args)

        monkeypatch.setattr(os, target.split(".")[1], failing)
        try:
            for operation in (
                lambda: store.upsert(revised(events, 60)),
                lambda: store.compact(),
                lambda: write_parquet(events, folder),
            ):
                with contextlib.suppress(StoreError):
                    operation()
        except Exception as exc:
            pytest.fail(f"{target} failing after {after} calls: {type(exc).__name__}: {exc}")
        finally:
            monkeypatch.undo()
        if files_under(folder) == before:
            same_rows(store.read(), expected)
        else:  # a write got through before the failure: it is whole
            expected = store.read()
            before = files_under(folder)
        leftovers = [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
        assert not leftovers


@contextlib.contextmanager
def mounted(folder: Path, *options: str) -> Iterator[None]:
    """A mount for the test (needs root and mount permission), or a skip saying why not."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(["mount", *options, str(folder)], capture_output=True, text=True)
    except FileNotFoundError:
        pytest.skip("no mount command on this machine")
    if done.returncode:
        pytest.skip(f"cannot mount here ({done.stderr.strip()})")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_a_full_disk_is_a_store_error_and_keeps_the_state(tmp_path):
    disk = tmp_path / "small-disk"
    with mounted(disk, "-t", "tmpfs", "-o", "size=1m", "tmpfs"):
        folder = disk / "store"
        small = ed.datasets.simulate("2022-01-01", "2022-01-31", seed=1)
        store = EventStore(folder)
        store.upsert(small)
        before = files_under(folder)
        big = ed.datasets.simulate("2015-01-01", "2022-12-31", seed=2, rate=40)
        big = big.assign(notes=big["event_id_cnty"].map(lambda i: f"{i} {uuid.uuid4().hex * 8}"))
        for operation in (
            lambda: store.upsert(big),
            lambda: write_parquet(big, folder),
            lambda: store_export(big, disk / "big.csv"),
        ):
            with pytest.raises(StoreError, match="disk is full"):
                operation()
            assert files_under(folder) == before
            same_rows(store.read(), small)
        assert not (disk / "big.csv").exists()


def test_a_read_only_mount_is_a_store_error_and_reads_still_work(events, tmp_path):
    folder = tmp_path / "store"
    EventStore(folder).upsert(events)
    before = files_under(folder)
    with mounted(folder, "--bind", str(folder)):
        remount = subprocess.run(
            ["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True, text=True
        )
        if remount.returncode:
            pytest.skip(f"cannot remount read-only ({remount.stderr.strip()})")
        store = EventStore(folder)  # opening a read-only store works
        same_rows(store.read(), events)
        for operation in (
            lambda: store.upsert(revised(events, 60)),
            lambda: store.delete(events["event_id_cnty"].head(3)),
            lambda: store.compact(),
            lambda: write_parquet(events, folder),
        ):
            with pytest.raises(StoreError, match="read-only"):
                operation()
        same_rows(store.read(), events)
    assert files_under(folder) == before


def test_permission_denied_is_a_store_error(events, tmp_path, monkeypatch):
    """As a read-only folder looks to a user who is not root (os.open and open refuse)."""
    folder = tmp_path / "store"
    EventStore(folder).upsert(events)
    before = files_under(folder)
    real_os_open, real_open = os.open, open

    def refused(path: object, writing: bool) -> bool:
        return writing and str(path).startswith(str(tmp_path))

    def os_open(path, flags, *args, **kwargs):
        if refused(path, bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_os_open(path, flags, *args, **kwargs)

    def builtin_open(path, mode="r", *args, **kwargs):
        if refused(path, any(c in mode for c in "wax+")):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, mode, *args, **kwargs)

    for lock_too in (True, False):
        monkeypatch.setattr(os, "open", os_open if lock_too else real_os_open)
        monkeypatch.setattr("builtins.open", builtin_open)
        for operation in (
            lambda: EventStore(folder).upsert(revised(events, 60)),
            lambda: EventStore(folder).delete(events["event_id_cnty"].head(3)),
            lambda: EventStore(folder).compact(),
            lambda: write_parquet(events, folder),
            lambda: EventStore(tmp_path / "new-store").upsert(events),
        ):
            with pytest.raises(StoreError, match="permission denied"):
                operation()
        monkeypatch.undo()
        assert files_under(folder) == before
        same_rows(EventStore(folder).read(), events)


def test_partition_values_that_cannot_be_folder_names_round_trip(events, tmp_path):
    values = [
        "Iraq",
        " Iraq ",
        "Iraq ",
        "x" * 300,
        "x" * 299 + "y",
        "ع" * 200,
        "a/b",
        "a\\b",
        "..",
        ".",
        ".hidden",
        "_under",
        "C:",
        "trailing.",
        "tab\tnew\nline",
        "100%",
        "%41",
        '<>:|?*"',
        "Côte d'Ivoire",
        "Burkina Faso",
    ]
    frame = events.head(len(values)).assign(unit=values)
    for writer in ("write_parquet", "upsert"):
        folder = tmp_path / writer
        if writer == "write_parquet":
            write_parquet(frame, folder, partition_by=["unit"])
        else:
            EventStore(folder, partition_by=["unit"]).upsert(frame)
        back = read_parquet(folder)
        same_rows(back, frame.astype({"unit": back["unit"].dtype}))
        assert sorted(back["unit"]) == sorted(values)
        assert len({p.parent.name for p in folder.rglob("part-*.parquet")}) == len(values)
        assert all(len(p.parent.name.encode()) <= 255 for p in folder.rglob("part-*.parquet"))
        # Hive readers decode every folder name but the shortened ones to the value
        table = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
        hive = set(table.column("unit").to_pylist())
        assert {v for v in values if len(v) < 150} <= hive
        assert "Burkina Faso" in {p.parent.name[len("unit=") :] for p in folder.rglob("*.parquet")}


def test_the_cli_prints_one_line_for_a_damaged_store(events, tmp_path, capsys):
    folder = tmp_path / "store"
    write_parquet(events, folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    del manifest["partitions"][0]["path"]  # hand-edited
    (folder / MANIFEST).write_text(json.dumps(manifest))
    csv = store_export(events.head(5), tmp_path / "week.csv")
    for argv in (
        ["export", "--store", str(folder), "--out", str(tmp_path / "out.csv")],
        ["ingest", str(csv), "--store", str(folder)],
    ):
        code = main(argv)
        err = capsys.readouterr().err
        assert code != 0 and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1 and err.startswith("error:")


# --------------------------------------------------------------------------------------
# 3. Deletions and newer versions are never undone


def test_write_parquet_over_a_store_keeps_deletions_and_newer_versions(events, tmp_path):
    folder = tmp_path / "store"
    store = EventStore(folder)
    store.upsert(events)
    newer = revised(events.head(3), 100, fatalities=42)
    store.upsert(newer)
    gone = events["event_id_cnty"].iloc[10:13].tolist()
    store.delete(gone)
    # the same old export written over the store
    write_parquet(events, folder)
    back = store.read()
    assert not back["event_id_cnty"].isin(gone).any()
    fresh = back.set_index("event_id_cnty").loc[newer["event_id_cnty"]]
    assert (fresh["fatalities"] == 42).all()
    assert (fresh["timestamp"].to_numpy() == newer["timestamp"].to_numpy()).all()
    last = store.log().iloc[-1]
    assert last["operation"] == "write" and last["stale"] == 6
    assert last["added"] == len(events) - 6 and len(store) == len(events) - 3
    # and re-ingesting the old export skips the same rows as stale
    change = store.upsert(events)
    assert (change.added, change.updated, change.stale) == (0, 0, 6)
    assert store.log().iloc[-1]["stale"] == 6
    # the deletions are still recorded: a later write skips them again
    write_parquet(events, folder)
    assert not store.read()["event_id_cnty"].isin(gone).any()


def test_write_parquet_brings_back_a_deleted_event_only_in_a_newer_version(events, tmp_path):
    folder = tmp_path / "store"
    store = EventStore(folder)
    store.upsert(events)
    gone = events["event_id_cnty"].iloc[0]
    store.delete(pd.DataFrame({"event_id_cnty": [gone], "deleted_timestamp": [2_000_000_000]}))
    later = events.copy()
    later.loc[0, "timestamp"] = 2_000_000_100  # revised after its deletion
    write_parquet(later, folder)
    assert gone in set(store.read()["event_id_cnty"])
    assert gone not in json.loads((folder / MANIFEST).read_text())["deleted"]


def test_a_single_file_with_damaged_metadata_is_a_store_error(events, tmp_path):
    import pyarrow.parquet as pq

    single = write_parquet(events, tmp_path / "one.parquet", partition_by=())
    table = pq.read_table(single)
    meta = json.loads(table.schema.metadata[b"eventdata"])
    damaged = [
        b'{"schema": "acled", ',
        b"[]",
        json.dumps(meta | {"columns": "all"}).encode(),
        json.dumps(meta | {"columns": [{"name": "x", "dtype": {"type": "nope"}}]}).encode(),
        json.dumps(meta | {"format_version": "one"}).encode(),
        json.dumps(meta | {"partition_by": ["country"]}).encode(),
        json.dumps(meta | {"coverage": [{"country": 1, "start": "x"}]}).encode(),
    ]
    for number, raw in enumerate(damaged):
        path = tmp_path / f"damaged-{number}.parquet"
        pq.write_table(table.replace_schema_metadata({b"eventdata": raw}), path)
        with pytest.raises(StoreError, match="damaged-"):
            read_parquet(path)


def test_a_store_written_with_the_older_folder_encoding_stays_readable(events, tmp_path):
    frame = events.head(4).assign(unit=[" Iraq ", "Iraq", "Syria ", "Syria"])
    folder = tmp_path / "store"
    EventStore(folder, partition_by=["unit"]).upsert(frame)
    # as an older eventdata named the folders: spaces as they are
    manifest = json.loads((folder / MANIFEST).read_text())
    for partition in manifest["partitions"]:
        old = f"unit={partition['key'][0]}"
        new_path = Path(partition["path"])
        if old != new_path.parent.as_posix():
            (folder / old).mkdir()
            (folder / new_path).rename(folder / old / new_path.name)
            (folder / new_path.parent).rmdir()
            partition["path"] = f"{old}/{new_path.name}"
    (folder / MANIFEST).write_text(json.dumps(manifest))
    assert (folder / "unit= Iraq ").is_dir()
    store = EventStore(folder)
    same_rows(store.read(), frame.astype({"unit": store.read()["unit"].dtype}))
    store.upsert(revised(frame, 60))  # rewritten into the current encoding
    assert not (folder / "unit= Iraq ").exists() and (folder / "unit=%20Iraq%20").is_dir()
    assert sorted(store.read()["unit"]) == sorted(frame["unit"])
