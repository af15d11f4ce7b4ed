"""``course collect DOWNLOAD --assignment ID --out SUBMITTED``: an LMS download as nbgrader's layout.

Reads the download safely (unpack.py), names each file's student and path by
the LMS's convention (platforms.py), maps the student to the course's id
through roster.csv (roster.py), and writes SUBMITTED/<student>/<ID>/<files>,
with timestamp.txt where the platform recorded the submission time (Moodle's
grading worksheet). A student's own zip is opened (same bounds) and a module
found deeper in it is lifted to the top. Whatever cannot be placed is
reported with its reason, never dropped silently; a student collected again
has the assignment folder replaced by the new download's files.
"""
import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..config import Assignment, Course
from ..engine.lateness import TIMESTAMP_FILE
from ..roster import Roster
from .platforms import Piece, moodle_worksheet, recognise
from .unpack import DownloadError, nested_entries, problem_with, read_download

SKIPPED_PARTS = {"__MACOSX", ".DS_Store", "Thumbs.db"}


@dataclass
class Collected:
    """What collect() did: students placed (id -> files written), what it could not place, notes."""
    placed: dict = field(default_factory=dict)
    unplaced: list = field(default_factory=list)
    late_without_time: list = field(default_factory=list)  # Canvas's LATE marker, no time recorded
    notes: list = field(default_factory=list)
    platforms: set = field(default_factory=set)


def _expected_names(course: Course, assignment: Assignment) -> set[str]:
    names = {*assignment.modules, *assignment.provided, f"{assignment.id}.ipynb"}
    release = course.release_dir(assignment.id)
    if release.is_dir():
        names |= {p.name for p in release.iterdir()}
    return names


def _place(piece: Piece, roster: Roster) -> str | tuple[str]:
    """The course id of the piece's student, or (why not,)."""
    if roster.path is None:
        from ..engine.submission import is_valid_student_id
        if piece.platform == "folder" and is_valid_student_id(piece.who):
            return piece.who
        return (f"no roster.csv beside course.toml to map {piece.platform.title()}'s names to course ids",)
    found = roster.match(lms_id=piece.lms_id, names=piece.names, ids=piece.ids)
    if len(found) == 1:
        return found[0].student
    if not found:
        return ("not on roster.csv (add the student, or their lms_id)",)
    return (f"matches {len(found)} students of roster.csv ({', '.join(s.student for s in found)}); "
            "give each an lms_id",)


def _timestamp(when: str, zone: str) -> str | None:
    """nbgrader's timestamp.txt text for a time Moodle wrote in the zone's local time, or None."""
    import dateutil.parser
    import dateutil.tz
    try:
        stamp = dateutil.parser.parse(when)
    except (ValueError, OverflowError):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dateutil.tz.gettz(zone))
    return stamp.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def collect(course: Course, assignment: Assignment, download: Path, out: Path, roster: Roster,
            timezone: str = "UTC") -> Collected:
    """Collect the download into out/<student>/<ID>/; DownloadError when it cannot be read at all."""
    import dateutil.tz
    if dateutil.tz.gettz(timezone) is None:
        raise DownloadError(f"--timezone {timezone[:60]!r}: not a time zone (an IANA name such as Europe/Berlin)")
    result = Collected()
    entries, refused, budget = read_download(download)
    result.unplaced += [f"{line}: refused" for line in refused]
    expected = _expected_names(course, assignment)
    times: dict[str, str] = {}
    files: dict[str, dict[str, tuple[int, bytes, str]]] = {}   # student -> file -> (copy, bytes, source)
    lms_ids: dict[str, str] = {}
    pending = list(entries)
    while pending:
        entry = pending.pop(0)
        if SKIPPED_PARTS & set(entry.path.split("/")) or entry.path.split("/")[-1].startswith("._"):
            continue
        piece = recognise(entry.path, assignment.id, expected)
        # Moodle's grading worksheet: a CSV of its own at the top, never a file named as a student's
        if isinstance(piece, str) and "/" not in entry.path and entry.path.lower().endswith(".csv"):
            try:
                sheet = moodle_worksheet(entry.read().decode("utf-8-sig", errors="replace"))
            except ValueError:
                sheet = None
            if sheet is not None:
                times.update(sheet)
                result.notes.append(f"submission times from Moodle's grading worksheet {entry.path} "
                                    f"(read as {timezone} local time)")
                continue
        if isinstance(piece, str):
            result.unplaced.append(f"{entry.path[:200]!r}: {piece}")
            continue
        result.platforms.add(piece.platform)
        student = _place(piece, roster)
        if isinstance(student, tuple):
            result.unplaced.append(f"{piece.who[:120]} ({entry.path[:200]!r}): {student[0]}")
            continue
        try:
            data = entry.read()
        except ValueError as exc:
            result.unplaced.append(f"{entry.path[:200]!r}: not read: {exc}")
            continue
        if piece.file.lower().endswith(".zip") and not piece.file.startswith(".") and "/" not in piece.file:
            inner, inner_refused = nested_entries(data, f"{student}'s {piece.file}", budget)
            result.unplaced += [f"{line}: refused" for line in inner_refused]
            for item in inner:
                files.setdefault(student, {})
                _add(files[student], item.path, 0, item, result, student)
            lms_ids[student] = piece.lms_id
            continue
        if piece.late:
            result.late_without_time.append(student)
        lms_ids[student] = piece.lms_id
        if not piece.file or problem_with(piece.file):
            result.unplaced.append(f"{entry.path[:200]!r}: no usable file name")
            continue
        current = files.setdefault(student, {}).get(piece.file)
        if current is None or piece.copy > current[0]:
            files[student][piece.file] = (piece.copy, data, entry.path)
    for student, student_files in sorted(files.items()):
        _lift_modules(assignment, student_files)
        stamp = _timestamp(times[lms_ids[student]], timezone) if lms_ids.get(student) in times else None
        result.placed[student] = _write(out / student / assignment.id, student_files, stamp)
    result.late_without_time = sorted(set(result.late_without_time) - {s for s in result.placed
                                                                       if (out / s / assignment.id / TIMESTAMP_FILE).exists()})
    return result


def _add(student_files: dict, path: str, copy: int, entry, result: Collected, student: str):
    if SKIPPED_PARTS & set(path.split("/")):
        return
    try:
        student_files[path] = (copy, entry.read(), path)
    except ValueError as exc:
        result.unplaced.append(f"{student}: {path[:200]!r}: not read: {exc}")


def _lift_modules(assignment: Assignment, student_files: dict):
    """A module found only in a subfolder (a zip of a folder) is copied to the top, the shallowest one."""
    for module in assignment.modules:
        if module in student_files:
            continue
        deeper = sorted((path.count("/"), path) for path in student_files if PurePosixPath(path).name == module)
        if deeper:
            student_files[module] = student_files[deeper[0][1]]


def _write(folder: Path, student_files: dict, stamp: str | None) -> list[str]:
    """Replace folder with the student's files (and timestamp.txt); the names written."""
    if folder.is_symlink():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    written = []
    for path, (_, data, _) in sorted(student_files.items()):
        if path == TIMESTAMP_FILE:
            continue  # the platform's time, never one a student uploaded
        target = folder.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        written.append(path)
    if stamp:
        (folder / TIMESTAMP_FILE).write_text(stamp + "\n")
        written.append(TIMESTAMP_FILE)
    return written
