"""The report page: the class's data and figures arranged for templates/report/report.html.j2.

This module builds plain dicts and lists (the view) and renders the
autoescaped template; the page's CSS and JavaScript are template files
inlined into the page, and the Content-Security-Policy allows only that
script, by its hash. Everything a student controls reaches the page through
jinja2's autoescaping.
"""
import base64
import datetime as dt
import hashlib
import re
import statistics
from pathlib import Path
from urllib.parse import quote

from ..engine.model import DOES_NOT_IMPORT, GRADED, MISSING, NOT_GRADED, ResultOfRecord
from ..engine.attention import by_severity
from .data import ClassResults, TestSummary, summarize_tests
from .feedback import FEEDBACK_HTML, TEMPLATES, environment

FAILURE_MESSAGES = 3  # the commonest failure messages shown per test


def anchor(assignment_id: str) -> str:
    return "a-" + re.sub(r"[^A-Za-z0-9_-]", "_", assignment_id)


def feedback_href(student: str, assignment_id: str) -> str:
    """The relative URL of a student's feedback page (percent-encoded; the template escapes it)."""
    return f"{quote(student, safe='')}/{quote(assignment_id, safe='')}/{FEEDBACK_HTML}"


def _late_text(result: ResultOfRecord) -> str:
    if result.lateness.late is None:
        return "late?"
    return f"late {result.lateness.late_days:g}d" if result.lateness.late else ""


def score_cell(result: ResultOfRecord | None, max_score: float, linked: bool) -> dict:
    """One student's cell for one assignment: what it shows, how it sorts, its colour."""
    if result is None:
        return {"text": "\u2014", "sort": -2, "kind": "missing", "title": "no result", "href": "", "late": "",
                "status": "", "override": ""}
    href = feedback_href(result.student, result.assignment) if linked else ""
    if result.stale:
        return {"text": "stale", "sort": -1, "kind": "notgraded", "title": result.reason, "href": href,
                "late": "", "status": "stale", "override": ""}
    if not result.graded:
        return {"text": "not graded", "sort": -1, "kind": "notgraded", "title": result.reason, "href": href,
                "late": _late_text(result), "status": "", "override": ""}
    kind = "full" if result.score >= max_score > 0 else "zero" if result.score <= 0 else "partial"
    status = result.status if result.status in (MISSING, DOES_NOT_IMPORT) else ""
    override = ""
    if result.grade_override is not None:
        engine = NOT_GRADED if result.engine_score is None else f"{result.engine_score:g}"
        override = f"override (engine {engine})"
    title = "; ".join(x for x in (result.override_note, result.reason if status else result.note) if x)
    return {"text": f"{result.score:g}", "sort": result.score, "kind": "notgraded" if status else kind,
            "title": title, "href": href, "late": _late_text(result), "status": status, "override": override}


def attention_view(results: ClassResults, linked: set) -> list[dict]:
    """The needs-attention list: each student and assignment with why, linked to the feedback."""
    items = []
    for assignment in results.assignments:
        for result in results.of_assignment(assignment):
            if result.attention:
                items.append({"student": result.student, "assignment": assignment, "reasons": result.attention,
                              "href": feedback_href(result.student, assignment)
                              if (result.student, assignment) in linked else ""})
    return by_severity(items, lambda item: item["reasons"])


def students_view(results: ClassResults, maxima: dict, linked: set) -> tuple[list[dict], list[dict]]:
    """(rows of the students table, students with no graded submission listed apart)."""
    total_max = sum(maxima.values())
    rows, absent = [], []
    for student in results.students:
        if not results.submitted(student):
            reasons = [f"{a}: {r.reason}" for a in results.assignments
                       if (r := results.result(student, a)) is not None]
            absent.append({"name": student, "reasons": reasons})
            continue
        cells = [score_cell(results.result(student, a), maxima[a], (student, a) in linked)
                 for a in results.assignments]
        flags = []
        not_graded = sum(1 for c in cells if c["kind"] == "notgraded" and not c["status"])
        late = sum(1 for c in cells if c["late"] and c["late"] != "late?")
        late_unknown = sum(1 for c in cells if c["late"] == "late?")
        if not_graded:
            flags.append(f"{not_graded} not graded")
        for status in ("stale", "missing", "does not import"):
            if (count := sum(1 for c in cells if c["status"] == status)):
                flags.append(f"{count} {status}")
        if (overridden := sum(1 for c in cells if c["override"])):
            flags.append(f"{overridden} override")
        if late:
            flags.append(f"{late} late")
        if late_unknown:
            flags.append(f"{late_unknown} lateness unknown")
        total = results.total(student)
        rows.append({"name": student, "cells": cells, "total": total,
                     "share": total / total_max if total_max else 0.0, "flags": ", ".join(flags)})
    return rows, absent


def tests_view(tests: list[TestSummary]) -> list[dict]:
    out = []
    for test in tests:
        level = "low" if test.rate < 0.5 else "mid" if test.rate < 0.8 else "high"
        out.append({"name": test.name, "key": test.key, "hidden": test.visibility == "hidden",
                    "points": test.max_score, "passed": test.passed, "taken": test.taken, "rate": test.rate,
                    "level": level, "failures": test.failures.most_common(FAILURE_MESSAGES),
                    "others": max(0, len(test.failures) - FAILURE_MESSAGES)})
    return out


def assignment_view(results: ClassResults, assignment: str, pictures: list[dict]) -> dict:
    everyone = results.of_assignment(assignment)
    graded = [r for r in everyone if r.graded]
    scores = [r.score for r in graded]
    max_score = results.max_score(assignment)
    tested = [r for r in graded if r.status == GRADED]  # a missing module fails no test of its own
    tests = sorted(summarize_tests(tested), key=lambda t: t.rate)  # stable: grader order on ties
    return {
        "id": assignment, "anchor": anchor(assignment), "title": results.title(assignment),
        "max_score": max_score, "graded": sum(1 for r in everyone if r.status == GRADED),
        "not_graded": sum(1 for r in everyone if r.status == NOT_GRADED),
        "stale": sum(1 for r in everyone if r.stale),
        "missing": sum(1 for r in everyone if r.status == MISSING),
        "no_import": sum(1 for r in everyone if r.status == DOES_NOT_IMPORT),
        "tests_left_out": len(graded) - len(tested),
        "mean": statistics.fmean(scores) if scores else None,
        "median": statistics.median(scores) if scores else None,
        "full": sum(1 for s in scores if s >= max_score > 0), "zero": sum(1 for s in scores if s <= 0),
        "late": sum(1 for r in everyone if r.lateness.late is True),
        "late_unknown": sum(1 for r in everyone if r.lateness.late is None),
        "pictures": pictures, "tests": tests_view(tests),
    }


def picture(png: bytes, name: str, alt: str) -> dict:
    return {"src": "data:image/png;base64," + base64.b64encode(png).decode("ascii"), "name": name, "alt": alt}


def render_page(results: ClassResults, sections: list[dict], linked: set) -> str:
    """The whole report page."""
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
           "base-uri 'none'; form-action 'none'")
    maxima = {s["id"]: s["max_score"] for s in sections}
    rows, absent = students_view(results, maxima, linked)
    return environment().get_template("report.html.j2").render(
        course=results.course, out_name=Path(results.out_dir).name, sections=sections, rows=rows, absent=absent,
        attention=attention_view(results, linked),
        total_max=sum(maxima.values()), notes=results.notes, csp=csp, script=script,
        generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
