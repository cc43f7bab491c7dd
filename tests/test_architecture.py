"""The shape of the library: no import cycle, module sizes, private names, the public surface.

The layering itself (which module may import which, durable-rules in one module) is
checked by import-linter against the contracts in pyproject.toml (`lint-imports`, run by
`nox -s lint`).
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import policyengine
from policyengine import exceptions

SRC = Path(policyengine.__file__).resolve().parent
MODULES = sorted(SRC.rglob("*.py"))
MAX_LINES = 700
OVERSIZED = {
    # Issue 7 splits the engine into a compiled plan (one module per rule kind), backends
    # and messages; until that lands, engine.py alone may exceed the limit.
    "engine.py": 1000,
}


def _name(path: Path) -> str:
    return str(path.relative_to(SRC))


def test_there_are_modules() -> None:
    """The scan below sees the whole package, subpackages included."""
    names = {_name(p) for p in MODULES}
    assert {"api.py", "engine.py", "authoring/lint/__init__.py"} <= names


def _module_name(path: Path) -> str:
    parts = ["policyengine", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the policyengine modules it imports anywhere in its text (in functions and
    under ``TYPE_CHECKING`` too); ``from pkg import sub`` counts as importing ``pkg.sub``."""
    names = {_module_name(p): p for p in MODULES}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: resolve against this module's package
                    package = name.split(".") if is_package else name.split(".")[:-1]
                    up = package[: len(package) - node.level + 1]
                    base = ".".join([*up, *([base] if base else [])])
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in names else base for a in node.names
                ]
            edges.update(t for t in targets if t in names and t != name)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle() -> None:
    """No two modules import each other, directly or through others (package
    ``__init__`` modules included: importing ``policyengine`` imports the API)."""
    assert [] == _cycles(_import_graph())


def test_the_cycle_check_sees_a_cycle() -> None:
    """The check above finds a cycle through TYPE_CHECKING-style edges."""
    assert [["a", "b", "c"]] == _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})


def test_the_graph_sees_the_package() -> None:
    """The import graph has the engine's edges (so an empty graph cannot pass)."""
    graph = _import_graph()
    assert {"policyengine.pack", "policyengine.plugins"} <= graph["policyengine.engine"]
    assert "policyengine.engine" not in graph["policyengine.hookspecs"]


def test_no_module_is_over_700_lines() -> None:
    """One module, one responsibility: none is over 700 lines."""
    too_long = {}
    for path in MODULES:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > OVERSIZED.get(_name(path), MAX_LINES):
            too_long[_name(path)] = lines
    assert {} == too_long


def _private_imports(path: Path) -> list[str]:
    """``from policyengine.x import _y`` and ``x._y`` for an imported policyengine module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("policyengine"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update(
                (a.asname or a.name).split(".")[0]
                for a in node.names
                if a.name.startswith("policyengine")
            )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_private_name_crosses_modules() -> None:
    """A name with a leading underscore is used only in the module that defines it.

    (Private *modules* such as ``_durable`` may be imported inside the package; their
    public names are what other modules use.)
    """
    offenders = {_name(p): found for p in MODULES if (found := _private_imports(p))}
    assert {} == offenders


def test_the_private_name_check_sees_offenders(tmp_path: Path) -> None:
    """The check above finds both spellings of a private import."""
    module = tmp_path / "m.py"
    module.write_text(
        "from policyengine.engine import _today\nfrom policyengine import expressions as ex\n"
        "ex._hidden\n",
        encoding="utf-8",
    )
    assert 2 == len(_private_imports(module))


def test_every_public_error_is_exported() -> None:
    """Every error class in policyengine.exceptions is importable from policyengine."""
    errors = {
        name
        for name, obj in inspect.getmembers(exceptions, inspect.isclass)
        if issubclass(obj, exceptions.PolicyEngineError) and not name.startswith("_")
    }
    assert {"InputError", "DocumentError", "FactsError", "PackError"} <= errors
    assert set() == errors - set(policyengine.__all__)


def test_all_names_no_private_name() -> None:
    """``__all__`` lists no private name (``__version__`` aside)."""
    assert [] == [n for n in policyengine.__all__ if n.startswith("_") and n != "__version__"]


def test_all_is_pinned() -> None:
    """The public surface changes only on purpose: update this list with the README."""
    assert [
        "Community",
        "DecisionLog",
        "DocumentError",
        "EngineError",
        "EvaluationContext",
        "FactProblem",
        "FactsError",
        "Finding",
        "InputError",
        "Jurisdiction",
        "Pack",
        "PackError",
        "PackSource",
        "PolicyEngineError",
        "Result",
        "RuleDecision",
        "TimeLimitError",
        "UnknownPackError",
        "__version__",
        "check_facts",
        "evaluate",
        "evaluate_all",
        "evaluate_arrow",
        "evaluate_dask",
        "evaluate_many",
        "evaluate_table",
        "hookimpl",
        "installed_packs",
        "load_facts",
        "load_pack",
    ] == policyengine.__all__


def test_contract_types_live_in_contracts() -> None:
    """The types the hook specs name are defined in policyengine.contracts (so hookspecs
    imports nothing that implements the contract) and re-exported under their old names."""
    from policyengine import contracts, plugins

    for name in ("EvaluationContext", "RuleDecision", "PackSource", "Command", "Reporter"):
        assert "policyengine.contracts" == getattr(contracts, name).__module__
    assert contracts.EvaluationContext is policyengine.EvaluationContext
    assert contracts.RuleDecision is policyengine.RuleDecision
    assert plugins.PackSource is policyengine.PackSource
