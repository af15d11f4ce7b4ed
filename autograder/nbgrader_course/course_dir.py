"""``course nbgrader init DIR``: make DIR a ready nbgrader course.

nbgrader releases and collects; our engine grades. init_course writes

- ``nbgrader_course_config.py`` (the course's settings, rewritten on every
  run) and, once, ``nbgrader_config.py`` (the instructor's, which loads the
  former first): autograder.nbgrader_course.config_files. nbgrader's known traps are
  handled there: ``Autograde.exclude_overwriting`` keeps each student's own
  module(s), the modules are NOT in ``CourseDirectory.ignore`` (which would
  hide them from autograde too), ``ClearHiddenTests`` also runs in
  generate_feedback, the cell timeout fits the engine, the late penalty is
  the course's (autograder.nbgrader_course.late) and a grade cell that could not
  grade goes to manual grading (autograder.nbgrader_course.preprocessors);
- ``source/<ID>/``: the student release and the notebook with nbgrader
  metadata ending in the hidden grade cell (autograder.nbgrader_course.source);
- ``gradebook.db``: every assignment, with its due date from course.toml.

Then ``nbgrader generate_assignment <ID>`` in DIR writes release/<ID>/ with
the notebook stripped by nbgrader and our .py stubs.
"""
from pathlib import Path

from ..config import Course
from .config_files import plan_config_files, write_config_files
from .db import register_assignments
from .source import write_source


def init_course(course: Course, target: Path | str, force: bool = False) -> Path:
    """Make target a ready nbgrader course (see the module docstring); return it.

    Raises InitError, having written nothing, when a configuration file was
    edited and force is not set.
    """
    target = Path(target).resolve()
    writes = plan_config_files(course, target, force)
    target.mkdir(parents=True, exist_ok=True)
    for line in write_config_files(writes):
        print(f"{target}: {line}")
    for assignment in course.assignments:
        write_source(course, assignment, target / "source" / assignment.id)
    register_assignments(course, target / "gradebook.db")
    return target
