"""The one result of grading one submission, and how it reads back.

Every output (results.json in Gradescope's format, feedback.md, the row of
grades.csv, the gradebook record, the report, the exports) is rendered from a
SubmissionResult; nothing else writes or parses grading results. Only strings
that went through text.clean() are stored, so every renderer can write them.
The report and the exports render a ResultOfRecord: a SubmissionResult under
the instructor's standing Override, stale or not, with its attention reasons.

status says what happened:
- GRADED: the hidden tests ran against the student's module; score is their points.
- MISSING: no module by that name was handed in (or reading it failed);
  reason lists what the folder held and suggests the likely file.
- DOES_NOT_IMPORT: the module was there but importing it failed (the error
  and its line in reason); every test failed on it.
- NOT_GRADED: the engine could not grade it (a crash of the grader, a
  submission it must refuse: a module that is a link, not a regular file or
  too large, see refused_module; a worker that died twice), with the reason.
MISSING and DOES_NOT_IMPORT score 0 (the LMS needs a number), loudly: they are
counted in every summary and listed for attention. NOT_GRADED has no score, never a 0.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

from ..primitives import HardLinked, IsLink, NotRegular, RefusedFile
from .text import clean

GRADED, NOT_GRADED = "graded", "not graded"
MISSING, DOES_NOT_IMPORT = "missing", "does not import"
STATUSES = (GRADED, MISSING, DOES_NOT_IMPORT, NOT_GRADED)
SCORED = (GRADED, MISSING, DOES_NOT_IMPORT)  # the statuses that carry a score (0 for the last two)
STALE = "stale"  # a status of record only (grades.csv): the result no longer matches the files, graders or settings
STALE_REASON = ("stale: the submission, the graders or the settings (an extension) changed since it was graded; "
                "regrade it (`course grade`)")
MESSAGE_CHARS = 300  # of a failure message kept for tables and CSVs
# A traceback's marker line under the failing expression: only spaces, ^ and ~.
CARET_LINE = re.compile(r"^[ \t]*[\^~]+[ \t\^~]*$")


def refused_module(module: str, refused: RefusedFile) -> tuple[str, str]:
    """(status, reason) of a module the engine will not read (primitives.RefusedFile: a symbolic or hard link,
    not a regular file, larger than the bound): NOT_GRADED with why and what to do, never a 0. The one rule of
    `course grade` (engine/submission.py) and `course serve` (serve/intake.py); Gradescope's upload (which has
    no status but a number) ignores the file with the same reason and tells the student what to upload."""
    if isinstance(refused, (IsLink, HardLinked, NotRegular)):
        return NOT_GRADED, f"{module} is {refused.reason}; submit the file itself"
    return NOT_GRADED, f"{module} is {refused.reason}; submit the module itself, without data or output pasted into it"


class ResultFormatError(ValueError):
    """A results.json that is not one the engine wrote."""


@dataclass(frozen=True)
class TestResult:
    """One hidden test: test is the grader's function name, name its one-line description."""
    __test__ = False  # a result, not a pytest test class
    test: str
    name: str
    score: float
    max_score: float
    passed: bool
    output: str = ""
    visibility: str = "visible"

    @property
    def message(self) -> str:
        """The failure message for tables and CSVs: output without traceback caret lines (^^^^), at most
        MESSAGE_CHARS characters (then "..."); "" when the test passed."""
        if self.passed:
            return ""
        lines = [line for line in self.output.splitlines() if not CARET_LINE.match(line)]
        message = "\n".join(lines).strip()
        return message[:MESSAGE_CHARS] + ("..." if len(message) > MESSAGE_CHARS else "")


def shows_output(test: TestResult, after_due: bool) -> bool:
    """Whether a student may read test's output (the one rule of every feedback: feedback.md, nbgrader's grade
    cell, the service's page), by Gradescope's visibilities: "visible" always; "after_due_date" and
    "after_published" once the due date has passed (after_due); "hidden" (or any other word) never."""
    if test.visibility == "visible":
        return True
    return after_due and test.visibility in ("after_due_date", "after_published")


@dataclass(frozen=True)
class Lateness:
    """late: True, False, or None when it cannot be told (an unreadable or missing timestamp)."""
    late: bool | None = False
    late_days: int = 0
    penalty: float = 0.0
    submitted_at: str | None = None
    due: str | None = None
    note: str = ""

    @property
    def label(self) -> str:
        return "unknown" if self.late is None else ("late" if self.late else "on time")

    def past_due(self, now: dt.datetime | None = None) -> bool:
        """Whether the due date (the student's own, ISO 8601) has passed at now (aware; default: the current
        time). False when there is no due date or it cannot be read: then only "visible" output is shown."""
        try:
            due = dt.datetime.fromisoformat(self.due) if self.due else None
        except (TypeError, ValueError):
            return False
        if due is None or due.tzinfo is None:
            return False
        return (now or dt.datetime.now(dt.timezone.utc)) >= due


@dataclass(frozen=True)
class Fingerprint:
    """SHA-256 digests of what a grade depends on: the graded files, the graders, the settings.

    course_settings: the settings digest with the assignment's own due date and limits (no student's extension
    or accommodation): tells a course-wide change (the late policy) from an extension; not compared ("" in
    results graded before it was kept)."""
    files: str
    graders: str
    settings: str
    course_settings: str = field(default="", compare=False)


@dataclass(frozen=True)
class SubmissionResult:
    student: str
    assignment: str
    status: str
    max_score: float
    earned: float | None = None          # points from the tests, before any late penalty
    tests: tuple[TestResult, ...] = ()
    lateness: Lateness = field(default_factory=Lateness)
    reason: str = ""                     # why it is not graded, missing or does not import
    notes: tuple[str, ...] = ()          # for the student: ignored files, why nothing ran, lateness
    flags: tuple[str, ...] = ()          # for the instructor only: solution markers, a copy of the reference
    seed: int | None = None
    isolation: str = ""
    printed_output: str = ""
    execution_time: float = 0.0
    fingerprint: Fingerprint | None = None

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")
        if (self.status in SCORED) != (self.earned is not None):
            raise ValueError("a graded, missing or non-importing result has points, one not graded has none")

    @property
    def graded(self) -> bool:
        """Whether the result has a score of record (status graded, missing or does not import)."""
        return self.status in SCORED

    @property
    def score(self) -> float | None:
        """The grade of record: the tests' points less the late penalty; None when not graded."""
        if self.earned is None:
            return None
        return round(self.earned * (1.0 - self.lateness.penalty), 6)

    # -- Gradescope's results format (results.json) ----------------------------
    def to_gradescope(self, override=None) -> dict:
        """Gradescope's results format. override (Override): its score is "score", the engine's own
        stays in extra_data (score_before_penalty, engine_score) and the output says so."""
        data = self._gradescope()
        if override is not None and not override.sets_grade:  # a comment only: the engine's score stands
            recorded = override.recorded(None)
            data["extra_data"].update(engine_output=data["output"], override=recorded)
            data["output"] = " ".join(x for x in (data["output"], recorded["comment"]) if x)
            return data
        score = override.apply(self) if override is not None else None
        if score is not None:
            extra = data["extra_data"]
            recorded = override.recorded(score)
            extra.update(engine_score=self.score, engine_output=data["output"], override=recorded)
            engine = "no score" if self.score is None else f"{self.score:g}"
            data["score"] = score
            data["output"] = " ".join(x for x in (data["output"], f"Score set by your instructor: {score:g} "
                                                  f"(the automatic grading gave {engine}).", recorded["comment"]) if x)
        return data

    def _gradescope(self) -> dict:
        fingerprint = dataclasses.asdict(self.fingerprint) if self.fingerprint else None
        return {
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": self.execution_time,
            "output": " ".join(self.notes),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": [{"name": t.name, "score": t.score, "max_score": t.max_score,
                       "status": "passed" if t.passed else "failed", "output": t.output,
                       "visibility": t.visibility, "extra_data": {"test": t.test}} for t in self.tests],
            "extra_data": {
                "student": self.student, "assignment": self.assignment,
                "status": self.status, "reason": self.reason, "flags": list(self.flags),
                "seed": self.seed, "isolation": self.isolation,
                "printed_output": self.printed_output,
                "score_before_penalty": self.earned,
                "late": "unknown" if self.lateness.late is None else self.lateness.late,
                "late_days": self.lateness.late_days, "late_penalty": self.lateness.penalty,
                "late_note": self.lateness.note,
                "submitted_at": self.lateness.submitted_at, "due": self.lateness.due,
                "fingerprint": fingerprint,
            },
        }

    @classmethod
    def from_gradescope(cls, data) -> SubmissionResult:
        """Read back what to_gradescope wrote; ResultFormatError for anything else."""
        try:
            extra = data["extra_data"]
            late = extra.get("late", False)
            fingerprint = extra.get("fingerprint")
            status = extra.get("status", GRADED)
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r}")
            return cls(
                student=clean(extra["student"]), assignment=clean(extra["assignment"]),
                status=status, max_score=float(data["max_score"]),
                earned=(None if status == NOT_GRADED
                        else float(extra.get("score_before_penalty", data["score"]))),
                tests=tuple(TestResult(test=clean(t["extra_data"]["test"]), name=clean(t["name"]),
                                       score=float(t["score"]), max_score=float(t["max_score"]),
                                       passed=t["status"] == "passed", output=clean(t.get("output", "")),
                                       visibility=t.get("visibility", "visible")) for t in data["tests"]),
                lateness=Lateness(late=None if late == "unknown" else bool(late),
                                  late_days=int(extra.get("late_days", 0)),
                                  penalty=float(extra.get("late_penalty", 0.0)),
                                  submitted_at=extra.get("submitted_at"), due=extra.get("due"),
                                  note=clean(extra.get("late_note", ""))),
                reason=clean(extra.get("reason", "")),
                notes=(clean(output),) if (output := extra["engine_output"] if "override" in extra
                                            else data.get("output")) else (),
                flags=tuple(clean(f) for f in extra.get("flags", ())),
                seed=extra.get("seed"), isolation=clean(extra.get("isolation", "")),
                printed_output=clean(extra.get("printed_output", "")),
                execution_time=float(data.get("execution_time", 0.0)),
                fingerprint=Fingerprint(**fingerprint) if fingerprint else None,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResultFormatError(f"not a result written by the engine ({type(exc).__name__}: {exc})") from None


@dataclass(frozen=True)
class Override:
    """An instructor's standing decision on one grade: a total score, or the points of some tests."""
    student: str
    assignment: str
    score: float | None          # the score of record, when given as a whole
    tests: dict                  # test -> points, when given per test
    reason: str
    comment: str
    engine_score: float | None   # the engine's score when the override was made
    at: str
    comments: tuple = ()         # ((at, text), ...): every comment since the override was last cleared, oldest first

    @property
    def dated_comments(self) -> tuple:
        """((at, text), ...) of every comment to the student, oldest first."""
        return self.comments or (((self.at, self.comment),) if self.comment else ())

    def recorded(self, score: float | None) -> dict:
        """What results.json keeps of it (extra_data.override): enough to migrate it into a new ledger."""
        texts = [text for _, text in self.dated_comments]
        return {"score": score, "tests": dict(self.tests), "reason": self.reason, "comment": " ".join(texts),
                "comments": [{"at": at, "text": text} for at, text in self.dated_comments],
                "engine_score": self.engine_score, "at": self.at}

    def apply(self, result: SubmissionResult) -> float | None:
        """The score of record with this override over result (None: per-test points on an ungraded result)."""
        if self.score is not None:
            return self.score
        if not result.graded:
            return None
        earned = result.earned + sum(points - t.score for t in result.tests
                                     if (points := self.tests.get(t.test)) is not None)
        return round(earned * (1.0 - result.lateness.penalty), 6)

    @property
    def sets_grade(self) -> bool:
        """False for a comment only (`course override --comment` with no --score or --test)."""
        return self.score is not None or bool(self.tests)

    def describe(self) -> str:
        if not self.sets_grade:
            return f"comment to the student, no change of grade ({self.reason})"
        what = (f"score {self.score:g}" if self.score is not None
                else ", ".join(f"{t} {p:g} points" for t, p in sorted(self.tests.items())))
        return f"override {what} ({self.reason})"

    def stands(self, tests: dict, score: float | None) -> str:
        """"override 19 stands" beside a grade row of the history (tests: test -> points, score: the engine's);
        "" for a comment only."""
        if not self.sets_grade:
            return ""
        if self.score is not None:
            return f"override {self.score:g} stands"
        earned = sum(tests.values())
        if score is None or not earned:  # the late penalty cannot be told from the row: no number
            return f"override of {', '.join(sorted(self.tests))} stands"
        changed = earned + sum(p - tests[t] for t, p in self.tests.items() if t in tests)
        return f"override {round(changed * score / earned, 6):g} stands"


@dataclass(frozen=True)
class ResultOfRecord:
    """One result as the class's records hold it: what every output renders (grades.csv, feedback.md, the
    report, the exports, nbgrader's gradebook, the service's feedback page).

    result is the engine's, as its results.json holds it; student and assignment name the folder it was read from
    (OUT/<student>/<assignment>), which names it in every rendering. override is the ledger's standing override,
    a comment only included (grade_override is the one that sets a grade; a comment changes no grade). stale:
    grades.csv says the files, graders or settings changed since it was graded; it then has no score, no tests and
    no lateness, never the old ones. attention: why the instructor should look (engine/attention.py).
    """
    result: SubmissionResult
    student: str
    assignment: str
    override: Override | None = None
    stale: bool = False
    attention: tuple[str, ...] = ()
    stale_why: str = ""  # why it is stale, when said more precisely than STALE_REASON

    @classmethod
    def of(cls, result: SubmissionResult, override: Override | None = None, stale: bool | str = False,
           attention=()) -> ResultOfRecord:
        """A result named by its own student and assignment; stale: a str says why."""
        return cls(result, result.student, result.assignment, override, bool(stale), tuple(attention),
                   stale if isinstance(stale, str) else "")

    @property
    def grade_override(self) -> Override | None:
        """The standing override when it sets a grade; None for none or a comment only."""
        return self.override if self.override is not None and self.override.sets_grade else None

    @property
    def status(self) -> str:
        """The result's status, or STALE."""
        return STALE if self.stale else self.result.status

    @property
    def score(self) -> float | None:
        """The score of record: the override's when one stands, else the engine's; None when stale or not graded."""
        if self.stale:
            return None
        score = self.overridden_score
        return self.result.score if score is None else score

    @property
    def overridden_score(self) -> float | None:
        """The score the override that sets a grade gives (None: no such override, or per-test points on a result
        that was not graded); stale or not."""
        override = self.grade_override
        return override.apply(self.result) if override is not None else None

    @property
    def graded(self) -> bool:
        """Whether there is a score of record."""
        return self.score is not None

    @property
    def engine_score(self) -> float | None:
        """The engine's own score (None when it could not grade), whatever override stands."""
        return self.result.score

    @property
    def max_score(self) -> float:
        return self.result.max_score

    @property
    def reason(self) -> str:
        """Why it is stale, not graded, missing or does not import ("" for a graded one)."""
        if self.stale:
            return self.stale_why or STALE_REASON
        return self.result.reason if self.result.graded else (self.result.reason or "not graded")

    @property
    def lateness(self) -> Lateness:
        """The result's lateness; on time when stale (its timestamp is out of date too), and when it is unknown for
        a result the engine did not grade (missing, does not import, not graded: no late penalty to doubt)."""
        if self.stale or (self.result.status != GRADED and self.result.lateness.late is None):
            return Lateness()
        return self.result.lateness

    @property
    def tests(self) -> tuple[TestResult, ...]:
        """The hidden tests that ran; none when stale or not graded."""
        return self.result.tests if self.result.graded and not self.stale else ()

    @property
    def note(self) -> str:
        """The result's notes for the student (lateness, ignored files, ...) on one line."""
        return " ".join(self.result.notes)

    @property
    def override_note(self) -> str:
        """The standing override that sets a grade, described ("override score 15 (reason)"); "" when none."""
        return self.grade_override.describe() if self.grade_override is not None else ""

    @property
    def override_column(self) -> str:
        """grades.csv's override column: the standing override described, a comment only included."""
        return self.override.describe() if self.override is not None else ""

