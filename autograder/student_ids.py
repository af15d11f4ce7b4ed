"""The one rule for a student id, wherever an id is read: submission folders,
extensions.csv and accommodations.csv, the results an export reads.

An id is 1 to 128 ASCII characters: letters, digits and ``_ @ + -``, and ``.``
after the first. The whole name must match (re.fullmatch): a trailing newline,
a carriage return, a tab, a space or a Unicode look-alike letter (Cyrillic
``а`` for Latin ``a``) makes it another name, never the same student.
"""
import re

STUDENT_ID = re.compile(r"[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]{0,127}")
RULE = "letters, digits and . _ @ + - only (ASCII), at most 128 characters"


def is_student_id(name) -> bool:
    """Whether name, as a whole, is a student id by the rule above."""
    return isinstance(name, str) and STUDENT_ID.fullmatch(name) is not None


def shown(name: str, limit: int = 80) -> str:
    """name with every control or non-ASCII character escaped, for a message."""
    return name.encode("unicode_escape").decode("ascii")[:limit]
