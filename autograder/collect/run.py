"""``course collect DOWNLOAD --assignment ID --out SUBMITTED``: an LMS download as nbgrader's layout.

Reads the download safely (unpack.py), names each file's student and path by
the LMS's convention (platforms.py), maps the student to the course's id
through roster.csv (roster.py), and writes SUBMITTED/<student>/<ID>/<files>,
with timestamp.txt where the platform recorded the submission time (Moodle's
grading worksheet, Canvas's submissions JSON given with --canvas-submissions)
and, for Canvas, late_mark.txt with Canvas's own verdict ("canvas: late" when
its file names carry _LATE, else "canvas: on time"; the JSON's late, with its
cached_due_date and the download's marker where it differs, when the JSON has
the student), which the engine applies where there is no time and checks the
time against (engine/lateness.py). A student's own timestamp.txt or
late_mark.txt is never written. A student's own zip is opened (same bounds) and a module
found deeper in it is lifted to the top. Whatever cannot be placed is
reported with its reason, never dropped silently; a student collected again
has the assignment folder replaced by the new download's files only when it
is still what collect wrote there (manifest.py): a folder changed by hand,
or one collect never wrote, is kept and named, unless asked (replace). Nothing is
guessed (refusals.py): Moodle's local times need a zone, and a student whose
files or LMS users conflict is marked not graded, with the reason.
"""
import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..config import Assignment, Course
from ..engine.lateness import LATE_MARK_FILE, TIMESTAMP_FILE
from ..primitives import name_problem
from ..student_ids import is_valid_student_id
from ..roster import Roster
from . import manifest, refusals
from .canvas_times import read_canvas_times
from .platforms import Piece, moodle_worksheet, recognise
from .unpack import DownloadError, nested_entries, read_download

SKIPPED_PARTS = {"__MACOSX", ".DS_Store", "Thumbs.db"}


@dataclass
class Collected:
    """What collect() did: students placed (id -> files written), what it could not place, notes."""
    placed: dict = field(default_factory=dict)
    unplaced: list = field(default_factory=list)
    late_without_time: list = field(default_factory=list)  # Canvas's LATE marker, no time recorded
    notes: list = field(default_factory=list)
    platforms: set = field(default_factory=set)
    not_graded: dict = field(default_factory=dict)   # student -> why collect would not guess their files
    absent: list = field(default_factory=list)       # on roster.csv, nothing of theirs in the download
    kept: dict = field(default_factory=dict)         # student -> how their folder differs from what collect wrote


def _expected_names(course: Course, assignment: Assignment) -> set[str]:
    names = {*assignment.modules, *assignment.provided, f"{assignment.id}.ipynb"}
    release = course.release_dir(assignment.id)
    if release.is_dir():
        names |= {p.name for p in release.iterdir()}
    return names


def _place(piece: Piece, roster: Roster) -> str | tuple:
    """The course id of the piece's student, or (why not, *the roster students it fits when several)."""
    if roster.path is None:
        if piece.platform == "folder" and is_valid_student_id(piece.who):
            return piece.who
        return (f"no roster.csv beside course.toml to map {piece.platform.title()}'s names to course ids",)
    found = roster.match(lms_id=piece.lms_id, names=piece.names, ids=piece.ids)
    others = [s for s in found if piece.lms_id and s.lms_id and s.lms_id != piece.lms_id]
    found = [s for s in found if s not in others]
    if others and not found:
        return (f"matches {', '.join(s.student for s in others)} of roster.csv by name, but roster.csv gives "
                f"{'them' if len(others) > 1 else 'that student'} another lms_id (add this user with their own)",)
    if len(found) == 1:
        return found[0].student
    if not found:
        return ("not on roster.csv (add the student, or their lms_id)",)
    return (f"matches {len(found)} students of roster.csv ({', '.join(s.student for s in found)}); "
            "give each an lms_id in roster.csv", *(s.student for s in found))


def _timestamp(when: str, zone: str) -> tuple[str | None, str]:
    """(nbgrader's timestamp.txt text, "") for a time Moodle wrote in the zone's local time, or (None, why not):
    a text that is no date, or a local time the zone's clock shows twice (the hour repeated when daylight saving
    time ends) or never (the hour skipped when it starts). Neither reading is chosen: an hour can decide
    lateness, so it is left unknown and course grade lists it."""
    import zoneinfo

    import dateutil.parser
    try:
        stamp = dateutil.parser.parse(when)
    except (ValueError, OverflowError):
        return None, "cannot be read as a date"
    if stamp.tzinfo is None:
        tz = zoneinfo.ZoneInfo(zone)
        first, second = stamp.replace(tzinfo=tz, fold=0), stamp.replace(tzinfo=tz, fold=1)
        first_utc, second_utc = first.astimezone(dt.timezone.utc), second.astimezone(dt.timezone.utc)
        if first_utc < second_utc:  # the hour repeated when daylight saving time ends
            return None, (f"is shown twice by {zone}'s clocks when daylight saving time ends ({first_utc:%H:%M} or "
                          f"{second_utc:%H:%M} UTC), so the submission time is not known to the hour")
        if first_utc > second_utc:  # the hour skipped when it starts
            return None, f"does not exist in {zone} (the hour skipped when daylight saving time starts)"
        stamp = first
    return stamp.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC"), ""


def _zone(course: Course, timezone: str | None) -> tuple[str | None, str]:
    """The zone the download's local times are read in (--timezone, else course.toml's [collect] timezone)
    and where it came from; (None, "") when neither gives one. DownloadError for a name that is no zone."""
    import zoneinfo
    if timezone is None:
        return (course.collect_timezone, f"[collect] timezone in {course.path.name}") if course.collect_timezone \
            else (None, "")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise DownloadError(f"--timezone {timezone[:60]!r}: not a time zone (an IANA name such as Europe/Berlin); "
                            "nothing was collected") from None
    return timezone, "--timezone"


def _no_zone(course: Course, worksheet: str) -> DownloadError:
    return DownloadError(
        f"Moodle's grading worksheet {worksheet[:200]!r} gives submission times in the time zone of the Moodle "
        f"account that downloaded it, which the download does not record; nothing was collected. Say which zone: "
        f"--timezone Europe/Berlin, or in {course.path}: [collect] timezone = \"Europe/Berlin\"")


def _read_canvas_times(assignment: Assignment, pages: list[Path], result: Collected) -> dict:
    """Canvas's times (canvas_times.py), checked against the assignment's canvas_id, or said to be unchecked."""
    times, canvas_assignment = read_canvas_times(pages, assignment.canvas_id)
    if assignment.canvas_id is None:
        which = f"Canvas assignment {canvas_assignment}" if canvas_assignment else "a Canvas assignment it does not name"
        result.notes.append(f"the submissions JSON is for {which}; {assignment.id} has no canvas_id in course.toml, "
                            f"so it could not be checked to be this assignment's (set canvas_id = "
                            f"{canvas_assignment or 'ITS ID'} under {assignment.id}'s [[assignments]])")
    return times


def _worksheet(entry) -> dict | None:
    """Moodle's grading worksheet (a CSV of its own at the top, never a file named as a student's): its times
    (moodle_worksheet); None for any other entry."""
    if "/" in entry.path or not entry.path.lower().endswith(".csv"):
        return None
    try:
        return moodle_worksheet(entry.read().decode("utf-8-sig", errors="replace"))
    except ValueError:
        return None


def collect(course: Course, assignment: Assignment, download: Path, out: Path, roster: Roster,
            timezone: str | None = None, canvas_submissions: list[Path] = (), replace: tuple = ()) -> Collected:
    """Collect the download into out/<student>/<ID>/; DownloadError when it cannot be read at all, or when
    Moodle's worksheet has times and no zone is given (timezone, else course.toml's [collect] timezone).

    canvas_submissions: Canvas's submissions JSON pages (canvas_times.py), for the times its download lacks.
    replace: students whose folders are replaced even when they differ from what collect last wrote there.
    """
    timezone, zone_from = _zone(course, timezone)
    result = Collected()
    canvas_times = _read_canvas_times(assignment, list(canvas_submissions), result) if canvas_submissions else {}
    canvas_late: dict[str, bool] = {}  # student -> Canvas's _LATE marker on any of their files
    moodle: set[str] = set()           # students placed from Moodle's folders
    entries, refused, budget = read_download(download)
    result.unplaced += [f"{line}: refused" for line in refused]
    expected = _expected_names(course, assignment)
    times: dict[str, str] = {}
    files: dict[str, dict[str, tuple[int, bytes, str]]] = {}   # student -> file -> (copy, bytes, source)
    lms_ids: dict[str, str] = {}
    clashes: dict[str, dict[str, list]] = {}   # student -> file -> the download's names of its different files
    claims = refusals.Claims()
    worksheets = []
    pending = list(entries)
    while pending:
        entry = pending.pop(0)
        if SKIPPED_PARTS & set(entry.path.split("/")) or entry.path.split("/")[-1].startswith("._"):
            continue
        piece = recognise(entry.path, assignment.id, expected)
        sheet = _worksheet(entry) if isinstance(piece, str) else None
        if sheet is not None:
            times.update(sheet)
            worksheets.append(entry.path)
            continue
        if isinstance(piece, str):
            result.unplaced.append(f"{entry.path[:200]!r}: {piece}")
            continue
        result.platforms.add(piece.platform)
        student = _place(piece, roster)
        if isinstance(student, tuple):
            result.unplaced.append(f"{piece.who[:120]} ({entry.path[:200]!r}): {student[0]}")
            claims.add_ambiguous(list(student[1:]), piece.who)
            continue
        claims.add(student, f"{piece.platform}:{piece.lms_id or piece.who}", piece.who)
        try:
            data = entry.read()
        except ValueError as exc:
            result.unplaced.append(f"{entry.path[:200]!r}: not read: {exc}")
            continue
        if piece.platform == "moodle":
            moodle.add(student)
        if piece.platform == "canvas":
            canvas_late[student] = canvas_late.get(student, False) or piece.late
        if piece.file.lower().endswith(".zip") and not piece.file.startswith(".") and "/" not in piece.file:
            inner, inner_refused = nested_entries(data, f"{student}'s {piece.file}", budget)
            result.unplaced += [f"{line}: refused" for line in inner_refused]
            for item in inner:
                files.setdefault(student, {})
                _add(files[student], item.path, 0, item, result, student, clashes.setdefault(student, {}))
            lms_ids[student] = piece.lms_id
            continue
        lms_ids[student] = piece.lms_id
        if not piece.file or name_problem(piece.file):
            result.unplaced.append(f"{entry.path[:200]!r}: no usable file name")
            continue
        refusals.keep(files.setdefault(student, {}), clashes.setdefault(student, {}), piece.file, piece.copy, data,
                      entry.path)
    if times and timezone is None:
        raise _no_zone(course, worksheets[0])
    result.notes += [f"submission times from Moodle's grading worksheet {sheet} (read as {timezone} local time, "
                     f"from {zone_from})" for sheet in worksheets]
    canvas = {student: (late, lms_ids.get(student)) for student, late in canvas_late.items()}
    _write_students(assignment, out, files, clashes, claims, {s: times.get(i) for s, i in lms_ids.items()},
                    timezone, result, canvas, canvas_times, set(replace), moodle, tuple(worksheets))
    result.absent = [s.student for s in roster.students if s.student not in claims.seen()] if roster.path else []
    _mark_submitted_elsewhere(assignment, out, roster, canvas_times, result)
    if canvas_times:
        result.notes.append(f"submission times from Canvas's submissions JSON ({len(canvas_times)} submitted)")
    return result


def _mark_submitted_elsewhere(assignment: Assignment, out: Path, roster: Roster, canvas_times: dict,
                              result: Collected):
    """A rostered student absent from the download whom Canvas's submissions JSON says submitted, and who has no
    folder yet (another section's download, say), is marked not graded with Canvas's time, never left to be
    taken for a student who handed nothing in (missing, 0); a later download that holds them replaces it."""
    for student in result.absent:
        row = roster.get(student)
        found = canvas_times.get(row.lms_id) if row is not None and row.lms_id else None
        folder = out / student / assignment.id
        if found is None or os.path.lexists(folder):
            continue
        why = (f"Canvas says {student} (Canvas user {row.lms_id}) submitted at {found.submitted_at:%Y-%m-%d %H:%M} "
               "UTC, but this download holds no file of theirs (another section's download?)")
        _write(folder, {}, found.submitted_at.strftime("%Y-%m-%d %H:%M:%S.%f UTC"), None)
        refusals.mark(folder, why)
        manifest.record(folder)
        result.not_graded[student] = why


def _write_students(assignment: Assignment, out: Path, files: dict, clashes: dict, claims: refusals.Claims,
                    times: dict, timezone: str | None, result: Collected, canvas: dict, canvas_times: dict,
                    replace: set, moodle: set = frozenset(), worksheets: tuple = ()):
    """Write each student's folder (files: student -> path -> (copy, bytes, source); times: student -> Moodle's
    time or None; canvas: student -> (Canvas's late marker, Canvas user id)); a student collect will not
    guess gets the files nobody contests, the platform's records (timestamp.txt, late_mark.txt; none when two
    users are on one student: whose they are is what is contested) and the not-graded marker. A folder that
    is not what collect last wrote is kept (result.kept) unless the student is in replace. moodle: the
    students of Moodle's folders, worksheets: the grading worksheets read (a Moodle student without a time
    there is named)."""
    refused = claims.refused()
    students = sorted(set(files) | set(refused))
    result.notes += [f"--replace {student[:60]}: not in this download; nothing replaced"
                     for student in sorted(replace - set(students))]
    without_time = []  # Moodle's students with no time in its worksheet
    for student in students:
        folder = out / student / assignment.id
        differs = manifest.changes(folder)
        if differs and student not in replace:
            result.kept[student] = differs
            continue
        if differs:
            result.notes.append(f"{student}: {folder} replaced as asked (--replace); it was {differs}")
        student_files = {} if student in refused else files[student]
        _lift_modules(assignment, student_files, clashes.setdefault(student, {}))
        why = refused.get(student) or refusals.clash_reason(clashes[student])
        if why:
            result.not_graded[student] = why
            student_files = {path: file for path, file in student_files.items() if path not in clashes[student]}
        two_users = student in refused  # whose time it is, is what is contested: none is written
        when = times.get(student) if not two_users else None
        stamp, problem = _timestamp(when, timezone) if when else (None, "")
        if problem:
            result.notes.append(f"{student}: Moodle's time {when[:80]!r} {problem}; no {TIMESTAMP_FILE} "
                                "written (course grade reports the lateness as unknown)")
        elif student in moodle and not when and not two_users:
            without_time.append(student)
        mark = None
        if student in canvas and not two_users:
            late, lms_id = canvas[student]
            stamp, mark = _canvas_records(student, lms_id, late, canvas_times, result)
        written = _write(folder, student_files, stamp, mark)
        refusals.mark(folder, why, {name: (stamp if name == TIMESTAMP_FILE else mark) for name in written
                                    if name in (TIMESTAMP_FILE, LATE_MARK_FILE)}, two_users)
        manifest.record(folder)
        if not why:
            result.placed[student] = written
    if without_time:
        result.notes.append(
            (f"no submission time in Moodle's grading worksheet ({', '.join(worksheets)}: no row, or '-') for "
             if worksheets else "no grading worksheet in Moodle's download (Download grading worksheet, put the CSV "
                                "in the zip or folder), so no submission time for ")
            + f"{', '.join(without_time)}: no {TIMESTAMP_FILE} written (course grade reports the lateness as unknown)")


def _canvas_records(student: str, lms_id: str | None, late: bool, canvas_times: dict,
                    result: Collected) -> tuple[str | None, str]:
    """(timestamp.txt's text or None, late_mark.txt's text) for a Canvas student whose download is marked late
    or not, from the submissions JSON where it has them (noted in result)."""
    found = canvas_times.get(lms_id or "")
    if found is None:
        if late:
            result.late_without_time.append(student)
        if canvas_times:
            result.notes.append(f"{student}: Canvas user {lms_id} has no submission time in the submissions JSON; "
                                "Canvas's late marker alone decides")
        return None, f"canvas: {_said(late)}"
    verdict = late if found.late is None else found.late
    mark = [f"canvas: {_said(verdict)}"]
    if found.due:
        mark.append(f"due: {found.due:%Y-%m-%d %H:%M:%S UTC}")
    if verdict != late:
        mark.append(f"download: {_said(late)}")
        result.notes.append(f"{student}: the download {'marks' if late else 'does not mark'} the submission late "
                            f"but the submissions JSON says late={str(verdict).lower()} (a resubmission since, "
                            "or a late status changed by hand in Canvas?); lateness is left unknown and listed for "
                            "attention by course grade: download both again and collect")
    return found.submitted_at.strftime("%Y-%m-%d %H:%M:%S.%f UTC"), "\n".join(mark)


def _said(late: bool) -> str:
    return "late" if late else "on time"


def _add(student_files: dict, path: str, copy: int, entry, result: Collected, student: str, clashes: dict):
    if SKIPPED_PARTS & set(path.split("/")):
        return
    try:
        refusals.keep(student_files, clashes, path, copy, entry.read(), path)
    except ValueError as exc:
        result.unplaced.append(f"{student}: {path[:200]!r}: not read: {exc}")


def _lift_modules(assignment: Assignment, student_files: dict, clashes: dict):
    """A module found only in a subfolder (a zip of a folder) is copied to the top, the shallowest one;
    different files at that depth are a clash (module -> their paths), none is lifted."""
    for module in assignment.modules:
        if module in student_files:
            continue
        deeper = sorted((path.count("/"), path) for path in student_files if PurePosixPath(path).name == module)
        if deeper:
            student_files[module] = student_files[deeper[0][1]]
            for depth, path in deeper[1:]:
                if depth == deeper[0][0]:
                    refusals.keep(student_files, clashes, module, 0, student_files[path][1], path)


def _write(folder: Path, student_files: dict, stamp: str | None, mark: str | None = None) -> list[str]:
    """Replace folder with the student's files (and timestamp.txt, late_mark.txt); the names written."""
    if folder.is_symlink():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    written = []
    for path, (_, data, _) in sorted(student_files.items()):
        if path in (TIMESTAMP_FILE, LATE_MARK_FILE):
            continue  # the platform's record, never one a student uploaded
        target = folder.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        written.append(path)
    if stamp:
        (folder / TIMESTAMP_FILE).write_text(stamp + "\n")
        written.append(TIMESTAMP_FILE)
    if mark:
        (folder / LATE_MARK_FILE).write_text(mark + "\n")
        written.append(LATE_MARK_FILE)
    return written
