"""Every promise in a docstring is a test (autograder/authoring/promises.py).

Each grader declares PROMISES: phrases quoted from the reference docstrings and
the hidden tests that check them. A released function with a behavioural
sentence no declared promise covers, a phrase the docstring does not hold, or a
test that does not exist fails here; `course show ID` marks them UNCHECKED.
"""
import pytest

from conftest import REPO
from autograder.authoring.promises import assignment_promises, behavioural, check
from autograder.authoring.show import show
from autograder.config import load_course

COURSE = load_course(REPO / "course.toml")


@pytest.mark.parametrize("assignment_id", [a.id for a in COURSE.assignments])
def test_every_docstring_promise_is_checked_by_a_hidden_test(assignment_id):
    promises, unchecked = assignment_promises(COURSE, COURSE.assignment(assignment_id))
    wrong = [(p.function, p.text, p.problem) for p in promises if p.problem]
    assert not wrong, f"declared promises that are not checked: {wrong}"
    assert not unchecked, f"docstring sentences that promise behaviour but no test checks: {unchecked}"
    assert promises, f"{assignment_id}: its grader declares no PROMISES"


def test_a_promise_without_a_test_is_found():
    doc = ("The weighted sum. Returns a float. Inputs of different lengths raise ValueError; "
           "w and a are unchanged.")
    assert behavioural(doc) == ["Returns a float.", "Inputs of different lengths raise ValueError;",
                                "w and a are unchanged."]
    promises, unchecked = check({"weighted_sum": doc},
                                {"weighted_sum": {"Returns a float": ["test_ws"],
                                                  "raise ValueError": [],
                                                  "returns an int": ["test_ws"],
                                                  "w and a are unchanged": ["test_gone"]}},
                                tests={"test_ws"})
    assert [(p.text, p.problem) for p in promises] == [
        ("Returns a float", ""), ("raise ValueError", "no test checks it"),
        ("returns an int", "not in the docstring"), ("w and a are unchanged", "no such test: test_gone")]
    assert unchecked == {}
    _, unchecked = check({"weighted_sum": doc}, {"weighted_sum": {"Returns a float": ["test_ws"]}}, {"test_ws"})
    assert unchecked == {"weighted_sum": ["Inputs of different lengths raise ValueError;", "w and a are unchanged."]}


def test_a_sentence_describing_an_argument_is_no_promise():
    """A sentence that starts with a parameter's name and a colon says what the caller passes (docs/authoring.md,
    section 5): no test need check it, whatever words it uses; the same words about the result are a promise."""
    doc = ("The cross-entropy cost. a: the output activations, shape (n, m); y: the one-hot labels, shape (n, m). "
           "z: (n, m) weighted inputs, never changed. Returns a float. The shape of y must match a's.")
    assert behavioural(doc, ("a", "y")) == ["z: (n, m) weighted inputs, never changed.", "Returns a float.",
                                            "The shape of y must match a's."]
    assert behavioural(doc, ("a", "y", "z")) == ["Returns a float.", "The shape of y must match a's."]
    assert behavioural(doc) == ["a: the output activations, shape (n, m);", "y: the one-hot labels, shape (n, m).",
                                "z: (n, m) weighted inputs, never changed.", "Returns a float.",
                                "The shape of y must match a's."]
    _, unchecked = check({"cross_entropy": doc}, {"cross_entropy": {"Returns a float": ["test_ce"]}}, {"test_ce"},
                         {"cross_entropy": ["a", "y"]})
    assert unchecked == {"cross_entropy": ["z: (n, m) weighted inputs, never changed.",
                                           "The shape of y must match a's."]}


def test_course_show_lists_each_promise_with_its_tests():
    text = show(COURSE, COURSE.assignment("01_neuron"))
    section = text.split("=== weighted_sum")[1].split("=== neuron")[0]
    assert "--- promises of the docstring" in section
    assert "'Inputs of different lengths raise ValueError': test_weighted_sum_lengths" in section
    assert "UNCHECKED" not in text
