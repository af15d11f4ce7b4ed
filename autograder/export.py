"""Grades for the registrar's tools: ``course export GRADED --format F --out FILE``.

One renderer per format, each a list of CSV rows built from the class's
results (report.data.read_class):

- wide:   student, one column per assignment, total, notes, attention. A
          result that was not graded is the word "not graded" in its cell
          (its reason in notes), never 0; a missing result is blank, and so
          is the total of a student with nothing graded (not 0). A
          module missing or that does not import scores 0 (its status in
          notes); an override's score is the cell, noted with the engine's
          own score. attention: why the instructor should look (the report's
          needs-attention list), per assignment.
- canvas: Canvas's gradebook import layout. Its leading columns Student, ID,
          SIS User ID, SIS Login ID, Section (the student's folder name goes
          in Student and SIS Login ID, which Canvas matches on), then one
          column per assignment headed "Title (12345)", 12345 the
          assignment's canvas_id in course.toml, which Canvas matches to that
          assignment (its importer reads the number in the parentheses);
          without a canvas_id "Title (ID)", which Canvas matches only to an
          assignment of exactly that name and otherwise creates (said on
          stderr, canvas_notes). The "Points Possible" row is under the
          header. Not graded is a blank cell, which removes a grade Canvas
          holds (its import preview shows it).
- moodle: Moodle's grade import CSV: "Username" (map it to the user field
          username in Moodle's import form), then one column per grade item
          headed "Title (id)". A blank cell sets "no grade" (removing one
          Moodle holds).
- tests:  one row per hidden test: assignment, test, points, the students
          with a graded submission, how many passed, the pass rate, the
          commonest failure message with its count, and left_out: the
          students whose module is missing or does not import (they ran no
          test, so they are not counted as failing any).

A stale result (grades.csv: the files, graders or settings changed since it
was graded) is exported like one not graded: the word "stale" in wide, a
blank in canvas and moodle, listed on stderr; never its old score.

Blank cells in canvas and moodle carry no flag of their own (both importers
reject text in a grade cell), so the exporter lists every not-graded cell
on stderr. Every text cell is neutralised against spreadsheet formula
injection (OWASP): one starting with = + - @ tab or carriage return gets a
leading single quote. No cell of wide, canvas or moodle holds a control
character (each becomes a space; tests keeps its messages' lines). Only folders named by a whole student id (student_ids.py) are
exported; any other is listed on stderr and left out.

With a roster (roster.csv beside course.toml) the LMS columns are filled
from it: Canvas's Student (name), ID (lms_id), SIS User ID (sis_id), SIS Login
ID (login, else the course id) and Section; Moodle's Username (login, else the
course id), ID number and Email address; rows in the roster's order. A 0 comes
only from a result the engine recorded (missing, does not import, or graded
0); a rostered student with no record in GRADED is never given one
(no_record_notes): with no record for any assignment they are left out of the
canvas and moodle files (both LMSs change nothing for a student the file does
not name, while a blank cell removes a grade the LMS already holds), and are a
row of blank cells in wide; with a record for some assignments the others are
blank cells. Each is listed on stderr ("no record in GRADED: ..."). A graded
student who is not on the roster is still exported, after the roster's, and
listed on stderr for attention (roster_notes). Without a roster, the canvas
export says on stderr that Canvas can match its rows only if the course ids
are Canvas login ids (no_roster_notes).
"""
import csv
import io
from pathlib import Path

from . import log
from .engine.model import GRADED, STALE, ResultOfRecord
from .engine.text import neutralise
from .primitives import CONTROL, atomic_write
from .report.data import ClassResults, summarize_tests
from .roster import ROSTER_FILE, Roster
from .student_ids import RULE, is_student_id, shown

FORMATS = ("wide", "canvas", "moodle", "tests")
NOT_GRADED = "not graded"
CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def one_line(value):
    """value, a text without control characters (each becomes a space); other values as they are."""
    return CONTROL.sub(" ", value) if isinstance(value, str) else value


def number(value: float) -> str:
    """A score as the shortest exact-enough decimal: 20, 13.5, 6.6667."""
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value)
    return neutralise(str(value))


def column_title(results: ClassResults, assignment: str) -> str:
    """An assignment's column: "Title (id)", the name Moodle is mapped to."""
    return f"{results.title(assignment)} ({assignment})"


def canvas_id(results: ClassResults, assignment: str) -> int | None:
    """The assignment's canvas_id in course.toml, or None."""
    return next((a.canvas_id for a in results.course.assignments if a.id == assignment), None)


def canvas_column_title(results: ClassResults, assignment: str) -> str:
    """Canvas's column: "Title (12345)" with the assignment's canvas_id, which Canvas matches to that
    assignment; without one "Title (ID)", which Canvas takes for a new assignment of that whole name."""
    number = canvas_id(results, assignment)
    return f"{results.title(assignment)} ({number})" if number else column_title(results, assignment)


def canvas_notes(results: ClassResults) -> list[str]:
    """One line per assignment without a canvas_id: Canvas will create a new column for it."""
    return [f"{assignment}: no canvas_id in {results.course.path.name}: Canvas will create a new assignment "
            f"column {canvas_column_title(results, assignment)!r} instead of filling the existing one (add "
            "canvas_id = N to its entry, N the number in the assignment's Canvas address .../assignments/N)"
            for assignment in results.assignments if canvas_id(results, assignment) is None]


def export_notes(results: ClassResults, fmt: str, roster: Roster | None = None) -> list[str]:
    """Everything the instructor should read about an export of fmt, one line each (for stderr)."""
    return (results.notes + not_graded_cells(results) + blank_cell_warning(results, fmt)
            + roster_notes(results, roster)
            + (canvas_notes(results) + no_roster_notes(results, roster) if fmt == "canvas" else []))


def blank_cell_warning(results: ClassResults, fmt: str) -> list[str]:
    """For canvas and moodle: one line naming the students whose cell is blank (not graded, stale), which the
    LMS's import reads as "no grade", removing one it already holds."""
    if fmt not in ("canvas", "moodle"):
        return []
    blank = sorted({r.student for r in results.results.values() if not r.graded and is_student_id(r.student)})
    if not blank:
        return []
    lms = "Canvas" if fmt == "canvas" else "Moodle"
    return [f"warning: {len(blank)} student(s) have a blank cell (not graded or stale): {_some(blank)}; {lms}'s "
            f"import removes a grade it already holds for them: grade them first, or check the import's preview"]


def no_roster_notes(results: ClassResults, roster: Roster | None) -> list[str]:
    """The Canvas export without roster.csv: its rows carry only the course ids, as SIS Login ID."""
    if roster:
        return []
    return [f"no {ROSTER_FILE} beside {results.course.path.name}: the ID, SIS User ID and Section columns are "
            "blank and SIS Login ID holds the course id, so Canvas can match these rows only if the course ids "
            f"are the students' Canvas login ids (SIS Login ID); otherwise add {ROSTER_FILE} "
            "(student,name,sis_id,login,section,email,lms_id) and export again"]


def _score(result: ResultOfRecord | None):
    """A cell for the LMS formats: the score, or blank (no grade) when not graded."""
    return result.score if result is not None and result.graded else None


def _not_graded_word(result: ResultOfRecord) -> str:
    return STALE if result.stale else NOT_GRADED


def _flags(result: ResultOfRecord) -> list[str]:
    flags = []
    if result.stale:
        flags.append(result.reason)
    elif not result.graded:
        flags.append(f"{NOT_GRADED} ({result.reason})")
    elif result.status != GRADED:
        flags.append(f"{result.status} ({result.reason})")
    if result.grade_override is not None:
        engine = NOT_GRADED if result.engine_score is None else number(result.engine_score)
        flags.append(f"{result.override_note}; engine score {engine}")
    if result.lateness.late is None:
        flags.append("late: unknown")
    elif result.lateness.late:
        flags.append(f"late {number(result.lateness.late_days)} day(s)")
    return flags


def exported_students(results: ClassResults, roster: Roster | None = None) -> list[str]:
    """The students whose rows are exported: the roster's first (in its order), then the other folders
    named by a whole student id."""
    rostered = [s.student for s in roster.students] if roster else []
    return rostered + [student for student in results.students if is_student_id(student) and student not in rostered]


def no_record(results: ClassResults, roster: Roster | None, student: str, assignment: str) -> bool:
    """A rostered student with no result in GRADED for an assignment some of the class was graded on."""
    return bool(roster) and student in roster and results.result(student, assignment) is None


def unrecorded_students(results: ClassResults, roster: Roster | None) -> list[str]:
    """The rostered students with no result in GRADED for any exported assignment, in the roster's order."""
    if not roster:
        return []
    return [s.student for s in roster.students if all(results.result(s.student, a) is None for a in results.assignments)]


def lms_students(results: ClassResults, roster: Roster | None = None) -> list[str]:
    """The rows of the canvas and moodle files: exported_students without the unrecorded ones (a row of blank
    cells would remove the grades the LMS holds for them)."""
    left_out = set(unrecorded_students(results, roster))
    return [student for student in exported_students(results, roster) if student not in left_out]


def _lms_score(results: ClassResults, roster: Roster | None, student: str, assignment: str):
    """A cell for the LMS formats: the recorded score; blank (no grade) when not graded or not recorded."""
    return _score(results.result(student, assignment))


def wide_rows(results: ClassResults, roster: Roster | None = None) -> list[list]:
    head = ["student", *results.assignments, "total", "max_total", "notes", "attention"]
    max_total = sum(results.max_score(a) for a in results.assignments)
    rows, unrecorded = [head], set(unrecorded_students(results, roster))
    for student in exported_students(results, roster):
        cells, notes, attention = [student], [], []
        for assignment in results.assignments:
            result = results.result(student, assignment)
            if result is None:
                cells.append(None)
                notes.append(f"{assignment}: {_no_record_words(results, roster, student, assignment)}")
                continue
            cells.append(result.score if result.graded else _not_graded_word(result))
            notes += [f"{assignment}: {flag}" for flag in _flags(result)]
            attention += [f"{assignment}: {why}" for why in result.attention]
        if roster and student not in roster:
            attention.append("not on roster.csv")
        graded = any(results.result(student, a) is not None and results.result(student, a).graded
                     for a in results.assignments)
        total = results.total(student) if graded and student not in unrecorded else None  # nothing graded: no 0
        rows.append([*cells, total, max_total, "; ".join(notes), " | ".join(attention)])
    return rows


def _no_record_words(results: ClassResults, roster: Roster | None, student: str, assignment: str) -> str:
    return f"no record in {results.out_dir.name}" if no_record(results, roster, student, assignment) else "no result"


def canvas_rows(results: ClassResults, roster: Roster | None = None) -> list[list]:
    titles = [canvas_column_title(results, a) for a in results.assignments]
    rows = [[*CANVAS_STUDENT_COLUMNS, *titles],
            ["Points Possible", "", "", "", "", *(results.max_score(a) for a in results.assignments)]]
    for student in lms_students(results, roster):
        row = roster.get(student) if roster else None
        ids = ([row.name or student, row.lms_id, row.sis_id, row.login or student, row.section] if row
               else [student, "", "", student, ""])
        rows.append([*ids, *(_lms_score(results, roster, student, a) for a in results.assignments)])
    return rows


def moodle_rows(results: ClassResults, roster: Roster | None = None) -> list[list]:
    extra = ["ID number", "Email address"] if roster else []
    rows = [["Username", *extra, *(column_title(results, a) for a in results.assignments)]]
    for student in lms_students(results, roster):
        row = roster.get(student) if roster else None
        ids = [row.login or student, row.sis_id, row.email] if row else [student, *("" for _ in extra)]
        rows.append([*ids, *(_lms_score(results, roster, student, a) for a in results.assignments)])
    return rows


def tests_rows(results: ClassResults, roster: Roster | None = None) -> list[list]:
    rows = [["assignment", "test", "name", "points", "submitted", "passed", "pass_rate",
             "commonest_failure", "commonest_failure_count", "left_out"]]
    for assignment in results.assignments:
        scored = [r for r in results.of_assignment(assignment) if r.graded]
        tested = [r for r in scored if r.status == GRADED]  # a missing module fails no test of its own
        for test in summarize_tests(tested):
            message, count = test.failures.most_common(1)[0] if test.failures else ("", 0)
            rows.append([assignment, test.key, test.name, test.max_score, test.taken, test.passed,
                         round(test.rate, 4), message, count, len(scored) - len(tested)])
    return rows


RENDERERS = {"wide": wide_rows, "canvas": canvas_rows, "moodle": moodle_rows, "tests": tests_rows}


def render_csv(rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()


def not_graded_cells(results: ClassResults) -> list[str]:
    """One line per folder left out (not a student id) and per result exported as blank (not graded)."""
    return ([f"'{shown(s)}': not a student id ({RULE}): not exported"
             for s in results.students if not is_student_id(s)]
            + [f"{r.student}/{r.assignment}: {_not_graded_word(r)} ({r.reason})"
               for r in sorted(results.results.values(), key=lambda r: (r.student, r.assignment))
               if not r.graded and is_student_id(r.student)])


def roster_notes(results: ClassResults, roster: Roster | None) -> list[str]:
    """For the instructor: graded students not on the roster, then the rostered ones with no record in GRADED."""
    if not roster:
        return []
    lines = [f"{student}: graded but not on {roster.path.name}; exported after the roster's students "
             "(add them, or check the folder name)"
             for student in results.students if is_student_id(student) and student not in roster]
    return lines + no_record_notes(results, roster)


def _some(names: list[str]) -> str:
    return ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")


def no_record_notes(results: ClassResults, roster: Roster | None) -> list[str]:
    """One line for the rostered students with no record in GRADED at all (left out of canvas and moodle),
    one per assignment for those with a record for another assignment (a blank cell there)."""
    if not roster:
        return []
    graded = results.out_dir.name
    nowhere = unrecorded_students(results, roster)
    lines = []
    if nowhere:
        lines.append(f"no record in {graded}: {len(nowhere)} rostered student(s) have no result for any assignment "
                     f"({_some(nowhere)}): left out of the canvas and moodle files, so an import leaves their grades "
                     "alone (blank in wide); course grade records a 0 (missing) only for a student whose "
                     "<student>/<ID>/ folder it was given")
    for assignment in results.assignments:
        blank = [s.student for s in roster.students
                 if s.student not in nowhere and no_record(results, roster, s.student, assignment)]
        if blank:
            lines.append(f"no record in {graded} for {assignment}: {_some(blank)}: a blank cell, never 0 (Canvas "
                         "and Moodle remove a grade they already hold for a blank cell: check the import's preview)")
    return lines


def write_export(results: ClassResults, fmt: str, out: Path, roster: Roster | None = None) -> Path:
    """Write the export of one format to out (atomically); return its path. roster: roster.csv's rows,
    or None (or an empty roster) for the students graded only."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    out = Path(out)
    rows = RENDERERS[fmt](results, roster if roster and roster.students else None)
    if fmt != "tests":
        rows = [[one_line(value) for value in row] for row in rows]
    atomic_write(out, render_csv(rows))
    log.get("export").debug("%s: %d CSV row(s) in the %s format", out, len(rows), fmt)
    return out
