"""Grade one student's submission for one assignment.

Runs the assignment's hidden graders (graders/test_<id>.py beside course.toml) with
pytest in this trusted process; the graders reach the student's code only
through the sandboxed child behind the ``student`` handle.
"""
import hashlib
import importlib
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from .. import extensions
from ..config import Assignment, Course
from .errors import GradingError
from .fingerprint import Fingerprinter
from .handle import StudentFailure, StudentHandle, StudentProcess
from .lateness import lateness
from .model import GRADED, NOT_GRADED, SubmissionResult, TestResult
from .plugin import GraderPlugin
from .sandbox import Limits
from .submission import instructor_flags, read_submission
from .text import clean

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


class _Unavailable:
    """Stands in for the child when there is nothing to run."""

    def __init__(self, reason):
        self.reason = reason

    def call(self, fn, args, kwargs, **options):
        raise StudentFailure(self.reason)


def grade_submission(course: Course, assignment: Assignment, student: str, folder: Path,
                     out_dir: Path | None, isolation: str) -> SubmissionResult:
    """Run the hidden graders on the submission in folder (SUBMITTED/<student>/<ID>).

    Never raises for anything the student did or for a fault of the engine
    with this one submission: those give a result, NOT_GRADED with the
    reason when no grade can be given. Raises GradingError only when grading
    cannot run at all (missing data, graders whose points do not add up).
    """
    start = time.perf_counter()
    seed = submission_seed(course, assignment, student)
    base = dict(student=student, assignment=assignment.id, max_score=assignment.points, seed=seed,
                isolation=isolation)
    try:
        submission = read_submission(course, assignment, folder, student)
        if submission.refusal:
            return SubmissionResult(status=NOT_GRADED, reason=clean(submission.refusal), **base)
        late = lateness(course, assignment, student, submission.timestamp, submission.timestamp_problem)
        fingerprint = Fingerprinter(course, assignment).of(student, submission.modules, submission.timestamp)
        with tempfile.TemporaryDirectory(prefix="nnfs-staged-") as staging:
            tests, printed = _run_graders(course, assignment, seed, isolation, submission, Path(staging))
    except GradingError:
        raise
    except Exception as exc:  # a fault of ours with this submission: say so, never a 0
        return SubmissionResult(status=NOT_GRADED, reason=clean(f"internal error while grading: {exc!r}", 500),
                                execution_time=round(time.perf_counter() - start, 3), **base)
    problem = _points_problem(course, assignment, tests)
    if problem:
        raise GradingError(problem)
    notes = [late.note] if late.note else []
    if submission.problem:
        notes.append(clean(f"Nothing could be graded: {submission.problem}."))
    if submission.ignored:
        notes.append(clean(f"Only {', '.join(assignment.modules)} is graded; ignored: {', '.join(submission.ignored)}."))
    return SubmissionResult(
        status=GRADED, earned=round(sum(t.score for t in tests), 6), tests=tuple(tests), lateness=late,
        notes=tuple(notes), flags=tuple(instructor_flags(course, assignment, submission.modules)),
        printed_output=clean(printed, 4000), execution_time=round(time.perf_counter() - start, 3),
        fingerprint=fingerprint, **base)


def _points_problem(course: Course, assignment: Assignment, tests) -> str | None:
    """None if the tests that ran are worth the assignment's points, else where each figure comes from."""
    from ..authoring.grader_points import HiddenTestPoints, points_total_problem

    settings = {s.name: s for s in assignment.tests}
    grader = course.grader_file(assignment.id).name
    ran = [HiddenTestPoints(t.test, t.max_score, t.visibility,
                            points_from=f"{course.path.name} line {settings[t.test].line}"
                            if t.test in settings and settings[t.test].points is not None else grader,
                            visibility_from="")
           for t in tests]
    return points_total_problem(course, assignment, ran)


def _run_graders(course, assignment, seed, isolation, submission, staging: Path):
    """pytest over the assignment's hidden graders against the staged copy; (tests, what the child printed)."""
    limits = extensions.limits_for(course, assignment, submission.student)
    process = None
    if submission.problem:
        runner = _Unavailable(submission.problem)
    else:
        staged = {}
        for name, data in submission.modules.items():
            staged[name] = staging / name
            staged[name].write_bytes(data)
        provided = {name: course.release_dir(assignment.id) / name for name in assignment.provided}
        process = runner = StudentProcess(
            {**provided, **staged}, assignment.modules,
            Limits(limits.submission_seconds, limits.memory_mb, limits.file_size_mb, limits.output_kb,
                   disk_mb=limits.disk_mb),
            call_seconds=limits.seconds, total_seconds=limits.submission_seconds, mode=isolation)
    plugin = GraderPlugin(StudentHandle(runner), reference_modules(course, assignment), seed, course,
                          assignment.tests)
    graders = course.graders_dir
    try:
        code = pytest.main([str(course.grader_file(assignment.id)), "-c", str(graders / "pytest.ini"), "--rootdir", str(graders),
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
    tests = [TestResult(test=t["test"], name=t["name"], score=t["score"], max_score=t["max_score"],
                        passed=t["status"] == "passed", output=clean(t["output"], 4000), visibility=t["visibility"])
             for t in plugin.outcomes.values()]
    return tests, process.output().strip() if process else ""
