"""Gradescope's submission_metadata.json: when the student submitted and when it was due for them.

Gradescope writes /autograder/submission_metadata.json in every container
(https://gradescope-autograders.readthedocs.io/en/latest/submission_metadata/):

    {"id": 123456, "created_at": "2027-02-06T10:22:32.365935-08:00",
     "assignment": {"due_date": "2027-02-05T23:59:00.000000-08:00", "late_due_date": null, ...},
     "users": [{"id": 4711, "email": ..., "name": ...,
                "assignment": {"due_date": ..., "late_due_date": ..., "release_date": ...}}], ...}

A user's own "assignment" dates are their extension and win over the
assignment's. The file is Gradescope's, not the student's, but it is still
read within a bound and every field checked: anything unreadable leaves the
time unknown (the engine then falls back to timestamp.txt and course.toml).
"""
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from ..primitives import read_regular

MAX_METADATA_BYTES = 32 * 2**20  # previous_submissions carries each earlier results.json


@dataclass(frozen=True)
class GradescopeTimes:
    """created_at, and the due and late due dates that apply to the (first) user; None where absent."""
    created_at: dt.datetime | None
    due: dt.datetime | None
    late_due: dt.datetime | None
    extension: bool = False  # the dates are the user's own


def _when(value) -> dt.datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)


def read_times(path: Path) -> GradescopeTimes | None:
    """The times in submission_metadata.json, or None when there is no readable file."""
    try:
        data = json.loads(read_regular(path, MAX_METADATA_BYTES))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    assignment = data.get("assignment") if isinstance(data.get("assignment"), dict) else {}
    users = data.get("users") if isinstance(data.get("users"), list) else []
    own = users[0].get("assignment") if users and isinstance(users[0], dict) else None
    own = own if isinstance(own, dict) else {}
    due, late_due = _when(own.get("due_date")), _when(own.get("late_due_date"))
    extension = due is not None and due != _when(assignment.get("due_date"))
    return GradescopeTimes(created_at=_when(data.get("created_at")),
                           due=due or _when(assignment.get("due_date")),
                           late_due=late_due or _when(assignment.get("late_due_date")), extension=extension)


def timestamp_text(stamp: dt.datetime) -> str:
    """stamp as nbgrader's timestamp.txt writes it, in UTC."""
    return stamp.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
