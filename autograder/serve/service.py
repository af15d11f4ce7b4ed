"""The service's loop: watch the exchange, take each submission, grade it, record it, write its feedback.

Files are watched with watchfiles (a change wakes the loop at once) and the
exchange is listed again every [serve] rescan_seconds anyway, so nothing is
missed across a restart or a lost event; the listing, the ledger and the
state folder (state.py) decide what is left to do, never memory. At most one
submission per student is in hand at a time, taken in arrival order; up to
--jobs are graded at once, each in a forked worker of its own (the engine's
batch worker: a crash or an endless grader costs that submission only, and
it is tried again), or on a Dask scheduler's workers. A burst waits as names
in inbound/ (read again at each scan), so memory does not grow with it.

Per submission: the private copy (intake.py) -> the limits (limits.py) ->
grading -> results/<id>.json -> the ledger row (why "submitted") -> the
feedback (feedback.py) in the exchange (exchange.py) and the state folder
-> done/<id>.json. A kill -9 between any two steps loses nothing and grades
nothing twice: a submission without a ledger row is graded again, one with
a row only gets its feedback written. A stop of the service (SIGTERM, kill -9)
while a submission is graded is not the submission's failure: its attempt is
not counted (state.py).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import logging
import logging.handlers
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from .. import extensions
from ..config import Assignment, Course
from ..engine import ledger as history
from ..engine.attention import reasons as attention_reasons
from ..engine.batch import ClusterWorkers, grade_in_worker, prepare_forked_grading, reap, received
from ..extensions import worker_deadline_seconds
from ..engine.fingerprint import Fingerprinter
from ..engine.model import NOT_GRADED, SubmissionResult
from ..engine.results import update_grades_row, write_submission_results
from ..primitives import atomic_write
from ..roster import ROSTER_FILE, Roster, RosterError, load_roster
from ..engine.launchers import die_with_parent
from ..engine.sandbox import isolation_mode, refuse_if_sandbox_can_write
from ..engine.text import clean
from ..student_ids import shown
from . import feedback as fb
from . import limits
from .exchange import (MAX_PENDING, Exchange, ExchangeError, Inbound, ensure_feedback_dir, feedback_names,
                       scan_inbound, utc, write_feedback_file)
from .intake import SECRET_FILE, take
from .state import RUN_PREFIX, State, record_key, recorded, submission_id
from ..errors import UserError

log = logging.getLogger("course")
QUIET_SECONDS = 10.0       # a folder without submission_secret.txt is taken once unchanged this long
LOG_BYTES, LOG_BACKUPS = 5 * 2**20, 3
MAX_NAMES_LOGGED = 1_000   # entries of inbound/ that are not submissions, named in the log once each; then counted
COUNT_TOLD_EVERY = 3600.0  # seconds: their growing count is logged at most this often (or when it doubles)


def user_name(uid: int) -> str:
    """The Unix user name of uid (the uid itself when it has no name)."""
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


class ServiceError(UserError):
    """The service cannot start (another one holds the state folder or the exchange, no exchange)."""


def _take_lock(path: Path, what: str) -> int:
    """An exclusive flock on path, holding "pid state-folder" of this service; ServiceError when another has it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ServiceError(f"{path}: cannot open the lock of {what} ({exc.strerror}); another user's "
                           "`course serve` may hold it") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 4096, 0).decode(errors="replace").strip().split(" ", 1)
        os.close(fd)
        pid, state = (holder + ["?", "?"])[:2] if holder and holder[0] else ("?", "?")
        raise ServiceError(f"another `course serve` (pid {pid}, state folder {state}) already serves {what} "
                           f"(lock {path}); stop it first, or use its state folder") from None
    return fd


def regrade(state_dir: Path, student: str, assignment: str) -> list[dict]:
    """Ask for the NOT GRADED submissions of student and assignment to be graded again; return their markers.

    The service (running or at its next start) takes them again, with fresh attempts; the new grade is a
    new row of the history (run "serve <id>#<n>"), the not-graded row stays. Graded ones are left alone.
    """
    state = State(state_dir)
    asked = state.regrades()
    chosen = {sid: m for sid, m in state.done().items()
              if m.get("student") == student and m.get("assignment") == assignment
              and m.get("outcome") == fb.NOT_GRADED}
    for sid in sorted(chosen):
        state.regrade(sid, asked.get(sid, 0) + 1)
    return list(chosen.values())


def configure_logging(log_file: Path, quiet: bool = False):
    """The `course` logger to log_file (rotated: at most LOG_BYTES x (1 + LOG_BACKUPS)) and to stderr."""
    log.setLevel(logging.INFO)
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()
    form = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S%z")
    to_file = logging.handlers.RotatingFileHandler(log_file, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS)
    to_file.setFormatter(form)
    log.addHandler(to_file)
    if not quiet:
        to_stderr = logging.StreamHandler(sys.stderr)
        to_stderr.setFormatter(form)
        log.addHandler(to_stderr)
    log.propagate = False


def _work_orphan_proof(conn, *args):
    """The engine's batch worker, killed with the service (a kill -9 leaves no grader behind)."""
    die_with_parent()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    grade_in_worker(conn, *args)


@dataclass
class Job:
    """One submission in hand."""
    sid: str
    inbound: Inbound
    assignment: Assignment
    submitted_at: dt.datetime
    due: dt.datetime | None
    names: list[str] = field(default_factory=list)     # feedback/<name> files for fetch_feedback
    notes: list[str] = field(default_factory=list)
    attempt: int = 0
    started: float = 0.0
    flags: list[str] = field(default_factory=list)      # for the instructor (the attention list)


class Service:
    """One course's feedback service on one exchange (see the module docstring)."""

    def __init__(self, course: Course, exchange: Exchange, out_dir: Path, state_dir: Path, jobs: int = 1,
                 scheduler: str | None = None):
        self.course, self.exchange, self.jobs, self.scheduler = course, exchange, max(1, jobs), scheduler
        self.out_dir, self.state = Path(out_dir).resolve(), State(state_dir)
        self.settings = course.serve
        self.assignments = {a.id: a for a in course.assignments}
        self.running: dict = {}          # conn -> (process, job, deadline)
        self.stopping = False
        self.dirty = True
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self.context = multiprocessing.get_context("fork")
        self.refused_names: set[str] = set()   # logged once each (at most MAX_NAMES_LOGGED)
        self.refused_told = 0                   # the largest count of non-submissions logged so far
        self.refused_told_at = -math.inf        # when (self.clock) it was logged: again once doubled or an hour on
        self.clock = time.monotonic
        self.beyond_told = 0
        self.max_pending = MAX_PENDING
        self.cluster_round: list[Job] = []
        self.recheck = False            # a folder nbgrader is still writing: look again in a second
        # this run of the service, written with each attempt: an attempt of an earlier run was cut short by a stop
        self.run_id = f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S.%fZ}-{os.getpid()}"
        self.regrades: dict[str, int] = {}
        self.roster: Roster = load_roster(course.root)  # a RosterError stops the start (file, line, field)
        self.roster_seen = self._roster_version()

    # -- the class list -----------------------------------------------------------
    def _roster_version(self) -> tuple | None:
        try:
            info = os.stat(self.course.root / ROSTER_FILE)
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size, info.st_ino

    def _on_roster(self, student: str) -> bool:
        """Whether student may be graded: always without roster.csv, else when on it (read again once changed;
        a roster.csv that cannot be read then keeps the one read before, with an error)."""
        version = self._roster_version()
        if version != self.roster_seen:
            self.roster_seen = version
            try:
                self.roster = load_roster(self.course.root)
                log.info("%s read again: %d student(s)", ROSTER_FILE, len(self.roster))
            except RosterError as exc:
                log.error("%s; the class list read before is kept", exc)
        return not len(self.roster) or student in self.roster

    # -- start and stop ---------------------------------------------------------
    def _lock(self):
        """One service per state folder, and one per exchange course (else both grade every submission)."""
        self._lock_fd = _take_lock(self.state.lock_file, f"the state folder {self.state.root}")
        try:
            ensure_feedback_dir(self.exchange)
            self._exchange_lock_fd = _take_lock(self.exchange.service_lock, f"the exchange {self.exchange.inbound}")
        except (ServiceError, OSError) as exc:
            os.close(self._lock_fd)
            if isinstance(exc, OSError):
                raise ServiceError(f"{self.exchange.feedback}: cannot be made ({exc.strerror}); the service "
                                   "writes the feedback there") from None
            raise
        holder = f"{os.getpid()} {self.state.root}\n".encode()
        for fd in (self._lock_fd, self._exchange_lock_fd):
            os.ftruncate(fd, 0)
            os.pwrite(fd, holder, 0)

    def start(self):
        """Everything grading needs, once, before any worker is forked; the record so far from disk."""
        self._lock()
        self.state.remove_half_written()
        if os.geteuid() == 0:
            log.warning("running as root: run `course serve` as the unprivileged course user (docs/serve.md)")
        extensions.load_terms(self.course.root, list(self.assignments))  # a bad row stops us now
        if self.scheduler is None:
            # the other students' submissions too: in the exchange (nbgrader makes inbound/ unlistable) and
            # the service's copies
            self.isolation = isolation_mode(protected=(self.state.root, self.out_dir, self.course.graders_dir,
                                                       self.course.root / "solutions", self.exchange.inbound))
            refuse_if_sandbox_can_write(self.isolation, self.exchange.inbound)
            prepare_forked_grading(self.course, self.course.assignments)
        else:
            self.isolation = "probed on each worker"
        self.fingerprinters = {a.id: Fingerprinter(self.course, a) for a in self.course.assignments}
        self.ledger = history.open_ledger(self.out_dir)
        self.done = self.state.done()
        self.regrades = self.state.regrades()
        self.recorded = recorded(self.ledger)
        log.info("serving %s (%s) from %s; isolation of student code: %s; %s; %s; results and grade history in %s",
                 self.course.name, self.course.id, self.exchange.inbound, self.isolation,
                 f"Dask scheduler {self.scheduler}" if self.scheduler else f"{self.jobs} job(s)",
                 limits.describe(self.settings), self.out_dir)
        for key in sorted(self.recorded):  # graded before a stop, feedback not yet written
            sid = key.split("#")[0]
            if sid not in self.done and key == self._key(sid):
                self._deliver_saved(sid)

    def _key(self, sid: str) -> str:
        return record_key(sid, self.regrades.get(sid, 0))

    def _read_regrades(self):
        """`course serve --regrade` while the service runs: those submissions are taken again."""
        for sid, times in self.state.regrades().items():
            if self.regrades.get(sid, 0) != times:
                self.regrades[sid] = times
                self.done.pop(sid, None)

    def stop(self, *_):
        self.stopping = True
        self._wake()

    def _wake(self):
        try:
            os.write(self._wake_w, b"!")
        except (BlockingIOError, OSError):
            pass

    def _watch(self, stop: threading.Event):
        from watchfiles import watch

        try:
            for _ in watch(self.exchange.inbound, stop_event=stop, debounce=100, step=50, rust_timeout=1000,
                           raise_interrupt=False):
                self.dirty = True
                self._wake()
        except Exception as exc:  # the rescans go on without it
            log.warning("watching %s stopped (%s); the exchange is still listed every %g s",
                        self.exchange.inbound, exc, self.settings.rescan_seconds)

    def run(self, once: bool = False):
        """Serve until SIGTERM/SIGINT (once: until everything in inbound/ now has its feedback)."""
        self.start()
        stop_watching = threading.Event()
        watcher = None
        if not once:
            watcher = threading.Thread(target=self._watch, args=(stop_watching,), daemon=True, name="watch")
            watcher.start()
        in_main = threading.current_thread() is threading.main_thread()
        previous = {s: signal.signal(s, self.stop) for s in (signal.SIGTERM, signal.SIGINT)} if in_main else {}
        try:
            self._loop(once)
        finally:
            stop_watching.set()
            for process, job, _ in self.running.values():  # not recorded: graded again at the next start
                process.kill()
                process.join(timeout=10)
                log.info("stopped while grading %s %s; it is graded at the next start",
                         job.inbound.student, job.assignment.id)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.ledger.close()
            if watcher is not None:
                watcher.join(timeout=5)
            for fd in (self._lock_fd, self._exchange_lock_fd, self._wake_r, self._wake_w):
                os.close(fd)
            log.info("stopped")

    def _loop(self, once: bool):
        """Scan the exchange when something changed or every rescan_seconds; wait for workers in between."""
        next_scan = 0.0
        while not self.stopping:
            now = time.monotonic()
            if self.dirty or now >= next_scan:
                next_scan = self._scan(now, once)
                if next_scan is None:
                    return
            self._wait(min(max(next_scan - time.monotonic(), 0.05), 1.0 if once else 5.0))

    def _scan(self, now: float, once: bool) -> float | None:
        """Take what is ready in the exchange; when to scan next (time.monotonic()), or None when once and
        nothing is left to do."""
        self.dirty, self.recheck = False, False
        next_scan = now + self.settings.rescan_seconds
        try:
            waiting = self._take_ready()
        except ExchangeError as exc:  # e.g. a network file system away for a moment
            log.error("%s; listing it again in %g s", exc, self.settings.rescan_seconds)
            waiting = 1
        if once and not waiting and not self.running:
            return None
        return min(next_scan, now + 1.0) if self.recheck else next_scan

    # -- what to do next ----------------------------------------------------------
    def _busy_students(self) -> set[str]:
        return {job.inbound.student for _, job, _ in self.running.values()}

    def _take_ready(self) -> int:
        """Take the next submission of every student who has one and none in hand; return how many wait."""
        self._read_regrades()
        listing = scan_inbound(self.exchange, self.assignments, finished=lambda name: submission_id(name) in self.done,
                               max_pending=self.max_pending)
        self._tell_listing(listing)
        busy = self._busy_students()
        waiting = listing.waiting_beyond
        for submission in listing.submissions:
            sid = submission_id(submission.name)
            if sid in self.done:
                continue
            if self._key(sid) in self.recorded:
                self._deliver_saved(sid)
                continue
            waiting += 1
            if submission.student in busy or len(self.running) >= self.jobs:
                busy.add(submission.student)
                continue
            if not self._complete(submission):
                busy.add(submission.student)  # the student's later submissions wait for this one
                continue
            busy.add(submission.student)
            try:
                self._begin(sid, submission)
            except Exception as exc:  # a fault with this one submission (an unreadable folder): never the service's end
                self._could_not_begin(sid, submission, exc)
        if self.scheduler is not None:
            self._run_cluster_round()
        return waiting

    def _tell_listing(self, listing):
        """Log each entry that is not a submission once (in this run), and what a listing left aside."""
        for name in sorted(listing.refused - self.refused_names):
            if len(self.refused_names) >= MAX_NAMES_LOGGED:
                break
            self.refused_names.add(name)
            log.warning("inbound/%s: not a submission (a link, a file, or a name that is not "
                        "<student>+<assignment>+<timestamp>); left alone", shown(name))
        count, now = listing.refused_count, self.clock()
        if count > max(self.refused_told, MAX_NAMES_LOGGED) and (
                count >= 2 * self.refused_told or now - self.refused_told_at >= COUNT_TOLD_EVERY):
            self.refused_told, self.refused_told_at = count, now
            log.warning("inbound/ holds %d entries that are not submissions (of %d listed); they are left alone, "
                        "and every submission among them is still found", listing.refused_count, listing.entries)
        if listing.waiting_beyond and listing.waiting_beyond != self.beyond_told:
            log.warning("%d submission(s) in inbound/ wait beyond the %d earliest kept per listing; they are taken "
                        "at a later scan, as earlier ones finish (course serve --status)", listing.waiting_beyond,
                        self.max_pending)
        self.beyond_told = listing.waiting_beyond

    def _complete(self, submission: Inbound) -> bool:
        """Whether nbgrader has finished writing the folder (its secret is written last), or it is quiet."""
        folder = submission.path(self.exchange)
        if os.path.lexists(folder / SECRET_FILE):
            return True
        try:
            changed = os.lstat(folder).st_ctime
        except OSError:
            return False
        if time.time() - changed >= QUIET_SECONDS:
            return True
        self.recheck = True
        return False

    def _could_not_begin(self, sid: str, submission: Inbound, exc: Exception):
        """Try again at the next scan; after [serve] attempts, record it as not graded (attention list)."""
        log.exception("%s: could not be taken", shown(submission.name))
        failures = self.state.fail_attempt(sid, self.run_id)
        if failures < self.settings.attempts:
            self.recheck = True
            return
        assignment = self.assignments[submission.assignment]
        job = Job(sid, submission, assignment, utc(submission.arrived),
                  extensions.due_date(self.course, assignment, submission.student), attempt=failures)
        self._record(job, self._not_graded(job, f"the service could not read the submission: {exc}"))

    def _begin(self, sid: str, submission: Inbound):
        """Take the private copy, apply the limits, and start grading (or deliver the reason why not)."""
        assignment = self.assignments[submission.assignment]
        due = extensions.due_date(self.course, assignment, submission.student)
        intake = take(self.exchange, assignment, submission, self.state.staging, due)
        names = list(feedback_names(self.course.id, submission, intake.secret, intake.notebooks).values())
        job = Job(sid, submission, assignment, intake.submitted_at, due, names, intake.notes, flags=intake.flags)
        for flag in intake.flags:
            log.warning("%s: %s", shown(submission.name), flag)
        if self.settings.check_owner and intake.owner_uid is not None:
            owner = user_name(intake.owner_uid)  # of the folder that was read (its descriptor), not of a path
            if owner != submission.student:
                why = (f"the submission's folder in the exchange belongs to Unix user {owner}, not to "
                       f"{submission.student}: not graded as {submission.student}'s, and not counted toward "
                       "their limits")
                log.error("%s: %s (on the --status error list)", shown(submission.name), why)
                self._deliver(job, fb.NOT_GRADED, None, why)
                return
        if not self._on_roster(submission.student):
            why = (f"{submission.student} is not on the course's class list ({ROSTER_FILE}): not graded and not "
                   "recorded; ask the instructor if this is your id")
            log.error("%s: %s (on the --status error list)", shown(submission.name), why)
            self._deliver(job, fb.NOT_GRADED, None, why)
            return
        if not names:
            log.warning("%s: no notebook in the submission; `nbgrader fetch_feedback` cannot find its feedback "
                        "(it is kept in %s)", shown(submission.name), self.state.feedback_dir(sid))
        graded_times = [dt.datetime.fromisoformat(m["submitted_at"]) for m in self.done.values()
                        if m.get("outcome") == fb.GRADED and m["student"] == submission.student
                        and m["assignment"] == assignment.id]
        verdict = limits.check(self.settings, intake.submitted_at, graded_times)
        if not verdict.allowed:
            log.info("%s %s: over the limit, not graded (%s)", submission.student, assignment.id,
                     verdict.next_at and f"next from {verdict.next_at:%H:%M:%S}")
            self._deliver(job, fb.LIMITED, None, verdict.message, graded_before=bool(graded_times))
            return
        if intake.refusal:
            self._record(job, self._not_graded(job, intake.refusal))
            return
        job.attempt = self.state.failures(sid) + 1
        cut_short = self.state.interrupted(sid, self.run_id)
        if cut_short:
            log.info("%s %s: grading was cut short by %d stop(s) of the service (not counted as attempts)",
                     submission.student, assignment.id, cut_short)
        self.state.start_attempt(sid, self.run_id)
        if self.scheduler is not None:
            job.started = time.monotonic()
            self.cluster_round.append(job)
            return
        receive, send = self.context.Pipe(duplex=False)
        process = self.context.Process(target=_work_orphan_proof, daemon=True, args=(
            send, self.course, assignment, submission.student, intake.folder, self.isolation,
            self.fingerprinters[assignment.id]))
        job.started = time.monotonic()
        process.start()
        send.close()
        deadline = job.started + worker_deadline_seconds(self.course, assignment, submission.student)
        self.running[receive] = (process, job, deadline)
        log.info("grading %s %s (submitted %s, attempt %d)", submission.student, assignment.id,
                 f"{intake.submitted_at:%Y-%m-%d %H:%M:%S %Z}", job.attempt)

    def _run_cluster_round(self):
        """The jobs taken in this scan, on the Dask scheduler's workers (the engine's cluster path)."""
        jobs, self.cluster_round = self.cluster_round, []
        if not jobs:
            return
        by_student = {job.inbound.student: job for job in jobs}
        by_student_assignment = {(j.inbound.student, j.assignment.id): j for j in jobs}

        def on_result(result):
            self._finished(by_student_assignment[(result.student, result.assignment)], result)

        def on_stop(student, message):
            job = by_student[student]
            self._finished(job, self._not_graded(job, f"grading could not run: {message}"))

        ClusterWorkers(self.scheduler, self.out_dir).run(
            self.course, self.state.staging, [(j.assignment, j.inbound.student) for j in jobs], self.isolation,
            on_result, on_stop)

    def _wait(self, timeout: float):
        """Wait up to timeout s for a worker's answer or a wake-up; settle each worker that answered, died or
        ran past its deadline."""
        ready = wait([*self.running, self._wake_r], timeout=timeout)
        if self._wake_r in ready:
            self._drain_wake_ups()
        now = time.monotonic()
        for conn in list(self.running):
            if conn in ready or now >= self.running[conn][2]:
                self._settle(conn, answered=conn in ready)

    def _drain_wake_ups(self):
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def _settle(self, conn, answered: bool):
        """The worker on conn has ended (answered: by answering or closing its pipe, else by running past its
        deadline): joined (killed if it sent nothing), its result or its failure recorded."""
        process, job, deadline = self.running.pop(conn)
        message = received(conn) if answered else None
        conn.close()
        if message is None:
            process.kill()
        reap(process)
        self.dirty = True  # a slot is free: the next submission may start
        if message is None:
            why = (f"the grading process ran past its {deadline - job.started:g} s" if not answered else
                   f"the grading process died (exit status {process.exitcode}: killed, perhaps out of memory, "
                   "or crashed)")
            self._finished(job, self._not_graded(job, why))
        elif message[0] == "result":
            self._finished(job, message[1])
        else:
            self._finished(job, self._not_graded(job, f"grading could not run: {message[1]}"))

    # -- results ---------------------------------------------------------------
    def _not_graded(self, job: Job, reason: str) -> SubmissionResult:
        return SubmissionResult(student=job.inbound.student, assignment=job.assignment.id, status=NOT_GRADED,
                                max_score=job.assignment.points, isolation=self.isolation,
                                reason=clean(reason, 500))

    def _finished(self, job: Job, result: SubmissionResult):
        seconds = time.monotonic() - job.started if job.started else 0.0
        if result.status == NOT_GRADED and self.stopping:  # e.g. Ctrl-C reached the worker too: not its fault
            log.info("%s %s: stopped while grading; it is graded at the next start", job.inbound.student,
                     job.assignment.id)
            return
        if result.status == NOT_GRADED:
            job.attempt = self.state.fail_attempt(job.sid, self.run_id)
        if result.status == NOT_GRADED and job.attempt < self.settings.attempts:
            log.warning("%s %s: not graded (%s); trying again (attempt %d of %d)", job.inbound.student,
                        job.assignment.id, result.reason, job.attempt + 1, self.settings.attempts)
            self.dirty = True  # not done: the next scan takes it again
            return
        log.info("graded %s %s: %s in %.2f s", job.inbound.student, job.assignment.id,
                 f"{result.score:g}/{result.max_score:g}" if result.graded else f"NOT GRADED: {result.reason}",
                 seconds)
        self._record(job, result)

    def _record(self, job: Job, result: SubmissionResult):
        """results/<id>.json, then the ledger row (the record), then the feedback."""
        if job.flags:
            result = dataclasses.replace(result, flags=(*result.flags, *job.flags))
        self.state.save_result(job.sid, {
            "result": result.to_gradescope(), "name": job.inbound.name, "student": job.inbound.student,
            "assignment": job.assignment.id, "submitted_at": job.submitted_at.isoformat(),
            "due": job.due.isoformat() if job.due else None, "names": job.names, "notes": job.notes})
        with self.ledger.exclusive():  # the override standing now (`course override` may have run since the start)
            override = self._override(result.student, result.assignment)
            write_submission_results(self.out_dir, result, override)
            self.ledger.record(result, history.SUBMITTED, RUN_PREFIX + self._key(job.sid))
            try:
                update_grades_row(self.out_dir, result, override, attention_reasons(result, override))
            except OSError as exc:
                log.warning("grades.csv not updated: %s", exc)
        self.recorded.add(self._key(job.sid))
        if not result.graded:
            log.error("%s %s NOT GRADED after %d attempt(s): %s (on the attention list)", job.inbound.student,
                      job.assignment.id, max(job.attempt, 1), result.reason)
        self._deliver(job, fb.GRADED if result.graded else fb.NOT_GRADED, result)

    def _override(self, student: str, assignment_id: str):
        """The ledger's override of the student's assignment standing at this moment, or None."""
        return self.ledger.overrides(student, assignment_id).get((student, assignment_id))

    def _deliver_saved(self, sid: str):
        """The feedback of a submission recorded before the service stopped, from results/<id>.json."""
        saved = self.state.saved_result(sid)
        if saved is None:
            log.error("submission %s is in the grade history but its result file is missing; its feedback "
                      "cannot be written", sid)
            self.done[sid] = {"outcome": "lost", "student": "?", "assignment": "?", "counted": True,
                              "submitted_at": dt.datetime.now(dt.timezone.utc).isoformat()}
            return
        result = SubmissionResult.from_gradescope(saved["result"])
        assignment = self.assignments[saved["assignment"]]
        inbound = Inbound(saved["name"], saved["student"], saved["assignment"], "", 0.0)
        job = Job(sid, inbound, assignment, dt.datetime.fromisoformat(saved["submitted_at"]),
                  dt.datetime.fromisoformat(saved["due"]) if saved["due"] else None, saved["names"],
                  saved["notes"])
        log.info("writing the feedback of %s %s, graded before the last stop", job.inbound.student, assignment.id)
        self._deliver(job, fb.GRADED if result.graded else fb.NOT_GRADED, result)

    def _deliver(self, job: Job, outcome: str, result: SubmissionResult | None, message: str = "",
                 graded_before: bool = True):
        override = self._override(job.inbound.student, job.assignment.id)
        view = fb.view_of(self.course, job.assignment, job.inbound.student, job.submitted_at, job.due, outcome,
                          result, message, job.notes, graded_before, override)
        markdown, page = fb.render_markdown(view), fb.render_html(view)
        folder = self.state.feedback_dir(job.sid)
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in (("feedback.md", markdown), ("feedback.html", page)):
            atomic_write(folder / name, text)
        try:
            for name in job.names:
                write_feedback_file(self.exchange, name, page)
        except OSError as exc:  # not marked done: written again at the next scan
            log.error("%s %s: the feedback cannot be written to %s (%s); trying again at the next scan",
                      job.inbound.student, job.assignment.id, self.exchange.feedback, exc)
            return
        marker = {"outcome": view.outcome, "student": job.inbound.student, "assignment": job.assignment.id,
                  "name": job.inbound.name, "submitted_at": job.submitted_at.isoformat(),
                  "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                  "counted": view.outcome == fb.GRADED, "score": result.score if result is not None else None,
                  "max_score": job.assignment.points, "reason": view.message, "feedback": job.names}
        self.state.mark_done(job.sid, marker)
        self.done[job.sid] = marker
        self.dirty = True  # the student's next submission may be taken
