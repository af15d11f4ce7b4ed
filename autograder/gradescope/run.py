"""One Gradescope submission in one process: run_autograder's job once the shell has set up.

    python -m autograder.gradescope.run ROOT WORK ASSIGNMENT MODULE...

takes the upload in ROOT/submission apart with upload.py (a single zip is
extracted into WORK/upload; the files are listed without following symlinks;
each MODULE's best candidate is copied into WORK/submissions/<student>/ASSIGNMENT/),
grades it with the engine's batch (grade()) in this process and copies the student's
results.json to ROOT/results/. Lateness: the submission time and the due
dates (the student's extension included) come from Gradescope's
submission_metadata.json when it is there (metadata.py), judged with the
course's late policy; without it, as for any submission (timestamp.txt,
course.toml). What was refused of the upload (a link, a control character,
a file too large, a name to correct) is told to the student in the results'
output and printed for the instructor's log. Exit status 0 with the results
in place (also when the module is missing or does not import: the results
say so, score 0), else 1 and no results.json, so that Gradescope reports a
failed autograder rather
than a score. One process instead of three: a Python start-up costs about what
the grading of a submission does.
"""
import os
import stat
import sys
from pathlib import Path

from . import metadata, upload


def regular_files(folder: Path, depth: int | None = None) -> list[str]:
    """The regular files under folder, symlinks never followed (``find -P folder -type f``).

    depth: 1 for the files directly in folder only.
    """
    if os.path.islink(folder) or not folder.is_dir():
        return []
    found = []
    for here, subfolders, names in os.walk(folder, followlinks=False):
        for name in names:
            path = os.path.join(here, name)
            try:
                if stat.S_ISREG(os.lstat(path).st_mode):
                    found.append(path)
            except OSError:
                continue
        if depth == 1:
            subfolders.clear()
    return found


def take_apart(root: Path, work: Path, assignment: str, modules: list[str]) -> tuple[str, list[str]]:
    """The upload laid out as WORK/submissions/<student>/ASSIGNMENT/; the student's folder name and the
    advice for the student about what was not taken."""
    folder, refused_in_zip = _unzipped(root / "submission", work, modules)
    student = upload.student_folder(root / "submission_metadata.json")
    dest = work / "submissions" / student / assignment
    dest.mkdir(parents=True, exist_ok=True)
    paths = b"\0".join(os.fsencode(path) for path in regular_files(folder))
    for note in upload.pick(folder, dest, modules, paths):
        print(f"run_autograder: {note}", file=sys.stderr)
    taken = {m for m in modules if (dest / m).is_file()}
    said = upload.advice(folder, modules, taken) + _zip_advice(sorted(set(modules) - taken), refused_in_zip)
    for line in said:
        print(f"run_autograder: told the student: {line}", file=sys.stderr)
    _record_times(root / "submission_metadata.json", dest, assignment, student)
    return student, said


def _unzipped(folder: Path, work: Path, modules: list[str]) -> tuple[Path, list[str]]:
    """(the folder holding the upload's files, what of its zip was not extracted): a single zip, when the
    first module is not beside it, is extracted into WORK/upload."""
    zips = [path for path in regular_files(folder, depth=1) if path.endswith(".zip")]
    if len(zips) != 1 or (folder / modules[0]).is_file():
        return folder, []
    refused = []
    (work / "upload").mkdir(parents=True, exist_ok=True)
    try:
        for note in upload.unzip(Path(zips[0]), work / "upload"):
            print(f"run_autograder: not extracted: {note}")
            refused.append(note)
    except Exception as exc:  # BadZipFile, a limit, a name used twice: the upload's fault
        print(f"run_autograder: the zip upload was not extracted: {exc}")
    return work / "upload", refused


def _zip_advice(missing: list[str], refused_in_zip: list[str]) -> list[str]:
    """For each missing module that the zip held but was not extracted: why, and what to upload instead."""
    said = []
    for module in missing:
        for note in refused_in_zip:
            if note.split(": ", 1)[0].strip("'\"").rsplit("/", 1)[-1] == module:
                said.append(f"{module} was not graded: in your zip, {note}; zip the file {module} itself "
                            "(not a link to it) with a plain name.")
                break
    return said


def _record_times(metadata_file: Path, dest: Path, assignment: str, student: str):
    """Gradescope's submission time as the submission's timestamp.txt, and its due date (with the student's
    extension) for the engine's lateness, when submission_metadata.json says them."""
    times = metadata.read_times(metadata_file)
    if not (times and times.created_at):
        return
    from ..engine.lateness import TIMESTAMP_FILE, set_platform_due
    (dest / TIMESTAMP_FILE).write_text(metadata.timestamp_text(times.created_at) + "\n")
    if times.due:
        set_platform_due(assignment, student, times.due)
    due = times.due.isoformat() if times.due else "as course.toml says"
    extension = " (the student's extension)" if times.extension else ""
    print(f"run_autograder: submitted {times.created_at.isoformat()}, due {due}{extension} "
          "(submission_metadata.json)", file=sys.stderr)


def grade(course_toml: Path, assignment_id: str, submissions: Path, out: Path) -> int:
    """Grade the submissions folder with the engine, as `course grade --assignment ID --quiet` does: the
    graders' points checked, MNIST found when the assignment reads it, then the batch. Its exit code; when
    it cannot grade, the reason printed and EXIT_BAD_INPUT (the course, the folder) or EXIT_CANNOT_GRADE."""
    from data.fetch import MNISTUnavailable, ensure_mnist, needs_mnist

    from ..config import CourseConfigError, load_course
    from ..engine.batch import grade_batch
    from ..engine.errors import GradingError
    from ..errors import EXIT_BAD_INPUT, EXIT_CANNOT_GRADE
    from ..engine.grader_points import check_points
    from ..engine.submission import LayoutError
    from ..extensions import ExtensionsError

    try:
        course = load_course(course_toml)
        assignment = course.assignment(assignment_id)
        check_points(course, [assignment])
        if needs_mnist(course, assignment):
            ensure_mnist(course, progress=False)
        return grade_batch(course, assignment, submissions, out, progress=False).exit_code
    except (CourseConfigError, LayoutError, ExtensionsError) as exc:
        print(f"run_autograder: {exc}; nothing was graded", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (GradingError, MNISTUnavailable) as exc:
        print(f"run_autograder: grading could not run: {exc}", file=sys.stderr)
        return EXIT_CANNOT_GRADE


def main(argv: list[str]) -> int:
    root, work, assignment, modules = Path(argv[0]), Path(argv[1]), argv[2], argv[3:]
    from .. import log
    log.configure()  # the engine's lines (isolation, warnings) in the instructor's log, as `course grade` says them
    student, said = take_apart(root, work, assignment, modules)
    from ..errors import EXIT_FAILED, EXIT_NO_MODULE, EXIT_OK  # the engine, imported once the upload is in place

    status = grade(root / "source" / "course.toml", assignment, work / "submissions", work / "out")
    results = work / "out" / student / assignment / "results.json"
    if status not in (EXIT_OK, EXIT_NO_MODULE) or not results.is_file():
        print(f"run_autograder: the grading engine could not grade this submission (exit {status})")
        return EXIT_FAILED
    from .messages import write_student_results  # the student's text: one reason, said once (messages.py)
    write_student_results(results, root, work, said, modules)
    print(f"run_autograder: results written to {root / 'results' / 'results.json'}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
