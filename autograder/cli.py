"""The ``course`` command: build the release, grade a class, and more.

Every subcommand reads course.toml (--course, else $COURSE_TOML, else the
one beside this package) and exits non-zero with a one-line message when it
cannot run at all.
"""
import argparse
import sys
from pathlib import Path

from .config import CourseConfigError, load_course


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
                progress=not args.quiet)
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
    g.set_defaults(run=_cmd_grade)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except CourseConfigError as exc:
        print(f"course: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from .engine.grade import GradingError
        if isinstance(exc, GradingError):
            print(f"course: grading could not run: {exc}", file=sys.stderr)
            return 3
        raise


if __name__ == "__main__":
    sys.exit(main())
