"""Results in OUT that a run does not grade, found out of date: students whose folder is not in this run's
submissions folder, and the assignments the run does not grade.

A class graded a section at a time into one OUT leaves, after a change of the
late policy, an extension, the limits or the graders, results that no run
looks at: their students are not in the folder being graded. Their files
cannot be checked (their folder is not here), but the graders and settings
parts of their fingerprint (fingerprint.py) can: one that no longer matches
the course makes the result stale (no score, never its old one) until it is
graded again with its folder. A missing result (0) is never made stale this
way: its 0 depends on no grader and no setting.
"""
from pathlib import Path

from ..config import Assignment
from .fingerprint import Fingerprinter
from .model import MISSING, ResultFormatError
from .results import load_result


def stale_because(old, current, chosen: bool = True) -> str:
    """Why a result graded from the fingerprint old is stale, now that its files and settings give current (both
    model.Fingerprint): what changed, in words; "" when that cannot be told. chosen False: the run left it out
    (--student)."""
    if old is None or current is None:
        return ""
    changed = [part for part, differs in (("the submission", old.files != current.files),
                                          ("the graders", old.graders != current.graders),
                                          ("the settings (late policy, due date or extension, limits, points)",
                                           old.settings != current.settings)) if differs]
    if not changed:
        return ""
    return (f"stale: {' and '.join(changed)} changed since it was graded"
            f"{'' if chosen else ' (not chosen with --student)'}; no score until it is regraded")


def unchecked_changes(out_dir: Path, assignment: Assignment, present: set[str], submissions: Path,
                      fingerprinter: Fingerprinter) -> dict[tuple[str, str], str]:
    """(student, assignment id) -> why it is stale, for each result of the assignment in out_dir whose student is
    not in present (this run's students of it; none for an assignment it does not grade) and whose graders or
    settings digest differs from the course's now."""
    found = {}
    for path in sorted(out_dir.glob(f"*/{assignment.id}/results.json")):
        student = path.parent.parent.name
        if student in present:
            continue
        try:
            result = load_result(path)
        except ResultFormatError:
            continue
        old = result.fingerprint
        if old is None or result.status == MISSING or result.student != student:
            continue
        changed = [part for part, differs in (("the graders", old.graders != fingerprinter.graders),
                                              ("the settings (late policy, due date or extension, limits, points)",
                                               old.settings != fingerprinter.settings(student))) if differs]
        if changed:
            found[(student, assignment.id)] = (
                f"stale: {' and '.join(changed)} changed since it was graded; the run that found it (of "
                f"{submissions}) did not grade its folder, so its files could not be checked; no score until it "
                "is graded again with its folder")
    return found
