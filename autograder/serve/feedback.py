"""What a student reads after submitting: the view of one result, as Markdown and as HTML.

Before the due date (the student's own, with an extension from
extensions.csv) only the tests marked "visible" are shown, each with its
points and, when it failed, what went wrong; the others are counted, not
described: "hidden tests run after the deadline". From the due date on, every
test is shown with its points, and the score of record (an instructor's
override when one stands); a failed test's output is shown as
engine.model.shows_output allows (never a "hidden" test's). A submission that was not graded, or that the limits turned
away, says so and why. Rendered by autograder/templates/serve/*.j2 (HTML
autoescaped; Markdown with the student's text escaped).
"""
import datetime as dt
from dataclasses import dataclass, field

import jinja2

from ..engine.model import DOES_NOT_IMPORT, MISSING, ResultOfRecord, SubmissionResult, shows_output
from ..engine.text import clean, markdown_block, markdown_inline

GRADED, LIMITED, NOT_GRADED = "graded", "limited", "not graded"


@dataclass(frozen=True)
class ShownTest:
    name: str
    passed: bool
    score: float
    max_score: float
    output: str


@dataclass
class FeedbackView:
    """Everything one feedback page shows. outcome: GRADED, LIMITED or NOT_GRADED."""
    course: str
    assignment: str
    title: str
    student: str
    submitted_at: str
    due: str | None
    outcome: str
    after_due: bool = False
    message: str = ""                  # why not graded, or the limit's message
    status_line: str = ""              # missing / does not import
    reason: str = ""
    tests: list[ShownTest] = field(default_factory=list)
    shown_score: float = 0.0
    shown_max: float = 0.0
    hidden_count: int = 0
    hidden_points: float = 0.0
    total_score: float | None = None   # after the due date only: the score of record
    engine_score: float | None = None  # after the due date, when an override set total_score: the engine's
    max_score: float = 0.0
    notes: list[str] = field(default_factory=list)
    seed: int | None = None
    graded_before: bool = True         # LIMITED: whether an earlier submission has a grade that stands


def _when(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def view_of(course, assignment, student: str, submitted_at: dt.datetime, due: dt.datetime | None,
            outcome: str, result: SubmissionResult | None = None, message: str = "",
            notes: list[str] = (), graded_before: bool = True, override=None) -> FeedbackView:
    """The feedback of one submission; result is None when it was turned away or never graded; override: the
    ledger's standing one for the student's assignment (model.Override), or None."""
    after_due = due is not None and submitted_at > due
    view = FeedbackView(course=course.name, assignment=assignment.id, title=assignment.title, student=student,
                        submitted_at=_when(submitted_at), due=_when(due), outcome=outcome, after_due=after_due,
                        message=clean(message, 1000), max_score=assignment.points, notes=list(notes),
                        graded_before=graded_before)
    if result is None:
        return view
    if not result.graded:
        view.outcome, view.message = NOT_GRADED, view.message or clean(result.reason, 1000)
        return view
    view.seed = result.seed
    view.notes += [clean(note, 1000) for note in result.notes]
    if result.status == MISSING:
        view.status_line, view.reason = "Nothing was graded: your module is missing.", clean(result.reason, 1000)
    elif result.status == DOES_NOT_IMPORT:
        view.status_line, view.reason = "Nothing was graded: your module could not be imported.", \
            clean(result.reason, 2000)
    for test in result.tests:
        if after_due or test.visibility == "visible":
            shown = not test.passed and shows_output(test, after_due)
            view.tests.append(ShownTest(test.name, test.passed, test.score, test.max_score,
                                        clean(test.output, 4000) if shown else ""))
            view.shown_score += test.score
            view.shown_max += test.max_score
        else:
            view.hidden_count += 1
            view.hidden_points += test.max_score
    view.shown_score, view.shown_max = round(view.shown_score, 6), round(view.shown_max, 6)
    if after_due:
        record = ResultOfRecord.of(result, override)
        view.total_score = record.score
        if record.overridden_score is not None:
            view.engine_score = record.engine_score
    return view


# autoescape by the name before ".j2": feedback.html.j2 is HTML (every student's text escaped), feedback.md.j2 not
_ENVIRONMENT = jinja2.Environment(loader=jinja2.PackageLoader("autograder", "templates/serve"),
                                  autoescape=jinja2.select_autoescape(["html", "html.j2"], default=False),
                                  undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
_ENVIRONMENT.filters["md"] = markdown_inline
_ENVIRONMENT.filters["md_block"] = lambda text, indent="    ": "\n".join(markdown_block(text, indent))
_ENVIRONMENT.filters["points"] = lambda x: f"{x:g}"


def render_markdown(view: FeedbackView) -> str:
    return _ENVIRONMENT.get_template("feedback.md.j2").render(v=view)


def render_html(view: FeedbackView) -> str:
    return _ENVIRONMENT.get_template("feedback.html.j2").render(v=view)
