"""nbgrader's gradebook.db: open it, and register the course's assignments."""
import datetime as dt
import os
import sys
from pathlib import Path

from ..config import Course


def open_gradebook(db_path: Path, course_id: str):
    """nbgrader's Gradebook on db_path (created if missing).

    A new gradebook asks the ``alembic`` command for its schema version, so
    the folder of this interpreter (a virtualenv's bin/) must be on PATH even
    when the venv is not activated.
    """
    from nbgrader.api import Gradebook

    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join(p for p in (bin_dir, os.environ.get("PATH")) if p)
    return Gradebook(f"sqlite:///{Path(db_path).resolve()}", course_id=course_id)


def naive_utc(when: dt.datetime | None) -> dt.datetime | None:
    """A time as nbgrader's gradebook stores it: UTC without a time zone."""
    if when is None:
        return None
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None)


def register_assignments(course: Course, db_path: Path):
    """Every assignment of the course in the gradebook, with its due date."""
    with open_gradebook(db_path, course.id) as gb:
        for assignment in course.assignments:
            due = naive_utc(assignment.due)
            if due is None:
                gb.update_or_create_assignment(assignment.id)
            else:
                gb.update_or_create_assignment(assignment.id, duedate=due)
