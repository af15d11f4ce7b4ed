"""Grade one submission in this process and report the process's peak memory.

    python tests/grade_and_measure.py COURSE_TOML ASSIGNMENT STUDENT FOLDER

Prints one JSON object: the results (in Gradescope's format) and
this grading process's peak resident memory (VmHWM, MiB) before and after
grading. The student's code runs in its sandboxed child, whose memory is not
counted: this measures what a submission can make the grader itself use.
"""
import json
import sys
import tempfile
from pathlib import Path


def peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(course_toml, assignment_id, student, folder):
    from autograder.config import load_course
    from autograder.engine.grade import grade_submission
    from autograder.engine.sandbox import become_subreaper, isolation_mode

    course = load_course(Path(course_toml))
    assignment = course.assignment(assignment_id)
    become_subreaper()
    before = peak_mib()
    with tempfile.TemporaryDirectory() as out:
        results = grade_submission(course, assignment, student, Path(folder), Path(out), isolation_mode()).to_gradescope()
    print(json.dumps({"results": results, "peak_mib_before": before, "peak_mib": peak_mib()}))


if __name__ == "__main__":
    main(*sys.argv[1:])
