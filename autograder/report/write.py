"""The class at a glance: ``course report OUT_DIR`` writes OUT_DIR/report.html.

The page opens with the needs-attention list (engine/attention.py: who and
why, each linked to the feedback), then the students: a sortable table of every student's
scores per assignment, with late and not-graded flags and a link to each
feedback (feedback.md rendered to feedback.html beside it); students with no
graded submission are listed apart and count in no mean or pass rate. Then,
per assignment, the grade distribution and the share of graded students
passing each hidden test, with the commonest failure messages (traceback
caret lines removed).

The work is split by role: data reads the results, figures
draws, feedback renders the feedback pages, page arranges
the view for templates/report/ (an autoescaped jinja2 template, its CSS and
its JavaScript). The page is one self-contained file: the figures are PNGs
embedded as data URIs and also written next to it as
report-<assignment>-grades.png and report-<assignment>-tests.png.
"""
import re
from pathlib import Path

from .. import log
from ..config import Course
from ..engine import output_names
from ..engine.model import GRADED
from ..primitives import atomic_write, atomic_write_bytes
from .data import read_class, summarize_tests
from .feedback import write_feedback_html
from .figures import grades_figure, png, tests_figure
from .page import assignment_view, picture, render_page

REPORT_NAME = output_names.REPORT


def _file_part(assignment_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", assignment_id)


def write_report(course: Course, out_dir) -> Path:
    """Write OUT_DIR/report.html, its figures and every feedback.html; return the report's path."""
    out_dir = Path(out_dir)
    results = read_class(course, out_dir)
    linked = set()
    for student, assignment in results.results:
        if write_feedback_html(out_dir / student / assignment, f"{assignment}: feedback for {student}"):
            linked.add((student, assignment))
    log.get("report").debug("%d feedback page(s) rendered", len(linked))
    sections = []
    for assignment in results.assignments:
        graded = [r for r in results.of_assignment(assignment) if r.graded]
        pictures = []
        tests = sorted(summarize_tests([r for r in graded if r.status == GRADED]),  # a missing module ran no test
                       key=lambda t: t.rate)
        figures = [("grades", grades_figure(assignment, [r.score for r in graded], results.max_score(assignment)),
                    f"{assignment} grade distribution")]
        if tests:
            figures.append(("tests", tests_figure(assignment, tests), f"{assignment} pass rate per test"))
        for kind, fig, alt in figures:
            data = png(fig)
            name = f"report-{_file_part(assignment)}-{kind}.png"
            atomic_write_bytes(out_dir / name, data)
            log.get("report").debug("wrote %s (%d bytes)", out_dir / name, len(data))
            pictures.append(picture(data, name, alt))
        sections.append(assignment_view(results, assignment, pictures))
    path = out_dir / REPORT_NAME
    atomic_write(path, render_page(results, sections, linked))
    return path
