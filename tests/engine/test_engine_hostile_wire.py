"""Submissions that attack the wire: stall the grader, swell its memory, or hang.

Issue 10, attack classes 1 and 2, and issue 11, point 5:
- a child that answers from a thread but stops reading its requests (the
  grader's write used to block for ever, and `--jobs 1` never reached the next
  student);
- replies that swell the grader: many tiny JSON values, a huge int8 array
  where floats are expected, a reply just under and just over its limit, a
  reply that trickles in;
- an endless loop in sigmoid, which used to zero the whole assignment.

All are graded by the real engine next to honest students who keep full
marks; afterwards no process of the batch is left and no sandbox folder.
Peak memory of a grading process is measured per submission
(tests/grade_and_measure.py).
"""
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import REPO, make_course, run_course
from test_engine_hostile import REFERENCE, WRONG, isolation_modes

MAX_GRADER_MIB = 300
FUNCTIONS = ["neuron", "relu", "relu_prime", "sigmoid", "sigmoid_prime", "weighted_sum"]

# Answers every call from a thread with a forged "ok", while the import (the
# main thread) never ends, so nobody reads a request again; the request pipe
# is shrunk to one page so that it fills after a few calls.
STOPS_READING = textwrap.dedent(f"""
    import fcntl, sys, threading, time
    from _nnfs_wire import write_frame
    REQUESTS, REPLIES = int(sys.argv[1]), int(sys.argv[2])
    try:
        fcntl.fcntl(REQUESTS, 1031, 4096)  # F_SETPIPE_SZ
    except OSError:
        pass
    write_frame(REPLIES, {{"status": "ready", "functions": {FUNCTIONS!r}}})
    def answer():
        while True:
            write_frame(REPLIES, {{"status": "ok", "result": 0.25, "warnings": []}})
    threading.Thread(target=answer, daemon=True).start()
    while True:
        time.sleep(1000)
""")


def every_function_returns(expression, imports="import numpy as np"):
    """A neuron.py whose every function returns the same expression."""
    return imports + "\n" + "".join(f"def {fn}(*args, **kwargs):\n    return {expression}\n" for fn in FUNCTIONS)


WIRE_ATTACKS = {
    "stops_reading": STOPS_READING,
    # 3 million empty lists: 12 MB of JSON, about 400 MB as Python objects. Written
    # straight to the pipe: the child's own encoder would take seconds to make it.
    "json_flood": every_function_returns("os.write(int(sys.argv[2]), FLOOD) and time.sleep(1000)", textwrap.dedent("""
        import os, struct, sys, time
        JSON = b"[" + b"[]," * 3_000_000 + b"[]]"
        FLOOD = struct.pack(">II", len(JSON), 0) + JSON
    """)),
    # 20,000 zeros: 60 KB of JSON, just under a scalar call's limit.
    "json_just_under": every_function_returns("[0] * 20_000"),
    # 40 MB of int8 where a float is expected: 320 MB as float64.
    "int8_flood": every_function_returns("np.zeros(40_000_000, dtype=np.int8)"),
    # Just under and just over a scalar call's limit (64 KiB plus twice the arguments).
    "int8_just_under": every_function_returns("np.zeros(60_000, dtype=np.int8)"),
    "int8_just_over": every_function_returns("np.zeros(140_000, dtype=np.int8)"),
    # A header that promises 50 KB, then a byte every 50 ms.
    "trickle": WRONG + textwrap.dedent("""
        import os, struct, sys, time
        def sigmoid(z):
            os.write(int(sys.argv[2]), struct.pack(">II", 10, 50_000))
            while True:
                os.write(int(sys.argv[2]), b" ")
                time.sleep(0.05)
    """),
}
# The reference with sigmoid redefined at the end to loop forever (sigmoid_prime and neuron call it).
SIGMOID_LOOPS = REFERENCE + "\n\ndef sigmoid(z):\n    while True:\n        pass\n"
HONEST = ("aa_honest", "zz_honest")


def write_class(subs, sources):
    for student, source in sources.items():
        folder = subs / student / "01_neuron"
        folder.mkdir(parents=True)
        (folder / "neuron.py").write_text(source)


def results_of(out, student):
    return json.loads((out / student / "01_neuron" / "results.json").read_text())


def outputs(results):
    return " | ".join(t["output"] for t in results["tests"])


def processes_using(folder: Path) -> list[str]:
    """Processes whose working directory or mounts lie under folder (a sandbox left behind)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            mounts = (entry / "mountinfo").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cwd.startswith(str(folder)) or str(folder) in mounts:
            found.append(f"{entry.name}: {cmdline}")
    return found


@pytest.fixture(scope="module", params=isolation_modes())
def wire_batch(tmp_path_factory, request):
    """The wire attacks and two honest students in one `course grade --jobs 1` batch."""
    base = tmp_path_factory.mktemp("wire")
    course = make_course(base / "course", seconds=2, submission_seconds=10)
    subs, out, scratch = base / "submitted", base / "out", base / "tmp"
    scratch.mkdir()
    write_class(subs, {**WIRE_ATTACKS, **{h: REFERENCE for h in HONEST}})
    start = time.monotonic()
    result = run_course("grade", "--assignment", "01_neuron", subs, "--out", out, "--jobs", "1", course=course,
                        timeout=400, env={"COURSE_ISOLATION": request.param, "TMPDIR": str(scratch)})
    elapsed = time.monotonic() - start
    print(f"\nwire attacks graded in {elapsed:.1f} s with isolation {request.param}")
    assert result.returncode == 0, result.stderr[-3000:]
    return out, scratch, elapsed, request.param


@pytest.mark.slow
def test_a_child_that_stops_reading_cannot_stall_the_batch(wire_batch):
    out, _, elapsed, mode = wire_batch
    stalled = results_of(out, "stops_reading")
    assert stalled["extra_data"]["isolation"] == mode
    assert stalled["score"] == 0
    assert "stopped reading" in outputs(stalled), outputs(stalled)
    assert results_of(out, "zz_honest")["score"] == 20, "the batch must reach the next student"
    assert elapsed < len(WIRE_ATTACKS) * 10 + 120


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(WIRE_ATTACKS))
def test_wire_attacks_get_nothing_and_a_reason(wire_batch, student):
    out, _, _, _ = wire_batch
    results = results_of(out, student)
    assert results["score"] == 0, [(t["name"], t["output"]) for t in results["tests"] if t["score"]]
    assert results["max_score"] == 20
    assert all(t["output"] for t in results["tests"]), "every failed test says why"
    text = outputs(results)
    expected = {"json_flood": "more than the", "int8_flood": "more than the", "int8_just_over": "more than the",
                "json_just_under": "should be a float", "int8_just_under": "should be a float",
                "trickle": "timed out"}
    if student in expected:
        assert expected[student] in text, text[:2000]


@pytest.mark.slow
def test_honest_students_keep_full_marks_and_nothing_is_left_behind(wire_batch):
    out, scratch, _, _ = wire_batch
    for honest in HONEST:
        assert results_of(out, honest)["score"] == 20, honest
    assert processes_using(scratch) == []
    assert list(scratch.iterdir()) == [], "sandbox folders left behind"


# ---------------------------------------------------------------- the grader's memory

MEMORY_ATTACKS = ["json_flood", "json_just_under", "int8_flood", "int8_just_under", "int8_just_over"]


def grade_and_measure(tmp_path, student, source, **limits):
    course = make_course(tmp_path / "course", **limits)
    folder = tmp_path / "submitted" / student / "01_neuron"
    folder.mkdir(parents=True)
    (folder / "neuron.py").write_text(source)
    probe = subprocess.run([sys.executable, str(REPO / "tests" / "grade_and_measure.py"), str(course), "01_neuron",
                            student, str(folder)], cwd=REPO, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert probe.returncode == 0, probe.stderr[-3000:]
    return json.loads(probe.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("student", MEMORY_ATTACKS)
def test_the_grader_stays_under_300_mb_whatever_the_submission_sends(tmp_path, student):
    measured = grade_and_measure(tmp_path, student, WIRE_ATTACKS[student], seconds=2, submission_seconds=10)
    print(f"\n{student}: grading process peak {measured['peak_mib']:.0f} MiB "
          f"({measured['peak_mib_before']:.0f} MiB before grading)")
    assert measured["results"]["score"] == 0
    assert measured["peak_mib"] < MAX_GRADER_MIB
    assert measured["peak_mib"] - measured["peak_mib_before"] < 60, "grading grew by more than a few replies"


# ---------------------------------------------------------------- a hang costs one function

@pytest.mark.slow
def test_an_endless_sigmoid_costs_only_the_functions_that_use_it(tmp_path):
    """seconds = submission_seconds: without a fair share, sigmoid's first call would eat the whole budget."""
    start = time.monotonic()
    measured = grade_and_measure(tmp_path, "loops", SIGMOID_LOOPS, seconds=8, submission_seconds=8)
    elapsed = time.monotonic() - start
    results = measured["results"]
    tests = {t["extra_data"]["test"]: t for t in results["tests"]}
    for name, test in tests.items():
        if name.startswith(("test_relu", "test_weighted_sum")):
            assert test["status"] == "passed", (name, test["output"])
        elif name.startswith("test_sigmoid"):
            assert test["score"] == 0 and "timed out" in test["output"], (name, test["output"])
    sigmoid_outputs = [t["output"] for n, t in tests.items() if n.startswith("test_sigmoid_") and "prime" not in n]
    assert sum("timed out earlier" in text for text in sigmoid_outputs) >= len(sigmoid_outputs) - 1
    assert results["score"] >= sum(t["max_score"] for n, t in tests.items()
                                   if n.startswith(("test_relu", "test_weighted_sum")))
    assert elapsed < 60


@pytest.mark.slow
def test_an_honest_student_beside_the_endless_sigmoid_keeps_full_marks(tmp_path):
    measured = grade_and_measure(tmp_path, "honest", REFERENCE, seconds=8, submission_seconds=8)
    assert measured["results"]["score"] == 20
    assert measured["peak_mib"] < MAX_GRADER_MIB
