"""The ``course`` command: build the release, grade a class, and more.

Every subcommand reads course.toml (--course, else $COURSE_TOML, else the
one beside this package) and exits non-zero with a one-line message when it
cannot run at all. Only argparse and the config are imported here; each
subcommand imports what it uses, so `course --help` costs less than
`python -c "import numpy"`.
"""
import argparse
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
    from .build import build, stale_files

    course = load_course(args.course)
    if args.check:
        stale = stale_files(course)
        for path in stale:
            print(f"stale: {path.relative_to(course.root)}", file=sys.stderr)
        if stale:
            print("The committed release is out of date: run `course build`.", file=sys.stderr)
            return 1
        print("release is up to date")
        return 0
    written = build(course)
    for path in written:
        print(f"wrote {path.relative_to(course.root)}")
    print(f"release built: {len(written)} file(s) changed")
    return 0


def _cmd_grade(args) -> int:
    from .engine.batch import grade_batch

    course = load_course(args.course)
    assignment = course.assignment(args.assignment)
    if not args.submissions.is_dir():
        print(f"course grade: {args.submissions} is not a folder", file=sys.stderr)
        return 2
    grade_batch(course, assignment, args.submissions, args.out, jobs=args.jobs, force=args.force,
                progress=not args.quiet, scheduler=args.scheduler)
    if args.gradebook:
        from .gradebook import record_in_gradebook
        record_in_gradebook(course, assignment, args.out, args.gradebook)
    return 0


def _cmd_report(args) -> int:
    from .report import write_report

    course = load_course(args.course)
    if not args.out_dir.is_dir():
        print(f"course report: {args.out_dir} is not a folder (run `course grade ... --out {args.out_dir}` first)",
              file=sys.stderr)
        return 2
    path = write_report(course, args.out_dir)
    print(f"wrote {path}")
    return 0


def _cmd_nbgrader_init(args) -> int:
    from .nbgrader_course import init_course

    init_course(load_course(args.course), args.dir)
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
    from .gradescope import build_bundle

    course = load_course(args.course)
    path = build_bundle(course, course.assignment(args.assignment), args.out)
    print(f"wrote {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="course", description=__doc__.splitlines()[0])
    p.add_argument("--course", type=Path, default=None, help="path to course.toml")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="write the stubs, provided code and notebooks of assignments/")
    b.add_argument("--check", action="store_true", help="only check that the committed release is up to date")
    b.set_defaults(run=_cmd_build)

    g = sub.add_parser("grade", help="grade a folder of submissions (nbgrader's submitted/ layout)")
    g.add_argument("--assignment", required=True, help="assignment id, e.g. 01_neuron")
    g.add_argument("submissions", type=Path, help="SUBMISSIONS_DIR/<student>/<assignment>/<module>.py")
    g.add_argument("--out", type=Path, required=True, help="where results.json, feedback and grades.csv go")
    g.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel")
    g.add_argument("--force", action="store_true", help="regrade students that already have results")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument("--gradebook", type=Path, default=None, help="also record scores in this nbgrader gradebook.db")
    g.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="grade on the workers of this running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                        "(one task per submission; --jobs is then ignored)")
    g.set_defaults(run=_cmd_grade)

    r = sub.add_parser("report", help="write OUT_DIR/report.html: the class at a glance")
    r.add_argument("out_dir", type=Path, help="the --out folder of `course grade`")
    r.set_defaults(run=_cmd_report)

    nb = sub.add_parser("nbgrader", help="nbgrader integration").add_subparsers(dest="nbgrader_command", required=True)
    nbi = nb.add_parser("init", help="make DIR a ready nbgrader course (config, source/<ID>/)")
    nbi.add_argument("dir", type=Path)
    nbi.set_defaults(run=_cmd_nbgrader_init)

    c = sub.add_parser("check-release", help="fail if a release (folder or zip) leaks solutions or hidden tests")
    c.add_argument("path", type=Path)
    c.set_defaults(run=_cmd_check_release)

    gs = sub.add_parser("gradescope", help="build a Gradescope autograder bundle (zip)")
    gs.add_argument("assignment")
    gs.add_argument("--out", type=Path, required=True, help="the .zip to write")
    gs.set_defaults(run=_cmd_gradescope)
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
