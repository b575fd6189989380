"""Layering: no import cycle between the top-level parts of personavlog, and `measure` stays at the bottom.

A top-level part is a subpackage (`agents`, `compose`, ...) or a root module (`timing`, `rundir`, ...); the
package's own `__init__` is the part `personavlog`. Every import counts, also those inside functions.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "personavlog"
MEASURE_MAY_IMPORT = {"schema", "errors", "fsutil", "media"}
MEASURE_MUST_NOT_IMPORT = {"agents", "feedback", "evaluate", "pipeline", "cli", "web"}

Edges = dict[str, dict[str, list[str]]]
"""part -> imported part -> the files (relative to the package) whose imports make that edge."""


def _module_name(path: Path, source: Path) -> list[str]:
    parts = ["personavlog", *path.relative_to(source).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _part_of(module: list[str], source: Path) -> str | None:
    """The top-level part that a dotted module name (split) belongs to; None outside personavlog."""
    if module[0] != "personavlog":
        return None
    if len(module) == 1:
        return "personavlog"
    head = module[1]
    if (source / head).is_dir() or (source / f"{head}.py").is_file():
        return head
    return "personavlog"  # a name that the package's __init__ defines


def _imported_modules(path: Path, source: Path) -> list[list[str]]:
    """Every module an import statement in `path` names, resolved to absolute dotted names (split)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path, source)
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[list[str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = base + (node.module.split(".") if node.module else [])
            if module == ["personavlog"]:  # `from personavlog import x`: x is a submodule or a name of __init__
                found += [[*module, alias.name] for alias in node.names]
            else:
                found.append(module)
    return found


def import_graph(source: Path = SOURCE) -> Edges:
    edges: Edges = defaultdict(lambda: defaultdict(list))
    for path in sorted(source.rglob("*.py")):
        part = _part_of(_module_name(path, source), source)
        assert part is not None
        for module in _imported_modules(path, source):
            target = _part_of(module, source)
            if target is not None and target != part:
                edges[part][target].append(path.relative_to(source).as_posix())
    return edges


def strongly_connected(edges: Edges) -> list[list[str]]:
    """Tarjan's algorithm: the groups of parts that reach each other (only groups of two or more)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, {})):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    nodes = set(edges) | {target for targets in edges.values() for target in targets}
    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return groups


def shortest_cycle(edges: Edges, group: list[str]) -> list[str]:
    """A shortest cycle through the group's first part, staying inside the group (breadth first)."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(edges.get(node, {})):
                if target == start:
                    return [*paths[node], start]
                if target in members and target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"{group} is not strongly connected")


def describe(edges: Edges, cycle: list[str]) -> str:
    steps = []
    for source, target in pairwise(cycle):
        files = sorted(set(edges[source][target]))
        steps.append(f"  {source} -> {target}  ({', '.join(files[:3])}{', ...' if len(files) > 3 else ''})")
    return " -> ".join(cycle) + "\n" + "\n".join(steps)


def test_the_checker_finds_a_cycle_and_names_the_files(tmp_path: Path) -> None:
    package = tmp_path / "personavlog"
    (package / "low").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low" / "__init__.py").write_text("")
    (package / "low" / "helper.py").write_text("def later():\n    from personavlog.high import thing\n")
    (package / "high.py").write_text("from .low.helper import later\nimport numpy\n")
    (package / "side.py").write_text("from personavlog import high\n")
    edges = import_graph(package)
    assert {part: dict(targets) for part, targets in edges.items()} == {
        "low": {"high": ["low/helper.py"]},
        "high": {"low": ["high.py"]},
        "side": {"high": ["side.py"]},
    }
    groups = strongly_connected(edges)
    assert groups == [["high", "low"]]
    assert shortest_cycle(edges, groups[0]) == ["high", "low", "high"]


def test_measure_sits_below_everything_that_uses_it() -> None:
    imported = set(import_graph().get("measure", {}))
    forbidden = {part for part in imported if part in MEASURE_MUST_NOT_IMPORT or part.startswith("cli")}
    assert not forbidden, f"measure imports {sorted(forbidden)}"
    assert imported <= MEASURE_MAY_IMPORT, f"measure imports {sorted(imported - MEASURE_MAY_IMPORT)}"


@pytest.mark.parametrize(("lower", "upper"), [("timing", "compose"), ("compose", "project")])
def test_planning_and_composing_stay_apart(lower: str, upper: str) -> None:
    assert upper not in import_graph().get(lower, {}), f"{lower} imports {upper}"


def test_no_import_cycle_between_top_level_parts() -> None:
    edges = import_graph()
    cycles = [describe(edges, shortest_cycle(edges, group)) for group in strongly_connected(edges)]
    assert not cycles, "import cycles between top-level parts:\n" + "\n".join(cycles)
