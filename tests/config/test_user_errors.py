"""One error path: every domain error of a command's input is an errors.UserError that cli.main says once.

The commands add only what they left undone (cli.adding's suffix) and
convert none by hand; the exit codes are named in errors.py.
"""
import ast
import importlib

import pytest

from conftest import REPO
from autograder import cli
from autograder.errors import EXIT_BAD_INPUT, UserError, UserErrors

DOMAIN_ERRORS = {"autograder.grade_history": "OverrideError", "autograder.roster": "RosterError",
                 "autograder.collect.unpack": "DownloadError", "autograder.authoring.scaffold": "ScaffoldError",
                 "autograder.serve.exchange": "ExchangeError", "autograder.serve.service": "ServiceError",
                 "autograder.serve.units": "StartError", "autograder.engine.submission": "LayoutError",
                 "autograder.extensions": "ExtensionsError"}


@pytest.mark.parametrize("module, name", sorted(DOMAIN_ERRORS.items()))
def test_a_domain_error_is_a_user_error(module, name):
    error = getattr(importlib.import_module(module), name)
    assert issubclass(error, UserError) and error("x").exit_code == EXIT_BAD_INPUT
    assert error("bad row").told("course grade") == "course grade: bad row"


def test_cli_converts_no_domain_error_by_hand():
    tree = ast.parse((REPO / "autograder" / "cli.py").read_text())
    caught = {ast.unparse(handler.type) for handler in ast.walk(tree) if isinstance(handler, ast.ExceptHandler)
              and handler.type is not None}
    assert not {c for c in caught if any(name in c for name in DOMAIN_ERRORS.values())}, caught


@pytest.mark.parametrize("path", ["cli.py", "gradescope/run.py", "doctor.py", "demo.py"])
def test_exit_codes_are_named(path):
    tree = ast.parse((REPO / "autograder" / path).read_text())
    bare = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Return)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, int)]
    assert not bare, f"{path}: a bare exit code returned at line(s) {bare}: use errors.EXIT_*"


def test_adding_says_what_was_left_undone_for_the_kinds_given_only():
    from autograder.roster import RosterError
    with pytest.raises(RosterError) as raised, cli.adding("; nothing was written", RosterError):
        raise RosterError("roster.csv:3: student: '' is empty")
    assert raised.value.told("course export") == "course export: roster.csv:3: student: '' is empty; nothing was written"
    with pytest.raises(UserError) as other, cli.adding("; nothing was written", RosterError):
        raise UserError("give either --assignment ID or --all")
    assert other.value.told("course grade") == "course grade: give either --assignment ID or --all"
    lines = UserErrors("a\nb")
    lines.suffix = "\nnothing was written"
    assert lines.told("course new") == "course new: a\ncourse new: b\ncourse new: nothing was written"
