"""Per-student due dates and time accommodations, as data a registrar's spreadsheet can become.

Two optional CSV files beside course.toml:

- extensions.csv, columns student,assignment,due,reason: the student's own due
  date (ISO date-time; without a zone it is UTC) for one assignment, or for
  every assignment with assignment `*`. A row for one assignment wins over `*`.
- accommodations.csv, columns student,assignment,time_multiplier,reason: the
  student's code may run time_multiplier times longer (the `seconds` and
  `submission_seconds` limits), for one assignment or `*`.

A bad row raises ExtensionsError naming the file, the line and the field.
A row for a student with no submission of that assignment is legitimate (an
extension granted before the work is in), so it is not an error:
unmatched_rows() names it, with the closest student id that did submit (a
typo gives the real student nothing), for a warning and the attention list.
"""
import csv
import dataclasses
import difflib
import io
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from .student_ids import RULE, is_valid_student_id, shown
from .errors import UserError

EXTENSIONS_FILE, ACCOMMODATIONS_FILE = "extensions.csv", "accommodations.csv"
ALL = "*"
MAX_MULTIPLIER = 10.0


class ExtensionsError(UserError, ValueError):
    """A row of extensions.csv or accommodations.csv that cannot be used."""


@dataclass(frozen=True)
class StudentTerms:
    """What applies to one student: due dates per assignment (or ALL) and time multipliers."""
    due: dict
    time_multiplier: dict


def _rows(path: Path, columns: tuple[str, ...]):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtensionsError(f"{path.name}: not UTF-8 text ({exc.reason})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))  # a quoted newline stays in its cell
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ExtensionsError(f"{path.name}:1: missing column(s) {', '.join(missing)} "
                              f"(the header must be {','.join(columns)})")
    for row in reader:
        line = reader.line_num  # the file's own line number: blank lines are skipped by the reader
        # Cells are stripped of spaces, except the student id: it is matched whole (student_ids.py).
        row = {(k or "").strip(): (v or "").strip() if isinstance(v, str) and (k or "").strip() != "student" else v
               for k, v in row.items()}
        if row.get(""):  # cells beyond the header (csv puts them under no name)
            raise ExtensionsError(f"{path.name}:{line}: more cells than the {len(header)} columns")
        if not any(row.get(c) for c in columns):
            continue  # a blank line
        yield line, row


def _assignment(path, line, row, known) -> str:
    assignment = row["assignment"]
    if assignment != ALL and assignment not in known:
        raise ExtensionsError(f"{path.name}:{line}: assignment: unknown assignment {assignment!r} "
                              f"(known: {', '.join(sorted(known))}, or * for all)")
    return assignment


def _student(path, line, row) -> str:
    """The row's student id, as written: a cell that is not a whole id (student_ids.py) is an error."""
    if not (row["student"] or "").strip():
        raise ExtensionsError(f"{path.name}:{line}: student: empty")
    if not is_valid_student_id(row["student"]):
        raise ExtensionsError(f"{path.name}:{line}: student: '{shown(row['student'])}' is not a student id ({RULE})")
    return row["student"]


def _due(path, line, text) -> dt.datetime:
    try:
        due = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ExtensionsError(f"{path.name}:{line}: due: {text!r} is not an ISO date-time "
                              "such as 2027-02-12T23:59:00Z") from None
    return due if due.tzinfo else due.replace(tzinfo=dt.timezone.utc)


def _multiplier(path, line, text) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (1.0 <= value <= MAX_MULTIPLIER):
        raise ExtensionsError(f"{path.name}:{line}: time_multiplier: {text!r} must be a number "
                              f"from 1 to {MAX_MULTIPLIER:g}")
    return value


def term_rows(course_root: Path, assignment_ids) -> list[tuple[str, int, str, str]]:
    """(file name, line, student, assignment) of every row of both files (ExtensionsError as load_terms)."""
    known = set(assignment_ids)
    rows = []
    for name, columns in ((EXTENSIONS_FILE, ("student", "assignment", "due", "reason")),
                          (ACCOMMODATIONS_FILE, ("student", "assignment", "time_multiplier", "reason"))):
        path = course_root / name
        if path.is_file():
            rows += [(name, line, _student(path, line, row), _assignment(path, line, row, known))
                     for line, row in _rows(path, columns)]
    return rows


def closest_student(student: str, known) -> str | None:
    """The known student id nearest to student (difflib, case ignored), or None when none is near."""
    by_lower = {k.lower(): k for k in sorted(known)}
    found = difflib.get_close_matches(student.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[found[0]] if found else None


def unmatched_rows(course_root: Path, assignment_ids, rosters: dict) -> dict[str, list[tuple[str, str]]]:
    """The rows whose student has no submission to grade: assignment id -> [(student, message)].

    rosters: assignment id -> the students with a SUBMITTED/<student>/<id>/ folder, for the assignments of
    this run. A row for one assignment is matched against its roster; a row for * against every roster.
    """
    found: dict[str, list[tuple[str, str]]] = {}
    for name, line, student, assignment in term_rows(course_root, assignment_ids):
        targets = [a for a in rosters if assignment in (a, ALL)]
        if not targets or any(student in rosters[a] for a in targets):
            continue
        closest = closest_student(student, {s for a in targets for s in rosters[a]})
        message = (f"{name}:{line}: no student {student!r} submitted {assignment if assignment != ALL else 'any of '}"
                   f"{'' if assignment != ALL else ', '.join(targets)}")
        message += (f"; closest student id: {closest!r} (a typo? then {closest} gets nothing from this row)" if closest
                    else "; the row applies once they submit")
        found.setdefault(targets[0], []).append((student, message))
    return found


def load_terms(course_root: Path, assignment_ids) -> dict[str, StudentTerms]:
    """student -> StudentTerms from the CSV files beside course.toml (empty when there are none)."""
    known = set(assignment_ids)
    terms: dict[str, StudentTerms] = {}
    seen = {}
    for name, columns, key, parse in (
            (EXTENSIONS_FILE, ("student", "assignment", "due", "reason"), "due", _due),
            (ACCOMMODATIONS_FILE, ("student", "assignment", "time_multiplier", "reason"), "time_multiplier",
             _multiplier)):
        path = course_root / name
        if not path.is_file():
            continue
        for line, row in _rows(path, columns):
            student, assignment = _student(path, line, row), _assignment(path, line, row, known)
            value = parse(path, line, row[key])
            if (name, student, assignment) in seen:
                raise ExtensionsError(f"{path.name}:{line}: student: {student} already has a row for "
                                      f"{assignment} on line {seen[name, student, assignment]}")
            seen[name, student, assignment] = line
            entry = terms.setdefault(student, StudentTerms(due={}, time_multiplier={}))
            getattr(entry, key)[assignment] = value
    return terms


_cache: dict = {}


def terms_for(course, student: str) -> StudentTerms | None:
    """The student's terms in this course, read once per version of the files."""
    stamps = tuple((course.root / n).stat().st_mtime_ns if (course.root / n).is_file() else None
                   for n in (EXTENSIONS_FILE, ACCOMMODATIONS_FILE))
    key = (str(course.root), stamps)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_terms(course.root, [a.id for a in course.assignments])
    return _cache[key].get(student)


def due_date(course, assignment, student: str) -> dt.datetime | None:
    """The student's due date: an extension for this assignment, else for all, else course.toml's."""
    terms = terms_for(course, student)
    if terms:
        for key in (assignment.id, ALL):
            if key in terms.due:
                return terms.due[key]
    return assignment.due


def limits_for(course, assignment, student: str):
    """The assignment's limits with the student's time multiplier applied to both time limits."""
    terms = terms_for(course, student)
    factor = 1.0
    if terms:
        factor = terms.time_multiplier.get(assignment.id, terms.time_multiplier.get(ALL, 1.0))
    limits = assignment.limits
    if factor == 1.0:
        return limits
    return dataclasses.replace(limits, seconds=limits.seconds * factor,
                               submission_seconds=limits.submission_seconds * factor)


def worker_deadline_seconds(course, assignment, student: str) -> float:
    """How long a grading process may take before it is killed: the student's whole budget, twice, and a margin."""
    return 2 * limits_for(course, assignment, student).submission_seconds + 60
