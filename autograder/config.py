"""course.toml: the course's assignments, points, limits and data location.

load_course() reads the file with tomllib, validates it against a JSON
schema and returns a Course. Any problem raises CourseConfigError naming the
file and the key, e.g. "course.toml: assignments[2].pionts: unknown key (did
you mean 'points'?)".
"""
import dataclasses
import datetime as dt
import difflib
import os
import tomllib
from pathlib import Path

import jsonschema

REPO_ROOT = Path(__file__).resolve().parent.parent

_LIMITS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "seconds": {"type": "number", "exclusiveMinimum": 0},
        "submission_seconds": {"type": "number", "exclusiveMinimum": 0},
        "memory_mb": {"type": "integer", "minimum": 256},
        "file_size_mb": {"type": "integer", "minimum": 1},
        "output_kb": {"type": "integer", "minimum": 1},
        "disk_mb": {"type": "integer", "minimum": 1},
    },
}
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["course", "data", "limits", "assignments"],
    "properties": {
        "course": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "id", "term"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "id": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$"},
                "term": {"type": "string"},
            },
        },
        "data": {
            "type": "object",
            "additionalProperties": False,
            "required": ["mnist_dir"],
            "properties": {"mnist_dir": {"type": "string", "minLength": 1}},
        },
        "limits": {**_LIMITS, "required": ["seconds", "submission_seconds", "memory_mb", "file_size_mb", "output_kb"]},
        "late": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "penalty_per_day": {"type": "number", "minimum": 0, "maximum": 1},
                "grace_minutes": {"type": "number", "minimum": 0},
            },
        },
        "assignments": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "title", "modules", "points"],
                "properties": {
                    "id": {"type": "string", "pattern": "^[0-9]{2}_[a-z_]+$"},
                    "title": {"type": "string"},
                    "modules": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": r"^[a-z_]+\.py$"}},
                    "provided": {"type": "array", "items": {"type": "string", "pattern": r"^[a-z_]+\.py$"}},
                    "points": {"type": "number", "exclusiveMinimum": 0},
                    "due": {"type": "datetime"},
                    "limits": _LIMITS,
                },
            },
        },
    },
}

_TYPES = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
    "datetime", lambda _checker, value: isinstance(value, dt.datetime))
_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=_TYPES)


class CourseConfigError(Exception):
    """course.toml is missing, unreadable or does not fit the schema."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits for grading one submission.

    seconds: wall clock for one call into the student's code;
    submission_seconds: wall clock (and CPU) for all of a submission's calls.
    """
    seconds: float
    submission_seconds: float
    memory_mb: int
    file_size_mb: int
    output_kb: int
    disk_mb: int = 64  # the size of the child's work folder (a tmpfs under nsjail)


@dataclasses.dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    modules: tuple[str, ...]
    provided: tuple[str, ...]
    points: float
    due: dt.datetime | None
    limits: Limits


@dataclasses.dataclass(frozen=True)
class Course:
    path: Path
    name: str
    id: str
    term: str
    mnist_dir: Path
    limits: Limits
    late_penalty_per_day: float
    late_grace_minutes: float
    assignments: tuple[Assignment, ...]

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


def default_course_path() -> Path:
    """$COURSE_TOML, else the course.toml beside the autograder package."""
    return Path(os.environ.get("COURSE_TOML") or REPO_ROOT / "course.toml")


def load_course(path: Path | str | None = None) -> Course:
    """Read and validate course.toml; raise CourseConfigError naming file and key."""
    path = Path(path) if path is not None else default_course_path()
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise CourseConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseConfigError(f"{path}: not valid TOML: {exc}") from None
    errors = sorted(_Validator(SCHEMA).iter_errors(raw), key=lambda e: list(e.path))
    if errors:
        raise CourseConfigError("\n".join(f"{path}: {_describe(e)}" for e in errors))
    return _build(path.resolve(), raw)


def _key(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    """One line naming the key: missing, unknown (with a suggestion) or wrong."""
    where = _key(error.path)
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return f"{_key([*error.path, missing])}: missing required key"
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        parts = []
        for key in extra:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
            parts.append(f"{_key([*error.path, key])}: unknown key{hint}")
        return "; ".join(parts)
    if error.validator == "type" and error.validator_value == "datetime":
        return f"{where}: must be a TOML date-time such as 2027-02-05T23:59:00Z, got {error.instance!r}"
    return f"{where}: {error.message}"


def _limits(raw: dict, base: Limits | None = None) -> Limits:
    fields = dataclasses.asdict(base) if base else {}
    fields.update(raw)
    return Limits(**fields)


def _build(path: Path, raw: dict) -> Course:
    limits = _limits(raw["limits"])
    assignments = []
    for index, a in enumerate(raw["assignments"]):
        due = a.get("due")
        if due is not None and due.tzinfo is None:
            raise CourseConfigError(f"{path}: assignments[{index}].due: give a time zone, e.g. 2027-02-05T23:59:00Z")
        assignments.append(Assignment(
            id=a["id"], title=a["title"], modules=tuple(a["modules"]),
            provided=tuple(a.get("provided", ())), points=a["points"], due=due,
            limits=_limits(a.get("limits", {}), limits)))
    ids = [a.id for a in assignments]
    for duplicate in {i for i in ids if ids.count(i) > 1}:
        raise CourseConfigError(f"{path}: assignments: id {duplicate!r} appears twice")
    env_dir = os.environ.get("MNIST_DIR")
    mnist_dir = Path(env_dir) if env_dir else (path.parent / raw["data"]["mnist_dir"])
    late = raw.get("late", {})
    return Course(
        path=path, name=raw["course"]["name"], id=raw["course"]["id"], term=raw["course"]["term"],
        mnist_dir=mnist_dir.resolve(), limits=limits,
        late_penalty_per_day=late.get("penalty_per_day", 0.0),
        late_grace_minutes=late.get("grace_minutes", 0.0),
        assignments=tuple(assignments))
