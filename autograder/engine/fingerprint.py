"""What a grade depends on, as three SHA-256 digests, so a rerun regrades exactly what changed.

- files: the bytes the child is given from the student (each graded module)
  and the submission's timestamp.txt and late_mark.txt (they decide lateness);
- graders: the hidden graders of the assignment and their shared helpers, the
  reference modules they compare with, and the provided modules the child gets;
- settings: points (the assignment's and course.toml's per-test points and
  visibility), the limits and the due date that apply to the student (extensions.csv,
  accommodations.csv), the late policy and the
  course id (the seed of every student's random inputs).
"""
import dataclasses
import hashlib
import json
from pathlib import Path

from .. import extensions
from ..config import Assignment, Course
from .model import Fingerprint

TOOLKIT_DIR = Path(__file__).resolve().parent.parent / "toolkit"  # what every grader imports


def _digest(named_bytes) -> str:
    """One digest of (name, bytes) pairs; names and lengths are part of it, so files cannot run together."""
    h = hashlib.sha256()
    for name, data in named_bytes:
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def files_digest(module_bytes: dict[str, bytes], timestamp: bytes | None, late_mark: bytes | None = None) -> str:
    pairs = sorted(module_bytes.items())
    if timestamp is not None:
        pairs.append(("timestamp.txt", timestamp))
    if late_mark is not None:
        pairs.append(("late_mark.txt", late_mark))
    return _digest(pairs)


def _grader_files(course: Course, assignment: Assignment) -> list[Path]:
    graders = [course.grader_file(assignment.id), course.graders_dir / "pytest.ini",
               *(p for p in sorted(TOOLKIT_DIR.iterdir()) if p.is_file() and p.suffix == ".py")]
    references = []
    for other in course.assignments:  # the reference modules the graders import, wherever they live
        for module in other.modules:
            if module in (*assignment.modules, *assignment.provided):
                references.append(course.solution_dir(other.id) / module)
    provided = [course.release_dir(assignment.id) / name for name in assignment.provided]
    return graders + references + provided


def graders_digest(course: Course, assignment: Assignment) -> str:
    return _digest((str(p.relative_to(course.root) if p.is_relative_to(course.root) else p.name),
                    p.read_bytes() if p.is_file() else b"<missing>")
                   for p in _grader_files(course, assignment))


def settings_digest(course: Course, assignment: Assignment, due, limits) -> str:
    settings = {"course": course.id, "points": assignment.points, "limits": dataclasses.asdict(limits),
                "due": due.isoformat() if due else None,
                "late": [course.late_penalty_per_day, course.late_grace_minutes]}
    if assignment.tests:  # only when set, so courses without them keep their digests
        settings["tests"] = sorted([t.name, t.points, t.visibility] for t in assignment.tests)
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


class Fingerprinter:
    """Fingerprints of one assignment's submissions; the grader and settings parts are computed once."""

    def __init__(self, course: Course, assignment: Assignment):
        self.course, self.assignment = course, assignment
        self.graders = graders_digest(course, assignment)
        self.course_settings = settings_digest(course, assignment, assignment.due, assignment.limits)

    def settings(self, student: str) -> str:
        """The settings digest that applies to student now (their due date and limits included)."""
        due = extensions.due_date(self.course, self.assignment, student)
        limits = extensions.limits_for(self.course, self.assignment, student)
        return settings_digest(self.course, self.assignment, due, limits)

    def of(self, student: str, module_bytes: dict[str, bytes], timestamp: bytes | None,
           late_mark: bytes | None = None) -> Fingerprint:
        return Fingerprint(files=files_digest(module_bytes, timestamp, late_mark), graders=self.graders,
                           settings=self.settings(student), course_settings=self.course_settings)
