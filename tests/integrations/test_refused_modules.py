"""One rule for a module the engine will not read, on every path: NOT GRADED with the reason, never a 0.

A module that is a symbolic or hard link, not a regular file (a FIFO) or
larger than 1 MiB: `course grade` (engine/submission.read_submission) and
`course serve` (serve/intake.take) give engine.model.refused_module's status
and reason; Gradescope's upload (which needs a number) ignores the file and
tells the student what to upload. No grading here: the readers only.
"""
import os

import pytest

from conftest import REPO
from test_serve_parts import ID, MODULE, REFERENCE, _inbound, _inbound_folder
from autograder.config import load_course
from autograder.engine.model import NOT_GRADED, refused_module
from autograder.engine.submission import MAX_MODULE_BYTES, read_submission
from autograder.gradescope.upload import advice, pick
from autograder.primitives import HardLinked, IsLink, NotRegular, TooLarge
from autograder.serve.exchange import Exchange
from autograder.serve.intake import take

REFUSALS = {"symlink": IsLink(), "hardlink": HardLinked(), "fifo": NotRegular(), "large": TooLarge(MAX_MODULE_BYTES)}


def refused(kind: str, path, elsewhere):
    """Make path a module of this kind."""
    if kind == "symlink":
        path.symlink_to(elsewhere)
    elif kind == "hardlink":
        os.link(elsewhere, path)
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(b"x = 1\n" * (MAX_MODULE_BYTES // 6 + 1))


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_course_grade_and_course_serve_refuse_a_module_alike(kind, tmp_path):
    course = load_course(REPO / "course.toml")
    elsewhere = tmp_path / "someone_elses.py"
    elsewhere.write_text(REFERENCE)
    status, reason = refused_module(MODULE, REFUSALS[kind])
    assert status == NOT_GRADED and reason.startswith(f"{MODULE} is ") and "submit the" in reason

    folder = tmp_path / "submitted" / "ada" / ID
    folder.mkdir(parents=True)
    refused(kind, folder / MODULE, elsewhere)
    submission = read_submission(course, course.assignment(ID), folder, "ada")
    assert (submission.refusal, submission.problem, submission.modules) == (reason, None, {})  # not a missing 0

    exchange = Exchange(tmp_path / "exchange", "nnfs")
    exchange.inbound.mkdir(parents=True)
    inbound = _inbound_folder(exchange.inbound, "ada", None)
    refused(kind, inbound / MODULE, elsewhere)
    intake = take(exchange, course.assignment(ID), _inbound(inbound), tmp_path / "staging")
    assert intake.refusal == reason and not (intake.folder / MODULE).exists()


def test_gradescope_ignores_a_refused_module_and_tells_the_student(tmp_path):
    upload, dest = tmp_path / "submission", tmp_path / "dest"
    upload.mkdir()
    dest.mkdir()
    refused("large", upload / MODULE, None)
    notes = pick(upload, dest, [MODULE], os.fsencode(upload / MODULE))
    assert notes == [f"ignored {MODULE!r}: {TooLarge(MAX_MODULE_BYTES).reason}"] and not (dest / MODULE).exists()
    (said,) = advice(upload, [MODULE], set())
    assert said.startswith(f"{MODULE} was not graded: ") and "larger than 1024 KiB" in said
