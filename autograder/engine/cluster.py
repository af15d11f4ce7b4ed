"""Grading on a Dask distributed cluster: one task per submission, results back to the client.

``course grade --scheduler ADDRESS`` sends a batch to a running scheduler
(``dask scheduler``, a dask-jobqueue cluster, ...), over TLS when the address
is tls:// (certificates from cluster_tls.py; docs/cluster.md). Every worker
grades with the same engine as a local batch: grade_submission() with its
sandboxed child, each submission in a fresh process of its own (python -m
autograder.engine.cluster, a subreaper), so the worker process never imports
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

Only the client writes results, as each task finishes; workers write nothing.
An interrupted run (Ctrl-C, a lost client) keeps every result written and
resumes like a local one. A worker that dies mid-task costs nothing: the
scheduler runs its tasks again elsewhere, and each result is delivered once.

grade_on_cluster() is the generic part (tasks in, one callback per result or
failure); grade_students_on_cluster() is the glue for a class.
"""
import hashlib
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
    student's: a new Python process (python -m autograder.engine.cluster)
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
    with _worker_state["lock"]:  # one grading per worker at a time, whatever its thread count
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
        process = subprocess.Popen([sys.executable, "-m", "autograder.engine.cluster", str(write_end)],
                                   stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, pass_fds=(write_end,),
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
    sweep_orphans()  # what the sandboxes of killed grading processes (or workers) left
    course, assignment, student, folder, mode = pickle.loads(sys.stdin.buffer.read())
    try:
        outcome = ("result", grade_submission(course, assignment, student, folder, None, mode))
    except GradingError as exc:
        outcome = ("grading_error", str(exc))
    with os.fdopen(result_fd, "wb") as out:
        out.write(pickle.dumps(outcome))


# ------------------------------------------------------------------ on the client

def _log(message: str):
    print(message, file=sys.stderr, flush=True)


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
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise GradingError(f"--scheduler needs Dask ({exc}): pip install 'nnfs-course[cluster]'") from None
    from .cluster_tls import ENV, security

    reports: dict[str, dict] = {}
    try:
        secured = security()
        if not address.startswith("tls://"):
            log(f"warning: {address} is not a TLS address: anyone who reaches the scheduler can run code on its "
                f"workers. Secure it: `course cluster certs DIR`, then ${ENV}=DIR and tls:// (docs/cluster.md)")
        client = Client(address, timeout=connect_seconds, set_as_default=False, security=secured)
    except (OSError, TimeoutError, ValueError) as exc:
        raise GradingError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:

        run_id = uuid.uuid4().hex[:8]
        resource = RESOURCE_PREFIX + run_id

        def probe_new_workers(tasks_waiting: bool = True) -> set[str]:
            """Probe the workers not probed before, and those restarted (a nanny's new worker process keeps
            its name, and its address when the port is fixed, but not the run's resource); return the
            addresses of live usable workers. tasks_waiting: tasks were submitted, so those waiting are
            offered to the workers just marked usable."""
            workers = client.scheduler_info()["workers"]
            new = sorted(worker for worker, info in workers.items()
                         if worker not in reports
                         or (reports[worker].get("usable") and resource not in (info.get("resources") or {})))
            if new:
                answers = client.run(_probe_and_mark, probe, probe_args, resource, workers=new, on_error="return")
                for worker in new:
                    answer = answers.get(worker)
                    if isinstance(answer, BaseException) or answer is None:
                        answer = {"usable": False, "problem": f"the probe failed: {answer!r}"}
                    reports[worker] = answer
                    if not answer.get("usable"):
                        log(f"worker {worker} is not used: {answer.get('problem')}")
                marked = [worker for worker in new if reports[worker].get("usable")]
                if marked and tasks_waiting:
                    client.run_on_scheduler(_offer_waiting_tasks, marked)
            return {worker for worker, info in workers.items() if reports[worker].get("usable")
                    and (worker in new or resource in (info.get("resources") or {}))}

        usable = probe_new_workers(tasks_waiting=False)
        if not usable:
            raise NoUsableWorker(f"no worker of the Dask scheduler at {address} can grade"
                                 + ("" if reports else ": none is connected"))
        pending = {client.submit(fn, *args, key=f"grade-{run_id}-{key}", resources={resource: 1}, pure=False): key
                   for key, fn, args in tasks}
        finished = as_completed(list(pending), loop=client.loop)  # yields each future once, as it finishes (or fails)
        waiting_since, probed_at = None, time.monotonic()
        try:
            while pending:
                done = finished.next_batch(block=False)
                if not done:
                    time.sleep(0.02)
                for future in done:
                    key = pending.pop(future, None)
                    if key is None:  # cancelled below, already reported
                        continue
                    if future.status == "finished":
                        on_result(key, future.result())
                    else:
                        on_failure(key, future.exception() if future.status == "error"
                                   else RuntimeError(f"the task was {future.status}"))
                    future.release()
                if not pending or time.monotonic() - probed_at < POLL_SECONDS:
                    continue
                usable, probed_at = probe_new_workers(), time.monotonic()  # workers that joined or restarted
                if usable:
                    waiting_since = None
                elif waiting_since is None:
                    waiting_since = time.monotonic()
                    log(f"waiting: no usable worker is connected to {address}; {len(pending)} task(s) left")
                elif time.monotonic() - waiting_since > idle_seconds:
                    for future, key in list(pending.items()):
                        del pending[future]
                        future.cancel()
                        on_failure(key, NoUsableWorker(f"no usable worker for {idle_seconds:g} s"))
        finally:
            for future in pending:
                future.cancel()
    return reports


def grade_students_on_cluster(address: str, course, assignment, submissions: Path, out_dir: Path,
                              students: list[str], on_graded: Callable[[str, dict], None]) -> dict[str, str]:
    """Grade students on the cluster; on_graded(student, results) for each, in the client.

    Returns {student: reason} for the students that could not be graded. A
    GradingError from a worker (graders that do not run, points that do not
    add up) stops the batch, as it does locally.
    """
    failures: dict[str, str] = {}

    def on_failure(student, error):
        if isinstance(error, GradingError):
            raise error
        failures[student] = f"{type(error).__name__}: {error}"
        _log(f"error: grading {student} failed: {failures[student]}")

    fingerprint = code_fingerprint(str(course.root))
    reports = grade_on_cluster(
        address, [(s, grade_student, (course, assignment, s, submissions, out_dir)) for s in students],
        on_graded, on_failure, probe=worker_probe,
        probe_args=(str(course.root), str(submissions), fingerprint, str(out_dir)))
    modes = sorted({r["isolation"] for r in reports.values() if r.get("usable")})
    _log(f"graded on {sum(r.get('usable', False) for r in reports.values())} worker(s) of {address} "
         f"(isolation: {', '.join(modes)}); {sum(not r.get('usable') for r in reports.values())} not used")
    return failures


if __name__ == "__main__":
    _fresh_process_main(int(sys.argv[1]))
