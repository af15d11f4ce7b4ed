"""How the service starts: a systemd unit and a JupyterHub service entry, from templates/serve/.

``course serve DIR --print systemd|jupyterhub`` fills them with this
machine's paths (this Python, course.toml, the nbgrader course folder) and
the course user (the one running the command, unless --user says).
"""
import getpass
import sys
from pathlib import Path

import jinja2

TEMPLATES = {"systemd": "course-serve.service.j2", "jupyterhub": "jupyterhub_service.py.j2"}


def _systemd_word(value) -> str:
    """One word of an Exec line: quoted for systemd when it holds a space, a quote or a backslash."""
    text = str(value)
    if any(c in text for c in "\n\r\0"):
        raise ValueError(f"{text!r}: a path with a line break cannot go into a systemd unit")
    if any(c in text for c in " \t\"'\\$%;"):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$").replace("%", "%%") + '"'
    return text


_ENVIRONMENT = jinja2.Environment(loader=jinja2.PackageLoader("autograder", "templates/serve"), autoescape=False,
                                  undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
_ENVIRONMENT.filters["pyrepr"] = repr


def render_start(kind: str, course, course_dir: Path, jobs: int, user: str | None = None) -> str:
    """The systemd unit or the jupyterhub_config.py entry that starts `course serve` for this course."""
    values = dict(course_name=course.name, course_id=course.id, user=user or getpass.getuser(), jobs=int(jobs),
                  python=sys.executable, course_toml=str(course.path.resolve()), course_dir=str(course_dir))
    if kind == "systemd":
        values.update({k: _systemd_word(v) for k, v in values.items()
                       if k in ("user", "python", "course_toml", "course_dir")})
    return _ENVIRONMENT.get_template(TEMPLATES[kind]).render(**values)
