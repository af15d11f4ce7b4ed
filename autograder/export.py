"""Grades for the registrar's tools: ``course export GRADED --format F --out FILE``.

One renderer per format, each a list of CSV rows built from the class's
results (report.data.read_class):

- wide:   student, one column per assignment, total, notes, attention. A
          result that was not graded is the word "not graded" in its cell
          (its reason in notes), never 0; a missing result is blank. A
          module missing or that does not import scores 0 (its status in
          notes); an override's score is the cell, noted with the engine's
          own score. attention: why the instructor should look (the report's
          needs-attention list), per assignment.
- canvas: Canvas's gradebook import layout. Its leading columns Student, ID,
          SIS User ID, SIS Login ID, Section (the student's folder name goes
          in Student and SIS Login ID, which Canvas matches on), then one
          column per assignment headed "Title (id)", and the "Points
          Possible" row under the header. Canvas matches a column to the
          assignment of exactly that name, and creates it with those points
          when there is none. Not graded is a blank cell (no grade).
- moodle: Moodle's grade import CSV: "Username" (map it to the user field
          username in Moodle's import form), then one column per grade item
          headed "Title (id)". Moodle reads a blank cell as "no grade".
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

With a roster (roster.csv beside course.toml) every rostered student is a
row, in the roster's order, and the LMS columns are filled from it: Canvas's
Student (name), ID (lms_id), SIS User ID (sis_id), SIS Login ID (login, else
the course id) and Section; Moodle's Username (login, else the course id),
ID number and Email address. A rostered student without a result for an
assignment is "missing": 0 in canvas and moodle (the LMS needs a number for
the zero to count), "missing" with 0 in wide. A graded student who is not on
the roster is still exported, after the roster's, and listed on stderr for
attention (roster_notes).
"""
import csv
import io
import re
from pathlib import Path

from .primitives import atomic_write
from .report.data import ClassResults, Result, summarize_tests
from .roster import Roster
from .student_ids import RULE, is_student_id, shown

FORMATS = ("wide", "canvas", "moodle", "tests")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NOT_GRADED = "not graded"
STALE = "stale"  # grades.csv's status for a result out of date: exported like not graded, never its old score
MISSING = "missing"
CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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
    """An assignment's column: "Title (id)", the name Canvas and Moodle match on."""
    return f"{results.title(assignment)} ({assignment})"


def _score(result: Result | None):
    """A cell for the LMS formats: the score, or blank (no grade) when not graded."""
    return result.score if result is not None and result.graded else None


def _not_graded_word(result: Result) -> str:
    return STALE if result.stale else NOT_GRADED


def _flags(result: Result) -> list[str]:
    flags = []
    if result.stale:
        flags.append(result.reason)
    elif not result.graded:
        flags.append(f"{NOT_GRADED} ({result.reason})")
    elif result.status != "graded":
        flags.append(f"{result.status} ({result.reason})")
    if result.override:
        engine = NOT_GRADED if result.engine_score is None else number(result.engine_score)
        flags.append(f"{result.override}; engine score {engine}")
    if result.late == "unknown":
        flags.append("late: unknown")
    elif result.late:
        flags.append(f"late {number(result.late_days)} day(s)")
    return flags


def exported_students(results: ClassResults, roster: Roster | None = None) -> list[str]:
    """The students whose rows are exported: the roster's first (in its order), then the other folders
    named by a whole student id."""
    rostered = [s.student for s in roster.students] if roster else []
    return rostered + [student for student in results.students if is_student_id(student) and student not in rostered]


def _missing(results: ClassResults, roster: Roster | None, student: str, assignment: str) -> bool:
    """A rostered student with no result for an assignment some of the class was graded on."""
    return bool(roster) and student in roster and results.result(student, assignment) is None


def _lms_score(results: ClassResults, roster: Roster | None, student: str, assignment: str):
    """A cell for the LMS formats: the score, 0 for missing, blank (no grade) when not graded."""
    return 0.0 if _missing(results, roster, student, assignment) else _score(results.result(student, assignment))


def wide_rows(results: ClassResults, roster: Roster | None = None) -> list[list]:
    head = ["student", *results.assignments, "total", "max_total", "notes", "attention"]
    max_total = sum(results.max_score(a) for a in results.assignments)
    rows = [head]
    for student in exported_students(results, roster):
        cells, notes, attention = [student], [], []
        for assignment in results.assignments:
            result = results.result(student, assignment)
            if result is None:
                missing = _missing(results, roster, student, assignment)
                cells.append(0.0 if missing else None)
                notes.append(f"{assignment}: {MISSING} (no submission)" if missing else f"{assignment}: no result")
                continue
            cells.append(result.score if result.graded else _not_graded_word(result))
            notes += [f"{assignment}: {flag}" for flag in _flags(result)]
            attention += [f"{assignment}: {why}" for why in result.attention]
        if roster and student not in roster:
            attention.append("not on roster.csv")
        rows.append([*cells, results.total(student), max_total, "; ".join(notes), " | ".join(attention)])
    return rows


def canvas_rows(results: ClassResults, roster: Roster | None = None) -> list[list]:
    titles = [column_title(results, a) for a in results.assignments]
    rows = [[*CANVAS_STUDENT_COLUMNS, *titles],
            ["Points Possible", "", "", "", "", *(results.max_score(a) for a in results.assignments)]]
    for student in exported_students(results, roster):
        row = roster.get(student) if roster else None
        ids = ([row.name or student, row.lms_id, row.sis_id, row.login or student, row.section] if row
               else [student, "", "", student, ""])
        rows.append([*ids, *(_lms_score(results, roster, student, a) for a in results.assignments)])
    return rows


def moodle_rows(results: ClassResults, roster: Roster | None = None) -> list[list]:
    extra = ["ID number", "Email address"] if roster else []
    rows = [["Username", *extra, *(column_title(results, a) for a in results.assignments)]]
    for student in exported_students(results, roster):
        row = roster.get(student) if roster else None
        ids = [row.login or student, row.sis_id, row.email] if row else [student, *("" for _ in extra)]
        rows.append([*ids, *(_lms_score(results, roster, student, a) for a in results.assignments)])
    return rows


def tests_rows(results: ClassResults, roster: Roster | None = None) -> list[list]:
    rows = [["assignment", "test", "name", "points", "submitted", "passed", "pass_rate",
             "commonest_failure", "commonest_failure_count", "left_out"]]
    for assignment in results.assignments:
        scored = [r for r in results.of_assignment(assignment) if r.graded]
        tested = [r for r in scored if r.status == "graded"]  # a missing module fails no test of its own
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
    return ([f"{shown(s)!r}: not a student id ({RULE}): not exported"
             for s in results.students if not is_student_id(s)]
            + [f"{r.student}/{r.assignment}: {_not_graded_word(r)} ({r.reason})"
               for r in sorted(results.results.values(), key=lambda r: (r.student, r.assignment))
               if not r.graded and is_student_id(r.student)])


def roster_notes(results: ClassResults, roster: Roster | None) -> list[str]:
    """For the instructor: graded students not on the roster, and rostered students exported as missing."""
    if not roster:
        return []
    lines = [f"{student}: graded but not on {roster.path.name}; exported after the roster's students "
             "(add them, or check the folder name)"
             for student in results.students if is_student_id(student) and student not in roster]
    for assignment in results.assignments:
        missing = [s.student for s in roster.students if results.result(s.student, assignment) is None]
        if missing:
            lines.append(f"{assignment}: {len(missing)} rostered student(s) without a submission, exported as "
                         f"{MISSING} (0): {', '.join(missing[:10])}{', ...' if len(missing) > 10 else ''}")
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
    return out
