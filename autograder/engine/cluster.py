"""Grading on a Dask distributed cluster: one task per submission, results back to the client.

``course grade --scheduler ADDRESS`` sends a batch to a running scheduler
(``dask scheduler``, a dask-jobqueue cluster, ...), over TLS when the address
is tls:// (certificates from cluster_tls.py; docs/cluster.md). Every worker
grades with the same engine as a local batch: grade_submission() with its
sandboxed child, each submission in a fresh process of its own (python -I,
in /, a subreaper), so the worker process never imports
or runs anything of a student's. Before a worker gets a submission it is
probed (worker_probe, on the worker): it must isolate student code as local
grading would for the same folders (isolation_mode() with the graders, the
reference, the submissions and the output folder protected, and no network
for student code; never "none" or the trusted mode), see the course and
submissions at the client's paths (a shared file system) and run the same
graders, reference and Python as the client (a fingerprint). A worker that fails is reported and
gets no task; a worker that joins later (or restarts) is probed when it
appears. Usable workers are marked with a Dask resource named after the run,
``course-sandbox-<run id> = 1``, and every task of the run asks for it, so a
worker grades one submission of a run at a time (pytest is not thread-safe;
a lock also keeps concurrent runs apart) and no unprobed worker gets one.

Every worker sweeps its own host, at its start (a worker plugin the client
gives the scheduler, cluster_sweep.py) and before each task: what grading
processes that are gone left there (their run folders, their cgroups), so no
host relies on the client's or another worker's.

Only the client writes results, as each task finishes; workers write nothing.
An interrupted run (Ctrl-C, a lost client) keeps every result written and
resumes like a local one. A worker that dies mid-task costs nothing: the
scheduler runs its tasks again elsewhere, and each result is delivered once.

grade_on_cluster() is the generic part (tasks in, one callback per result or
failure); batch.ClusterWorkers is the glue for a class, behind the same run()
as the local workers.
"""
import hashlib
import logging
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

from .errors import GradingError

RESOURCE_PREFIX = "course-sandbox-"
POLL_SECONDS = 1.0


class NoUsableWorker(GradingError):
    """The scheduler has no worker that may grade (none connected, or none passed the probe)."""


class WorkerCannotGrade(RuntimeError):
    """Raised in a task on a worker that turns out unable to grade (isolation lost, folder unseen)."""


# ------------------------------------------------------------------ on the workers

_worker_state = {"lock": threading.Lock()}
TRUSTED = "trusted-submissions-no-sandbox"
RESULT_LIMIT_BYTES = 64 * 2**20  # a pickled result from the grading process: far larger than any real one
# The fresh grading process: isolated mode (-I: neither its working folder nor $PYTHONPATH on sys.path,
# where a student may have written an autograder/), the engine imported from where this one lives.
FRESH_PROCESS = ("import sys; sys.path.insert(0, sys.argv[1]); "
                 "from autograder.engine.cluster import {main}; {main}(int(sys.argv[2]))")


def can_isolate(mode: str) -> bool:
    """Whether an isolation mode keeps student code away from the grader ("none" and the trusted mode do not)."""
    return bool(mode) and mode not in ("none", TRUSTED)


def protected_paths(course_root: str, submissions: str, out_dir: str | None) -> tuple[str, ...]:
    """What student code must not read on a worker: the list local grading protects (jail/protected.py)."""
    from .jail.protected import protected_paths as the_list
    return the_list(course_root, submissions, out_dir)


def _worker_isolation(protected: tuple[str, ...]) -> tuple[str, str]:
    """(this worker's isolation mode for these protected paths, why "none" when none is safe).

    The same probe and the same rule as local grading (sandbox.isolation_mode):
    a mode is used only if, tried for real here, student code cannot read any
    protected path and cannot reach the network. Probed once per set of paths."""
    from .sandbox import isolation_mode
    try:
        return isolation_mode(protected=protected), ""
    except GradingError as exc:
        return "none", str(exc)[:600]


def code_fingerprint(course_root: str) -> str:
    """sha256 of what decides a grade besides the submission: the engine and graders
    (this autograder package and the course's graders/), the course's solutions/ and assignments/, Python's
    and numpy's versions. Equal on client and worker, or the worker is not used."""
    import numpy

    digest = hashlib.sha256(f"{sys.version_info[:3]} numpy {numpy.__version__}\n".encode())
    package = Path(__file__).resolve().parent.parent
    root = Path(course_root)
    for base, folder in ((package, package), *((root, root / name) for name in ("graders", "solutions", "assignments"))):
        for path in sorted(folder.rglob("*.py")):
            if "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(base)}\n".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def worker_probe(course_root: str, submissions: str, fingerprint: str, out_dir: str | None = None) -> dict:
    """On a worker: {"usable": bool, "isolation": mode, "problem": why not usable or None}."""
    problem, mode = None, "none"
    if not (Path(course_root) / "course.toml").is_file():
        problem = f"does not see the course folder {course_root} (it must be at the same path on every worker)"
    elif not Path(submissions).is_dir():
        problem = f"does not see the submissions folder {submissions} (a shared file system is needed)"
    else:
        mode, why = _worker_isolation(protected_paths(course_root, submissions, out_dir))
        if not can_isolate(mode):
            problem = f"cannot isolate student code (isolation mode {mode!r}: {why or 'trusted submissions only'})"
        else:
            theirs = code_fingerprint(course_root)
            if theirs != fingerprint:
                problem = (f"runs other code than the client (fingerprint {theirs[:12]} != {fingerprint[:12]}): "
                           "install the same course and virtualenv on every worker")
    return {"usable": problem is None, "isolation": mode, "problem": problem}


async def _probe_and_mark(probe, probe_args, resource, dask_worker=None):
    """client.run() target: probe this worker; if usable, give it the resource tasks ask for.

    A usable worker's statistical profiler is stopped: sampling every thread's
    stack each 10 ms doubled the time of grading a submission (measured), and
    it only feeds the dashboard's profile plot.
    """
    report = probe(*probe_args)
    if report.get("usable"):
        for name in ("profile", "profile-cycle"):
            callback = dask_worker.periodic_callbacks.get(name)
            if callback is not None:
                callback.stop()
        await dask_worker.set_resources(**{resource: 1})
    return report


def _offer_waiting_tasks(workers: list[str], dask_scheduler=None) -> int:
    """client.run_on_scheduler() target: give the tasks that wait for a usable worker ("no-worker") to
    these workers, just given the run's resource; return how many were offered.

    The scheduler does this itself when a worker joins, but not when a worker's
    resources change: a task whose worker died (and was restarted by its
    nanny, then probed and marked) would wait forever. This is the scheduler's
    own step for a joining worker (distributed is pinned in pyproject.toml)."""
    offered = 0
    for address in workers:
        state = dask_scheduler.workers.get(address)
        if state is not None:
            recommendations = dask_scheduler.bulk_schedule_unrunnable_after_adding_worker(state)
            offered += len(recommendations)
            dask_scheduler.transitions(recommendations, f"course-sandbox-marked-{time.time()}")
    return offered


def grade_student(course, assignment, student: str, submissions: Path, out_dir: Path | None) -> dict:
    """A task: grade one student on this worker, in a fresh process; return its result (written by the client).

    The worker process itself never imports or runs anything of the
    student's: a new Python process (FRESH_PROCESS)
    grades the submission and ends, so nothing one student does (to the
    grader's own state, its modules, its temporary files) reaches the next.
    """
    folder = submissions / student
    if not folder.is_dir():  # the client saw it: a worker that does not must not grade "no submission"
        raise WorkerCannotGrade(f"this worker does not see {folder}")
    mode, why = _worker_isolation(protected_paths(str(course.root), str(submissions), out_dir and str(out_dir)))
    if not can_isolate(mode):
        raise WorkerCannotGrade(f"this worker cannot isolate student code (isolation mode {mode!r}: {why})")
    from ..extensions import worker_deadline_seconds
    from .cluster_sweep import sweep_host
    with _worker_state["lock"]:  # one grading per worker at a time, whatever its thread count
        sweep_host()  # what a killed grading process left (a restarted worker's, or one of another worker here)
        return _grade_in_fresh_process((course, assignment, student, folder / assignment.id, mode),
                                       worker_deadline_seconds(course, assignment, student))


def _grade_in_fresh_process(task: tuple, seconds: float):
    """Run _fresh_process_main on task in a new Python; its SubmissionResult, or its GradingError raised."""
    import pickle
    import select
    import subprocess

    from .launchers import die_with_parent
    from .sandbox import wait_exit

    read_end, write_end = os.pipe()
    try:
        package_parent = str(Path(__file__).resolve().parents[2])
        process = subprocess.Popen([sys.executable, "-I", "-c", FRESH_PROCESS.format(main=_fresh_process_main.__name__),
                                    package_parent, str(write_end)],
                                   cwd="/", stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, pass_fds=(write_end,),
                                   preexec_fn=die_with_parent)  # dies with this worker, its sandbox with it
    finally:
        os.close(write_end)
    try:
        process.stdin.write(pickle.dumps(task))
        process.stdin.close()
        data, deadline = bytearray(), time.monotonic() + seconds
        while len(data) <= RESULT_LIMIT_BYTES:
            if not select.select([read_end], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise WorkerCannotGrade(f"the grading process ran past {seconds:g} s")
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            data += chunk
        wait_exit(process, 30)
    finally:
        os.close(read_end)
        if process.returncode is None:
            process.kill()
            process.wait()
    if not data or len(data) > RESULT_LIMIT_BYTES:
        raise WorkerCannotGrade(f"the grading process gave no result (exit status {process.returncode})")
    kind, value = pickle.loads(bytes(data))  # written by the engine's own process, never by student code
    if kind == "grading_error":
        raise GradingError(value)
    return value


def _fresh_process_main(result_fd: int):
    """In the fresh grading process: read the task from stdin, grade, write the pickled outcome to result_fd.

    Its temporary files all live in its own folder (jail/own_tmp.py), removed
    when it ends, or by the next grading process if it is killed."""
    import pickle
    import tempfile

    from .grade import grade_submission
    from .jail import own_tmp
    from .jail.cleanup import sweep_orphans
    from .sandbox import become_subreaper

    tempfile.tempdir = str(own_tmp.root())
    become_subreaper()
    course, assignment, student, folder, mode = pickle.loads(sys.stdin.buffer.read())
    try:
        sweep_orphans()  # what the sandboxes of killed grading processes (or workers) left; HostLeftDirty
        outcome = ("result", grade_submission(course, assignment, student, folder, None, mode))
    except GradingError as exc:
        outcome = ("grading_error", str(exc))
    with os.fdopen(result_fd, "wb") as out:
        out.write(pickle.dumps(outcome))


# ------------------------------------------------------------------ on the client

def _log(message: str):
    """The default log of grade_on_cluster: the course logger (a warning or an error as such, else progress)."""
    level = logging.WARNING if message.startswith(("warning:", "error:")) else logging.INFO
    logging.getLogger("course.cluster").log(level, message)


def grade_on_cluster(address: str, tasks: list[tuple[str, Callable, tuple]],
                     on_result: Callable[[str, object], None], on_failure: Callable[[str, BaseException], None],
                     *, probe: Callable[..., dict], probe_args: tuple = (), idle_seconds: float = 600.0,
                     connect_seconds: float = 10.0, log: Callable[[str], None] = _log) -> dict[str, dict]:
    """Run each (key, fn, args) as one Dask task on the scheduler at address.

    probe(*probe_args) runs on every worker (now, and on any that joins later)
    and returns {"usable": bool, "problem": str | None, ...}; only usable
    workers get tasks, the others are logged. on_result(key, fn(*args)) and
    on_failure(key, exception) are called in this thread, once per key, as
    tasks finish; an exception raised by a callback cancels the rest and
    propagates. Tasks still waiting after idle_seconds without any usable
    worker fail. Raises NoUsableWorker when no worker is usable at the start.
    Returns every probed worker's report, by address.
    """
    client = _connect(address, connect_seconds, log)
    with client:
        _sweep_at_every_start(client, log)
        workers = _ProbedWorkers(client, probe, probe_args, log)
        if not workers.refresh(tasks_waiting=False):
            raise NoUsableWorker(f"no worker of the Dask scheduler at {address} can grade"
                                 + ("" if workers.reports else ": none is connected"))
        pending = {client.submit(fn, *args, key=f"grade-{workers.run_id}-{key}", resources={workers.resource: 1},
                                 pure=False): key
                   for key, fn, args in tasks}
        try:
            _Collection(client, pending, workers, on_result, on_failure, idle_seconds,
                        lambda: log(f"waiting: no usable worker is connected to {address}; "
                                    f"{len(pending)} task(s) left")).run()
        finally:
            for future in pending:
                future.cancel()
    return workers.reports


def _connect(address: str, connect_seconds: float, log: Callable[[str], None]):
    """A Dask client of the scheduler at address (TLS when the address is tls://; a warning otherwise)."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise GradingError(f"--scheduler needs Dask ({exc}): pip install 'nnfs-course[cluster]'") from None
    from .cluster_tls import ENV, client_security

    secured = client_security(address)  # a tls:// address without certificates is refused before connecting
    if not address.startswith("tls://"):
        log(f"warning: {address} is not a TLS address: anyone who reaches the scheduler can run code on its "
            f"workers. Secure it: `course cluster certs DIR`, then ${ENV}=DIR and tls:// (docs/cluster.md)")
    try:
        return Client(address, timeout=connect_seconds, set_as_default=False, security=secured)
    except (OSError, TimeoutError, ValueError, TypeError, RuntimeError) as exc:  # distributed's own complaints too
        raise GradingError(f"cannot reach the Dask scheduler at {address}: {type(exc).__name__}: {exc}") from None


def _sweep_at_every_start(client, log: Callable[[str], None]):
    """Give the scheduler the plugin with which every worker, now and whenever one starts, sweeps its host."""
    from .cluster_sweep import NAME, SweepAtStart

    try:
        client.register_plugin(SweepAtStart(), name=NAME)
    except Exception as exc:  # noqa: BLE001 (a worker that cannot run it is refused by the probe anyway)
        log(f"warning: not every worker sweeps its host at its start ({type(exc).__name__}: {exc}); "
            "each still sweeps before it grades")


class _ProbedWorkers:
    """The scheduler's workers as this run knows them: each probed once (again after a restart), the usable
    ones marked with the run's resource (RESOURCE_PREFIX + run_id) that its tasks ask for."""

    def __init__(self, client, probe: Callable[..., dict], probe_args: tuple, log: Callable[[str], None]):
        self.client, self.probe, self.probe_args, self.log = client, probe, probe_args, log
        self.run_id = uuid.uuid4().hex[:8]
        self.resource = RESOURCE_PREFIX + self.run_id
        self.reports: dict[str, dict] = {}  # address -> the probe's report

    def refresh(self, tasks_waiting: bool = True) -> set[str]:
        """Probe the workers not probed before, and those restarted (a nanny's new worker process keeps
        its name, and its address when the port is fixed, but not the run's resource); return the
        addresses of live usable workers. tasks_waiting: tasks were submitted, so those waiting are
        offered to the workers just marked usable."""
        workers = self.client.scheduler_info()["workers"]
        new = sorted(worker for worker, info in workers.items()
                     if worker not in self.reports
                     or (self.reports[worker].get("usable") and not self._marked(info)))
        if new:
            self._probe(new)
            marked = [worker for worker in new if self.reports[worker].get("usable")]
            if marked and tasks_waiting:
                self.client.run_on_scheduler(_offer_waiting_tasks, marked)
        return {worker for worker, info in workers.items() if self.reports[worker].get("usable")
                and (worker in new or self._marked(info))}

    def _marked(self, info: dict) -> bool:
        return self.resource in (info.get("resources") or {})

    def _probe(self, new: list[str]):
        answers = self.client.run(_probe_and_mark, self.probe, self.probe_args, self.resource, workers=new,
                                  on_error="return")
        for worker in new:
            answer = answers.get(worker)
            if isinstance(answer, BaseException) or answer is None:
                answer = {"usable": False, "problem": f"the probe failed: {answer!r}"}
            self.reports[worker] = answer
            if not answer.get("usable"):
                self.log(f"worker {worker} is not used: {answer.get('problem')}")


class _Collection:
    """Until no task is pending (future -> key): each finished one delivered once, workers that joined or
    restarted probed every POLL_SECONDS, and every task failed once none is usable for idle_seconds."""

    def __init__(self, client, pending: dict, workers: _ProbedWorkers, on_result, on_failure, idle_seconds: float,
                 say_waiting: Callable[[], None]):
        from distributed import as_completed

        self.pending, self.workers, self.on_result, self.on_failure = pending, workers, on_result, on_failure
        self.idle_seconds, self.say_waiting = idle_seconds, say_waiting
        self.finished = as_completed(list(pending), loop=client.loop)  # each future once, as it ends (or fails)
        self.waiting_since, self.probed_at = None, time.monotonic()

    def run(self):
        while self.pending:
            done = self.finished.next_batch(block=False)
            if not done:
                time.sleep(0.02)
            for future in done:
                self._deliver(future)
            if self.pending and time.monotonic() - self.probed_at >= POLL_SECONDS:
                self._probe_again()

    def _deliver(self, future):
        key = self.pending.pop(future, None)
        if key is None:  # cancelled, already reported
            return
        if future.status == "finished":
            self.on_result(key, future.result())
        else:
            self.on_failure(key, future.exception() if future.status == "error"
                            else RuntimeError(f"the task was {future.status}"))
        future.release()

    def _probe_again(self):
        usable, self.probed_at = self.workers.refresh(), time.monotonic()  # workers that joined or restarted
        if usable:
            self.waiting_since = None
        elif self.waiting_since is None:
            self.waiting_since = time.monotonic()
            self.say_waiting()
        elif time.monotonic() - self.waiting_since > self.idle_seconds:
            for future, key in list(self.pending.items()):
                del self.pending[future]
                future.cancel()
                self.on_failure(key, NoUsableWorker(f"no usable worker for {self.idle_seconds:g} s"))
