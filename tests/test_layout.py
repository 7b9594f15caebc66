"""The package's layout, checked on its source: data flows one way through the stages (a module never
imports a later stage, at the top or inside a function), csana's modules import one another without
cycles, and modules stay under the size limit. Reads the source with ``ast``; imports nothing."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "csana"
STAGES = ("ingest", "exports", "facts", "metrics", "scoring", "diagnosis", "store", "present", "ui", "report",
          "agency", "demo", "bench", "cli")
"""The stage packages in the order data flows (README.md, How it is built); shared top-level modules
(errors, config, params, catalogue, datasets …) may be imported by every stage."""
KNOWN_LATE = {("csana.diagnosis.findings", "csana.present.formatting")}
"""Function-level imports of a later stage that predate this check (the plan's value formatting)."""
MAX_LINES = 620


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path, top_only: bool) -> set[str]:
    """The csana modules ``path`` imports (top level only, or anywhere; ``if TYPE_CHECKING`` blocks skipped)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, *([base] if base else [])])
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES)
            if isinstance(node, (ast.If, ast.Try, ast.With)):
                visit([*getattr(node, "body", []), *getattr(node, "orelse", []), *getattr(node, "finalbody", []),
                       *[s for h in getattr(node, "handlers", []) for s in h.body]])
            elif not top_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(node.body)
            elif not top_only and hasattr(node, "body") and isinstance(node.body, list):
                visit(node.body)

    visit(tree.body)
    return {m for m in found if m in MODULES and m != module_name(path)}


def stage(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def test_no_module_imports_a_later_stage() -> None:
    late = []
    for name, path in MODULES.items():
        mine = stage(name)
        if mine is None:
            continue
        for other in imports(path, top_only=False):
            theirs = stage(other)
            if theirs is not None and theirs > mine and (name, other) not in KNOWN_LATE:
                late.append(f"{name} imports {other}")
    assert late == []


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over the top-level imports: none has two modules."""
    graph = {name: imports(path, top_only=True) for name, path in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
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
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            connect(v)
    assert cycles == []


def test_modules_stay_small() -> None:
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
