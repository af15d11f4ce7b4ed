"""The ``course`` command: build the release, grade a class, and more.

Every subcommand that reads a course says on stderr which course.toml it uses
(--course, else $COURSE_TOML, else the first course.toml in the working folder
or above it; none there is an error, never the one beside the package) and
exits non-zero with a one-line message when it cannot run at all (an errors.UserError, said by main with its
exit code; the codes are named in errors.py). Only argparse and the config are imported here; each
subcommand imports what it uses, so `course --help` costs less than
`python -c "import numpy"`.

Exit codes of `course grade`: 0 every submission has a grade (however low);
2 bad input, nothing graded (course.toml, a folder that is not a submissions
layout, an unknown --student); 3 grading could not run (missing data, broken
graders, a sandbox that will not start): the batch stopped; 4 some
submissions are NOT GRADED (listed, each with its reason; see docs/grading.md);
5 every submission has a score, but some modules are missing or do not
import (each scored 0 and listed for attention); 130 interrupted (every
finished result is kept: run it again to resume).
"""
import argparse
import contextlib
import functools
import sys
from pathlib import Path

from . import log
from .config import find_course_path
from .config import load_course as _load_course_file
from .errors import EXIT_CANNOT_GRADE, EXIT_FAILED, EXIT_NO_MNIST, EXIT_OK, UserError

_announced: set = set()
_log = log.get()


@contextlib.contextmanager
def adding(suffix: str, *kinds: type[UserError]):
    """Within it, an error of kinds (UserErrors of the domain: LayoutError, OverrideError, RosterError, ...) is
    said by cli.main with suffix after its message: what the command left undone ("; nothing was written")."""
    try:
        yield
    except kinds as exc:
        exc.suffix = suffix
        raise


def load_course(given):
    """The course of this command (config.find_course_path), its path said once on stderr."""
    path, how = find_course_path(given)
    if str(path) not in _announced:
        _announced.add(str(path))
        log.get().info("course: using %s (%s)", path.resolve() if path.exists() else path, how)
    return _load_course_file(path)


def _skip_iri_grammar():
    """Keep jsonschema from building rfc3987_syntax's Lark grammar (1.7-2 s) at import.

    nbformat imports jsonschema, and jsonschema's optional "iri" format check
    imports rfc3987_syntax when it is installed (jupyter-events pulls it in).
    No schema this command validates (notebooks, Gradescope results) uses that
    format, so the command marks the module as absent, which jsonschema
    handles by not registering the check. Nothing changes where
    rfc3987_syntax is already imported.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def _cmd_build(args) -> int:
    from .engine.grader_points import check_points
    from .build import NotebooksEditedError, build, notebook_path, stale_files

    course = load_course(args.course)
    check_points(course, missing_ok=True)  # the graders' points add up (course grade insists on the graders)
    if args.check:
        from .notebook.digest import edit_state

        stale = stale_files(course)
        notebooks = {notebook_path(course, a): a.id for a in course.assignments}
        for path in stale:
            why = edit_state(path) if path in notebooks else None
            hint = f": {why}; `course notebook pull {notebooks[path]}` keeps the edits" if why else ""
            _log.warning(f"stale: {path.relative_to(course.root)}{hint}")
        if stale:
            _log.warning("The committed release is out of date: run `course build`.")
            return EXIT_FAILED
        print("release is up to date")
        return EXIT_OK
    try:
        written = build(course, overwrite_notebooks=args.overwrite_notebooks)
    except NotebooksEditedError as exc:  # everything else was written
        for path in exc.written:
            print(f"wrote {path.relative_to(course.root)}")
        _log.error(f"course build: {exc}")
        return EXIT_FAILED
    for path in written:
        print(f"wrote {path.relative_to(course.root)}")
    print(f"release built: {len(written)} file(s) changed")
    return EXIT_OK


def _cmd_notebook_pull(args) -> int:
    from .notebook.pull import pull

    course = load_course(args.course)
    pulled = pull(course, course.assignment(args.assignment), force=args.force)
    for note in pulled.notes:
        _log.info(f"course notebook pull: {note}")
    source = pulled.source.relative_to(course.root)
    print(f"wrote {source}" if pulled.changed else f"{source} already holds the notebook's cells")
    print(f"rebuilt {pulled.notebook.relative_to(course.root)} from it (outputs dropped)")
    return EXIT_OK


def _missing_mnist(course, args) -> tuple[str | None, list[str]]:
    """(None, []) when the assignments to grade do not read MNIST or it is there (fetched if need be); else
    the paragraph saying what is missing, where it was looked for and how to get it, and the ids of the
    assignments that need it."""
    from data.fetch import MNISTUnavailable, ensure_mnist, needs_mnist

    from .engine.submission import find_students

    if args.all:
        assignments = [a for a in course.assignments
                       if find_students(args.submissions.resolve(), a.id, required=False).students]
    else:
        assignments = [course.assignment(args.assignment)]
    needing = [a.id for a in assignments if needs_mnist(course, a)]
    if not needing:
        return None, []
    try:
        ensure_mnist(course, progress=not args.quiet)
    except MNISTUnavailable as exc:
        return str(exc), needing
    return None, []


def _cmd_grade(args) -> int:
    from .engine.batch import grade_all, grade_batch, worst_exit_code
    from .engine.submission import LayoutError
    from .extensions import ExtensionsError
    from .engine.grader_points import check_points

    course = load_course(args.course)
    if bool(args.all) == bool(args.assignment):
        raise UserError("give either --assignment ID or --all")
    if args.scheduler:  # a tls:// scheduler without certificates: said at once, before anything is done
        from .engine.cluster_tls import client_security
        client_security(args.scheduler)
    # points that do not add up stop everything before anything is graded or written (exit 2)
    check_points(course, [course.assignment(args.assignment)] if args.assignment else None)
    if not args.submissions.is_dir():
        raise UserError(f"{args.submissions} is not a folder")
    options = dict(jobs=args.jobs, force=args.force, progress=not args.quiet, students=args.student,
                   scheduler=args.scheduler)
    if args.gradebook:  # a tampered notebook is flagged in the run that grades it (grades.csv, the summary)
        from .gradebook import notebook_flagger
        options["amend"] = notebook_flagger(args.gradebook)
    with adding("; nothing was graded or written", LayoutError, ExtensionsError):  # a folder layout, extensions.csv
        missing, needing = _missing_mnist(course, args)
        if missing and not args.all:  # MNIST is not there and cannot be fetched: nobody is graded (exit 3)
            _log.warning(f"course grade: {missing}")
            return EXIT_NO_MNIST
        if args.all:
            if missing and len(needing) == len(course.assignments):
                _log.warning(f"course grade: {missing}")
                return EXIT_NO_MNIST
            summaries = grade_all(course, args.submissions, args.out, leave_out=needing, **options)
            if missing:  # the others are graded; these are not, and the exit status says so
                _log.warning(f"course grade: not graded: {', '.join(needing)}. {missing}")
                return EXIT_NO_MNIST
        else:
            summaries = [grade_batch(course, course.assignment(args.assignment), args.submissions, args.out,
                                     **options)]
    if args.gradebook and not any(s.interrupted for s in summaries):
        from .gradebook import record_in_gradebook
        for summary in summaries:
            record_in_gradebook(course, course.assignment(summary.assignment), args.out, args.gradebook)
    return worst_exit_code(s.exit_code for s in summaries)


def _cmd_history(args) -> int:
    from .grade_history import history_lines

    if not args.out.is_dir():
        raise UserError(f"{args.out} is not a folder (the --out folder of `course grade`)")
    if args.assignment is not None:
        load_course(args.course).assignment(args.assignment)  # an unknown id: exit 2, naming the known ones
    lines = history_lines(args.out, args.student, args.assignment)
    if not lines:
        who = " ".join(x for x in (args.student, args.assignment) if x)
        _log.warning(f"course history: no grade recorded in {args.out}" + (f" for {who}" if who else ""))
        return EXIT_FAILED
    print("\n".join(lines))
    return EXIT_OK


def _cmd_override(args) -> int:
    from .grade_history import OverrideError, set_override

    course = load_course(args.course)
    assignment = course.assignment(args.assignment)
    with adding("; nothing was recorded", OverrideError):
        line = set_override(args.out, assignment, args.student, args.reason or "",
                            score=args.score, test=args.test, points=args.points, comment=args.comment or "",
                            clear=args.clear)
    print(line)
    return EXIT_OK


def _cmd_collect(args) -> int:
    from .collect.run import collect
    from .roster import load_roster

    course = load_course(args.course)
    assignment = course.assignment(args.assignment)
    roster = load_roster(course.root)
    done = collect(course, assignment, args.download, args.out, roster, timezone=args.timezone,
                   canvas_submissions=args.canvas_submissions, replace=args.replace)
    for note in done.notes:
        _log.info(f"course collect: {note}")
    for line in done.unplaced:
        _log.warning(f"course collect: not placed: {line}")
    if done.late_without_time:
        _log.warning(f"course collect: Canvas marks {len(done.late_without_time)} submission(s) LATE but records no "
              f"time: late_mark.txt says so and each counts as 1 day late (give --canvas-submissions for the "
              f"times): {', '.join(done.late_without_time)}")
    _print_collect_refusals(done, args.out, assignment.id)
    kinds = ", ".join(sorted(done.platforms)) or "nothing recognised"
    print(f"collected {len(done.placed)} student(s) of {assignment.id} into {args.out} ({kinds}); "
          f"{len(done.not_graded)} marked not graded; {len(done.unplaced)} file(s) not placed"
          + (f"; {len(done.absent)} rostered student(s) not in the download" if done.absent else "")
          + (f"; {len(done.kept)} folder(s) kept as they were" if done.kept else ""))
    return EXIT_FAILED if done.unplaced and not done.placed else EXIT_OK


def _print_collect_refusals(done, out: Path, assignment_id: str):
    """collect's students it would not guess (course grade reports them not graded) and the absent ones."""
    from .engine.submission import NOT_GRADED_SUFFIX
    for student, why in sorted(done.not_graded.items()):
        _log.warning(f"course collect: NOT GRADED {student} ({out / student / assignment_id}{NOT_GRADED_SUFFIX}): {why}")
    if done.absent:
        _log.warning(f"course collect: on roster.csv, nothing in the download: {', '.join(done.absent)}")
    for student, why in sorted(done.kept.items()):
        _log.warning(f"course collect: KEPT {student} ({out / student / assignment_id}): {why}; not replaced by the "
              f"download (its files, times and marker are as you left them): to replace it, --replace {student} "
              "or delete that folder")


def _cmd_new(args) -> int:
    from .authoring.scaffold import ScaffoldError, plan_assignment, write_plan

    course = load_course(args.course)
    provided = [name.strip() for name in args.provided.split(",") if name.strip()] if args.provided else []
    with adding("\nnothing was written", ScaffoldError):
        plan = plan_assignment(course, args.id, args.title, args.module, points=args.points, due=args.due,
                               provided=provided)
    for path in write_plan(course, plan):
        print(f"wrote {path.relative_to(course.root)}")
    print(plan.next_steps, end="")
    return EXIT_OK


def _cmd_show(args) -> int:
    from .authoring.show import show

    course = load_course(args.course)
    try:
        text = show(course, course.assignment(args.assignment))
    except (OSError, SyntaxError) as exc:  # a BuildError reaches main as it is
        raise UserError(str(exc)) from None
    print(text)
    return EXIT_OK


def _cmd_audit(args) -> int:
    from .audit.run import audit, show_mutant

    course = load_course(args.course)
    assignments = args.assignment or [a.id for a in course.assignments]
    if args.show is not None:
        if len(assignments) != 1:
            raise UserError("--show needs one assignment id")
        try:
            print(show_mutant(course, course.assignment(assignments[0]), args.show))
        except LookupError as exc:
            raise UserError(str(exc)) from None
        return EXIT_OK
    corpus = course.root / "tests" / "submissions"
    results = [audit(course, course.assignment(a), jobs=args.jobs, corpus=corpus if corpus.is_dir() else None,
                     listing=args.list, styles=args.styles) for a in assignments]
    results += [r.styles for r in results if r.styles is not None]
    if len(assignments) > 1:
        print("\n".join(r.last_line() for r in sorted(results, key=lambda r: r.assignment)))
    below = [r for r in results if 100 * r.kill_rate < args.fail_under
             or 100 * r.charged_once_rate < args.fail_under_once]
    return EXIT_FAILED if below else EXIT_OK


def _cmd_report(args) -> int:
    from .report.write import write_report

    course = load_course(args.course)
    if not args.out_dir.is_dir():
        raise UserError(f"{args.out_dir} is not a folder (run `course grade ... --out {args.out_dir}` first)")
    path = write_report(course, args.out_dir)
    print(f"wrote {path}")
    return EXIT_OK


def _cmd_export(args) -> int:
    from .export import export_notes, write_export
    from .report.data import read_class

    if not args.graded.is_dir():
        raise UserError(f"{args.graded} is not a folder (the --out folder of `course grade`)")
    from .roster import RosterError, load_roster

    course = load_course(args.course)
    with adding("; nothing was written", RosterError):
        roster = load_roster(course.root)
    results = read_class(course, args.graded)
    for line in export_notes(results, args.format, roster):
        log.get("export").warning("course export: %s", line)
    print(f"wrote {write_export(results, args.format, args.out, roster)}")
    return EXIT_OK


def _cmd_similar(args) -> int:
    from .similarity import write_similarity

    course = load_course(args.course)
    if not args.submitted.is_dir():
        raise UserError(f"{args.submitted} is not a folder")
    report = write_similarity(course, course.assignment(args.assignment), args.submitted, args.out)
    for line in report.problems:
        _log.info(f"course similar: {line}")
    print(f"wrote {report.csv_path} and {report.html_path}")
    return EXIT_OK


def _cmd_nbgrader_init(args) -> int:
    from .nbgrader_course.course_dir import init_course

    init_course(load_course(args.course), args.dir, force=args.force)
    print(f"nbgrader course ready in {args.dir}: cd there and run `nbgrader generate_assignment <ID>`")
    return EXIT_OK


def _cmd_check_release(args) -> int:
    from .release_check import check_release

    findings = check_release(load_course(args.course), args.path)
    for finding in findings:
        _log.warning(finding)
    if findings:
        _log.warning(f"{args.path}: {len(findings)} leak(s) of solutions or hidden tests")
        return EXIT_FAILED
    print(f"{args.path}: no solution, reference-only code or hidden test found")
    return EXIT_OK


def _cmd_gradescope(args) -> int:
    from .gradescope.bundle import build_bundle

    course = load_course(args.course)
    path = build_bundle(course, course.assignment(args.assignment), args.out)
    print(f"wrote {path}")
    return EXIT_OK


def _cmd_doctor(args) -> int:
    from .doctor import run

    return run(args, load_course)


def _cmd_cluster(args) -> int:
    from .engine.cluster_tls import ENV, write_certificates

    try:
        written = write_certificates(args.folder, days=args.days)
    except OSError as exc:  # FileExistsError among them
        raise UserError(str(exc)) from None
    for path in written:
        print(f"wrote {path}")
    print(f"give this folder to the scheduler, every worker and the client ({ENV}={written[0].parent}); "
          "docs/cluster.md shows the commands")
    return EXIT_OK


EPILOG = """\
for students, in an assignment folder of the release:
  python check.py              is my module ready to hand in? (names, types, shapes, inputs, time, public tests)
  python -m pytest -q          the public tests: the lecture's worked examples

for instructors (docs/authoring.md: a new assignment from start to finish):
  course new                   the skeleton of a new assignment: reference, notebook, tests, course.toml entry
  course show                  per function: stub, reference, public and hidden tests, points, visibility
  course build                 write the release (stubs, provided code, notebooks, check.py)
  course notebook pull ID      an assignment notebook edited in Jupyter back into notebooks/ID.py
  course collect               a Canvas or Moodle download as submitted/<student>/<ID>/ (names via roster.csv)
  course grade                 grade a class; rerun to regrade exactly what changed (exit codes: docs/grading.md)
  course report                the class at a glance (HTML), with every student's feedback
  course history               every grade recorded in a --out folder, when and why
  course override              set a grade by hand (kept through regrades), or --clear it
  course export                grades for a spreadsheet, Canvas or Moodle; per-test statistics
  course similar               pairs of submissions whose code is alike
  course audit                 which mistakes do the hidden graders miss? (mutation testing)
  course doctor                is everything in order? course.toml, graders, references, MNIST, isolation, ...
  course cluster certs DIR     TLS certificates for a secured Dask cluster (docs/cluster.md)
  course nbgrader init         make a folder an nbgrader course that grades with this engine
  course gradescope            a Gradescope autograder bundle (zip)
  course check-release         does a release leak solutions or hidden tests?

--course PATH may come before or after the subcommand.
"""


def _cmd_serve(args) -> int:
    from .serve.exchange import find_exchange

    course = load_course(args.course)
    course_dir = args.course_dir.resolve()
    if args.print_start:
        from .serve.units import check_start, render_start

        user, warnings = check_start(course, course_dir, args.user)
        for warning in warnings:
            _log.warning(f"course serve: WARNING: {warning}")
        print(render_start(args.print_start, course, course_dir, args.jobs, user), end="")
        return EXIT_OK
    out_dir = (args.out or course_dir / "serve" / "graded").resolve()
    state_dir = (args.state or course_dir / "serve" / "state").resolve()
    if args.regrade:
        from .serve.service import regrade

        student, assignment = args.regrade
        if assignment not in {a.id for a in course.assignments}:
            raise UserError(f"--regrade: {assignment!r} is not an assignment of {course.path}")
        try:
            again = regrade(state_dir, student, assignment)
        except OSError as exc:
            raise UserError(f"--regrade: {exc.filename}: {exc.strerror} (run it as the course user, who "
                            "owns the state folder)") from None
        if not again:
            _log.warning(f"course serve: --regrade: no NOT GRADED submission of {student} {assignment} in {state_dir} "
                  "(graded ones are not graded again)")
            return EXIT_FAILED
        for marker in again:
            print(f"{student} {assignment} submitted {marker.get('submitted_at', '?')}: graded again by the "
                  "service (now if it runs, else at its next start), if its folder is still in inbound/")
        return EXIT_OK
    exchange = find_exchange(course, course_dir, args.exchange)
    if args.status:
        from .serve.status import status_lines

        print("\n".join(status_lines(course, exchange, state_dir, out_dir)))
        return EXIT_OK
    from .serve.service import Service, configure_logging

    if args.scheduler:  # as for `course grade`: a tls:// scheduler without certificates stops it at once
        from .engine.cluster_tls import client_security
        client_security(args.scheduler)
    service = Service(course, exchange, out_dir, state_dir, jobs=args.jobs, scheduler=args.scheduler)
    configure_logging(service.state.log_file, quiet=args.quiet)
    service.run(once=args.once)
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="course", description=__doc__.splitlines()[0], epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--course", type=Path, default=None, help="path to course.toml")
    log.add_options(p)
    # The same option after the subcommand; SUPPRESS keeps the top-level value when it is not given there.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course", type=Path, default=argparse.SUPPRESS, help="path to course.toml")
    log.add_options(common, default=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", required=True)
    add = functools.partial(sub.add_parser, parents=[common])

    b = add("build", help="write the stubs, provided code and notebooks of assignments/")
    b.add_argument("--check", action="store_true", help="only check that the committed release is up to date")
    b.add_argument("--overwrite-notebooks", action="store_true",
                   help="rewrite notebooks edited since they were built, discarding the edits "
                        "(`course notebook pull ID` keeps them instead)")
    b.set_defaults(run=_cmd_build)

    g = add("grade", help="grade a folder of submissions (nbgrader's submitted/ layout)")
    g.add_argument("--assignment", help="assignment id, e.g. 01_neuron")
    g.add_argument("--all", action="store_true", help="every assignment that has submissions")
    g.add_argument("submissions", type=Path, help="SUBMISSIONS_DIR/<student>/<assignment>/<module>.py")
    g.add_argument("--out", type=Path, required=True, help="where results.json, feedback and grades.csv go")
    g.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel")
    g.add_argument("--force", action="store_true", help="regrade every student, changed or not")
    g.add_argument("--student", action="append", default=None, metavar="ID",
                   help="regrade only this student (repeatable)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument("--gradebook", type=Path, default=None, help="also record scores in this nbgrader gradebook.db")
    g.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="grade on the workers of this running Dask scheduler, e.g. tls://10.0.0.5:8786 with "
                        "$COURSE_CLUSTER_TLS set (docs/cluster.md; "
                        "one task per submission; --jobs is then ignored)")
    g.set_defaults(run=_cmd_grade)

    co = add("collect", help="an LMS download (Canvas, Moodle, per-student folders) as submitted/<student>/<ID>/")
    co.add_argument("download", type=Path, help="the zip or folder the LMS gave you")
    co.add_argument("--assignment", required=True, help="assignment id, e.g. 01_neuron")
    co.add_argument("--out", type=Path, required=True, help="the submissions folder `course grade` reads")
    co.add_argument("--timezone", default=None,
                    help="the zone of the times in Moodle's grading worksheet (an IANA name, e.g. Europe/Berlin); "
                         "required when it has times, unless course.toml sets [collect] timezone")
    co.add_argument("--canvas-submissions", type=Path, action="append", default=[], metavar="JSON",
                    help="Canvas's submissions API JSON (one page per option), for the submission times its "
                         "download lacks (docs/integrations.md)")
    co.add_argument("--replace", action="append", default=[], metavar="STUDENT",
                    help="replace this student's folder even though it is not what collect last wrote there")
    co.set_defaults(run=_cmd_collect)

    h = add("history", help="every grade recorded in an output folder, oldest first, with why")
    h.add_argument("student", nargs="?", default=None, help="only this student")
    h.add_argument("--assignment", default=None, help="only this assignment")
    h.add_argument("--out", type=Path, default=Path("graded"), help="the --out folder of `course grade` "
                   "(default: graded)")
    h.set_defaults(run=_cmd_history)

    o = add("override", help="set a student's grade by hand; it stands through every regrade")
    o.add_argument("student")
    o.add_argument("assignment", help="assignment id, e.g. 01_neuron")
    o.add_argument("--score", type=float, default=None, help="the score of record for the assignment")
    o.add_argument("--test", default=None, metavar="NAME", help="set one hidden test's points instead "
                   "(the grader's function name, e.g. test_sigmoid_values)")
    o.add_argument("--points", type=float, default=None, help="the points for --test")
    o.add_argument("--reason", default=None, help="why (kept in the history; required)")
    o.add_argument("--comment", default=None, help="appended to the student's feedback (alone: a comment, the "
                   "grade unchanged)")
    o.add_argument("--clear", action="store_true", help="remove the override: the engine's score stands again")
    o.add_argument("--out", type=Path, default=Path("graded"), help="the --out folder of `course grade` "
                   "(default: graded)")
    o.set_defaults(run=_cmd_override)

    n = add("new", help="write the skeleton of a new assignment and its course.toml entry")
    n.add_argument("id", help="assignment id, e.g. 07_convolution (two digits, underscore, lower case)")
    n.add_argument("--title", required=True, help="the assignment's title")
    n.add_argument("--module", required=True, help="the module students write, e.g. layer.py")
    n.add_argument("--points", type=float, default=10, help="the assignment's points (default 10)")
    n.add_argument("--due", default=None, help="due date-time with a time zone, e.g. 2027-03-19T23:59:00Z")
    n.add_argument("--provided", default=None, metavar="A.py,B.py",
                   help="modules given to students: earlier assignments' modules or files of data/")
    n.set_defaults(run=_cmd_new)

    sh = add("show", help="per graded function: stub, reference, public and hidden tests with points")
    sh.add_argument("assignment", help="assignment id, e.g. 01_neuron")
    sh.set_defaults(run=_cmd_show)

    au = add("audit", help="mutation-test the hidden graders: which mistakes do they miss or charge twice?")
    au.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    au.add_argument("--jobs", type=int, default=2, help="mutants graded in parallel")
    au.add_argument("--list", action="store_true",
                    help="every mutant: operator, file:line and function, points lost, failing tests")
    au.add_argument("--styles", action="store_true",
                    help="also mutate the correct variants in other styles (course.toml [audit] styles, default "
                    "tests/submissions/ID/correct): a second line per assignment")
    au.add_argument("--show", metavar="N", help="print mutant N (a number from --list, or its id; VARIANT:N for "
                    "a variant's) as a diff; grades nothing")
    au.add_argument("--fail-under", type=float, default=0.0, metavar="P",
                    help="exit 1 when an assignment kills fewer than P%% of its mutants")
    au.add_argument("--fail-under-once", type=float, default=0.0, metavar="Q",
                    help="exit 1 when fewer than Q%% of the killed mutants are charged once")
    au.set_defaults(run=_cmd_audit)

    r = add("report", help="write OUT_DIR/report.html: the class at a glance")
    r.add_argument("out_dir", type=Path, help="the --out folder of `course grade`")
    r.set_defaults(run=_cmd_report)

    ex = add("export", help="grades as CSV for a spreadsheet, Canvas or Moodle, or per-test statistics")
    ex.add_argument("graded", type=Path, help="the --out folder of `course grade`")
    ex.add_argument("--format", required=True, choices=("wide", "canvas", "moodle", "tests"))
    ex.add_argument("--out", type=Path, required=True, help="the .csv to write")
    ex.set_defaults(run=_cmd_export)

    si = add("similar", help="rank pairs of submissions of one assignment by code similarity")
    si.add_argument("assignment", help="assignment id, e.g. 05_backprop")
    si.add_argument("submitted", type=Path, help="SUBMISSIONS_DIR/<student>/<assignment>/<module>.py")
    si.add_argument("--out", type=Path, required=True, help="folder for similarity.csv and similarity.html")
    si.set_defaults(run=_cmd_similar)

    nb = add("nbgrader", help="nbgrader integration").add_subparsers(dest="nbgrader_command", required=True)
    nbi = nb.add_parser("init", parents=[common], help="make DIR a ready nbgrader course (config, source/<ID>/)")
    nbi.add_argument("dir", type=Path)
    nbi.add_argument("--force", action="store_true",
                     help="replace configuration files that were edited (the edited ones are kept as .bak)")
    nbi.set_defaults(run=_cmd_nbgrader_init)

    nbk = add("notebook", help="assignment notebooks and their sources notebooks/<ID>.py").add_subparsers(
        dest="notebook_command", required=True)
    nbp = nbk.add_parser("pull", parents=[common],
                         help="write the cells of assignments/ID/ID.ipynb, edited in Jupyter, into notebooks/ID.py")
    nbp.add_argument("assignment", help="assignment id, e.g. 01_neuron")
    nbp.add_argument("--force", action="store_true",
                     help="also when notebooks/ID.py changed since the build (its changes are replaced)")
    nbp.set_defaults(run=_cmd_notebook_pull)

    c = add("check-release", help="fail if a release (folder or zip) leaks solutions or hidden tests")
    c.add_argument("path", type=Path)
    c.set_defaults(run=_cmd_check_release)

    gs = add("gradescope", help="build a Gradescope autograder bundle (zip)")
    gs.add_argument("assignment")
    gs.add_argument("--out", type=Path, required=True, help="the .zip to write")
    gs.set_defaults(run=_cmd_gradescope)

    sv = add("serve", help="grade each `nbgrader submit` as it arrives and write its feedback (a service)")
    sv.add_argument("course_dir", type=Path, help="the nbgrader course folder (`course nbgrader init DIR`)")
    sv.add_argument("--out", type=Path, default=None,
                    help="results, grades.csv and the grade history (default: COURSE_DIR/serve/graded)")
    sv.add_argument("--state", type=Path, default=None,
                    help="the service's own folder: copies, markers, log (default: COURSE_DIR/serve/state)")
    sv.add_argument("--exchange", type=Path, default=None,
                    help="the exchange's root (default: c.Exchange.root of COURSE_DIR/nbgrader_config.py)")
    sv.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    sv.add_argument("--scheduler", metavar="ADDRESS", default=None,
                    help="grade on the workers of this Dask scheduler (as `course grade --scheduler`)")
    sv.add_argument("--once", action="store_true", help="grade what is in the exchange now, then stop")
    sv.add_argument("--status", action="store_true", help="show the queue, the last results and errors, and stop")
    sv.add_argument("--quiet", action="store_true", help="log to the log file only, not to stderr")
    sv.add_argument("--print", choices=("systemd", "jupyterhub"), default=None, dest="print_start",
                    help="print a systemd unit or a jupyterhub_config.py entry that starts this service, and stop")
    sv.add_argument("--user", default=None, help="with --print: the course user it runs as (default: you, "
                                                 "never root)")
    sv.add_argument("--regrade", nargs=2, metavar=("STUDENT", "ASSIGNMENT"), default=None,
                    help="grade the student's NOT GRADED submissions of ASSIGNMENT again (the service takes them "
                         "at its next scan), and stop")
    sv.set_defaults(run=_cmd_serve)

    d = add("doctor", help="check the course and this machine, one line each: course.toml, graders, "
                           "references, MNIST, isolation, nbgrader and Gradescope")
    d.add_argument("--quick", action="store_true", help="do not grade the references")
    d.add_argument("--serve", action="store_true",
                   help="only what `course serve` needs (course.toml, graders, isolation, and the nbgrader "
                        "configuration and exchange of the working folder), in seconds: the systemd unit's check")
    d.add_argument("--machine", action="store_true", help="check this machine only (MNIST's default places, "
                                                          "isolation), no course; without it no course is a failure")
    d.add_argument("--jobs", type=int, default=2, help="references graded in parallel")
    d.add_argument("--assignment", action="append", default=None, metavar="ID",
                   help="check only this assignment's graders, reference and data (repeatable)")
    d.set_defaults(run=_cmd_doctor)
    cl = add("cluster", help="a secured Dask cluster for `course grade --scheduler`")
    cl_sub = cl.add_subparsers(dest="cluster_command", required=True)
    certs = cl_sub.add_parser("certs", help="write a CA, a certificate and a Dask configuration into a new folder")
    certs.add_argument("folder", type=Path, help="a new folder, readable by the cluster's user only")
    certs.add_argument("--days", type=int, default=365, help="how long the certificates are valid (default 365)")
    certs.set_defaults(run=_cmd_cluster)
    return p


def _command_name(args) -> str:
    """The command that runs, as the user typed it: "course grade", "course notebook pull"."""
    return " ".join(["course", args.command, getattr(args, f"{args.command}_command", "")]).strip()


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    log.configure(args.verbosity)
    _skip_iri_grammar()
    try:
        code = args.run(args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return code
    except BrokenPipeError:  # `course history | head`: the reader has gone; no traceback
        import os
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's flush at exit would fail again
        return EXIT_FAILED
    except UserError as exc:  # said here for every command; course.toml's errors among them
        _log.error(exc.told(_command_name(args)))
        return exc.exit_code
    except Exception as exc:
        from .engine.errors import GradingError
        if isinstance(exc, GradingError):
            _log.error(f"course: grading could not run: {exc}")
            return EXIT_CANNOT_GRADE
        raise


if __name__ == "__main__":
    sys.exit(main())
