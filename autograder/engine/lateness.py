"""Late submissions: nbgrader's timestamp.txt against the due date in course.toml.

A submission is late when its timestamp is after the due date plus the grace
period. Each started day late costs [late] penalty_per_day of the score
(none unless course.toml sets it), never more than the whole score.
"""
import dataclasses
import datetime as dt
import math
from pathlib import Path

from ..config import Assignment, Course


def read_timestamp(folder: Path) -> dt.datetime | None:
    """The submission time nbgrader recorded, e.g. "2027-02-06 10:00:00.123456 UTC"."""
    path = folder / "timestamp.txt"
    if not path.is_file():
        return None
    text = path.read_text(errors="replace").strip()
    text = text.removesuffix(" UTC").removesuffix("Z")
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)


def lateness(course: Course, assignment: Assignment, folder: Path) -> dict:
    """{"late", "late_days", "penalty", "submitted_at", "note"} for a submission folder."""
    stamp = read_timestamp(folder)
    info = {"late": False, "late_days": 0, "penalty": 0.0,
            "submitted_at": stamp.isoformat() if stamp else None, "note": ""}
    if assignment.due is None or stamp is None:
        return info
    overdue = (stamp - assignment.due).total_seconds() - 60 * course.late_grace_minutes
    if overdue <= 0:
        return info
    days = math.ceil(overdue / 86400)
    penalty = min(1.0, days * course.late_penalty_per_day)
    info.update(late=True, late_days=days, penalty=penalty,
                note=f"Submitted {days} day(s) after the due date {assignment.due:%Y-%m-%d %H:%M %Z}"
                     + (f": late penalty {penalty:.0%} of the score." if penalty else " (no late penalty in this course)."))
    return info


@dataclasses.dataclass(frozen=True)
class Lateness:
    """How late a submission is: late is None when its time is unknown."""
    late: bool | None
    late_days: int
    penalty: float  # fraction of the score taken off, 0..1
    due: dt.datetime | None


def assess(course: Course, assignment: Assignment, student: str, submitted_at: dt.datetime | None) -> Lateness:
    """The course's late policy for one submission (student: for per-student due dates to come).

    A thin stand-in (nbgrader branch) for the lead's lateness module: the same
    arithmetic as lateness() above, from a timestamp instead of a folder.
    """
    due = assignment.due
    if submitted_at is None:
        return Lateness(None, 0, 0.0, due)
    if submitted_at.tzinfo is None:
        submitted_at = submitted_at.replace(tzinfo=dt.timezone.utc)
    if due is None:
        return Lateness(False, 0, 0.0, due)
    overdue = (submitted_at - due).total_seconds() - 60 * course.late_grace_minutes
    if overdue <= 0:
        return Lateness(False, 0, 0.0, due)
    days = math.ceil(overdue / 86400)
    return Lateness(True, days, min(1.0, days * course.late_penalty_per_day), due)
