"""The two configuration files of the nbgrader course, and when init may write them.

- nbgrader_course_config.py: the course's settings, made from course.toml
  (templates/nbgrader/nbgrader_course_config.py.j2). Init rewrites it on
  every run, unless its text was edited since (its last line is a checksum of
  the rest): then init refuses, or with force keeps the edited file as a
  backup (.bak) and writes a fresh one.
- nbgrader_config.py: the instructor's file, which nbgrader reads. Init
  writes it once (loading the course's file first) and never changes it
  again; one that does not load the course's file (e.g. written by an
  earlier version of init) is refused, or with force kept as a backup.
"""
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..config import Course
from .kernel import engine_timeout
from .source import InitError
from .templates import render

COURSE_CONFIG = "nbgrader_course_config.py"
INSTRUCTOR_CONFIG = "nbgrader_config.py"
_CHECKSUM_LINE = re.compile(r"# checksum: sha256=([0-9a-f]{64})\n\Z")
_EXECUTE_SLACK_SECONDS = 60  # starting the kernel and running the notebook's other cells


@dataclass(frozen=True)
class ConfigWrite:
    """One file init writes: its text, and where an earlier edited version is kept (or None)."""
    path: Path
    text: str
    backup: Path | None = None


def _checksum(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def course_config_text(course: Course) -> str:
    """nbgrader_course_config.py, ending with the checksum of everything above it."""
    body = render("nbgrader_course_config.py", course_name=course.name, course_id=course.id,
                  course_toml=str(course.path),
                  exclude=[(a.id, list(a.modules)) for a in course.assignments],
                  execute_timeout=max(engine_timeout(a) for a in course.assignments) + _EXECUTE_SLACK_SECONDS)
    return f"{body}# checksum: sha256={_checksum(body)}\n"


def instructor_config_text(course: Course) -> str:
    return render("nbgrader_config.py", course_name=course.name, course_id=course.id, course_config=COURSE_CONFIG)


def is_unedited(text: str) -> bool:
    """Whether a generated course config still matches the checksum on its last line."""
    match = _CHECKSUM_LINE.search(text)
    return bool(match) and _checksum(text[:match.start()]) == match.group(1)


def _backup_path(path: Path) -> Path:
    candidate, number = path.with_name(path.name + ".bak"), 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.bak{number}")
    return candidate


def plan_config_files(course: Course, target: Path, force: bool) -> list[ConfigWrite]:
    """What init writes in target; raise InitError (writing nothing) on a file it must not replace."""
    writes, refusals = [], []
    course_config = target / COURSE_CONFIG
    if not course_config.exists() or is_unedited(course_config.read_text(errors="replace")):
        writes.append(ConfigWrite(course_config, course_config_text(course)))
    elif force:
        writes.append(ConfigWrite(course_config, course_config_text(course), _backup_path(course_config)))
    else:
        refusals.append(f"{course_config} was edited since `course nbgrader init` wrote it; move your settings "
                        f"to {INSTRUCTOR_CONFIG} (they override it), or rerun with --force, which keeps the "
                        f"edited file as {_backup_path(course_config).name}")
    instructor_config = target / INSTRUCTOR_CONFIG
    if not instructor_config.exists():
        writes.append(ConfigWrite(instructor_config, instructor_config_text(course)))
    elif COURSE_CONFIG not in instructor_config.read_text(errors="replace"):
        if force:
            writes.append(ConfigWrite(instructor_config, instructor_config_text(course),
                                      _backup_path(instructor_config)))
        else:
            refusals.append(f"{instructor_config} does not load {COURSE_CONFIG} (the course's settings); "
                            f"rerun with --force to replace it (it is kept as "
                            f"{_backup_path(instructor_config).name}: copy your own settings back from there)")
    if refusals:
        raise InitError("refusing to overwrite:\n" + "\n".join(refusals))
    return writes


def write_config_files(writes: list[ConfigWrite]) -> list[str]:
    """Carry out plan_config_files(); return one line per file for the instructor."""
    done = []
    for write in writes:
        if write.backup is not None:
            write.path.replace(write.backup)
            done.append(f"kept the earlier {write.path.name} as {write.backup.name}")
        write.path.write_text(write.text)
        done.append(f"wrote {write.path.name}")
    return done
