"""Grade one student's submission for one assignment.

Runs the assignment's hidden graders (graders/test_<id>.py beside course.toml)
in this trusted process (engine/runner.py); the graders reach the student's
code only through the sandboxed child behind the ``student`` handle.
"""
import contextlib
import hashlib
import importlib
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from .. import extensions
from .grader_points import HiddenTestPoints, points_total_problem
from ..config import Assignment, Course
from .errors import GradingError
from .fingerprint import Fingerprinter
from .handle import StudentFailure, StudentHandle, StudentProcess
from .jail import own_tmp
from .lateness import lateness
from .model import DOES_NOT_IMPORT, GRADED, MISSING, NOT_GRADED, SubmissionResult, TestResult
from . import runner
from .submission import instructor_flags, read_submission
from .text import clean

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

    def fresh_child(self, stand_ins):
        """No child with a stand-in either: every call inside still fails with the reason (a missing module)."""
        return contextlib.nullcontext()


def grade_submission(course: Course, assignment: Assignment, student: str, folder: Path,
                     out_dir: Path | None, isolation: str,
                     fingerprinter: Fingerprinter | None = None) -> SubmissionResult:
    """Run the hidden graders on the submission in folder (SUBMITTED/<student>/<ID>).

    Never raises for anything the student did or for a fault of the engine
    with this one submission: those give a result, NOT_GRADED with the
    reason when no grade can be given. Raises GradingError only when grading
    cannot run at all (missing data, graders whose points do not add up).
    fingerprinter: the batch's, computed once for the assignment (default: a new one).
    """
    start = time.perf_counter()
    seed = submission_seed(course, assignment, student)
    base = dict(student=student, assignment=assignment.id, max_score=assignment.points, seed=seed,
                isolation=isolation)
    try:
        submission = read_submission(course, assignment, folder, student)
        if submission.refusal:
            return SubmissionResult(status=NOT_GRADED, reason=clean(submission.refusal), **base)
        # in the grading process's own folder (jail/own_tmp.py): swept if the process is killed mid-grade
        with tempfile.TemporaryDirectory(prefix="nnfs-staged-", dir=own_tmp.root()) as staging:
            # The child starts first: its interpreter and numpy load while this process does the rest.
            process = _launch_child(course, assignment, submission, Path(staging), isolation)
            try:
                late = lateness(course, assignment, student, submission.timestamp, submission.timestamp_problem,
                                submission.late_mark)
                fingerprint = (fingerprinter or Fingerprinter(course, assignment)).of(
                    student, submission.modules, submission.timestamp, submission.late_mark)
                tests = _run_graders(course, assignment, seed, process or _Unavailable(submission.problem))
            finally:
                if process is not None:
                    process.close()
            printed = process.output().strip() if process else ""
            import_failure = process.import_failure if process else None
    except GradingError:
        raise
    except runner.GraderFault as exc:
        return SubmissionResult(status=NOT_GRADED, reason=clean(str(exc), 500),
                                execution_time=round(time.perf_counter() - start, 3), **base)
    except Exception as exc:  # a fault of ours with this submission: say so, never a 0
        return SubmissionResult(status=NOT_GRADED, reason=clean(f"internal error while grading: {exc!r}", 500),
                                execution_time=round(time.perf_counter() - start, 3), **base)
    problem = _points_problem(course, assignment, tests)
    if problem:
        raise GradingError(problem)
    notes = [late.note] if late.note else []
    if submission.problem:
        stop = "" if submission.problem.endswith((".", "?", "!")) else "."
        notes.append(clean(f"Nothing could be graded: {submission.problem}{stop}"))
    if submission.ignored:
        notes.append(clean(f"Only {', '.join(assignment.modules)} is graded; ignored: {', '.join(submission.ignored)}."))
    status, reason = GRADED, ""
    if submission.problem:
        status, reason = MISSING, clean(submission.problem, 500)
    elif import_failure:
        status, reason = DOES_NOT_IMPORT, clean(import_failure, 1000)
    return SubmissionResult(
        status=status, reason=reason, earned=round(sum(t.score for t in tests), 6), tests=tuple(tests),
        lateness=late, notes=tuple(notes), flags=tuple(instructor_flags(course, assignment, submission.modules)),
        printed_output=clean(printed, 4000), execution_time=round(time.perf_counter() - start, 3),
        fingerprint=fingerprint, **base)


def _points_problem(course: Course, assignment: Assignment, tests) -> str | None:
    """None if the tests that ran are worth the assignment's points, else where each figure comes from."""
    settings = {s.name: s for s in assignment.tests}
    grader = course.grader_file(assignment.id).name
    ran = [HiddenTestPoints(t.test, t.max_score, t.visibility,
                            points_from=f"{course.path.name} line {settings[t.test].line}"
                            if t.test in settings and settings[t.test].points is not None else grader,
                            visibility_from="")
           for t in tests]
    return points_total_problem(course, assignment, ran)


def _launch_child(course, assignment, submission, staging: Path, isolation: str) -> StudentProcess | None:
    """The sandboxed child for the submission's modules, launched (None when nothing can be run)."""
    if submission.problem:
        return None
    staged = {}
    for name, data in submission.modules.items():
        staged[name] = staging / name
        staged[name].write_bytes(data)
    provided = {name: course.release_dir(assignment.id) / name for name in assignment.provided}
    limits = extensions.limits_for(course, assignment, submission.student)
    process = StudentProcess({**provided, **staged}, assignment.modules, limits, mode=isolation)
    process.launch()
    return process


def _run_graders(course, assignment, seed, child) -> list[TestResult]:
    """The assignment's hidden graders against the child (a StudentProcess or _Unavailable)."""
    tests = runner.with_settings(runner.collect(course.grader_file(assignment.id)), assignment.tests)
    outcomes = runner.run(tests, StudentHandle(child), reference_modules(course, assignment), seed, course)
    return [TestResult(test=o.test, name=o.name, score=o.score, max_score=o.max_score, passed=o.passed,
                       output=clean(o.output, 4000), visibility=o.visibility)
            for o in outcomes]
