"""Shared fixtures: the bundled data, and the real exports in ../shared when present."""

from __future__ import annotations

import os

# Two pytest-xdist workers on two cores: one BLAS thread each, or model fits thrash.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

import eventdata as ed
from eventdata.datasets import SEED_PATH

# The fake ACLED API's fixtures (fake, client, make_client), for the client and sync tests.
pytest_plugins = ["tests.fake_acled", "tests.misbehaving_http"]

# Property tests are reproducible in CI: the same examples on every run.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
ACLED_EXPORTS = SHARED / "acled-exports"
REFERENCE = SHARED / "reference"
UCDP_GED = SHARED / "ucdp-ged"


def shared_file(folder: Path, name: str) -> Path:
    """A file from ../shared/data, or skip the test saying why."""
    path = folder / name
    if not path.exists():
        pytest.skip(f"{path} not present (third-party data kept outside the repository)")
    return path


@pytest.fixture(scope="session")
def seed_events() -> pd.DataFrame:
    return ed.datasets.load_seed_incidents()


@pytest.fixture(scope="session")
def simulated() -> pd.DataFrame:
    """Two years of simulated Iraq and Syria records (about 4,000 rows)."""
    return ed.datasets.simulate("2021-01-01", "2022-12-31", seed=7)


@pytest.fixture
def raw_seed() -> pd.DataFrame:
    """The seed CSV as strings, as a reader sees it before typing."""
    return pd.read_csv(SEED_PATH, dtype=str, keep_default_na=False)


def to_csv_buffer(frame: pd.DataFrame) -> io.StringIO:
    return io.StringIO(frame.to_csv(index=False))


@pytest.fixture(autouse=True)
def _cli_bugs_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    """In tests an internal error of the CLI raises with its traceback, never hides as one line."""
    monkeypatch.setenv("EVENTDATA_DEBUG", "1")
