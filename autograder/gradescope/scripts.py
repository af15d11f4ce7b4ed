"""The bundle's shell scripts (setup.sh, run_autograder), rendered from templates/gradescope/."""
import shlex
from pathlib import Path

import jinja2

from ..config import Assignment

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "gradescope"


def render_script(template: str, assignment: Assignment) -> bytes:
    """One of the bundle's shell scripts, from templates/gradescope/ (values shell-quoted)."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                                     undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                     comment_start_string="{##", comment_end_string="##}")  # bash has ${#x}
    environment.filters["quote"] = shlex.quote
    return environment.get_template(template).render(assignment=assignment.id,
                                                      modules=assignment.modules).encode()
