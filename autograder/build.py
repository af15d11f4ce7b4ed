"""Build the student release in assignments/ from the reference in solutions/.

The reference modules mark what students write with nbgrader's markers::

    ### BEGIN SOLUTION
    ...
    ### END SOLUTION

Each region becomes ``raise NotImplementedError(...)`` in the stub, keeping
the docstring and everything outside the regions. An assignment's "provided"
modules are the reference of earlier assignments (markers removed), helper
files in the assignment's own solutions folder (e.g. plots.py), or files of
data/, so that a bug in one assignment never breaks the next. Notebooks are
written from their sources notebooks/<ID>.py (autograder/notebook/); a
notebook edited since it was built is never overwritten unless asked (see
docs/notebooks.md). Each folder also gets check.py,
the students' pre-submission check: autograder/student_check.py with the
assignment's functions (signatures read from the reference) and their
docstring examples (autograder/examples.py: each call's form, from the reference)
filled in. ``check`` compares what would be built with what is committed and lists the stale files; docs/api.md, the student
API reference, is generated from the reference docstrings alongside.
"""
import ast
import pprint
from pathlib import Path

from .config import Assignment, Course
from .errors import BuildError
from .primitives import BEGIN_SOLUTION, END_SOLUTION, solution_regions


class NotebooksEditedError(BuildError):
    """Built notebooks that were edited since: the build wrote everything else and left them be."""

    def __init__(self, course: Course, refused: dict[Path, str], written: list[Path]):
        self.refused, self.written = refused, written
        lines = []
        for path, why in refused.items():
            assignment_id = path.stem
            lines.append(f"{path.relative_to(course.root)}: not overwritten: {why}. Keep the edits: "
                         f"`course notebook pull {assignment_id}` writes them into notebooks/{assignment_id}.py; "
                         f"discard them: `course build --overwrite-notebooks`.")
        super().__init__("\n".join(lines))


def _enclosing_functions(source: str) -> dict[int, str]:
    """Map each 0-based line index inside a function to the innermost function's name."""
    functions = [node for node in ast.walk(ast.parse(source))
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    names = {}
    # Outer (longer) functions first, so that inner ones overwrite them.
    for node in sorted(functions, key=lambda n: n.lineno - n.end_lineno):
        for line in range(node.lineno - 1, node.end_lineno):
            names[line] = node.name
    return names


def make_stub(source: str, module: str) -> str:
    """The student's version of a reference module: regions become raises."""
    regions = solution_regions(source, module)
    if not regions:
        raise BuildError(f"{module}: no {BEGIN_SOLUTION} region, nothing for students to write")
    functions = _enclosing_functions(source)
    lines = source.splitlines()
    out, cursor = [], 0
    for begin, end in regions:
        out.extend(lines[cursor:begin])
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        name = functions.get(begin)
        if name is None:
            raise BuildError(f"{module}:{begin + 1}: a solution region must sit inside a function")
        out.append(f"{indent}# YOUR CODE HERE")
        out.append(f'{indent}raise NotImplementedError("{name}() is not implemented yet: '
                   f'write it in {module}, following its docstring.")')
        cursor = end + 1
    out.extend(lines[cursor:])
    return "\n".join(out) + "\n"


def strip_markers(source: str, filename: str = "<source>") -> str:
    """The reference with its marker lines removed (for provided code)."""
    solution_regions(source, filename)  # validates the markers
    return "".join(line for line in source.splitlines(keepends=True)
                   if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION))


def provided_source(course: Course, assignment: Assignment, name: str) -> str:
    for earlier in course.assignments:
        if earlier.id == assignment.id:
            break
        if name in earlier.modules:
            path = course.solution_dir(earlier.id) / name
            header = (f"# Provided code for {assignment.id}: the reference solution of {earlier.id}.\n"
                      f"# Do not edit it; your work goes in {', '.join(assignment.modules)}.\n")
            return header + strip_markers(path.read_text(), str(path))
    own_file = course.solution_dir(assignment.id) / name
    if own_file.is_file():  # provided code written for this assignment, e.g. plots.py
        return (f"# Provided code for {assignment.id}. Do not edit it.\n") + strip_markers(own_file.read_text(), str(own_file))
    data_file = course.root / "data" / name
    if data_file.is_file():
        header = f"# Provided code for {assignment.id}. Do not edit it.\n"
        return header + data_file.read_text()
    raise BuildError(f"{course.path}: {assignment.id}.provided: {name!r} is neither a module of an "
                     f"earlier assignment nor a file in solutions/{assignment.id}/ or data/")


CHECK_PLACEHOLDER = "ASSIGNMENT = {}\n"


def graded_functions(source: str) -> list[ast.FunctionDef]:
    """The module's top-level public functions: what students write and graders grade."""
    return [node for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]


def function_parameters(source: str) -> dict[str, list]:
    """Each top-level function of a module -> its [name, default source or None] parameters."""
    functions = {}
    for node in graded_functions(source):
        positional = node.args.args
        defaults = [None] * (len(positional) - len(node.args.defaults)) + node.args.defaults
        functions[node.name] = {"parameters": [[arg.arg, None if default is None else ast.unparse(default)]
                                               for arg, default in zip(positional, defaults)]}
    return functions


def check_source(course: Course, assignment: Assignment) -> str:
    """check.py for one assignment: the generic check with this assignment's data filled in."""
    from .examples import ExampleError, record

    module = assignment.modules[0]
    reference_path = course.solution_dir(assignment.id) / module
    reference = reference_path.read_text()
    try:
        examples = record(reference_path, [course.solution_dir(a.id) for a in course.assignments])
    except ExampleError as error:
        raise BuildError(str(error)) from None
    release = course.release_dir(assignment.id)
    data = {
        "id": assignment.id,
        "module": module,
        "provided": list(assignment.provided),
        "tests": sorted(p.name for p in release.glob("test_*.py")),
        "notebook": f"{assignment.id}.ipynb",
        "seconds": assignment.limits.seconds,
        "memory_mb": assignment.limits.memory_mb,
        "functions": function_parameters(reference),
        "examples": examples,
    }
    template = (Path(__file__).parent / "student_check.py").read_text()
    if template.count(CHECK_PLACEHOLDER) != 1:
        raise BuildError(f"autograder/student_check.py: needs exactly one line {CHECK_PLACEHOLDER.strip()!r}")
    filled = "ASSIGNMENT = " + pprint.pformat(data, width=110, sort_dicts=False) + "\n"
    header = f"# Generated by `course build` for {assignment.id}: run `python check.py` before you hand in {module}.\n"
    return header + template.replace(CHECK_PLACEHOLDER, filled)


def release_files(course: Course) -> dict[Path, str]:
    """Every generated file of the release: path -> content."""
    from .notebook.render import build_notebook  # nbformat and jupytext are only needed here

    files = {}
    for assignment in course.assignments:
        release = course.release_dir(assignment.id)
        for module in assignment.modules:
            source = (course.solution_dir(assignment.id) / module).read_text()
            files[release / module] = make_stub(source, module)
        for name in assignment.provided:
            files[release / name] = provided_source(course, assignment, name)
        files[release / "check.py"] = check_source(course, assignment)
        notebook = build_notebook(course, assignment)
        if notebook is not None:
            files[notebook_path(course, assignment)] = notebook
    return files


def generated_files(course: Course) -> dict[Path, str]:
    """The release and docs/api.md (the student API reference, from the docstrings)."""
    from .api_docs import api_reference

    return {**release_files(course), course.root / "docs" / "api.md": api_reference(course)}


def notebook_path(course: Course, assignment: Assignment) -> Path:
    return course.release_dir(assignment.id) / f"{assignment.id}.ipynb"


def stale_files(course: Course) -> list[Path]:
    """Generated files whose committed content differs from a fresh build."""
    return [path for path, content in generated_files(course).items()
            if not path.is_file() or path.read_text() != content]


def build(course: Course, overwrite_notebooks: bool = False) -> list[Path]:
    """Write every stale generated file; return the ones written.

    A notebook edited since the build wrote it (its cells no longer match the
    digest in its metadata) is left as it is, unless overwrite_notebooks:
    everything else is written, then NotebooksEditedError names it.
    """
    from .notebook.digest import edit_state

    notebooks = {notebook_path(course, a) for a in course.assignments}
    written, refused = [], {}
    for path, content in generated_files(course).items():
        if path.is_file() and path.read_text() == content:
            continue
        why = edit_state(path) if path in notebooks and not overwrite_notebooks else None
        if why is not None:
            refused[path] = why
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        written.append(path)
    if refused:
        raise NotebooksEditedError(course, refused, written)
    return written
