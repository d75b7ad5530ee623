"""The command line under bad arguments: one line on stderr, one exit-code policy, no harm.

Every subcommand is run against a table of bad arguments (missing inputs, output
paths in missing or unwritable folders, folders given for files, bad suffixes,
existing rejected-row files, bad option values, a damaged store). Each must end
with the exit code of the policy (``eventdata --help``), one ``error:`` line and
no traceback, and leave every file as it was: the checks come before the work.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import eventdata as ed
from eventdata import cli
from eventdata.cli import main
from eventdata.datasets import SEED_PATH
from eventdata.io import acled_csv, write_acled
from eventdata.store import EventStore
from tests.fake_acled import PASSWORD, USERNAME, _json, acled_json_rows

README = Path(__file__).resolve().parents[2] / "README.md"
UNWRITABLE_FOLDER = "/proc"  # no new file goes there, not even for root


@pytest.fixture
def place(tmp_path: Path, seed_events: pd.DataFrame) -> dict[str, str]:
    """A folder with a clean export, one with a rejected row, a store, junk and a damaged store."""
    seed = write_acled(seed_events, tmp_path / "seed.csv")
    raw = pd.read_csv(seed, dtype=str, keep_default_na=False)
    raw.loc[1, "fatalities"] = "-3"
    raw.to_csv(tmp_path / "bad.csv", index=False)
    EventStore(tmp_path / "mirror").upsert(seed_events)
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "damaged").mkdir()
    (tmp_path / "damaged" / "_eventdata.json").write_text("{", encoding="utf-8")
    return {"tmp": str(tmp_path), "seed": str(seed), "bad": str(tmp_path / "bad.csv")}


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


NOWHERE = "{tmp}/no-such-folder"
BAD_ARGUMENTS = [
    # (arguments, exit code, what the one error line says; None: argparse's own usage error)
    ([], 2, None),
    (["no-such-command"], 2, None),
    (["validate"], 2, None),
    (["validate", "--bogus", "{seed}"], 2, None),
    (["validate", "{tmp}/missing.csv"], 2, "no such file"),
    (["validate", "{tmp}"], 2, "a folder, not a file"),
    (["validate", "{tmp}/empty.csv"], 2, "empty"),
    (["validate", "{tmp}/garbage.bin"], 2, ""),
    (["validate", "{seed}", "--encoding", "no-such-codec"], 2, "no-such-codec"),
    (["validate", "{bad}", "--quarantine", NOWHERE + "/q.csv"], 2, "does not exist"),
    (["validate", "{bad}", "--quarantine", "{tmp}"], 2, "a folder, not a file"),
    (["validate", "{bad}", "--quarantine", UNWRITABLE_FOLDER + "/q.csv"], 2, "cannot write"),
    (["schemas", "--out", "{seed}"], 2, "a file, not a folder"),
    (["schemas", "--out", UNWRITABLE_FOLDER + "/schemas"], 2, "cannot write"),
    (["ingest", "{tmp}/missing.csv", "--store", "{tmp}/mirror"], 2, "no such file"),
    (["ingest", "{bad}", "--store", "{seed}"], 2, "not a store folder"),
    (["ingest", "{bad}", "--store", NOWHERE + "/m"], 2, "does not exist"),
    (["ingest", "{bad}", "--store", "{tmp}/mirror", "--deletions", "{tmp}/x.csv"], 2, "no such"),
    (
        ["ingest", "{bad}", "--store", "{tmp}/mirror", "--quarantine", NOWHERE + "/q.csv"],
        2,
        "does not exist",
    ),
    (
        ["ingest", "{bad}", "--store", "{tmp}/mirror", "--quarantine", "{seed}"],
        2,
        "already exists",
    ),
    (
        ["ingest", "{bad}", "--store", "{tmp}/mirror", "--quarantine", "/proc/q.csv"],
        2,
        "cannot write",
    ),
    (["ingest", "{seed}", "--store", "{tmp}/damaged"], 3, "manifest"),
    (["export", "--store", "{tmp}/mirror", "--out", NOWHERE + "/x.csv"], 2, "does not exist"),
    (["export", "--store", "{tmp}/mirror", "--out", "{tmp}/x.txt"], 2, "must end in"),
    (
        ["export", "--store", "{tmp}/mirror", "--out", UNWRITABLE_FOLDER + "/x.csv"],
        2,
        "cannot write",
    ),
    (
        ["export", "--store", "{tmp}/mirror", "--out", "{tmp}/x.csv", "--end", "31/31/2022"],
        2,
        "date",
    ),
    (["export", "--store", "{tmp}/nowhere", "--out", "{tmp}/x.csv"], 2, "no such store"),
    (["export", "--store", "{tmp}/damaged", "--out", "{tmp}/x.csv"], 3, "manifest"),
    (["export", "--store", "{tmp}/mirror"], 2, None),
    (["sync", "--store", "{tmp}/mirror", "--api-url", "http://acled.example"], 2, "not https"),
    (
        ["sync", "--store", "{tmp}/mirror", "--api-url", "https://me:pw@acled.example"],
        2,
        "user name",
    ),
    (["sync", "--store", "{tmp}/mirror", "--quarantine", NOWHERE + "/q.csv"], 2, "does not exist"),
    (["sync", "--store", "{tmp}/mirror"], 2, "no ACLED username or password"),
    (["sync", "--store", "{seed}"], 2, "not a store folder"),
    (["sync", "--store", "{tmp}/mirror", "--since", "yesterday"], 2, None),
    (["template", "--out", NOWHERE + "/t.csv"], 2, "does not exist"),
    (["template", "--out", UNWRITABLE_FOLDER + "/t.csv"], 2, "cannot write"),
    (["template", "--out", "{tmp}"], 2, "a folder, not a file"),
    (["demo", "--seed", "x"], 2, None),
    (["report"], 2, "give an INPUT"),
    (["report", "{tmp}/missing.csv"], 2, "no such file"),
    (["report", "--example", "--out", NOWHERE + "/r.html"], 2, "does not exist"),
    (["report", "--example", "--out", UNWRITABLE_FOLDER + "/r.html"], 2, "cannot write"),
    (["report", "--example", "--out", "{tmp}/r.docx"], 2, "must end in .html"),
    (["report", "--example", "--out", "{tmp}/r.pdf", "--format", "html"], 2, "must end in"),
    (["report", "--example", "--format", "doc"], 2, None),
    (["report", "{seed}", "--window", "1"], 2, None),
    (["anniversary", "--example", "--out", NOWHERE + "/a.csv"], 2, "does not exist"),
    (["anniversary", "--example", "--out", "{tmp}/a.xlsx"], 2, "must end in .csv or .json"),
    (["anniversary", "{seed}", "--example"], 2, "not both"),
    (["anniversary", "{seed}", "--anniversary", "13-45"], 2, "13-45"),
    (["anniversary", "{tmp}/damaged"], 3, "manifest"),
    (["clusters", "--example", "--out", NOWHERE + "/c.csv"], 2, "does not exist"),
    (["clusters", "--example", "--out", "{tmp}/c.xlsx"], 2, "must end in .csv or .json"),
    (["clusters", "{seed}", "--replications", "-5"], 2, "replications"),
    (["clusters", "{seed}", "--max-days", "0"], 2, "max_days"),
    (["clusters", "{tmp}/damaged"], 3, "manifest"),
    (["provinces", "--example", "--out", UNWRITABLE_FOLDER + "/p.json"], 2, "cannot write"),
    (["provinces", "{seed}", "--out", "{tmp}"], 2, "must end in"),
    (["provinces", "{seed}", "--country", "Atlantis"], 2, "unknown country 'Atlantis'"),
    (["provinces", "{tmp}/garbage.bin"], 2, ""),
]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    BAD_ARGUMENTS,
    ids=[" ".join(a[:4]).replace("{", "").replace("}", "") or "none" for a, _, _ in BAD_ARGUMENTS],
)
def test_every_command_meets_bad_arguments_with_one_line(
    args, code, message, place, tmp_path, capsys, monkeypatch
):
    for name in ("ACLED_USERNAME", "ACLED_EMAIL", "ACLED_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("EVENTDATA_DEBUG", raising=False)  # the user's view: no traceback
    monkeypatch.chdir(tmp_path)
    unraisable: list = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    before = _tree(tmp_path)
    assert main([a.format(**place) for a in args]) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Exception ignored" not in err and unraisable == []
    if message is not None:
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert message in err
    else:
        assert err.splitlines()[-1].startswith("eventdata") and "error:" in err
    assert _tree(tmp_path) == before  # refused before any work: nothing written or changed


def test_the_table_covers_every_command(capsys):
    assert main(["--help"]) == 0
    # argparse lists the commands in the usage line: {validate,schemas,...}
    commands = re.search(r"\{([a-z,]+)\}", capsys.readouterr().out).group(1).split(",")
    assert {"validate", "ingest", "provinces"} <= set(commands)
    tried = {args[0] for args, _, _ in BAD_ARGUMENTS if args}
    assert set(commands) <= tried


# --- as a user runs it: a real process, its real stderr ---------------------


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "{tmp}/missing.csv"],
        ["ingest", "{bad}", "--store", "{tmp}/mirror", "--quarantine", NOWHERE + "/q.csv"],
        ["report", "--example", "--out", UNWRITABLE_FOLDER + "/r.html"],
        ["export", "--store", "{tmp}/damaged", "--out", "{tmp}/x.csv"],
    ],
    ids=["missing input", "quarantine folder", "report folder", "damaged store"],
)
def test_a_real_process_prints_one_line(args, place):
    done = subprocess.run(
        [sys.executable, "-m", "eventdata.cli", *[a.format(**place) for a in args]],
        capture_output=True,
        text=True,
        check=False,
        env={**_env(), "EVENTDATA_DEBUG": ""},
    )
    assert done.returncode in (2, 3)
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ACLED_")}


def test_a_closed_pipe_ends_quietly(place):
    process = subprocess.Popen(
        [sys.executable, "-m", "eventdata.cli", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # the reader is gone before anything is written: `| head -0`
    _, err = process.communicate(timeout=120)
    assert b"Traceback" not in err and b"Exception ignored" not in err, err.decode()
    assert process.returncode == cli.EXIT_FAILED


# --- the exit-code policy ---------------------------------------------------


def test_one_exit_code_policy_across_commands(place, tmp_path, capsys):
    seed, bad, store = place["seed"], place["bad"], str(tmp_path / "store")
    assert main(["validate", seed]) == 0
    assert main(["validate", bad]) == 1  # ran, found rejected rows
    assert main(["ingest", seed, "--store", store]) == 0
    assert main(["ingest", bad, "--store", store]) == 1  # ran, rejected rows written aside
    assert main(["schemas", "--out", str(tmp_path / "schemas"), "--check"]) == 1  # out of date
    assert main(["schemas", "--out", str(tmp_path / "schemas")]) == 0
    assert main(["validate", str(tmp_path / "missing.csv")]) == 2
    damaged = ["export", "--store", str(tmp_path / "damaged"), "--out", str(tmp_path / "x.csv")]
    assert main(damaged) == 3


def test_the_policy_is_in_the_help_and_the_readme(capsys):
    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    assert cli.EXIT_CODES in shown
    readme = README.read_text(encoding="utf-8")
    assert cli.EXIT_CODES in readme


def test_a_bug_is_one_line_for_users_and_a_traceback_when_debugging(place, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise TypeError("an internal slip")

    monkeypatch.setattr(acled_csv, "read_acled", broken)  # the command reads through it
    monkeypatch.delenv("EVENTDATA_DEBUG", raising=False)
    assert main(["validate", place["seed"]]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" in err and "EVENTDATA_DEBUG=1" in err
    monkeypatch.setenv("EVENTDATA_DEBUG", "1")
    with pytest.raises(TypeError, match="an internal slip"):
        main(["validate", place["seed"]])


# --- rejected rows are never overwritten ------------------------------------


def test_rejected_row_files_beside_the_store_are_never_overwritten(place, tmp_path, capsys):
    # files already holding the names of the coming seconds: none may be replaced
    now = pd.Timestamp.now(tz="UTC").floor("s")
    taken = {}
    for second in range(-1, 30):
        stamp = (now + pd.Timedelta(seconds=second)).strftime("%Y%m%dT%H%M%S")
        path = tmp_path / f"mirror-rejected-{stamp}.csv"
        path.write_text(f"earlier rejected rows {second}\n", encoding="utf-8")
        taken[path] = path.read_text(encoding="utf-8")
    for _ in range(2):  # two ingests within the same second or two
        assert main(["ingest", place["bad"], "--store", str(tmp_path / "mirror")]) == 1
    assert {p: p.read_text(encoding="utf-8") for p in taken} == taken
    written = sorted(set(tmp_path.glob("mirror-rejected-*.csv")) - set(taken))
    assert len(written) == 2
    for path in written:
        assert pd.read_csv(path)["event_id_cnty"].tolist() == ["SEED-IRQ-002"]
    printed = capsys.readouterr().out
    assert all(f"rejected rows written to {path}" in printed for path in written)


def test_without_hard_links_rejected_files_are_still_never_overwritten(
    place, tmp_path, monkeypatch
):
    def no_links(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    store = str(tmp_path / "mirror")
    assert main(["ingest", place["bad"], "--store", store]) == 1
    assert main(["ingest", place["bad"], "--store", store]) == 1
    written = sorted(tmp_path.glob("mirror-rejected-*.csv"))
    assert len(written) == 2
    assert all(pd.read_csv(p)["event_id_cnty"].tolist() == ["SEED-IRQ-002"] for p in written)
    out = tmp_path / "chosen.csv"
    assert main(["ingest", place["bad"], "--store", store, "--quarantine", str(out)]) == 1
    assert main(["ingest", place["bad"], "--store", store, "--quarantine", str(out)]) == 2
    assert len(pd.read_csv(out)) == 1


def test_rejected_rows_are_on_disk_before_the_store_changes(place, tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise ed.StoreError("disk full (simulated)")

    monkeypatch.setattr(EventStore, "upsert", fail)
    out = tmp_path / "rejected.csv"
    code = main(["ingest", place["bad"], "--store", str(tmp_path / "m"), "--quarantine", str(out)])
    assert code == 3
    assert pd.read_csv(out)["event_id_cnty"].tolist() == ["SEED-IRQ-002"]


# --- report formats ---------------------------------------------------------


def test_report_refuses_a_suffix_it_cannot_write_before_any_work(tmp_path, capsys):
    for name in ("report.txt", "report.docx", "report"):
        assert main(["report", "--example", "--out", str(tmp_path / name)]) == 2
        assert re.search(r"must end in \.html", capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


# --- sync: the API's answers in the same policy -----------------------------


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACLED_USERNAME", USERNAME)
    monkeypatch.setenv("ACLED_PASSWORD", PASSWORD)


def test_sync_exit_codes_follow_the_policy(fake, httpserver, account, tmp_path, capsys):
    rows = acled_json_rows(SEED_PATH.read_text(encoding="utf-8"))
    rows[1]["fatalities"] = "-3"
    fake.rows = rows
    store = tmp_path / "mirror"
    argv = ["sync", "--store", str(store), "--api-url", httpserver.url_for("/").rstrip("/")]
    assert main(argv) == 1  # ran; one row rejected, written beside the store
    (rejected,) = tmp_path.glob("mirror-rejected-*.csv")
    assert pd.read_csv(rejected)["event_id_cnty"].tolist() == ["SEED-IRQ-002"]
    before = _tree(store)
    fake.script("/api/acled/read", _json({"success": False, "error": [{"message": "No"}]}))
    assert main(argv) == 3  # the API refused: nothing changed
    fake.script("/oauth/token", _json({"error": "invalid_grant"}, 401))
    fake.expire_tokens(refresh=True)
    assert main(argv) == 2  # the account was refused: the user must fix it
    err = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in err] == ["error", "error"]
    assert PASSWORD not in "\n".join(err)
    assert _tree(store) == before
