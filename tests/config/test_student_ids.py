"""One student id rule, matched whole (student_ids.py), wherever an id is read:
submission folders, extensions.csv and accommodations.csv, and the exports."""
import csv
import io
import json

import pytest

from conftest import REPO
from autograder.config import load_course
from autograder.engine.submission import find_students
from autograder.export import not_graded_cells, write_export
from autograder.extensions import ExtensionsError, load_terms
from autograder.report.data import read_class
from autograder.student_ids import is_student_id

NEAR_MISSES = ["ada\n", "ada\r", "ada\t", "ada ", " ada", "\u0430da",  # Cyrillic а
               "ad\u0251", "ada\u200b", "ada\u00a0", "\uff41da", "ada\x00", "ada\u2028", "", "a" * 129, ".ada"]


@pytest.mark.parametrize("name", NEAR_MISSES, ids=repr)
def test_a_name_that_only_looks_like_an_id_is_not_one(name):
    assert is_student_id("ada") and not is_student_id(name)


def test_a_folder_whose_name_only_looks_like_an_id_is_refused_not_graded(tmp_path):
    for name in ["ada", *NEAR_MISSES[:11]]:
        if "\x00" not in name:
            (tmp_path / name / "01_neuron").mkdir(parents=True)
    roster = find_students(tmp_path, "01_neuron")
    assert roster.students == ["ada"]
    assert sorted(roster.refused) == sorted(name.encode("unicode_escape").decode() for name in NEAR_MISSES[:10])


def test_a_refused_folder_is_named_escaped_once(tmp_path):
    """`REFUSED folder 'ada\\n'`: the name escaped (shown()) and quoted, never escaped a second time (!r)."""
    from autograder.engine.batch import BatchSummary, _not_graded_lines

    for name in ("ada", "ada\n", "\u0430da"):
        (tmp_path / name / "01_neuron").mkdir(parents=True)
    summary = BatchSummary(assignment="01_neuron", roster=find_students(tmp_path, "01_neuron"))
    refused = [line for line in _not_graded_lines(summary) if "REFUSED" in line]
    assert [line.split(":")[0] for line in refused] == ["  REFUSED folder '\\u0430da'", "  REFUSED folder 'ada\\n'"]


@pytest.mark.parametrize("name", ["ada\n", "ada ", "ada\t", "\u0430da"], ids=repr)
def test_extensions_and_accommodations_refuse_a_student_cell_that_is_not_a_whole_id(tmp_path, name):
    for file, value in (("extensions.csv", "2027-01-01"), ("accommodations.csv", "1.5")):
        buffer = io.StringIO()
        csv.writer(buffer).writerows([["student", "assignment", "due" if value[0] == "2" else "time_multiplier",
                                       "reason"], [name, "*", value, "x"]])
        (tmp_path / file).write_text(buffer.getvalue())
        with pytest.raises(ExtensionsError, match=f"{file}:[23]: student: .* is not a student id") as told:
            load_terms(tmp_path, ["01_neuron"])
        assert f"student: '{name.encode('unicode_escape').decode()}' is not" in str(told.value)  # escaped once
        (tmp_path / file).unlink()


def test_exports_leave_out_folders_that_are_not_ids_and_hold_no_control_character(tmp_path):
    course = load_course(REPO / "course.toml")
    out = tmp_path / "graded"
    for student, reason in (("ada", "no submission:\r\nline two\tand a tab"), ("ada\n", ""), ("ada ", "")):
        (out / student / "01_neuron").mkdir(parents=True)
        extra = {"student": student, "assignment": "01_neuron", "isolation": "nsjail", "late": False,
                 "late_days": 0, "status": "not graded" if reason else "graded", **({"reason": reason} if reason else {})}
        (out / student / "01_neuron" / "results.json").write_text(json.dumps(
            {"score": None if reason else 20, "max_score": 20, "output": "", "tests": [], "extra_data": extra}))
    results = read_class(course, out)
    told = not_graded_cells(results)
    assert sorted(told[:2]) == ["'ada ': not a student id (letters, digits and . _ @ + - only (ASCII), "
                                "at most 128 characters): not exported",
                                "'ada\\n': not a student id (letters, digits and . _ @ + - only (ASCII), "
                                "at most 128 characters): not exported"]
    assert len(told) == 3 and all("not exported" in line for line in told[:2]) and told[2].startswith("ada/01_neuron")
    for fmt in ("wide", "canvas", "moodle"):
        text = write_export(results, fmt, tmp_path / f"{fmt}.csv").read_bytes().decode()
        body = text.replace("\r\n", "")  # the CSV's own line ends
        assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in body), (fmt, text)
        rows = list(csv.reader(io.StringIO(text)))
        students = [row[0] for row in rows[1:] if row[0] not in ("Points Possible", "    Points Possible")]
        assert students == ["ada"], (fmt, rows)
