"""Where the time of grading one submission goes, measured with cProfile.

``python -m bench.profile_grade [ASSIGNMENT] [N]`` (``make profile``): grades
the reference submission of ASSIGNMENT (default 01_neuron) once to warm up,
then N times (default 5) under cProfile, the way a batch worker does, and
prints the seconds per submission spent in each phase:

- starting the sandboxed child (fork, namespaces, interpreter, numpy, the
  student's module) up to its "ready";
- waiting for the child's answers (the student's code running, plus the
  pipe round trip);
- turning arguments and results into wire records and back;
- the graders themselves (reference answers, comparisons, feedback);
- the engine's own work around the tests (reading and hashing the submission,
  collecting the graders once, the result);
- stopping the child and removing its work folder.

For scale it also times a bare ``python -I -c "import numpy"``: the part of
a child's start that no sandbox can avoid.
"""
import cProfile
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.config import load_course
from autograder.engine.grade import grade_submission
from autograder.engine.sandbox import isolation_mode


def _key(stats: pstats.Stats, filename_end: str, function: str):
    """The function's entry; of several of that name in the file (a wrapper and what it wraps), the one
    with the most cumulative time, which holds the other's."""
    keys = [key for key in stats.stats if key[0].endswith(filename_end) and key[2] == function]
    return max(keys, key=lambda key: stats.stats[key][3])


def _cumulative(stats: pstats.Stats, filename_end: str, function: str, caller: str | None = None) -> float:
    """Cumulative seconds in a function, or only in its calls from the named caller."""
    _, _, _, cumulative, callers = stats.stats[_key(stats, filename_end, function)]
    if caller is None:
        return cumulative
    return sum(row[3] for key, row in callers.items() if key[2] == caller)


def _python_numpy_start(repeat=5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "import numpy"], check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def profile(assignment_id: str, n: int) -> dict[str, float]:
    """Seconds per submission in each phase of grading the reference."""
    course = load_course()
    assignment = course.assignment(assignment_id)
    isolation = isolation_mode()
    with tempfile.TemporaryDirectory(prefix="nnfs-profile-") as tmp:
        folder = Path(tmp) / "student" / assignment_id
        folder.mkdir(parents=True)
        for module in assignment.modules:
            (folder / module).write_text((course.solution_dir(assignment_id) / module).read_text())
        out = Path(tmp) / "out"
        grade_submission(course, assignment, "warm-up", folder, out, isolation)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        for i in range(n):
            result = grade_submission(course, assignment, f"student{i}", folder, out, isolation)
        profiler.disable()
        total = (time.perf_counter() - start) / n
    if result.score != result.max_score:
        raise SystemExit(f"the reference of {assignment_id} did not get full marks: {result.score} ({result.reason})")
    stats = pstats.Stats(profiler)
    start_child = _cumulative(stats, "engine/handle.py", "_start")
    calls = _cumulative(stats, "engine/handle.py", "call") - _cumulative(stats, "engine/handle.py", "_start", "_ready_for")
    serialise = _cumulative(stats, "engine/wire.py", "encode") + _cumulative(stats, "engine/wire.py", "decode")
    tests = _cumulative(stats, "engine/runner.py", "run")  # the children live inside tests
    close = _cumulative(stats, "engine/handle.py", "close")
    phases = {
        "starting the sandboxed child": start_child,
        "waiting for the child's answers": calls - serialise,
        "wire records (encode + decode)": serialise,
        "the graders (excluding the calls above)": tests - calls - start_child,
        "the engine around the tests (files, result)": total * n - tests - close,
        "stopping the child, removing its folder": close,
    }
    return {"isolation": isolation, "total": total, **{k: v / n for k, v in phases.items()}}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    assignment_id = argv[0] if argv else "01_neuron"
    n = int(argv[1]) if len(argv) > 1 else 5
    figures = profile(assignment_id, n)
    print(f"grading the reference of {assignment_id}, {n} times under cProfile "
          f"(isolation {figures.pop('isolation')}), seconds per submission:")
    total = figures.pop("total")
    for phase, seconds in figures.items():
        print(f"  {phase:45s}{seconds:8.3f}  {100 * seconds / total:4.0f}%")
    print(f"  {'total':45s}{total:8.3f}")
    print(f"for scale: python -I -c 'import numpy' takes {_python_numpy_start():.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
