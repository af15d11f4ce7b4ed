"""The class's results as data: what the report, its figures and the exports read.

Every OUT_DIR/<student>/<assignment>/results.json goes through one
function, load_result(), which reads it with the engine's result model
(autograder.engine.model) and gives the report's flat view of it, a Result. A result the engine could not grade
(extra_data.status "not graded", or a null score) keeps score None: it is
shown and exported as not graded, never as 0, and it is left out of every
mean and pass rate. A results.json that cannot be read is skipped with a
note naming the file.
"""
import collections
import dataclasses
import re
from pathlib import Path

from ..config import Course
from ..engine import results as engine_results
from ..engine.attention import SIMILARITY_DIR, attention_list
from ..engine.ledger import read_ledger
from ..engine.model import ResultFormatError, SubmissionResult

RESULTS_NAME = "results.json"
MAX_RESULTS_BYTES = 8 * 1024 * 1024  # far above any real results.json; a bound, not a limit in practice
MESSAGE_CHARS = 300  # of a failure message kept for tables and CSVs
# A traceback's marker line under the failing expression: only spaces, ^ and ~.
CARET_LINE = re.compile(r"^[ \t]*[\^~]+[ \t\^~]*$")


class ResultsError(ValueError):
    """A results.json that is unreadable or not in Gradescope's format."""


@dataclasses.dataclass(frozen=True)
class TestOutcome:
    key: str  # the grader's test function when known, else the name
    name: str
    score: float
    max_score: float
    passed: bool
    message: str  # the failure message without traceback caret lines; "" when passed
    visibility: str


@dataclasses.dataclass(frozen=True)
class Result:
    """One student's result for one assignment.

    score is the score of record (an override's when one stands, engine_score
    the engine's own); None when the submission was not graded (reason says
    why). status: graded, missing, does not import or not graded; late is
    True, False or "unknown"; attention: why the instructor should look.
    """
    student: str
    assignment: str
    score: float | None
    max_score: float
    reason: str
    late: bool | str
    late_days: float
    note: str  # the result's top-level output (lateness, ignored files, ...)
    tests: tuple[TestOutcome, ...]
    has_feedback: bool
    status: str = "graded"
    flags: tuple[str, ...] = ()
    engine_score: float | None = None
    override: str = ""                 # the override that stands, described; "" when none
    attention: tuple[str, ...] = ()
    source: SubmissionResult | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def graded(self) -> bool:
        return self.score is not None


def clean_message(text) -> str:
    """A failure message without caret lines (^^^^), shortened to MESSAGE_CHARS."""
    lines = [line for line in str(text or "").splitlines() if not CARET_LINE.match(line)]
    message = "\n".join(lines).strip()
    return message[:MESSAGE_CHARS] + ("..." if len(message) > MESSAGE_CHARS else "")


def load_result(path: Path, student: str, assignment: str) -> Result:
    """Read one results.json, through the engine's one result model, into the report's view of it.

    Raises ResultsError saying what is wrong.
    """
    try:
        if path.stat().st_size > MAX_RESULTS_BYTES:
            raise ResultsError(f"larger than {MAX_RESULTS_BYTES // 2**20} MiB")
        result = engine_results.load_result(path)
    except (OSError, ResultFormatError) as exc:
        raise ResultsError(str(exc)) from None
    late = result.lateness.late
    return Result(
        student=student, assignment=assignment, score=result.score, max_score=result.max_score,
        reason=result.reason if result.graded else (result.reason or "not graded"),
        status=result.status, flags=result.flags, engine_score=result.score, source=result,
        late="unknown" if late is None else late, late_days=float(result.lateness.late_days),
        note=" ".join(result.notes),
        tests=tuple(TestOutcome(key=t.test, name=t.name, score=t.score, max_score=t.max_score, passed=t.passed,
                                message="" if t.passed else clean_message(t.output), visibility=t.visibility)
                    for t in result.tests) if result.graded else (),
        has_feedback=(path.parent / "feedback.md").is_file())


@dataclasses.dataclass
class ClassResults:
    """Everything graded under one OUT_DIR.

    students: every student folder, sorted; assignments: ids in course.toml's
    order (ids not in course.toml last); results: (student, assignment) ->
    Result; notes: one line per results.json skipped.
    """
    course: Course
    out_dir: Path
    students: list[str]
    assignments: list[str]
    results: dict[tuple[str, str], Result]
    notes: list[str]

    def result(self, student: str, assignment: str) -> Result | None:
        return self.results.get((student, assignment))

    def of_student(self, student: str) -> list[Result]:
        return [r for a in self.assignments if (r := self.results.get((student, a))) is not None]

    def of_assignment(self, assignment: str) -> list[Result]:
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
    students, results, notes, found = [], {}, [], set()
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
                results[(student, folder.name)] = load_result(path, student, folder.name)
                found.add(folder.name)
            except ResultsError as exc:
                notes.append(f"{where}: results.json is not usable ({exc}): skipped")
        if has_any or any(folder.name in known for folder in _folders(student_dir)):
            students.append(student)
    order = {a: i for i, a in enumerate(known)}
    assignments = sorted(found, key=lambda a: (order.get(a, len(order)), a))
    _with_ledger(out_dir, results)
    return ClassResults(course, out_dir, students, assignments, results, notes)


def _with_ledger(out_dir: Path, results: dict):
    """Apply the ledger's standing overrides to results and add each one's attention reasons (in place)."""
    ledger = read_ledger(out_dir)
    overrides = {}
    if ledger is not None:
        with ledger:
            overrides = ledger.overrides()
    sources = [r.source for r in results.values() if r.source is not None]
    attention = {(a.student, a.assignment): a.reasons for a in attention_list(sources, overrides, out_dir)}
    for key, result in results.items():
        override = overrides.get(key)
        score = override.apply(result.source) if override is not None and result.source is not None else None
        results[key] = dataclasses.replace(
            result, attention=attention.get(key, ()),
            override=override.describe() if override is not None else "",
            score=score if score is not None else result.score)


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


def summarize_tests(results: list[Result]) -> list[TestSummary]:
    """Per test (in the graders' order): passes and failure messages, graded results only."""
    tests: dict[tuple[str, str], TestSummary] = {}
    for result in results:
        for test in result.tests:
            summary = tests.setdefault((result.assignment, test.key), TestSummary(
                result.assignment, test.key, test.name, test.max_score, test.visibility))
            summary.taken += 1
            if test.passed:
                summary.passed += 1
            else:
                summary.failures[test.message] += 1
    return list(tests.values())
