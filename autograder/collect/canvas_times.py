"""Canvas's submission times, from the Submissions API's JSON, for `course collect --canvas-submissions`.

Canvas's "Download Submissions" zip holds no time, only the _LATE marker,
and no Canvas export (gradebook CSV included) has submission times. Its REST
API does: GET /api/v1/courses/<course>/assignments/<assignment>/submissions
?per_page=100 (opened in the browser while logged in, saved as a .json file;
one file per page when there are more than 100 students). Each element is a
submission object: user_id, submitted_at (ISO 8601 UTC, null when nothing was
submitted), late (Canvas's verdict against the student's own due date),
cached_due_date (that due date, an extension given in Canvas included),
workflow_state, assignment_id. A browser-fetched page starts with Canvas's
"while(1);" guard, which is taken off. The pages must be the assignment's:
a page of another Canvas assignment (its assignment_id is not course.toml's
canvas_id) is refused, since its times would be another assignment's.
"""
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from ..primitives import RefusedFile, TooLarge, read_regular
from .unpack import DownloadError

MAX_JSON_BYTES = 64 * 2**20
GUARD = "while(1);"


@dataclass(frozen=True)
class CanvasTime:
    """One student's submission as Canvas's API records it."""
    submitted_at: dt.datetime  # aware, UTC
    late: bool | None          # Canvas's own verdict; None when the page does not say
    assignment_id: str
    due: dt.datetime | None = None  # cached_due_date: the due date Canvas applies to this student (aware, UTC)


def _parse_time(path: Path, index: int, text, key: str = "submitted_at") -> dt.datetime:
    try:
        stamp = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise DownloadError(f"{path}: submission {index}: {key} {str(text)[:40]!r} is not an ISO time") from None
    if stamp.tzinfo is None:
        raise DownloadError(f"{path}: submission {index}: {key} {str(text)[:40]!r} has no time zone")
    return stamp.astimezone(dt.timezone.utc)


def read_canvas_times(paths: list[Path], canvas_id: int | None = None) -> tuple[dict[str, CanvasTime], str]:
    """(Canvas user id -> CanvasTime, the Canvas assignment id the pages are for, "" when they name none) from
    the API's JSON pages; DownloadError (file, element, field) otherwise.

    Submissions with no submitted_at (nothing handed in) are left out. Pages of
    different assignments are refused, and so are pages of any assignment but
    canvas_id when it is given: the times would be another assignment's.
    """
    times: dict[str, CanvasTime] = {}
    assignments: dict[str, Path] = {}
    for path in paths:
        try:
            text = read_regular(path, MAX_JSON_BYTES).decode("utf-8-sig")
        except TooLarge:
            raise DownloadError(f"{path}: larger than {MAX_JSON_BYTES // 2**20} MB") from None
        except (OSError, RefusedFile, UnicodeDecodeError) as exc:
            raise DownloadError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
        text = text.strip().removeprefix(GUARD)
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise DownloadError(f"{path}: not JSON ({exc})") from None
        if not isinstance(data, list):
            raise DownloadError(f"{path}: not Canvas's submissions JSON (a list of submissions, as "
                                "/api/v1/courses/C/assignments/A/submissions returns)")
        for index, item in enumerate(data, start=1):
            if not isinstance(item, dict) or "user_id" not in item or "submitted_at" not in item:
                raise DownloadError(f"{path}: submission {index}: not a Canvas submission (no user_id or "
                                    "submitted_at)")
            assignment = str(item.get("assignment_id") or "")[:40]
            assignments.setdefault(assignment, path)
            if item["submitted_at"] is None:
                continue
            late = item.get("late")
            due = item.get("cached_due_date")
            times[str(item["user_id"])] = CanvasTime(
                _parse_time(path, index, item["submitted_at"]), late if isinstance(late, bool) else None, assignment,
                _parse_time(path, index, due, "cached_due_date") if due else None)
    if len(assignments) > 1:
        raise DownloadError(f"{', '.join(map(str, paths))}: submissions of {len(assignments)} Canvas assignments "
                            f"({', '.join(repr(a) if a else 'none named' for a in sorted(assignments))}); "
                            "give the pages of one assignment")
    found = next(iter(assignments), "")
    if canvas_id is not None and found != str(canvas_id):
        said = f"submissions of Canvas assignment {found}" if found else "no submission naming its assignment_id"
        raise DownloadError(f"{assignments.get(found, paths[0])}: {said}, but this assignment's canvas_id in "
                            f"course.toml is {canvas_id}: its times would be another assignment's; nothing was "
                            f"collected. Save the pages of .../assignments/{canvas_id}/submissions")
    return times, found
