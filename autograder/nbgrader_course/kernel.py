"""What the hidden grade cell runs inside nbgrader's kernel (``nbgrader autograde``).

grade_this_folder(ID) grades the module(s) of assignment ID in the kernel's
working folder (nbgrader runs the notebook in autograded/<student>/<ID>/)
with the course's isolated engine, in a subprocess, prints the feedback and
returns the score before any late penalty: the cell's value, which nbgrader
records as partial credit (its late plugin, autograder.nbgrader_course.late, takes
the course's penalty off).

The course is the one $COURSE_TOML names (the course's nbgrader configuration
sets it), else the course.toml beside the installed package. When the engine
cannot grade (no course, the engine failed, a submission "not graded"), it
raises GradingFailed: an error in the grade cell, which the course's
FlagUngradedCells preprocessor turns into "needs manual grading", never 0.
Nothing is written to stderr (nbgrader would score the cell 0).
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..engine.model import ResultFormatError
from ..engine.results import load_result
from ..student_ids import is_student_id
from .feedback import feedback_lines

_ENGINE_SLACK_SECONDS = 120  # interpreter start, pytest collection, the sandbox's set-up


class GradingFailed(Exception):
    """The engine could not grade this submission (the cell goes to manual grading)."""

    def _render_traceback_(self):  # IPython shows this instead of a traceback
        return [f"GradingFailed: {self}"]


def engine_timeout(assignment) -> int:
    """Seconds the grade cell waits for the engine on one submission."""
    return int(assignment.limits.submission_seconds) + _ENGINE_SLACK_SECONDS


def _run_engine(course, assignment, student: str, here: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="nnfs-grade-") as tmp:
        folder = Path(tmp, "submitted", student, assignment.id)
        folder.mkdir(parents=True)
        for name in (*assignment.modules, "timestamp.txt"):  # the graded module(s), and when they came in
            path = here / name
            if path.is_file() and not path.is_symlink() and (name != "timestamp.txt" or path.stat().st_size < 4096):
                shutil.copyfile(path, folder / name)
        env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
        command = [sys.executable, "-m", "autograder.cli", "--course", str(course.path), "grade",
                   "--assignment", assignment.id, str(Path(tmp, "submitted")), "--out", str(Path(tmp, "out")),
                   "--quiet", "--force"]
        try:
            done = subprocess.run(command, cwd=tmp, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, errors="replace", timeout=engine_timeout(assignment))
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GradingFailed(f"the grading engine did not run: {exc}") from None
        results_file = Path(tmp, "out", student, assignment.id, "results.json")
        if not results_file.is_file():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise GradingFailed(f"the grading engine gave no result (exit {done.returncode}): " + " | ".join(tail))
        try:
            return load_result(results_file)
        except ResultFormatError as exc:
            raise GradingFailed(f"the grading engine's result cannot be read: {exc}") from None


def grade_this_folder(assignment_id: str) -> float:
    """Grade the module(s) in the working folder; print the feedback; return the score."""
    from ..config import CourseConfigError, load_course

    try:
        course = load_course()
        assignment = course.assignment(assignment_id)
    except CourseConfigError as exc:
        raise GradingFailed(f"the course cannot be found ({exc}); set COURSE_TOML or rerun "
                            "`course nbgrader init`") from None
    here = Path.cwd()
    student = here.parent.name if is_student_id(here.parent.name) else "student"  # the course's one id rule
    result = _run_engine(course, assignment, student, here)
    if not result.graded:
        raise GradingFailed(f"not graded: {result.reason}")
    print("\n".join(feedback_lines(result)))
    # nbgrader records the score before any late penalty and takes the penalty off itself, with the
    # course's policy (autograder.nbgrader_course.late), as `course grade --gradebook` records it.
    return float(result.earned)
