"""How the service starts: a systemd unit and a JupyterHub service entry, from templates/serve/.

``course serve DIR --print systemd|jupyterhub`` fills them with this
machine's paths (this Python, course.toml, the nbgrader course folder) and
the course user (the one running the command, unless --user says; never
root). check_start says beforehand what that user cannot reach.
"""
import getpass
import os
import pwd
import stat
import sys
from pathlib import Path

import jinja2

from ..errors import UserError

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


class StartError(UserError):
    """The service cannot be started as asked (root, an unknown user)."""


def _allowed(info: os.stat_result, user: pwd.struct_passwd, groups: set[int], want: int) -> bool:
    """Whether the permission bits of info give user the rights want (a mask of 4 read, 2 write, 1 execute)."""
    if info.st_uid == user.pw_uid:
        bits = (info.st_mode >> 6) & 7
    elif info.st_gid in groups:
        bits = (info.st_mode >> 3) & 7
    else:
        bits = info.st_mode & 7
    return bits & want == want


def unreachable(path: Path, user: pwd.struct_passwd, want: int) -> str | None:
    """Why user cannot reach path with the rights want (by the permission bits, ACLs aside), else None.

    Every folder on the way needs execute; a symbolic link is followed (its target is checked too).
    """
    if user.pw_uid == 0:
        return None
    groups = set(os.getgrouplist(user.pw_name, user.pw_gid))
    path = Path(os.path.abspath(path))
    for target in dict.fromkeys([path, path.resolve()]):
        for folder in reversed(target.parents):
            try:
                info = os.stat(folder)
            except OSError as exc:
                return f"{folder}: {exc.strerror}"
            if not _allowed(info, user, groups, 1):
                return f"{folder}: no execute permission for {user.pw_name} (mode {stat.filemode(info.st_mode)})"
        try:
            info = os.stat(target)
        except OSError as exc:
            return f"{target}: {exc.strerror}"
        if not _allowed(info, user, groups, want):
            return f"{target}: not {'readable' if want & 4 else 'executable'} by {user.pw_name} " \
                   f"(mode {stat.filemode(info.st_mode)}, owner uid {info.st_uid})"
    return None


def check_start(course, course_dir: Path, user: str | None) -> tuple[str, list[str]]:
    """The course user the service runs as, and what it cannot reach (warnings); StartError for root.

    user: --user, else the one running the command (refused when that is root: the service never runs as root).
    """
    import autograder

    name = user or getpass.getuser()
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        raise StartError(f"--user {name}: no such user on this machine; make the course user first "
                         "(e.g. `sudo useradd --system --create-home nnfs-grader`)") from None
    if account.pw_uid == 0:
        raise StartError(f"the service would run as {name} (uid 0): it never runs as root (student code is "
                         "graded by it); give --user COURSE_USER, the unprivileged user owning the course folder")
    package = Path(autograder.__file__).parent
    checks = [(Path(sys.executable), 1, "this Python (the service's interpreter)"),
              (package, 5, "the autograder package"), (course.path, 4, "course.toml"),
              (course_dir, 1, "the nbgrader course folder")]
    warnings = [f"{what}: {why}" for path, want, what in checks
                if (why := unreachable(path, account, want)) is not None]
    if warnings:
        warnings.append(f"check as that user: sudo runuser -u {name} -- {sys.executable} -V")
    return name, warnings


def render_start(kind: str, course, course_dir: Path, jobs: int, user: str | None = None) -> str:
    """The systemd unit or the jupyterhub_config.py entry that starts `course serve` for this course."""
    values = dict(course_name=course.name, course_id=course.id, user=user or getpass.getuser(), jobs=int(jobs),
                  python=sys.executable, course_toml=str(course.path.resolve()), course_dir=str(course_dir))
    if kind == "systemd":
        values.update({k: _systemd_word(v) for k, v in values.items()
                       if k in ("user", "python", "course_toml", "course_dir")})
    return _ENVIRONMENT.get_template(TEMPLATES[kind]).render(**values)
