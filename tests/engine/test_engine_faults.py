"""The batch survives being killed, regrades identically, and fails loudly only
when grading itself cannot run."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, make_course, run_course, set_data

REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_text()
STUB = (REPO / "assignments/01_neuron/neuron.py").read_text()
SLOW = "import time\ntime.sleep(0.4)\n" + REFERENCE  # slow enough to kill the batch midway


def make_class(folder, n, source=SLOW):
    for i in range(n):
        target = folder / f"student{i:02d}" / "01_neuron"
        target.mkdir(parents=True)
        (target / "neuron.py").write_text(source if i % 3 else STUB)
    return folder


def without_timing(results):
    results = dict(results)
    results.pop("execution_time")
    return results


@pytest.mark.slow
def test_killed_batch_resumes_without_regrading_or_losing_results(tmp_path):
    subs, out = make_class(tmp_path / "submitted", 16), tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder.cli", "grade", "--assignment", "01_neuron", str(subs),
           "--out", str(out), "--jobs", "2", "--quiet"]
    batch = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(list(out.glob("*/01_neuron/results.json"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(batch.pid, signal.SIGKILL)
    batch.wait()
    finished = {p: p.stat().st_mtime_ns for p in out.glob("*/01_neuron/results.json")}
    assert 4 <= len(finished) < 16, "the batch should have been killed midway"
    for path in finished:
        json.loads(path.read_text())  # whole, never half-written

    rerun = run_course("grade", "--assignment", "01_neuron", subs, "--out", out, "--jobs", "2")
    assert rerun.returncode == 0, rerun.stderr
    assert f"graded {16 - len(finished)} new, 0 changed, skipped {len(finished)} unchanged" in rerun.stdout
    for path, mtime in finished.items():
        assert path.stat().st_mtime_ns == mtime, f"{path} was regraded"
    scores = {p.parent.parent.name: json.loads(p.read_text())["score"] for p in out.glob("*/01_neuron/results.json")}
    assert len(scores) == 16
    assert all(score == (0 if int(name[-2:]) % 3 == 0 else 20) for name, score in scores.items()), scores
    assert not list(out.glob("**/.*.tmp"))
    assert len((out / "grades.csv").read_text().splitlines()) == 17


@pytest.mark.slow
def test_regrading_gives_identical_results_apart_from_timing(tmp_path):
    subs = make_class(tmp_path / "submitted", 3, source=REFERENCE.replace("return s * (1.0 - s)", "return s * (1.0 + s)"))
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        assert run_course("grade", "--assignment", "01_neuron", subs, "--out", out).returncode == 0
    for student in ("student00", "student01", "student02"):
        a = json.loads((first / student / "01_neuron/results.json").read_text())
        b = json.loads((second / student / "01_neuron/results.json").read_text())
        assert without_timing(a) == without_timing(b)
        assert (first / student / "01_neuron/feedback.md").read_text() == (second / student / "01_neuron/feedback.md").read_text()
    seeds = {json.loads((first / s / "01_neuron/results.json").read_text())["extra_data"]["seed"]
             for s in ("student01", "student02")}
    assert len(seeds) == 2, "each student gets their own random inputs"


def test_student_without_the_module_gets_zero_and_the_reason(tmp_path):
    subs, out = tmp_path / "submitted", tmp_path / "out"
    (subs / "nofile" / "01_neuron").mkdir(parents=True)
    (subs / "nofile" / "01_neuron" / "Neuron.PY").write_text(REFERENCE)
    (subs / "nofolder" / "02_forward").mkdir(parents=True)
    result = run_course("grade", "--assignment", "01_neuron", subs, "--out", out)
    assert result.returncode == 5, result.stderr  # scored 0, status missing: loud, never a silent 0
    results = json.loads((out / "nofile" / "01_neuron/results.json").read_text())
    assert results["score"] == 0 and results["extra_data"]["status"] == "missing"
    reason = "neuron.py is missing"
    assert reason in results["output"] and all(reason in t["output"] for t in results["tests"])
    assert "found Neuron.PY: did you mean neuron.py?" in results["extra_data"]["reason"]
    assert "nofile 01_neuron: missing: neuron.py is missing" in result.stdout
    # No 01_neuron/ folder at all: not submitted, so no grade is recorded (and the summary says so).
    assert not (out / "nofolder").exists()
    assert "no 01_neuron/ folder (not submitted): 1 student(s)" in result.stdout


def test_grading_that_cannot_run_exits_non_zero_with_a_clear_message(tmp_path):
    subs = tmp_path / "submitted"
    subs.mkdir()
    unknown = run_course("grade", "--assignment", "07_transformers", subs, "--out", tmp_path / "out")
    assert unknown.returncode != 0 and "no assignment '07_transformers'" in unknown.stderr
    assert "01_neuron" in unknown.stderr
    course = make_course(tmp_path / "course")
    course.write_text(course.read_text().replace("points = 20", "pionts = 20", 1))
    bad = run_course("grade", "--assignment", "01_neuron", subs, "--out", tmp_path / "out", course=course)
    assert bad.returncode != 0
    assert str(course) in bad.stderr and "assignments[0].pionts" in bad.stderr and "'points'" in bad.stderr
    course.write_text(course.read_text().replace("pionts = 20", "points = 25", 1))
    mismatch = run_course("grade", "--assignment", "01_neuron", make_class(tmp_path / "one", 1), "--out", tmp_path / "out",
                          course=course)
    assert mismatch.returncode != 0 and "25" in mismatch.stderr and "course.toml" in mismatch.stderr


def test_late_submissions_are_flagged_and_penalised_as_course_toml_says(tmp_path):
    course = make_course(tmp_path / "course")
    text = course.read_text().replace("[limits]", "[late]\npenalty_per_day = 0.1\ngrace_minutes = 5\n\n[limits]", 1)
    course.write_text(text)  # 01_neuron is due 2027-02-05T23:59:00Z
    subs, out = tmp_path / "submitted", tmp_path / "out"
    stamps = {"ontime": "2027-02-05 23:00:00.000000 UTC", "grace": "2027-02-06 00:03:00 UTC",
              "twodays": "2027-02-07 12:00:00.5 UTC", "nostamp": None}
    for student, stamp in stamps.items():
        folder = subs / student / "01_neuron"
        folder.mkdir(parents=True)
        (folder / "neuron.py").write_text(REFERENCE)
        if stamp:
            (folder / "timestamp.txt").write_text(stamp + "\n")
    assert run_course("grade", "--assignment", "01_neuron", subs, "--out", out, course=course).returncode == 0
    rows = {line.split(",")[0]: line.split(",") for line in (out / "grades.csv").read_text().splitlines()[1:]}
    assert rows["ontime"][2:7] == ["20", "20", "graded", "on time", "0"]
    assert rows["grace"][2:7] == ["20", "20", "graded", "on time", "0"]
    assert rows["nostamp"][2:7] == ["20", "20", "graded", "unknown", "0"], "no timestamp is never 'on time'"
    assert rows["twodays"][2:7] == ["16", "20", "graded", "late", "2"]
    late = json.loads((out / "twodays/01_neuron/results.json").read_text())
    assert late["extra_data"]["score_before_penalty"] == 20 and "2 days" in late["output"]
    assert "late penalty 20%" in (out / "twodays/01_neuron/feedback.md").read_text()
    # The default course has no penalty: flagged, not penalised.
    default_out = tmp_path / "default"
    assert run_course("grade", "--assignment", "01_neuron", subs, "--out", default_out).returncode == 0
    result = json.loads((default_out / "twodays/01_neuron/results.json").read_text())
    assert result["score"] == 20 and result["extra_data"]["late"] is True


def test_missing_mnist_stops_grading_instead_of_costing_students_points(tmp_path):
    """MNIST nowhere and its mirror refusing: one paragraph, exit 3, nobody graded, no traceback."""
    import socket

    from data.locate import NAMES

    course = make_course(tmp_path / "course")
    with socket.socket() as s:  # a port that nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        mirror = f"http://127.0.0.1:{s.getsockname()[1]}/"
    (course.parent / "mnist.SHA256SUMS").write_text("".join(f"{'0' * 64}  {name}.gz\n" for name in NAMES))
    set_data(course, mirror=mirror, sha256sums="mnist.SHA256SUMS")
    subs, out = tmp_path / "submitted", tmp_path / "out"
    (subs / "ada" / "06_mnist").mkdir(parents=True)
    (subs / "ada" / "06_mnist" / "train.py").write_text((REPO / "solutions/06_mnist/train.py").read_text())
    result = run_course("grade", "--assignment", "06_mnist", subs, "--out", out, course=course,
                        env={"MNIST_DIR": str(tmp_path / "nowhere"), "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 3, result.stderr
    assert "course grade: MNIST is missing" in result.stderr and "MNIST_DIR" in result.stderr, result.stderr
    assert "Connection refused" in result.stderr and "Traceback" not in result.stderr
    assert not (out / "ada" / "06_mnist" / "results.json").exists(), "no grade when grading could not run"

    # --all: what does not need MNIST is graded; 06 is not, and the paragraph and exit 3 say so.
    (subs / "ada" / "01_neuron").mkdir(parents=True)
    (subs / "ada" / "01_neuron" / "neuron.py").write_text((REPO / "solutions/01_neuron/neuron.py").read_text())
    result = run_course("grade", "--all", subs, "--out", out, course=course,
                        env={"MNIST_DIR": str(tmp_path / "nowhere"), "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 3, result.stderr
    assert "course grade: not graded: 06_mnist. MNIST is missing" in result.stderr, result.stderr
    assert json.loads((out / "ada" / "01_neuron" / "results.json").read_text())["score"] == 20
    assert not (out / "ada" / "06_mnist" / "results.json").exists()


@pytest.mark.slow
def test_interrupted_batch_says_how_to_resume(tmp_path):
    subs, out = make_class(tmp_path / "submitted", 12), tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder.cli", "grade", "--assignment", "01_neuron", str(subs),
           "--out", str(out), "--jobs", "2", "--quiet"]
    batch = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(list(out.glob("*/01_neuron/results.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(batch.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground process group
    _, stderr = batch.communicate(timeout=60)
    assert batch.returncode == 130, stderr
    assert "run the same command again to resume" in stderr and "interrupted: " in stderr
    done = len(list(out.glob("*/01_neuron/results.json")))
    assert 2 <= done < 12
    assert len((out / "grades.csv").read_text().splitlines()) == done + 1


def test_a_sandbox_that_cannot_start_stops_grading_instead_of_zeroing_the_class(tmp_path, monkeypatch):
    """As in a fresh clone whose sandbox setup failed: every student got 0. Now grading stops."""
    from autograder.config import load_course
    from autograder.engine import handle
    from autograder.engine.errors import GradingError
    from autograder.engine.grade import grade_submission

    def refuse(*args, **kwargs):
        raise subprocess.SubprocessError("Exception occurred in preexec_fn.")

    monkeypatch.setattr(handle, "Child", refuse)
    subs = make_class(tmp_path / "submitted", 2, source=REFERENCE)
    course = load_course(REPO / "course.toml")
    with pytest.raises(GradingError, match="cannot start the sandbox"):
        grade_submission(course, course.assignment("01_neuron"), "student01", subs / "student01" / "01_neuron",
                         tmp_path / "out", "root")


def test_a_worker_killed_mid_grade_leaves_nothing_in_the_temporary_folder(tmp_path):
    """The student's staged code lives in the grading process's own folder (jail/own_tmp.py), not loose in
    $TMPDIR: a forked worker SIGKILLed while grading (retried by the batch) leaves nothing once the batch ends."""
    import shutil
    import tempfile
    from pathlib import Path

    tmp = Path(tempfile.mkdtemp(prefix="faults-tmp-", dir="/tmp"))
    tmp.chmod(0o711)
    batch = None
    try:
        subs = tmp_path / "submitted"
        (subs / "slow" / "01_neuron").mkdir(parents=True)
        (subs / "slow" / "01_neuron" / "neuron.py").write_text("import time\ntime.sleep(4)\n" + REFERENCE)
        batch = subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", "--assignment", "01_neuron",
                                  str(subs), "--out", str(tmp_path / "out"), "--quiet"], cwd=REPO,
                                 env={**os.environ, "TMPDIR": str(tmp)}, start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline, killed = time.monotonic() + 60, None
        while killed is None and time.monotonic() < deadline and batch.poll() is None:
            if list(tmp.rglob("nnfs-staged-*")):
                workers = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                           and (p / "stat").exists() and _parent(p) == batch.pid]
                if workers:
                    killed = workers[0]
                    os.kill(killed, signal.SIGKILL)
            time.sleep(0.05)
        assert batch.wait(timeout=180) == 0 and killed is not None
        assert json.loads((tmp_path / "out/slow/01_neuron/results.json").read_text())["score"] == 20
        assert sorted(p.name for p in tmp.iterdir()) == []
    finally:
        if batch is not None and batch.poll() is None:
            os.killpg(batch.pid, signal.SIGKILL)
            batch.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _parent(proc) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None
