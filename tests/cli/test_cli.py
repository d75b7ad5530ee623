"""The command line, run as a user would: through the installed entry point."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from eventdata.cli import main
from eventdata.datasets import SEED_PATH
from tests.conftest import ACLED_EXPORTS, shared_file


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "eventdata.cli", *args], capture_output=True, text=True, check=False
    )


def test_validate_a_clean_file_exits_zero():
    done = run("validate", str(SEED_PATH))
    assert done.returncode == 0, done.stderr
    assert "rows valid:    6" in done.stdout


def test_validate_quarantines_and_exits_one(tmp_path):
    bad = tmp_path / "bad.csv"
    text = SEED_PATH.read_text(encoding="utf-8").replace(",38,,368,", ",37,,368,", 1)
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "rejected.csv"
    done = run("validate", str(bad), "--quarantine", str(out))
    assert done.returncode == 1
    assert "rows rejected: 1" in done.stdout
    assert "interaction" in done.stdout
    rejected = pd.read_csv(out)
    assert rejected["event_id_cnty"].tolist() == ["SEED-IRQ-001"]
    assert rejected["reason"].str.contains("interaction").all()


def test_validate_garbage_prints_one_line_and_no_traceback(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"")
    done = run("validate", str(path))
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error:") and "Traceback" not in done.stderr


def test_validate_a_real_export(tmp_path):
    path = shared_file(ACLED_EXPORTS, "global-2020-04-27-to-05-09.csv")
    out = tmp_path / "q.csv"
    assert main(["validate", str(path), "--quarantine", str(out)]) == 1
    assert len(pd.read_csv(out)) == 2


def test_schemas_check_detects_drift(tmp_path, capsys):
    assert main(["schemas", "--out", str(tmp_path)]) == 0
    assert main(["schemas", "--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "acled.schema.json").write_text("{}", encoding="utf-8")
    assert main(["schemas", "--out", str(tmp_path), "--check"]) == 1
    assert "out of date" in capsys.readouterr().out


def test_demo_runs_on_bundled_data():
    done = run("demo")
    assert done.returncode == 0, done.stderr
    assert "SEED-SYR-001" in done.stdout and "rows rejected: 0" in done.stdout


def test_help_and_parsing_load_no_pandas():
    # `eventdata --help` and a parse error answer at once: no data library is loaded for them
    code = (
        "import sys\n"
        "from eventdata.cli import main\n"
        "codes = [main(['--help']), main(['export', '--bogus'])]\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(codes, sorted(loaded & {'pandas', 'pyarrow', 'pandera', 'numpy'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[0, 2] []"
    shown = run("--help")
    assert shown.returncode == 0 and "exit codes (all commands)" in shown.stdout
    assert "{validate,schemas,ingest,export,sync,template,demo," in shown.stdout
