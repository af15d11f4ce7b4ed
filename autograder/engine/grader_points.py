"""Each hidden test's points and visibility, and whether they add up.

A hidden test's ``@points(n, visibility=...)`` decorator gives its defaults;
``[assignments.tests]`` in course.toml overrides them. The decorators are read
from the grader's syntax tree (the grader is never imported), so every course
command can check the totals before it builds, shows or grades anything.
Problems raise CourseConfigError naming the file, the key and the line.
"""
import ast
import dataclasses
import difflib
from pathlib import Path

from ..config import Assignment, Course, CourseConfigError
from ..primitives import VISIBILITIES


@dataclasses.dataclass(frozen=True)
class DecoratedTest:
    """One test function of a grader file as its source states it (None: not stated)."""
    name: str
    line: int  # of its def
    points: float | None
    visibility: str | None
    node: ast.FunctionDef


@dataclasses.dataclass(frozen=True)
class HiddenTestPoints:
    """One hidden test's effective points and visibility, and where each is set."""
    name: str
    points: float
    visibility: str
    points_from: str  # "course.toml line 35" or "graders/test_01_neuron.py:88"
    visibility_from: str


def _where(course: Course, path: Path) -> str:
    return str(path.relative_to(course.root)) if path.is_relative_to(course.root) else str(path)


def _points_decorator(node: ast.FunctionDef) -> ast.Call | None:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            func = decorator.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name == "points":
                return decorator
    return None


def _literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def grader_tree(course: Course, assignment: Assignment) -> ast.Module:
    path = course.grader_file(assignment.id)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseConfigError(f"{_where(course, path)}: the hidden graders of {assignment.id} are missing "
                                f"(`course new` writes a first one)") from None
    try:
        return ast.parse(source, str(path))
    except SyntaxError as exc:
        raise CourseConfigError(f"{_where(course, path)}:{exc.lineno}: not valid Python: {exc.msg}") from None


def decorated_tests(tree: ast.Module) -> list[DecoratedTest]:
    """The module's top-level test_* functions, in file order, with their @points(...) values."""
    tests = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            call = _points_decorator(node)
            points = visibility = None
            if call is not None:
                points = _literal(call.args[0]) if call.args else None
                keywords = {k.arg: k.value for k in call.keywords}
                visibility = _literal(keywords["visibility"]) if "visibility" in keywords else "visible"
                if len(call.args) > 1:
                    visibility = _literal(call.args[1])
            if isinstance(points, bool) or not isinstance(points, (int, float)):
                points = None
            tests.append(DecoratedTest(node.name, node.lineno, points, visibility, node))
    return tests


def effective_points(course: Course, assignment: Assignment) -> list[HiddenTestPoints]:
    """Every hidden test's effective points and visibility, in the grader's order.

    Raises CourseConfigError for a course.toml entry naming no test of the grader
    (with a close match), a test with no points anywhere, a visibility Gradescope
    does not know, and totals that differ from the assignment's points.
    """
    grader = course.grader_file(assignment.id)
    grader_name = _where(course, grader)
    toml = course.path.name
    decorated = decorated_tests(grader_tree(course, assignment))
    names = [t.name for t in decorated]
    problems = []
    for setting in assignment.tests:
        if setting.name not in names:
            close = difflib.get_close_matches(setting.name, names, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"its tests: {', '.join(names) or 'none'}"
            line = f" (line {setting.line})" if setting.line else ""
            problems.append(f"{course.path}: assignments[{assignment.index}].tests.{setting.name}: "
                            f"not a test of {grader_name} ({hint}){line}")
    result = []
    for test in decorated:
        setting = assignment.test_setting(test.name)
        at_toml = f"{toml} line {setting.line}" if setting and setting.line else toml
        at_grader = f"{grader_name}:{test.line}"
        points = setting.points if setting and setting.points is not None else test.points
        visibility = setting.visibility if setting and setting.visibility is not None else test.visibility
        if points is None:
            problems.append(f"{at_grader}: {test.name} has no @points(n) with a plain number, and "
                            f"{toml} sets none (assignments[{assignment.index}].tests.{test.name})")
            continue
        if visibility not in VISIBILITIES:
            problems.append(f"{at_grader}: {test.name}: visibility {visibility!r} is not one of {list(VISIBILITIES)}")
            continue
        result.append(HiddenTestPoints(
            test.name, float(points), visibility,
            points_from=at_toml if setting and setting.points is not None else at_grader,
            visibility_from=at_toml if setting and setting.visibility is not None else at_grader))
    if problems:
        raise CourseConfigError("\n".join(problems))
    total_problem = points_total_problem(course, assignment, result)
    if total_problem:
        raise CourseConfigError(total_problem)
    return result


def points_total_problem(course: Course, assignment: Assignment, tests: list[HiddenTestPoints]) -> str | None:
    """None if the tests' points sum to the assignment's points, else where each figure comes from."""
    total = sum(t.points for t in tests)
    if abs(total - assignment.points) <= 1e-9:
        return None
    line = f" (line {assignment.points_line})" if assignment.points_line else ""
    parts = ", ".join(f"{t.name} {t.points:g} ({t.points_from})" for t in tests) or "no tests"
    return (f"{course.path}: assignments[{assignment.index}] ({assignment.id}): its tests add up to "
            f"{total:g} points but points = {assignment.points:g}{line}: {parts}")


def check_points(course: Course, assignments=None, missing_ok: bool = False) -> None:
    """effective_points() for each assignment (default: all); missing_ok skips one without graders."""
    for assignment in assignments if assignments is not None else course.assignments:
        if missing_ok and not course.grader_file(assignment.id).is_file():
            continue
        effective_points(course, assignment)
