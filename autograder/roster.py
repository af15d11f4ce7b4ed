"""The class list: roster.csv beside course.toml, the course's ids mapped to the LMS's.

Columns (a header line first; every column but ``student`` optional, any order):

    student   the course's id: the folder name in submitted/, the id everything is graded under
    name      the student's full name as the LMS shows it ("Ada Lovelace")
    sis_id    the student information system's id (Canvas's "SIS User ID", Moodle's "ID number")
    login     the LMS login (Canvas's "SIS Login ID", Moodle's username)
    section   the section or group
    email     the e-mail address
    lms_id    the LMS's own user id: Canvas's "ID" (the number in its download's file names),
              Moodle's participant number (its "Participant 12345" identifier)

A problem raises RosterError naming the file, the line and the field; nothing
is guessed: a student id that cannot be one, a duplicate id, sis_id, login or
lms_id, an unknown column (with "did you mean").
"""
import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError
from .primitives import RefusedFile, TooLarge, read_regular
from .student_ids import is_valid_student_id

ROSTER_FILE = "roster.csv"
COLUMNS = ("student", "name", "sis_id", "login", "section", "email", "lms_id")
UNIQUE = ("student", "sis_id", "login", "lms_id")
MAX_ROSTER_BYTES = 5 * 2**20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class RosterError(UserError, ValueError):
    """roster.csv cannot be used as it is (the message names file, line and field)."""


@dataclass(frozen=True)
class Student:
    """One row of roster.csv; empty strings where a column is absent or blank."""
    student: str
    name: str = ""
    sis_id: str = ""
    login: str = ""
    section: str = ""
    email: str = ""
    lms_id: str = ""
    line: int = 0


def name_key(name: str) -> str:
    """A name as letters only, case-folded, accents dropped: "Lovelace, Ada" -> "lovelaceada"."""
    plain = unicodedata.normalize("NFKD", name)
    return "".join(c for c in plain if c.isalnum() and not unicodedata.combining(c)).casefold()


@dataclass
class Roster:
    """The rows of roster.csv in the file's order, and the path they came from (None: no roster)."""
    students: list[Student]
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.students)

    def __contains__(self, student: str) -> bool:
        return any(s.student == student for s in self.students)

    def get(self, student: str) -> Student | None:
        return next((s for s in self.students if s.student == student), None)

    def match(self, *, lms_id: str = "", names: tuple[str, ...] = (), ids: tuple[str, ...] = ()) -> list[Student]:
        """The rows that fit: lms_id first, then any of ids as student/login/sis_id/email, then the
        names (each compared letters only, in either order of first and last name)."""
        if lms_id:
            found = [s for s in self.students if s.lms_id and s.lms_id == lms_id]
            if found:
                return found
        for value in ids:
            found = [s for s in self.students if value and value in (s.student, s.login, s.sis_id, s.email)]
            if found:
                return found
        keys = {name_key(n) for n in names} - {""}
        if not keys:
            return []
        return [s for s in self.students if s.name and _name_keys(s.name) & keys]


def _name_keys(name: str) -> set[str]:
    """"Ada Lovelace" -> {"adalovelace", "lovelaceada"}: Canvas sorts by last name, Moodle shows first."""
    words = name.replace(",", " ").split()
    keys = {name_key(name)}
    if len(words) >= 2:
        keys.add(name_key(words[-1] + "".join(words[:-1])))
        keys.add(name_key("".join(words[1:]) + words[0]))
    return keys


def load_roster(course_root: Path) -> Roster:
    """roster.csv beside course.toml; an empty Roster (path None) when there is none."""
    path = Path(course_root) / ROSTER_FILE
    if not path.is_file():
        return Roster(students=[])
    return parse_roster(path)


def parse_roster(path: Path) -> Roster:
    """The validated rows of a roster file; RosterError naming file, line and field otherwise."""
    name = path.name
    reader = csv.reader(_roster_text(path).splitlines())
    header = _header(name, [h.strip() for h in next(reader, [])])
    students, seen = [], {column: {} for column in UNIQUE}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            raise RosterError(f"{name}:{line}: {len(cells)} cells for the {len(header)} columns of line 1")
        row = _checked_row(name, line, dict(zip(header, (cell.strip() for cell in cells))))
        for column in UNIQUE:
            value = row.get(column, "")
            if value and value in seen[column]:
                raise RosterError(f"{name}:{line}: {column}: {value[:80]!r} is already on line {seen[column][value]}")
            if value:
                seen[column][value] = line
        students.append(Student(**{c: row.get(c, "") for c in COLUMNS}, line=line))
    return Roster(students=students, path=path)


def _roster_text(path: Path) -> str:
    """The roster file's text (UTF-8, a BOM dropped), read with primitives.read_regular."""
    try:
        return read_regular(path, MAX_ROSTER_BYTES).decode("utf-8-sig")
    except TooLarge:
        raise RosterError(f"{path.name}: larger than {MAX_ROSTER_BYTES // 2**20} MB; is it a class list?") from None
    except RefusedFile as exc:
        raise RosterError(f"{path.name}: {exc}; give roster.csv as a plain file") from None
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path.name}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from None


def _header(name: str, header: list[str]) -> list[str]:
    """Line 1's column names, each known, "student" among them, none twice."""
    if not header or header == [""]:
        raise RosterError(f"{name}:1: empty; the first line names the columns, e.g. {','.join(COLUMNS[:3])}")
    for column in header:
        if column not in COLUMNS:
            close = difflib.get_close_matches(column, COLUMNS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(COLUMNS)}"
            raise RosterError(f"{name}:1: {column or '(empty)'}: unknown column ({hint})")
    if "student" not in header:
        raise RosterError(f"{name}:1: student: missing column (the course's id of each student)")
    twice = [c for c in header if header.count(c) > 1]
    if twice:
        raise RosterError(f"{name}:1: {twice[0]}: the column appears twice")
    return header


def _checked_row(name: str, line: int, row: dict) -> dict:
    """row (column -> stripped cell) with a student id by the course's rule and, if given, an e-mail address."""
    student = row.get("student", "")
    if not student:
        raise RosterError(f"{name}:{line}: student: empty (every row needs the course's id)")
    if not is_valid_student_id(student):
        raise RosterError(f"{name}:{line}: student: {student[:80]!r} cannot be a student id "
                          "(letters, digits and . _ @ + - only, at most 128 characters)")
    if row.get("email") and not _EMAIL.match(row["email"]):
        raise RosterError(f"{name}:{line}: email: {row['email'][:80]!r} is not an e-mail address")
    return row
