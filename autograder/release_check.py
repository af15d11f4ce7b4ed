"""``course check-release PATH``: prove that a student release leaks nothing.

PATH is a folder (e.g. nbgrader's release/<ID>/ or the course's assignments/)
or a .zip. Every file is read (notebooks cell by cell with nbformat, sources
and outputs) and each line is checked for:

- a solution or hidden-test marker (``### BEGIN SOLUTION``, nbgrader's bare
  ``BEGIN SOLUTION``, ``BEGIN HIDDEN TESTS``, and their ``END`` lines);
- reference-only code: a line of a solution region of the assignment's own
  modules (or of a later assignment's). Provided modules legitimately hold
  the reference of EARLIER assignments, so what the build itself puts in an
  assignment's release (its stubs and provided files) is never a finding;
- hidden-test text: distinctive lines of graders/*.py, autograder/toolkit/*.py and of the
  engine (autograder/engine/*.py). Docstring lines of 20 characters or more
  and lines holding a message (a string of 20 or more characters, with
  spaces) count alone; other lines of 30 or more (code that may be generic,
  such as ``got = np.asarray(got, dtype=float)``) only when a file holds
  three or more of them from the same grader or engine file;
- the instructor's course path (e.g. from a hidden grade cell left in);
- files that must not be there at all: results.json, gradebook.db or any
  SQLite database, nbgrader_config.py, compiled .pyc files.

Lines are compared whole, after stripping blanks and surrounding quotes or
comment signs; short, commented or trivial solution lines (``return a``,
``return weights, biases``) never count. Each
finding names the file and the line: ``file:line: reason``.
"""
import ast
import dataclasses
import functools
import json
import re
import zipfile
from pathlib import Path, PurePosixPath

import nbformat

from .build import BuildError, provided_source, make_stub
from .config import Assignment, Course
from .errors import PathError
from .primitives import first_marker, solution_regions

SOLUTION_MIN_CHARS = 20
TRIVIAL = re.compile(r"(return|yield|pass|break|continue)\b[\w\s,.]*")  # e.g. return weights, biases
HIDDEN_MIN_CHARS = 30
DOCSTRING_MIN_CHARS = 20
LITERAL_MIN_CHARS = 20
WEAK_MIN_MATCHES = 3
FORBIDDEN_NAMES = {
    "results.json": "grading results (results.json) do not belong in a release",
    "gradebook.db": "nbgrader's gradebook does not belong in a release",
    "nbgrader_config.py": "the instructor's nbgrader configuration does not belong in a release",
}
SQLITE_MAGIC = b"SQLite format 3\x00"


class ReleaseCheckError(PathError):
    """The release to check does not exist (the CLI prints it on one line)."""


@dataclasses.dataclass(frozen=True)
class Finding:
    file: str
    line: int
    reason: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.reason}"


def normalize(line: str) -> str:
    """A line without surrounding blanks, quotes, comment signs or markdown emphasis."""
    return line.strip().strip("\"'#*`> \t").strip()


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


# --- what must not leak --------------------------------------------------------------


def _solution_lines(course: Course, assignment: Assignment) -> dict[str, str]:
    """normalized line -> where, for every non-trivial line inside a solution region."""
    lines = {}
    for module in assignment.modules:
        path = course.solution_dir(assignment.id) / module
        if not path.is_file():
            continue
        source = path.read_text()
        text = source.splitlines()
        try:
            regions = solution_regions(source, str(path))
        except BuildError:
            continue
        for begin, end in regions:
            for index in range(begin + 1, end):
                raw = text[index]
                key = normalize(raw)
                if _is_comment(raw) or len(key) < SOLUTION_MIN_CHARS or TRIVIAL.fullmatch(key):
                    continue
                lines.setdefault(key, f"solutions/{assignment.id}/{module}:{index + 1}")
    return lines


def _built_lines(course: Course, assignment: Assignment) -> set[str]:
    """Every normalized line the build itself puts in the assignment's release (.py files)."""
    lines = set()
    for module in assignment.modules:
        path = course.solution_dir(assignment.id) / module
        try:
            lines.update(normalize(l) for l in make_stub(path.read_text(), module).splitlines())
        except (OSError, BuildError):
            continue
    for name in assignment.provided:
        try:
            lines.update(normalize(l) for l in provided_source(course, assignment, name).splitlines())
        except (OSError, BuildError):
            continue
    return lines


def _docstring_lines(source: str) -> set[int]:
    """0-based indices of the lines of every docstring in source."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                found.update(range(first.lineno - 1, first.end_lineno))
    return found


def _distinctive(line: str) -> bool:
    """Holding a sentence-like string literal (a hint, a feedback message)."""
    literals = [double or single for double, single in re.findall(r"\"([^\"]*)\"|'([^']*)'", line)]
    return any(len(text) >= LITERAL_MIN_CHARS and text.count(" ") >= 2 for text in literals)


def _hidden_lines(folders: dict[str, Path]) -> dict[str, tuple[str, bool]]:
    """normalized line -> (where, strong) for the distinctive lines of the graders and the engine.

    Strong lines (docstrings, lines with a message in them) count alone; weak
    ones (code of 30 characters or more, but possibly generic, such as
    ``got = np.asarray(got, dtype=float)``, a helper a public test may share)
    count only when a file holds WEAK_MIN_MATCHES or more of them from the
    same grader or engine file.
    """
    lines = {}
    for label, folder in folders.items():
        for path in sorted(folder.glob("*.py")):
            source = path.read_text()
            docstrings = _docstring_lines(source)
            for index, raw in enumerate(source.splitlines()):
                key, stripped = normalize(raw), raw.strip()
                if not key or first_marker(raw):
                    continue
                if index in docstrings and len(key) >= DOCSTRING_MIN_CHARS:
                    strong = True
                elif len(stripped) >= HIDDEN_MIN_CHARS:
                    strong = _distinctive(stripped)
                else:
                    continue
                where = f"{label}/{path.name}:{index + 1}"
                if key not in lines or (strong and not lines[key][1]):
                    lines[key] = (where, strong)
    return lines


@dataclasses.dataclass
class _Secrets:
    hidden: dict[str, tuple[str, bool]]      # grader/engine line -> (where, strong)
    forbidden: dict[str, dict[str, str]]     # assignment id -> solution line -> where
    unknown: dict[str, str]                  # for files of no known assignment
    course_path: str


@functools.lru_cache(maxsize=8)
def _secrets(course: Course) -> _Secrets:
    package = Path(__file__).resolve().parent
    solutions = {a.id: _solution_lines(course, a) for a in course.assignments}
    built = {a.id: _built_lines(course, a) for a in course.assignments}
    everything_built = set().union(*built.values())
    folders = {"autograder/engine": package / "engine", "autograder/toolkit": package / "toolkit",
               "graders": course.graders_dir}
    hidden = {k: v for k, v in _hidden_lines(folders).items() if k not in everything_built}
    forbidden = {}
    ids = [a.id for a in course.assignments]
    for position, assignment_id in enumerate(ids):
        lines = {}
        for later in ids[position:]:  # its own and later solutions; earlier ones may be provided
            lines.update({k: v for k, v in solutions[later].items() if k not in lines})
        forbidden[assignment_id] = {k: v for k, v in lines.items() if k not in built[assignment_id]}
    unknown = {}
    for lines in solutions.values():
        unknown.update({k: v for k, v in lines.items() if k not in everything_built and k not in unknown})
    return _Secrets(hidden, forbidden, unknown, str(course.path))


# --- reading the release ---------------------------------------------------------------


def _entries(path: Path):
    """(display name, relative posix path, bytes) of every file under a folder or in a zip."""
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    member = PurePosixPath(info.filename)
                    yield f"{path}/{info.filename}", PurePosixPath(path.stem) / member, archive.read(info)
    elif path.is_file():
        yield str(path), PurePosixPath(path.name), path.read_bytes()
    elif path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            yield str(file), PurePosixPath(path.name) / file.relative_to(path).as_posix(), file.read_bytes()
    else:
        raise ReleaseCheckError(f"{path}: no such folder or zip file")


def _assignment_of(course: Course, relative: PurePosixPath, siblings: set[str]) -> str | None:
    """The assignment a file belongs to: the innermost folder named like one, else the
    assignment whose modules are all among the file's siblings (most of its files wins)."""
    ids = {a.id for a in course.assignments}
    for part in reversed(relative.parts[:-1]):
        if part in ids:
            return part
    best, best_score = None, 0
    for assignment in course.assignments:
        if set(assignment.modules) <= siblings:
            score = len((set(assignment.modules) | set(assignment.provided)) & siblings)
            if score > best_score:
                best, best_score = assignment.id, score
    return best


def _notebook_lines(text: str):
    """(line in the file, where in the notebook, text) for every line of every cell and output."""
    nb = nbformat.reads(text, as_version=4)
    raw = text.splitlines()
    cursor = 0

    def locate(line):
        nonlocal cursor
        needle = json.dumps(line)[1:-1]
        for start in (cursor, 0):
            for index in range(start, len(raw)):
                if needle in raw[index]:
                    cursor = index
                    return index + 1
        return 0

    for number, cell in enumerate(nb.cells, start=1):
        pieces = [("", cell.source)]
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                pieces.append((" output", output.get("text", "")))
            elif output.get("output_type") == "error":
                pieces.append((" traceback", "\n".join(output.get("traceback", []))))
            else:
                for value in output.get("data", {}).values():
                    if isinstance(value, str):
                        pieces.append((" output", value))
        for label, body in pieces:
            for index, line in enumerate(body.splitlines(), start=1):
                if line.strip():
                    yield locate(line), f"cell {number}{label}, line {index}", line


def _text(data: bytes) -> str | None:
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _check_line(line: str, secrets: _Secrets, forbidden: dict[str, str]) -> tuple[str, str | None] | None:
    """(reason, weak source or None) when the line leaks something, else None."""
    marker = first_marker(line)
    if marker:
        return f"solution or hidden-test marker {marker!r}", None
    key = normalize(line)
    if key in forbidden:
        return f"reference-only code from {forbidden[key]}", None
    if key in secrets.hidden:
        where, strong = secrets.hidden[key]
        return f"hidden test or engine text from {where}", None if strong else where.rsplit(":", 1)[0]
    if secrets.course_path in line:
        return f"the instructor's course path {secrets.course_path}", None
    return None


def _file_findings(display: str, lines, secrets: _Secrets, forbidden: dict[str, str]) -> list[Finding]:
    findings, weak = [], {}
    for number, where, line in lines:
        hit = _check_line(line, secrets, forbidden)
        if hit is None:
            continue
        reason, weak_source = hit
        finding = Finding(display, number, f"{reason} ({where})" if where else reason)
        if weak_source is None:
            findings.append(finding)
        else:
            weak.setdefault(weak_source, []).append(finding)
    for group in weak.values():
        if len(group) >= WEAK_MIN_MATCHES:
            findings.extend(group)
    return sorted(findings, key=lambda f: f.line)


def check_release(course: Course, path: Path | str) -> list[Finding]:
    """Every leak in a release folder or zip (an empty list means it is clean)."""
    path = Path(path)
    secrets = _secrets(course)
    entries = list(_entries(path))
    siblings = {}
    for _, relative, _ in entries:
        siblings.setdefault(relative.parent, set()).add(relative.name)
    findings = []
    for display, relative, data in entries:
        name = relative.name
        if name in FORBIDDEN_NAMES:
            findings.append(Finding(display, 0, FORBIDDEN_NAMES[name]))
            continue
        if data.startswith(SQLITE_MAGIC) or relative.suffix in (".db", ".sqlite", ".sqlite3"):
            findings.append(Finding(display, 0, "a database (a gradebook?) does not belong in a release"))
            continue
        if relative.suffix == ".pyc":
            findings.append(Finding(display, 0, "compiled Python cannot be checked for leaks: leave it out"))
            continue
        text = _text(data)
        if text is None:
            continue
        assignment_id = _assignment_of(course, relative, siblings[relative.parent])
        forbidden = secrets.forbidden[assignment_id] if assignment_id else secrets.unknown
        lines = None
        if relative.suffix == ".ipynb":
            try:
                lines = list(_notebook_lines(text))
            except Exception:  # not a readable notebook: check it as text
                lines = None
        if lines is None:
            lines = [(n, None, l) for n, l in enumerate(text.splitlines(), start=1)]
        findings.extend(_file_findings(display, lines, secrets, forbidden))
    return findings
