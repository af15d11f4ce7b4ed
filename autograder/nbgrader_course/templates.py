"""Render the nbgrader files of the course from autograder/templates/nbgrader/ (jinja2).

The templates are Python files (nbgrader's configuration, the hidden grade
cell), so nothing is HTML-escaped; every value goes in through ``pyrepr``
(Python's repr), which keeps any string a valid, inert Python literal.
"""
import jinja2

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("autograder", "templates/nbgrader"),
    autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
_ENVIRONMENT.filters["pyrepr"] = repr


def render(name: str, **context) -> str:
    """The text of templates/nbgrader/<name>.j2 with context filled in."""
    return _ENVIRONMENT.get_template(f"{name}.j2").render(**context)
