"""How long a student waits: `course serve`'s time from a submission to its feedback on disk.

The repo's course as an nbgrader course (`course nbgrader init`) on a
temporary exchange, `course serve --jobs 2` running, then a burst of N
submissions of 01_neuron (references, the corpus' mistakes, stubs) arriving
in inbound/ as `nbgrader submit` leaves them (the folder appears whole: a
rename). For each, the seconds from its arrival to its feedback file in
feedback/ (named by nbgrader's hash, as `nbgrader fetch_feedback` looks for
it): median and worst over the burst, and as ratios to the engine's own time
per submission (the median execution_time of the results). First, three
submissions one at a time: the service's own overhead with no queue.

    python -m bench.serve_latency [N] [--json FILE]    # N = 30 by default
"""
import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.run import REPO, make_class

ID, MODULE = "01_neuron", "neuron.py"


def _submit(inbound: Path, staging: Path, student: str, module: Path) -> tuple[Path, float]:
    """One submission as nbgrader leaves it; (its feedback file, the moment it arrived)."""
    from nbgrader.utils import notebook_hash

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    name = f"{student}+{ID}+{stamp}+{secrets.token_urlsafe(9)}"
    folder = staging / name
    folder.mkdir(parents=True)
    shutil.copyfile(module, folder / MODULE)
    shutil.copyfile(REPO / "assignments" / ID / f"{ID}.ipynb", folder / f"{ID}.ipynb")
    (folder / "timestamp.txt").write_text(stamp)
    secret = secrets.token_hex(64)
    (folder / "submission_secret.txt").write_text(secret)
    arrived = time.perf_counter()
    os.rename(folder, inbound / name)
    return inbound.parent / "feedback" / (notebook_hash(secret=secret, notebook_id=ID) + ".html"), arrived


def figures(work: Path, n: int = 30) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    course_dir, exchange = work / "nbgrader", work / "exchange"
    inbound = exchange / "nnfs" / "inbound"
    inbound.mkdir(parents=True)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    course = [sys.executable, "-m", "autograder.cli"]
    subprocess.run([*course, "nbgrader", "init", str(course_dir)], cwd=REPO, env=env, check=True,
                   capture_output=True)
    subs = make_class(work / "class", ID, MODULE, n)
    log = course_dir / "serve" / "state" / "serve.log"
    service = subprocess.Popen([*course, "serve", str(course_dir), "--exchange", str(exchange), "--jobs", "2",
                                "--quiet"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not (log.is_file() and "serving" in log.read_text()):
            if service.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"course serve did not start:\n{service.stderr.read().decode()[-3000:]}")
            time.sleep(0.05)
        idle = []  # one at a time first: the service's own overhead, no queue
        for student in sorted(p.name for p in subs.iterdir())[:3]:
            feedback, arrived = _submit(inbound, work / "staging", f"idle{student}", subs / student / ID / MODULE)
            while not feedback.exists():
                if time.perf_counter() - arrived > 60:
                    raise SystemExit("no feedback within 60 s of a single submission")
                time.sleep(0.005)
            idle.append(time.perf_counter() - arrived)
        waits = {}
        for student in sorted(p.name for p in subs.iterdir()):
            waits[student] = _submit(inbound, work / "staging", student, subs / student / ID / MODULE)
        latency = {}
        deadline = time.monotonic() + 60 + 5 * n
        while len(latency) < n:
            now = time.perf_counter()
            for student, (feedback, arrived) in waits.items():
                if student not in latency and feedback.exists():
                    latency[student] = now - arrived
            if time.monotonic() > deadline:
                raise SystemExit(f"only {len(latency)} of {n} feedback files after the deadline")
            time.sleep(0.01)
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=60)
    graded = course_dir / "serve" / "graded"
    engine = statistics.median(json.loads((graded / s / ID / "results.json").read_text())["execution_time"]
                               for s in latency)
    median, worst = statistics.median(latency.values()), max(latency.values())
    return {"serve_engine_s_per_submission": engine,
            "serve_idle_feedback_s": statistics.median(idle), "serve_idle_over_engine": statistics.median(idle) / engine,
            "serve_burst_submissions": n, "serve_feedback_median_s": median, "serve_feedback_worst_s": worst,
            "serve_median_over_engine": median / engine, "serve_worst_over_engine": worst / engine,
            # a burst drains no faster than n x the engine's time / 2 jobs: how close the worst wait comes to it
            "serve_worst_over_drain": worst / (n * engine / 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=30)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnfs-bench-serve-") as tmp:
        found = figures(Path(tmp), args.n)
    print(json.dumps(found, indent=2))
    if args.json:
        args.json.write_text(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
