"""The ``course`` command: build the release, grade a class, and more.

Every subcommand reads course.toml (--course, else $COURSE_TOML, else the
one beside this package) and exits non-zero with a one-line message when it
cannot run at all. Only argparse and the config are imported here; each
subcommand imports what it uses, so `course --help` costs less than
`python -c "import numpy"`.

Exit codes of `course grade`: 0 every submission has a grade (however low);
2 bad input, nothing graded (course.toml, a folder that is not a submissions
layout, an unknown --student); 3 grading could not run (missing data, broken
graders, a sandbox that will not start): the batch stopped; 4 some
submissions are NOT GRADED (listed, each with its reason; see the README);
130 interrupted (every finished result is kept: run it again to resume).
"""
import argparse
import functools
import sys
from pathlib import Path

from .config import CourseConfigError, load_course


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
    from .authoring.grader_points import check_points
    from .build import BuildError, NotebooksEditedError, build, notebook_path, stale_files

    course = load_course(args.course)
    check_points(course, missing_ok=True)  # the graders' points add up (course grade insists on the graders)
    if args.check:
        from .notebook.digest import edit_state

        stale = stale_files(course)
        notebooks = {notebook_path(course, a): a.id for a in course.assignments}
        for path in stale:
            why = edit_state(path) if path in notebooks else None
            hint = f": {why}; `course notebook pull {notebooks[path]}` keeps the edits" if why else ""
            print(f"stale: {path.relative_to(course.root)}{hint}", file=sys.stderr)
        if stale:
            print("The committed release is out of date: run `course build`.", file=sys.stderr)
            return 1
        print("release is up to date")
        return 0
    try:
        written = build(course, overwrite_notebooks=args.overwrite_notebooks)
    except NotebooksEditedError as exc:
        for path in exc.written:
            print(f"wrote {path.relative_to(course.root)}")
        print(f"course build: {exc}", file=sys.stderr)
        return 1
    except BuildError as exc:
        print(f"course build: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path.relative_to(course.root)}")
    print(f"release built: {len(written)} file(s) changed")
    return 0


def _cmd_notebook_pull(args) -> int:
    from .build import BuildError
    from .notebook.pull import pull

    course = load_course(args.course)
    try:
        pulled = pull(course, course.assignment(args.assignment), force=args.force)
    except BuildError as exc:
        print(f"course notebook pull: {exc}", file=sys.stderr)
        return 2
    for note in pulled.notes:
        print(f"course notebook pull: {note}", file=sys.stderr)
    source = pulled.source.relative_to(course.root)
    print(f"wrote {source}" if pulled.changed else f"{source} already holds the notebook's cells")
    print(f"rebuilt {pulled.notebook.relative_to(course.root)} from it (outputs dropped)")
    return 0


def _cmd_grade(args) -> int:
    from .engine.batch import EXIT_BAD_INPUT, grade_all, grade_batch
    from .engine.submission import LayoutError
    from .extensions import ExtensionsError

    from .authoring.grader_points import check_points

    course = load_course(args.course)
    if bool(args.all) == bool(args.assignment):
        print("course grade: give either --assignment ID or --all", file=sys.stderr)
        return EXIT_BAD_INPUT
    # points that do not add up stop everything before anything is graded or written (exit 2)
    check_points(course, [course.assignment(args.assignment)] if args.assignment else None)
    if not args.submissions.is_dir():
        print(f"course grade: {args.submissions} is not a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    options = dict(jobs=args.jobs, force=args.force, progress=not args.quiet, students=args.student,
                   scheduler=args.scheduler)
    try:
        if args.all:
            summaries = grade_all(course, args.submissions, args.out, **options)
        else:
            summaries = [grade_batch(course, course.assignment(args.assignment), args.submissions, args.out,
                                     **options)]
    except (LayoutError, ExtensionsError) as exc:
        print(f"course grade: {exc}; nothing was graded or written", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.gradebook and not any(s.interrupted for s in summaries):
        from .gradebook import record_in_gradebook
        for summary in summaries:
            record_in_gradebook(course, course.assignment(summary.assignment), args.out, args.gradebook)
    return max(s.exit_code for s in summaries)


def _cmd_new(args) -> int:
    from .authoring.scaffold import ScaffoldError, plan_assignment, write_plan

    course = load_course(args.course)
    provided = [name.strip() for name in args.provided.split(",") if name.strip()] if args.provided else []
    try:
        plan = plan_assignment(course, args.id, args.title, args.module, points=args.points, due=args.due,
                               provided=provided)
    except ScaffoldError as exc:
        for line in str(exc).splitlines():
            print(f"course new: {line}", file=sys.stderr)
        print("course new: nothing was written", file=sys.stderr)
        return 2
    for path in write_plan(course, plan):
        print(f"wrote {path.relative_to(course.root)}")
    print(plan.next_steps, end="")
    return 0


def _cmd_show(args) -> int:
    from .authoring.show import show
    from .build import BuildError

    course = load_course(args.course)
    try:
        text = show(course, course.assignment(args.assignment))
    except (BuildError, OSError, SyntaxError) as exc:
        print(f"course show: {exc}", file=sys.stderr)
        return 2
    print(text)
    return 0


def _cmd_audit(args) -> int:
    from .audit.run import audit, show_mutant

    course = load_course(args.course)
    assignments = args.assignment or [a.id for a in course.assignments]
    if args.show is not None:
        if len(assignments) != 1:
            print("course audit: --show needs one assignment id", file=sys.stderr)
            return 2
        try:
            print(show_mutant(course, course.assignment(assignments[0]), args.show))
        except LookupError as exc:
            print(f"course audit: {exc}", file=sys.stderr)
            return 2
        return 0
    corpus = course.root / "tests" / "submissions"
    results = [audit(course, course.assignment(a), jobs=args.jobs, corpus=corpus if corpus.is_dir() else None,
                     listing=args.list) for a in assignments]
    if len(results) > 1:
        print("\n".join(r.last_line() for r in results))
    below = [r for r in results if 100 * r.kill_rate < args.fail_under
             or 100 * r.charged_once_rate < args.fail_under_once]
    return 1 if below else 0


def _cmd_report(args) -> int:
    from .report.write import write_report

    course = load_course(args.course)
    if not args.out_dir.is_dir():
        print(f"course report: {args.out_dir} is not a folder (run `course grade ... --out {args.out_dir}` first)",
              file=sys.stderr)
        return 2
    path = write_report(course, args.out_dir)
    print(f"wrote {path}")
    return 0


def _cmd_export(args) -> int:
    from .export import not_graded_cells, write_export
    from .report.data import read_class

    if not args.graded.is_dir():
        print(f"course export: {args.graded} is not a folder (the --out folder of `course grade`)", file=sys.stderr)
        return 2
    results = read_class(load_course(args.course), args.graded)
    for line in results.notes + not_graded_cells(results):
        print(f"course export: {line}", file=sys.stderr)
    print(f"wrote {write_export(results, args.format, args.out)}")
    return 0


def _cmd_similar(args) -> int:
    from .similarity import write_similarity

    course = load_course(args.course)
    if not args.submitted.is_dir():
        print(f"course similar: {args.submitted} is not a folder", file=sys.stderr)
        return 2
    report = write_similarity(course, course.assignment(args.assignment), args.submitted, args.out)
    for line in report.problems:
        print(f"course similar: {line}", file=sys.stderr)
    print(f"wrote {report.csv_path} and {report.html_path}")
    return 0


def _cmd_nbgrader_init(args) -> int:
    from .nbgrader_course.course_dir import init_course

    init_course(load_course(args.course), args.dir, force=args.force)
    print(f"nbgrader course ready in {args.dir}: cd there and run `nbgrader generate_assignment <ID>`")
    return 0


def _cmd_check_release(args) -> int:
    from .release_check import check_release

    findings = check_release(load_course(args.course), args.path)
    for finding in findings:
        print(finding, file=sys.stderr)
    if findings:
        print(f"{args.path}: {len(findings)} leak(s) of solutions or hidden tests", file=sys.stderr)
        return 1
    print(f"{args.path}: no solution, reference-only code or hidden test found")
    return 0


def _cmd_gradescope(args) -> int:
    from .gradescope.bundle import build_bundle

    course = load_course(args.course)
    path = build_bundle(course, course.assignment(args.assignment), args.out)
    print(f"wrote {path}")
    return 0


def _cmd_doctor(args) -> int:
    from .engine.jail.probe import probe

    found = probe()
    print(found.explain())
    return 0 if found.mode else 1


EPILOG = """\
for students, in an assignment folder of the release:
  python check.py              is my module ready to hand in? (names, types, shapes, inputs, time, public tests)
  python -m pytest -q          the public tests: the lecture's worked examples

for instructors (docs/authoring.md: a new assignment from start to finish):
  course new                   the skeleton of a new assignment: reference, notebook, tests, course.toml entry
  course show                  per function: stub, reference, public and hidden tests, points, visibility
  course build                 write the release (stubs, provided code, notebooks, check.py)
  course notebook pull ID      an assignment notebook edited in Jupyter back into notebooks/ID.py
  course grade                 grade a class; rerun to regrade exactly what changed (exit codes in the README)
  course report                the class at a glance (HTML), with every student's feedback
  course export                grades for a spreadsheet, Canvas or Moodle; per-test statistics
  course similar               pairs of submissions whose code is alike
  course audit                 which mistakes do the hidden graders miss? (mutation testing)
  course doctor                which isolation student code gets on this machine
  course nbgrader init         make a folder an nbgrader course that grades with this engine
  course gradescope            a Gradescope autograder bundle (zip)
  course check-release         does a release leak solutions or hidden tests?

--course PATH may come before or after the subcommand.
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="course", description=__doc__.splitlines()[0], epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--course", type=Path, default=None, help="path to course.toml")
    # The same option after the subcommand; SUPPRESS keeps the top-level value when it is not given there.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course", type=Path, default=argparse.SUPPRESS, help="path to course.toml")
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
                   help="grade on the workers of this running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                        "(one task per submission; --jobs is then ignored)")
    g.set_defaults(run=_cmd_grade)

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
    au.add_argument("--show", metavar="N", help="print mutant N (a number from --list, or its id) as a diff; "
                    "grades nothing")
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

    d = add("doctor", help="which isolation student code gets here, what it gives, why not stronger")
    d.set_defaults(run=_cmd_doctor)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    _skip_iri_grammar()
    try:
        return args.run(args)
    except CourseConfigError as exc:
        print(f"course: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from .engine.errors import GradingError
        if isinstance(exc, GradingError):
            print(f"course: grading could not run: {exc}", file=sys.stderr)
            return 3
        raise


if __name__ == "__main__":
    sys.exit(main())
