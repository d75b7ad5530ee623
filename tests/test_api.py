"""The public API: every exported name exists, and the layering holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import eventdata as ed
from eventdata.io import acled_csv

PACKAGE = Path(ed.__file__).parent


def test_every_exported_name_exists():
    missing = [name for name in ed.__all__ if not hasattr(ed, name)]
    assert not missing
    namespace: dict = {}
    exec("from eventdata import *", namespace)
    assert set(ed.__all__) <= set(namespace)


# --- what `import eventdata` costs and shows ----------------------------------

# Loaded when first used, never by importing the package or its lower layers.
HEAVY = ("statsmodels", "scipy", "matplotlib", "seaborn", "requests", "dask")


def _fresh(code: str) -> str:
    """Run ``code`` in a new interpreter (nothing imported yet); its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _loaded_after(statements: str) -> set[str]:
    code = f"import sys\n{statements}\nprint(' '.join(sorted(sys.modules)))"
    return {name.split(".")[0] for name in _fresh(code).split()}


def test_import_eventdata_loads_no_heavy_library():
    loaded = _loaded_after("import eventdata")
    assert not loaded & {*HEAVY, "pandas", "pyarrow", "pandera"}


def test_reading_validating_and_the_client_load_no_heavy_library():
    # the core, io and datasets layers: a name used loads its module, and only what it needs
    loaded = _loaded_after(
        "import eventdata as ed\n"
        "ed.read_acled, ed.read_ucdp_ged, ed.read_incidents, ed.validate, ed.codebook\n"
        "ed.normalize_admin1, ed.acled.Client, ed.datasets.load_seed_incidents()\n"
        "import eventdata.core.coverage, eventdata.core.periods, eventdata.core.progress"
    )
    assert {"pandas", "pyarrow", "pandera"} <= loaded
    assert not loaded & set(HEAVY)


def test_the_client_loads_requests_with_its_first_session():
    loaded = _loaded_after(
        "import eventdata as ed\n"
        "ed.acled.Client(username='analyst@example.org', password='example').close()"
    )
    assert "requests" in loaded


def test_import_eventdata_shows_only_its_api():
    shown = _fresh(
        "import eventdata as ed\n"
        "print(' '.join(n for n in vars(ed) if not n.startswith('_')))\n"
        "from eventdata import *\n"
        "print(' '.join(dir(ed)))\n"
        "print(' '.join(n for n in vars(ed.datasets) if not n.startswith('_')))"
    ).splitlines()
    assert shown[0] == ""  # nothing bound before it is asked for
    assert set(shown[1].split()) == {*ed.__all__, "__version__"}
    assert not hasattr(ed, "annotations") and not hasattr(ed, "PackageNotFoundError")
    datasets_names = set(shown[2].split())
    assert {"load_seed_incidents", "simulate", "simulate_counts", "SEED_PATH"} <= datasets_names
    assert not datasets_names & {"pd", "np", "annotations", "read_acled", "Path"}


def test_a_name_not_exported_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'read_csv'"):
        ed.read_csv  # noqa: B018
    assert ed.read_acled is acled_csv.read_acled  # the function itself, found once
