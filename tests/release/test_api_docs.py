"""docs/api.md, the student API reference, is generated from the reference docstrings and current."""
import shutil

from conftest import REPO
from test_course_content import SPEC

from autograder.api_docs import api_reference
from autograder.build import stale_files
from autograder.config import load_course

COURSE = load_course(REPO / "course.toml")


def test_committed_reference_is_what_the_docstrings_say():
    assert (REPO / "docs" / "api.md").read_text() == api_reference(COURSE)


def test_every_function_of_the_spec_has_its_signature_and_docstring_in_the_reference():
    text = (REPO / "docs" / "api.md").read_text()
    for (assignment_id, module), lines in SPEC.items():
        section = text.split(f"## {assignment_id}: `{module}`", 1)[1].split("\n## ", 1)[0]
        for line in lines:
            assert f"### `{line}`" in section, f"{line} missing from {assignment_id}'s section"
            docstring = section.split(f"### `{line}`", 1)[1].split("### ", 1)[0]
            assert docstring.count("```") == 2 and len(docstring.strip("`\n text")) > 40, line


def test_an_edited_docstring_makes_the_reference_stale(tmp_path):
    for name in ("solutions", "assignments", "graders", "data", "docs"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(REPO / "course.toml", tmp_path / "course.toml")
    course = load_course(tmp_path / "course.toml")
    assert tmp_path / "docs" / "api.md" not in stale_files(course)
    reference = tmp_path / "solutions" / "01_neuron" / "neuron.py"
    reference.write_text(reference.read_text().replace("its largest value", "its largest value, at z = 0", 1))
    stale = stale_files(course)
    assert tmp_path / "docs" / "api.md" in stale
    assert "at z = 0" in api_reference(course)
