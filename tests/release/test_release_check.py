"""The leak check: the real release passes; planted leaks fail, naming file and line."""
import ast
import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, run_course
from autograder.build import release_files
from autograder.config import load_course
from autograder.release_check import check_release

COURSE = load_course(REPO / "course.toml")


def _sigmoid_return_line() -> str:
    """The reference sigmoid's return line: what a leak would copy."""
    source = (REPO / "solutions" / "01_neuron" / "neuron.py").read_text()
    sigmoid = next(node for node in ast.parse(source).body
                   if isinstance(node, ast.FunctionDef) and node.name == "sigmoid")
    return source.splitlines()[sigmoid.body[-1].lineno - 1]


SIGMOID_LINE = _sigmoid_return_line()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A fresh build of the whole release (stubs, provided code, notebooks) plus the
    hand-written files of assignments/ (public tests): what students would get."""
    root = tmp_path_factory.mktemp("built") / "assignments"
    generated = release_files(COURSE)
    for path, content in generated.items():
        target = root / path.relative_to(COURSE.root / "assignments")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    for path in (COURSE.root / "assignments").rglob("*"):
        if path.is_file() and path not in generated and "__pycache__" not in path.parts:
            target = root / path.relative_to(COURSE.root / "assignments")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return root


@pytest.fixture
def release(built, tmp_path) -> Path:
    """A copy of 01_neuron's release to plant leaks in."""
    folder = tmp_path / "01_neuron"
    shutil.copytree(built / "01_neuron", folder)
    return folder


def lines_of(findings):
    return {(Path(f.file).name, f.line) for f in findings}


def line_number(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


def test_fresh_build_of_every_assignment_passes(built):
    assert sorted(p.name for p in built.iterdir()) == sorted(a.id for a in COURSE.assignments)
    findings = check_release(COURSE, built)
    assert findings == [], "\n".join(map(str, findings))


def test_each_assignment_folder_passes_alone(built):
    for assignment in COURSE.assignments:
        findings = check_release(COURSE, built / assignment.id)
        assert findings == [], "\n".join(map(str, findings))


def test_committed_release_passes():
    findings = check_release(COURSE, COURSE.root / "assignments")
    assert findings == [], "\n".join(map(str, findings))


def test_provided_reference_of_earlier_assignments_is_not_a_leak(built):
    """02_forward/neuron.py is 01's reference, on purpose; a file named like an
    assignment's module but in a later folder is judged by that folder."""
    provided = (built / "02_forward" / "neuron.py").read_text()
    assert SIGMOID_LINE in provided.splitlines()  # really the reference
    assert check_release(COURSE, built / "02_forward") == []


def test_planted_solution_line_is_found(release):
    stub = release / "neuron.py"
    reference_line = SIGMOID_LINE
    number = line_number(stub, 'raise NotImplementedError("sigmoid()')
    lines = stub.read_text().splitlines()
    lines[number - 1] = reference_line
    stub.write_text("\n".join(lines) + "\n")
    findings = check_release(COURSE, release)
    assert lines_of(findings) == {("neuron.py", number)}
    assert "reference-only code from solutions/01_neuron/neuron.py:" in findings[0].reason
    assert str(findings[0]).startswith(f"{stub}:{number}: ")


def test_later_assignments_solution_is_found_but_earlier_one_is_not(built, tmp_path):
    folder = tmp_path / "03_cost"
    shutil.copytree(built / "03_cost", folder)
    with open(folder / "cost.py", "a") as f:
        f.write("\n# from 01 (provided here anyway) and from 05 (not yet due):\n"
                "    return out[()] if out.ndim == 0 else out\n"
                "        z = W @ activations[-1] + b\n")
    findings = check_release(COURSE, folder)
    number = line_number(folder / "cost.py", "z = W @ activations[-1] + b")
    assert lines_of(findings) == {("cost.py", number)}
    assert "solutions/05_backprop/backprop.py" in findings[0].reason


def test_planted_marker_is_found(release):
    stub = release / "neuron.py"
    with open(stub, "a") as f:
        f.write("\n\ndef extra():\n    ### BEGIN SOLUTION\n    return 1\n")
    number = line_number(stub, "### BEGIN SOLUTION")
    findings = check_release(COURSE, release)
    assert lines_of(findings) == {("neuron.py", number)}
    assert "marker 'BEGIN SOLUTION'" in findings[0].reason


def test_marker_in_notebook_is_found_with_its_cell(release):
    path = release / "01_neuron.ipynb"
    nb = nbformat.read(path, as_version=4) if path.exists() else nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x = 1\n# BEGIN SOLUTION\ny = 2\n# END SOLUTION"))
    nbformat.write(nb, path)
    findings = check_release(COURSE, release)
    assert {Path(f.file).name for f in findings} == {"01_neuron.ipynb"}
    assert len(findings) == 2
    cell = len(nb.cells)
    assert f"(cell {cell}, line 2)" in findings[0].reason and f"(cell {cell}, line 4)" in findings[1].reason
    raw = path.read_text().splitlines()
    assert "BEGIN SOLUTION" in raw[findings[0].line - 1]  # the line in the file itself


def grader_docstring(assignment_id="01_neuron") -> str:
    tree = ast.parse((REPO / "graders" / f"test_{assignment_id}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            doc = (ast.get_docstring(node) or "").splitlines()
            if doc and len(doc[0]) >= 25:
                return doc[0]
    raise AssertionError("no grader test with a docstring")


def test_planted_hidden_test_docstring_is_found(release):
    doc = grader_docstring()
    public = release / "test_mine.py"
    public.write_text(f'import neuron\n\n\ndef test_something():\n    """{doc}"""\n    assert neuron\n')
    findings = check_release(COURSE, release)
    assert lines_of(findings) == {("test_mine.py", 5)}
    assert "hidden test or engine text from graders/test_01_neuron.py:" in findings[0].reason


def test_hidden_grader_copied_as_public_test_is_found(release):
    shutil.copyfile(REPO / "graders" / "test_01_neuron.py", release / "test_01_neuron.py")
    findings = check_release(COURSE, release)
    assert {Path(f.file).name for f in findings} == {"test_01_neuron.py"}
    assert len(findings) >= 10


def test_generic_grader_lines_count_only_together(release):
    """One generic line shared with a grader is not a leak; three from one grader are."""
    source = (REPO / "graders" / "test_03_cost.py")
    if not source.exists():
        pytest.skip("no grader for 03_cost yet")
    from autograder.release_check import _secrets
    weak = [k for k, (where, strong) in _secrets(COURSE).hidden.items()
            if not strong and where.startswith("graders/test_03_cost.py:")]
    assert len(weak) >= 3
    (release / "one.py").write_text(f"{weak[0]}\n")
    assert check_release(COURSE, release) == []
    (release / "three.py").write_text("".join(f"{line}\n" for line in weak[:3]))
    assert lines_of(check_release(COURSE, release)) == {("three.py", 1), ("three.py", 2), ("three.py", 3)}


def test_copied_reference_module_is_found(release):
    shutil.copyfile(REPO / "solutions" / "01_neuron" / "neuron.py", release / "neuron.py")
    findings = check_release(COURSE, release)
    reasons = " ".join(f.reason for f in findings)
    assert {Path(f.file).name for f in findings} == {"neuron.py"}
    assert "marker" in reasons and "reference-only code" in reasons
    reference = (REPO / "solutions" / "01_neuron" / "neuron.py").read_text().splitlines()
    markers = {n for n, line in enumerate(reference, start=1) if "### " in line and "SOLUTION" in line}
    assert markers <= {f.line for f in findings}


def test_reference_without_markers_under_another_name_is_found(release):
    source = (REPO / "solutions" / "01_neuron" / "neuron.py").read_text()
    (release / "neuron_answers.py").write_text(
        "".join(l for l in source.splitlines(keepends=True) if "### " not in l))
    findings = check_release(COURSE, release)
    assert findings and {Path(f.file).name for f in findings} == {"neuron_answers.py"}


def test_grading_files_are_found(release):
    (release / "results.json").write_text(json.dumps({"score": 1}))
    (release / "gradebook.db").write_bytes(b"SQLite format 3\x00" + bytes(100))
    (release / "__pycache__").mkdir()
    (release / "__pycache__" / "neuron.cpython-311.pyc").write_bytes(b"\x00\x01")
    names = {Path(f.file).name for f in check_release(COURSE, release)}
    assert names == {"results.json", "gradebook.db", "neuron.cpython-311.pyc"}


def test_zip_input(release, tmp_path):
    clean = tmp_path / "clean.zip"
    with zipfile.ZipFile(clean, "w") as archive:
        for path in sorted(release.rglob("*")):
            archive.write(path, f"01_neuron/{path.relative_to(release)}")
    assert check_release(COURSE, clean) == []

    stub = release / "neuron.py"
    with open(stub, "a") as f:
        f.write("    ### END HIDDEN TESTS\n")
    number = len(stub.read_text().splitlines())
    leaky = tmp_path / "leaky.zip"
    with zipfile.ZipFile(leaky, "w") as archive:  # no folder inside: the assignment is inferred
        for path in sorted(release.rglob("*")):
            archive.write(path, path.relative_to(release).as_posix())
    findings = check_release(COURSE, leaky)
    assert [(f.file, f.line) for f in findings] == [(f"{leaky}/neuron.py", number)]


def test_cli_exit_codes(release):
    ok = run_course("check-release", release, course=REPO / "course.toml")
    assert ok.returncode == 0, ok.stderr
    assert "no solution" in ok.stdout
    with open(release / "neuron.py", "a") as f:
        f.write("### BEGIN SOLUTION\n")
    number = len((release / "neuron.py").read_text().splitlines())
    bad = run_course("check-release", release, course=REPO / "course.toml")
    assert bad.returncode == 1
    assert f"{release / 'neuron.py'}:{number}: solution or hidden-test marker" in bad.stderr
