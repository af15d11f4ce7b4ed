"""The primitives every path shares (autograder/primitives.py), one test per policy, and the one user-error path."""
import os
import threading

import pytest

from autograder import primitives
from autograder.cli import main
from autograder.errors import BuildError
from autograder.gradescope.upload import MAX_MODULE_BYTES, pick
from autograder.primitives import (HardLinked, IsLink, NotRegular, TooLarge, atomic_write, atomic_write_bytes,
                                   markers_in, read_regular, solution_lines, solution_regions)
from autograder.similarity import read_source
from conftest import REPO

# ---------------------------------------------------------------- read_regular


def test_a_symbolic_link_is_refused_even_to_a_regular_file(tmp_path):
    (tmp_path / "real.py").write_text("x = 1\n")
    (tmp_path / "link.py").symlink_to(tmp_path / "real.py")
    with pytest.raises(IsLink, match="is a symbolic link"):
        read_regular(tmp_path / "link.py", 1024)
    assert read_regular(tmp_path / "real.py", 1024) == b"x = 1\n"


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "neuron.py"
    os.mkfifo(fifo)
    outcome = []
    reader = threading.Thread(target=lambda: outcome.append(pytest.raises(NotRegular, read_regular, fifo, 1024)))
    reader.start()
    reader.join(timeout=5)
    assert not reader.is_alive(), "opening a FIFO with no writer blocked"
    assert outcome and "is not a regular file" in str(outcome[0].value)
    with pytest.raises(NotRegular):
        read_regular(tmp_path, 1024)  # a folder


def test_a_file_over_the_bound_is_refused_whole_never_truncated(tmp_path):
    path = tmp_path / "neuron.py"
    path.write_bytes(b"a" * 100)
    assert read_regular(path, 100) == b"a" * 100, "a file of exactly the bound is read whole"
    path.write_bytes(b"a" * 101)
    with pytest.raises(TooLarge, match="larger than") as refused:
        read_regular(path, 100)
    assert refused.value.limit == 100
    # a regular file whose size says 0 but that holds more (as a file growing while it is read): the read is bounded
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(TooLarge):
        read_regular("/proc/self/status", 16)


def test_a_hard_link_is_refused_where_one_name_is_required(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    os.link(tmp_path / "a.py", tmp_path / "b.py")
    with pytest.raises(HardLinked):
        read_regular(tmp_path / "b.py", 1024, single_link=True)
    assert read_regular(tmp_path / "b.py", 1024) == b"x = 1\n"


def test_every_reader_of_student_files_refuses_what_is_over_the_bound(tmp_path):
    """Similarity and Gradescope's upload used to cut or over-read a large file; now both refuse it."""
    big = b"x = 1\n" * (MAX_MODULE_BYTES // 6 + 1)
    submitted = tmp_path / "submitted"
    (submitted / "ada").mkdir(parents=True)
    (submitted / "ada" / "neuron.py").write_bytes(big)
    with pytest.raises(TooLarge):
        read_source(submitted / "ada" / "neuron.py", submitted)
    dest = tmp_path / "dest"
    dest.mkdir()
    notes = pick(submitted, dest, ["neuron.py"], os.fsencode(submitted / "ada" / "neuron.py"))
    assert notes == ["ignored 'ada/neuron.py': larger than 1024 KiB"] and not (dest / "neuron.py").exists()


# ---------------------------------------------------------------- atomic_write


def test_an_atomic_write_replaces_whole_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "out" / "results.json"
    atomic_write(path, "new\n")
    atomic_write_bytes(tmp_path / "out" / "grades.png", b"\x89PNG")
    assert path.read_text() == "new\n" and (tmp_path / "out" / "grades.png").read_bytes() == b"\x89PNG"
    assert sorted(p.name for p in path.parent.iterdir()) == ["grades.png", "results.json"]


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    path.write_text("old\n")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(primitives.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(path, "new\n")
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "report-grades.png", b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"] and path.read_text() == "old\n"


# ---------------------------------------------------------------- solution markers

REFERENCE = """def f(x):
    \"\"\"Twice x.\"\"\"
    ### BEGIN SOLUTION
    y = 2 * x
    return y
    ### END SOLUTION
"""


def test_the_reference_marks_regions_with_exact_marker_lines():
    assert solution_regions(REFERENCE) == [(2, 5)]
    assert solution_lines(REFERENCE) == {4, 5}
    for near in ("    ### BEGIN SOLUTION here\n", "    # BEGIN SOLUTION\n", "    ### BEGIN HIDDEN TESTS\n"):
        source = REFERENCE.replace("    ### BEGIN SOLUTION\n", near)
        with pytest.raises(BuildError, match=r"ref.py:3: .* outside a marker line: nbgrader would act on it"):
            solution_regions(source, "ref.py")
    with pytest.raises(BuildError, match="never closed"):
        solution_regions(REFERENCE.replace("    ### END SOLUTION\n", ""), "ref.py")


def test_markers_are_found_by_nbgrader_rule_the_words_anywhere_in_a_line():
    assert markers_in("x = 1  # BEGIN SOLUTION\n# END HIDDEN TEST\n") == {"BEGIN SOLUTION"}
    assert markers_in("a\n### END HIDDEN TESTS\n") == {"END HIDDEN TESTS"}
    assert markers_in("# begin solution, BEGIN  SOLUTION\n") == set(), "nbgrader's delimiters are case- and space-exact"


# ---------------------------------------------------------------- one user-error path


def test_user_errors_are_said_once_by_main_with_their_exit_code(tmp_path, capsys):
    course = str(REPO / "course.toml")
    assert main(["--course", course, "report", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (f"course report: {tmp_path / 'nowhere'} is not a folder "
                                                        f"(run `course grade ... --out {tmp_path / 'nowhere'}` first)")
    assert main(["--course", course, "show", "99_none"]) == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith(f"course: {course}: no assignment '99_none'")
    assert main(["--course", course, "new", "07_x", "--title", "X", "--module", "neuron.py"]) == 2
    said = capsys.readouterr().err.splitlines()
    assert said[-1] == "course new: nothing was written" and said[-2].startswith("course new: --module 'neuron.py'")
