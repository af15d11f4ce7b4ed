"""Grade one student's submission for one assignment.

Runs the assignment's hidden graders (autograder/graders/test_<id>.py) with
pytest in this trusted process; the graders reach the student's code only
through the sandboxed child behind the ``student`` handle.
"""
import hashlib
import importlib
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from ..config import Assignment, Course
from .lateness import lateness
from .errors import GradingError
from .handle import StudentFailure, StudentHandle, StudentProcess
from .plugin import GraderPlugin
from .sandbox import Limits

GRADERS_DIR = Path(__file__).resolve().parent.parent / "graders"
MAX_MODULE_BYTES = 1024 * 1024
# Plugins a grading run does not need; unraisableexception alone costs ~0.5 s
# per run (it calls gc.collect() repeatedly at the end of every session).
PYTEST_QUIET = [arg for name in ("cacheprovider", "terminal", "unraisableexception", "threadexception",
                                 "doctest", "junitxml", "pastebin", "warnings", "legacypath", "stepwise",
                                 "lsof", "faulthandler", "setuponly", "setupplan", "logging", "monkeypatch",
                                 "tmpdir", "recwarn", "unittest", "subtests", "debugging", "anyio")
                for arg in ("-p", f"no:{name}")]


def submission_seed(course: Course, assignment: Assignment, student: str) -> int:
    """Different for every student, the same on every regrade."""
    digest = hashlib.sha256(f"{course.id}/{assignment.id}/{student}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def reference_modules(course: Course, assignment: Assignment) -> SimpleNamespace:
    """The reference modules of the assignment (and what they import), trusted."""
    for other in course.assignments:
        folder = str(course.solution_dir(other.id))
        if folder not in sys.path:
            sys.path.append(folder)
    graded_modules = {m for a in course.assignments for m in a.modules}  # not helpers like plots.py
    namespace = {}
    for module in (*assignment.provided, *assignment.modules):
        if module in graded_modules:
            name = module.removesuffix(".py")
            namespace[name] = importlib.import_module(name)
            namespace.update({k: v for k, v in vars(namespace[name]).items() if not k.startswith("_")})
    return SimpleNamespace(**namespace)


def submitted_files(course: Course, assignment: Assignment, folder: Path) -> tuple[dict, list[str], str | None]:
    """(module name -> path, ignored file names, reason nothing can be graded or None)."""
    if not folder.is_dir():
        return {}, [], f"no submission: there is no folder {assignment.id}/ for this student"
    files, problems = {}, []
    for module in assignment.modules:
        path = folder / module
        if path.is_symlink() or (path.exists() and not path.is_file()):
            problems.append(f"{module} is not a regular file")
        elif not path.exists():
            problems.append(f"{module} is missing from your submission")
        elif path.stat().st_size > MAX_MODULE_BYTES:
            problems.append(f"{module} is larger than {MAX_MODULE_BYTES // 1024} KiB")
        else:
            files[module] = path
    # What nbgrader and the release put there anyway (notebook, public tests, provided
    # code, timestamp.txt) is not worth a mention; anything else is listed as ignored.
    expected = {"timestamp.txt", *assignment.provided}
    release_dir = course.release_dir(assignment.id)
    release = {p.name for p in release_dir.iterdir()} if release_dir.is_dir() else set()
    ignored = sorted(p.name for p in folder.iterdir()
                     if p.name not in assignment.modules and not p.name.startswith(".")
                     and p.name not in expected and p.name not in release and p.suffix != ".ipynb")
    return files, ignored, "; ".join(problems) or None


class _Unavailable:
    """Stands in for the child when there is nothing to run."""

    def __init__(self, reason):
        self.reason = reason

    def call(self, fn, args, kwargs, return_args=False, seconds=None):
        raise StudentFailure(self.reason)


def grade_submission(course: Course, assignment: Assignment, student: str, folder: Path,
                     out_dir: Path, isolation: str) -> dict:
    """Run the hidden graders on one submission; return Gradescope results."""
    start = time.perf_counter()
    files, ignored, problem = submitted_files(course, assignment, folder)
    seed = submission_seed(course, assignment, student)
    limits = assignment.limits
    process = None
    if problem:
        runner = _Unavailable(problem)
    else:
        provided = {name: course.release_dir(assignment.id) / name for name in assignment.provided}
        process = runner = StudentProcess(
            {**provided, **files}, assignment.modules,
            Limits(limits.submission_seconds, limits.memory_mb, limits.file_size_mb, limits.output_kb,
                   disk_mb=limits.disk_mb),
            call_seconds=limits.seconds, total_seconds=limits.submission_seconds, mode=isolation)
    plugin = GraderPlugin(StudentHandle(runner), reference_modules(course, assignment), seed, course)
    grader_file = GRADERS_DIR / f"test_{assignment.id}.py"
    try:
        code = pytest.main([str(grader_file), "-c", str(GRADERS_DIR / "pytest.ini"), "--rootdir", str(GRADERS_DIR),
                            *PYTEST_QUIET, "--assert=plain"],
                           plugins=[plugin])
    finally:
        if process is not None:
            process.close()
    if plugin.setup_errors:
        raise GradingError(plugin.setup_errors[0])
    if plugin.collection_errors or code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise GradingError(f"the graders of {assignment.id} did not run (pytest exit {code}): "
                           + " ".join(plugin.collection_errors))
    tests = list(plugin.outcomes.values())
    max_score = sum(t["max_score"] for t in tests)
    if abs(max_score - assignment.points) > 1e-9:
        raise GradingError(f"the graders of {assignment.id} are worth {max_score:g} points, "
                           f"but course.toml gives {assignment.points:g}")
    late = lateness(course, assignment, folder)
    notes = []
    if late["note"]:
        notes.append(late["note"])
    if problem:
        notes.append(f"Nothing could be graded: {problem}.")
    if ignored:
        notes.append(f"Only {', '.join(assignment.modules)} is graded; ignored: {', '.join(ignored)}.")
    printed = process.output().strip() if process else ""
    earned = sum(t["score"] for t in tests)
    return {
        "score": round(earned * (1.0 - late["penalty"]), 6),
        "max_score": max_score,
        "execution_time": round(time.perf_counter() - start, 3),
        "output": " ".join(notes),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [{**{k: t[k] for k in ("name", "score", "max_score", "status", "output", "visibility")},
                   "extra_data": {"test": t["test"]}} for t in tests],
        "extra_data": {"student": student, "assignment": assignment.id, "seed": seed,
                       "isolation": isolation, "printed_output": printed[:4000],
                       "score_before_penalty": round(earned, 6), "late": late["late"],
                       "late_days": late["late_days"], "late_penalty": late["penalty"],
                       "submitted_at": late["submitted_at"]},
    }
