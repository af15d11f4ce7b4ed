"""Start-up figures against the floor of a bare interpreter with numpy.

floor_s: ``python -I -c "import numpy"``, the least any process that grades
(or is graded) can cost here; cli_s: ``course --help``; gradescope_s:
Gradescope's ``run_autograder`` for one submission of 01_neuron, run from an
unpacked bundle with AUTOGRADER_ROOT (see tests/integrations/test_gradescope.py).

Each is the median of several runs of CPU seconds (user + system, the process
and all its children): on this shared 2-core machine the wall time of the same
command varies 5-10x with the other users' load, its CPU time much less.
The median wall times are kept beside them (``*_wall_s``).

    python -m bench.startup        # prints the figures as JSON
"""
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def children_cpu_seconds() -> float:
    """User + system CPU seconds of every child process this one has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_seconds(cmd, runs: int, env=None, cwd=REPO) -> tuple[float, float]:
    """(median CPU s, median wall s) of cmd over runs, after one untimed warm-up run; fails loudly."""
    cpu, wall = [], []
    for i in range(runs + 1):
        cpu_start, start = children_cpu_seconds(), time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
        elapsed, cpu_used = time.perf_counter() - start, children_cpu_seconds() - cpu_start
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{done.stderr[-2000:]}")
        if i:
            cpu.append(cpu_used)
            wall.append(elapsed)
    return statistics.median(cpu), statistics.median(wall)


def floor_seconds(runs: int = 11) -> tuple[float, float]:
    return median_seconds([sys.executable, "-I", "-c", "import numpy"], runs)


def cli_seconds(runs: int = 11) -> tuple[float, float]:
    return median_seconds([str(VENV_BIN / "course"), "--help"], runs)


def gradescope_seconds(work: Path, runs: int = 5) -> tuple[float, float]:
    """One run_autograder on the reference of 01_neuron, laid out like Gradescope's /autograder."""
    bundle = work / "01_neuron-autograder.zip"
    done = subprocess.run([str(VENV_BIN / "course"), "gradescope", "01_neuron", "--out", str(bundle)],
                          cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"course gradescope failed:\n{done.stderr[-2000:]}")
    root = work / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, root / "source"))
            path.chmod((info.external_attr >> 16) & 0o777 or 0o644)
    # What setup.sh does once when Gradescope builds the image (it cannot run here: it installs Python).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "source")], check=True, capture_output=True)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    shutil.copyfile(REPO / "solutions/01_neuron/neuron.py", root / "submission" / "neuron.py")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    seconds = median_seconds([str(root / "run_autograder")], runs, env=env, cwd=root)
    score = json.loads((root / "results" / "results.json").read_text())["score"]
    if score != 20:
        raise SystemExit(f"run_autograder gave the reference {score}, not 20")
    return seconds


def figures(work: Path) -> dict:
    (floor, floor_wall), (cli, cli_wall) = floor_seconds(), cli_seconds()
    gradescope, gradescope_wall = gradescope_seconds(work)
    return {"floor_s": floor, "floor_wall_s": floor_wall, "cli_s": cli, "cli_wall_s": cli_wall,
            "cli_over_floor": cli / floor, "gradescope_s": gradescope, "gradescope_wall_s": gradescope_wall,
            "gradescope_over_floor": gradescope / floor}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="nnfs-bench-") as tmp:
        print(json.dumps(figures(Path(tmp)), indent=2))
