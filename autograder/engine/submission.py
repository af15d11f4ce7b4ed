"""Finding and reading submissions: nbgrader's SUBMITTED/<student>/<ASSIGNMENT>/<module>.py.

Every name, file and byte here is the student's. Nothing is followed through
a symlink, no read is unbounded, no special file is opened in a way that can
block, and the bytes that are graded are the bytes that were read and hashed
(the child gets a private copy of them, never the student's path).
"""
import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Assignment, Course
from ..primitives import RefusedFile, markers_in, read_regular
from ..student_ids import RESERVED_NAMES, RULE, is_student_id, is_valid_student_id, shown
from .lateness import LATE_MARK_FILE, MAX_LATE_MARK_BYTES, MAX_TIMESTAMP_BYTES, TIMESTAMP_FILE
from .model import refused_module
from .output_names import is_output_name
from ..errors import UserError

MAX_MODULE_BYTES = 1024 * 1024
MAX_LISTED_FILES = 200
OUTPUT_NAME = "the output folder uses this name for its own files (output_names.py): rename the student's folder"
# SUBMITTED/<student>/<ASSIGNMENT><NOT_GRADED_SUFFIX>: why `course collect` would not guess this submission's files
# (beside the assignment folder, where no student's upload lands): the engine reports it not graded with the reason
NOT_GRADED_SUFFIX = ".not-graded.txt"
MAX_NOT_GRADED_BYTES = 8192


class LayoutError(UserError):
    """The folder is not a submissions layout for this assignment: nothing is graded, nothing written."""


@dataclass
class Roster:
    """Who is in a submissions folder for one assignment."""
    students: list[str]                                  # with a <student>/<ASSIGNMENT>/ folder
    without_submission: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)   # a name that cannot be a student id -> why
    rostered_absent: list[str] = field(default_factory=list)  # on roster.csv, no folder, no result yet: missing


def find_students(submissions: Path, assignment_id: str, required: bool = True) -> Roster:
    """The students of a submissions folder; LayoutError when it is not one.

    required=False: a folder with no submission of this assignment gives an empty roster.
    """
    try:
        entries = sorted(os.scandir(submissions), key=lambda e: e.name)
    except OSError as exc:
        raise LayoutError(f"{submissions}: cannot be read ({exc.strerror})") from None
    roster = Roster(students=[])
    reserved_with_assignment, found = [], []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        has_assignment = os.path.lexists(os.path.join(entry.path, assignment_id)) if entry.is_dir() else False
        if name in RESERVED_NAMES:
            if has_assignment or entry.is_dir():
                reserved_with_assignment.append(name)
            continue
        if not entry.is_dir(follow_symlinks=False) and not entry.is_symlink():
            continue  # a file beside the student folders
        if len(found) < 10:
            found.append(name + "/")
        if is_student_id(name) and is_output_name(name):
            roster.refused[shown(name)] = OUTPUT_NAME
        elif not is_valid_student_id(name):
            roster.refused[shown(name)] = f"not a valid student id ({RULE})"
        elif has_assignment:
            roster.students.append(name)
        else:
            roster.without_submission.append(name)
    if reserved_with_assignment:
        raise LayoutError(
            f"{submissions}: holds nbgrader's or the engine's own folders ({', '.join(reserved_with_assignment)}), "
            f"not students: is this the course folder? Give its submitted/ folder, which holds "
            f"<student>/{assignment_id}/")
    if required and not roster.students and not roster.refused:
        seen = ", ".join(found) if found else "nothing"
        raise LayoutError(f"{submissions}: no <student>/{assignment_id}/ folder (found {seen}); "
                          f"course grade reads nbgrader's submitted/<student>/{assignment_id}/<module>.py")
    return roster


@dataclass
class Submission:
    """What one student handed in for one assignment, read once."""
    student: str
    modules: dict[str, bytes]          # module name -> its bytes: what is graded
    timestamp: bytes | None            # timestamp.txt, or None
    problem: str | None = None         # the student's slip that leaves nothing to grade (status missing, scored 0)
    refusal: str | None = None         # what the engine refuses to grade (not graded, with this reason)
    timestamp_problem: str = ""
    late_mark: bytes | None = None     # late_mark.txt (an LMS's verdict where it records no time), or None
    ignored: list[str] = field(default_factory=list)


def _symlink_along(folder: Path) -> str | None:
    """A symlink as the assignment folder or the student folder above it."""
    for part in (folder.parent, folder):
        if part.is_symlink():
            return f"{part.parent.name}/{part.name} is a symbolic link; submissions must be plain folders"
    return None


def _marked_not_graded(folder: Path) -> str | None:
    """The reason in <folder><NOT_GRADED_SUFFIX> beside the assignment folder (written by course collect), or None."""
    marker = folder.parent / f"{folder.name}{NOT_GRADED_SUFFIX}"
    try:
        text = read_regular(marker, MAX_NOT_GRADED_BYTES).decode("utf-8", errors="replace").strip()
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        text = f"it cannot be read ({getattr(exc, 'strerror', None) or exc})"
    return f"{marker.parent.name}/{marker.name}: {text or 'no reason given'}"


def read_submission(course: Course, assignment: Assignment, folder: Path, student: str) -> Submission:
    """Read SUBMITTED/<student>/<ID>/ (folder) once, without following a symlink anywhere."""
    submission = Submission(student=student, modules={}, timestamp=None)
    submission.refusal = _symlink_along(folder) or _marked_not_graded(folder)
    if submission.refusal:
        return submission
    if not folder.is_dir():
        submission.problem = f"no submission: there is no folder {assignment.id}/ for this student"
        return submission
    problems = []
    for module in assignment.modules:
        path = folder / module
        try:
            submission.modules[module] = read_regular(path, MAX_MODULE_BYTES, single_link=True)
        except FileNotFoundError:
            problems.append(f"{module} is missing from your submission")
        except RefusedFile as exc:  # a link, not a regular file, too large: not graded, with the reason
            _, submission.refusal = refused_module(module, exc)
            submission.modules.clear()
            return submission
        except OSError as exc:
            problems.append(f"{module} cannot be read ({exc.strerror})")
    if problems:
        submission.problem = "; ".join(problems)
        hints = [hint for module in assignment.modules if module not in submission.modules
                 if (hint := likely_file(module, _listing(folder)))]
        submission.problem += "".join(f"; {hint}" for hint in hints) or f"; the folder holds {_held(folder)}"
    try:
        submission.timestamp = read_regular(folder / TIMESTAMP_FILE, MAX_TIMESTAMP_BYTES)
    except FileNotFoundError:
        pass
    except (OSError, RefusedFile) as exc:
        submission.timestamp_problem = f"{TIMESTAMP_FILE} cannot be read ({getattr(exc, 'strerror', None) or exc})"
    try:
        submission.late_mark = read_regular(folder / LATE_MARK_FILE, MAX_LATE_MARK_BYTES)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        submission.timestamp_problem = f"{LATE_MARK_FILE} cannot be read ({getattr(exc, 'strerror', None) or exc})"
    submission.ignored = _ignored_files(course, assignment, folder)
    return submission


ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".gz", ".7z", ".rar")


def _listing(folder: Path) -> list[str]:
    """The names in a submission folder (at most MAX_LISTED_FILES, hidden ones left out), sorted."""
    names = []
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries):
                if count >= 10 * MAX_LISTED_FILES or len(names) >= MAX_LISTED_FILES:
                    break
                if not entry.name.startswith("."):
                    names.append(entry.name)
    except OSError:
        pass
    return sorted(names)


def _held(folder: Path) -> str:
    names = [n for n in _listing(folder) if n not in (TIMESTAMP_FILE, LATE_MARK_FILE)]
    shown = ", ".join(n.encode("unicode_escape").decode()[:80] for n in names[:10])
    return (shown + (", ..." if len(names) > 10 else "")) if names else "nothing else"


def likely_file(module: str, names: list[str]) -> str | None:
    """What the student probably meant to hand in as module, from the names in the folder, or None.

    "found Neuron.py: did you mean neuron.py?"; "found neuron.zip: unzip it or use `course collect`".
    """
    stem = module.removesuffix(".py").lower()
    for name in names:
        if name.lower() == module.lower() and name != module:
            return f"found {name}: did you mean {module}?"
    for name in names:
        low = name.lower()
        if low.endswith(ARCHIVES):
            return f"found {name}: unzip it or use `course collect`"
    for name in names:
        if name.lower().endswith(".ipynb") and stem in name.lower():
            return f"found {name}: export the notebook's code as {module}"
    close = difflib.get_close_matches(module.lower(), [n.lower() for n in names if n.lower().endswith(".py")
                                                        or stem in n.lower()], n=1, cutoff=0.6)
    if close:
        name = next(n for n in names if n.lower() == close[0])
        return f"found {name}: did you mean {module}?"
    return None


def _ignored_files(course: Course, assignment: Assignment, folder: Path) -> list[str]:
    """Files beside the module that are not graded; what nbgrader and the release put there is not listed."""
    release_dir = course.release_dir(assignment.id)
    expected = {TIMESTAMP_FILE, LATE_MARK_FILE, *assignment.modules, *assignment.provided}
    if release_dir.is_dir():
        expected |= {p.name for p in release_dir.iterdir()}
    ignored = []
    with os.scandir(folder) as entries:
        for count, entry in enumerate(entries):
            if count >= 10 * MAX_LISTED_FILES:
                ignored.append("...")
                break
            if entry.name not in expected and not entry.name.startswith(".") and not entry.name.endswith(".ipynb"):
                ignored.append(entry.name)
    ignored.sort()
    return ignored[:MAX_LISTED_FILES] + (["..."] if len(ignored) > MAX_LISTED_FILES else [])


def instructor_flags(course: Course, assignment: Assignment, modules: dict[str, bytes]) -> list[str]:
    """Signs worth an instructor's look: solution markers left in, a byte-for-byte copy of the reference, or
    the released stub handed in unchanged."""
    flags = []
    for module, data in sorted(modules.items()):
        if markers_in(data.decode("utf-8", errors="replace")):
            flags.append(f"{module} contains nbgrader solution markers (### BEGIN/END SOLUTION)")
        reference = course.solution_dir(assignment.id) / module
        if reference.is_file() and reference.read_bytes() == data:
            flags.append(f"{module} is byte-for-byte identical to the reference solution")
    from .attention import stub_flags  # attention.py owns the flag's words and its comparison
    return flags + stub_flags(course, assignment, modules)
