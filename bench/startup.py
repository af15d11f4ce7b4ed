"""Start-up figures against the floor of a bare interpreter with numpy.

floor_s: ``python -I -c "import numpy"``, the least any process that grades
(or is graded) can cost here; cli_s: ``course --help``; gradescope_s:
Gradescope's ``run_autograder`` for one submission of 01_neuron, run from an
unpacked bundle with AUTOGRADER_ROOT (see tests/integrations/test_gradescope.py).

Each is the median of several runs of CPU seconds (user + system, the process
and all its children), the three commands taking turns: on this shared 2-core
machine the wall time of the same command varies 5-10x with the other users'
load, its CPU time much less, and the machine's speed drifts within a minute.
The median wall times are kept beside them (``*_wall_s``).

    python -m bench.startup        # prints the figures as JSON
"""
import json
import os
import re
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


def _run(cmd, env=None, cwd=REPO) -> tuple[float, float]:
    """(CPU s, wall s) of one run of cmd; fails loudly."""
    cpu_start, start = children_cpu_seconds(), time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed, cpu_used = time.perf_counter() - start, children_cpu_seconds() - cpu_start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{(done.stdout + done.stderr)[-2000:]}")
    return cpu_used, elapsed


def interleaved_medians(commands: dict, rounds: int) -> dict:
    """name -> (median CPU s, median wall s), the commands run in turn, round after round.

    In turn rather than one after the other: the machine's speed drifts within
    a minute, and each figure is a ratio to the floor measured beside it.
    One untimed warm-up round first.
    """
    runs = {name: [] for name in commands}
    for round_number in range(rounds + 1):
        for name, (cmd, env, cwd) in commands.items():
            measured = _run(cmd, env, cwd)
            if round_number:
                runs[name].append(measured)
    return {name: (statistics.median(c for c, _ in measured), statistics.median(w for _, w in measured))
            for name, measured in runs.items()}


def floor_command():
    return [sys.executable, "-I", "-c", "import numpy"], None, REPO


def cli_command():
    return [str(VENV_BIN / "course"), "--help"], None, REPO


def gradescope_root(work: Path) -> Path:
    """Gradescope's /autograder for the bundle of 01_neuron, with the reference as the upload."""
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
    # What setup.sh does once when Gradescope builds the image (it cannot run here: it installs Python):
    # compile the bundle, and record where the packages are with its own command.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "source")], check=True, capture_output=True)
    record = re.search(r" -c '(.+)' > \"\$SOURCE/\.site-packages\"", (root / "source" / "setup.sh").read_text())
    (root / "source" / ".site-packages").write_text(
        subprocess.run([sys.executable, "-c", record.group(1)], check=True, capture_output=True, text=True).stdout)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    shutil.copyfile(REPO / "solutions/01_neuron/neuron.py", root / "submission" / "neuron.py")
    return root


def gradescope_command(root: Path):
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    return [str(root / "run_autograder")], env, root


def figures(work: Path, rounds: int = 9) -> dict:
    root = gradescope_root(work)
    measured = interleaved_medians({"floor": floor_command(), "cli": cli_command(),
                                    "gradescope": gradescope_command(root)}, rounds)
    score = json.loads((root / "results" / "results.json").read_text())["score"]
    if score != 20:
        raise SystemExit(f"run_autograder gave the reference {score}, not 20")
    (floor, floor_wall), (cli, cli_wall), (gradescope, gradescope_wall) = (
        measured["floor"], measured["cli"], measured["gradescope"])
    return {"floor_s": floor, "floor_wall_s": floor_wall, "cli_s": cli, "cli_wall_s": cli_wall,
            "cli_over_floor": cli / floor, "gradescope_s": gradescope, "gradescope_wall_s": gradescope_wall,
            "gradescope_over_floor": gradescope / floor}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="nnfs-bench-") as tmp:
        print(json.dumps(figures(Path(tmp)), indent=2))
