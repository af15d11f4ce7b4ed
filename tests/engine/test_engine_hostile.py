"""Submissions that try to crash, hang, flood, cheat or harm the grader.

All of them are graded in one real `course grade --jobs 2` batch next to an
honest reference submission and an honest bystander. In every case: no
undeserved points, the batch finishes, and the other students' grades and
files are intact.
"""
import hashlib
import json
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import REPO, run_course

REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_text()
STUB = (REPO / "assignments/01_neuron/neuron.py").read_text()
MARKER = "nnfs-escape-marker"

# A wrong but importable neuron.py: every function answers 0.25.
WRONG = textwrap.dedent("""
    def sigmoid(z): return 0.25
    def sigmoid_prime(z): return 0.25
    def relu(z): return 0.25
    def relu_prime(z): return 0.25
    def weighted_sum(w, a): return 0.25
    def neuron(w, a, b, activation=None): return 0.25
""")


def hostile_cases(paths):
    """name -> (neuron.py source, {other file: source}). paths: what an attacker might know."""
    repo, subs, out = paths["repo"], paths["submissions"], paths["out"]
    return {
        "exit_os": ("import os\nos._exit(0)\n", {}),
        "exit_sys": ("import sys\nsys.exit(0)\n", {}),
        "exit_in_call": (WRONG + "def sigmoid(z):\n    raise SystemExit(0)\n", {}),
        "syntax_error": ("def sigmoid(z)\n    return 1\n", {}),
        "loop_at_import": ("import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                           "signal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass\n", {}),
        "loop_in_call": (WRONG + "def sigmoid(z):\n    import signal\n"
                         "    for s in (signal.SIGTERM, signal.SIGALRM, signal.SIGINT): signal.signal(s, signal.SIG_IGN)\n"
                         "    while True: pass\n", {}),
        "memory_bomb": ("blocks = []\nwhile True:\n    blocks.append(bytearray(100_000_000))\n", {}),
        "memory_bomb_in_call": (WRONG + "def sigmoid(z):\n    return bytearray(50_000_000_000)\n", {}),
        "fork_escape": (textwrap.dedent(f"""
            import os, subprocess, sys, time
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "{MARKER}"], start_new_session=True)
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(120)", "{MARKER}"])
                os._exit(0)
        """) + WRONG, {}),
        "fork_bomb": ("import os\nfor _ in range(1000):\n    try:\n        os.fork()\n    except OSError:\n"
                      "        break\n" + WRONG, {}),
        "output_flood": ("import os, sys\nos.write(1, b'\\xff\\xfe\\xc3' * 1000)\n"
                         "chunk = 'spam ' * 200_000\nfor _ in range(300):\n    sys.stdout.write(chunk)\n" + WRONG, {}),
        "missing_functions": ("def relu(z):\n    return z\n", {}),
        "wrong_types": (textwrap.dedent("""
            import numpy as np
            def sigmoid(z): return [0.5]
            def sigmoid_prime(z): return None
            def relu(z): return np.array(0.0)
            def relu_prime(z): return "1.0"
            def weighted_sum(w, a): return np.array(1.2)
            def neuron(w, a, b, activation=None): return [0.5]
        """), {}),
        "lying_objects": (textwrap.dedent("""
            import numpy as np
            class Liar(float):
                def __eq__(self, other): return True
                def __ne__(self, other): return False
                def __lt__(self, other): return True
                def __gt__(self, other): return True
                __array_ufunc__ = None
                def __array__(self, *a, **k): return np.array(0.5)
            class LiarArray(np.ndarray):
                def __eq__(self, other): return np.ones(np.shape(other), dtype=bool)
                def __array_ufunc__(self, *a, **k): return True
            def _liar_array(z): return np.zeros(np.shape(z)).view(LiarArray)
            def sigmoid(z): return Liar(99.0) if np.ndim(z) == 0 else _liar_array(z)
            sigmoid_prime = relu = relu_prime = sigmoid
            def weighted_sum(w, a): return Liar(99.0)
            def neuron(w, a, b, activation=None): return Liar(99.0)
        """), {}),
        "monkeypatch": (textwrap.dedent("""
            import math, unittest, numpy, numpy.testing
            numpy.allclose = lambda *a, **k: True
            numpy.isclose = lambda *a, **k: True
            numpy.array_equal = lambda *a, **k: True
            numpy.testing.assert_allclose = lambda *a, **k: None
            math.isclose = lambda *a, **k: True
            unittest.TestCase.assertEqual = lambda *a, **k: None
            try:
                import pytest
                pytest.approx = lambda *a, **k: 0.25
            except ImportError:
                pass
        """) + WRONG, {}),
        "shadow_files": (WRONG, {
            "conftest.py": "import pytest\n@pytest.hookimpl(tryfirst=True)\ndef pytest_runtest_call(item):\n    return True\n",
            "pytest.py": "def main(*a, **k): return 0\n",
            "numpy.py": "def allclose(*a, **k): return True\n",
        }),
        "shadow_files_honest": (REFERENCE, {"conftest.py": "raise SystemExit(1)\n", "numpy.py": "raise ImportError('fake')\n"}),
        "forge_results": (textwrap.dedent(f"""
            import json, os
            forged = {{"score": 20.0, "max_score": 20.0, "tests": []}}
            for student in ("forge_results", "zz_bystander"):
                path = os.path.join({str(out)!r}, student, "01_neuron")
                try:
                    os.makedirs(path, exist_ok=True)
                    open(os.path.join(path, "results.json"), "w").write(json.dumps(forged))
                except OSError:
                    pass
            try:
                open(os.path.join({str(out)!r}, "grades.csv"), "a").write("forge_results,01_neuron,20,20\\n")
            except OSError:
                pass
        """) + WRONG, {}),
        "search_disk": (textwrap.dedent(f"""
            import glob, os
            found = None
            candidates = [os.path.join({str(repo)!r}, "solutions", "01_neuron", "neuron.py")]
            for root in ("/work", "/tmp", "/root", "/home", "/srv", "/opt", {str(repo)!r}):
                for dirpath, dirnames, filenames in os.walk(root):
                    dirnames[:] = [d for d in dirnames if d not in (".venv", "proc", "sys", ".git")]
                    candidates += [os.path.join(dirpath, f) for f in filenames if f in ("neuron.py", "test_01_neuron.py")]
            for path in candidates:
                try:
                    text = open(path).read()
                except OSError:
                    continue
                if "BEGIN SOLUTION" in text:
                    found = text
                    break
            if found:
                exec(found)
            else:
        """) + textwrap.indent(WRONG, "    "), {}),
        "import_graders": (WRONG + "try:\n    from autograder.toolkit.network import sigmoid, sigmoid_prime, relu\n"
                           "    from neuron_reference import *\nexcept Exception:\n    pass\n", {}),
        "stack_frames": (textwrap.dedent("""
            import sys
            def _peek(default):
                frame = sys._getframe(1)
                while frame is not None:
                    for name, value in frame.f_locals.items():
                        if name in ("expected", "want", "reference"):
                            return value
                    frame = frame.f_back
                return default
            def sigmoid(z): return _peek(0.25)
            def sigmoid_prime(z): return _peek(0.25)
            def relu(z): return _peek(0.25)
            def relu_prime(z): return _peek(0.25)
            def weighted_sum(w, a): return _peek(0.25)
            def neuron(w, a, b, activation=None): return _peek(0.25)
        """), {}),
        "delete_others": (textwrap.dedent(f"""
            import os, shutil, signal
            for victim in ("zz_bystander", "aa_reference"):
                shutil.rmtree(os.path.join({str(subs)!r}, victim), ignore_errors=True)
            shutil.rmtree({str(out)!r}, ignore_errors=True)
            try:
                os.kill(-1, signal.SIGKILL)  # everything this user may signal
            except OSError:
                pass
        """) + WRONG, {}),
        "hardcoded": (textwrap.dedent("""
            import numpy as np
            def sigmoid(z):
                z = np.asarray(z, dtype=float)
                out = np.where(z >= 1000, 1.0, np.where(z <= -1000, 0.0, 0.5))
                return float(out) if out.ndim == 0 else out
            def sigmoid_prime(z): return 0.25
            def relu(z):
                table = {3.2: 3.2, 1.39: 1.39, -0.21: 0.0}
                return np.vectorize(lambda v: table.get(round(float(v), 2), 0.0))(z)
            def relu_prime(z): return 1.0
            def weighted_sum(w, a): return 1.2
            def neuron(w, a, b, activation=None): return 0.5
        """), {}),
        # The child's own code is shared by every child of the batch: replacing it would
        # break (or forge) the answers of every student graded after this one.
        "tamper_engine": (textwrap.dedent("""
            import os, sys
            for name in ("_nnfs_wire", "_nnfs_child"):
                module = sys.modules.get(name)
                for path in (getattr(module, "__file__", None), getattr(module, "__cached__", None)):
                    if not path:
                        continue
                    for harm in (lambda: os.chmod(path, 0o666), lambda: open(path, "w").write("raise SystemExit(3)\\n"),
                                 lambda: os.unlink(path), lambda: open(path, "x").write("raise SystemExit(3)\\n")):
                        try:
                            harm()
                        except OSError:
                            pass
        """) + WRONG, {}),
        "symlink_to_reference": (None, {}),
    }


HOST = {}  # what the engine could leave on this machine, before and after the batch


def engine_traces() -> dict:
    """The engine's traces on this machine: temporary folders of gone grading processes (/tmp),
    cgroups of gone workers, /dev/shm entries of sandbox uids (other processes' are noise)."""
    from autograder.engine.jail import cgroups, own_tmp
    from autograder.engine.jail.uid import SANDBOX_UID_BASE
    shm = []
    for entry in os.scandir("/dev/shm"):
        try:
            if entry.stat(follow_symlinks=False).st_uid >= SANDBOX_UID_BASE:
                shm.append(entry.name)
        except OSError:
            pass
    return {"tmp": [str(p) for p in own_tmp.stale()], "cgroups": [str(p) for p in cgroups.leftovers()],
            "shm": sorted(shm)}


def isolation_modes():
    """The isolation mode this machine offers (the uid fallback has its own tests in
    test_engine_hostile_isolation.py: it needs a machine set up for it)."""
    from autograder.engine.sandbox import isolation_mode
    return [isolation_mode()]


@pytest.fixture(scope="module", params=isolation_modes())
def graded(tmp_path_factory, request):
    """Grade every hostile case once per isolation mode; return (out, submissions, hashes before, result)."""
    from conftest import make_course
    base = tmp_path_factory.mktemp("hostile")
    course = make_course(base / "course", seconds=2, submission_seconds=6)
    subs, out = base / "submitted", base / "out"
    paths = {"repo": REPO, "submissions": subs, "out": out}
    for student, (source, extra) in hostile_cases(paths).items():
        folder = subs / student / "01_neuron"
        folder.mkdir(parents=True)
        if source is None:
            (folder / "neuron.py").symlink_to(REPO / "solutions/01_neuron/neuron.py")
        else:
            (folder / "neuron.py").write_text(source)
        for name, text in extra.items():
            (folder / name).write_text(text)
    for honest in ("aa_reference", "zz_bystander"):
        (subs / honest / "01_neuron").mkdir(parents=True)
        (subs / honest / "01_neuron" / "neuron.py").write_text(REFERENCE)
    before = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.rglob("*") if p.is_file() and not p.is_symlink()}
    HOST["before"] = engine_traces()
    start = time.monotonic()
    result = run_course("grade", "--assignment", "01_neuron", subs, "--out", out, "--jobs", "2", course=course,
                        env={"COURSE_ISOLATION": request.param})
    elapsed = time.monotonic() - start
    HOST["after"] = engine_traces()
    print(f"\nhostile batch of {len(before)} files graded in {elapsed:.1f} s with isolation {request.param}")
    assert all(results_of(out, s)["extra_data"]["isolation"] == request.param for s in ("aa_reference", "exit_os"))
    # Exit 4: the one submission the engine refuses (a symlink to the reference) is NOT GRADED, loudly.
    assert result.returncode == 4, result.stderr[-3000:]
    assert [line.split()[2].rstrip(":") for line in result.stdout.splitlines() if "NOT GRADED " in line] == [
        "symlink_to_reference"], result.stdout
    return out, subs, before, result


def results_of(out, student):
    return json.loads((out / student / "01_neuron" / "results.json").read_text())


HOSTILE = [name for name in hostile_cases({"repo": REPO, "submissions": Path("/s"), "out": Path("/o")})
           if name != "shadow_files_honest"]


@pytest.mark.slow
@pytest.mark.parametrize("student", HOSTILE)
def test_hostile_submission_gets_no_undeserved_points(graded, student):
    out, _, _, _ = graded
    results = results_of(out, student)
    if student == "symlink_to_reference":
        assert results["score"] is None and results["extra_data"]["status"] == "not graded"
        return
    allowed = 0.25 * results["max_score"] if student == "hardcoded" else 0.0
    assert results["score"] <= allowed, (student, [(t["name"], t["output"]) for t in results["tests"] if t["score"]])
    assert results["max_score"] == 20
    assert all(t["status"] == "failed" or t["score"] > 0 for t in results["tests"])
    for test in results["tests"]:
        if test["status"] == "failed":
            assert test["output"], f"{student}: a failed test must say why"


@pytest.mark.slow
def test_honest_students_are_intact_and_fully_graded(graded):
    out, subs, before, _ = graded
    after = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.rglob("*") if p.is_file() and not p.is_symlink()}
    assert after == before, "a submission changed files of the class"
    for honest in ("aa_reference", "zz_bystander", "shadow_files_honest"):
        assert results_of(out, honest)["score"] == 20, honest


@pytest.mark.slow
def test_grades_csv_is_the_engines_own(graded):
    out, subs, _, _ = graded
    lines = (out / "grades.csv").read_text().splitlines()
    assert lines[0].startswith("student,assignment,score,max_score")
    students = sorted(p.name for p in subs.iterdir())
    assert [line.split(",")[0] for line in lines[1:]] == students
    assert not any(line.startswith("forge_results,01_neuron,20") for line in lines)
    forged = results_of(out, "forge_results")
    assert forged["score"] == 0 and "seed" in forged["extra_data"]


@pytest.mark.slow
def test_no_process_outlives_grading(graded):
    leftovers = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            # This batch's children serve `neuron` with this checkout's Python; other graders may be
            # running on the machine.
            if MARKER in cmdline or ("_nnfs_child" in cmdline and " neuron " in cmdline
                                     and sys.executable in cmdline):
                leftovers.append(cmdline)
    assert leftovers == []


@pytest.mark.slow
def test_nothing_is_left_on_the_host(graded):
    for kind, after in HOST["after"].items():  # nothing new; a dead run's stale folder may have been swept
        assert set(after) <= set(HOST["before"][kind]), (kind, sorted(set(after) - set(HOST["before"][kind])))
    assert HOST["after"]["tmp"] == []  # the batch's temporary folder went with it


@pytest.mark.slow
def test_feedback_explains_what_happened(graded):
    out, _, _, _ = graded
    def outputs(student):
        return " ".join(t["output"] for t in results_of(out, student)["tests"])
    assert "could not be imported" in outputs("syntax_error") and "SyntaxError" in outputs("syntax_error")
    assert "exited while being imported" in outputs("exit_os")
    assert "timed out" in outputs("loop_in_call") or "time limit" in outputs("loop_in_call")
    assert "missing" in outputs("missing_functions")
    assert "should be a float" in outputs("wrong_types")
    assert "symbolic link" in results_of(out, "symlink_to_reference")["extra_data"]["reason"]
    assert "ignored: conftest.py, numpy.py, pytest.py" in results_of(out, "shadow_files")["output"]
    flood = results_of(out, "output_flood")
    assert len(json.dumps(flood)) < 200_000, "printed output must be capped"
