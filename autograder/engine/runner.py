"""Run an assignment's hidden graders in this trusted process, without pytest's machinery.

The graders are pytest files (graders/test_<ID>.py): ``test_*`` functions with
an ``@points(n, visibility=...)`` mark (course.toml's [assignments.tests] may
override both, see with_settings) whose parameters name the engine's
fixtures, ``student`` (the handle to the sandboxed child), ``reference`` (the
reference modules), ``rng`` (a Generator seeded per submission and per test),
``seed`` and ``course``. That is all they use, so the engine runs them itself:
the module is imported once per process, its tests listed once, and each test
is one function call. A pytest session per submission cost about a third of
the grading time (configuration, collection, reports).

Each test gives one Outcome with feedback written for the student: the
grader's own message (an AssertionError), or why the student's code gave no
result (StudentFailure). Tracebacks and grader source never reach the
feedback. Any other exception is a fault of the grader: the submission is
NOT GRADED with that reason (GraderFault), never a zero. A GradingError
raised by a grader (it cannot grade at all), a fixture the engine does not
have or a test without points stop the batch.
"""
import dataclasses
import importlib.util
import inspect
import sys
import zlib
from pathlib import Path

import numpy as np
import numpy.random  # noqa: F401  (numpy imports it lazily: here once, not in every forked worker)

from ..primitives import VISIBILITIES
from .errors import GradingError
from .handle import StudentFailure

FIXTURES = ("student", "reference", "rng", "seed", "course")


@dataclasses.dataclass(frozen=True)
class GraderTest:
    """One hidden test: its function, name (first docstring line), points and visibility."""
    test: str
    name: str
    max_score: float | None  # None: no points mark; course.toml must give them
    visibility: str
    function: object
    fixtures: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Outcome:
    test: str
    name: str
    max_score: float
    visibility: str
    passed: bool
    score: float
    output: str


_loaded: dict[tuple, list[GraderTest]] = {}


def collect(grader_file: Path) -> list[GraderTest]:
    """The tests of a grader file, in the order they are written (imported once per process and file version)."""
    stat = grader_file.stat()
    key = (str(grader_file), stat.st_mtime_ns, stat.st_size)
    if key not in _loaded:
        _loaded[key] = _collect(_import(grader_file), grader_file)
    return _loaded[key]


def _import(grader_file: Path):
    name = f"_graders_{grader_file.stem}_{zlib.crc32(str(grader_file).encode()):08x}"
    spec = importlib.util.spec_from_file_location(name, grader_file)
    if spec is None:
        raise GradingError(f"{grader_file}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except FileNotFoundError:
        raise GradingError(f"{grader_file}: the hidden graders are missing") from None
    except Exception as exc:  # a grader that does not import cannot grade anyone
        del sys.modules[name]
        raise GradingError(f"{grader_file}: the graders do not import ({type(exc).__name__}: {exc})") from exc
    return module


def _points_mark(function):
    for mark in getattr(function, "pytestmark", ()):
        if getattr(mark, "name", None) == "points":
            return mark
    return None


def _collect(module, grader_file: Path) -> list[GraderTest]:
    tests = []
    functions = [f for name, f in vars(module).items()
                 if name.startswith("test_") and inspect.isfunction(f) and f.__module__ == module.__name__]
    for function in sorted(functions, key=lambda f: f.__code__.co_firstlineno):
        where = f"{grader_file}:{function.__code__.co_firstlineno}: {function.__name__}"
        mark = _points_mark(function)
        points = float(mark.args[0]) if mark is not None and mark.args else None  # course.toml may give them
        visibility = mark.kwargs.get("visibility", "visible") if mark is not None else "visible"
        if visibility not in VISIBILITIES:
            raise GradingError(f"{where}: visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
        fixtures = tuple(inspect.signature(function).parameters)
        unknown = [f for f in fixtures if f not in FIXTURES]
        if unknown:
            raise GradingError(f"{where} asks for {', '.join(unknown)}; graders get {', '.join(FIXTURES)}")
        doc = (function.__doc__ or "").strip().splitlines()
        tests.append(GraderTest(function.__name__, doc[0] if doc else function.__name__, points,
                                visibility, function, fixtures))
    if not tests:
        raise GradingError(f"{grader_file}: no test_* functions")
    return tests


def with_settings(tests: list[GraderTest], settings) -> list[GraderTest]:
    """The tests with course.toml's [assignments.tests] points and visibility applied (GraderTestSetting)."""
    by_name = {s.name: s for s in settings}
    out = []
    for test in tests:
        setting = by_name.get(test.test)
        if setting is not None:
            test = dataclasses.replace(
                test, max_score=float(setting.points) if setting.points is not None else test.max_score,
                visibility=setting.visibility if setting.visibility is not None else test.visibility)
        if test.max_score is None:
            raise GradingError(f"{test.test} has no @points(...) mark and course.toml gives it no points")
        out.append(test)
    return out


def run(tests: list[GraderTest], student, reference, seed: int, course) -> list[Outcome]:
    """Every test, in order; a GradingError from a grader stops the run (raised after the test)."""
    outcomes = []
    for test in tests:
        values = {"student": student, "reference": reference, "seed": seed, "course": course,
                  "rng": np.random.default_rng([seed, zlib.crc32(test.test.encode())])}
        try:
            test.function(**{name: values[name] for name in test.fixtures})
        except GradingError as exc:
            raise GradingError(f"{test.test}: {exc}") from exc
        except (AssertionError, StudentFailure) as exc:  # the student's answer, judged: this test's zero
            outcomes.append(Outcome(test.test, test.name, test.max_score, test.visibility, False, 0.0,
                                    feedback_for(exc)))
        except Exception as exc:  # the grader broke: no grade rather than a zero nobody earned
            raise GraderFault(f"the hidden test {test.test} failed inside the grader "
                              f"({type(exc).__name__}: {str(exc)[:300]}); the graders need fixing, "
                              f"then a regrade") from exc
        else:
            outcomes.append(Outcome(test.test, test.name, test.max_score, test.visibility, True,
                                    test.max_score, ""))
    return outcomes


class GraderFault(Exception):
    """A grader raised something other than a verdict (an AssertionError) or the student's failure:
    the submission is NOT GRADED with this reason, never given a zero."""


def feedback_for(error: AssertionError | StudentFailure) -> str:
    """What the student reads for a failed test: never a traceback of the grader."""
    if isinstance(error, StudentFailure):
        return str(error)
    return str(error) or "wrong answer"
