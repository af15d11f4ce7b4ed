"""Making text that a student controls safe to write: files, spreadsheets, Markdown.

Student code can send any string (lone surrogates, NULs, terminal escapes),
and students name their own folders and files. Everything such text passes
through before it is written goes through one of these.
"""
import re

from ..primitives import CONTROL

_CONTROL_BUT_LINES = re.compile(r"(?![\n\t])" + CONTROL.pattern)  # newline and tab kept
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#!|<>~])")  # on one line, after our own text: enough to stay literal
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def clean(text, limit: int | None = None) -> str:
    """Valid UTF-8 with no control characters but newline and tab, at most limit characters."""
    text = str(text).encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    text = _CONTROL_BUT_LINES.sub("\N{REPLACEMENT CHARACTER}", text.replace("\r\n", "\n"))
    if limit is not None and len(text) > limit:
        text = text[:limit] + f" ... [{len(text) - limit} more characters]"
    return text


def markdown_inline(text) -> str:
    """A student-controlled string as literal text on one Markdown line (no headings, links, HTML)."""
    one_line = " ".join(clean(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line)


def markdown_block(text, indent: str = "    ") -> list[str]:
    """A student-controlled multi-line text as an indented code block: shown literally."""
    return [indent + line for line in clean(text).splitlines()]


def _is_plain_number(text: str) -> bool:
    return bool(_PLAIN_NUMBER.match(text))


def neutralise(text: str) -> str:
    """OWASP's rule for CSV injection, the one definition: a text cell that starts as a spreadsheet formula
    would (= + - @ tab, carriage return) gets a leading ' so that it is shown as text, never run."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value):
    """A cell of the engine's CSVs (grades.csv, regrades.csv): text cleaned onto one line and neutralised; a
    plain number the engine wrote as text (-1.5, a regrade's change) is a number, not a formula, and is left
    alone. Other values as they are."""
    if isinstance(value, str):
        value = clean(value).replace("\n", " ")
        return value if _is_plain_number(value) else neutralise(value)
    return value
