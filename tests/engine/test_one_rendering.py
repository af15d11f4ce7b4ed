"""One rule each for what every output renders: which test output a student reads, the score of record.

No grading: results are built in memory. feedback.md (engine/results), the
nbgrader grade cell's text (nbgrader_course/feedback) and the service's page
(serve/feedback) answer "may the student read this failed test's output?"
with engine.model.shows_output; grades.csv and the service's page take the
score of record from engine.model.ResultOfRecord, a comment-only override
carried as grades.csv always showed it.
"""
import datetime as dt
from types import SimpleNamespace

import pytest

from autograder.engine.model import (GRADED, Lateness, Override, ResultOfRecord, SubmissionResult, TestResult,
                                     shows_output)
from autograder.engine.results import grades_row, feedback_markdown
from autograder.nbgrader_course.feedback import feedback_lines
from autograder.serve import feedback as fb

DUE = dt.datetime(2027, 2, 5, 23, 59, tzinfo=dt.timezone.utc)
BEFORE, AFTER = DUE - dt.timedelta(days=1), DUE + dt.timedelta(days=1)
OUTPUTS = {"visible": "VISIBLE-OUTPUT", "after_due_date": "AFTER-DUE-OUTPUT",
           "after_published": "AFTER-PUBLISHED-OUTPUT", "hidden": "HIDDEN-OUTPUT"}


def failed(visibility: str) -> TestResult:
    return TestResult(test=f"test_{visibility}", name=f"{visibility} test", score=0.0, max_score=5.0, passed=False,
                      output=OUTPUTS[visibility], visibility=visibility)


def result(due=DUE) -> SubmissionResult:
    return SubmissionResult(student="ann", assignment="01_neuron", status=GRADED, max_score=20.0, earned=0.0,
                            tests=tuple(failed(v) for v in OUTPUTS), seed=1,
                            lateness=Lateness(late=False, submitted_at=BEFORE.isoformat(),
                                              due=due.isoformat() if due else None))


@pytest.mark.parametrize("after_due", [False, True])
def test_shows_output_follows_gradescopes_visibilities(after_due):
    shown = {v for v in OUTPUTS if shows_output(failed(v), after_due)}
    assert shown == ({"visible", "after_due_date", "after_published"} if after_due else {"visible"})


def test_past_due_reads_the_students_due_date():
    assert not result().lateness.past_due(BEFORE) and result().lateness.past_due(AFTER)
    assert not result(due=None).lateness.past_due(AFTER), "no due date: only visible output"
    assert not Lateness(due="not a date").past_due(AFTER)


def shown_in(text: str) -> set[str]:
    return {v for v, output in OUTPUTS.items() if output in text}


def test_every_renderer_shows_the_same_output_before_and_after_the_due_date():
    course = SimpleNamespace(name="nnfs")
    assignment = SimpleNamespace(id="01_neuron", title="A neuron", points=20.0)
    for now, expected in ((BEFORE, {"visible"}), (AFTER, {"visible", "after_due_date", "after_published"})):
        assert shown_in(feedback_markdown(result(), now=now)) == expected, now
        assert shown_in("\n".join(feedback_lines(result(), now=now))) == expected, now
        # the service judges by the submission's own time against the student's due date
        view = fb.view_of(course, assignment, "ann", now, DUE, fb.GRADED, result())
        assert shown_in(fb.render_markdown(view)) == shown_in(fb.render_html(view)) == expected, now


def override(score=None, tests=None, comment=""):
    return Override("ann", "01_neuron", score, tests or {}, "checked by hand", comment, 0.0, "2027-02-06T10:00:00Z")


def test_the_service_page_after_the_due_date_shows_the_score_of_record():
    course = SimpleNamespace(name="nnfs")
    assignment = SimpleNamespace(id="01_neuron", title="A neuron", points=20.0)
    plain = fb.view_of(course, assignment, "ann", AFTER, DUE, fb.GRADED, result())
    assert plain.total_score == 0.0 and "all tests" in fb.render_markdown(plain)
    view = fb.view_of(course, assignment, "ann", AFTER, DUE, fb.GRADED, result(), override=override(score=15.0))
    assert view.total_score == 15.0 and view.engine_score == 0.0
    for page in (fb.render_markdown(view), fb.render_html(view)):
        assert "15 / 20" in page and "set by your instructor; the automatic grading gave 0" in page
    comment = fb.view_of(course, assignment, "ann", AFTER, DUE, fb.GRADED, result(),
                         override=override(comment="See me."))
    assert comment.total_score == 0.0 and comment.engine_score is None, "a comment changes no grade"


def test_a_comment_only_override_is_carried_by_the_model_and_shown_by_grades_csv():
    comment = override(comment="Well done.")
    record = ResultOfRecord.of(result(), comment)
    assert record.override is comment and record.grade_override is None
    assert record.score == record.engine_score == 0.0 and record.override_note == ""  # report/exports: no override
    row = grades_row(result(), override=comment)
    assert row["override"] == "comment to the student, no change of grade (checked by hand)" and row["score"] == "0"
    assert grades_row(result(), override=override(score=12.0))["score"] == "12"
    stale = grades_row(result(), "stale", override(score=12.0))
    assert (stale["score"], stale["engine_score"], stale["status"]) == ("", "", "stale"), "never the old number"


def test_the_gradebook_takes_a_stale_result_as_not_graded(tmp_path):
    """nbgrader's gradebook reads the class's records: a result grades.csv marks stale has no score there."""
    from autograder.engine.results import write_grades_csv, write_submission_results
    from autograder.gradebook import _entries
    graded = SubmissionResult(student="ann", assignment="01_neuron", status=GRADED, max_score=20.0, earned=20.0,
                              seed=1)
    write_submission_results(tmp_path, graded)
    write_grades_csv(tmp_path)
    (entry,) = _entries(tmp_path, "01_neuron")
    assert entry.reason is None and entry.record.score == 20.0
    from autograder.grade_history import set_override
    set_override(tmp_path, SimpleNamespace(id="01_neuron"), "ann", "regraded by hand", score=15.0)
    (entry,) = _entries(tmp_path, "01_neuron")
    assert entry.record.score == 15.0 and entry.attention == [
        "override score 15 (regraded by hand), recorded as the manual score (engine 20)"]
    write_grades_csv(tmp_path, stale=frozenset({("ann", "01_neuron")}))
    (entry,) = _entries(tmp_path, "01_neuron")
    assert entry.record.stale and entry.record.score is None and entry.reason.startswith("stale:")
    assert not any("recorded as the manual score" in line for line in entry.attention), "no score goes in"
