"""The package's imports run one way: no module imports, directly or through others, a module that
imports it back (counting the imports inside functions too, which only delay a cycle)."""
import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "autograder"


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imported(name: str, path: Path, known: dict) -> set[str]:
    """The package's modules that the module name (at path) imports, anywhere in its code."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            prefix = ".".join(base + ([node.module] if node.module else []))
            targets |= {prefix} | {f"{prefix}.{alias.name}" for alias in node.names}
    return {t for t in targets if t in known and t != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_in_the_package():
    known = modules()
    graph = {name: imported(name, path, known) for name, path in known.items()}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# The engine grades; the layers above it (the commands, authoring, the services, the Gradescope entry) use it.
ABOVE_THE_ENGINE = ("autograder.authoring", "autograder.cli", "autograder.serve", "autograder.gradescope")


def reachable(graph: dict[str, set[str]], start: str) -> dict[str, str]:
    """Every module start imports, directly or through others: module -> the module that imports it."""
    via, todo = {}, [start]
    while todo:
        node = todo.pop()
        for other in graph[node]:
            if other not in via and other != start:
                via[other] = node
                todo.append(other)
    return via


def test_the_engine_imports_nothing_above_it():
    known = modules()
    graph = {name: imported(name, path, known) for name, path in known.items()}
    wrong = []
    for name in sorted(n for n in known if n == "autograder.engine" or n.startswith("autograder.engine.")):
        via = reachable(graph, name)
        wrong += [f"{name} imports {target} (through {via[target]})" for target in sorted(via)
                  if any(target == layer or target.startswith(layer + ".") for layer in ABOVE_THE_ENGINE)]
    assert wrong == []


def test_the_layer_check_sees_an_import_through_another_module():
    graph = {"autograder.engine.grade": {"autograder.config"}, "autograder.config": {"autograder.cli"},
             "autograder.cli": set()}
    assert reachable(graph, "autograder.engine.grade") == {"autograder.config": "autograder.engine.grade",
                                                            "autograder.cli": "autograder.config"}
