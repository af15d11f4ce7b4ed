"""The ``course`` command's exit codes, and the errors in what a user gave (a course file, a command's arguments).

A module low in the layers (notebook sources, pull) raises these without importing the layer above
that runs it (build), so the imports of the package run one way. cli.main catches UserError once:
it prints the message and exits with the error's exit_code.
"""
EXIT_OK = 0
EXIT_FAILED = 1           # the command ran and found a problem: a stale release, a leak, a check that failed
EXIT_BAD_INPUT = 2        # bad input (course.toml, arguments, a folder): nothing was done
EXIT_CANNOT_GRADE = 3     # grading could not run (missing data, broken graders, a sandbox that will not start)
EXIT_NOT_GRADED = 4       # some submissions are NOT GRADED (each listed with its reason)
EXIT_NO_MODULE = 5        # some modules are missing or do not import (each scored 0, listed for attention)
EXIT_NO_MNIST = EXIT_CANNOT_GRADE  # MNIST is missing and cannot be fetched (`make demo`, `course grade`)
EXIT_INTERRUPTED = 130    # interrupted (every finished result is kept)


class UserError(Exception):
    """Input a command cannot run with: cli.main prints "course <command>: <message><suffix>" and exits with
    exit_code. suffix: what the command adds to say what it left undone ("; nothing was written"), set by the
    command (cli.adding) as the error passes it."""
    exit_code = EXIT_BAD_INPUT
    names_command = True   # False: "course: <message>" (course.toml's errors, whichever command met them)
    suffix = ""

    def told(self, command: str) -> str:
        """The message on stderr, command being e.g. "course grade"."""
        return f"{command if self.names_command else 'course'}: {self}{self.suffix}"


class UserErrors(UserError):
    """Several problems, one a line, each line said by the command ("course new: ...")."""

    def told(self, command: str) -> str:
        return "\n".join(f"{command}: {line}" for line in f"{self}{self.suffix}".splitlines())


class PathError(UserError):
    """A file or folder the message names first (course.toml, a grader, a gradebook, a release) cannot be used."""
    names_command = False


class BuildError(UserError):
    """A course file that cannot be built (solution regions, provided code, notebook source)."""
