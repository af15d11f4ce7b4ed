"""One definition each of the helpers every path shares, with the stricter policy where copies differed.

- spreadsheet formulas: engine/text.neutralise (grades.csv, the exports, similarity.csv);
- control characters: primitives.CONTROL (text.clean, the exports' one_line, names in downloads and uploads);
- names inside a download or an upload: primitives.name_problem / zip_member_problem (collect, Gradescope);
- a student id: student_ids.is_valid_student_id (submissions, roster.csv, extensions.csv, the exchange);
- the files read after a stat: primitives.read_regular (roster.csv, Canvas pages, results.json, feedback.md).
"""
import os
import zipfile

import pytest

from autograder.collect.canvas_times import read_canvas_times
from autograder.collect.unpack import DownloadError
from autograder.engine.results import load_result
from autograder.engine.model import ResultFormatError
from autograder.engine.text import clean, csv_cell, neutralise
from autograder.export import one_line
from autograder.gradescope.upload import unzip
from autograder.primitives import CONTROL, name_problem
from autograder.report.feedback import write_feedback_html
from autograder.roster import RosterError, parse_roster
from autograder.serve.exchange import parse_inbound_name
from autograder.student_ids import is_valid_student_id

SPOOFS = ["\u202egnp.py", "a\u200bb", "line\u2028break", "c1\x85control", "tab\there", "nul\x00"]


def test_formulas_are_neutralised_by_one_rule_and_engine_numbers_stay_numbers():
    for start in "=+-@\t":
        assert neutralise(start + "cmd|x") == csv_cell(start + "cmd|x") == "'" + start + "cmd|x"
    assert neutralise("\r1") == "'\r1"
    assert csv_cell("-1.5") == "-1.5" and neutralise("-1.5") == "'-1.5"  # the engine's number vs any text


@pytest.mark.parametrize("text", SPOOFS)
def test_one_set_of_control_characters(text):
    assert CONTROL.search(text)
    assert not CONTROL.search(one_line(text)), "the exports put a space in its place"
    cleaned = clean(text)
    assert not CONTROL.search(cleaned.replace("\t", "")), "clean keeps tab and newline only"
    assert name_problem(text) == "its name contains a control character"


@pytest.mark.parametrize("name, why", [("C:/work/neuron.py", "it is an absolute path"),
                                       ("\\\\server\\neuron.py", "it is an absolute path"),
                                       ("a\\..\\neuron.py", 'it contains ".."'), ("x" * 1025, "its name is too long"),
                                       ("my work/01_neuron/neuron.py", None)])
def test_one_rule_for_names_in_downloads_and_uploads(name, why, tmp_path):
    """Gradescope's uploads used to let a drive letter, a backslash path and a 1025-character name through."""
    assert name_problem(name) == why
    archive = tmp_path / "work.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(name, "x = 1\n")
        link = zipfile.ZipInfo("linked.py")
        link.external_attr = (0o120777 << 16)
        zipped.writestr(link, "/etc/passwd")
    refused = unzip(archive, tmp_path / "out")
    assert "'linked.py': it is a symbolic link" in refused  # said as collect says it
    assert any(why in note for note in refused) if why else len(refused) == 1


@pytest.mark.parametrize("name", ["ledger.sqlite-wal", "similarity.csv", "report-01_neuron-scores.png", "report"])
def test_one_student_id_rule_refuses_the_output_folders_own_names(name, tmp_path):
    assert not is_valid_student_id(name)
    assert parse_inbound_name(f"{name}+01_neuron+2027-02-05 10:00:00.000000 UTC", {"01_neuron"}) is None
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student\n{name}\n")
    with pytest.raises(RosterError, match="cannot be a student id"):
        parse_roster(roster)
    assert is_valid_student_id("ada.lovelace+1")


def test_files_read_after_a_stat_are_read_without_links_or_blocking(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("student\nada\n")
    (tmp_path / "roster.csv").symlink_to(real)
    with pytest.raises(RosterError, match="roster.csv: is a symbolic link"):
        parse_roster(tmp_path / "roster.csv")
    page = tmp_path / "page1.json"
    page.symlink_to(real)
    with pytest.raises(DownloadError, match="page1.json: cannot be read .*symbolic link"):
        read_canvas_times([page])
    (tmp_path / "results.json").symlink_to(real)
    with pytest.raises(ResultFormatError, match="symbolic link"):
        load_result(tmp_path / "results.json")
    os.mkfifo(tmp_path / "feedback.md")  # would block a read that opens it as a file
    assert write_feedback_html(tmp_path, "ada") is None
