"""The main job, end to end: build the student release, then grade a sample class.

``python -m autograder.demo [OUT] [--student NAME ...]`` (what ``make demo`` runs):
1. builds assignments/ from solutions/ (stubs, provided code, notebooks);
2. makes a sample class in OUT/submitted in nbgrader's layout: for every
   assignment a student with the reference ("ada"), one with a realistic
   mistake from the test corpus ("ben"), one with a correct solution in
   another style ("cy") and one who handed in the untouched stub ("dee")
   (--student: only these);
3. makes sure MNIST is there for the assignments that read it (found, or
   fetched and verified into the per-user cache: data.fetch);
4. grades every assignment with the isolated engine into OUT/graded;
5. writes the class report and prints the table of scores.

Exit status 0; EXIT_NO_MNIST (3) when MNIST is missing and cannot be fetched:
the other assignments are graded, and a paragraph says how to get it; 1 when
grading cannot run at all (GradingError, said in one line).
"""
import argparse
import datetime as dt
import shutil
import sys
import time
from pathlib import Path

from data.fetch import MNISTUnavailable, ensure_mnist, needs_mnist

from . import log
from .build import build, strip_markers
from .config import REPO_ROOT, load_course
from .engine.batch import grade_batch
from .engine.errors import GradingError
from .errors import EXIT_FAILED, EXIT_NO_MNIST, EXIT_OK

CORPUS = REPO_ROOT / "tests" / "submissions"


STORY = {"ada": "the reference solution",
         "ben": "a realistic mistake from tests/submissions/*/mutants",
         "cy": "a correct solution in another style",
         "dee": "the untouched stub"}


def sample_class(course, folder: Path, students=tuple(STORY)) -> dict[str, str]:
    """Write the sample submissions of these students; return student -> what they handed in."""
    shutil.rmtree(folder, ignore_errors=True)
    for assignment in course.assignments:
        module = assignment.modules[0]
        mutants = sorted((CORPUS / assignment.id / "mutants").glob("*.py"))
        variants = sorted((CORPUS / assignment.id / "correct").glob("*.py"))
        sources = {"ada": course.solution_dir(assignment.id) / module,
                   "ben": mutants[0] if mutants else None,
                   "cy": variants[0] if variants else None,
                   "dee": course.release_dir(assignment.id) / module}
        for student, source in sources.items():
            if source is None or student not in students:
                continue
            target = folder / student / assignment.id
            target.mkdir(parents=True)
            _write_timestamp(target, assignment.due, late=(student == "ben" and assignment is course.assignments[0]))
            # The corpus is written from the reference: its solution markers would flag every sample student.
            (target / module).write_text(strip_markers(source.read_text(), str(source)))
    return {student: STORY[student] for student in students}


def _write_timestamp(folder: Path, due, late: bool):
    """timestamp.txt as nbgrader collect leaves it: a day early, or an hour late."""
    if due is None:
        return
    when = due + (dt.timedelta(hours=1) if late else -dt.timedelta(days=1))
    (folder / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.demo", description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=REPO_ROOT / "demo-out", help="default: demo-out/")
    parser.add_argument("--student", action="append", choices=sorted(STORY), default=None,
                        help="grade only this sample student (repeatable; default: all four)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    log.configure()
    out, students = args.out, tuple(args.student or STORY)
    course = load_course()
    start = time.perf_counter()
    written = build(course)
    print(f"1. release built in assignments/ ({len(written)} file(s) changed)")
    story = sample_class(course, out / "submitted", students)
    print(f"2. sample class in {out / 'submitted'}: " + "; ".join(f"{s}: {w}" for s, w in story.items()))
    missing = None
    if any(needs_mnist(course, a) for a in course.assignments):
        try:
            print(f"3. MNIST: {ensure_mnist(course, progress=True)}")
        except MNISTUnavailable as exc:
            missing = exc
            print("3. MNIST: missing (see below); grading the assignments that do not need it")
    print("4. grading with the isolated engine (--jobs 2)")
    graded = out / "graded"
    shutil.rmtree(graded, ignore_errors=True)
    for assignment in course.assignments:
        if missing is None or not needs_mnist(course, assignment):
            try:
                grade_batch(course, assignment, out / "submitted", graded, jobs=2, progress=sys.stderr.isatty())
            except GradingError as exc:  # e.g. MNIST files that are there but unreadable: said, not a traceback
                log.get("demo").error("demo: grading %s could not run: %s", assignment.id, exc)
                return EXIT_FAILED
    try:
        from .report.write import write_report
        print(f"5. class report: {write_report(course, graded)}")
    except ImportError:
        pass
    print()
    print(_table(course, graded, sorted(story)))
    print(f"\nDone in {time.perf_counter() - start:.1f} s. Feedback: {graded}/<student>/<assignment>/feedback.md; "
          f"grades: {graded / 'grades.csv'}")
    if missing is not None:
        print(f"\nNot graded: {', '.join(a.id for a in course.assignments if needs_mnist(course, a))}. {missing}")
        return EXIT_NO_MNIST
    return EXIT_OK


def _table(course, graded: Path, students) -> str:
    import csv
    rows = list(csv.DictReader((graded / "grades.csv").open()))
    score = {(r["student"], r["assignment"]): float(r["score"]) if r["score"] else r["status"] for r in rows}
    ids = [a.id for a in course.assignments]
    width = max(len(i) for i in ids) + 2
    lines = ["student".ljust(8) + "".join(i.rjust(width) for i in ids) + "total".rjust(8)]
    for student in students:
        cells = [score.get((student, i)) for i in ids]
        lines.append(student.ljust(8) + "".join(("-" if c is None else c if isinstance(c, str) else f"{c:g}").rjust(width)
                                                for c in cells)
                     + f"{sum(c for c in cells if isinstance(c, float)):g}".rjust(8))
    total = sum(a.points for a in course.assignments)
    lines.append(f"(out of {', '.join(f'{a.points:g}' for a in course.assignments)}; total {total:g}; "
                 "- : not graded in this run)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
