"""`course -v` / `-q`: diagnostics through the course logger on stderr, results on stdout whatever the verbosity."""
import pytest
from conftest import REPO, run_course

from autograder.engine.model import GRADED, NOT_GRADED, SubmissionResult, TestResult
from autograder.engine.results import write_submission_results

A1 = "01_neuron"
DEBUG_LINES = ("read 2 results.json of 2 student(s)", "3 CSV row(s) in the wide format")  # report.data, export


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """ann graded 10/20, bob not graded: two results.json as the engine writes them."""
    out = tmp_path_factory.mktemp("log") / "graded"
    test = TestResult(test="test_sigmoid", name="sigmoid works", score=10.0, max_score=10.0, passed=True)
    write_submission_results(out, SubmissionResult(student="ann", assignment=A1, status=GRADED, max_score=20.0,
                                                   earned=10.0, tests=(test,)))
    write_submission_results(out, SubmissionResult(student="bob", assignment=A1, status=NOT_GRADED, max_score=20.0,
                                                   reason="the grader crashed"))
    return out


@pytest.mark.parametrize("before, after, shown, hidden", [
    ((), (), ("course: using", "bob/01_neuron: not graded"), DEBUG_LINES),
    (("-q",), (), ("bob/01_neuron: not graded",), ("course: using", *DEBUG_LINES)),
    ((), ("-q",), ("bob/01_neuron: not graded",), ("course: using", *DEBUG_LINES)),
    (("-v",), (), ("course: using", "bob/01_neuron: not graded", *DEBUG_LINES), ()),
    ((), ("--verbose",), ("course: using", *DEBUG_LINES), ()),
], ids=["default", "q-before", "q-after", "v-before", "verbose-after"])
def test_verbosity_changes_what_is_said_on_stderr_never_the_results_on_stdout(graded, tmp_path, before, after,
                                                                            shown, hidden):
    csv = tmp_path / "wide.csv"
    done = run_course(*before, "--course", REPO / "course.toml", "export", graded, "--format", "wide",
                      "--out", csv, *after)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {csv}\n", "stdout holds the result only"
    assert csv.read_text().splitlines()[1].startswith("ann,10,"), "the export is the same at every verbosity"
    for words in shown:
        assert words in done.stderr, (words, done.stderr)
    for words in hidden:
        assert words not in done.stderr, (words, done.stderr)
