"""Errors that mean grading itself cannot run: not the student's fault."""


class GradingError(Exception):
    """A grader, the course or the machine is broken; the batch stops with a message.

    Hidden graders raise it (e.g. when the MNIST files are missing) instead of
    letting every student lose the points of that test.
    """
