"""Canvas's submission times, from the Submissions API's JSON, for `course collect --canvas-submissions`.

Canvas's "Download Submissions" zip holds no time, only the _LATE marker,
and no Canvas export (gradebook CSV included) has submission times. Its REST
API does: GET /api/v1/courses/<course>/assignments/<assignment>/submissions
?per_page=100 (opened in the browser while logged in, saved as a .json file;
one file per page when there are more than 100 students). Each element is a
submission object: user_id, submitted_at (ISO 8601 UTC, null when nothing was
submitted), late (Canvas's verdict against the student's own due date),
workflow_state, assignment_id. A browser-fetched page starts with Canvas's
"while(1);" guard, which is taken off.
"""
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from .unpack import DownloadError

MAX_JSON_BYTES = 64 * 2**20
GUARD = "while(1);"


@dataclass(frozen=True)
class CanvasTime:
    """One student's submission as Canvas's API records it."""
    submitted_at: dt.datetime  # aware, UTC
    late: bool                 # Canvas's own verdict
    assignment_id: str


def _parse_time(path: Path, index: int, text) -> dt.datetime:
    try:
        stamp = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise DownloadError(f"{path}: submission {index}: submitted_at {str(text)[:40]!r} is not an ISO time") from None
    if stamp.tzinfo is None:
        raise DownloadError(f"{path}: submission {index}: submitted_at {str(text)[:40]!r} has no time zone")
    return stamp.astimezone(dt.timezone.utc)


def read_canvas_times(paths: list[Path]) -> dict[str, CanvasTime]:
    """Canvas user id -> CanvasTime from the API's JSON pages; DownloadError (file, element, field) otherwise.

    Submissions with no submitted_at (nothing handed in) are left out. Pages of
    different assignments are refused: the times would be another assignment's.
    """
    times: dict[str, CanvasTime] = {}
    assignments = set()
    for path in paths:
        try:
            if path.stat().st_size > MAX_JSON_BYTES:
                raise DownloadError(f"{path}: larger than {MAX_JSON_BYTES // 2**20} MB")
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
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
            if item["submitted_at"] is None:
                continue
            assignment = str(item.get("assignment_id", ""))
            assignments.add(assignment)
            times[str(item["user_id"])] = CanvasTime(_parse_time(path, index, item["submitted_at"]),
                                                     item.get("late") is True, assignment)
    if len(assignments) > 1:
        raise DownloadError(f"{', '.join(map(str, paths))}: submissions of {len(assignments)} Canvas assignments "
                            f"({', '.join(sorted(assignments))}); give the pages of one assignment")
    return times
