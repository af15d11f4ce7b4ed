"""The whole nbgrader cycle with real nbgrader and a real python3 kernel.

course nbgrader init -> nbgrader generate_assignment (every assignment) ->
course check-release on each release -> three students hand in 01_neuron
(the reference, a sigmoid with a sign error, the untouched stub) ->
course grade --gradebook -> nbgrader generate_feedback -> nbgrader export:
full, partial and zero marks in nbgrader's CSV, and neither the release nor
the feedback shows a hidden test or a solution. Then nbgrader's own
autograde on the same three students (its hidden cell calls the engine):
the same scores. The wall time of every step is printed (pytest -s).

The course is a fresh build of the release (stubs, provided code and the
notebooks built from notebooks/<ID>.py) beside the repo's solutions/ and
data/, so the test does not depend on whether assignments/ was rebuilt.
The fast tests at the end check init_course, nbgrader's partial credit and
the autograded notebook without starting nbgrader.
"""
import ast
import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, run_course
from autograder.build import release_files, solution_regions
from autograder.config import load_course
from autograder.release_check import check_release

GRADED = "01_neuron"
MODULE = "neuron.py"
TIMESTAMP = "2027-02-04 10:00:00.000000 UTC"  # before the due date


def fresh_course(folder: Path) -> Path:
    """course.toml beside a fresh build of assignments/ and links to solutions/, graders/, data/ and notebooks/."""
    folder.mkdir(parents=True)
    for name in ("solutions", "graders", "data", "notebooks"):
        (folder / name).symlink_to(REPO / name)
    text = (REPO / "course.toml").read_text()
    mnist = load_course(REPO / "course.toml").mnist_dir
    text = re.sub(r'(?m)^mnist_dir = ".*"$', f'mnist_dir = "{mnist.as_posix()}"', text)
    (folder / "course.toml").write_text(text)
    course = load_course(folder / "course.toml")
    generated = release_files(course)
    for path, content in generated.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    for path in (REPO / "assignments").rglob("*"):  # hand-written files: public tests
        target = folder / path.relative_to(REPO)
        if path.is_file() and target not in generated and "__pycache__" not in path.parts:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return folder / "course.toml"


@pytest.fixture(scope="module")
def course_toml(tmp_path_factory) -> Path:
    return fresh_course(tmp_path_factory.mktemp("src") / "course")


def nbgrader(*args, cwd: Path, timeout=600) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return done


class Clock:
    def __init__(self):
        self.steps = []

    def __call__(self, name, fn, *args, **kwargs):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        self.steps.append((name, time.perf_counter() - start))
        print(f"  {name}: {self.steps[-1][1]:.1f} s", flush=True)
        return result


def buggy_module() -> str:
    """A sigmoid with its sign wrong, from the mutant corpus (or made from the reference)."""
    mutant = REPO / "tests" / "submissions" / GRADED / "mutants" / "sigmoid_sign_error.py"
    if mutant.exists():
        return mutant.read_text()
    reference = (REPO / "solutions" / GRADED / MODULE).read_text()
    buggy = reference.replace("np.tanh(0.5 * np.asarray(z", "np.tanh(-0.5 * np.asarray(z")
    assert buggy != reference
    return buggy


def hand_in(course_dir: Path) -> dict[str, str]:
    """Three students copy release/<ID>/ and hand it in with their own module."""
    modules = {"ada": (REPO / "solutions" / GRADED / MODULE).read_text(),  # the reference
               "ben": buggy_module(),
               "dee": None}                                                  # the untouched stub
    for student, text in modules.items():
        folder = course_dir / "submitted" / student / GRADED
        shutil.copytree(course_dir / "release" / GRADED, folder)
        if text is not None:
            (folder / MODULE).write_text(text)
        (folder / "timestamp.txt").write_text(TIMESTAMP)
    return modules


def tamper(notebook: Path) -> str:
    """What a student can do in Jupyter: the grade cell's points 20 -> 100, its lock off, a read-only
    markdown cell rewritten. Returns that cell's grade_id."""
    nb = nbformat.read(notebook, as_version=4)
    grade = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "hidden_tests")
    grade.metadata.nbgrader.points, grade.metadata.nbgrader.locked = 100, False
    text = next(c for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("locked"))
    text.source = "All yours now: the instructions are mine."
    nbformat.write(nb, notebook)
    return text.metadata.nbgrader.grade_id


def autograde_warnings(log: str) -> dict[str, list[str]]:
    """nbgrader autograde's warnings about cells, per student (the student whose submission it was working on)."""
    found, student = {}, None
    for line in log.splitlines():
        started = re.search(r"submitted/([^/\s]+)/", line)
        if started and "WARNING" not in line:
            student = started[1]
            found.setdefault(student, [])
        elif "WARNING" in line and " for cell " in line and student is not None:
            found[student].append(line.split("] ", 1)[-1].strip())
    return found


def export_scores(course_dir: Path) -> dict[str, tuple[float, float]]:
    nbgrader("export", "--to", "export.csv", cwd=course_dir)
    rows = csv.DictReader((course_dir / "export.csv").open())
    return {r["student_id"]: (float(r["score"]), float(r["max_score"])) for r in rows if r["assignment"] == GRADED}


def html_text(path: Path) -> str:
    """The visible text of an HTML page (tags, styles and scripts removed)."""
    page = path.read_text()
    page = re.sub(r"(?s)<(style|script)\b.*?</\1>", "", page)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def secret_lines(course_toml: Path) -> set[str]:
    """Code of the hidden graders and of the reference's solution regions (30+ characters),
    and what the hidden grade cell runs: none of it may reach a student."""
    lines = set()
    grader = REPO / "graders" / f"test_{GRADED}.py"
    source = grader.read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(getattr(body[0], "value", None), ast.Constant):
            docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if number not in docstrings and len(stripped) >= 30 and not stripped.startswith(("#", '"', "'", "f\"")):
            lines.add(stripped)
    reference = (REPO / "solutions" / GRADED / MODULE).read_text()
    text = reference.splitlines()
    for begin, end in solution_regions(reference):
        lines.update(l.strip() for l in text[begin + 1:end] if len(l.strip()) >= 30 and not l.strip().startswith("#"))
    lines.update({"BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "nbgrader_kernel",
                  "grade_this_folder", str(course_toml)})
    return lines


def assert_no_secrets(path: Path, secrets: set[str]):
    text = html_text(path) if path.suffix == ".html" else path.read_text()
    leaked = sorted(s for s in secrets if s in text)
    assert not leaked, f"{path} shows hidden test or solution text: {leaked[:5]}"


def load_nbgrader_config(folder: Path):
    """The configuration nbgrader reads from folder/nbgrader_config.py (traitlets' own loader)."""
    from traitlets.config.loader import PyFileConfigLoader
    saved = os.environ.get("COURSE_TOML")
    try:  # the course's configuration sets $COURSE_TOML for nbgrader's kernels: not for this process
        return PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
    finally:
        os.environ.pop("COURSE_TOML", None)
        if saved is not None:
            os.environ["COURSE_TOML"] = saved


@pytest.mark.slow
def test_nbgrader_cycle(course_toml, tmp_path):
    course = load_course(course_toml)
    clock = Clock()
    course_dir = tmp_path / "course"
    print(f"\nnbgrader cycle in {course_dir}")

    result = clock("course nbgrader init", run_course, "nbgrader", "init", course_dir, course=course_toml)
    assert result.returncode == 0, result.stderr
    c = load_nbgrader_config(course_dir)
    assert c.Autograde.exclude_overwriting[GRADED] == [MODULE]
    assert "ignore" not in c.CourseDirectory  # it would hide the modules from autograde too

    start = time.perf_counter()
    for assignment in course.assignments:
        nbgrader("generate_assignment", assignment.id, cwd=course_dir)
    clock.steps.append((f"nbgrader generate_assignment x{len(course.assignments)}", time.perf_counter() - start))
    print(f"  {clock.steps[-1][0]}: {clock.steps[-1][1]:.1f} s")

    start = time.perf_counter()
    for assignment in course.assignments:
        release = course_dir / "release" / assignment.id
        stubs = {m: (course.release_dir(assignment.id) / m).read_text() for m in assignment.modules}
        assert {m: (release / m).read_text() for m in assignment.modules} == stubs  # stubs, not the reference
        notebook = nbformat.read(release / f"{assignment.id}.ipynb", as_version=4)
        grade_cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert len(grade_cells) == 1 and grade_cells[0].metadata.nbgrader.points == assignment.points
        findings = check_release(course, release)  # what `course check-release` runs
        assert findings == [], "\n".join(map(str, findings))
    checked = run_course("check-release", course_dir / "release", course=course_toml)  # all at once
    assert checked.returncode == 0, checked.stderr
    clock.steps.append((f"check-release of {len(course.assignments)} releases", time.perf_counter() - start))
    print(f"  {clock.steps[-1][0]}: {clock.steps[-1][1]:.1f} s")

    hand_in(course_dir)
    edited_cell = tamper(course_dir / "submitted" / "ben" / GRADED / f"{GRADED}.ipynb")
    # nbgrader's own autograde gets an untouched copy of the course (same gradebook state).
    autograde_dir = tmp_path / "course-autograde"
    shutil.copytree(course_dir, autograde_dir)

    out = tmp_path / "graded"
    result = clock("course grade --gradebook", run_course, "grade", "--assignment", GRADED,
                   course_dir / "submitted", "--out", out, "--gradebook", course_dir / "gradebook.db",
                   course=course_toml)
    assert result.returncode == 0, result.stderr
    # ben's edits of the course's cells are flagged (with what changed); ada's and dee's untouched notebooks are not
    for change in ("grade cell hidden_tests: points changed from 20 to 100", "grade cell hidden_tests was unlocked",
                   f"read-only markdown cell {edited_cell} was edited (now begins 'All yours now"):
        assert f"ben: its notebook {GRADED}.ipynb: {change}" in result.stderr, result.stderr
        flags = json.loads((out / "ben" / GRADED / "results.json").read_text())["extra_data"]["flags"]
        assert any(flag.startswith(f"locked cells edited: {change}") for flag in flags), flags
    assert "ada: its notebook" not in result.stderr and "dee: its notebook" not in result.stderr
    # ... in the run that grades it: grades.csv's attention column and the summary's needs-attention list
    rows = {row["student"]: row for row in csv.DictReader((out / "grades.csv").open())}
    assert "locked cells edited: grade cell hidden_tests: points changed from 20 to 100" in rows["ben"]["attention"]
    assert "locked cells edited" not in rows["ada"]["attention"] + rows["dee"]["attention"]
    assert f"ben {GRADED}: locked cells edited: grade cell hidden_tests was unlocked" in result.stdout, result.stdout
    engine = {s: float(r["score"]) for s, r in
              ((row["student"], row) for row in csv.DictReader((out / "grades.csv").open()))}
    clock("nbgrader generate_feedback", nbgrader, "generate_feedback", GRADED, cwd=course_dir)
    scores = clock("nbgrader export", export_scores, course_dir)

    points = course.assignment(GRADED).points
    assert scores["ada"] == (points, points)
    assert 0 < scores["ben"][0] < points and scores["ben"][0] == engine["ben"]
    assert scores["dee"] == (0.0, points)

    secrets = secret_lines(course_toml)  # (later releases legitimately provide 01's reference: check-release judged them)
    for path in (course_dir / "release" / GRADED).rglob("*"):
        if path.is_file():
            assert_no_secrets(path, secrets)
    for student in ("ada", "ben", "dee"):
        feedback = course_dir / "feedback" / student / GRADED / f"{GRADED}.html"
        assert feedback.is_file()
        assert_no_secrets(feedback, secrets)
        text = html_text(feedback)
        assert f"Score: {scores[student][0]:.1f} / {points:.1f}" in text
    assert "FAIL" in html_text(course_dir / "feedback" / "ben" / GRADED / f"{GRADED}.html")
    assert "NotImplementedError" in html_text(course_dir / "feedback" / "dee" / GRADED / f"{GRADED}.html")

    # nbgrader autograde: the hidden cell runs the engine inside nbgrader's kernel.
    done = clock("nbgrader autograde (3 students)", nbgrader, "autograde", GRADED, cwd=autograde_dir)
    warnings = autograde_warnings(done.stdout + done.stderr)
    assert warnings["ada"] == warnings["dee"] == [], "an untouched notebook passes nbgrader's checksums"
    # (nbgrader takes a grade cell as locked whatever its metadata says: its lock is not reported)
    assert "Attribute 'points' for cell hidden_tests has changed! (should be: 20.0, got: 100.0)" in warnings["ben"]
    assert any(f"Attribute 'checksum' for cell {edited_cell} has changed!" in w for w in warnings["ben"])
    assert not any("checksum' for cell hidden_tests" in w for w in warnings["ben"]), "its source was left as released"
    for student in ("ada", "ben", "dee"):
        graded_nb = nbformat.read(autograde_dir / "autograded" / student / GRADED / f"{GRADED}.ipynb", as_version=4)
        cell = next(c for c in graded_nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "hidden_tests")
        assert not [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"], cell.outputs
        # the student's own module was graded, not the stub from source/
        assert (autograde_dir / "autograded" / student / GRADED / MODULE).read_text() == \
            (autograde_dir / "submitted" / student / GRADED / MODULE).read_text()
    autograded = export_scores(autograde_dir)
    assert autograded["ada"] == (points, points)
    assert autograded["ben"] == scores["ben"]
    assert autograded["dee"] == (0.0, points)
    clock("nbgrader generate_feedback (after autograde)", nbgrader, "generate_feedback", GRADED, cwd=autograde_dir)
    for student in ("ada", "ben", "dee"):
        assert_no_secrets(autograde_dir / "feedback" / student / GRADED / f"{GRADED}.html", secrets)

    # An instructor's override (`course override`) becomes ben's manual score: nbgrader grades with it.
    overridden = clock("course override", run_course, "override", "ben", GRADED, "--score", f"{points - 1:g}",
                       "--reason", "regraded by hand", "--out", out, course=course_toml)
    assert overridden.returncode == 0, overridden.stderr
    again = clock("course grade --gradebook (nothing changed)", run_course, "grade", "--assignment", GRADED,
                  course_dir / "submitted", "--out", out, "--gradebook", course_dir / "gradebook.db",
                  course=course_toml)
    assert again.returncode == 0, again.stderr
    assert "ben: override score" in again.stderr and f"(engine {engine['ben']:g})" in again.stderr
    assert clock("nbgrader export (override)", export_scores, course_dir)["ben"] == (points - 1, points)

    print("wall time per step:")
    for name, seconds in clock.steps:
        print(f"  {seconds:6.1f} s  {name}")
    print(f"  {sum(s for _, s in clock.steps):6.1f} s  in all")


# --- fast checks of the pieces, without starting nbgrader ------------------------------


@pytest.fixture(scope="module")
def initialized(course_toml, tmp_path_factory) -> Path:
    from autograder.nbgrader_course.course_dir import init_course
    return init_course(load_course(course_toml), tmp_path_factory.mktemp("nbgrader") / "course")


def test_init_writes_config_that_handles_the_traps(course_toml, initialized):
    course = load_course(course_toml)
    c = load_nbgrader_config(initialized)
    assert c.CourseDirectory.course_id == course.id
    assert c.CourseDirectory.db_url == f"sqlite:///{initialized / 'gradebook.db'}"
    assert c.Autograde.exclude_overwriting == {a.id: list(a.modules) for a in course.assignments}
    assert "ignore" not in c.CourseDirectory
    assert "ClearHiddenTests" in [p.__name__ for p in c.GenerateFeedback.preprocessors]
    assert c.Execute.timeout >= max(a.limits.submission_seconds for a in course.assignments)


def test_init_source_holds_the_release_never_the_reference(course_toml, initialized):
    course = load_course(course_toml)
    for assignment in course.assignments:
        source = initialized / "source" / assignment.id
        release = course.release_dir(assignment.id)
        expected = {p.name for p in release.iterdir() if p.is_file()} | {f"{assignment.id}.ipynb"}
        assert {p.name for p in source.iterdir()} == expected
        for module in assignment.modules:
            assert (source / module).read_text() == (release / module).read_text()
            assert "### BEGIN SOLUTION" not in (source / module).read_text()


def test_init_notebook_metadata(course_toml, initialized):
    course = load_course(course_toml)
    for assignment in course.assignments:
        nb = nbformat.read(initialized / "source" / assignment.id / f"{assignment.id}.ipynb", as_version=4)
        *cells, grade = nb.cells
        for cell in cells:
            meta = cell.metadata.get("nbgrader")
            if cell.cell_type == "markdown":
                assert meta["locked"] and not meta["grade"] and not meta["solution"]
            else:
                assert meta is None or (meta["solution"] and not meta["locked"])
        meta = grade.metadata.nbgrader
        assert meta["grade"] and meta["locked"] and meta["points"] == assignment.points
        assert meta["grade_id"] == "hidden_tests"
        source = grade.source.splitlines()
        begin, end = source.index("### BEGIN HIDDEN TESTS"), source.index("### END HIDDEN TESTS")
        hidden = "\n".join(source[begin:end])
        assert "autograder.nbgrader_course.kernel" in hidden and assignment.id in hidden
        assert source[end - 1] == f"grade_this_folder({assignment.id!r})"  # the score is the cell's value
        assert "stderr" not in "\n".join(source[:begin])


def test_gradebook_has_every_assignment_with_its_due_date(course_toml, initialized):
    from autograder.nbgrader_course.db import open_gradebook
    course = load_course(course_toml)
    with open_gradebook(initialized / "gradebook.db", course.id) as gb:
        due = {a.name: a.duedate for a in gb.assignments}
    assert due == {a.id: a.due.replace(tzinfo=None) if a.due else None for a in course.assignments}


def test_numeric_value_of_grade_cell_is_partial_credit():
    """What the hidden cell relies on: nbgrader's determine_grade reads its value."""
    from nbgrader.utils import determine_grade
    cell = nbformat.v4.new_code_cell("grade_this_folder('01_neuron')")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 20,
                                 "grade_id": "hidden_tests", "schema_version": 3}
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="neuron.py: 15 / 20\n"),
                    nbformat.v4.new_output("execute_result", data={"text/plain": "15.0"}, execution_count=1)]
    assert determine_grade(cell) == (15.0, 20.0)
    cell.outputs.insert(0, nbformat.v4.new_output("stream", name="stderr", text="a warning\n"))
    assert determine_grade(cell) == (0, 20.0)  # why the cell never writes to stderr


def test_graded_notebook_takes_locked_cells_from_the_release(initialized):
    """A student who edits the grade cell, forges one or deletes it gets the release's cell back,
    with the engine's feedback as its output, and never the hidden tests."""
    from autograder.gradebook import _graded_notebook
    from nbgrader.preprocessors import ClearHiddenTests
    source = nbformat.read(initialized / "source" / GRADED / f"{GRADED}.ipynb", as_version=4)
    release, _ = ClearHiddenTests().preprocess(source, {})
    from autograder.gradebook import feedback_text
    from autograder.engine.model import GRADED as STATUS_GRADED, SubmissionResult, TestResult
    results = SubmissionResult(student="student", assignment=GRADED, status=STATUS_GRADED, max_score=20.0, earned=7.0,
                               tests=(TestResult("test_sigmoid_at_zero", "sigmoid(0) = 0.5", 7.0, 7.0, True),
                                      TestResult("test_relu", "relu", 0.0, 13.0, False, "relu(-1) should be 0, got -1")))
    student = nbformat.read(initialized / "source" / GRADED / f"{GRADED}.ipynb", as_version=4)
    student.cells[-1].source = "20.0  # full marks, please"
    forged = nbformat.v4.new_code_cell("print('extra')")
    forged.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "points": 100, "locked": False,
                                   "solution": False, "schema_version": 3}
    student.cells.insert(0, forged)
    path = initialized / "student.ipynb"
    nbformat.write(student, path)
    graded, repairs = _graded_notebook(release, path, feedback_text(results))
    assert any("grade_id 'bonus'" in r for r in repairs)
    grade_cells = [c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.metadata.nbgrader.grade_id for c in grade_cells] == ["hidden_tests"]
    assert grade_cells[0].source == release.cells[-1].source
    assert "BEGIN HIDDEN TESTS" not in nbformat.writes(graded)
    text = grade_cells[0].outputs[0].text
    assert "7 / 20" in text and "FAIL relu (0/13)" in text and "relu(-1) should be 0, got -1" in text

    student.cells = student.cells[:-1]  # grade cell deleted
    nbformat.write(student, path)
    graded, repairs = _graded_notebook(release, path, feedback_text(results))
    assert any("hidden_tests" in r for r in repairs)
    assert graded.cells[-1].metadata.nbgrader.grade_id == "hidden_tests"
