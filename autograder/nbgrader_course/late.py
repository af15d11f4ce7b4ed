"""nbgrader's late-submission plugin, with the course's late policy.

``nbgrader autograde`` asks AssignLatePenalties for the penalty of a late
notebook; the course's configuration makes it ask CourseLatePenalty, which
applies course.toml's [late] policy through autograder.engine.lateness.assess
(the code `course grade` uses) to the submission time nbgrader recorded. So
a late student gets the same grade either way.
"""
import datetime as dt

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Unicode

from ..config import load_course
from ..engine.lateness import assess


class CourseLatePenalty(LateSubmissionPlugin):
    """Penalty (points) = score x the course's penalty fraction for this submission."""

    course_toml = Unicode("", help="The course.toml whose [late] policy applies "
                                   "(empty: $COURSE_TOML, else the package's).").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        preprocessor = self.parent  # nbgrader's AssignLatePenalties, inside its open gradebook
        course = load_course(self.course_toml or None)
        assignment = course.assignment(preprocessor.assignment_id)
        submission = preprocessor.gradebook.find_submission(assignment.id, student_id)
        submitted_at = submission.timestamp.replace(tzinfo=dt.timezone.utc)  # nbgrader keeps naive UTC
        verdict = assess(course, assignment, student_id, submitted_at)
        self.log.info("%s: %s", student_id, f"{verdict.late_days} day(s) late, penalty {verdict.penalty:.0%}"
                      if verdict.late else "within the course's grace period")
        if not verdict.late or not verdict.penalty:
            return None
        return round(score * verdict.penalty, 6)
