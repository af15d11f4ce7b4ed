"""The pytest plugin that runs the hidden graders against one submission.

Graders are ordinary pytest tests with fixtures ``student`` (the handle),
``reference`` (the reference modules, imported here in the trusted parent),
``rng`` (a Generator seeded per submission and per test), ``seed`` and
``course`` (the Course from course.toml), and a
``points`` marker, whose points and visibility course.toml's
[assignments.tests] may override (``settings``). The plugin records one outcome per test with feedback
written for the student: the grader's own message, or why the student's code
gave no result. Tracebacks and grader source never reach the feedback.
"""
import zlib

import numpy as np
import pytest

from .errors import GradingError
from .handle import StudentFailure


class GraderPlugin:
    def __init__(self, handle, reference, seed, course, settings=()):
        """settings: the assignment's GraderTestSetting overrides from course.toml."""
        self.handle, self._reference, self.seed, self._course = handle, reference, seed, course
        self.settings = {s.name: s for s in settings}
        self.outcomes = {}  # nodeid -> dict, in collection order
        self.collection_errors = []
        self.setup_errors = []  # GradingError raised by a grader: stop the batch

    @pytest.fixture
    def student(self):
        return self.handle

    @pytest.fixture
    def reference(self):
        return self._reference

    @pytest.fixture
    def course(self):
        return self._course

    @pytest.fixture(name="seed")
    def seed_fixture(self):
        return self.seed

    @pytest.fixture
    def rng(self, request):
        return np.random.default_rng([self.seed, zlib.crc32(request.node.name.encode())])

    def pytest_configure(self, config):
        config.option.tbstyle = "no"  # feedback never uses pytest's traceback; formatting one costs ~30 ms
        config.addinivalue_line("markers", "points(n, visibility='visible'): points of a hidden grader test")

    def pytest_collection_modifyitems(self, items):
        for item in items:
            marker = item.get_closest_marker("points")
            setting = self.settings.get(item.name)
            max_score = setting.points if setting and setting.points is not None else None
            visibility = setting.visibility if setting and setting.visibility is not None else None
            if marker is None and max_score is None:
                raise pytest.UsageError(f"{item.nodeid} has no @points(...) marker")
            if max_score is None:
                max_score = marker.args[0]
            if visibility is None:
                visibility = marker.kwargs.get("visibility", "visible") if marker else "visible"
            doc = (item.function.__doc__ or "").strip().splitlines()
            self.outcomes[item.nodeid] = {
                "name": doc[0] if doc else item.name,
                "test": item.name,
                "max_score": float(max_score),
                "visibility": visibility,
                "score": 0.0, "status": "failed", "output": "not run",
            }

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        record = self.outcomes.get(item.nodeid)
        if record is None or report.when == "teardown":
            return
        if report.passed and report.when == "call":
            record.update(status="passed", score=record["max_score"], output="")
        elif report.failed:
            if call.excinfo is not None and isinstance(call.excinfo.value, GradingError):
                self.setup_errors.append(f"{item.name}: {call.excinfo.value}")
            record.update(status="failed", score=0.0, output=feedback_for(call.excinfo))


def feedback_for(excinfo) -> str:
    """What the student reads for a failed test: never a traceback of the grader."""
    if excinfo is None:
        return "failed"
    error = excinfo.value
    if isinstance(error, StudentFailure):
        return str(error)
    if isinstance(error, AssertionError):
        return str(error) or "wrong answer"
    return f"the grader could not check your answer ({type(error).__name__}: {str(error)[:300]})"
