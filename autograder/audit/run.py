"""`course audit ID`: do the hidden graders catch the mistakes they should?

1. Mutants of the reference (mutate.py) and the hand-written corpus
   (tests/submissions/ID/mutants/, when the course has one) are graded by the
   real engine, as a class of students.
2. A mutant that loses points is killed. One that keeps full marks is run
   beside the reference on the inputs the graders use and on fresh random
   inputs of the same shapes: if it answers exactly as the reference does,
   it is an equivalent mutant (no mistake at all) and does not count.
3. Survivors listed in graders/audit_equivalent.toml (reviewed by a person:
   the id and why it is no mistake) do not count either.
4. The rest are the mistakes the graders miss: reported with their diffs.

The last line is `ID: killed K of N mutants (P%)`.
"""
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..config import Assignment, Course
from ..engine.batch import grade_batch
from ..engine.errors import GradingError
from ..engine.grade import grade_submission
from ..engine.handle import StudentFailure, StudentProcess
from ..engine.sandbox import isolation_mode
from ..engine.wire import Fn, Unsupported
from .mutate import Mutant, mutants

REVIEWED_FILE = "audit_equivalent.toml"  # in the course's graders/ folder
RANDOM_VARIANTS = 3
REFERENCE_STUDENT = "the-reference"


@dataclass
class AuditReport:
    assignment: str
    killed: list[Mutant] = field(default_factory=list)
    survivors: list[Mutant] = field(default_factory=list)
    equivalent: list[Mutant] = field(default_factory=list)      # behave as the reference on every input tried
    reviewed: list[Mutant] = field(default_factory=list)        # listed in audit_equivalent.toml
    corpus_caught: list[str] = field(default_factory=list)
    corpus_missed: list[str] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return len(self.killed) + len(self.survivors)

    @property
    def kill_rate(self) -> float:
        return len(self.killed) / self.counted if self.counted else 1.0

    def last_line(self) -> str:
        return f"{self.assignment}: killed {len(self.killed)} of {self.counted} mutants ({100 * self.kill_rate:.0f}%)"


def reviewed_equivalents(path: Path) -> dict[str, str]:
    """mutant id -> why a reviewer judged it no mistake (graders/audit_equivalent.toml)."""
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text())
    return {entry["id"]: entry.get("why", "") for entry in data.get("equivalent", [])}


# -- the inputs the graders use -------------------------------------------------
def recorded_calls(course: Course, assignment: Assignment, isolation: str) -> list[tuple]:
    """(fn, args, kwargs, return_args) of every call the graders make while grading the reference."""
    calls = []
    original = StudentProcess.call

    def record(self, fn, args, kwargs, return_args=False, seconds=None, **options):
        calls.append((fn, tuple(args), dict(kwargs), return_args))
        return original(self, fn, args, kwargs, return_args=return_args, seconds=seconds, **options)

    with tempfile.TemporaryDirectory(prefix="nnfs-audit-") as tmp:
        folder = Path(tmp, "submitted", "reference", assignment.id)
        folder.mkdir(parents=True)
        for module in assignment.modules:
            shutil.copyfile(course.solution_dir(assignment.id) / module, folder / module)
        StudentProcess.call = record
        try:
            grade_submission(course, assignment, "reference", folder, None, isolation)
        finally:
            StudentProcess.call = original
    return calls


def _random_like(value, rng):
    """The same structure with fresh random floats (ints, strings and functions are kept)."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        scale = float(np.std(value)) or 1.0
        return rng.normal(float(np.mean(value)), scale, size=value.shape)
    if type(value) is float:
        return float(rng.normal(value, abs(value) or 1.0))
    if isinstance(value, list):
        return [_random_like(v, rng) for v in value]
    if isinstance(value, tuple):
        return tuple(_random_like(v, rng) for v in value)
    if isinstance(value, dict):
        return {k: _random_like(v, rng) for k, v in value.items()}
    return value


def _same(a, b) -> bool:
    """Equal answers: the same types all the way down (a float is not a 0-d array), values within 1e-9."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (np.ndarray, np.generic)):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "biuf":
            return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, float):
        return bool(np.isclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, Unsupported):
        return a.type_name == b.type_name
    return a == b


def _answer(process, fn, args, kwargs, return_args):
    try:
        got = process.call(fn, args, kwargs, return_args=return_args)
    except StudentFailure as exc:
        return ("raised", type(exc).__name__, getattr(exc, "type", ""))
    if return_args:
        return ("ok", got.result, got.args, got.kwargs)
    return ("ok", got)


def behaves_like_reference(course: Course, assignment: Assignment, mutant_source: str, calls, isolation,
                           seed: int = 0) -> bool:
    """True when the mutant answers every recorded call, and random variants of it, as the reference does."""
    rng = np.random.default_rng(seed)
    variants = [c for c in calls]
    for _ in range(RANDOM_VARIANTS):
        variants += [(fn, _random_like(args, rng), kwargs, ret) for fn, args, kwargs, ret in calls
                     if not any(isinstance(a, Fn) for a in args)]
    limits = assignment.limits
    provided = {name: course.release_dir(assignment.id) / name for name in assignment.provided}
    with tempfile.TemporaryDirectory(prefix="nnfs-audit-") as tmp:
        processes = []
        for name, source in (("reference", None), ("mutant", mutant_source)):
            folder = Path(tmp, name)
            folder.mkdir()
            files = dict(provided)
            for module in assignment.modules:
                path = folder / module
                if source is None:
                    shutil.copyfile(course.solution_dir(assignment.id) / module, path)
                else:
                    path.write_text(source)
                files[module] = path
            processes.append(StudentProcess(
                files, assignment.modules,
                replace(limits, submission_seconds=limits.submission_seconds * 4), mode=isolation))
        try:
            for fn, args, kwargs, return_args in variants:
                if not _same(_answer(processes[0], fn, args, kwargs, return_args),
                             _answer(processes[1], fn, args, kwargs, return_args)):
                    return False
            return True
        finally:
            for process in processes:
                process.close()


# -- the audit -----------------------------------------------------------------------
def audit(course: Course, assignment: Assignment, jobs: int = 2, corpus: Path | None = None,
          report=print) -> AuditReport:
    result = AuditReport(assignment=assignment.id)
    generated = {}
    for module in assignment.modules:
        for mutant in mutants((course.solution_dir(assignment.id) / module).read_text()):
            generated[mutant.id] = (module, mutant)
    corpus_files = sorted((corpus / assignment.id / "mutants").glob("*.py")) if corpus else []
    isolation = isolation_mode()
    with tempfile.TemporaryDirectory(prefix="nnfs-audit-") as tmp:
        subs, out = Path(tmp, "submitted"), Path(tmp, "graded")
        for mutant_id, (module, mutant) in generated.items():
            folder = subs / mutant_id / assignment.id
            folder.mkdir(parents=True)
            (folder / module).write_text(mutant.source)
        reference = subs / REFERENCE_STUDENT / assignment.id  # the graders must give it full marks
        reference.mkdir(parents=True)
        for module in assignment.modules:
            shutil.copyfile(course.solution_dir(assignment.id) / module, reference / module)
        for path in corpus_files:
            folder = subs / f"corpus-{path.stem}" / assignment.id
            folder.mkdir(parents=True)
            shutil.copyfile(path, folder / assignment.modules[0])
        report(f"{assignment.id}: grading {len(generated)} generated mutants and {len(corpus_files)} from the "
               f"corpus with the hidden graders")
        summary = grade_batch(course, assignment, subs, out, jobs=jobs, progress=False, report=lambda line: None)
        graded = summary.graded
        checked = graded[REFERENCE_STUDENT]
        if not checked.graded or checked.score < checked.max_score - 1e-9:
            why = checked.reason if not checked.graded else "; ".join(
                f"{t.test}: {t.output[:200]}" for t in checked.tests if not t.passed)
            raise GradingError(f"{assignment.id}: the reference scores {checked.score or 0:g} of {checked.max_score:g} "
                               f"with its own graders, so no mutant count means anything; fix the graders first "
                               f"({why})")
        survivors = [generated[s][1] for s in generated
                     if graded[s].graded and graded[s].score >= graded[s].max_score - 1e-9]
        result.killed = [generated[s][1] for s in generated if generated[s][1] not in survivors]
        for path in corpus_files:
            r = graded[f"corpus-{path.stem}"]
            (result.corpus_caught if r.graded and r.score < r.max_score else result.corpus_missed).append(path.stem)
    reviewed = reviewed_equivalents(course.graders_dir / REVIEWED_FILE)
    calls = recorded_calls(course, assignment, isolation) if survivors else []
    for mutant in survivors:
        if mutant.id in reviewed:
            result.reviewed.append(mutant)
        elif behaves_like_reference(course, assignment, mutant.source, calls, isolation):
            result.equivalent.append(mutant)
        else:
            result.survivors.append(mutant)
    print_report(result, reviewed, report)
    return result


def print_report(result: AuditReport, reviewed: dict[str, str], report=print):
    for mutant in result.equivalent:
        report(f"  equivalent {mutant.id}: {mutant.description} (answers as the reference on every input tried)")
    for mutant in result.reviewed:
        report(f"  reviewed   {mutant.id}: {mutant.description} ({reviewed[mutant.id]})")
    for mutant in result.survivors:
        report(f"  SURVIVED   {mutant.id}: {mutant.description}")
        report("".join(f"      {line}" for line in mutant.diff.splitlines(True)).rstrip())
    if result.corpus_caught or result.corpus_missed:
        total = len(result.corpus_caught) + len(result.corpus_missed)
        report(f"  hand-written corpus: caught {len(result.corpus_caught)} of {total}"
               + (f"; missed: {', '.join(result.corpus_missed)}" if result.corpus_missed else ""))
    report(result.last_line())
