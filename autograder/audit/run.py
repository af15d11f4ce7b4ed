"""`course audit ID`: do the hidden graders catch the mistakes, and charge each once?

1. Mutants of the reference (mutate.py) and the hand-written corpus
   (tests/submissions/ID/mutants/, when the course has one) are graded by the
   real engine, as a class of students.
2. A mutant that loses points is killed. Each hidden test it lost points in
   is mapped to the function that test grades (the mapping `course show`
   prints); a killed mutant is charged once when it lost points only in tests
   of the function it changed. Where charging it elsewhere is fair, that is
   written, with why, in graders/audit_exceptions.toml (exceptions.py).
3. A mutant that keeps full marks is run beside the reference on the inputs
   the graders use and on fresh random inputs of the same shapes: if it
   answers exactly as the reference does, it is equivalent (no mistake) and
   does not count; nor do survivors listed in graders/audit_equivalent.toml
   (reviewed by a person), nor mutants that do not import. A float32 slip
   that keeps every type and dtype and only rounds differently is
   equivalent too; a deleted validation only if the graders gave input the
   reference refuses (and the mutant refused it as well).
4. The rest are the mistakes the graders miss: reported with their diffs.

The last line is `ID: killed K of N mutants (P%); charged once: C of K (Q%)`.

With styles (`--styles`), the correct variants written in other styles
(course.toml [audit] styles, default tests/submissions/ID/correct/*.py, each
standing for the assignment's first module) are audited the same way: a
variant must first score full marks (else it is reported and skipped); its
graded functions' bodies are mutated by the same operators, and its survivors
are compared with the variant itself. This sees what the reference's style
hides: a mistake in a building block charged again where a variant's later
function calls that building block and the reference's does not. A second
line follows: `ID (other styles, V variants): killed K of N mutants (P%);
charged once: C of K (Q%)`; their mutants are numbered per variant
(`#loops:3`, which `--show loops:3` prints).
"""
import math
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..authoring.show import graded_functions, hidden_tests, primary_function
from ..config import Assignment, Course
from ..engine.batch import grade_batch
from ..engine.errors import GradingError
from ..engine.grade import grade_submission
from ..engine.handle import StudentFailure, StudentProcess
from ..engine.model import GRADED, SubmissionResult
from ..engine.sandbox import isolation_mode
from ..engine.wire import Fn, Unsupported
from .exceptions import EQUIVALENT_FILE, EXCEPTIONS_FILE, ChargedElsewhere, charged_elsewhere, reviewed_equivalents
from .mutate import OPERATORS, Mutant, mutants

RANDOM_VARIANTS = 3
REFERENCE_STUDENT = "the-reference"   # graded first: it must score full marks
# A deleted validation is equivalent only when the graders give the function input the reference refuses
# (and the mutant refuses it too, e.g. numpy raising the same error): not by the graders never trying.
NEEDS_REFUSAL = {"delete-raise": "a deleted validation: no hidden test gives this function input the reference "
                                 "refuses"}
IMPORT_FAILURES = ("could not be imported", "exited while being imported", "importing your module")
KILLED, SURVIVED, EQUIVALENT, REVIEWED, NO_IMPORT, NOT_GRADED = (
    "killed", "SURVIVED", "equivalent", "reviewed", "does not import", "NOT GRADED")


@dataclass(frozen=True)
class Charge:
    """Points a mutant lost in one hidden test, and the function that test grades (None: none)."""
    test: str
    lost: float
    function: str | None


@dataclass
class MutantResult:
    number: int                       # 1-based, in the order mutants() makes them: `--show N`
    mutant: Mutant
    status: str = KILLED
    charges: list[Charge] = field(default_factory=list)
    note: str = ""                    # why: equivalent, reviewed, not graded, does not import
    fair: ChargedElsewhere | None = None   # the exception that explains charges elsewhere
    variant: str | None = None        # the correct variant it was made of (its file's stem); None: the reference

    @property
    def label(self) -> str:
        """#N for the reference's mutants, #VARIANT:N for a variant's (what --show takes, without the #)."""
        return f"#{self.variant}:{self.number}" if self.variant else f"#{self.number}"

    @property
    def lost(self) -> float:
        return round(sum(c.lost for c in self.charges), 6)

    @property
    def elsewhere(self) -> list[Charge]:
        """The charges in tests of other functions than the one it changed."""
        return [c for c in self.charges if c.function != self.mutant.function]

    @property
    def charged_once(self) -> bool:
        return self.status == KILLED and not self.elsewhere


@dataclass
class AuditReport:
    assignment: str
    results: list[MutantResult] = field(default_factory=list)
    corpus_caught: list[str] = field(default_factory=list)
    corpus_missed: list[str] = field(default_factory=list)
    label: str = ""                   # what the last line names: the assignment, or "ID (other styles, V variants)"
    skipped: list[str] = field(default_factory=list)   # variants that do not score full marks, each with why
    styles: "AuditReport | None" = None   # --styles: the audit of the correct variants in other styles

    def having(self, status: str) -> list[MutantResult]:
        return [r for r in self.results if r.status == status]

    @property
    def killed(self) -> list[MutantResult]:
        return self.having(KILLED)

    @property
    def counted(self) -> int:
        """Killed, survived or not graded: the mutants that are mistakes the graders had to judge."""
        return len(self.killed) + len(self.having(SURVIVED)) + len(self.having(NOT_GRADED))

    @property
    def kill_rate(self) -> float:
        return len(self.killed) / self.counted if self.counted else 1.0

    @property
    def charged_once(self) -> list[MutantResult]:
        return [r for r in self.killed if r.charged_once]

    @property
    def charged_once_rate(self) -> float:
        return len(self.charged_once) / len(self.killed) if self.killed else 1.0

    def last_line(self) -> str:
        # Rounded down: 99.6% is not 100%.
        return (f"{self.label or self.assignment}: killed {len(self.killed)} of {self.counted} mutants "
                f"({math.floor(100 * self.kill_rate)}%); charged once: {len(self.charged_once)} of "
                f"{len(self.killed)} ({math.floor(100 * self.charged_once_rate)}%)")


# -- the inputs the graders use -------------------------------------------------
def graded_reference(course: Course, assignment: Assignment, isolation: str,
                     variant: Path | None = None) -> tuple[SubmissionResult, list]:
    """The reference's grade (or a correct variant's), and (fn, args, kwargs, return_args) of every call the
    graders made for it."""
    calls = []
    original = StudentProcess.call

    def record(self, fn, args, kwargs, return_args=False, seconds=None, **options):
        calls.append((fn, tuple(args), dict(kwargs), return_args))
        return original(self, fn, args, kwargs, return_args=return_args, seconds=seconds, **options)

    with tempfile.TemporaryDirectory(prefix="nnfs-audit-") as tmp:
        folder = Path(tmp, "submitted", "reference", assignment.id)
        _write_submission(course, assignment, folder, None, variant)
        StudentProcess.call = record
        try:
            graded = grade_submission(course, assignment, REFERENCE_STUDENT, folder, None, isolation)
        finally:
            StudentProcess.call = original
    return graded, calls


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


STRICT = dict(rtol=1e-9, atol=1e-12)
FLOAT32 = dict(rtol=1e-5, atol=1e-6)   # what computing in float32 instead of float64 changes, at most


def _same(a, b, tolerance=STRICT) -> bool:
    """Equal answers: the same types all the way down (a float is not a 0-d array), values within tolerance."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (np.ndarray, np.generic)):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "biuf":
            return bool(np.allclose(a, b, equal_nan=True, **tolerance))
        return bool(np.array_equal(a, b))
    if isinstance(a, float):
        return bool(np.isclose(a, b, equal_nan=True, **tolerance))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y, tolerance) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], tolerance) for k in a)
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


def behaves_like_reference(course: Course, assignment: Assignment, mutant: Mutant, calls, isolation,
                           seed: int = 0, tolerance=STRICT, refusal_in: str | None = None,
                           variant: Path | None = None) -> bool:
    """True when the mutant answers every recorded call, and random variants of it, as the reference (or the
    correct variant it was made of) does (the same types, shapes and dtypes; values within tolerance).
    refusal_in: a function name; then only if at least one of those calls to it is one the reference refuses
    (raises for)."""
    rng = np.random.default_rng(seed)
    variants = [c for c in calls]
    for _ in range(RANDOM_VARIANTS):
        variants += [(fn, _random_like(args, rng), kwargs, ret) for fn, args, kwargs, ret in calls
                     if not any(isinstance(a, Fn) for a in args)]
    limits = assignment.limits
    provided = {name: course.release_dir(assignment.id) / name for name in assignment.provided}
    with tempfile.TemporaryDirectory(prefix="nnfs-audit-") as tmp:
        processes = []
        for name, changed in (("reference", None), ("mutant", mutant)):
            folder = Path(tmp, name)
            folder.mkdir()
            files = dict(provided)
            _write_submission(course, assignment, folder, changed, variant)
            files.update({module: folder / module for module in assignment.modules})
            processes.append(StudentProcess(
                files, assignment.modules,
                replace(limits, submission_seconds=limits.submission_seconds * 4), mode=isolation))
        try:
            refused = False
            for fn, args, kwargs, return_args in variants:
                expected = _answer(processes[0], fn, args, kwargs, return_args)
                if not _same(expected, _answer(processes[1], fn, args, kwargs, return_args), tolerance):
                    return False
                refused |= getattr(fn, "name", fn) == refusal_in and expected[0] == "raised"
            return refused or refusal_in is None
        finally:
            for process in processes:
                process.close()


# -- the audit -----------------------------------------------------------------------
def _sources(course: Course, assignment: Assignment, variant: Path | None = None) -> dict[str, Path]:
    """module name -> the file it is: the reference's, with a correct variant in place of the first module."""
    files = {module: course.solution_dir(assignment.id) / module for module in assignment.modules}
    if variant is not None:
        files[assignment.modules[0]] = variant
    return files


def _write_submission(course: Course, assignment: Assignment, folder: Path, mutant: Mutant | None,
                      variant: Path | None = None):
    """The reference's modules (or the variant in place of the first) in folder, the mutant's in place of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    for module, path in _sources(course, assignment, variant).items():
        if mutant is not None and mutant.module == _relative(course, path):
            (folder / module).write_text(mutant.source, encoding="utf-8")
        else:
            shutil.copyfile(path, folder / module)


def _relative(course: Course, path: Path) -> str:
    return str(path.relative_to(course.root)) if path.is_relative_to(course.root) else str(path)


def all_mutants(course: Course, assignment: Assignment) -> list[Mutant]:
    """Every mutant of the assignment's reference modules, in the order --list numbers them."""
    found = []
    for module in assignment.modules:
        path = course.solution_dir(assignment.id) / module
        found += mutants(path.read_text(encoding="utf-8"), _relative(course, path))
    return found


def style_variants(course: Course, assignment: Assignment) -> list[Path]:
    """The correct variants in other styles: the .py files of course.toml's [audit] styles folder."""
    return sorted(course.styles_dir(assignment.id).glob("*.py"))


def variant_mutants(course: Course, assignment: Assignment, variant: Path) -> list[Mutant]:
    """Every mutant of a correct variant: its graded functions' bodies, in the order --list numbers them."""
    functions = tests_to_functions(course, assignment)["functions"]
    return mutants(variant.read_text(encoding="utf-8"), _relative(course, variant), functions=functions)


def tests_to_functions(course: Course, assignment: Assignment) -> dict:
    """{"functions": graded function names, "tests": {hidden test: the function it grades, or None}}:
    the mapping `course show` lists tests under."""
    functions = []
    for module in assignment.modules:
        functions += [f.name for f in graded_functions(
            (course.solution_dir(assignment.id) / module).read_text(encoding="utf-8"))]
    if not course.grader_file(assignment.id).is_file():
        return {"functions": functions, "tests": {}}
    return {"functions": functions,
            "tests": {t.name: primary_function(t) for t in hidden_tests(course, assignment, functions)}}


def read_exceptions(course: Course) -> list[ChargedElsewhere]:
    """graders/audit_exceptions.toml, checked against every assignment (AuditFileError names file, line, key)."""
    path = course.graders_dir / EXCEPTIONS_FILE
    if not path.is_file():
        return []
    mapping = {a.id: tests_to_functions(course, a) for a in course.assignments}
    return charged_elsewhere(path, mapping, list(OPERATORS), _relative(course, path))


def charges(result: SubmissionResult, tests: dict[str, str | None]) -> list[Charge]:
    """The hidden tests the submission lost points in, each with the function it grades."""
    return [Charge(t.test, round(t.max_score - t.score, 6), tests.get(t.test.split("[")[0]))
            for t in result.tests if t.score < t.max_score - 1e-9]


def classify(number: int, mutant: Mutant, graded: SubmissionResult, tests: dict,
             exceptions: list[ChargedElsewhere], assignment: str) -> MutantResult:
    """Killed, survived (for now: may prove equivalent), not graded, or does not import."""
    result = MutantResult(number, mutant)
    if graded.status != GRADED:
        result.status, result.note = NOT_GRADED, graded.reason
        return result
    result.charges = charges(graded, tests)
    failed = [t for t in graded.tests if not t.passed]
    if failed and all(any(word in t.output for word in IMPORT_FAILURES) for t in failed):
        result.status, result.note, result.charges = NO_IMPORT, failed[0].output.splitlines()[0][:200], []
    elif not result.charges:
        result.status = SURVIVED
    elif result.elsewhere:
        result.fair = next((e for e in exceptions if e.covers(assignment, mutant.function, mutant.operator,
                                                                 [c.test.split("[")[0] for c in result.elsewhere])),
                           None)
    return result


def audit(course: Course, assignment: Assignment, jobs: int = 2, corpus: Path | None = None,
          report=print, listing: bool = False, styles: bool = False) -> AuditReport:
    """Grade every mutant; report (one line at a time) what the graders miss or charge twice, or with
    listing every mutant; the last line is AuditReport.last_line(). styles: then the correct variants in
    other styles too (AuditReport.styles), reported after, ending with their own line."""
    exceptions = read_exceptions(course)
    reviewed = reviewed_equivalents(course.graders_dir / EQUIVALENT_FILE,
                                    _relative(course, course.graders_dir / EQUIVALENT_FILE))
    generated = all_mutants(course, assignment)
    tests = tests_to_functions(course, assignment)["tests"]
    corpus_files = sorted((corpus / assignment.id / "mutants").glob("*.py")) if corpus else []
    isolation = isolation_mode()
    result = AuditReport(assignment=assignment.id)
    checked, calls = graded_reference(course, assignment, isolation)
    if not _full_marks(checked):
        raise GradingError(f"{assignment.id}: the reference scores {checked.score or 0:g} of {checked.max_score:g} "
                           f"with its own graders, so no mutant count means anything; fix the graders first "
                           f"({_why_not_full(checked)})")
    report(f"{assignment.id}: grading {len(generated)} generated mutants and {len(corpus_files)} from the "
           f"corpus with the hidden graders")
    corpus_entries = [(f"corpus-{path.stem}", path) for path in corpus_files]
    graded = _grade(course, assignment, [(f"mutant-{n}", m, None) for n, m in enumerate(generated, start=1)],
                    corpus_entries, jobs)
    result.results = [classify(number, mutant, graded[f"mutant-{number}"], tests, exceptions, assignment.id)
                      for number, mutant in enumerate(generated, start=1)]
    for name, path in corpus_entries:
        r = graded[name]
        (result.corpus_caught if _caught(r) else result.corpus_missed).append(path.stem)
    _settle_survivors(course, assignment, result.having(SURVIVED), {None: calls}, isolation, reviewed)
    (print_list if listing else print_report)(result, report)
    if styles:
        result.styles = audit_styles(course, assignment, jobs, tests, exceptions, reviewed, isolation, report,
                                     listing)
    return result


def audit_styles(course: Course, assignment: Assignment, jobs: int, tests: dict, exceptions, reviewed,
                 isolation: str, report=print, listing: bool = False) -> AuditReport:
    """The audit of the correct variants in other styles: each must score full marks first (else it is reported
    and skipped); their mutants are graded as one class and judged as the reference's are."""
    variants, skipped, calls = [], [], {}
    for path in style_variants(course, assignment):
        checked, recorded = graded_reference(course, assignment, isolation, variant=path)
        if _full_marks(checked):
            variants.append(path)
            calls[path.stem] = recorded
        else:
            skipped.append(f"{_relative(course, path)}: scores {checked.score or 0:g} of {checked.max_score:g}, "
                           f"not full marks, so its mutants would mean nothing ({_why_not_full(checked)})")
    result = AuditReport(assignment=assignment.id, skipped=skipped,
                         label=f"{assignment.id} (other styles, {len(variants)} variant"
                               f"{'' if len(variants) == 1 else 's'})")
    made = [(path, number, mutant) for path in variants
            for number, mutant in enumerate(variant_mutants(course, assignment, path), start=1)]
    where = _relative(course, course.styles_dir(assignment.id))
    plural = "" if len(variants) == 1 else "s"
    report(f"{assignment.id} (other styles): grading {len(made)} mutants of {len(variants)} correct variant{plural} in "
           f"{where} ({', '.join(p.stem for p in variants) or 'none'}) with the hidden graders")
    entries = [(f"{path.stem}-{number}", mutant, path) for path, number, mutant in made]
    graded = _grade(course, assignment, entries, [], jobs) if made else {}
    for path, number, mutant in made:
        r = classify(number, mutant, graded[f"{path.stem}-{number}"], tests, exceptions, assignment.id)
        r.variant = path.stem
        result.results.append(r)
    by_stem = {path.stem: path for path in variants}
    _settle_survivors(course, assignment, result.having(SURVIVED), calls, isolation, reviewed, by_stem)
    (print_list if listing else print_report)(result, report)
    return result


def _full_marks(graded: SubmissionResult) -> bool:
    return graded.status == GRADED and graded.score >= graded.max_score - 1e-9


def _why_not_full(graded: SubmissionResult) -> str:
    return graded.reason if graded.status != GRADED else "; ".join(
        f"{t.test}: {t.output[:200]}" for t in graded.tests if not t.passed)


def _caught(graded: SubmissionResult) -> bool:
    return graded.status == GRADED and graded.score < graded.max_score - 1e-9


def _grade(course: Course, assignment: Assignment, entries, corpus_entries, jobs: int) -> dict:
    """Grade, as one class, each (student name, mutant, variant it was made of or None) and each
    (student name, hand-written corpus file); {student name: SubmissionResult}."""
    with tempfile.TemporaryDirectory(prefix="nnfs-audit-") as tmp:
        subs, out = Path(tmp, "submitted"), Path(tmp, "graded")
        for name, mutant, variant in entries:
            _write_submission(course, assignment, subs / name / assignment.id, mutant, variant)
        for name, path in corpus_entries:
            folder = subs / name / assignment.id
            folder.mkdir(parents=True)
            shutil.copyfile(path, folder / assignment.modules[0])
        summary = grade_batch(course, assignment, subs, out, jobs=jobs, progress=False, report=lambda line: None)
        if summary.stopped or summary.interrupted:
            raise GradingError(f"{assignment.id}: the mutants could not all be graded: "
                               f"{summary.stopped or 'interrupted'}")
        return summary.graded


def _settle_survivors(course: Course, assignment: Assignment, survivors: list[MutantResult], calls: dict,
                      isolation: str, reviewed: dict, variants: dict | None = None):
    """Reviewed, equivalent (answers as what it was made of: calls[variant stem or None] are the graders' calls
    for that), or a survivor with the reason it counts."""
    for r in survivors:
        base = (variants or {}).get(r.variant)
        recorded = calls[r.variant]
        made_of = f"the variant {r.variant}" if r.variant else "the reference"
        if r.mutant.id in reviewed:
            r.status, r.note = REVIEWED, reviewed[r.mutant.id]
        elif behaves_like_reference(course, assignment, r.mutant, recorded, isolation, variant=base,
                                    refusal_in=r.mutant.function if r.mutant.operator in NEEDS_REFUSAL else None):
            r.status, r.note = EQUIVALENT, f"answers as {made_of} on every input tried" + (
                ", refusals included" if r.mutant.operator in NEEDS_REFUSAL else "")
        elif r.mutant.operator in NEEDS_REFUSAL:
            r.note = NEEDS_REFUSAL[r.mutant.operator]
        elif "float32" in r.mutant.description and behaves_like_reference(course, assignment, r.mutant, recorded,
                                                                           isolation, tolerance=FLOAT32,
                                                                           variant=base):
            # float32 inside, float64 out: no dtype changes, the values only round differently.
            r.status, r.note = EQUIVALENT, (f"answers as {made_of} on every input tried, with the same types and "
                                            "dtypes, to float32's precision (rtol 1e-5)")


def _location(r: MutantResult) -> str:
    return f"{r.mutant.module}:{r.mutant.line} ({r.mutant.function})"


def _charges(r: MutantResult) -> str:
    return ", ".join(f"{c.test} -{c.lost:g}" + ("" if c.function == r.mutant.function else
                                                  f" ({c.function or 'no graded function'})")
                     for c in r.charges)


def _verdict(r: MutantResult) -> str:
    if r.status != KILLED:
        return r.note
    if r.charged_once:
        return ""
    if r.fair:
        return f"charged elsewhere, fair: {r.fair.why}"
    return "NOT CHARGED ONCE"


def print_list(result: AuditReport, report=print):
    """Every mutant: number, status, operator, where, points lost and in which tests (other functions' named)."""
    for r in result.results:
        lost = f"lost {r.lost:g}: {_charges(r)}" if r.charges else "lost nothing"
        verdict = _verdict(r)
        report(f"  {r.label:<4} {r.status:<10} {r.mutant.operator:<15} {_location(r)}: {r.mutant.description}")
        report(f"       {lost}" + (f"  [{verdict}]" if verdict else ""))
    _print_tail(result, report)


def print_report(result: AuditReport, report=print):
    """What needs a look: survivors (with diffs), mutants charged outside their function, and the rest in brief."""
    for r in result.results:
        if r.status in (EQUIVALENT, REVIEWED, NO_IMPORT, NOT_GRADED):
            report(f"  {r.status:<10} {r.label} {r.mutant.operator} {_location(r)}: {r.mutant.description} "
                   f"({r.note})")
    for r in result.having(KILLED):
        if not r.charged_once:
            report(f"  {'fair' if r.fair else 'NOT ONCE':<10} {r.label} {r.mutant.operator} {_location(r)}: "
                   f"{r.mutant.description}; lost {r.lost:g}: {_charges(r)}"
                   + (f" (fair: {r.fair.why})" if r.fair else ""))
    for r in result.having(SURVIVED):
        report(f"  SURVIVED   {r.label} {r.mutant.operator} {_location(r)}: {r.mutant.description}"
               + (f" ({r.note})" if r.note else ""))
        report("".join(f"      {line}" for line in r.mutant.diff.splitlines(True)).rstrip())
    _print_tail(result, report)


def _print_tail(result: AuditReport, report):
    for why in result.skipped:
        report(f"  skipped variant {why}")
    if result.corpus_caught or result.corpus_missed:
        total = len(result.corpus_caught) + len(result.corpus_missed)
        report(f"  hand-written corpus: caught {len(result.corpus_caught)} of {total}"
               + (f"; missed: {', '.join(result.corpus_missed)}" if result.corpus_missed else ""))
    report(result.last_line())


def show_mutant(course: Course, assignment: Assignment, which: str) -> str:
    """`--show N`: mutant N (or the mutant with that id) as a unified diff against the reference;
    `--show VARIANT:N`: mutant N of that correct variant (`--styles`), as a diff against the variant."""
    stem, _, number = which.rpartition(":")
    variants = {path.stem: path for path in style_variants(course, assignment)}
    if stem and stem not in variants:
        raise LookupError(f"{assignment.id} has no correct variant {stem!r} in "
                          f"{_relative(course, course.styles_dir(assignment.id))} "
                          f"({', '.join(variants) or 'none'})")
    generated = variant_mutants(course, assignment, variants[stem]) if stem else all_mutants(course, assignment)
    label = f"#{stem}:" if stem else "#"
    for n, mutant in enumerate(generated, start=1):
        if number == str(n) or which == mutant.id:
            return (f"{label}{n} {mutant.id}: {mutant.operator} at {mutant.module}:{mutant.line} "
                    f"({mutant.function}): {mutant.description}\n{mutant.diff.rstrip()}")
    whose = f"{assignment.id}'s variant {stem}" if stem else assignment.id
    raise LookupError(f"{whose} has {len(generated)} mutants (1 to {len(generated)}); no mutant {which!r}")
