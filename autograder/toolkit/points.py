"""The @points marker: what a hidden test is worth and when the student sees it.

Under pytest (an instructor running the graders with pytest, or the repo's
own tests) it is pytest's ``points`` mark. The engine runs the graders
without pytest (engine/runner.py) and reads the same name, args and kwargs
from a plain mark, so grading never pays for importing pytest (~0.1 s, a
third of a Gradescope run's own work).
"""
import dataclasses
import sys

from ..primitives import VISIBILITIES


@dataclasses.dataclass(frozen=True)
class PointsMark:
    """What pytest's Mark holds, for a process without pytest."""
    name: str
    args: tuple
    kwargs: dict


def points(n, visibility="visible"):
    """Mark a grader test as worth n points, shown to the student as visibility says
    (one of VISIBILITIES). course.toml may override both per test, by test name."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
    if "pytest" in sys.modules:
        return sys.modules["pytest"].mark.points(n, visibility=visibility)
    mark = PointsMark("points", (n,), {"visibility": visibility})

    def decorate(function):
        function.pytestmark = [*getattr(function, "pytestmark", []), mark]
        return function
    return decorate
