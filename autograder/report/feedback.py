"""Each student's feedback.md rendered to feedback.html beside it, for the report's links.

Markdown is rendered by mistune with escape=True: any HTML in the text (a
student's folder name, their function's printed output quoted in a failure
message) is shown as text, and mistune replaces harmful link targets
(javascript: and the like). The page's Content-Security-Policy allows no
script at all. The page itself is templates/report/feedback.html.j2.
"""
import functools
from pathlib import Path

import jinja2
import mistune

from ..primitives import RefusedFile, read_regular

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "report"
MAX_FEEDBACK_BYTES = 2 * 1024 * 1024  # feedback.md is written by the engine; a bound all the same
FEEDBACK_HTML = "feedback.html"

_markdown = mistune.create_markdown(escape=True)


@functools.cache
def environment() -> jinja2.Environment:
    """The report's templates (autoescaped), loaded once per process."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render_feedback(markdown_text: str, title: str) -> str:
    """The HTML page of one feedback.md."""
    body = _markdown(markdown_text)
    return environment().get_template("feedback.html.j2").render(title=title, body=body)


def write_feedback_html(folder: Path, title: str) -> Path | None:
    """folder/feedback.md -> folder/feedback.html; None when there is no usable feedback.md."""
    try:  # never through a link, never a FIFO, never more than the bound
        text = read_regular(folder / "feedback.md", MAX_FEEDBACK_BYTES).decode("utf-8", errors="replace")
    except (OSError, RefusedFile):
        return None
    page = render_feedback(text, title)
    path = folder / FEEDBACK_HTML
    # A page derived from feedback.md, rewritten only when it changes: at a thousand
    # students an fsync and a rename per page (as results get) cost a minute here.
    try:
        unchanged = not path.is_symlink() and path.read_text(encoding="utf-8") == page
    except (OSError, UnicodeDecodeError):
        unchanged = False
    if not unchanged:
        path.unlink(missing_ok=True)  # never write through a link planted in its place
        path.write_text(page, encoding="utf-8")
    return path
