"""The class's results as data: what the report, its figures and the exports read.

Every OUT_DIR/<student>/<assignment>/results.json is read with the engine's
result model (engine/results.load_result) and kept as an
engine.model.ResultOfRecord: the engine's SubmissionResult under the ledger's
standing override, marked stale where grades.csv says so, with its attention
reasons. A result the engine could not grade (status "not graded") or a stale
one has score None: it is shown and exported as not graded (or stale), never
as 0, and it is left out of every mean and pass rate. A results.json that
cannot be read is skipped with a note naming the file.
"""
import collections
import dataclasses
from pathlib import Path

from .. import log
from ..config import Course
from ..engine import results as engine_results
from ..engine.attention import SIMILARITY_DIR
from ..engine.of_record import results_of_record
from ..engine.model import ResultFormatError, ResultOfRecord, SubmissionResult

RESULTS_NAME = "results.json"


class ResultsError(ValueError):
    """A results.json that is unreadable or not in Gradescope's format."""


def load_result(path: Path) -> SubmissionResult:
    """Read one results.json (bounded, no link: engine.results.load_result) with the engine's result model.

    Raises ResultsError saying what is wrong.
    """
    try:
        return engine_results.load_result(path)
    except ResultFormatError as exc:
        raise ResultsError(str(exc)) from None


@dataclasses.dataclass
class ClassResults:
    """Everything graded under one OUT_DIR.

    students: every student folder, sorted; assignments: ids in course.toml's
    order (ids not in course.toml last); results: (student, assignment) ->
    ResultOfRecord; notes: one line per results.json skipped.
    """
    course: Course
    out_dir: Path
    students: list[str]
    assignments: list[str]
    results: dict[tuple[str, str], ResultOfRecord]
    notes: list[str]

    def result(self, student: str, assignment: str) -> ResultOfRecord | None:
        return self.results.get((student, assignment))

    def of_student(self, student: str) -> list[ResultOfRecord]:
        return [r for a in self.assignments if (r := self.results.get((student, a))) is not None]

    def of_assignment(self, assignment: str) -> list[ResultOfRecord]:
        return [r for s in self.students if (r := self.results.get((s, assignment))) is not None]

    def max_score(self, assignment: str) -> float:
        """course.toml's points, else the max score most results agree on."""
        for known in self.course.assignments:
            if known.id == assignment:
                return float(known.points)
        counts = collections.Counter(r.max_score for r in self.of_assignment(assignment))
        return counts.most_common(1)[0][0] if counts else 0.0

    def title(self, assignment: str) -> str:
        for known in self.course.assignments:
            if known.id == assignment:
                return known.title
        return assignment

    def submitted(self, student: str) -> bool:
        """Whether the student has at least one graded result."""
        return any(r.graded for r in self.of_student(student))

    def total(self, student: str) -> float:
        """The sum of the student's graded scores (not graded counts nothing)."""
        return sum(r.score for r in self.of_student(student) if r.graded)


def _folders(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))


def read_class(course: Course, out_dir: Path) -> ClassResults:
    """Every results.json under out_dir (OUT_DIR/<student>/<assignment>/results.json)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"{out_dir} is not a folder: give the --out folder of `course grade`")
    known = [a.id for a in course.assignments]
    students, loaded, notes, found = [], {}, [], set()
    for student_dir in _folders(out_dir):
        student, has_any = student_dir.name, False
        if student == SIMILARITY_DIR:  # `course similar`'s output kept beside the results: not a student
            continue
        for folder in _folders(student_dir):
            where = f"{student}/{folder.name}"
            path = folder / RESULTS_NAME
            if not path.is_file():
                if folder.name in known:
                    notes.append(f"{where}: no results.json (not graded yet, or grading was interrupted): skipped")
                continue
            has_any = True
            try:
                loaded[(student, folder.name)] = load_result(path)
                found.add(folder.name)
            except ResultsError as exc:
                notes.append(f"{where}: results.json is not usable ({exc}): skipped")
        if has_any or any(folder.name in known for folder in _folders(student_dir)):
            students.append(student)
    order = {a: i for i, a in enumerate(known)}
    assignments = sorted(found, key=lambda a: (order.get(a, len(order)), a))
    results = results_of_record(out_dir, loaded)
    log.get("report").debug("read %d results.json of %d student(s) under %s (%d assignment(s), %d skipped)",
                            len(results), len(students), out_dir, len(assignments), len(notes))
    return ClassResults(course, out_dir, students, assignments, results, notes)


@dataclasses.dataclass
class TestSummary:
    """One hidden test across the class: pass rate among graded submissions."""
    assignment: str
    key: str
    name: str
    max_score: float
    visibility: str
    passed: int = 0
    taken: int = 0
    failures: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    @property
    def rate(self) -> float:
        return self.passed / self.taken if self.taken else 0.0


def summarize_tests(results: list[ResultOfRecord]) -> list[TestSummary]:
    """Per test (in the graders' order): passes and failure messages, graded results only."""
    tests: dict[tuple[str, str], TestSummary] = {}
    for result in results:
        for test in result.tests:
            summary = tests.setdefault((result.assignment, test.test), TestSummary(
                result.assignment, test.test, test.name, test.max_score, test.visibility))
            summary.taken += 1
            if test.passed:
                summary.passed += 1
            else:
                summary.failures[test.message] += 1
    return list(tests.values())
