"""`course nbgrader init`: what it writes, and what it never silently overwrites.

The nbgrader course keeps the instructor's settings in nbgrader_config.py,
which init writes once and never touches again; the course's settings are in
nbgrader_course_config.py, which init rewrites unless it was edited. The
notebooks hold no path of this machine, and the hidden grade cell raises
(in a real python3 kernel) when it cannot reach the engine.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, run_course
from test_nbgrader_cycle import fresh_course, load_nbgrader_config
from autograder.config import load_course
from autograder.nbgrader_course.config_files import COURSE_CONFIG, course_config_text, is_unedited

GRADED = "01_neuron"


@pytest.fixture(scope="module")
def course_toml(tmp_path_factory) -> Path:
    return fresh_course(tmp_path_factory.mktemp("src") / "course")


@pytest.fixture(scope="module")
def first_init(course_toml, tmp_path_factory) -> Path:
    from autograder.nbgrader_course.course_dir import init_course
    return init_course(load_course(course_toml), tmp_path_factory.mktemp("nbgrader") / "course")


@pytest.fixture
def course_dir(first_init, tmp_path) -> Path:
    """A copy of an initialized nbgrader course (its gradebook included: creating one is slow)."""
    return Path(shutil.copytree(first_init, tmp_path / "course", symlinks=True))


def test_rerun_keeps_the_instructors_settings(course_toml, course_dir):
    mine = course_dir / "nbgrader_config.py"
    mine.write_text(mine.read_text() + 'c.Exchange.root = "/srv/exchange"\nc.Execute.timeout = 999\n')
    edited = mine.read_text()
    result = run_course("nbgrader", "init", course_dir, course=course_toml)
    assert result.returncode == 0, result.stderr
    assert mine.read_text() == edited
    c = load_nbgrader_config(course_dir)
    assert c.Exchange.root == "/srv/exchange" and c.Execute.timeout == 999  # the instructor's override wins
    assert c.CourseDirectory.course_id == load_course(course_toml).id     # the course's settings still load
    assert c.Autograde.exclude_overwriting[GRADED] == ["neuron.py"]
    assert is_unedited((course_dir / COURSE_CONFIG).read_text())


def test_rerun_refuses_an_edited_course_config_unless_forced(course_toml, course_dir):
    generated = course_dir / COURSE_CONFIG
    edited = generated.read_text().replace("c.Execute.timeout = ", "c.Execute.timeout = 1 + ")
    generated.write_text(edited)
    marker = course_dir / "source" / GRADED / "instructor-note.txt"
    marker.write_text("init must write nothing when it refuses")
    result = run_course("nbgrader", "init", course_dir, course=course_toml)
    assert result.returncode == 2
    assert str(generated) in result.stderr and "--force" in result.stderr
    assert generated.read_text() == edited and marker.is_file()
    assert not list(course_dir.glob("*.bak*"))

    result = run_course("nbgrader", "init", course_dir, "--force", course=course_toml)
    assert result.returncode == 0, result.stderr
    assert (course_dir / f"{COURSE_CONFIG}.bak").read_text() == edited  # nothing lost
    assert generated.read_text() == course_config_text(load_course(course_toml))


def test_rerun_refuses_a_config_that_does_not_load_the_course_settings(course_toml, course_dir):
    """E.g. the single nbgrader_config.py an earlier init wrote, or one the instructor wrote by hand."""
    mine = course_dir / "nbgrader_config.py"
    old = 'c = get_config()\nc.CourseDirectory.course_id = "nnfs"\nc.Exchange.root = "/srv/exchange"\n'
    mine.write_text(old)
    result = run_course("nbgrader", "init", course_dir, course=course_toml)
    assert result.returncode == 2 and str(mine) in result.stderr and "--force" in result.stderr
    assert mine.read_text() == old

    result = run_course("nbgrader", "init", course_dir, "--force", course=course_toml)
    assert result.returncode == 0, result.stderr
    assert (course_dir / "nbgrader_config.py.bak").read_text() == old
    assert COURSE_CONFIG in mine.read_text()
    assert load_nbgrader_config(course_dir).CourseDirectory.course_id == "nnfs"


def test_notebooks_hold_no_path_of_this_machine(course_toml, first_init):
    course = load_course(course_toml)
    paths = {str(REPO), str(course.root), str(course.path), str(first_init), sys.prefix,
             str(Path(sys.executable).parent), os.path.expanduser("~") + "/", "/tmp/", "/work/"}
    for assignment in course.assignments:
        text = (first_init / "source" / assignment.id / f"{assignment.id}.ipynb").read_text()
        assert not [p for p in paths if p in text], assignment.id
    # The course is found through $COURSE_TOML, which the nbgrader configuration sets for its kernels.
    loaded = subprocess.run(
        [sys.executable, "-c", "import os, sys; from traitlets.config.loader import PyFileConfigLoader; "
         "PyFileConfigLoader('nbgrader_config.py', path=sys.argv[1]).load_config(); print(os.environ['COURSE_TOML'])",
         str(first_init)], capture_output=True, text=True, timeout=120, env={**os.environ, "COURSE_TOML": ""})
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == str(course.path)


def run_grade_cell(course_dir: Path, work: Path, before: str | None = None):
    """Run the instructor's grade cell of 01_neuron in a real python3 kernel, as autograde would
    (in <student>/01_neuron/); return the executed cell."""
    from nbclient import NotebookClient
    source = nbformat.read(course_dir / "source" / GRADED / f"{GRADED}.ipynb", as_version=4)
    folder = work / "student" / GRADED
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook(metadata=source.metadata)
    if before is not None:
        nb.cells.append(nbformat.v4.new_code_cell(before))
    nb.cells.append(source.cells[-1])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb.cells[-1]


@pytest.mark.slow
def test_grade_cell_that_cannot_find_the_course_raises(first_init, tmp_path, monkeypatch):
    from autograder.nbgrader_course.preprocessors import engine_scored
    monkeypatch.setenv("COURSE_TOML", str(tmp_path / "moved" / "course.toml"))
    cell = run_grade_cell(first_init, tmp_path)
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "GradingFailed", cell.outputs
    assert "course" in errors[0].evalue and str(tmp_path / "moved") in errors[0].evalue
    assert not [o for o in cell.outputs if o.output_type == "execute_result"]  # no score, not even 0
    assert not engine_scored(cell)


@pytest.mark.slow
def test_grade_cell_without_the_engine_package_raises(first_init, tmp_path):
    from autograder.nbgrader_course.preprocessors import engine_scored
    cell = run_grade_cell(first_init, tmp_path, before="import sys\nsys.modules['autograder'] = None")
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert errors and "autograder" in errors[0].evalue, cell.outputs
    assert not engine_scored(cell)


def test_only_a_number_from_the_engine_counts_as_graded():
    """nbgrader scores an error or stderr 0 and a cell without a value full marks;
    FlagUngradedCells sends each of them to manual grading instead."""
    from nbgrader.utils import determine_grade
    from autograder.nbgrader_course.preprocessors import engine_scored
    cell = nbformat.v4.new_code_cell("grade_this_folder('01_neuron')")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 20,
                                 "grade_id": "hidden_tests", "schema_version": 3}
    stdout = nbformat.v4.new_output("stream", name="stdout", text="Score: 15 / 20\n")
    value = nbformat.v4.new_output("execute_result", data={"text/plain": "15.0"}, execution_count=1)
    cell.outputs = [stdout, value]
    assert engine_scored(cell) and determine_grade(cell) == (15.0, 20.0)
    cell.outputs = [stdout]
    assert not engine_scored(cell) and determine_grade(cell) == (20.0, 20.0)  # nbgrader: full marks
    cell.outputs = [nbformat.v4.new_output("error", ename="GradingFailed", evalue="no course", traceback=[])]
    assert not engine_scored(cell) and determine_grade(cell) == (0, 20.0)
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="warning\n"), value]
    assert not engine_scored(cell)
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "'full marks'"},
                                           execution_count=1)]
    assert not engine_scored(cell)


def test_feedback_cells_keep_no_student_html():
    from autograder.nbgrader_course.preprocessors import sanitize_student_cell
    markdown = nbformat.v4.new_markdown_cell("My answer <script>alert(1)</script> [see](JavaScript:alert(2))")
    assert "<script>" not in sanitize_student_cell(markdown).source
    assert "javascript:" not in markdown.source.lower() and "My answer" in markdown.source
    locked = nbformat.v4.new_markdown_cell("<b>the course's own text</b>")
    locked.metadata["nbgrader"] = {"locked": True, "solution": False, "grade": False, "grade_id": "text_00"}
    assert sanitize_student_cell(locked).source == "<b>the course's own text</b>"
    code = nbformat.v4.new_code_cell("HTML(...)")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<script>x()</script>"})]
    assert sanitize_student_cell(code).outputs == []
    grade = nbformat.v4.new_code_cell("")
    grade.metadata["nbgrader"] = {"grade": True, "locked": True, "solution": False, "points": 20,
                                  "grade_id": "hidden_tests"}
    grade.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Score: 20 / 20\n"),
                     nbformat.v4.new_output("display_data", data={"text/html": "<script>x()</script>",
                                                                  "text/plain": "<HTML>"}),
                     nbformat.v4.new_output("display_data", data={"image/svg+xml": "<svg onload=x()>"})]
    kept = sanitize_student_cell(grade).outputs
    assert [o.output_type for o in kept] == ["stream", "display_data"] and kept[1].data == {"text/plain": "<HTML>"}
