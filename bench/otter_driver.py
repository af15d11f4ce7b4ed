"""Run inside Otter's own virtualenv: grade submissions with Otter-Grader's Python API, in one process.

    python bench/otter_driver.py AUTOGRADER_ZIP SUBMISSION.py ...

Prints one JSON object: {"seconds": [per submission], "scores": [total per submission], "possible": n}.
Otter's non-container path: each submission is run in a fresh Jupyter kernel and its tests in this
process (otter.api.grade_submission). Imports nothing of the course.
"""
import contextlib
import io
import json
import sys
import time

from otter.api import grade_submission


def main(autograder_zip: str, submissions: list[str]) -> dict:
    seconds, scores, possible = [], [], None
    for path in submissions:
        start = time.perf_counter()
        with contextlib.redirect_stderr(io.StringIO()):  # the kernel's start-up warnings
            results = grade_submission(path, autograder_zip, quiet=True)
        seconds.append(time.perf_counter() - start)
        scores.append(results.total)
        possible = results.possible
    return {"seconds": seconds, "scores": scores, "possible": possible}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2:])))
