"""What the course's grade cell shows, from a results.json (Gradescope's format).

Shared by the two ways a grade reaches nbgrader: the grade cell run by
``nbgrader autograde`` (autograder.nbgrader_kernel) and ``course grade
--gradebook`` (autograder.gradebook). Never a hidden test's output.
"""


def not_graded_reason(results: dict) -> str | None:
    """Why the engine did not grade this submission, or None when it did.

    extra_data.status is "graded" or "not graded" (with extra_data.reason); a
    result without a numeric score is not graded whatever it says.
    """
    extra = results.get("extra_data") if isinstance(results.get("extra_data"), dict) else {}
    score = results.get("score")
    if extra.get("status") == "not graded" or not isinstance(score, (int, float)) or isinstance(score, bool):
        return str(extra.get("reason") or results.get("output") or "the result has no score")
    if not isinstance(results.get("max_score"), (int, float)):
        return "the result has no maximum score"
    return None


def feedback_lines(results: dict) -> list[str]:
    """The score, the notes, then each test: PASS/FAIL, points, and what went wrong (visible tests)."""
    lines = [f"Score from the course's grading engine: {results['score']:g} / {results['max_score']:g}"]
    if results.get("output"):
        lines.append(str(results["output"]))
    for test in results.get("tests") or []:
        mark = "PASS" if test.get("status") == "passed" else "FAIL"
        lines.append(f"  {mark} {test.get('name')} ({test.get('score', 0):g}/{test.get('max_score', 0):g})")
        if mark == "FAIL" and test.get("visibility") != "hidden" and test.get("output"):
            lines.extend("        " + line for line in str(test["output"]).splitlines())
    return lines


def not_graded_lines(reason: str) -> list[str]:
    """What a student whose submission could not be graded reads instead of a score."""
    return [f"Not graded: {reason}",
            "Your submission could not be graded automatically; your instructor will look at it."]
