"""The two ways a grade reaches nbgrader's gradebook, with real nbgrader and a real python3 kernel.

`course grade --gradebook` (the engine's results recorded) and `nbgrader
autograde` (the hidden grade cell runs the engine in nbgrader's kernel) give
a late student the same grade: course.toml's [late] policy is the one source.
A malformed notebook costs only its student a flag; a student whose
submission could not be graded gets no score at all (never an earlier one,
even one forged through nbgrader autograde); no output of a student's cell
reaches the feedback; a grade cell that cannot reach the engine leaves the
submission for manual grading instead of 0.
"""
import csv
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, run_course
from test_nbgrader_cycle import GRADED, MODULE, buggy_module, fresh_course, html_text, nbgrader
from autograder.config import load_course
from autograder.engine.batch import grade_batch

pytestmark = pytest.mark.slow

REFERENCE = (REPO / "solutions" / GRADED / MODULE).read_text()
ON_TIME = "2027-02-04 10:00:00.000000 UTC"
PENALTY_PER_DAY, GRACE_MINUTES = 0.25, 30
HTML_OUTPUT = "<script>alert('pwned-output')</script><b>pwned-bold</b>"  # the cell's code builds it in pieces
HTML_MARKDOWN = "<script>alert('pwned-markdown')</script>"


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> tuple[Path, Path]:
    """(course.toml with a late policy, an nbgrader course with 01_neuron generated)."""
    from autograder.nbgrader_course.course_dir import init_course
    toml = fresh_course(tmp_path_factory.mktemp("src") / "course")
    toml.write_text(toml.read_text() + f"\n[late]\npenalty_per_day = {PENALTY_PER_DAY}\n"
                                       f"grace_minutes = {GRACE_MINUTES}\n")
    course_dir = init_course(load_course(toml), tmp_path_factory.mktemp("nbgrader") / "course")
    nbgrader("generate_assignment", GRADED, cwd=course_dir)
    return toml, course_dir


def copy_course(released, folder: Path) -> Path:
    return Path(shutil.copytree(released[1], folder, symlinks=True))


def release_notebook(course_dir: Path):
    return nbformat.read(course_dir / "release" / GRADED / f"{GRADED}.ipynb", as_version=4)


def hand_in(course_dir: Path, student: str, module: str, timestamp: str = ON_TIME, notebook=None):
    """A student hands in release/01_neuron/ with their module; notebook: a NotebookNode or raw text."""
    folder = course_dir / "submitted" / student / GRADED
    shutil.copytree(course_dir / "release" / GRADED, folder)
    (folder / MODULE).write_text(module)
    (folder / "timestamp.txt").write_text(timestamp)
    if notebook is not None:
        path = folder / f"{GRADED}.ipynb"
        path.write_text(notebook if isinstance(notebook, str) else json.dumps(notebook, indent=1))


def exported(course_dir: Path) -> dict[str, dict[str, float]]:
    nbgrader("export", "--to", "export.csv", cwd=course_dir)
    rows = csv.DictReader((course_dir / "export.csv").open())
    return {r["student_id"]: {k: float(r[k] or 0) for k in ("raw_score", "late_submission_penalty", "score")}
            for r in rows if r["assignment"] == GRADED}


def grade_cell_state(course_dir: Path, student: str) -> tuple[float | None, float | None, bool]:
    """(auto_score, manual_score, needs_manual_grade) of the student's grade cell."""
    from autograder.nbgrader_course.db import open_gradebook
    with open_gradebook(course_dir / "gradebook.db", "nnfs") as gb:
        grade = gb.find_grade("hidden_tests", GRADED, GRADED, student)
        return grade.auto_score, grade.manual_score, grade.needs_manual_grade


def course_grade(course_dir: Path, toml: Path, out: Path):
    return run_course("grade", "--assignment", GRADED, course_dir / "submitted", "--out", out, "--jobs", "2",
                      "--quiet", "--gradebook", course_dir / "gradebook.db", course=toml)


def html_student_notebook(course_dir: Path):
    """The release notebook plus a cell whose output is HTML with a script, and markdown with one."""
    nb = release_notebook(course_dir)
    pieces = " + ".join(repr(piece) for piece in HTML_OUTPUT.split("pwned"))  # only the output says "pwned"
    cell = nbformat.v4.new_code_cell(f"from IPython.display import HTML\nHTML('pwned'.join([{pieces.replace(' + ', ', ')}]))")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": HTML_OUTPUT, "text/plain": "HTML"})]
    nb.cells.insert(1, cell)
    nb.cells.insert(2, nbformat.v4.new_markdown_cell(HTML_MARKDOWN))
    return nb


def assert_no_student_html(feedback: Path):
    """No output of the student's cells (not even escaped), no live script of theirs (their source shows as text)."""
    page = feedback.read_text()
    assert "pwned-bold" not in page and "pwned-output" not in page, feedback
    assert "<script>alert(" not in page, feedback
    assert "Score from the course" in html_text(feedback)  # the grade cell's own text stays


def test_late_student_gets_the_same_grade_both_ways(released, tmp_path):
    toml, _ = released
    students = {"ada": (REFERENCE, ON_TIME),
                "lou": (buggy_module(), "2027-02-07 02:00:00.000000 UTC"),  # 26 h after the due date: 2 days
                "gus": (REFERENCE, "2027-02-06 00:15:00.000000 UTC"),      # 16 min: within the grace period
                "hal": (REFERENCE, ON_TIME)}
    ways = {}
    for way in ("course grade --gradebook", "nbgrader autograde"):
        course_dir = copy_course(released, tmp_path / way.split()[0])
        for student, (module, stamp) in students.items():
            hand_in(course_dir, student, module, stamp,
                    html_student_notebook(course_dir) if student == "hal" else None)
        if way == "nbgrader autograde":
            nbgrader("autograde", GRADED, cwd=course_dir)
        else:
            result = course_grade(course_dir, toml, tmp_path / "graded")
            assert result.returncode == 0, result.stderr
        nbgrader("generate_feedback", GRADED, cwd=course_dir)
        ways[way] = exported(course_dir)
        assert_no_student_html(course_dir / "feedback" / "hal" / GRADED / f"{GRADED}.html")
        for student in students:
            assert grade_cell_state(course_dir, student)[2] is False  # nothing left for manual grading
    by_course, by_nbgrader = ways.values()
    points = load_course(toml).assignment(GRADED).points
    assert by_course["ada"] == {"raw_score": points, "late_submission_penalty": 0.0, "score": points}
    assert by_course["gus"] == by_course["ada"]
    lou = by_course["lou"]
    assert 0 < lou["raw_score"] < points
    assert lou["late_submission_penalty"] == pytest.approx(lou["raw_score"] * 2 * PENALTY_PER_DAY)
    assert lou["score"] == pytest.approx(lou["raw_score"] * (1 - 2 * PENALTY_PER_DAY))
    for student in students:
        for column in ("raw_score", "late_submission_penalty", "score"):
            assert by_nbgrader[student][column] == pytest.approx(by_course[student][column], abs=1e-6), \
                (student, column, by_nbgrader[student], by_course[student])


def test_autograde_that_cannot_reach_the_engine_leaves_the_cell_for_manual_grading(released, tmp_path):
    """The course moved after init: the grade cell raises, and nbgrader's 0 becomes 'needs manual grading'."""
    course_dir = copy_course(released, tmp_path / "course")
    config = course_dir / "nbgrader_course_config.py"
    config.write_text(re.sub(r"(?m)^course_toml = .*$", f"course_toml = {str(tmp_path / 'moved.toml')!r}",
                             config.read_text()))
    hand_in(course_dir, "ada", REFERENCE)
    nbgrader("autograde", GRADED, cwd=course_dir)
    auto, manual, needs_manual = grade_cell_state(course_dir, "ada")
    assert (auto, manual, needs_manual) == (None, None, True)
    graded = nbformat.read(course_dir / "autograded" / "ada" / GRADED / f"{GRADED}.ipynb", as_version=4)
    errors = [o for o in graded.cells[-1].outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "GradingFailed" and "moved.toml" in errors[0].evalue


MALFORMED = {  # student -> how their notebook is broken (the module is the reference in every case)
    "no_grade_cell_metadata": lambda nb: nb.cells[-1].metadata.pop("nbgrader"),
    "no_nbgrader_metadata_at_all": lambda nb: [c.metadata.pop("nbgrader", None) for c in nb.cells],
    "wrong_grade_id": lambda nb: nb.cells[-1].metadata.nbgrader.update(grade_id="hidden_tests_v2"),
    "grade_id_not_a_string": lambda nb: nb.cells[-1].metadata.nbgrader.update(grade_id=42),
    "nbgrader_metadata_not_a_dict": lambda nb: nb.cells[0].metadata.update(nbgrader="locked"),
    "duplicated_grade_cell": lambda nb: nb.cells.insert(0, nbformat.from_dict(json.loads(json.dumps(nb.cells[-1])))),
    "no_kernelspec": lambda nb: nb.metadata.pop("kernelspec"),
    "cell_without_source": lambda nb: nb.cells[1].pop("source"),
    "invalid_json": None,
}


@pytest.fixture(scope="module")
def malformed_class(released, tmp_path_factory):
    """One batch: an honest student and one student per malformed notebook, all with the reference module."""
    toml, _ = released
    work = tmp_path_factory.mktemp("malformed")
    course_dir = copy_course(released, work / "course")
    hand_in(course_dir, "ada", REFERENCE)
    for student, damage in MALFORMED.items():
        if damage is None:
            hand_in(course_dir, student, REFERENCE, notebook='{"cells": [{"cell_type": "code", "source": "1 +')
            continue
        nb = json.loads(json.dumps(release_notebook(course_dir)))
        nb = nbformat.from_dict(nb)
        damage(nb)
        hand_in(course_dir, student, REFERENCE, notebook=nb)
    result = course_grade(course_dir, toml, work / "graded")
    nbgrader("generate_feedback", GRADED, cwd=course_dir)
    return course_dir, result, exported(course_dir), load_course(toml).assignment(GRADED).points


def test_honest_student_beside_malformed_notebooks_is_recorded_unflagged(malformed_class):
    course_dir, result, scores, points = malformed_class
    assert result.returncode == 0, result.stderr
    assert scores["ada"]["score"] == points
    assert grade_cell_state(course_dir, "ada") == (points, None, False)
    assert "ada:" not in result.stderr


@pytest.mark.parametrize("student", sorted(MALFORMED))
def test_malformed_notebook_flags_only_its_student(malformed_class, student):
    course_dir, result, scores, points = malformed_class
    assert scores[student]["score"] == points  # the module was graded all the same
    assert grade_cell_state(course_dir, student) == (points, None, True)  # flagged for review
    assert re.search(rf"(?m)^  {student}: .*notebook", result.stderr), result.stderr
    feedback = course_dir / "feedback" / student / GRADED / f"{GRADED}.html"
    assert "Score from the course" in html_text(feedback)
    graded = nbformat.read(course_dir / "autograded" / student / GRADED / f"{GRADED}.ipynb", as_version=4)
    nbformat.validate(graded)
    assert [c.metadata.nbgrader.grade_id for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade")] \
        == ["hidden_tests"]


def test_not_graded_submission_removes_a_grade_forged_through_autograde(released, tmp_path, capsys):
    """Student code forges full marks in nbgrader autograde (it shares the grade cell's kernel); a
    regrade that cannot grade the submission leaves no score at all, and says which one it removed."""
    from autograder.gradebook import record_in_gradebook
    toml, _ = released
    course = load_course(toml)
    course_dir = copy_course(released, tmp_path / "course")
    nb = release_notebook(course_dir)
    nb.cells.insert(1, nbformat.v4.new_code_cell(
        "import autograder.nbgrader_course.kernel as kernel\nkernel.grade_this_folder = lambda assignment_id: 20.0"))
    stub = (course.release_dir(GRADED) / MODULE).read_text()
    hand_in(course_dir, "dee", stub, notebook=nb)
    nbgrader("autograde", GRADED, cwd=course_dir)
    assert grade_cell_state(course_dir, "dee") == (20.0, None, False)  # forged: the stub earns nothing

    # The real engine, on a submission it refuses to grade: a module that is a symbolic link.
    out, submitted = tmp_path / "graded", tmp_path / "engine-submitted" / "dee" / GRADED
    submitted.mkdir(parents=True)
    os.symlink(course.solution_dir(GRADED) / MODULE, submitted / MODULE)
    summary = grade_batch(course, course.assignment(GRADED), submitted.parent.parent, out, progress=False)
    assert summary.not_graded == {"dee": f"{MODULE} is a symbolic link; submit the file itself"}
    recorded = record_in_gradebook(course, course.assignment(GRADED), out, course_dir / "gradebook.db")
    assert recorded == ["dee"]
    told = capsys.readouterr().err
    assert f"dee: not graded ({MODULE} is a symbolic link; submit the file itself)" in told
    assert "removed the earlier auto_score 20" in told  # the instructor sees what was dropped
    assert grade_cell_state(course_dir, "dee") == (None, None, True)
    assert exported(course_dir)["dee"]["raw_score"] == 0.0
    nbgrader("generate_feedback", GRADED, cwd=course_dir)
    text = html_text(course_dir / "feedback" / "dee" / GRADED / f"{GRADED}.html")
    assert "Not graded:" in text and "symbolic link" in text


def test_a_stale_result_never_reaches_the_gradebook_with_its_old_score(released, tmp_path, capsys):
    """`course grade --student` leaves another student's changed submission stale in grades.csv: recording the
    gradebook then removes that student's old score (needs manual grading), never records it again."""
    from autograder.engine.results import write_grades_csv
    from autograder.gradebook import record_in_gradebook
    toml, _ = released
    course = load_course(toml)
    course_dir = copy_course(released, tmp_path / "course")
    out, submitted = tmp_path / "graded", tmp_path / "engine-submitted"
    (submitted / "eve" / GRADED).mkdir(parents=True)
    (submitted / "eve" / GRADED / MODULE).write_text(REFERENCE)
    grade_batch(course, course.assignment(GRADED), submitted, out, progress=False)
    record_in_gradebook(course, course.assignment(GRADED), out, course_dir / "gradebook.db")
    points = course.assignment(GRADED).points
    assert grade_cell_state(course_dir, "eve")[0] == points
    write_grades_csv(out, stale=frozenset({("eve", GRADED)}))  # as a run that left eve's changed files stale
    capsys.readouterr()
    record_in_gradebook(course, course.assignment(GRADED), out, course_dir / "gradebook.db")
    told = capsys.readouterr().err
    assert "eve: not graded (stale:" in told and f"removed the earlier auto_score {points:g}" in told, told
    assert grade_cell_state(course_dir, "eve") == (None, None, True)


def test_an_override_goes_in_as_the_manual_score_and_the_message_says_it_is_not_flagged(released, tmp_path, capsys):
    from autograder.grade_history import set_override
    from autograder.gradebook import record_in_gradebook
    toml, _ = released
    course = load_course(toml)
    course_dir = copy_course(released, tmp_path / "course")
    out, submitted = tmp_path / "graded", tmp_path / "engine-submitted"
    (submitted / "fay" / GRADED).mkdir(parents=True)
    (submitted / "fay" / GRADED / MODULE).write_text(REFERENCE)
    assignment = course.assignment(GRADED)
    grade_batch(course, assignment, submitted, out, progress=False)
    set_override(out, assignment, "fay", "oral exam", score=3)
    capsys.readouterr()
    record_in_gradebook(course, assignment, out, course_dir / "gradebook.db")
    told = capsys.readouterr().err
    assert (f"fay: override score 3 (oral exam), recorded as the manual score (engine {assignment.points:g}); "
            "not flagged for review: the manual score is the grade") in told, told
    assert "; flagged for review" not in told, told
    assert grade_cell_state(course_dir, "fay")[2] is False
