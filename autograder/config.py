"""course.toml: the course's assignments, points, limits and data location.

load_course() reads the file with tomllib, checks it against the small
schema below (plain Python: no validation library to import, so every
``course`` command starts fast) and returns a Course. Any problem raises
CourseConfigError naming the file, the key and, where the key is written in
the file, its line, e.g. "course.toml: assignments[2].pionts: unknown key
(did you mean 'points'?) (line 41)".
"""
import dataclasses
import datetime as dt
import difflib
import os
import re
import tomllib
from pathlib import Path

from data import locate

from .errors import PathError
from .limits import Limits
from .primitives import VISIBILITIES

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class Rule:
    """What one value of course.toml must be.

    kind: "string", "number" (int or float), "integer", "boolean", "datetime", "array" of
    ``items`` or "table" of ``keys`` (name -> Rule), or of any names matching
    ``key_pattern``, each value checked against ``values``; required: the key
    must be present in its table; the other fields are bounds, checked in this
    order and reported in jsonschema's words.
    """
    kind: str
    required: bool = False
    pattern: str | None = None
    non_empty: bool = False
    minimum: float | None = None
    exclusive_minimum: float | None = None
    maximum: float | None = None
    items: "Rule | None" = None
    keys: dict | None = None
    choices: tuple | None = None
    key_pattern: str | None = None
    values: "Rule | None" = None


def _limit_rules(required: bool) -> dict:
    return {
        "seconds": Rule("number", required, exclusive_minimum=0),
        "submission_seconds": Rule("number", required, exclusive_minimum=0),
        "memory_mb": Rule("integer", required, minimum=256),
        "file_size_mb": Rule("integer", required, minimum=1),
        "output_kb": Rule("integer", required, minimum=1),
        "disk_mb": Rule("integer", minimum=1),  # the sandbox's work folder (a tmpfs)
    }


MODULE_NAME = r"^[a-z_]+\.py$"
AUDIT_STYLES = "tests/submissions/{id}/correct"   # [audit] styles when course.toml does not say
ASSIGNMENT_ID = r"^[0-9]{2}_[a-z_]+$"
TEST_NAME = r"^test_[A-Za-z0-9_]+$"
SCHEMA = Rule("table", keys={
    "course": Rule("table", True, keys={
        "name": Rule("string", True, non_empty=True),
        "id": Rule("string", True, pattern=r"^[A-Za-z0-9_.-]+$"),
        "term": Rule("string", True),
    }),
    # where MNIST is (else the per-user cache) and, for a course serving its own copy or subset, where
    # to fetch it from and the SHA256SUMS manifest (a file beside course.toml) it is checked against
    "data": Rule("table", keys={
        "mnist_dir": Rule("string", non_empty=True),
        "mirror": Rule("string", pattern=r"^(https?|file)://"),
        "sha256sums": Rule("string", non_empty=True),
    }),
    "limits": Rule("table", True, keys=_limit_rules(required=True)),
    "late": Rule("table", keys={
        "penalty_per_day": Rule("number", minimum=0, maximum=1),
        "grace_minutes": Rule("number", minimum=0),
    }),
    # `course serve`: per student and assignment, how many submissions are graded per hour and how long
    # after one graded submission the next is graded; how often the exchange is rescanned; how many
    # times a submission that could not be graded is tried
    "serve": Rule("table", keys={
        "max_per_hour": Rule("integer", minimum=1),
        "cooldown_minutes": Rule("number", minimum=0),
        "rescan_seconds": Rule("number", exclusive_minimum=0),
        "attempts": Rule("integer", minimum=1, maximum=10),
        "check_owner": Rule("boolean"),
    }),
    # `course collect`: the zone of the times in Moodle's grading worksheet (an IANA name, e.g. Europe/Berlin)
    "collect": Rule("table", keys={
        "timezone": Rule("string", non_empty=True),
    }),
    # `course audit --styles`: the folder of each assignment's correct variants written in other styles
    # (ID.py files standing for its first module), relative to course.toml; {id} is the assignment's id
    "audit": Rule("table", keys={
        "styles": Rule("string", non_empty=True),
    }),
    "assignments": Rule("array", True, non_empty=True, items=Rule("table", keys={
        "id": Rule("string", True, pattern=ASSIGNMENT_ID),
        "title": Rule("string", True),
        "modules": Rule("array", True, non_empty=True, items=Rule("string", pattern=MODULE_NAME)),
        "provided": Rule("array", items=Rule("string", pattern=MODULE_NAME)),
        "points": Rule("number", True, exclusive_minimum=0),
        "due": Rule("datetime"),
        # the assignment's id in Canvas (the number in its address, .../assignments/12345): the Canvas export
        # heads its column "Title (12345)", which Canvas matches to that assignment
        "canvas_id": Rule("integer", minimum=1),
        "limits": Rule("table", keys=_limit_rules(required=False)),
        # per hidden test of graders/test_<ID>.py: points and visibility instead of its @points(...)
        "tests": Rule("table", key_pattern=TEST_NAME, values=Rule("table", keys={
            "points": Rule("number", minimum=0),
            "visibility": Rule("string", choices=VISIBILITIES),
        })),
    })),
})


class CourseConfigError(PathError):
    """course.toml is missing, unreadable or does not fit the schema."""


@dataclasses.dataclass(frozen=True)
class GraderTestSetting:
    """[assignments.tests] in course.toml: one hidden test's points and visibility,
    None where its @points(...) decorator decides; line: where it is written."""
    name: str
    points: float | None
    visibility: str | None
    line: int | None


@dataclasses.dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    modules: tuple[str, ...]
    provided: tuple[str, ...]
    points: float
    due: dt.datetime | None
    limits: Limits
    tests: tuple[GraderTestSetting, ...] = ()
    index: int = 0  # its place among course.toml's [[assignments]]
    points_line: int | None = None  # the line of its points = ...
    canvas_id: int | None = None  # its id in Canvas, for the Canvas export's column; None: not given

    def test_setting(self, name: str) -> GraderTestSetting | None:
        return next((t for t in self.tests if t.name == name), None)


@dataclasses.dataclass(frozen=True)
class ServeSettings:
    """[serve] in course.toml (autograder/serve): limits per student and assignment, and the service's pace.

    max_per_hour: graded submissions in any hour (None: no limit); cooldown_minutes: the least time
    between two graded submissions; rescan_seconds: how often the exchange is listed whether or not a
    change was seen; attempts: how many times a submission that could not be graded is tried;
    check_owner: flag for the instructor a submission whose folder's Unix owner is not the student.
    """
    max_per_hour: int | None = None
    cooldown_minutes: float = 0.0
    rescan_seconds: float = 30.0
    attempts: int = 2
    check_owner: bool = False  # one Unix account per student: flag an inbound folder another user owns


@dataclasses.dataclass(frozen=True)
class Course:
    path: Path
    name: str
    id: str
    term: str
    mnist_dir: Path  # the first of mnist_places holding the four files, else the cache (where they are fetched)
    limits: Limits
    late_penalty_per_day: float
    late_grace_minutes: float
    assignments: tuple[Assignment, ...]
    mnist_places: tuple = ()  # data.locate.Place: where MNIST is looked for, in order
    mnist_mirror: str | None = None  # [data] mirror: the folder URL the files are fetched from
    mnist_sha256sums: Path | None = None  # [data] sha256sums: the manifest they are checked against
    serve: ServeSettings = ServeSettings()  # [serve]: `course serve`'s limits and pace
    collect_timezone: str | None = None  # [collect] timezone: the zone of an LMS download's times (IANA name)
    audit_styles: str = AUDIT_STYLES  # [audit] styles: the folder of correct variants, {id} the assignment's id

    @property
    def root(self) -> Path:
        return self.path.parent

    def assignment(self, assignment_id: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.id == assignment_id:
                return assignment
        known = ", ".join(a.id for a in self.assignments)
        raise CourseConfigError(f"{self.path}: no assignment {assignment_id!r} (known: {known})")

    def solution_dir(self, assignment_id: str) -> Path:
        return self.root / "solutions" / assignment_id

    def release_dir(self, assignment_id: str) -> Path:
        return self.root / "assignments" / assignment_id

    @property
    def graders_dir(self) -> Path:
        """The hidden graders (graders/test_<ID>.py): course content, never released."""
        return self.root / "graders"

    def grader_file(self, assignment_id: str) -> Path:
        return self.graders_dir / f"test_{assignment_id}.py"

    def styles_dir(self, assignment_id: str) -> Path:
        """The folder of the assignment's correct variants in other styles (`course audit --styles`)."""
        return self.root / self.audit_styles.format(id=assignment_id)


def default_course_path() -> Path:
    """$COURSE_TOML, else the course.toml beside the autograder package."""
    return Path(os.environ.get("COURSE_TOML") or REPO_ROOT / "course.toml")


NBGRADER_COURSE_CONFIG = "nbgrader_course_config.py"  # `course nbgrader init`'s file (nbgrader_course.config_files)
MAX_NBGRADER_CONFIG_BYTES = 256 * 1024


def recorded_course_toml(config: Path) -> Path | None:
    """The course.toml an nbgrader course configuration records (its top-level ``course_toml = '...'``,
    read with ast, never run), or None when the file is not one or records none."""
    import ast

    try:
        if not config.is_file() or config.stat().st_size > MAX_NBGRADER_CONFIG_BYTES:
            return None
        tree = ast.parse(config.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["course_toml"]
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return Path(node.value.value)
    return None


def find_course_path(given: Path | str | None, cwd: Path | None = None) -> tuple[Path, str]:
    """The course.toml a command uses and how it was chosen: --course, else $COURSE_TOML, else the
    first course.toml in the working folder or a folder above it, or the one the nbgrader course
    configuration there records (`course nbgrader init`'s nbgrader_course_config.py, so the course's
    commands work in the nbgrader folder). CourseConfigError when there is none: the course beside the
    installed package is never taken silently."""
    if given is not None:
        return Path(given), "--course"
    if os.environ.get("COURSE_TOML"):
        return Path(os.environ["COURSE_TOML"]), "$COURSE_TOML"
    here = Path(cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "course.toml").is_file():
            return folder / "course.toml", "found from the working folder"
        recorded = recorded_course_toml(folder / NBGRADER_COURSE_CONFIG)
        if recorded is not None:
            return recorded, f"recorded in {folder / NBGRADER_COURSE_CONFIG}"
    raise CourseConfigError(
        f"no course.toml in {here} or any folder above it: run the command in the course's folder, "
        f"or give --course PATH (this package's own course is {REPO_ROOT / 'course.toml'})")


def load_course(path: Path | str | None = None) -> Course:
    """Read and validate course.toml; raise CourseConfigError naming file, key and line."""
    path = Path(path) if path is not None else default_course_path()
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise CourseConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise CourseConfigError(f"{path}: not valid TOML: not UTF-8 at byte {exc.start}") from None
    except OSError as exc:
        raise CourseConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    return parse_course(text, path)


def parse_course(text: str, path: Path) -> Course:
    """The Course that course.toml's text describes (path: where it is, for messages and paths)."""
    path = Path(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message ends with "(at line L, column C)"
        raise CourseConfigError(f"{path}: not valid TOML: {exc}") from None
    lines = _key_lines(text)
    problems = check(SCHEMA, raw)
    if problems:
        raise CourseConfigError("\n".join(f"{path}: {_key(key)}: {message}{_at(lines, key)}"
                                          for key, message in problems))
    return _build(path.resolve(), raw, lines)


# ------------------------------------------------------------------ validation

_TYPE_NAMES = {"string": "string", "number": "number", "integer": "integer", "array": "array", "table": "object",
               "boolean": "boolean"}


def _has_kind(kind: str, value) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):  # a bool is an int to Python, never a number to course.toml
        return False
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return isinstance(value, {"string": str, "number": (int, float), "datetime": dt.datetime,
                              "array": list, "table": dict}[kind])


def check(rule: Rule, value, key: tuple = ()) -> list[tuple[tuple, str]]:
    """Every problem of value against rule, as (key path, message), in the file's order."""
    if not _has_kind(rule.kind, value):
        if rule.kind == "datetime":
            return [(key, f"must be a TOML date-time such as 2027-02-05T23:59:00Z, got {value!r}")]
        return [(key, f"{value!r} is not of type {_TYPE_NAMES[rule.kind]!r}")]
    problems = []
    if rule.non_empty and len(value) == 0:
        problems.append((key, f"{value!r} should be non-empty"))
    if rule.pattern is not None and not re.search(rule.pattern, value):
        problems.append((key, f"{value!r} does not match {rule.pattern!r}"))
    if rule.minimum is not None and value < rule.minimum:
        problems.append((key, f"{value!r} is less than the minimum of {rule.minimum!r}"))
    if rule.exclusive_minimum is not None and value <= rule.exclusive_minimum:
        problems.append((key, f"{value!r} is less than or equal to the minimum of {rule.exclusive_minimum!r}"))
    if rule.maximum is not None and value > rule.maximum:
        problems.append((key, f"{value!r} is greater than the maximum of {rule.maximum!r}"))
    if rule.choices is not None and value not in rule.choices:
        close = difflib.get_close_matches(str(value), rule.choices, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "one of " + ", ".join(rule.choices)
        problems.append((key, f"{value!r} is not one of {list(rule.choices)!r} ({hint})"))
    if rule.kind == "array":
        for index, item in enumerate(value):
            problems += check(rule.items, item, (*key, index))
    if rule.kind == "table" and rule.values is not None:
        for name, item in value.items():
            if not re.search(rule.key_pattern, name):
                problems.append(((*key, name), f"{name!r} does not match {rule.key_pattern!r}"))
            problems += check(rule.values, item, (*key, name))
    elif rule.kind == "table":
        allowed = list(rule.keys)
        for name, sub in rule.keys.items():
            if name in value:
                problems += check(sub, value[name], (*key, name))
            elif sub.required:
                problems.append(((*key, name), "missing required key"))
        for name in value:
            if name not in rule.keys:
                close = difflib.get_close_matches(name, allowed, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
                problems.append(((*key, name), f"unknown key ({hint})"))
    return problems


def _key(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


_HEADER = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]")
_ASSIGNMENT = re.compile(r"\s*([A-Za-z0-9_-]+)\s*=")


def _key_lines(text: str) -> dict[tuple, int]:
    """Line number (from 1) of every table header and key written in the file, by key path.

    ``[[assignments]]`` is counted, so the third one is ("assignments", 2). A key
    inside an inline table or a multi-line value has no line of its own: its
    error points at the nearest enclosing key that has one.
    """
    lines, table, arrays, in_string = {}, (), {}, False
    for number, line in enumerate(text.splitlines(), 1):
        starts_string = (line.count('"""') + line.count("'''")) % 2 == 1
        if in_string:
            in_string = not starts_string
            continue
        in_string = starts_string
        header = _HEADER.match(line)
        if header:
            names = header.group(2).split(".")
            table = ()
            for depth, name in enumerate(names):
                table = (*table, name)
                if depth < len(names) - 1 and table in arrays:
                    table = (*table, arrays[table])  # [a.b] under [[a]] belongs to the last a
            if header.group(1) == "[[":
                arrays[table] = arrays.get(table, -1) + 1
                table = (*table, arrays[table])
            lines.setdefault(table, number)
        elif assignment := _ASSIGNMENT.match(line):
            lines.setdefault((*table, assignment.group(1)), number)
    return lines


def _at(lines: dict[tuple, int], key: tuple) -> str:
    """" (line N)" for the key, or for the nearest enclosing key written in the file."""
    for end in range(len(key), 0, -1):
        if key[:end] in lines:
            return f" (line {lines[key[:end]]})"
    return ""


# ------------------------------------------------------------------ the Course

def _limits(raw: dict, base: Limits | None = None) -> Limits:
    fields = dataclasses.asdict(base) if base else {}
    fields.update(raw)
    integers = {"memory_mb", "file_size_mb", "output_kb", "disk_mb"}
    return Limits(**{k: int(v) if k in integers else v for k, v in fields.items()})


def _build(path: Path, raw: dict, lines: dict[tuple, int]) -> Course:
    limits = _limits(raw["limits"])
    assignments = []
    for index, a in enumerate(raw["assignments"]):
        due = a.get("due")
        if due is not None and due.tzinfo is None:
            where = _at(lines, ("assignments", index, "due"))
            raise CourseConfigError(f"{path}: assignments[{index}].due: give a time zone, "
                                    f"e.g. 2027-02-05T23:59:00Z{where}")
        tests = tuple(GraderTestSetting(name, setting.get("points"), setting.get("visibility"),
                                  lines.get(("assignments", index, "tests", name))
                                  or lines.get(("assignments", index, "tests")))
                      for name, setting in a.get("tests", {}).items())
        assignments.append(Assignment(
            id=a["id"], title=a["title"], modules=tuple(a["modules"]),
            provided=tuple(a.get("provided", ())), points=a["points"], due=due,
            limits=_limits(a.get("limits", {}), limits), tests=tests, index=index,
            points_line=lines.get(("assignments", index, "points")),
            canvas_id=int(a["canvas_id"]) if "canvas_id" in a else None))
    ids = [a.id for a in assignments]
    for index, assignment_id in enumerate(ids):
        if assignment_id in ids[:index]:
            where = _at(lines, ("assignments", index, "id"))
            raise CourseConfigError(f"{path}: assignments[{index}].id: {assignment_id!r} appears twice{where}")
    canvas_ids = [a.canvas_id for a in assignments]
    for index, canvas_id in enumerate(canvas_ids):
        if canvas_id is not None and canvas_id in canvas_ids[:index]:
            where = _at(lines, ("assignments", index, "canvas_id"))
            first = assignments[canvas_ids.index(canvas_id)].id
            raise CourseConfigError(f"{path}: assignments[{index}].canvas_id: {canvas_id} is already {first}'s: "
                                    f"each assignment has its own Canvas id{where}")
    data = raw.get("data", {})
    if "mirror" in data and "sha256sums" not in data:
        raise CourseConfigError(f"{path}: data.mirror: a mirror needs its checksums: add sha256sums = "
                                f"\"<SHA256SUMS file beside course.toml>\"{_at(lines, ('data', 'mirror'))}")
    configured = path.parent / data["mnist_dir"] if "mnist_dir" in data else None
    mnist_places = locate.places(configured, f"[data] mnist_dir in {path.name}")
    found = locate.find(mnist_places)
    late = raw.get("late", {})
    collect_timezone = _collect_timezone(path, raw, lines)
    audit_styles = _audit_styles(path, raw, lines)
    return Course(
        path=path, name=raw["course"]["name"], id=raw["course"]["id"], term=raw["course"]["term"],
        mnist_dir=(found or mnist_places[-1]).path, limits=limits,
        late_penalty_per_day=late.get("penalty_per_day", 0.0),
        late_grace_minutes=late.get("grace_minutes", 0.0),
        assignments=tuple(assignments), mnist_places=mnist_places, mnist_mirror=data.get("mirror"),
        mnist_sha256sums=path.parent / data["sha256sums"] if "sha256sums" in data else None,
        serve=ServeSettings(**raw.get("serve", {})), collect_timezone=collect_timezone,
        audit_styles=audit_styles)


def _collect_timezone(path: Path, raw: dict, lines: dict[tuple, int]) -> str | None:
    """[collect] timezone, checked to be a zone the tz database knows; None when not set."""
    import zoneinfo

    zone = raw.get("collect", {}).get("timezone")
    if zone is None:
        return None
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CourseConfigError(f"{path}: collect.timezone: {zone[:60]!r} is not a time zone (an IANA name "
                                f"such as Europe/Berlin or America/New_York){_at(lines, ('collect', 'timezone'))}"
                                ) from None
    return zone


def _audit_styles(path: Path, raw: dict, lines: dict[tuple, int]) -> str:
    """[audit] styles, checked to name {id} as its only placeholder; the default when not set."""
    import string

    styles = raw.get("audit", {}).get("styles")
    if styles is None:
        return AUDIT_STYLES
    where = _at(lines, ("audit", "styles"))
    try:
        fields = [part[1] for part in string.Formatter().parse(styles) if part[1] is not None]
        styles.format(id="01_x")
    except (ValueError, IndexError, KeyError, AttributeError):
        fields = None
    if fields != ["id"] or "{id}" not in styles:
        raise CourseConfigError(f"{path}: audit.styles: {styles[:80]!r} must name the assignment's folder with "
                                f"{{id}} once and no other placeholder, e.g. \"{AUDIT_STYLES}\"{where}")
    return styles
