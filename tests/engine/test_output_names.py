"""A student folder named like one of the output folder's own files (output_names.py), or whose
OUT/<student>/ cannot be written: that student only is refused or not graded, with the reason;
the batch goes on and the honest student keeps full marks."""
import json

from autograder.config import load_course
from autograder.engine import batch
from autograder.engine.output_names import is_output_name
from autograder.errors import EXIT_NOT_GRADED
from conftest import REPO

COURSE = load_course(REPO / "course.toml")
NEURON = COURSE.assignment("01_neuron")
REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_text()


def write_class(folder, students):
    for student in students:
        (folder / student / "01_neuron").mkdir(parents=True)
        (folder / student / "01_neuron" / "neuron.py").write_text(REFERENCE)
    return folder


def score(out, student):
    return json.loads((out / student / "01_neuron" / "results.json").read_text())["score"]


def test_every_name_of_the_output_folder_is_reserved():
    for name in ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "ledger.sqlite-journal", "grades.csv",
                 "regrades.csv", "report.html", "report-01_neuron-grades.png", "similarity", "similarity.csv"):
        assert is_output_name(name), name
    assert not is_output_name("alice") and not is_output_name("report_writer")


def test_a_student_named_like_sqlites_side_file_is_refused_and_the_batch_goes_on(tmp_path, capsys):
    subs = write_class(tmp_path / "submitted", ["ledger.sqlite-wal", "ledger.sqlite-journal", "honest"])
    out = tmp_path / "out"
    summary = batch.grade_batch(COURSE, NEURON, subs, out, progress=False)
    shown = capsys.readouterr().out
    assert score(out, "honest") == 20
    assert set(summary.roster.refused) == {"ledger.sqlite-wal", "ledger.sqlite-journal"}
    assert "REFUSED folder 'ledger.sqlite-wal': the output folder uses this name" in shown, shown
    assert summary.exit_code == EXIT_NOT_GRADED
    assert (out / "ledger.sqlite").is_file() and not (out / "ledger.sqlite-wal").is_dir()


def test_a_student_whose_output_folder_is_in_the_way_is_not_graded_with_the_reason(tmp_path, capsys):
    subs = write_class(tmp_path / "submitted", ["blocked", "honest"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "blocked").write_text("a file where the student's folder goes")
    summary = batch.grade_batch(COURSE, NEURON, subs, out, progress=False)
    assert score(out, "honest") == 20
    assert list(summary.not_graded) == ["blocked"]
    assert "its results cannot be written to" in summary.not_graded["blocked"]
    assert "NOT GRADED blocked: its results cannot be written" in capsys.readouterr().out
    assert summary.exit_code == EXIT_NOT_GRADED
