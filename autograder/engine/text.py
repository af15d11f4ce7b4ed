"""Making text that a student controls safe to write: files, spreadsheets, Markdown.

Student code can send any string (lone surrogates, NULs, terminal escapes),
and students name their own folders and files. Everything such text passes
through before it is written goes through one of these.
"""
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#!|<>~])")  # on one line, after our own text: enough to stay literal
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def clean(text, limit: int | None = None) -> str:
    """Valid UTF-8 with no control characters but newline and tab, at most limit characters."""
    text = str(text).encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    text = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text.replace("\r\n", "\n"))
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


def csv_cell(value):
    """OWASP's rule for CSV injection: a text cell that a spreadsheet would read as a formula gets a
    leading '. A plain number such as -1.5 is a number, not a formula, and is left alone."""
    if isinstance(value, str):
        value = clean(value).replace("\n", " ")
        if value.startswith(_FORMULA_START) and not _is_plain_number(value):
            return "'" + value
    return value
