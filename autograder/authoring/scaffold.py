"""`course new`: the skeleton of a new assignment, from autograder/templates/scaffold/.

plan_assignment() checks everything (the id and module names against
course.toml's patterns, ids and modules already in use, files already there,
the course.toml that would result) and returns every file to write, or raises
ScaffoldError having written nothing; write_plan() then writes them. The
course.toml entry is appended as text, so the file's comments and layout stay.
"""
import dataclasses
import datetime as dt
import json
import re
import sys
from pathlib import Path

import jinja2

from ..config import ASSIGNMENT_ID, MODULE_NAME, Course, CourseConfigError, parse_course
from ..errors import UserErrors

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "scaffold"
# Names a module must not take: the release's own check.py, and what students' code imports.
RESERVED_MODULES = {"check", "numpy", "pytest", "matplotlib", "conftest"}


class ScaffoldError(UserErrors):
    """The new assignment cannot be written as asked; nothing was written."""


@dataclasses.dataclass(frozen=True)
class Plan:
    """What `course new` writes: path -> text, and course.toml's new text."""
    files: dict
    course_toml: str
    next_steps: str


def _number(value: float) -> str:
    return f"{value:g}"


def _docstring(text: str) -> str:
    """text safe inside a triple-quoted docstring."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update(toml=lambda s: json.dumps(s, ensure_ascii=False),  # a JSON string is a TOML basic string
                       number=_number, docstring=_docstring)
    return env


def _due(text: str | None) -> str | None:
    """--due as a TOML date-time (UTC offset written), or None."""
    if text is None:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ScaffoldError(f"--due {text!r}: not a date-time such as 2027-03-19T23:59:00Z") from None
    if when.tzinfo is None:
        raise ScaffoldError(f"--due {text!r}: give a time zone, e.g. 2027-03-19T23:59:00Z")
    return when.isoformat().replace("+00:00", "Z")


def _check_names(course: Course, assignment_id: str, module: str, provided: list[str], points: float):
    problems = []
    if not re.search(ASSIGNMENT_ID, assignment_id):
        problems.append(f"id {assignment_id!r} does not match {ASSIGNMENT_ID!r} (e.g. 07_convolution)")
    elif any(a.id == assignment_id for a in course.assignments):
        problems.append(f"{course.path}: assignment {assignment_id!r} already exists")
    if not re.search(MODULE_NAME, module):
        problems.append(f"--module {module!r} does not match {MODULE_NAME!r} (e.g. layer.py)")
    else:
        stem = module.removesuffix(".py")
        owner = next((a.id for a in course.assignments if module in a.modules), None)
        if owner:
            problems.append(f"--module {module!r} is already graded in {owner}: each graded module has one name "
                            f"in the course (the reference is imported by it)")
        elif stem in RESERVED_MODULES or stem in sys.stdlib_module_names:
            problems.append(f"--module {module!r} would hide Python's or the release's own {stem!r}")
    if module in provided:
        problems.append(f"--provided {module!r}: that is the module students write")
    for name in provided:
        if not re.search(MODULE_NAME, name):
            problems.append(f"--provided {name!r} does not match {MODULE_NAME!r}")
        elif not any(name in a.modules for a in course.assignments) and not (course.root / "data" / name).is_file():
            problems.append(f"--provided {name!r} is neither a module of an assignment nor a file in data/")
    if not points > 0:
        problems.append(f"--points {points:g}: must be more than 0")
    return problems


def plan_assignment(course: Course, assignment_id: str, title: str, module: str, points: float = 10,
                    due: str | None = None, provided: list[str] | None = None) -> Plan:
    """Every file `course new` writes, checked; raises ScaffoldError listing every problem."""
    provided = list(provided or [])
    problems = _check_names(course, assignment_id, module, provided, points)
    try:
        due_toml = _due(due)
    except ScaffoldError as exc:
        problems.append(str(exc))
        due_toml = None
    if not title.strip():
        problems.append("--title is empty")
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in title):
        problems.append("--title: one line of text, without control characters")
    if problems:
        raise ScaffoldError("\n".join(problems))
    stem = module.removesuffix(".py")
    import jupytext  # the notebook header names the version, as `course notebook pull` writes it

    values = dict(id=assignment_id, title=title.strip(), module=module, stem=stem, points=points,
                  due=due_toml, provided=provided, jupytext_version=jupytext.__version__)
    env = _environment()
    render = lambda name: env.get_template(name).render(values)  # noqa: E731
    root = course.root
    files = {
        course.solution_dir(assignment_id) / module: render("reference.py.j2"),
        root / "notebooks" / f"{assignment_id}.py": render("notebook.py.j2"),
        course.release_dir(assignment_id) / f"test_{stem}.py": render("public_test.py.j2"),
        course.grader_file(assignment_id): render("grader.py.j2"),
    }
    there = [path for path in files if path.exists()]
    if there:
        raise ScaffoldError("\n".join(f"{path.relative_to(root)} already exists: remove it or choose another id"
                                      for path in there))
    text = course.path.read_text(encoding="utf-8")
    new_text = (text if text.endswith("\n") or not text else text + "\n") + render("course_entry.toml.j2")
    try:
        parse_course(new_text, course.path)
    except CourseConfigError as exc:  # a bug here, or a course.toml that ends inside a table it cannot
        raise ScaffoldError(f"the new entry would make course.toml invalid:\n{exc}") from None
    return Plan(files, new_text, render("next_steps.txt.j2"))


def write_plan(course: Course, plan: Plan) -> list[Path]:
    """Write the planned files, then course.toml; return what was written."""
    written = []
    for path, text in plan.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as f:  # "x": never replace a file that appeared meanwhile
            f.write(text)
        written.append(path)
    course.path.write_text(plan.course_toml, encoding="utf-8")
    written.append(course.path)
    return written
