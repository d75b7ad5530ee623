"""The public API: every exported name exists, and the layering holds."""

from __future__ import annotations

import ast
from pathlib import Path

import eventdata as ed

PACKAGE = Path(ed.__file__).parent

# Lower layers never import higher ones (STYLE: codebook/schema at the bottom;
# reading, writing and the store on them; analysis on those; plots, report and CLI on top).
LAYER = {
    "errors": 0,
    "progress": 0,
    "options": 1,
    "codebook": 0,
    "schema": 1,
    "validation": 2,
    "io": 3,
    "admin1": 3,
    "datasets": 3,
    "ucdp": 4,
    "incidents": 4,
    "acled": 4,
    "store": 4,
    "series": 5,
    "matching": 5,
    "outofcore": 5,  # counts of a store: series' layer (counts dispatches to it)
    "spatial": 2,  # distances, grid cells, actor roles, clustering: core imports only
    "anniversary": 6,
    "interrupted": 6,
    "alerts": 6,
    "provinces": 6,
    "units": 6,  # the anniversary test per unit (calls anniversary)
    "plot": 7,
    "report": 8,
    "cli": 9,
}


def test_every_exported_name_exists():
    missing = [name for name in ed.__all__ if not hasattr(ed, name)]
    assert not missing
    namespace: dict = {}
    exec("from eventdata import *", namespace)
    assert set(ed.__all__) <= set(namespace)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # The one sanctioned upward call: a result's .plot() imports eventdata.plot when called.
    lazy_plot = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "plot"
        for inner in ast.walk(node)
        if isinstance(inner, ast.ImportFrom)
        and inner.module == "eventdata"
        and [a.name for a in inner.names] == ["plot"]
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in lazy_plot:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("eventdata"):
            parts = node.module.split(".")
            if len(parts) > 1:
                found.add(parts[1])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("eventdata."):
                    found.add(alias.name.split(".")[1])
    return found


def test_lower_layers_never_import_higher_ones():
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        module = relative.parts[0].removesuffix(".py")
        if module == "__init__" or module not in LAYER:
            continue
        for imported in _imports(path) - {module, "__version__"}:
            if imported in LAYER and LAYER[imported] > LAYER[module]:
                violations.append(f"{relative} imports eventdata.{imported}")
    assert not violations
