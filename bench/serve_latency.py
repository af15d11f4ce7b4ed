"""How long a student waits: `course serve`'s time from `nbgrader submit` to the feedback on disk.

The repo's course as an nbgrader course (`course nbgrader init`, `nbgrader
generate_assignment`, the assignment released) on a temporary exchange,
`course serve --jobs 2` running. Each submission goes through nbgrader
itself: its ExchangeSubmit app (what `nbgrader submit` runs), in this
process, from a student's home fetched with ExchangeFetchAssignment. A
submission's time runs from the start of that submit call to its feedback
file in feedback/ (named by nbgrader's hash, where `nbgrader fetch_feedback`
looks for it). First a few submissions one at a time (idle: the service's
own overhead, no queue), then a burst of N (median and worst).

The engine's own time per submission is measured alone, after the service
has stopped: the same submissions graded by `course grade --jobs 1`, the
median of their results' execution_time. The ratios are to it.

    python -m bench.serve_latency [N] [--idle K] [--json FILE]    # N = 30, K = 3 by default
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.run import REPO, make_class

ID, MODULE, COURSE_ID = "01_neuron", "neuron.py", "nnfs"
START_SECONDS, IDLE_SECONDS = 120, 60


def _env() -> dict:
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def _exchange_app(name: str, exchange: Path, root: Path | None = None, student: str = "",
                  home: Path | None = None):
    """One of nbgrader's exchange operations (what its command runs), ready to start in this process."""
    import nbgrader.exchange.default as default
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    c = Config()
    c.CourseDirectory.course_id, c.CourseDirectory.assignment_id = COURSE_ID, ID
    if root is not None:
        c.CourseDirectory.root = str(root)
    if student:
        c.CourseDirectory.student_id = student
    c.Exchange.root = str(exchange)
    if home is not None:
        c.Exchange.assignment_dir, c.Exchange.cache = str(home), str(home / ".cache")
    return getattr(default, name)(coursedir=CourseDirectory(config=c), authenticator=Authenticator(config=c), config=c)


class Student:
    """A student's home with the released assignment in it (fetched as nbgrader's fetch_assignment does)."""

    def __init__(self, work: Path, exchange: Path, name: str, module: Path):
        self.exchange, self.name = exchange, name
        self.home = work / "home" / name
        self.home.mkdir(parents=True)
        _exchange_app("ExchangeFetchAssignment", exchange, home=self.home).start()
        shutil.copyfile(module, self.home / ID / MODULE)

    def submit(self) -> tuple[Path, float]:
        """`nbgrader submit` in this process: (the feedback file it will get, the moment the call started)."""
        from nbgrader.utils import notebook_hash

        app = _exchange_app("ExchangeSubmit", self.exchange, student=self.name, home=self.home)
        started = time.perf_counter()
        app.start()
        cached = list((self.home / ".cache" / COURSE_ID).glob(f"{self.name}+{ID}+*"))
        if len(cached) != 1:
            raise SystemExit(f"{self.name}: nbgrader submit left {len(cached)} submission(s) in the cache, not 1")
        secret = (cached[0] / "submission_secret.txt").read_text()
        return self.exchange / COURSE_ID / "feedback" / (notebook_hash(secret=secret, notebook_id=ID) + ".html"), started


def _wait(pending: dict, service: subprocess.Popen, seconds: float) -> dict:
    """{name: seconds from its submit call to its feedback file} once every file of pending is there."""
    waited, deadline = {}, time.monotonic() + seconds
    while len(waited) < len(pending):
        now = time.perf_counter()
        for name, (feedback, started) in pending.items():
            if name not in waited and feedback.exists():
                waited[name] = now - started
        if service.poll() is not None:
            raise SystemExit(f"course serve stopped:\n{service.stderr.read().decode()[-3000:]}")
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(waited)} of {len(pending)} feedback files within {seconds:g} s")
        time.sleep(0.005)
    return waited


def _setup(work: Path) -> tuple[Path, Path]:
    """The nbgrader course with 01_neuron generated and released on a fresh exchange: (course dir, exchange)."""
    course_dir, exchange = work / "nbgrader", work / "exchange"
    (exchange / COURSE_ID / "inbound").mkdir(parents=True)
    course = [sys.executable, "-m", "autograder.cli"]
    subprocess.run([*course, "nbgrader", "init", str(course_dir)], cwd=REPO, env=_env(), check=True,
                   capture_output=True)
    config = course_dir / "nbgrader_config.py"
    config.write_text(config.read_text() + f"c.Exchange.root = {str(exchange)!r}\n")
    done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ID], cwd=course_dir, env=_env(),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"nbgrader generate_assignment failed:\n{done.stderr[-3000:]}")
    _exchange_app("ExchangeReleaseAssignment", exchange, root=course_dir).start()
    return course_dir, exchange


def engine_seconds(subs: Path, out: Path) -> float:
    """The engine's own time per submission, alone: `course grade --jobs 1` of subs, median execution_time."""
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "--assignment", ID, str(subs), "--out",
                           str(out), "--jobs", "1", "--quiet"], cwd=REPO, env=_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"course grade failed:\n{done.stderr[-3000:]}")
    return statistics.median(json.loads(p.read_text())["execution_time"] for p in out.glob(f"*/{ID}/results.json"))


def figures(work: Path, n: int = 30, idle_count: int = 3) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    course_dir, exchange = _setup(work)
    subs = make_class(work / "class", ID, MODULE, n)
    names = sorted(p.name for p in subs.iterdir())
    idle_students = [Student(work, exchange, f"idle{name}", subs / name / ID / MODULE) for name in names[:idle_count]]
    burst_students = [Student(work, exchange, name, subs / name / ID / MODULE) for name in names]
    log = course_dir / "serve" / "state" / "serve.log"
    service = subprocess.Popen([sys.executable, "-m", "autograder.cli", "serve", str(course_dir), "--exchange",
                                str(exchange), "--jobs", "2", "--quiet"], cwd=REPO, env=_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not (log.is_file() and "serving" in log.read_text()):
            if service.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"course serve did not start:\n{service.stderr.read().decode()[-3000:]}")
            time.sleep(0.05)
        idle = []  # one at a time first: the service's own overhead, no queue
        for student in idle_students:
            idle += _wait({student.name: student.submit()}, service, IDLE_SECONDS).values()
        pending = {student.name: student.submit() for student in burst_students}
        burst = _wait(pending, service, 60 + 5 * n)
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout=60)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
    engine = engine_seconds(subs, work / "engine")
    idle_s, median, worst = statistics.median(idle), statistics.median(burst.values()), max(burst.values())
    return {"serve_engine_s_per_submission": engine,
            "serve_idle_submissions": len(idle), "serve_idle_feedback_s": idle_s,
            "serve_idle_over_engine": idle_s / engine,
            "serve_burst_submissions": n, "serve_feedback_median_s": median, "serve_feedback_worst_s": worst,
            "serve_median_over_engine": median / engine, "serve_worst_over_engine": worst / engine,
            # a burst drains no faster than n x the engine's time / 2 jobs: how close the worst wait comes to it
            "serve_worst_over_drain": worst / (n * engine / 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=30, help="submissions in the burst")
    parser.add_argument("--idle", type=int, default=3, help="submissions one at a time before the burst")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if args.n < 1 or args.idle < 1:
        parser.error("N and --idle must be at least 1")
    with tempfile.TemporaryDirectory(prefix="nnfs-bench-serve-") as tmp:
        found = figures(Path(tmp), args.n, args.idle)
    print(json.dumps(found, indent=2))
    if args.json:
        args.json.write_text(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
