"""Late submissions: nbgrader's timestamp.txt against the student's due date.

nbgrader writes timestamp.txt with its Exchange.timestamp_format, by default
"%Y-%m-%d %H:%M:%S.%f %Z", in Exchange.timezone: "2027-02-06 10:00:00.123456 UTC",
"... EST", "... CET", "... +0100". It is read as nbgrader reads it (python-
dateutil; the zone named by its last word) but offsets are taken as offsets.
A timestamp that cannot be read, or none at all where a due date applies,
makes lateness unknown: flagged, never "on time".

late_mark.txt is an LMS's own verdict where it records no time (Canvas's
download marks a late submission's file names _LATE and nothing else); only
`course collect` writes it, as "canvas: late" or "canvas: on time", then,
where Canvas's submissions JSON gave the time, "due: <Canvas's due date for
the student>" and, when the download's marker said otherwise than the JSON,
"download: late" / "download: on time". Without a
timestamp, "late" is late by at least one started day (that day's penalty,
listed for attention when the course has a penalty: the days are not known),
"on time" is on time; either applies only where the student's due date is the
course's (an extension the LMS may not know makes it unknown). With a
timestamp the time decides, unless the LMS's verdict contradicts what the
course's policy decides from it: a "late" mark with a time on time, an "on
time" mark with a time that is late here (an extension given in Canvas), or
a download whose marker differs from the JSON's verdict (the files and the
time may not belong together) make lateness unknown (flagged, with both
facts), so neither a late mark is dropped nor a penalty taken silently.

A submission is late when it came after the due date plus the grace period.
Each started day late costs [late] penalty_per_day of the score (none unless
course.toml sets it), never more than the whole score. The due date comes
from due_date(): the platform's own for this student when one was given
(set_platform_due: Gradescope's metadata), else the student's extension
(extensions.csv) or course.toml's.
"""
import dataclasses
import datetime as dt
import math
import re
import warnings

from .. import extensions
from ..config import Assignment, Course
from .model import Lateness

TIMESTAMP_FILE = "timestamp.txt"
MAX_TIMESTAMP_BYTES = 200
LATE_MARK_FILE = "late_mark.txt"
MAX_LATE_MARK_BYTES = 200
_MARK = re.compile(r"^(?P<platform>[a-z]+): (?P<verdict>late|on time)$")
_MARK_DETAIL = re.compile(r"^(?:due: (?P<due>\S.*)|download: (?P<download>late|on time))$")
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z_]*(/[A-Za-z][A-Za-z_+-]*){0,2}$")


class UnreadableTimestamp(ValueError):
    pass


def load_parser():
    """dateutil, imported on first use: a tenth of a grading run's start-up, and many runs
    (Gradescope's) have no timestamp to read. A batch loads it once before forking."""
    import dateutil.parser
    import dateutil.tz
    return dateutil


def _zone(word: str):
    """The tzinfo a timestamp's last word names (UTC, EST, CET, Europe/Berlin, +0100), or None."""
    dateutil = load_parser()
    offset = _OFFSET.match(word)
    if offset:
        sign, hours, minutes = offset.groups()
        return dateutil.tz.tzoffset(None, (int(hours) * 3600 + int(minutes) * 60) * (-1 if sign == "-" else 1))
    if word.upper() in ("UTC", "GMT", "Z"):
        return dateutil.tz.UTC
    return dateutil.tz.gettz(word) if _ZONE_NAME.match(word) else None


def _parse_or_unreadable(dateutil, text: str):
    """dateutil's reading of text; UnreadableTimestamp saying no time could be read from it otherwise."""
    try:
        return dateutil.parser.parse(text)
    except (ValueError, OverflowError):
        raise UnreadableTimestamp("it holds no date and time that can be read") from None


def parse_timestamp(text: str) -> dt.datetime:
    """An aware datetime for any timestamp nbgrader writes; UnreadableTimestamp otherwise."""
    dateutil = load_parser()
    words = text.split()
    try:
        if len(words) >= 2 and words[-1].upper() not in ("AM", "PM") and (
                _OFFSET.match(words[-1]) or _ZONE_NAME.match(words[-1])):
            zone = _zone(words[-1])
            stamp = _parse_or_unreadable(dateutil, " ".join(words[:-1]))
            if zone is None:  # a date and time, then a word that names no zone
                raise UnreadableTimestamp(f"unknown time zone {words[-1][:40]!r}")
            if stamp.tzinfo is not None:
                raise UnreadableTimestamp("two time zones")
            stamp = stamp.replace(tzinfo=zone)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("error", dateutil.parser.UnknownTimezoneWarning)
                stamp = dateutil.parser.parse(text)
    except (ValueError, OverflowError, dateutil.parser.UnknownTimezoneWarning) as exc:
        raise UnreadableTimestamp(str(exc)[:200]) from None
    if stamp.tzinfo is None:  # nbgrader: a timestamp without a zone is UTC
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp


_platform_due: dict[tuple[str, str], dt.datetime] = {}


def set_platform_due(assignment_id: str, student: str, due: dt.datetime):
    """The due date the grading platform itself holds for this student (Gradescope's, with their extension)."""
    _platform_due[assignment_id, student] = due


def due_date(course: Course, assignment: Assignment, student: str) -> dt.datetime | None:
    """The due date that applies to this student: the platform's, else their extension (extensions.csv),
    else course.toml's."""
    return _platform_due.get((assignment.id, student)) or extensions.due_date(course, assignment, student)


def days_late(course: Course, submitted_at: dt.datetime, due: dt.datetime) -> int:
    """Started days after due plus the course's grace period (0: on time)."""
    overdue = (submitted_at - due).total_seconds() - 60 * course.late_grace_minutes
    return math.ceil(overdue / 86400) if overdue > 0 else 0


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" + ("" if count == 1 else "s")


def how_late(submitted_at: dt.datetime, due: dt.datetime, days: int) -> str:
    """How long after due submitted_at came, for a note: under a day in hours, minutes (seconds under a
    minute), with the started days the late policy counts; from a day on, those days."""
    seconds = int((submitted_at - due).total_seconds())
    if seconds >= 86400:
        return _plural(days, "day")
    if seconds < 60:
        real = _plural(max(seconds, 1), "second")
    else:
        hours, minutes = divmod(seconds // 60, 60)
        real = " ".join(_plural(n, unit) for n, unit in ((hours, "hour"), (minutes, "minute")) if n)
    return f"{real} (counted as {_plural(days, 'started day')} by the late policy)"


def assess(course: Course, assignment: Assignment, student: str, submitted_at: dt.datetime | None,
           unreadable: str = "") -> Lateness:
    """Lateness of a submission made at submitted_at (None: not known, for the reason in unreadable)."""
    due = due_date(course, assignment, student)
    stamp = submitted_at.isoformat() if submitted_at else None
    due_text = due.isoformat() if due else None
    if due is None:
        return Lateness(late=False, submitted_at=stamp)
    if submitted_at is None:
        why = unreadable or f"there is no {TIMESTAMP_FILE}"
        return Lateness(late=None, submitted_at=None, due=due_text,
                        note=f"Lateness unknown: {why}, so the submission time cannot be compared with the "
                             f"due date {due:%Y-%m-%d %H:%M %Z}.")
    days = days_late(course, submitted_at, due)
    if not days:
        return Lateness(late=False, submitted_at=stamp, due=due_text)
    penalty = min(1.0, days * course.late_penalty_per_day)
    note = (f"Submitted {how_late(submitted_at, due, days)} after the due date {due:%Y-%m-%d %H:%M %Z}"
            + (f": late penalty {penalty:.0%} of the score." if penalty else " (no late penalty in this course)."))
    return Lateness(late=True, late_days=days, penalty=penalty, submitted_at=stamp, due=due_text, note=note)


@dataclasses.dataclass(frozen=True)
class LateMark:
    """An LMS's verdict as late_mark.txt records it."""
    platform: str                     # "Canvas"
    late: bool
    due: dt.datetime | None = None    # the due date the LMS applied to this student, when it said
    download_late: bool | None = None  # the download's own marker, when it differed from the verdict


def read_mark(data: bytes) -> LateMark:
    """late_mark.txt's verdict ("canvas: late", then optional "due: ..." and "download: ..." lines);
    UnreadableTimestamp otherwise."""
    first, *rest = data[:MAX_LATE_MARK_BYTES].decode("utf-8", errors="replace").strip().split("\n")
    match = _MARK.match(first.strip())
    if not match:
        raise UnreadableTimestamp(f"{LATE_MARK_FILE} says {first[:40]!r}, not 'canvas: late' or 'canvas: on time'")
    due = download = None
    for line in rest:
        detail = _MARK_DETAIL.match(line.strip())
        if not detail:
            raise UnreadableTimestamp(f"{LATE_MARK_FILE}: {line.strip()[:40]!r} is not 'due: TIME' or 'download: "
                                      "late'")
        if detail["due"]:
            due = parse_timestamp(detail["due"])
        else:
            download = detail["download"] == "late"
    return LateMark(match["platform"].title(), match["verdict"] == "late", due, download)


def assess_mark(course: Course, assignment: Assignment, student: str, platform: str, late: bool) -> Lateness:
    """Lateness from an LMS's late mark alone (no time): see the module's docstring."""
    due = due_date(course, assignment, student)
    if due is None:
        return Lateness(late=False)
    due_text = due.isoformat()
    said = "late" if late else "on time"
    if assignment.due is None or (due > assignment.due if late else due < assignment.due):
        return Lateness(late=None, due=due_text, note=(
            f"Lateness unknown: {platform} marks the submission {said} against its own due date and records no "
            f"time; this student's due date is {due:%Y-%m-%d %H:%M %Z} (extensions.csv), which {platform}'s mark "
            f"cannot tell. Collect with {platform}'s submission times to compare."))
    if not late:
        return Lateness(late=False, due=due_text, note=f"{platform} did not mark the submission late (its download "
                                                       "records no submission time).")
    penalty = min(1.0, course.late_penalty_per_day)
    grace = (f"; the course's grace period of {course.late_grace_minutes:g} minutes cannot be applied without "
             "the time" if course.late_grace_minutes else "")
    note = (f"{platform} marks the submission late and records no time: counted as 1 day after the due date "
            f"{due:%Y-%m-%d %H:%M %Z}, the least a late submission can be{grace}"
            + (f": late penalty {penalty:.0%} of the score." if penalty else " (no late penalty in this course)."))
    return Lateness(late=True, late_days=1, penalty=penalty, due=due_text, note=note)


def lateness(course: Course, assignment: Assignment, student: str, timestamp: bytes | None,
             timestamp_problem: str = "", late_mark: bytes | None = None) -> Lateness:
    """Lateness of a submission whose timestamp.txt held these bytes (None: there was none), and whose
    late_mark.txt (written by `course collect` for an LMS that records no time) held late_mark."""
    if timestamp_problem:
        return assess(course, assignment, student, None, timestamp_problem)
    mark = None
    if late_mark is not None:
        try:
            mark = read_mark(late_mark)
        except UnreadableTimestamp as exc:
            return assess(course, assignment, student, None, str(exc))
    if timestamp is None:
        return assess_mark(course, assignment, student, mark.platform, mark.late) if mark \
            else assess(course, assignment, student, None)
    try:
        stamp = parse_timestamp(timestamp[:MAX_TIMESTAMP_BYTES].decode("utf-8", errors="replace"))
    except UnreadableTimestamp as exc:
        return assess(course, assignment, student, None, f"{TIMESTAMP_FILE} cannot be read ({exc})")
    found = assess(course, assignment, student, stamp)
    return _against_mark(course, assignment, student, stamp, found, mark) if mark else found


def _said(late: bool) -> str:
    return "late" if late else "on time"


def _against_mark(course: Course, assignment: Assignment, student: str, stamp: dt.datetime, found: Lateness,
                  mark: LateMark) -> Lateness:
    """found (the time against the course's policy), unless the LMS's verdict contradicts it: then unknown."""
    platform = mark.platform
    if found.due is None:
        return found
    due = due_date(course, assignment, student)
    theirs = f" against its due date {mark.due:%Y-%m-%d %H:%M %Z} for this student" if mark.due else ""

    def unknown(why: str) -> Lateness:
        return Lateness(late=None, submitted_at=found.submitted_at, due=found.due, note=f"Lateness unknown: {why}")

    if mark.download_late is not None and mark.download_late != mark.late:
        return unknown(f"{platform}'s download marks the submission {_said(mark.download_late)} but its "
                       f"submissions JSON says {_said(mark.late)}{theirs} (a resubmission, or a late status changed "
                       f"in {platform}, between saving the two?), so the files and the time "
                       f"{stamp:%Y-%m-%d %H:%M %Z} may not belong together: download both again and collect.")
    if mark.late and found.late is False:
        if stamp <= due:  # not the grace period: the two records disagree
            return unknown(f"{platform} marks the submission late{theirs}, but its time {stamp:%Y-%m-%d %H:%M %Z} "
                           f"is before the due date {due:%Y-%m-%d %H:%M %Z} that applies here: check the due dates "
                           f"({platform}'s, course.toml's, extensions.csv).")
        return dataclasses.replace(found, note=(f"{platform} marks it late; it came within the course's grace period "
                                                f"of {course.late_grace_minutes:g} minutes."))
    if not mark.late and found.late:
        return unknown(f"{platform} counts the submission on time{theirs} (an extension given in {platform}?), "
                       f"but its time {stamp:%Y-%m-%d %H:%M %Z} is {how_late(stamp, due, found.late_days)} "
                       f"after the due date "
                       f"{due:%Y-%m-%d %H:%M %Z} that applies here: no penalty is taken; if the student has an "
                       f"extension, add it to extensions.csv and grade again.")
    if found.late and mark.due and days_late(course, stamp, mark.due) != found.late_days:
        theirs_days = days_late(course, stamp, mark.due)
        return unknown(f"{platform}'s due date for this student is {mark.due:%Y-%m-%d %H:%M %Z} (an extension given "
                       f"in {platform}?), not {due:%Y-%m-%d %H:%M %Z} that applies here: its time "
                       f"{stamp:%Y-%m-%d %H:%M %Z} is {theirs_days} started day(s) late by {platform}'s date, "
                       f"{found.late_days} by this one; no penalty is taken until extensions.csv or course.toml "
                       f"says which date is right (then grade again).")
    return found
