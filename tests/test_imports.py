"""The package's import graph has no cycle, and ``src/`` needs no ``noqa`` for imports.

The graph is read with :mod:`ast` from every module under ``src/clusterfit``: module-level and
function-level ``import clusterfit.x`` / ``from clusterfit.x import y`` / relative imports (resolved
against the importing module). ``from package import name`` counts as an edge to ``package.name``
when that is a module, else to ``package``. Importing a module also runs its parent packages'
``__init__``, but an edge to a package's ``__init__`` is followed only where the code imports the
package itself, so that "``a`` imports ``pkg.b``" is not read as "``a`` needs everything in ``pkg``".
Imports under ``if TYPE_CHECKING:`` never run and are left out.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "clusterfit"


def module_files(src: Path = SRC, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` under ``src/package``."""
    out = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module named by ``from <node.module> import ...`` inside ``module``."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The ``clusterfit`` modules that ``module`` imports anywhere in its file (any depth)."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()

    def add(name: str) -> None:
        while name and name not in modules:  # ``a.b.c`` where c is an attribute of a.b
            name = name.rpartition(".")[0]
        if name and name != module:
            out.add(name)

    for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, is_package, node)
            if target.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                add(sub if sub in modules else target)
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` (never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {m: imports_of(m, p, modules) for m, p in modules.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (or a self-loop), as a cycle path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:  # Tarjan 1972
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                components.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return [_cycle_path(graph, comp) for comp in components]


def _cycle_path(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """One concrete cycle through the first module of a component: a → ... → a."""
    members, start = set(comp), comp[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    return paths[v] + [start]
                if w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    return comp


def test_the_walker_sees_relative_function_level_and_package_imports(tmp_path):
    pkg = tmp_path / PACKAGE
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .sub import b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..c import g\n")
    (pkg / "c.py").write_text("import clusterfit.sub.b as b\nfrom clusterfit import d\n")
    (pkg / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import e\n"
                              "from . import c\n")
    (pkg / "e.py").write_text("from .d import x\n")
    modules = module_files(tmp_path)
    graph = {m: imports_of(m, p, modules) for m, p in modules.items()}
    assert graph["clusterfit"] == {"clusterfit.sub.b"}
    assert graph["clusterfit.sub.b"] == {"clusterfit.c"}
    assert graph["clusterfit.c"] == {"clusterfit.sub.b", "clusterfit.d"}
    assert graph["clusterfit.d"] == {"clusterfit.c"}  # a type-only import never runs
    (cycle,) = find_cycles(graph)
    assert cycle[0] == cycle[-1] == "clusterfit.c" and set(cycle) == {"clusterfit.c", "clusterfit.d"}


def test_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 50, "the walker found too few modules"
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(c) for c in cycles)


@pytest.mark.parametrize("code", ["F401", "E402"])
def test_no_import_noqa_in_src(code):
    pattern = re.compile(rf"#\s*noqa\b[^\n]*\b{code}\b")
    hits = [f"{p.relative_to(SRC.parent)}:{i}"
            for p in sorted((SRC / PACKAGE).rglob("*.py"))
            for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert not hits, f"noqa: {code} in src (use __all__ for re-exports; import at the top): {hits}"
