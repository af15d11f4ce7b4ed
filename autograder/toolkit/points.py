"""The @points marker: what a hidden test is worth and when the student sees it."""
import pytest

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")  # as in Gradescope


def points(n, visibility="visible"):
    """Mark a grader test as worth n points, shown to the student as visibility says
    (one of VISIBILITIES). course.toml may override both per test, by test name."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
    return pytest.mark.points(n, visibility=visibility)
