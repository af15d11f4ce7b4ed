"""The hidden graders are tested too: against the reference, the stub, and a
corpus of realistic mistakes (mutants) and correct solutions in other styles.

tests/submissions/<id>/mutants/<name>.py starts with
    # MUTANT: what the mistake is
    # FAILS: test_a, test_b      (grader tests that must lose points)
    # HINT: a phrase             (the feedback of those tests must name the mistake with it)
tests/submissions/<id>/correct/<name>.py starts with
    # CORRECT: what the style is
Each assignment's corpus is graded in one real `course grade --jobs 2` batch.
"""
import ast
import json
import re

import pytest

from conftest import REPO, run_course
from autograder.config import load_course

COURSE = load_course(REPO / "course.toml")
CORPUS = REPO / "tests" / "submissions"


def corpus(assignment_id, kind):
    return sorted((CORPUS / assignment_id / kind).glob("*.py"))


def header(path, key):
    match = re.search(rf"^# {key}:(.*)$", path.read_text(), re.MULTILINE)
    return match.group(1).strip() if match else None


MUTANTS = [(a.id, p.stem) for a in COURSE.assignments for p in corpus(a.id, "mutants")]
CORRECT = [(a.id, p.stem) for a in COURSE.assignments for p in corpus(a.id, "correct")]
_graded = {}


def graded(assignment_id, tmp_path_factory):
    """Grade the reference, the stub and the corpus of one assignment (once)."""
    if assignment_id not in _graded:
        assignment = COURSE.assignment(assignment_id)
        module = assignment.modules[0]
        base = tmp_path_factory.mktemp(f"corpus-{assignment_id}")
        subs, out = base / "submitted", base / "out"
        sources = {"reference": REPO / "solutions" / assignment_id / module,
                   "stub": REPO / "assignments" / assignment_id / module}
        sources.update({f"mutant-{p.stem}": p for p in corpus(assignment_id, "mutants")})
        sources.update({f"correct-{p.stem}": p for p in corpus(assignment_id, "correct")})
        texts = {student: source.read_text() for student, source in sources.items()}
        for name, body in TRIVIAL.items():
            texts[f"trivial-{name}"] = trivial_module(texts["reference"], body)
        for student, text in texts.items():
            (subs / student / assignment_id).mkdir(parents=True)
            (subs / student / assignment_id / module).write_text(text)
        result = run_course("grade", "--assignment", assignment_id, subs, "--out", out, "--jobs", "2")
        assert result.returncode == 0, result.stderr[-3000:]
        _graded[assignment_id] = {s: json.loads((out / s / assignment_id / "results.json").read_text())
                                  for s in texts}
    return _graded[assignment_id]


TRIVIAL = {"constant": "return 0.25", "first-argument": "return {first}",
           "copy-of-first-argument": "import copy\n    return copy.deepcopy({first})"}


def trivial_module(reference_source: str, body: str) -> str:
    """Every function of the reference, with the same signature, doing nothing useful."""
    out = []
    for node in ast.parse(reference_source).body:
        if isinstance(node, ast.FunctionDef):
            signature = ast.get_source_segment(reference_source, node).split(":\n")[0]
            out.append(f"{signature}:\n    {body.format(first=node.args.args[0].arg)}\n")
    return "\n".join(out)


def by_test(results):
    return {t["extra_data"]["test"]: t for t in results["tests"]}


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", [a.id for a in COURSE.assignments])
def test_reference_scores_full_marks_and_stub_zero(assignment_id, tmp_path_factory):
    results = graded(assignment_id, tmp_path_factory)
    reference = results["reference"]
    assert reference["score"] == reference["max_score"] == COURSE.assignment(assignment_id).points, \
        [(t["name"], t["output"]) for t in reference["tests"] if t["status"] != "passed"]
    assert results["stub"]["score"] == 0
    assert all("not implemented yet" in t["output"] for t in results["stub"]["tests"])


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", [a.id for a in COURSE.assignments])
def test_trivial_submissions_score_zero(assignment_id, tmp_path_factory):
    """Returning a constant or the unchanged input must earn nothing (e.g. from
    "leaves its input unchanged" tests, which also need the right answer)."""
    results = graded(assignment_id, tmp_path_factory)
    for name in TRIVIAL:
        trivial = results[f"trivial-{name}"]
        assert trivial["score"] == 0, (name, [t["extra_data"]["test"] for t in trivial["tests"] if t["score"]])


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id,name", MUTANTS)
def test_mutant_loses_points_on_the_right_test(assignment_id, name, tmp_path_factory):
    path = CORPUS / assignment_id / "mutants" / f"{name}.py"
    expected = [t.strip() for t in (header(path, "FAILS") or "").split(",") if t.strip()]
    assert header(path, "MUTANT") and expected, f"{path} needs '# MUTANT:' and '# FAILS:' lines"
    results = graded(assignment_id, tmp_path_factory)[f"mutant-{name}"]
    tests = by_test(results)
    unknown = [t for t in expected if t not in tests]
    assert not unknown, f"FAILS names tests that do not exist: {unknown}"
    missed = [t for t in expected if tests[t]["score"] == tests[t]["max_score"]]
    assert not missed, f"{header(path, 'MUTANT')}: not caught by {missed}"
    for test in expected:
        assert tests[test]["output"], "a lost test must say why"
    hint = header(path, "HINT")
    feedback = "\n".join(tests[t]["output"] for t in expected)
    assert hint in feedback, f"{header(path, 'MUTANT')}: the feedback does not say {hint!r}:\n{feedback}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id,name", CORRECT)
def test_correct_variant_scores_full_marks(assignment_id, name, tmp_path_factory):
    results = graded(assignment_id, tmp_path_factory)[f"correct-{name}"]
    assert results["score"] == results["max_score"], \
        [(t["name"], t["output"]) for t in results["tests"] if t["status"] != "passed"]


@pytest.mark.parametrize("assignment_id,name", MUTANTS)
def test_mutant_says_what_it_fails_and_what_the_feedback_must_name(assignment_id, name):
    """# FAILS: and # HINT: on consecutive lines at the top of every mutant."""
    path = CORPUS / assignment_id / "mutants" / f"{name}.py"
    lines = path.read_text().splitlines()
    fails = next((i for i, line in enumerate(lines[:5]) if line.startswith("# FAILS:")), None)
    assert fails is not None, f"{path}: no '# FAILS:' line at the top"
    assert lines[fails + 1].startswith("# HINT:"), f"{path}: the line after '# FAILS:' must be '# HINT: <phrase>'"
    assert len(header(path, "HINT")) >= 8, f"{path}: the hint phrase is too short to name a mistake"


def test_corpus_is_large_enough():
    assert len(MUTANTS) >= 40, f"only {len(MUTANTS)} mutants"
    for assignment in COURSE.assignments:
        assert corpus(assignment.id, "mutants"), f"no mutants for {assignment.id}"
        assert corpus(assignment.id, "correct"), f"no correct variants for {assignment.id}"
