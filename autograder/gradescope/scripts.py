"""The bundle's shell scripts (setup.sh, run_autograder), rendered from templates/gradescope/."""
import shlex
import sys
from pathlib import Path

import jinja2

from ..config import Assignment

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "gradescope"


def build_python(course_root: Path) -> str:
    """The Python of the course's virtualenv (course/.venv, else the one running this): where
    run_autograder, run locally without $ROOT/venv, finds the engine's packages."""
    venv = course_root / ".venv" / "bin" / "python"
    return str(venv if venv.is_file() else Path(sys.executable))


def render_script(template: str, assignment: Assignment, course_root: Path | None = None) -> bytes:
    """One of the bundle's shell scripts, from templates/gradescope/ (values shell-quoted)."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                                     undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                     comment_start_string="{##", comment_end_string="##}")  # bash has ${#x}
    environment.filters["quote"] = shlex.quote
    return environment.get_template(template).render(
        assignment=assignment.id, modules=assignment.modules,
        build_python=build_python(course_root) if course_root else sys.executable).encode()
