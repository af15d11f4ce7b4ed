"""What the course's grade cell shows, from the engine's result (autograder.engine.model).

Shared by the two ways a grade reaches nbgrader: the grade cell run by
``nbgrader autograde`` (autograder.nbgrader_course.kernel) and ``course grade
--gradebook`` (autograder.gradebook). A failed test's output only as engine.model.shows_output allows:
never a hidden test's, an "after_due_date" one's only once the due date has passed.
"""
from ..engine.model import SubmissionResult, shows_output


def feedback_lines(result: SubmissionResult, now=None) -> list[str]:
    """The score, the notes, then each test: PASS/FAIL, points, and what went wrong (shows_output at now,
    default the current time)."""
    after_due = result.lateness.past_due(now)
    lines = [f"Score from the course's grading engine: {result.score:g} / {result.max_score:g}"]
    lines += list(result.notes)
    for test in result.tests:
        mark = "PASS" if test.passed else "FAIL"
        lines.append(f"  {mark} {test.name} ({test.score:g}/{test.max_score:g})")
        if not test.passed and test.output and shows_output(test, after_due):
            lines.extend("        " + line for line in test.output.splitlines())
    return lines


def not_graded_lines(reason: str) -> list[str]:
    """What a student whose submission could not be graded reads instead of a score."""
    return [f"Not graded: {reason}",
            "Your submission could not be graded automatically; your instructor will look at it."]
