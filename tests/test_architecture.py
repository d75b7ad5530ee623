"""The shape of the package: layers, no cycles, no private name across modules, small modules.

The layers, bottom to top (README, "How the code is laid out"): a module imports only modules of
its own subpackage or of a lower layer, at module level, and never a private name (or a private
module) that another package owns.
"""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from pathlib import Path

import eventdata as ed

PACKAGE = Path(ed.__file__).parent

LAYER = {
    "core": 0,
    "io": 1,
    "store": 2,
    "datasets": 2,
    "events": 3,
    "plot": 4,
    "analysis": 5,
    "report": 6,
    "cli": 7,
}
MAX_LINES = 850


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _package_of(module: str) -> str:
    """The top-level subpackage (the layer) a module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _owner(module: str, path: Path) -> str:
    """The package a module's private names are shared within."""
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _resolve(node: ast.ImportFrom, module: str, path: Path) -> str | None:
    if node.level:
        base = _owner(module, path).split(".")
        base = base[: len(base) - node.level + 1]
        return ".".join([*base, *([node.module] if node.module else [])])
    return node.module


def _imports(module: str, path: Path) -> list[tuple[str, str, bool, int]]:
    """(imported module, imported name or '', at module level?, line) for eventdata imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    # imports under `if TYPE_CHECKING:` at module level count as module level
    for node in tree.body:
        if isinstance(node, ast.If | ast.Try):
            top.update(id(inner) for inner in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(node, module, path)
            if not target or not (target == "eventdata" or target.startswith("eventdata.")):
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in MODULES:
                    found.append((submodule, "", id(node) in top, node.lineno))
                else:
                    found.append((target, alias.name, id(node) in top, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("eventdata"):
                    found.append((alias.name, "", id(node) in top, node.lineno))
    return found


def _is_private(module: str) -> bool:
    return any(part.startswith("_") and part != "__init__" for part in module.split("."))


def test_every_module_imports_only_its_own_layer_or_lower_ones():
    violations = []
    for module, path in MODULES.items():
        if module == "eventdata":  # the public facade: the top of the house
            continue
        layer = LAYER[_package_of(module)]
        for target, _name, _top, line in _imports(module, path):
            package = _package_of(target)
            if target == "eventdata":
                violations.append(f"{module}:{line} imports the package's __init__")
            elif package != _package_of(module) and LAYER[package] >= layer:
                violations.append(f"{module}:{line} imports {target} (layer {LAYER[package]})")
    assert not violations, "\n".join(violations)


def test_no_function_level_imports_of_eventdata():
    # Only the top of the house defers its imports, to start fast: the command line (whose
    # --help must not load the analysis) and the package facade. Below it, a module that needs
    # another imports it at module level; heavy third-party libraries are what load late.
    violations = [
        f"{module}:{line} imports {target} inside a function"
        for module, path in MODULES.items()
        if module not in ("eventdata", "eventdata.cli")
        for target, _name, top, line in _imports(module, path)
        if not top
    ]
    assert not violations, "\n".join(violations)


def test_no_private_name_or_private_module_crosses_a_package_boundary():
    violations = []
    for module, path in MODULES.items():
        here = _owner(module, path)
        for target, name, _top, line in _imports(module, path):
            if name.startswith("_") and not name.startswith("__") and target != module:
                violations.append(f"{module}:{line} imports {name} from {target}")
            if _is_private(target):
                # a private module serves the package that holds it (and that package's children)
                holder = target.rpartition(".")[0]
                if not (here == holder or here.startswith(holder + ".")):
                    violations.append(f"{module}:{line} imports the private module {target}")
    assert not violations, "\n".join(violations)


def test_the_import_graph_has_no_cycles():
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for target, _name, top, _line in _imports(module, path):
            if top and target in MODULES and target != module:
                graph[module].add(target)
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [module])
    # a package __init__ that re-exports its own modules is not a cycle with them
    cycles = [c for c in cycles if not _reexport_only(c)]
    assert not cycles, "\n".join(cycles)


def _reexport_only(cycle: str) -> bool:
    nodes = cycle.split(" -> ")
    return any(
        a == b.rpartition(".")[0] and MODULES[a].name == "__init__.py"
        for a, b in itertools.pairwise(nodes)
    ) and all(n.startswith(nodes[0]) or nodes[0].startswith(n) for n in nodes)


def test_every_module_has_its_layer_and_is_small():
    unplaced = [m for m in MODULES if m != "eventdata" and _package_of(m) not in LAYER]
    assert not unplaced
    large = {
        m: n
        for m, p in MODULES.items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not large, large
