"""The ``course`` logger: diagnostics and progress on stderr, results on stdout.

What a command produces (summaries, tables, grades, the paths it wrote) is
printed to stdout. Everything said about the run (which course.toml, what was
skipped, what was left out, progress) goes through logging.getLogger("course")
or a child of it ("course.report", "course.engine", ...), which configure()
sends to stderr as bare lines: INFO and above by default, DEBUG with -v,
WARNING and above with -q (a problem is never silenced).

The handler writes to sys.stderr as it is when a line is logged, so a caller
that swaps sys.stderr (pytest's capsys, contextlib.redirect_stderr) gets the
lines. Records still propagate to the root logger (which has no handler
unless a program adds one; pytest's caplog reads them there). Without
configure() (the package used as a library) Python's own last-resort handler
still shows warnings and errors.
"""
import argparse
import logging
import sys

NAME = "course"
LEVELS = {-1: logging.WARNING, 0: logging.INFO, 1: logging.DEBUG}  # verbosity -> the least level shown


def get(child: str = "") -> logging.Logger:
    """The course logger, or its child "course.<child>"."""
    return logging.getLogger(f"{NAME}.{child}" if child else NAME)


class _CurrentStderr(logging.StreamHandler):
    """A StreamHandler to whatever sys.stderr is at each line (as logging's own last resort)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass  # always the current sys.stderr


def configure(verbosity: int = 0) -> logging.Logger:
    """Send the course logger to stderr as bare lines; verbosity -1 (-q), 0 or 1 and more (-v).

    Called again (another command in the same process), it replaces its own
    handler and level; handlers added by others (serve's log file) stay.
    """
    logger = get()
    for handler in [h for h in logger.handlers if isinstance(h, _CurrentStderr)]:
        logger.removeHandler(handler)
    handler = _CurrentStderr()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(LEVELS[max(-1, min(1, verbosity))])
    return logger


def add_options(parser: argparse.ArgumentParser, default=0):
    """-v (debug lines too) and -q (warnings and errors only) on parser, into args.verbosity.

    default: 0 on the top-level parser, argparse.SUPPRESS on the subcommands' (the options work before or
    after the subcommand)."""
    parser.add_argument("-v", "--verbose", dest="verbosity", action="count", default=default,
                        help="say more on stderr (debug lines)")
    parser.add_argument("-q", dest="verbosity", action="store_const", const=-1, default=default,
                        help="say only warnings and errors on stderr (results still go to stdout)")
