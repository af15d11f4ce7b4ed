"""The hidden grade cell that ends every source notebook.

One locked grade cell worth the assignment's points. Its hidden-tests region
(removed from the release by nbgrader's ClearHiddenTests, and from the
feedback by our config) imports the installed ``autograder`` package and calls
``autograder.nbgrader_course.kernel.grade_this_folder``, whose value is the score
(nbgrader's partial credit, nbgrader.utils.determine_grade). It holds no path
of the instructor's machine: the kernel finds the course through $COURSE_TOML,
which the course's nbgrader configuration sets.
"""
from ..config import Assignment, Course
from .templates import render

GRADE_CELL_ID = "hidden_tests"


def grade_cell_source(course: Course, assignment: Assignment) -> str:
    """The source of the hidden grade cell of one assignment (instructor version)."""
    return render("grade_cell.py", assignment_id=assignment.id,
                  modules_text=", ".join(assignment.modules)).rstrip("\n")
