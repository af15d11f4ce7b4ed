"""The examples in the reference docstrings: what check.py calls, and what each call returns.

Every function a student writes has doctest examples (">>>" lines) in its
docstring; the stub keeps them, so students read them, and docs/api.md shows
them. At build time they run against the reference in a namespace holding
numpy (as np) and the one function: their printed output must be what the
docstring shows (so the documentation is right), and the form of what each
call returns (type, shape, dtype kind, the keys of a dict: see
student_check.form_of) is recorded. check.py runs the same lines on the
student's module and compares forms, never values.

A line may end with a note for check.py: a time budget, `# at most 1.2 s`
(without one a call may take a tenth of the grader's per-call limit), or
`# a number may be a 0-d array` where the graders take either for a float.
"""
import doctest
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .student_check import form_of

BUDGET = re.compile(r"#\s*at most ([0-9]*\.?[0-9]+) s\s*$")
ANY_NUMBER = "# a number may be a 0-d array"
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


class ExampleError(ValueError):
    """A reference function without examples, or whose examples do not run as shown."""


@dataclass(frozen=True)
class Line:
    """One example line: source as shown, the forms of the calls it makes, its time budget (s or None)."""
    source: str
    calls: tuple
    budget: float | None

    def as_data(self) -> dict:
        return {"source": self.source, "calls": list(self.calls), "budget": self.budget}


def budget_of(source: str) -> float | None:
    match = BUDGET.search(source.strip())
    return float(match.group(1)) if match else None


def import_reference(path: Path, folders: list[Path]):
    """The reference module at path, imported under a private name, with folders (the course's
    solution folders: a reference imports the earlier assignments' modules) on sys.path."""
    name = f"_reference_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    added = [str(folder) for folder in folders if str(folder) not in sys.path]
    sys.path[:0] = added
    try:
        spec.loader.exec_module(module)
    finally:
        for folder in added:
            sys.path.remove(folder)
    return module


def graded_functions(module) -> list[str]:
    """The public functions defined in module itself, in the file's order."""
    names = [name for name, value in vars(module).items()
             if callable(value) and not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
             and getattr(value, "__code__", None) is not None]
    return sorted(names, key=lambda name: vars(module)[name].__code__.co_firstlineno)


def run_examples(module, function: str, where: str) -> list[Line]:
    """Run function's docstring examples against module; the lines with the forms of their calls."""
    import numpy as np

    fn = getattr(module, function)
    examples = doctest.DocTestParser().get_examples(fn.__doc__ or "")
    if not examples:
        raise ExampleError(f"{where}: {function} has no example in its docstring (a `>>> {function}(...)` "
                           "line): check.py calls each function on its examples")
    calls = []

    def recorded(*args, **kwargs):
        result = fn(*args, **kwargs)
        calls.append(form_of(result))
        return result

    namespace = {"np": np, function: recorded}
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    lines = []
    for example in examples:
        before = len(calls)
        test = doctest.DocTest([example], namespace, f"{where}:{function}", where, example.lineno, None)
        failures = []
        runner.report_failure = lambda out, test, ex, got: failures.append(f"shows {ex.want.strip()!r}, "
                                                                           f"the reference gives {got.strip()!r}")
        runner.report_unexpected_exception = lambda out, test, ex, info: failures.append(
            f"raises {info[1].__class__.__name__}: {info[1]}")
        runner.run(test, clear_globs=False, out=lambda text: None)
        namespace = test.globs  # DocTest works on a copy: the next line sees this one's names
        if failures:
            raise ExampleError(f"{where}: the example `{example.source.strip()}` of {function} {failures[0]}")
        forms = tuple(calls[before:])
        if example.source.strip().endswith(ANY_NUMBER):
            forms = tuple(_floats_as_numbers(form) for form in forms)
        lines.append(Line(example.source.strip(), forms, budget_of(example.source)))
    if not calls:
        raise ExampleError(f"{where}: the examples of {function} never call {function}")
    return lines


def _floats_as_numbers(form: dict) -> dict:
    """The form with every float loosened to a number (a float or a 0-d numeric array)."""
    if form["type"] == "float":
        return {"type": "number"}
    if form["type"] in ("list", "tuple"):
        return {**form, "items": [_floats_as_numbers(item) for item in form["items"]]}
    if form["type"] == "dict":
        return {**form, "items": {key: _floats_as_numbers(item) for key, item in form["items"].items()}}
    return form


def record(path: Path, folders: list[Path]) -> dict[str, list[dict]]:
    """function -> its example lines (as data for check.py), for every graded function of the module at path."""
    module = import_reference(path, folders)
    where = str(path)
    return {function: [line.as_data() for line in run_examples(module, function, where)]
            for function in graded_functions(module)}
