"""The assignment notebooks: built from their sources, committed up to date, and they run.

Each assignment's notebook is built from notebooks/<id>.py (jupytext percent
format, shared cells in notebooks/shared/) by ``course build``. These tests
check that every assignment has one, that the committed
assignments/<id>/<id>.ipynb is exactly what the build writes, that jupytext
and the build read the source alike, that both sides round-trip (an edited
source rebuilds the notebook; a notebook edited in Jupyter is never
overwritten and `course notebook pull` takes its edits back), that it is a
valid notebook that tells students which file they edit, and (slow) that
it executes from top to bottom in a real Jupyter kernel: with the reference
module in place of the student's it prints the lecture's numbers; with the
untouched stub it stops at "... is not implemented yet".

The kernel is a private kernel spec that runs ipykernel in this interpreter
(sys.executable), found through JUPYTER_PATH, so a "python3" kernel spec of
the user or of the system that points to another Python cannot get in the way.
"""
import json
import re
import shutil
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest

from conftest import REPO, mnist_params, run_course
from autograder.build import BuildError, NotebooksEditedError, build, stale_files
from autograder.config import load_course
from autograder.notebook.pull import PullError, pull
from autograder.notebook.render import build_notebook
from autograder.notebook.source import INCLUDE, INCLUDED, source_path

COURSE = load_course(REPO / "course.toml")
ASSIGNMENTS = {a.id: a for a in COURSE.assignments}
IDS = list(ASSIGNMENTS)
KERNEL = "nnfs-course-test"
CELL_TIMEOUT = 300  # seconds per cell; 06 trains for about a second per epoch

# What the executed notebook must print with the reference in place: the lecture's numbers.
EXPECTED_OUTPUT = {
    "01_neuron": ["0.5\n", "[3.2  1.39 0.  ]", "[0. 1.]", "0.9933"],
    "02_forward": ["[[ 3.2 ]\n [ 1.39]\n [-0.21]]", "[[3.2 ]\n [1.39]\n [0.  ]]", "13002",
                   "layer 1: weights (16, 784), biases (16, 1)"],
    "03_cost": ["0.1863 0.0809 0.0357 0.0138 0.5242", "3.37\n", "1.61\n"],
    "04_gradient_descent": ["learning rate 0.8: 10.00, -6.00, 3.60, -2.16", "[ 2.61, -0.67,  0.96]"],
    "05_backprop": ["[-0.1177 -0.1471 -0.2207]"],
    "06_mnist": ["(784, 10000)"],
}


def committed_notebook(assignment_id: str) -> Path:
    return COURSE.release_dir(assignment_id) / f"{assignment_id}.ipynb"


def read_notebook(assignment_id: str):
    return nbformat.read(committed_notebook(assignment_id), as_version=4)


def printed(nb) -> str:
    """Everything the code cells of an executed notebook printed."""
    return "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []) if out.output_type == "stream")


# ---------------------------------------------------------------- fast: build and form

def test_every_assignment_has_a_notebook_source():
    missing = [a for a in IDS if not source_path(COURSE, a).is_file()]
    assert not missing, f"no notebooks/<id>.py for {missing}"


@pytest.mark.parametrize("assignment_id", IDS)
def test_committed_notebook_is_what_the_build_writes(assignment_id):
    path = committed_notebook(assignment_id)
    assert path.is_file(), f"{path.relative_to(REPO)} is missing: run `course build`"
    built = build_notebook(COURSE, ASSIGNMENTS[assignment_id])
    assert path.read_text() == built, f"{path.relative_to(REPO)} is stale: run `course build`"


def test_the_build_is_reproducible():
    assignment = ASSIGNMENTS[IDS[0]]
    assert build_notebook(COURSE, assignment) == build_notebook(COURSE, assignment)


@pytest.mark.parametrize("assignment_id", IDS)
def test_notebook_is_valid_and_says_what_to_edit(assignment_id):
    assignment = ASSIGNMENTS[assignment_id]
    nb = read_notebook(assignment_id)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    kinds = [cell.cell_type for cell in nb.cells]
    assert "markdown" in kinds and "code" in kinds
    assert kinds[0] == "markdown", "the notebook starts by saying what the student does"
    intro = "\n\n".join(cell.source for cell in nb.cells[:kinds.index("code")])
    for module in assignment.modules:
        assert module in nb.cells[0].source, f"the first cell does not name {module}, the file the student edits"
    assert "pytest -q" in intro, "the text before the first code cell says how to run the public tests"
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    assert "%load_ext autoreload" in code[0] and "%autoreload 2" in code[0], \
        "the first code cell turns on autoreload, so edits of the module are picked up"
    for module in assignment.modules:
        name = module.removesuffix(".py")
        assert re.search(rf"^import {name}\b", code[0], re.MULTILINE), \
            f"the first code cell imports the student's module ({name})"
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), \
        "the committed notebook has no outputs"


@pytest.mark.parametrize("assignment_id", IDS)
def test_code_cells_compile_and_are_small(assignment_id):
    from IPython.core.inputtransformer2 import TransformerManager

    transform = TransformerManager().transform_cell
    for index, cell in enumerate(read_notebook(assignment_id).cells):
        if cell.cell_type != "code":
            continue
        compile(transform(cell.source), f"{assignment_id}.ipynb cell {index}", "exec")
        lines = cell.source.count("\n") + 1
        assert lines <= 30, f"cell {index} has {lines} lines: split it, one step per cell"


# ---------------------------------------------------------------- fast: the source and the round trip

def source_cells(assignment_id: str):
    """The cells of notebooks/<id>.py as jupytext reads them."""
    return jupytext.read(source_path(COURSE, assignment_id), fmt="py:percent").cells


@pytest.mark.parametrize("assignment_id", IDS)
def test_jupytext_and_the_build_read_the_source_alike(assignment_id):
    """Apart from the include cells, the built cells are the source's cells as jupytext reads them."""
    own = [(c.cell_type, c.source) for c in source_cells(assignment_id) if INCLUDE not in c.metadata]
    built = [(c.cell_type, c.source) for c in read_notebook(assignment_id).cells if INCLUDED not in c.metadata]
    assert own and built == own
    assert not [line for _, text in built for line in text.splitlines() if line.startswith("# %%")]


@pytest.mark.parametrize("assignment_id", IDS)
def test_each_include_is_rendered_once_with_the_assignments_module(assignment_id):
    module = ASSIGNMENTS[assignment_id].modules[0]
    cells = read_notebook(assignment_id).cells
    runs = {}
    for index, cell in enumerate(cells):
        if INCLUDED in cell.metadata:
            runs.setdefault(cell.metadata[INCLUDED]["name"], []).append(index)
    includes = [c.metadata[INCLUDE] for c in source_cells(assignment_id) if INCLUDE in c.metadata]
    assert sorted(runs) == sorted(includes) and len(set(includes)) == len(includes), includes
    assert "before-you-hand-in" in includes, "every notebook ends with the shared hand-in cells"
    for name, indices in runs.items():
        assert indices == list(range(indices[0], indices[0] + len(indices))), f"{name} is rendered in one place"
    assert runs["before-you-hand-in"][-1] == len(cells) - 1, "the notebook ends with the hand-in cells"
    text = "\n".join(cell.source for cell in cells)
    assert "{{" not in text and "{%" not in text
    assert text.count("## Before you hand in") == 1
    assert f"check runs `{module}` the way the grader does" in text
    if "check-your-work" in includes:
        assert f"**Editing `{module}`:**" in text
    others = {m for a in ASSIGNMENTS.values() for m in a.modules} - {module}
    shared = "\n".join(cells[i].source for indices in runs.values() for i in indices)
    assert not [m for m in others if m in shared], "the shared cells name only this assignment's module"


def test_shared_text_is_written_once():
    for assignment_id in IDS:
        text = source_path(COURSE, assignment_id).read_text()
        assert "## Before you hand in" not in text and "**Check your work**" not in text, assignment_id
    shared = "".join(p.read_text() for p in (REPO / "notebooks" / "shared").glob("*.py"))
    assert shared.count("## Before you hand in") == 1 and shared.count("**Check your work**") == 1


def course_copy(tmp_path: Path) -> Path:
    """course.toml with its own notebooks/, assignments/ and docs/ (copies) and the repo's other folders (links)."""
    folder = tmp_path / "course"
    folder.mkdir()
    for name in ("solutions", "graders", "data"):
        (folder / name).symlink_to(REPO / name)
    for name in ("notebooks", "assignments", "docs"):
        shutil.copytree(REPO / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    shutil.copyfile(REPO / "course.toml", folder / "course.toml")
    return folder / "course.toml"


@pytest.fixture
def copy(tmp_path):
    course = load_course(course_copy(tmp_path))
    assert stale_files(course) == [], "the copy starts up to date"
    return course


def notebook_file(course, assignment_id="01_neuron") -> Path:
    return course.release_dir(assignment_id) / f"{assignment_id}.ipynb"


def edit_in_jupyter(path: Path, change) -> nbformat.NotebookNode:
    """What Jupyter does: read, change, write back with nbformat."""
    nb = nbformat.read(path, as_version=4)
    change(nb)
    nbformat.write(nb, path)
    return nb


def run_and_save(nb):
    """A kernel ran every code cell: outputs, counts, Jupyter's UI metadata; no authored change."""
    for count, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = count + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="SECRET OUTPUT\n")]
        cell.metadata["execution"] = {"iopub.status.idle": "2026-11-23T22:00:00Z"}
    nb.cells[0].metadata["jp-MarkdownHeadingCollapsed"] = True
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.2"}


def test_an_edited_source_rebuilds_the_notebook(copy):
    source = source_path(copy, "02_forward")
    text = source.read_text()
    source.write_text(text.replace("# ## How does one layer affect the next?",
                                   "# ## How does one layer affect the next one?", 1))
    assert stale_files(copy) == [notebook_file(copy, "02_forward")]
    assert build(copy) == [notebook_file(copy, "02_forward")]
    assert "## How does one layer affect the next one?" in notebook_file(copy, "02_forward").read_text()
    assert stale_files(copy) == [] and build(copy) == []


@pytest.mark.slow
def test_the_source_opened_and_saved_in_jupyter_with_jupytext(copy):
    """JupyterLab with jupytext opens notebooks/<ID>.py through jupytext's contents manager; what it
    saves is still the percent-format source (no paired .ipynb beside it), and the build picks it up."""
    from jupyter_server.services.contents.largefilemanager import LargeFileManager
    from jupytext.sync_contentsmanager import build_sync_jupytext_contents_manager_class

    manager = build_sync_jupytext_contents_manager_class(LargeFileManager)(root_dir=str(copy.root))
    nb = manager.get("notebooks/01_neuron.py", type="notebook")["content"]
    assert nb.cells[1].metadata == {INCLUDE: "check-your-work"} and nb.cells[1].source == ""
    nb.cells[0].source += "\n\nAdded in Jupyter."
    code = next(c for c in nb.cells if c.cell_type == "code" and c.source)
    code.outputs, code.execution_count = [nbformat.v4.new_output("stream", text="SECRET OUTPUT\n")], 1
    manager.save({"type": "notebook", "format": "json", "content": nb}, "notebooks/01_neuron.py")

    assert sorted(p.name for p in (copy.root / "notebooks").iterdir()) == sorted(
        p.name for p in (REPO / "notebooks").iterdir()), "no paired file appears"
    text = source_path(copy, "01_neuron").read_text()
    assert "# Added in Jupyter." in text and "SECRET OUTPUT" not in text
    assert build(copy) == [notebook_file(copy)]
    built = nbformat.read(notebook_file(copy), as_version=4)
    assert built.cells[0].source.endswith("Added in Jupyter.") and stale_files(copy) == []


def test_a_notebook_only_run_in_jupyter_is_not_an_edit(copy):
    path = notebook_file(copy)
    edit_in_jupyter(path, run_and_save)
    assert build(copy) == [path], "outputs are not authored: the build rewrites the notebook without them"
    assert "SECRET OUTPUT" not in path.read_text() and stale_files(copy) == []


def edit_cells(nb):
    """An instructor's edits: a sentence changed, a new cell, outputs of a run."""
    run_and_save(nb)
    heading = next(c for c in nb.cells if c.source.startswith("## The weighted sum"))
    heading.source = heading.source.replace("any number, positive or negative", "any real number")
    nb.cells.insert(5, nbformat.v4.new_code_cell("print(neuron.sigmoid(2.0))  # a new cell"))


def test_build_never_overwrites_a_notebook_edited_in_jupyter(copy):
    path = notebook_file(copy)
    edit_in_jupyter(path, edit_cells)
    edited = path.read_text()
    stub = copy.release_dir("01_neuron") / "neuron.py"
    stub.write_text("# someone broke the stub\n")
    with pytest.raises(NotebooksEditedError) as refused:
        build(copy)
    assert path.read_text() == edited, "the edited notebook is left as it is"
    assert refused.value.written == [stub], "everything else is still built"
    message = str(refused.value)
    assert "assignments/01_neuron/01_neuron.ipynb" in message and "edited" in message
    assert "course notebook pull 01_neuron" in message and "course build --overwrite-notebooks" in message

    result = run_course("build", course=copy.path, timeout=120)
    assert result.returncode == 1 and "course notebook pull 01_neuron" in result.stderr, result.stderr
    check = run_course("build", "--check", course=copy.path, timeout=120)
    assert check.returncode == 1 and "stale: assignments/01_neuron/01_neuron.ipynb: its cells were edited" in check.stderr
    assert path.read_text() == edited

    assert build(copy, overwrite_notebooks=True) == [path], "the explicit way to discard the edits"
    assert "any real number" not in path.read_text() and stale_files(copy) == []


def test_pull_writes_the_edits_back_and_build_reproduces_them(copy):
    path, source = notebook_file(copy), source_path(copy, "01_neuron")
    includes_before = source.read_text().count("include=")
    edited = edit_in_jupyter(path, edit_cells)

    result = run_course("notebook", "pull", "01_neuron", course=copy.path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "wrote notebooks/01_neuron.py" in result.stdout
    assert result.stderr.splitlines() == [f"course: using {copy.path} (--course)"]
    text = source.read_text()
    assert "any real number" in text and "# a new cell" in text
    assert "SECRET OUTPUT" not in text and "execution" not in text and "Collapsed" not in text
    assert text.count("include=") == includes_before, "unchanged shared cells fold back into their includes"
    assert "## Before you hand in" not in text

    assert stale_files(copy) == [] and build(copy) == [], "after pull, the build writes nothing"
    assert path.read_text() == build_notebook(copy, copy.assignment("01_neuron")), "byte for byte"
    rebuilt = nbformat.read(path, as_version=4)
    assert [(c.cell_type, c.source) for c in rebuilt.cells] == [(c.cell_type, c.source) for c in edited.cells]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in rebuilt.cells if c.cell_type == "code")


def test_pull_of_an_unedited_notebook_changes_no_source(copy):
    for assignment_id in IDS:
        before = source_path(copy, assignment_id).read_text()
        pulled = pull(copy, copy.assignment(assignment_id))
        assert not pulled.changed and not pulled.notes
        assert source_path(copy, assignment_id).read_text() == before, assignment_id
    assert stale_files(copy) == []


def test_pull_keeps_an_edited_shared_cell_and_says_so(copy):
    path, source = notebook_file(copy, "03_cost"), source_path(copy, "03_cost")
    shared_before = {p: p.read_text() for p in (copy.root / "notebooks" / "shared").glob("*.py")}

    def edit(nb):
        cell = next(c for c in nb.cells if c.source.startswith("## Before you hand in"))
        cell.source = cell.source.replace("The public tests and", "Run the public tests and")
    edited = edit_in_jupyter(path, edit)

    pulled = pull(copy, copy.assignment("03_cost"))
    assert pulled.changed and len(pulled.notes) == 1
    assert "notebooks/shared/before-you-hand-in.py" in pulled.notes[0] and "edited" in pulled.notes[0]
    text = source.read_text()
    assert 'include="before-you-hand-in"' not in text, "the edited run is no longer the shared text"
    assert "# Run the public tests and" in text and "check.run()" in text
    assert 'include="check-your-work"' in text, "the untouched include still folds back"
    assert {p: p.read_text() for p in shared_before} == shared_before, "the other notebooks are not changed"
    assert stale_files(copy) == []
    rebuilt = nbformat.read(path, as_version=4)
    assert [(c.cell_type, c.source) for c in rebuilt.cells] == [(c.cell_type, c.source) for c in edited.cells]


def test_pull_refuses_when_both_sides_changed(copy):
    path, source = notebook_file(copy), source_path(copy, "01_neuron")
    source.write_text(source.read_text().replace("# ## ReLU: the other activation function",
                                                 "# ## ReLU: another activation function", 1))
    with pytest.raises(PullError, match="has no edits to pull"):
        pull(copy, copy.assignment("01_neuron"))
    edit_in_jupyter(path, edit_cells)
    with pytest.raises(PullError, match="both .* changed"):
        pull(copy, copy.assignment("01_neuron"))
    assert "another activation function" in source.read_text(), "the source's edit is kept"
    assert pull(copy, copy.assignment("01_neuron"), force=True).changed
    assert "any real number" in source.read_text() and "another activation" not in source.read_text()


def test_a_hand_made_notebook_is_never_overwritten_and_pull_adopts_it(copy):
    """A notebook without a build digest (written by hand, or by an older build) is kept; pull takes it
    only with --force when a source exists, and makes the source when there is none."""
    path, source = notebook_file(copy, "05_backprop"), source_path(copy, "05_backprop")
    hand_made = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 05 by hand"),
                                                nbformat.v4.new_code_cell("import backprop")])
    nbformat.write(hand_made, path)
    with pytest.raises(NotebooksEditedError, match="has no build digest"):
        build(copy)
    with pytest.raises(PullError, match="no build digest.*--force"):
        pull(copy, copy.assignment("05_backprop"))
    source.unlink()
    pulled = pull(copy, copy.assignment("05_backprop"))
    assert pulled.changed and source.read_text().startswith("# ---\n# jupyter:\n#   jupytext:\n#     formats: py:percent")
    assert "# # 05 by hand" in source.read_text()
    assert stale_files(copy) == [] and nbformat.read(path, as_version=4).cells[1].source == "import backprop"


def test_include_errors_name_the_file(copy):
    source = source_path(copy, "04_gradient_descent")
    text = source.read_text()
    source.write_text(text.replace('include="before-you-hand-in"', 'include="before-you-go"'))
    with pytest.raises(BuildError, match=r"notebooks/04_gradient_descent.py: cell \d+: includes 'before-you-go'"):
        build_notebook(copy, copy.assignment("04_gradient_descent"))
    source.write_text(text)
    shared = copy.root / "notebooks" / "shared" / "before-you-hand-in.py"
    shared.write_text(shared.read_text().replace("{{ module }}", "{{ modul }}"))
    with pytest.raises(BuildError, match=r"notebooks/shared/before-you-hand-in.py: cell 1: 'modul' is undefined"):
        build_notebook(copy, copy.assignment("04_gradient_descent"))


def test_an_assignment_without_a_source_has_no_notebook(copy):
    source_path(copy, "05_backprop").unlink()
    assert build_notebook(copy, copy.assignment("05_backprop")) is None
    assert notebook_file(copy, "05_backprop") not in stale_files(copy)


def test_the_gradescope_bundle_ships_no_notebook_source():
    from autograder.gradescope.bundle import bundle_contents

    names = bundle_contents(COURSE, ASSIGNMENTS["02_forward"])
    assert not [n for n in names if n.startswith("notebooks/") or "/notebook_sources/" in n]
    assert "autograder/notebook/pull.py" in names  # the package is whole; only course content is left out


# ---------------------------------------------------------------- slow: execute in a kernel

@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """The name of a kernel spec that runs ipykernel in this interpreter.

    Also sets what the notebooks expect: MNIST_DIR (for 06, which runs in a
    temporary folder with no course.toml above it) and one BLAS thread. No
    MPLBACKEND: the kernel picks its inline backend, as in JupyterLab. Jupyter's and IPython's own folders are private temp
    folders, so the tests neither read nor write the user's.
    """
    base = tmp_path_factory.mktemp("jupyter")
    spec = base / "data" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (nnfs course tests)",
        "language": "python",
    }))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTER_PATH", str(base / "data"))
        env.setenv("JUPYTER_CONFIG_DIR", str(base / "config"))
        env.setenv("JUPYTER_RUNTIME_DIR", str(base / "runtime"))
        env.setenv("IPYTHONDIR", str(base / "ipython"))
        env.delenv("MPLBACKEND", raising=False)
        env.setenv("OPENBLAS_NUM_THREADS", "1")
        env.setenv("MNIST_DIR", str(COURSE.mnist_dir))
        yield KERNEL


def assignment_copy(assignment_id: str, folder: Path, reference: bool) -> Path:
    """A copy of the student's folder; with reference=True the student's module is the reference."""
    assignment = ASSIGNMENTS[assignment_id]
    copy = folder / assignment_id
    shutil.copytree(COURSE.release_dir(assignment_id), copy,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", ".pytest_cache"))
    if reference:
        for module in assignment.modules:
            shutil.copyfile(COURSE.solution_dir(assignment_id) / module, copy / module)
    return copy


def execute(folder: Path, assignment_id: str, kernel_name: str):
    """Run the notebook in folder from top to bottom; return it with its outputs."""
    from nbclient import NotebookClient

    nb = nbformat.read(folder / f"{assignment_id}.ipynb", as_version=4)
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=kernel_name,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def draws(source: str) -> bool:
    """A figure cell: it draws with the provided plots module or with pyplot."""
    return "plots.plot_" in source or re.search(r"\bplt\.", source) is not None


def images(cell) -> int:
    return sum("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


@pytest.mark.parametrize("assignment_id", IDS)
def test_notebook_runs_tools_with_its_own_python(assignment_id):
    """`!python -m pytest` runs whatever python the shell finds (often not the kernel's)."""
    code = [cell.source for cell in read_notebook(assignment_id).cells if cell.cell_type == "code"]
    assert not [c for c in code if re.search(r"^\s*!", c, re.MULTILINE)], "no shell escapes: use sys.executable"
    assert any("sys.executable" in c and "pytest" in c for c in code), "the notebook runs the public tests"
    assert any("check.run()" in c for c in code), "the notebook runs the pre-submission check"


@pytest.fixture(scope="module")
def reference_run(kernel, tmp_path_factory):
    """run(id) -> the notebook executed with the reference module in place of the student's.

    One kernel per notebook, each notebook executed once per test session however many
    tests read it; the seconds each took are in run.seconds."""
    from nbclient.exceptions import CellExecutionError

    runs = {}

    def run(assignment_id):
        if assignment_id not in runs:
            folder = assignment_copy(assignment_id, tmp_path_factory.mktemp(assignment_id), reference=True)
            start = time.perf_counter()
            try:
                runs[assignment_id] = execute(folder, assignment_id, kernel)
            except CellExecutionError as failure:
                runs[assignment_id] = failure
            run.seconds[assignment_id] = time.perf_counter() - start
        if isinstance(runs[assignment_id], Exception):
            pytest.fail(f"{assignment_id}.ipynb does not run with the reference:\n{runs[assignment_id]}")
        return runs[assignment_id]

    run.seconds = {}
    return run


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", mnist_params(COURSE, IDS))
def test_notebook_runs_with_the_reference(assignment_id, reference_run):
    nb = reference_run(assignment_id)
    out = printed(nb)
    assert "READY:" in out, f"check.run() on the reference should say READY:\n{out[-3000:]}"
    assert re.search(r"\d+ passed", out), f"the public tests should run and pass:\n{out[-3000:]}"
    for expected in EXPECTED_OUTPUT.get(assignment_id, []):
        assert expected in out, f"the notebook should print {expected!r}; it printed:\n{out}"
    if assignment_id == "05_backprop":
        errors = [float(e) for e in re.findall(r"relative error ([-+.\de]+)", out)]
        assert errors and max(errors) < 1e-7, out
    mismatches = typed_numbers_not_printed(nb)
    assert not mismatches, "numbers typed into '# expected:' comments that the cell does not print:\n" + \
        "\n".join(mismatches)
    if assignment_id == "06_mnist":
        check_mnist_prose(out)
    shown = " ".join(o.get("data", {}).get("text/plain", "") for cell in nb.cells for o in cell.get("outputs", []))
    for cell in nb.cells:
        for title in re.findall(r"label \d, guess \d \(\d\.\d\d\)", cell.source if cell.cell_type == "markdown" else ""):
            assert title in shown, f"the text quotes {title!r}, which no picture of this run shows"


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", mnist_params(COURSE, IDS))
def test_every_figure_cell_shows_one_picture_with_a_caption_and_alt_text(assignment_id, reference_run):
    """The lecture's pictures, drawn on a fresh kernel: at least two per notebook, one image/png
    per figure cell (never a figure shown as text), each with a caption in the markdown cell above
    and a description in words (alt metadata, and the same text as its plain-text form)."""
    nb = reference_run(assignment_id)
    figure_cells = [index for index, cell in enumerate(nb.cells) if cell.cell_type == "code" and draws(cell.source)]
    shown = {index: images(cell) for index, cell in enumerate(nb.cells) if images(cell)}
    as_text = [out["data"]["text/plain"] for cell in nb.cells for out in cell.get("outputs", [])
               if "<Figure size" in out.get("data", {}).get("text/plain", "") and "image/png" not in out["data"]]
    assert not as_text, f"figures shown as text, not as pictures: {as_text}"
    assert shown == {index: 1 for index in figure_cells}, (
        f"each figure cell should show exactly one image: figure cells {figure_cells}, images shown {shown}")
    if "plots.py" in ASSIGNMENTS[assignment_id].provided:  # an assignment that ships the lecture's pictures
        assert sum(shown.values()) >= 2, f"{assignment_id} shows {sum(shown.values())} picture(s); at least 2"
    for index in figure_cells:
        above = nb.cells[index - 1]
        assert above.cell_type == "markdown" and "look for" in " ".join(above.source.lower().split()), \
            f"cell {index}: the markdown cell above a figure says what to look for"
        picture = next(out for out in nb.cells[index].outputs if "image/png" in out.get("data", {}))
        alt = picture.get("metadata", {}).get("image/png", {}).get("alt", "")
        if "plots.plot_" in nb.cells[index].source:
            assert says_what_it_shows(alt), f"cell {index}: the picture has no description for screen readers: {alt!r}"
            assert picture["data"]["text/plain"] == alt, "its plain-text form is the same description"


def says_what_it_shows(alt: str) -> bool:
    """Alt text that describes, with numbers: more than a few words, a digit, and sentences that are
    not one title repeated ("neuron 0. neuron 1. neuron 2. ..." reads as one sentence, numbered)."""
    sentences = [s for s in re.split(r"(?<=\.)\s+", alt.replace("...", "…").strip()) if s]
    skeletons = {re.sub(r"[\d.,%()+-]+", "#", s).strip() for s in sentences}
    return len(re.findall(r"[^\W\d_]{2,}", alt)) >= 8 and bool(re.search(r"\d", alt)) and \
        len(skeletons) * 2 >= len(sentences)


def test_alt_text_that_only_joins_titles_is_not_a_description():
    assert not says_what_it_shows("Learning: the cost rolls downhill, epoch by epoch. training cost (lower is "
                                  "better). test accuracy (higher is better).")
    assert not says_what_it_shows("What the second-layer neurons look for, before and after training. before "
                                  "training. after training. " + " ".join(f"neuron {j}." for j in range(16)) * 2)
    assert says_what_it_shows("Left: the training cost after each of 10 epochs, from 0.312 after the first to "
                              "0.120 after the last. Right: the test accuracy, from 90.1% to 92.3% after the last.")


@pytest.mark.slow
@pytest.mark.mnist
def test_mnist_notebook_ends_at_ninety_percent(reference_run):
    """The lecture's 'about 9 in 10': the default run of 06 (what the cell prints) reaches 90%."""
    out = printed(reference_run("06_mnist"))
    final = re.findall(r"([\d.]+)% of the 10,000 test images right", out)
    epochs = re.findall(r"epoch +(\d+): cost ([\d.]+), test accuracy ([\d.]+)%", out)
    assert final and float(final[-1]) >= 90.0, out
    assert epochs and float(epochs[-1][2]) == float(final[-1]), "the last epoch's accuracy is the one evaluated"
    seconds = float(re.search(r"trained in ([\d.]+) s", out).group(1))
    assert seconds < 60, f"the default run trains in {seconds} s; it should take well under 30 s on a laptop"


NUMBER = re.compile(r"(?<![\w.])-?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?")
BOUND = re.compile(r"(below|above|than|tolerance|under|at least|at most)\s*$")


def typed_numbers_not_printed(nb) -> list[str]:
    """Each number of a cell's '# expected: ...' comment must be among the numbers the cell
    printed, to the precision it is typed with (0.269 matches 0.2689414...). Bounds such as
    'below 1e-7' are not values and are skipped."""
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        shown = "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")
        shown += "".join(out.get("data", {}).get("text/plain", "") for out in cell.outputs
                         if out.output_type == "execute_result")
        printed = [float(m.group().replace(",", "")) for m in NUMBER.finditer(shown)]
        for line in cell.source.splitlines():
            if "# expected" not in line:
                continue
            claim = line.split("# expected", 1)[1]
            for match in NUMBER.finditer(claim):
                if BOUND.search(claim[:match.start()]):
                    continue
                text = match.group().replace(",", "")
                mantissa = text.split("e")[0]
                decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
                value = float(text)
                tolerance = abs(value) * 0.01 if "e" in text else 0.5 * 10 ** -decimals + 1e-12
                if not any(abs(got - value) <= tolerance for got in printed):
                    problems.append(f"cell {index}: {match.group()} in {claim.strip()!r}; printed {shown.strip()[:200]!r}")
    return problems


def check_mnist_prose(out: str):
    """What the 06 notebook's text says about the numbers its cells print."""
    accuracy = re.search(r"([\d.]+)% of the 10,000 test images right", out)
    assert accuracy and 90 <= float(accuracy.group(1)) <= 94, "'about 92 in 100' after ten epochs\n" + out
    untrained = re.search(r"([\d.]+)% of the test images right", out)
    assert untrained and 5 <= float(untrained.group(1)) <= 15, "'about one in ten right by chance'\n" + out
    epochs = re.findall(r"epoch +(\d+): cost ([\d.]+), test accuracy ([\d.]+)%", out)
    assert [int(e[0]) for e in epochs] == list(range(1, 11)), out
    assert "lower after the last epoch than after the first: True" in out, out


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", mnist_params(COURSE, IDS))
def test_notebook_on_the_stub_stops_at_not_implemented(assignment_id, kernel, tmp_path):
    from nbclient.exceptions import CellExecutionError

    folder = assignment_copy(assignment_id, tmp_path, reference=False)
    with pytest.raises(CellExecutionError) as failure:
        execute(folder, assignment_id, kernel)
    assert failure.value.ename == "NotImplementedError", str(failure.value)
    assert "not implemented yet" in failure.value.evalue
