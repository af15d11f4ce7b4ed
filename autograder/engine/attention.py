"""Who needs the instructor's look, and why: the "needs attention" list.

One list, the same in the summary of every grading run, at the top of
report.html and in the exports' attention column. A result is listed for:
its status (not graded, missing, does not import), a submission time that
cannot be told (late unknown) or an LMS's late mark without a time (the
penalty is one day's, the least), a result left stale (grades.csv), every instructor flag the engine raised (a
byte-for-byte copy of the reference, solution markers left in, the released
stub handed in unchanged (stub_flags, STUB_FLAG); the nbgrader
path adds its flag for a notebook whose locked cells were edited, see
LOCKED_CELLS_FLAG), a pair above SIMILARITY_THRESHOLD in the similarity.csv
of `course similar ID SUBMITTED --out GRADED/similarity/ID`, and an override
(with a second line when the engine's score changed underneath it).

The list is ordered by severity (severity(), by_severity()): not graded, then does
not import, then missing, then tampering and the engine's flags, stale,
an uncertain lateness, similar pairs, overrides last; and so are each
result's reasons. A result with no grade to penalise (missing, not graded,
does not import, stale) gets no lateness line.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..config import Assignment, Course
from . import output_names
from .model import DOES_NOT_IMPORT, GRADED, MISSING, NOT_GRADED, Override, SubmissionResult

SIMILARITY_THRESHOLD = 0.8   # a pair's score (0..1) from which both students are listed
SIMILARITY_DIR = output_names.SIMILARITY  # GRADED/similarity/<assignment>/similarity.csv
MAX_SIMILARITY_BYTES = 4 * 2**20
LOCKED_CELLS_FLAG = "locked cells edited"  # the start of the flag the nbgrader path raises (a hook)
STUB_FLAG = "submitted the stub unchanged"    # the start of the flag for a module that is the released stub
MAX_STUB_BYTES = 2**20                         # a stub larger than this is not compared (none is near it)


@dataclass(frozen=True)
class Attention:
    student: str
    assignment: str
    reasons: tuple[str, ...]


def reasons(result: SubmissionResult, override: Override | None = None,
            similar: list[tuple[str, float]] = (), stale: bool | str = False, grade_only: bool = False) -> list[str]:
    """Why result needs a look (an empty list: it does not). stale: grades.csv marks it out of date (a str: why).
    grade_only: only the reasons that bear on the score recorded (stale, status, lateness, override), not the
    engine's instructor flags or similar pairs (nbgrader's gradebook flags a grade cell for those alone)."""
    why = []
    if stale:  # a str: why it is stale, said more precisely (staleness.py)
        why.append(stale if isinstance(stale, str) else
                   "stale: the submission, the graders or the settings changed since it was graded; "
                   "no score until it is regraded")
    elif result.status == NOT_GRADED:
        why.append(f"not graded: {result.reason}")
    elif result.status == MISSING:
        why.append(f"missing: {result.reason}")
    elif result.status == DOES_NOT_IMPORT:
        why.append(f"does not import: {' '.join(result.reason.split())[:400]}")
    timed = result.status == GRADED and not stale  # a 0, a not graded or a stale result has no late penalty to doubt
    if timed and result.lateness.late is None:
        note = result.lateness.note.removeprefix("Lateness unknown: ")
        why.append("late unknown: " + (note or "no readable submission time"))
    elif timed and result.lateness.late and result.lateness.submitted_at is None \
            and result.lateness.penalty:  # an LMS's late mark without a time (lateness.py)
        why.append(f"late by an unknown number of days: {result.lateness.note}")
    if not grade_only:
        why += list(result.flags)
        why += [f"similar to {other}'s submission (score {score:.2f})" for other, score in similar]
    if override is not None and override.sets_grade:
        engine = "not graded" if result.score is None else f"{result.score:g}"
        why.append(f"{override.describe()}; the engine gives {engine}")
        if override.engine_score != result.score:
            was = "not graded" if override.engine_score is None else f"{override.engine_score:g}"
            why.append(f"the engine's score changed under the override: {was} when it was made, {engine} now")
            applied = override.apply(result)
            if applied is not None and result.score is not None and applied < result.score:
                why.append(f"the override ({applied:g}) is now below the engine's score ({result.score:g}): "
                           f"keep it, or clear it (`course override {result.student} {result.assignment} "
                           "--clear --reason ...`)")
    return sorted(why, key=severity)


# The order of the list, most severe first: no grade the engine stands by, then what the instructor must judge
# (tampering and the engine's flags), a stale result, an uncertain lateness, a similar pair, an override last.
_RANKS = (("not graded:",), ("does not import:",), ("missing:",), (), ("stale:",),
          ("late unknown:", "late by an unknown number of days"), ("similar to ",),
          ("override ", "the engine's score changed under the override", "the override ("))
_FLAG_RANK = 3  # any other reason: an instructor flag (a copy of the reference, edited locked cells, ...)


def severity(reason: str) -> int:
    """A reason's rank in the list (0 most severe), from how attention.py words it."""
    return next((rank for rank, starts in enumerate(_RANKS) if reason.startswith(starts)), _FLAG_RANK)


def by_severity(items, reasons_of=lambda item: item.reasons):
    """items (Attention, or anything reasons_of gives reasons of) most severe first; the order kept among equals."""
    return sorted(items, key=lambda item: min(map(severity, reasons_of(item)), default=_FLAG_RANK))


def _plain(source: bytes) -> bytes:
    """source with its line endings made \\n and the spaces at line ends and file ends taken off."""
    return b"\n".join(line.rstrip() for line in source.replace(b"\r\n", b"\n").split(b"\n")).strip()


def stub_flags(course: Course, assignment: Assignment, modules: dict[str, bytes]) -> list[str]:
    """One flag per graded module that is the released stub (assignments/<ID>/<module>) as handed out: the
    same bytes once line endings and trailing spaces are set aside. modules: module name -> its bytes."""
    flags = []
    for module, data in sorted(modules.items()):
        stub = course.release_dir(assignment.id) / module
        try:
            if not stub.is_file() or stub.stat().st_size > MAX_STUB_BYTES or len(data) > 2 * MAX_STUB_BYTES:
                continue
            released = stub.read_bytes()
        except OSError:
            continue
        if _plain(released) == _plain(data):
            flags.append(f"{STUB_FLAG}: {module} is the released {assignment.id}/{module}, nothing written in it")
    return flags


def similar_pairs(out_dir: Path, assignment: str, threshold: float = SIMILARITY_THRESHOLD) -> dict[str, list]:
    """student -> [(other student, score)] above threshold, from `course similar`'s csv when it was run."""
    path = Path(out_dir) / SIMILARITY_DIR / assignment / "similarity.csv"
    found: dict[str, list] = {}
    try:
        if not path.is_file() or path.stat().st_size > MAX_SIMILARITY_BYTES:
            return found
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            for row in csv.DictReader(f):
                try:
                    score = float(row["score"])
                except (KeyError, TypeError, ValueError):
                    continue
                if score >= threshold:
                    a, b = row["student_a"].removeprefix("'"), row["student_b"].removeprefix("'")
                    found.setdefault(a, []).append((b, score))
                    found.setdefault(b, []).append((a, score))
    except OSError:
        pass
    return found


def stale_why(stale, key) -> bool | str:
    """Whether key (student, assignment) is in stale (a set of keys, or a dict key -> why): False, True, or why."""
    if key not in stale:
        return False
    return (stale.get(key) or True) if isinstance(stale, dict) else True


def attention_list(results: list[SubmissionResult], overrides: dict, out_dir: Path | None = None,
                   stale=frozenset()) -> list[Attention]:
    """Every result that needs a look, by assignment then student; stale: (student, assignment) out of date (a
    set, or a dict of them to why)."""
    similar = {}
    listed = []
    for result in sorted(results, key=lambda r: (r.assignment, r.student)):
        if out_dir is not None and result.assignment not in similar:
            similar[result.assignment] = similar_pairs(out_dir, result.assignment)
        why = reasons(result, overrides.get((result.student, result.assignment)),
                      similar.get(result.assignment, {}).get(result.student, []),
                      stale_why(stale, (result.student, result.assignment)))
        if why:
            listed.append(Attention(result.student, result.assignment, tuple(" ".join(w.split()) for w in why)))
    return by_severity(listed)
