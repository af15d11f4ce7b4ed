"""docs/api.md: the student API reference, generated from the reference modules' docstrings.

``course build`` writes it with the release and ``course build --check`` names
it when it is stale, so the reference in the repository always says what the
stubs' docstrings say. Per assignment: the module students write, then each
public function with its signature and docstring, in the module's order.
"""
import ast
import dataclasses
from pathlib import Path

import jinja2

from .config import Course

TEMPLATES = Path(__file__).resolve().parent / "templates" / "docs"


@dataclasses.dataclass(frozen=True)
class FunctionDoc:
    name: str
    signature: str   # e.g. "layer_forward(W, a, b, activation=sigmoid)"
    docstring: str


@dataclasses.dataclass(frozen=True)
class ModuleDoc:
    assignment: str
    title: str
    module: str
    summary: str     # the first paragraph of the module docstring
    functions: tuple[FunctionDoc, ...]


def module_doc(course: Course, assignment, module: str) -> ModuleDoc:
    """The public functions of one reference module, read with ast (never imported)."""
    source = (course.solution_dir(assignment.id) / module).read_text()
    tree = ast.parse(source)
    functions = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            functions.append(FunctionDoc(node.name, f"{node.name}({ast.unparse(node.args)})",
                                         ast.get_docstring(node) or ""))
    summary = (ast.get_docstring(tree) or "").split("\n\n")[0].replace("\n", " ")
    return ModuleDoc(assignment.id, assignment.title, module, summary, tuple(functions))


def api_reference(course: Course) -> str:
    """docs/api.md as text."""
    modules = [module_doc(course, a, m) for a in course.assignments for m in a.modules]
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                                      undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                      trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("api.md.j2").render(course=course, modules=modules)
