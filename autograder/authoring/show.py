"""`course show ID`: per graded function, its stub, reference, public and hidden tests, and the
promises of its docstring with the hidden tests that check them (promises.py).

Everything is read from source (syntax trees), nothing is imported: a test
uses a function when its body, or a module-level helper it calls, names it as
``student.f`` / ``<module>.f``, calls ``f`` imported from the module, or
passes the string ``"f"`` to a call (``student.call("f", ...)``).
"""
import ast
import dataclasses
from pathlib import Path

from ..build import graded_functions, make_stub
from ..config import Assignment, Course
from ..engine.grader_points import HiddenTestPoints, decorated_tests, effective_points, grader_tree
from .promises import assignment_promises


@dataclasses.dataclass
class CheckUse:
    """One test function and the graded functions it uses."""
    name: str
    file: Path
    line: int
    uses: list


def _uses(tree: ast.Module, functions: list[str], holders: set[str]) -> dict[str, list[str]]:
    """Each top-level test_* function of tree -> the functions (in `functions` order) it uses."""
    imported = {alias.asname or alias.name: alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
                and (node.module or "") in holders for alias in node.names if alias.name in functions}
    helpers = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    memo = {}

    def used_by(name: str, seen: frozenset) -> set[str]:
        if name in memo:
            return memo[name]
        found = set()
        for node in ast.walk(helpers[name]):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in holders and node.attr in functions:
                found.add(node.attr)
            elif isinstance(node, ast.Name) and node.id in imported:
                found.add(imported[node.id])
            elif isinstance(node, ast.Call):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and arg.value in functions:
                        found.add(arg.value)
                callee = node.func.id if isinstance(node.func, ast.Name) else None
                if callee in helpers and callee not in seen and not callee.startswith("test"):
                    found |= used_by(callee, seen | {callee})
        memo[name] = found
        return found

    return {name: [f for f in functions if f in used_by(name, frozenset({name}))]
            for name in helpers if name.startswith("test")}


def public_tests(course: Course, assignment: Assignment, functions: list[str]) -> list[CheckUse]:
    holders = {"student", *(m.removesuffix(".py") for m in assignment.modules)}
    found = []
    for path in sorted(course.release_dir(assignment.id).glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        lines = {n.name: n.lineno for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        found += [CheckUse(name, path, lines[name], uses) for name, uses in _uses(tree, functions, holders).items()]
    return found


def hidden_tests(course: Course, assignment: Assignment, functions: list[str]) -> list[CheckUse]:
    tree = grader_tree(course, assignment)
    holders = {"student", *(m.removesuffix(".py") for m in assignment.modules)}
    uses = _uses(tree, functions, holders)
    return [CheckUse(t.name, course.grader_file(assignment.id), t.line, uses.get(t.name, []))
            for t in decorated_tests(tree)]


def _body(source: str, node: ast.FunctionDef) -> str:
    """The function's body after its docstring, as written (solution markers and comments too)."""
    lines = source.splitlines()
    start = node.body[0].end_lineno if ast.get_docstring(node) is not None else node.body[0].lineno - 1
    return "\n".join(line for line in lines[start: node.end_lineno] if line.strip())


def _segment(source: str, name: str) -> str:
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return "\n".join(source.splitlines()[start - 1: node.end_lineno])


def _rel(course: Course, path: Path) -> str:
    return str(path.relative_to(course.root)) if path.is_relative_to(course.root) else str(path)


def primary_function(test: CheckUse) -> str | None:
    """The function a test is listed under: the one its name starts with (test_relu_random: relu),
    else the first it uses. Each test is listed once, so the functions' points add up to the total."""
    named = [f for f in test.uses if test.name == f"test_{f}" or test.name.startswith(f"test_{f}_")]
    return max(named, key=len) if named else (test.uses[0] if test.uses else None)


def _count(n: float, word: str) -> str:
    return f"{n:g} {word}" + ("" if n == 1 else "s")


def _hidden_line(test: CheckUse, points: HiddenTestPoints, name: str) -> str:
    others = [f for f in test.uses if f != name]
    also = f"  (also uses {', '.join(others)})" if others else ""
    unit = "point" if points.points == 1 else "points"
    where = (f"from {points.points_from}" if points.points_from == points.visibility_from else
             f"points from {points.points_from}, visibility from {points.visibility_from}")
    return f"    {test.name:<36} {points.points:>4g} {unit:<6} {points.visibility:<15} {where}{also}"


def _promise_lines(name, promises, unchecked) -> list[str]:
    """The docstring's promises and the tests that check them; UNCHECKED marks a promise without one."""
    out = ["--- promises of the docstring (PROMISES in the grader) and the hidden tests that check them"]
    for promise in (p for p in promises if p.function == name):
        if promise.problem:
            out.append(f"    UNCHECKED  {promise.text!r}: {promise.problem}")
        else:
            out.append(f"    {promise.text!r}: {', '.join(promise.tests)}")
    out += [f"    UNCHECKED  {sentence!r}: no test declares this promise" for sentence in unchecked.get(name, ())]
    return out if len(out) > 1 else out + ["    none"]


def show(course: Course, assignment: Assignment) -> str:
    """The text `course show ID` prints."""
    points = {p.name: p for p in effective_points(course, assignment)}  # raises if they do not add up
    out = [f"{assignment.id}: {assignment.title}",
           f"{assignment.points:g} points in course.toml (line {assignment.points_line}); "
           f"due {assignment.due.isoformat().replace('+00:00', 'Z') if assignment.due else 'not set'}", ""]
    all_hidden, all_public = [], []
    promises, unchecked = assignment_promises(course, assignment)
    for module in assignment.modules:
        path = course.solution_dir(assignment.id) / module
        source = path.read_text(encoding="utf-8")
        stub = make_stub(source, module)
        functions = graded_functions(source)
        names = [f.name for f in functions]
        public = public_tests(course, assignment, names)
        hidden = hidden_tests(course, assignment, names)
        all_public += public
        all_hidden += hidden
        for function in functions:
            name = function.name
            mine = [t for t in hidden if primary_function(t) == name]
            subtotal = sum(points[t.name].points for t in mine if t.name in points)
            out += [f"=== {name} ({module}) " + "=" * max(3, 60 - len(name) - len(module)),
                    f"--- stub (assignments/{assignment.id}/{module}, as `course build` writes it)",
                    _segment(stub, name),
                    f"--- reference ({_rel(course, path)}:{function.lineno})",
                    _body(source, function),
                    "--- public tests"]
            out += [f"    {t.name}  ({_rel(course, t.file)}:{t.line})" for t in public if name in t.uses] \
                or ["    none: add one to assignments/{}/test_{}.py".format(assignment.id, module.removesuffix('.py'))]
            out += [f"--- hidden tests ({_rel(course, course.grader_file(assignment.id))}): "
                    f"{_count(subtotal, 'point')}"]
            out += [_hidden_line(t, points[t.name], name) for t in mine if t.name in points] \
                or ["    none: this function is not graded by any hidden test"]
            out += _promise_lines(name, promises, unchecked)
            out.append("")
    unmatched = [t for t in all_hidden if not t.uses]
    if unmatched:
        out.append("--- hidden tests that name no graded function")
        out += [_hidden_line(t, points[t.name], "") for t in unmatched if t.name in points]
        out.append("")
    total = sum(p.points for p in points.values())
    by_visibility = {}
    for p in points.values():
        by_visibility[p.visibility] = by_visibility.get(p.visibility, 0) + p.points
    split = ", ".join(f"{v:g} {k}" for k, v in by_visibility.items())
    out.append(f"Total: {_count(len(points), 'hidden test')} worth {_count(total, 'point')} ({split}); "
               f"course.toml gives {assignment.points:g}; {_count(len(all_public), 'public test')}")
    return "\n".join(out)
