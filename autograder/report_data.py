"""The class's results as data: what the report, its figures and the exports read.

Every OUT_DIR/<student>/<assignment>/results.json (Gradescope's format,
written by the engine) goes through one function, load_result(), which
turns it into a Result. A result the engine could not grade
(extra_data.status "not graded", or a null score) keeps score None: it is
shown and exported as not graded, never as 0, and it is left out of every
mean and pass rate. A results.json that cannot be read is skipped with a
note naming the file.
"""
import collections
import dataclasses
import json
import math
import re
from pathlib import Path

from .config import Course

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

    score is None when the submission was not graded (reason says why);
    late is True, False or "unknown".
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

    @property
    def graded(self) -> bool:
        return self.score is not None


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def clean_message(text) -> str:
    """A failure message without caret lines (^^^^), shortened to MESSAGE_CHARS."""
    lines = [line for line in str(text or "").splitlines() if not CARET_LINE.match(line)]
    message = "\n".join(lines).strip()
    return message[:MESSAGE_CHARS] + ("..." if len(message) > MESSAGE_CHARS else "")


def _test(index: int, raw) -> TestOutcome:
    if not (isinstance(raw, dict) and isinstance(raw.get("name"), str)
            and _number(raw.get("score")) and _number(raw.get("max_score"))):
        raise ResultsError(f"tests[{index}] lacks a name, score or max_score")
    extra = raw.get("extra_data") if isinstance(raw.get("extra_data"), dict) else {}
    status = raw.get("status")
    passed = status == "passed" if status in ("passed", "failed") else raw["score"] >= raw["max_score"]
    return TestOutcome(key=str(extra.get("test") or raw["name"]), name=raw["name"], score=float(raw["score"]),
                       max_score=float(raw["max_score"]), passed=passed,
                       message="" if passed else clean_message(raw.get("output")),
                       visibility=str(raw.get("visibility", "visible")))


def load_result(path: Path, student: str, assignment: str) -> Result:
    """Read one results.json into a Result; raise ResultsError saying what is wrong.

    The one place that knows the file's layout (swap it for the typed model).
    """
    try:
        if path.stat().st_size > MAX_RESULTS_BYTES:
            raise ResultsError(f"larger than {MAX_RESULTS_BYTES // 2**20} MiB")
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ResultsError(f"cannot be read ({exc})") from None
    if not isinstance(raw, dict):
        raise ResultsError("not a JSON object")
    extra = raw.get("extra_data") if isinstance(raw.get("extra_data"), dict) else {}
    if not _number(raw.get("max_score")):
        raise ResultsError("no numeric 'max_score'")
    not_graded = extra.get("status") == "not graded" or raw.get("score") is None
    if not not_graded and not _number(raw.get("score")):
        raise ResultsError("no numeric 'score'")
    tests = raw.get("tests", [])
    if not isinstance(tests, list):
        raise ResultsError("no 'tests' list")
    late = extra.get("late", False)
    late = "unknown" if late == "unknown" else bool(late)
    late_days = extra.get("late_days", 0)
    reason = str(extra.get("reason") or raw.get("output") or "not graded") if not_graded else ""
    return Result(
        student=student, assignment=assignment,
        score=None if not_graded else float(raw["score"]), max_score=float(raw["max_score"]),
        reason=reason, late=late, late_days=float(late_days) if _number(late_days) else 0.0,
        note=str(raw.get("output") or ""),
        tests=() if not_graded else tuple(_test(i, t) for i, t in enumerate(tests)),
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
