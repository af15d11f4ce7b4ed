"""Otter-Grader 7 beside the course's engine: the same submissions, equivalent tests.

Otter runs in its own virtualenv (.venv-otter, created here on first use with
the pinned versions below); bench/otter/neuron.py holds the course's 14 hidden
checks of 01_neuron in Otter's test format. ``otter generate`` builds the
autograder zip, and bench/otter_driver.py grades each submission with Otter's
Python API in one process (Otter's non-container path: a fresh kernel per
submission). The reference must score 20 and the stub 0 there too.

    python -m bench.otter_peer [N]      # N submissions of the bench's class (default 10)
"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv-otter"
PINNED = ["otter-grader==7.0.0", "ipykernel==7.4.0", "numpy==2.4.6"]


def otter_python() -> Path:
    """The Python of Otter's virtualenv, created with the pinned packages if missing."""
    python, marker = VENV / "bin" / "python", VENV / ".installed"
    if not marker.exists() or marker.read_text().split() != PINNED:
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PINNED], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"installing {' '.join(PINNED)} failed:\n{done.stderr[-2000:]}")
        marker.write_text(" ".join(PINNED) + "\n")
    return python


def autograder_zip(work: Path) -> Path:
    (work / "tests").mkdir(parents=True)
    shutil.copyfile(REPO / "bench" / "otter" / "neuron.py", work / "tests" / "neuron.py")
    out = work / "autograder.zip"
    done = subprocess.run([str(VENV / "bin" / "otter"), "generate", "-t", "tests", "-o", str(out),
                           "--no-requirements", "--no-environment", "--no-config"],
                          cwd=work, capture_output=True, text=True)
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"otter generate failed:\n{done.stderr[-2000:]}")
    return out


def grade(submissions: list[Path], work: Path) -> dict:
    """Otter's seconds and score for each submission (a file neuron.py each)."""
    python = otter_python()
    archive = autograder_zip(work / "otter")
    files = []
    for i, path in enumerate(submissions):  # Otter grades a file: one copy per student
        target = work / "otter" / "submissions" / f"student{i:03d}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        files.append(str(target))
    done = subprocess.run([str(python), str(REPO / "bench" / "otter_driver.py"), str(archive), *files],
                          cwd=work / "otter", capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"Otter's grading failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def figures(subs: Path, work: Path, n: int) -> dict:
    """Otter on the first n students of a class in nbgrader's layout (each has 01_neuron/neuron.py)."""
    students = sorted(p for p in subs.iterdir() if p.is_dir())[:n]
    check = grade([REPO / "solutions/01_neuron/neuron.py", REPO / "assignments/01_neuron/neuron.py"], work / "check")
    if check["scores"] != [20, 0] or check["possible"] != 20:
        raise SystemExit(f"Otter's tests give the reference and the stub {check['scores']}, not [20, 0]")
    result = grade([s / "01_neuron" / "neuron.py" for s in students], work / "class")
    return {"otter_submissions": len(students), "otter_s_per_submission": sum(result["seconds"]) / len(students)}


if __name__ == "__main__":
    from bench.run import make_class

    with tempfile.TemporaryDirectory(prefix="nnfs-bench-") as tmp:
        n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
        subs = make_class(Path(tmp) / "class", "01_neuron", "neuron.py", n)
        print(json.dumps(figures(subs, Path(tmp), n), indent=2))
