"""The public API: every exported name exists, and the layering holds."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib import import_module
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


# --- what type checkers and IDEs see: the stub beside the lazy facade --------------------------

# Type checkers cannot run the facade's __getattr__; they read eventdata/__init__.pyi instead.
STUB = PACKAGE / "__init__.pyi"


def _stub() -> ast.Module:
    return ast.parse(STUB.read_text(encoding="utf-8"))


def _stub_bindings() -> list[tuple[str, str, str]]:
    """(name bound, module it is imported from, name there) for each import of the stub."""
    return [
        (alias.asname or alias.name, node.module or "", alias.name)
        for node in _stub().body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]


def _stub_all() -> list[str]:
    (value,) = [
        node.value
        for node in _stub().body
        if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["__all__"]
    ]
    return ast.literal_eval(value)


def test_the_stub_binds_every_public_name_once_and_nothing_else():
    bound = [name for name, _module, _there in _stub_bindings()]
    twice = sorted({name for name in bound if bound.count(name) > 1})
    assert not twice, f"bound twice in {STUB.name}: {twice}"
    public = {*ed.__all__, "__version__"}
    assert not public - set(bound), f"add to {STUB.name}: {sorted(public - set(bound))}"
    assert not set(bound) - public, f"not in eventdata.__all__: {sorted(set(bound) - public)}"
    stub_all = _stub_all()
    assert len(stub_all) == len(set(stub_all))
    assert set(stub_all) == set(ed.__all__), f"{STUB.name}'s __all__ differs from the facade's"


def test_the_stub_is_only_explicit_reexports():
    # a module `__getattr__` (or any other definition) in the stub would make every misspelt
    # name type-check; `from m import x as x` is how a stub says x is exported
    others = [
        ast.unparse(node).splitlines()[0]
        for node in _stub().body
        if not isinstance(node, ast.ImportFrom)
        and not (isinstance(node, ast.Assign) and ast.unparse(node).startswith("__all__ ="))
    ]
    assert not others
    implicit = [
        alias.name
        for node in _stub().body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname is None
    ]
    assert not implicit


def _defined(module: str, name: str) -> object:
    """What a type checker takes `from module import name` for: a submodule, else an attribute.

    A submodule first: `from eventdata import plot as plot` in the stub means the subpackage, and
    must not be found through the facade it is checked against.
    """
    try:
        return import_module(f"{module}.{name}")
    except ModuleNotFoundError as missing:
        if missing.name != f"{module}.{name}":
            raise
    return getattr(import_module(module), name)


def test_each_name_of_the_stub_is_the_object_the_facade_gives():
    # the stub's types are those of the objects `eventdata.<name>` returns at run time
    wrong = [
        f"{name}: the stub says {module}.{there}"
        for name, module, there in _stub_bindings()
        if _defined(module, there) is not getattr(ed, name)
    ]
    assert not wrong


def test_the_package_says_it_is_typed():
    # PEP 561: without the marker, type checkers skip an installed eventdata (all `Any`)
    assert (PACKAGE / "py.typed").is_file()
