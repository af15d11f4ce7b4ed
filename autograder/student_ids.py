"""The one rule for a student id, wherever an id is read: submission folders,
extensions.csv and accommodations.csv, the results an export reads.

An id is 1 to 128 ASCII characters: letters, digits and ``_ @ + -``, and ``.``
after the first. The whole name must match (re.fullmatch): a trailing newline,
a carriage return, a tab, a space or a Unicode look-alike letter (Cyrillic
``а`` for Latin ``a``) makes it another name, never the same student.
"""
import re

from .engine.output_names import is_output_name

STUDENT_ID = re.compile(r"[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]{0,127}")
RULE = "letters, digits and . _ @ + - only (ASCII), at most 128 characters"


def is_student_id(name) -> bool:
    """Whether name, as a whole, is a student id by the rule above."""
    return isinstance(name, str) and STUDENT_ID.fullmatch(name) is not None


# nbgrader's own folders and files, and the main names of the engine's outputs: a submissions folder holding
# one as a folder is not a submissions folder (the course's, or an output folder). Every other name the output
# folder uses (engine/output_names.py) is refused as a student, by name, with the reason.
RESERVED_NAMES = frozenset({
    "source", "release", "submitted", "autograded", "feedback", "downloaded", "exchange", "inbound",
    "outbound", "nbgrader_config.py", "gradebook.db", "grades.csv", "regrades.csv", "report.html",
    "report", "export", "similarity", "course.toml", "ledger.sqlite",
})


def is_valid_student_id(name) -> bool:
    """The course's rule for a student, wherever one is named (a submissions folder, roster.csv,
    extensions.csv, the exchange's inbound names, a download's folder): an id by the rule above that is none
    of the course's or the engine's own names (RESERVED_NAMES, engine/output_names.py)."""
    return is_student_id(name) and name not in RESERVED_NAMES and not is_output_name(name)


def shown(name: str, limit: int = 80) -> str:
    """name with every control or non-ASCII character escaped, for a message."""
    return name.encode("unicode_escape").decode("ascii")[:limit]
