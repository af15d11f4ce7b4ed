"""Grade a whole class: every submission that needs it, in parallel, resumable.

Submissions follow nbgrader's layout SUBMITTED/<student>/<ID>/...; results go
to OUT/<student>/<ID>/ and OUT/grades.csv. A rerun regrades exactly the
submissions whose files, graders, points or limits changed since they were
graded (their fingerprint), and those not graded before; --force regrades
all, --student the chosen ones. Every grade recorded is appended to the
output folder's grade history (ledger.py), with why; OUT/regrades.csv (every
regrade of every run, per test) is derived from it. An instructor's override
stands through every regrade. The summary ends with who needs attention
(attention.py).

Each submission is graded in a worker process of its own, forked for it, so
one that dies (the kernel's OOM killer, a crash) costs nothing but that
submission: it is retried once in a fresh worker, then recorded as not
graded with the reason. A worker is killed if it outlives a bound derived
from the submission's limits. Only this process writes results.
"""
import datetime as dt
import logging
import multiprocessing
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from .. import extensions
from ..config import Assignment, Course
from . import ledger as history
from . import runner
from .attention import Attention, attention_list, by_severity
from .errors import GradingError
from .fingerprint import Fingerprinter
from .grade import grade_submission, reference_modules
from .lateness import TIMESTAMP_FILE, load_parser
from .model import DOES_NOT_IMPORT, MISSING, NOT_GRADED, STATUSES, ResultFormatError, ResultOfRecord, SubmissionResult
from .results import (collect_results, load_result, results_path, stale_results, write_grades_csv,
                      write_regrades_csv, write_submission_results)
from .jail import cgroups
from .jail.cleanup import sweep_orphans
from .jail.protected import protected_paths
from .sandbox import become_subreaper, child_code_dir, isolation_mode
from .staleness import stale_because, unchecked_changes
from .submission import LayoutError, Roster, find_students, read_submission
from .text import clean
from ..roster import RosterError, load_roster
from ..errors import EXIT_CANNOT_GRADE, EXIT_INTERRUPTED, EXIT_NO_MODULE, EXIT_NOT_GRADED, EXIT_OK

_SEVERITY = (EXIT_CANNOT_GRADE, EXIT_INTERRUPTED, EXIT_NOT_GRADED, EXIT_NO_MODULE, EXIT_OK)


_log = logging.getLogger("course.engine")

def worst_exit_code(codes) -> int:
    """The exit code of several assignments' runs: the most severe (3, 130, 4, 5, then 0)."""
    codes = set(codes)
    return next((code for code in _SEVERITY if code in codes), EXIT_OK)
WORKER_ATTEMPTS = 2


@dataclass
class Plan:
    """What a run will do with each student of the roster."""
    new: list[str] = field(default_factory=list)          # no result yet
    changed: list[str] = field(default_factory=list)      # files, graders or settings changed
    forced: list[str] = field(default_factory=list)       # regraded on request (--force, --student)
    retry: list[str] = field(default_factory=list)        # not graded last time
    unchanged: list[str] = field(default_factory=list)
    left_stale: list[str] = field(default_factory=list)   # changed, but not chosen with --student
    old: dict[str, SubmissionResult] = field(default_factory=dict)
    current: dict = field(default_factory=dict)           # student -> the fingerprint of their files now (changed)

    @property
    def todo(self) -> list[str]:
        return sorted(self.new + self.changed + self.forced + self.retry)


@dataclass
class BatchSummary:
    assignment: str
    graded: dict[str, SubmissionResult] = field(default_factory=dict)
    plan: Plan = field(default_factory=Plan)
    roster: Roster = field(default_factory=lambda: Roster(students=[]))
    regrades: list[dict] = field(default_factory=list)
    why: dict[str, str] = field(default_factory=dict)     # student -> why this run recorded a grade (ledger.py)
    class_results: list[SubmissionResult] = field(default_factory=list)  # every result on disk after the run
    attention: list[Attention] = field(default_factory=list)
    overrides: dict = field(default_factory=dict)          # (student, assignment) -> model.Override
    stale: frozenset = frozenset()                         # students whose result on disk is out of date
    unchecked: dict = field(default_factory=dict)          # (student, id) -> why: out of date, folder not here
    terms_unmatched: list = field(default_factory=list)    # (student, message): extensions.csv rows of nobody
    seconds: float = 0.0
    grades_csv: str = ""
    interrupted: bool = False
    stopped: str = ""                                     # GradingError that stopped the batch

    @property
    def not_graded(self) -> dict[str, str]:
        return {s: r.reason for s, r in self.graded.items() if r.status == NOT_GRADED}

    @property
    def exit_code(self) -> int:
        """From the class's results on disk after the run (skipped unchanged ones too), not only this run's.

        A not graded, missing or unimportable submission whose grade the instructor set (an override: the grade
        of record) counts as settled; it stays on the attention list.
        """
        if self.stopped:
            return EXIT_CANNOT_GRADE
        if self.interrupted:
            return EXIT_INTERRUPTED
        current = {r.student: r for r in self.class_results}
        current.update(self.graded)

        def settled(r):
            override = self.overrides.get((r.student, r.assignment))
            return override is not None and override.sets_grade
        if self.roster.refused or any(r.status == NOT_GRADED and not settled(r) for r in current.values()):
            return EXIT_NOT_GRADED
        return EXIT_NO_MODULE if any(r.status in (MISSING, DOES_NOT_IMPORT) and not settled(r)
                                     for r in current.values()) else EXIT_OK

    def counts(self) -> dict[str, int]:
        """Every student's result on disk after the run, by status ("stale" apart, when there are any)."""
        counts = {status: 0 for status in STATUSES}
        for result in self.class_results:
            if result.student in self.stale:
                counts["stale"] = counts.get("stale", 0) + 1
            else:
                counts[result.status] += 1
        return counts

    def score_of_record(self, result: SubmissionResult) -> float | None:
        """The result's score, or an override's when one stands; None when stale (never the old number)."""
        stale = result.student in self.stale and result.student not in self.graded
        return ResultOfRecord.of(result, self.overrides.get((result.student, result.assignment)), stale).score

    def class_mean(self) -> float | None:
        """The mean score of record (overrides applied) of every student with one, regraded in this run or not.

        Missing and does-not-import count as their 0; not graded counts nothing.
        """
        scores = [s for r in self.class_results if (s := self.score_of_record(r)) is not None]
        return sum(scores) / len(scores) if scores else None


def _has_terms(course: Course, assignment_id: str, student: str) -> bool:
    """Whether extensions.csv or accommodations.csv has a row for the student and this assignment (or *)."""
    terms = extensions.terms_for(course, student)
    return terms is not None and any(key in (assignment_id, extensions.ALL)
                                     for key in (*terms.due, *terms.time_multiplier))


def why_recorded(course: Course, plan: Plan, student: str, result: SubmissionResult) -> str:
    """Why this run records a grade for student (ledger.WHY), from the plan and the fingerprints."""
    if student in plan.new:
        return history.NEW
    if student in plan.retry:
        return history.RETRIED
    old = plan.old.get(student)
    if student in plan.changed and old is not None and old.fingerprint and result.fingerprint:
        parts = []
        if old.fingerprint.files != result.fingerprint.files:
            parts.append(history.CHANGED_SUBMISSION)
        if old.fingerprint.graders != result.fingerprint.graders:
            parts.append(history.CHANGED_GRADERS)
        if old.fingerprint.settings != result.fingerprint.settings:
            course_wide = old.fingerprint.course_settings not in ("", result.fingerprint.course_settings)
            parts.append(history.EXTENSION if _has_terms(course, result.assignment, student) and not course_wide
                         else history.CHANGED_SETTINGS)
        return ", ".join(parts) or history.CHANGED_SUBMISSION
    if student in plan.changed:
        return history.CHANGED_SUBMISSION
    return history.FORCED


def plan_run(course: Course, assignment: Assignment, submissions: Path, out_dir: Path, roster: Roster,
             force: bool, chosen: list[str] | None, fingerprinter: Fingerprinter | None = None) -> Plan:
    """Compare each student's current fingerprint with the one their stored result was graded from."""
    plan = Plan()
    fingerprinter = fingerprinter or Fingerprinter(course, assignment)
    for student in roster.students:
        path = results_path(out_dir, student, assignment.id)
        old = None
        if path.exists():
            try:
                old = plan.old[student] = load_result(path)
            except ResultFormatError:
                old = None
        changed = None
        if old is not None and old.status != NOT_GRADED:
            submission = read_submission(course, assignment, submissions / student / assignment.id, student)
            current = None if submission.refusal else fingerprinter.of(student, submission.modules,
                                                                          submission.timestamp, submission.late_mark)
            changed = current != old.fingerprint
            if changed and current is not None:
                plan.current[student] = current
        if chosen is not None and student not in chosen:
            if changed:
                plan.left_stale.append(student)
        elif old is None:
            plan.new.append(student)
        elif old.status == NOT_GRADED:
            plan.retry.append(student)
        elif changed:
            plan.changed.append(student)
        else:
            (plan.forced if force or chosen is not None else plan.unchanged).append(student)
    return plan


# -- workers -------------------------------------------------------------------
def grade_in_worker(conn, course: Course, assignment: Assignment, student: str, folder: Path, isolation: str,
                    fingerprinter: Fingerprinter | None):
    """In a forked worker (a batch's, the service's): grade one submission and send ("result",
    SubmissionResult) or ("grading_error", message) on conn, then close it. Ctrl-C is left to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle
    become_subreaper()
    try:
        sweep_orphans()  # what the sandboxes of killed grading processes left (HostLeftDirty: a GradingError)
        result = grade_submission(course, assignment, student, folder, None, isolation, fingerprinter)
        conn.send(("result", result))
    except GradingError as exc:
        conn.send(("grading_error", str(exc)))
    conn.close()


class LocalWorkers:
    """Up to `jobs` forked workers, one per submission; a dead or overdue worker's submission is retried once.

    fingerprinters: assignment id -> the batch's Fingerprinter (its grader digest computed once, here).
    """

    def __init__(self, jobs: int, fingerprinters=None):
        self.jobs = max(1, jobs)
        self.fingerprinters = fingerprinters or {}
        self.context = multiprocessing.get_context("fork")

    def run(self, course, submissions: Path, tasks: list[tuple[Assignment, str]], isolation: str,
            on_result, on_stop):
        """Grade each (assignment, student); on_result(result) as each ends; on_stop(student, why) stops it all.

        Any exception (Ctrl-C included) kills the running workers; the cgroups of killed workers are removed.
        """
        run = _LocalRun(self, course, submissions, tasks, isolation, on_result, on_stop)
        # Ctrl-C is noted and acted on between two steps of the loop: a KeyboardInterrupt raised
        # inside fork() (at-fork handlers) would be swallowed, and the batch would go on.
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, lambda *_: run.interrupted.append(True)) if in_main_thread else None
        try:
            run.loop()
        except BaseException:
            run.kill_all()
            raise
        finally:
            if in_main_thread:
                signal.signal(signal.SIGINT, previous)
            cgroups.sweep_everywhere()  # a worker killed mid-submission left its cgroups


@dataclass
class _Worker:
    """One forked worker grading one submission (attempt 1 or 2) until deadline (time.monotonic())."""
    process: multiprocessing.process.BaseProcess
    assignment: Assignment
    student: str
    attempt: int
    deadline: float
    message: tuple | None = None  # what it sent: ("result", SubmissionResult) or ("grading_error", str)
    answered: bool = False        # it ended by closing its pipe or answering (not by running past its deadline)


class _LocalRun:
    """One run of LocalWorkers: start workers, wait, collect those that ended, retry or record each."""

    def __init__(self, workers: LocalWorkers, course, submissions: Path, tasks, isolation: str, on_result, on_stop):
        self.workers, self.course, self.submissions, self.isolation = workers, course, submissions, isolation
        self.on_result, self.on_stop = on_result, on_stop
        self.queue = [(assignment, student, 1) for assignment, student in reversed(tasks)]
        self.running: dict = {}  # its pipe's end -> _Worker
        self.stopping = False    # a GradingError arrived: nothing more starts
        self.interrupted: list = []  # Ctrl-C was pressed

    def loop(self):
        while self.queue or self.running:
            if self.interrupted:
                raise KeyboardInterrupt
            self.start()
            if not self.running:
                break
            ended = self.collect_ended(wait(list(self.running), timeout=0.2))
            if not self.interrupted:
                self.start()  # the next submissions start before these are joined and recorded
            for worker in ended:
                self.settle(worker)

    def start(self):
        """Fork workers for the queue's next submissions, up to jobs running."""
        while self.queue and not self.stopping and len(self.running) < self.workers.jobs:
            assignment, student, attempt = self.queue.pop()
            receive, send = self.workers.context.Pipe(duplex=False)
            process = self.workers.context.Process(
                target=grade_in_worker, args=(send, self.course, assignment, student,
                                    self.submissions / student / assignment.id, self.isolation,
                                    self.workers.fingerprinters.get(assignment.id)), daemon=True)
            process.start()
            send.close()
            deadline = time.monotonic() + extensions.worker_deadline_seconds(self.course, assignment, student)
            self.running[receive] = _Worker(process, assignment, student, attempt, deadline)

    def collect_ended(self, ready) -> list[_Worker]:
        """The workers that answered (ready), died or ran past their deadline, with what they sent; those
        that sent nothing are killed."""
        now, ended = time.monotonic(), []
        for conn in list(self.running):
            answered = conn in ready
            if not answered and now < self.running[conn].deadline:
                continue
            worker = self.running.pop(conn)
            worker.answered, worker.message = answered, received(conn) if answered else None
            conn.close()
            if worker.message is None:
                worker.process.kill()
            ended.append(worker)
        return ended

    def settle(self, worker: _Worker):
        """Join an ended worker (killed if it lingers), then record its result, stop on its GradingError, or
        retry its submission (once) when it sent nothing."""
        reap(worker.process)
        if worker.message is None:
            self.retry_or_record_failure(worker)
        elif worker.message[0] == "result":
            self.on_result(worker.message[1])
        else:
            self.stopping = True
            self.on_stop(worker.student, worker.message[1])

    def retry_or_record_failure(self, worker: _Worker):
        """A worker that died or ran past its deadline: its submission queued again, or after WORKER_ATTEMPTS
        recorded NOT GRADED with why."""
        if worker.attempt < WORKER_ATTEMPTS:
            self.queue.append((worker.assignment, worker.student, worker.attempt + 1))
            return
        deadline = extensions.worker_deadline_seconds(self.course, worker.assignment, worker.student)
        why = (f"the grading process ran past its {deadline:g} s"
               if not worker.answered else
               f"the grading process died (exit status {worker.process.exitcode}: "
               "killed, perhaps out of memory, or crashed)")
        self.on_result(SubmissionResult(student=worker.student, assignment=worker.assignment.id, status=NOT_GRADED,
                                        max_score=worker.assignment.points, isolation=self.isolation,
                                        reason=f"{why}, twice"))

    def kill_all(self):
        for worker in self.running.values():
            worker.process.kill()
            worker.process.join(timeout=10)


def received(conn):
    """The message on a worker's pipe (ready to read); None when it closed without one."""
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None


def reap(process):
    """Join an ended worker; one that sent its result but does not end is killed: never left behind."""
    process.join(timeout=10)
    if process.is_alive():
        process.kill()
        process.join()


class _Stopped(Exception):
    """A GradingError on a worker: the cluster run is cancelled."""


class ClusterWorkers:
    """The workers of a Dask scheduler (cluster.py), behind the same run() as LocalWorkers.

    Each worker is probed first and grades with its own isolation, recorded in
    each result; this process writes every result as it arrives. Dask reruns
    the task of a worker that dies; a task that fails on the cluster is NOT
    GRADED with the reason.
    """

    def __init__(self, address: str, out_dir: Path | None = None):
        self.address, self.out_dir = address, out_dir  # out_dir: protected on the workers, never written there

    def run(self, course, submissions: Path, tasks, isolation, on_result, on_stop):
        from .cluster import code_fingerprint, grade_on_cluster, grade_student, worker_probe  # Dask only here

        by_key = {f"{assignment.id}/{student}": (assignment, student) for assignment, student in tasks}

        def failed(key, error):
            assignment, student = by_key[key]
            if isinstance(error, GradingError):
                on_stop(student, str(error))
                raise _Stopped()
            on_result(SubmissionResult(student=student, assignment=assignment.id, status=NOT_GRADED,
                                       max_score=assignment.points, isolation="on the cluster",
                                       reason=clean(f"the cluster could not grade it: {type(error).__name__}: "
                                                    f"{error}", 500)))

        try:
            reports = grade_on_cluster(self.address,
                             [(key, grade_student, (course, a, s, submissions, self.out_dir))
                              for key, (a, s) in by_key.items()],
                             lambda key, result: on_result(result), failed, probe=worker_probe,
                             probe_args=(str(course.root), str(submissions), code_fingerprint(str(course.root)),
                                         self.out_dir and str(self.out_dir)))
        except _Stopped:
            return
        used = [r for r in reports.values() if r.get("usable")]
        modes = ", ".join(sorted({r["isolation"] for r in used}))
        _log.info(f"graded on {len(used)} worker(s) of {self.address} (isolation: {modes}); "
              f"{len(reports) - len(used)} not used")


# -- the batch -----------------------------------------------------------------
class _NoBar:
    def update(self):
        pass

    def close(self):
        pass


def _progress_bar(total: int, description: str, shown: bool):
    """tqdm's bar on a terminal; nothing (and no import of tqdm) otherwise."""
    if not shown:
        return _NoBar()
    from tqdm import tqdm

    tqdm.monitor_interval = 0
    return tqdm(total=total, desc=description, unit="submission")


def grade_batch(course: Course, assignment: Assignment, submissions: Path, out_dir: Path,
                jobs: int = 1, force: bool = False, progress: bool = True,
                students: list[str] | None = None, report=print, scheduler: str | None = None,
                amend=None) -> BatchSummary:
    """Grade the submissions of one assignment that need it; return what happened.

    scheduler: the address of a Dask scheduler whose workers grade, instead of
    `jobs` local processes. Raises LayoutError (nothing written) when
    submissions is not a submissions folder, GradingError (after recording what
    finished) when grading cannot run. amend: result -> result, applied before it is written (the nbgrader
    path's notebook flags).
    """
    return grade_assignments(course, [assignment], submissions, out_dir, jobs, force, progress, students,
                             report, scheduler=scheduler, amend=amend)[0]


def grade_all(course: Course, submissions: Path, out_dir: Path, jobs: int = 1, force: bool = False,
              progress: bool = True, students: list[str] | None = None, report=print,
              scheduler: str | None = None, leave_out=(), amend=None) -> list[BatchSummary]:
    """Grade every assignment of the course that has submissions (but those in leave_out, ids), with one
    progress bar and one table."""
    with_submissions = [a for a in course.assignments if a.id not in leave_out
                        and find_students(submissions.resolve(), a.id, required=False).students]
    if not with_submissions:
        raise LayoutError(f"{submissions}: no <student>/<assignment>/ folder for any assignment of the course "
                          f"({', '.join(a.id for a in course.assignments)})")
    summaries = grade_assignments(course, with_submissions, submissions, out_dir, jobs, force, progress,
                                  students, report, per_assignment_lines=False, scheduler=scheduler, amend=amend)
    report(summary_table(summaries))
    return summaries


def grade_assignments(course: Course, assignments: list[Assignment], submissions: Path, out_dir: Path,
                      jobs: int, force: bool, progress: bool, students: list[str] | None, report,
                      per_assignment_lines: bool = True, scheduler: str | None = None,
                      amend=None) -> list[BatchSummary]:
    """Grade the assignments' submissions that need it, in one run and six steps: validate the folders and
    the chosen students (nothing is written when they are wrong), plan who is graded, prepare the workers,
    grade, record each result as it comes, summarise (grades.csv, regrades.csv, the attention list).

    amend: result -> result, applied to each result before it is recorded (the nbgrader path's flags).

    Raises LayoutError (nothing written), GradingError (after recording what finished) when grading cannot run.
    """
    if scheduler is not None:  # a tls:// scheduler without certificates: refused before anything is written
        from .cluster_tls import client_security
        client_security(scheduler)
    submissions, out_dir = submissions.resolve(), out_dir.resolve()
    summaries = _validate(course, assignments, submissions, out_dir, students)
    recorder = _Recorder(course, out_dir, summaries, _open_output(out_dir), amend)
    tasks, fingerprinters = _plan(course, assignments, submissions, out_dir, summaries, force, students)
    recorder.unchecked = {key: why for other in course.assignments if other.id not in summaries
                          for key, why in unchecked_changes(out_dir, other, set(), submissions,
                                                            Fingerprinter(course, other)).items()}
    workers, isolation = _prepare(course, submissions, out_dir, tasks, jobs, scheduler, fingerprinters)
    label = assignments[0].id if len(assignments) == 1 else f"{len(assignments)} assignments"
    recorder.bar = _progress_bar(len(tasks), f"grading {label}", shown=progress and sys.stderr.isatty())
    start, interrupted = time.perf_counter(), False
    try:
        workers.run(course, submissions, tasks, isolation, recorder.record, recorder.stop)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        recorder.bar.close()
        _summarise(recorder, round(time.perf_counter() - start, 2), interrupted)
    _report(summaries, report, per_assignment_lines)
    if interrupted:
        done = sum(len(s.graded) for s in summaries.values())
        _log.warning(f"\ninterrupted: {done} of {len(tasks)} graded, every finished result kept; "
              "run the same command again to resume")
    if recorder.stopped:
        _log.warning(f"stopped: {clean(recorder.stopped[0], 500)}")
        raise GradingError(recorder.stopped[0])
    return list(summaries.values())


def _validate(course: Course, assignments: list[Assignment], submissions: Path, out_dir: Path,
              students: list[str] | None) -> dict[str, BatchSummary]:
    """Validate: each assignment's empty summary (by id) with its roster, once the folders, extensions.csv and
    the chosen students are found right (else LayoutError or ExtensionsError, and nothing is written). Rows of
    extensions.csv that match nobody are warned about and kept for the attention list."""
    if out_dir == submissions or out_dir.is_relative_to(submissions):
        raise LayoutError(f"{out_dir}: the output folder must not be inside the submissions folder {submissions}")
    extensions.load_terms(course.root, [a.id for a in course.assignments])  # a bad row stops us before anything
    try:
        class_list = load_roster(course.root)
    except RosterError as exc:
        raise LayoutError(f"{course.root}/{exc}; nothing was graded") from None
    summaries = {}
    for assignment in assignments:
        roster = find_students(submissions, assignment.id)
        if students is not None:
            unknown = sorted(set(students) - set(roster.students))
            if unknown and len(assignments) == 1:
                raise LayoutError(f"{submissions}: no {assignment.id}/ submission for --student "
                                  f"{', '.join(unknown)}")
        else:
            _add_rostered_absent(roster, class_list, out_dir, course, assignment)
        summaries[assignment.id] = BatchSummary(assignment=assignment.id, roster=roster)
    unmatched = extensions.unmatched_rows(course.root, [a.id for a in course.assignments],
                                          {a: set(s.roster.students) for a, s in summaries.items()})
    for assignment_id, rows in unmatched.items():
        summaries[assignment_id].terms_unmatched = rows
        for _, message in rows:
            _log.warning(f"warning: {course.root}/{message}")
    return summaries


def _add_rostered_absent(roster: Roster, class_list, out_dir: Path, course: Course, assignment: Assignment):
    """Students of roster.csv with no folder for the assignment are graded too, so that they are recorded as
    missing (0) and every LMS export has their grade: once their due date (with any extension) has passed,
    and only if OUT holds no result for them yet or the one it holds is that missing result (kept, and
    counted in this run's summary and exit code). One with another result keeps it: a folder graded in
    parts (a section at a time) never turns an earlier grade into a 0."""
    now = dt.datetime.now(dt.timezone.utc)
    present, absent = set(roster.students), []
    for student in (s.student for s in class_list.students if s.student not in present):
        due = extensions.due_date(course, assignment, student)
        if due is None or due > now:
            continue  # not due yet: handing nothing in is not missing yet
        path = results_path(out_dir, student, assignment.id)
        if path.exists():
            try:
                if load_result(path).status != MISSING:
                    continue
            except ResultFormatError:
                continue
        absent.append(student)
    roster.rostered_absent = absent
    roster.students = sorted(present | set(absent))
    roster.without_submission = [s for s in roster.without_submission if s not in absent]


def _open_output(out_dir: Path) -> history.Ledger:
    """The output folder made, the files a killed batch half-wrote removed, and its grade history opened
    (made, and the results already there migrated, if new)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("**/.*.tmp"):
        stale.unlink(missing_ok=True)
    return history.open_ledger(out_dir)


def _plan(course: Course, assignments: list[Assignment], submissions: Path, out_dir: Path,
          summaries: dict[str, BatchSummary], force: bool, students: list[str] | None):
    """Plan: each summary's plan; (the (assignment, student) pairs to grade, the Fingerprinter of each
    assignment id: the graders' digest computed once, from the files the batch grades with)."""
    fingerprinters = {a.id: Fingerprinter(course, a) for a in assignments}
    tasks = []
    for assignment in assignments:
        summary = summaries[assignment.id]
        summary.plan = plan_run(course, assignment, submissions, out_dir, summary.roster, force, students,
                                fingerprinters[assignment.id])
        tasks += [(assignment, student) for student in summary.plan.todo]
        summary.unchecked = unchecked_changes(out_dir, assignment, set(summary.roster.students), submissions,
                                              fingerprinters[assignment.id])
    return tasks, fingerprinters


def _prepare(course: Course, submissions: Path, out_dir: Path, tasks: list[tuple[Assignment, str]], jobs: int,
             scheduler: str | None, fingerprinters: dict):
    """Prepare: (the workers that will grade, the isolation they grade with).

    Local workers: the isolation is probed here, and what every forked worker needs is made or imported once,
    before the fork (the child's code, the graders, the reference modules, the timestamp parser).
    """
    if scheduler is not None:
        return ClusterWorkers(scheduler, out_dir), "probed on each worker"
    isolation = isolation_mode(protected=protected_paths(course.root, submissions, out_dir))
    _log.info(f"isolation of student code: {isolation} (`course doctor` explains)")
    prepare_forked_grading(course, {a.id: a for a, _ in tasks}.values(),
                           timestamps=any((submissions / student / a.id / TIMESTAMP_FILE).is_file()
                                          for a, student in tasks))
    return LocalWorkers(jobs, fingerprinters), isolation


def prepare_forked_grading(course: Course, assignments, timestamps: bool = True):
    """Before forking workers that grade these assignments: what each would otherwise make or import itself,
    made once here and shared by the fork (the child's code, the graders, the reference modules and, with
    timestamps, the timestamp parser)."""
    child_code_dir()
    for assignment in assignments:
        runner.collect(course.grader_file(assignment.id))
        reference_modules(course, assignment)
    if timestamps:
        load_parser()


class _Recorder:
    """Record: each result as it arrives, written to OUT/<student>/<ID>/ (with the override that stands) and
    to the grade history with why; the first GradingError kept (stopped)."""

    def __init__(self, course: Course, out_dir: Path, summaries: dict[str, BatchSummary], ledger: history.Ledger,
                 amend=None):
        self.course, self.out_dir, self.summaries, self.ledger = course, out_dir, summaries, ledger
        self.amend = amend
        self.run_id = history.new_run_id()
        self.overrides: dict = {}  # the ledger's standing overrides, read when grades.csv is written
        self.bar = _NoBar()
        self.stopped: list[str] = []  # "student: message" of each GradingError
        self.unchecked: dict = {}      # other assignments' results outdated by the graders or settings

    def record(self, result: SubmissionResult):
        """Write result's files with the override that stands at this moment and append it to the ledger, under
        the ledger's write lock: an override recorded meanwhile (`course override`) is never written over."""
        result = self.amend(result) if self.amend is not None else result
        summary = self.summaries[result.assignment]
        with self.ledger.exclusive():
            override = self.ledger.overrides(result.student, result.assignment).get((result.student,
                                                                                     result.assignment))
            result = self._written(result, override)
            summary.why[result.student] = why_recorded(self.course, summary.plan, result.student, result)
            self.ledger.record(result, summary.why[result.student], self.run_id)
        summary.graded[result.student] = result
        self.bar.update()

    def _written(self, result: SubmissionResult, override) -> SubmissionResult:
        """result once written; NOT GRADED, saying why, when OUT/<student>/ collides with something there."""
        try:
            if override is None:
                write_submission_results(self.out_dir, result)
            else:  # the override's score and comment stay in results.json and the feedback
                write_submission_results(self.out_dir, result, override)
        except OSError as exc:
            return SubmissionResult(
                student=result.student, assignment=result.assignment, status=NOT_GRADED,
                max_score=result.max_score, isolation=result.isolation,
                reason=clean(f"its results cannot be written to {self.out_dir / result.student / result.assignment} "
                             f"({exc.strerror or exc}): move what is in the way, then grade again", 500))
        return result

    def stop(self, student: str, message: str):
        self.stopped.append(f"{student}: {message}")


def _summarise(recorder: _Recorder, seconds: float, interrupted: bool):
    """Summarise: grades.csv and regrades.csv written from the history, the ledger closed, and each summary
    completed from the class's results on disk (stale ones named, the attention list)."""
    summaries, out_dir = recorder.summaries, recorder.out_dir
    planned_stale = [(s, a) for a, summary in summaries.items()
                     for s in summary.plan.changed + summary.plan.left_stale if s not in summary.graded]
    # results this run did not look at (other assignments', students not in SUBMITTED) stay stale until regraded
    others = {(s, a): why for (s, a), why in stale_results(out_dir).items()
              if a not in summaries or s not in summaries[a].roster.students}
    for summary in summaries.values():  # and those the course's settings or graders outdated meanwhile
        others |= summary.unchecked
    others |= recorder.unchecked
    with recorder.ledger.exclusive():  # another run at once writes these files before or after, not between
        stale = {(s, a): stale_because(summaries[a].plan.old[s].fingerprint if s in summaries[a].plan.old else None,
                                       summaries[a].plan.current.get(s), s not in summaries[a].plan.left_stale)
                 for s, a in planned_stale if not _graded_elsewhere(recorder.ledger, summaries, s, a)}
        stale |= others
        recorder.overrides = recorder.ledger.overrides()
        grades_csv = str(write_grades_csv(out_dir, stale=stale, overrides=recorder.overrides))
        regrades = recorder.ledger.regrades()
        if regrades:
            write_regrades_csv(out_dir, regrades)
    recorder.ledger.close()
    everyone, _ = collect_results(out_dir)
    listed = attention_list(everyone, recorder.overrides, out_dir, stale)
    for summary in summaries.values():
        summary.seconds, summary.grades_csv = seconds, grades_csv
        summary.interrupted, summary.stopped = interrupted, recorder.stopped[0] if recorder.stopped else ""
        summary.overrides = recorder.overrides
        summary.regrades = [row for row in regrades if row["run"] == recorder.run_id
                            and row["assignment"] == summary.assignment]
        summary.class_results = [r for r in everyone if r.assignment == summary.assignment
                                 and r.student in summary.roster.students]
        summary.stale = frozenset(s for s, a in stale if a == summary.assignment)
        summary.attention = [a for a in listed if a.assignment == summary.assignment
                             and (a.student in summary.roster.students or (a.student, a.assignment) in summary.unchecked)]
        summary.attention = by_severity(summary.attention + [Attention(student, summary.assignment, (message,))
                                                             for student, message in summary.terms_unmatched])
    if summaries:  # other assignments' results this run found stale: listed once, with the first assignment's
        first = next(iter(summaries.values()))
        first.attention = by_severity(first.attention + [a for a in listed
                                                         if (a.student, a.assignment) in recorder.unchecked])


def _graded_elsewhere(ledger: history.Ledger, summaries: dict, student: str, assignment: str) -> bool:
    """Whether the ledger's latest grade of student's assignment (another run's, at once) is of their files as this
    run planned them: then it is not stale, though this run did not grade it."""
    current = summaries[assignment].plan.current.get(student)
    return current is not None and ledger.latest_fingerprint(student, assignment) == history.fingerprint_text(current)


def _report(summaries: dict[str, BatchSummary], report, per_assignment_lines: bool):
    """Each assignment's summary lines; only the indented ones, prefixed with its id, for a multi-assignment
    run (its table follows)."""
    for summary in summaries.values():
        if per_assignment_lines:
            print_summary(summary, report)
        else:
            print_summary(summary, lambda line: line.startswith("  ") and report(f"{summary.assignment}{line}"),
                          with_attention=False)


def _mean(scores) -> str:
    scores = list(scores)
    return f"{sum(scores) / len(scores):.1f}" if scores else "-"


def summary_table(summaries: list[BatchSummary]) -> str:
    """One line per assignment: what this run graded, the class by status, the class mean.

    mean: over every student with a score on disk (regraded in this run or not); run mean: this run's only.
    """
    header = (f"{'assignment':<22}{'new':>5}{'regraded':>10}{'unchanged':>11}{'graded':>8}{'missing':>9}"
              f"{'no import':>11}{'not graded':>12}{'mean':>8}{'run mean':>10}")
    lines = [header]
    for s in summaries:
        counts = s.counts()
        ran = [s.score_of_record(r) for r in s.graded.values() if s.score_of_record(r) is not None]
        mean = s.class_mean()
        lines.append(f"{s.assignment:<22}{len([x for x in s.plan.new if x in s.graded]):>5}"
                     f"{len([x for x in s.plan.changed + s.plan.retry + s.plan.forced if x in s.graded]):>10}"
                     f"{len(s.plan.unchanged):>11}{counts['graded']:>8}{counts['missing']:>9}"
                     f"{counts['does not import']:>11}{counts['not graded'] + len(s.roster.refused):>12}"
                     f"{'-' if mean is None else f'{mean:.1f}':>8}{_mean(ran):>10}")
    attention = by_severity(a for s in summaries for a in s.attention)
    lines += attention_lines(attention)
    return "\n".join(lines)


def attention_lines(attention: list[Attention]) -> list[str]:
    """The needs-attention list as the summary's last lines: its head counts results and, when they differ,
    the reasons (one line each)."""
    if not attention:
        return ["needs attention: nobody"]
    reasons = sum(len(item.reasons) for item in attention)
    count = (f"{len(attention)}" if reasons == len(attention) else
             f"{len(attention)} result{'s' if len(attention) != 1 else ''}, {reasons} reasons")
    lines = [f"needs attention ({count}):"]
    for item in attention:
        lines += [f"  {item.student} {item.assignment}: {why}" for why in item.reasons]
    return lines


def print_summary(summary: BatchSummary, report=print, with_attention: bool = True):
    """One assignment's summary through report, a line at a time: what this run graded, the class, each
    regrade, each submission not graded, refused or stale, and (with_attention) the attention list."""
    report(_run_line(summary))
    report(_class_line(summary))
    for line in [*_regrade_lines(summary), *_not_graded_lines(summary)]:
        report(line)
    if with_attention:
        for line in attention_lines(summary.attention):
            report(f"  {line}")


def _run_line(summary: BatchSummary) -> str:
    plan, graded = summary.plan, summary.graded
    parts = [f"graded {sum(s in graded for s in plan.new)} new",
             f"{sum(s in graded for s in plan.changed + plan.retry)} changed"]
    if plan.forced:
        parts.append(f"{sum(s in graded for s in plan.forced)} on request")
    parts.append(f"skipped {len(plan.unchanged)} unchanged")
    if summary.not_graded:
        parts.append(f"{len(summary.not_graded)} NOT GRADED")
    return f"{summary.assignment}: {', '.join(parts)}, in {summary.seconds:.1f} s; grades in {summary.grades_csv}"


def _class_line(summary: BatchSummary) -> str:
    """The class by status, and the mean score of record over everyone with one, and over this run."""
    counts = summary.counts()
    mean = summary.class_mean()
    ran = [summary.score_of_record(r) for r in summary.graded.values() if summary.score_of_record(r) is not None]
    max_score = next((r.max_score for r in summary.class_results), None)
    return (f"  class: {', '.join(f'{n} {status}' for status, n in counts.items())}; "
            + (f"mean {mean:.1f}" + (f" / {max_score:g}" if max_score else "")
               + f" over all {sum(summary.score_of_record(r) is not None for r in summary.class_results)}"
               " with a score" if mean is not None
               else "no score yet")
            + (f" (graded in this run: {len(ran)}, mean {_mean(ran)})" if ran else ""))


def _regrade_lines(summary: BatchSummary) -> list[str]:
    """Each regraded student: old -> new score (or status), the change, an override that stands, and why."""
    plan, graded = summary.plan, summary.graded
    lines = []
    for student in sorted(s for s in plan.changed + plan.retry + plan.forced if s in graded):
        old, new = plan.old[student], graded[student]
        change = "" if not (old.graded and new.graded) else f" ({new.score - old.score:+g})"
        lines.append(f"  regraded {student}: {_score_or_status(old)} -> {_score_or_status(new)}{change}"
                     f"{_override_stands(summary, new)} [{summary.why.get(student, '')}]")
    return lines


def _score_or_status(result: SubmissionResult) -> str:
    return f"{result.score:g}" if result.graded else result.status


def _override_stands(summary: BatchSummary, result: SubmissionResult) -> str:
    override = summary.overrides.get((result.student, result.assignment))
    if override is None or not override.sets_grade:
        return ""
    score = summary.score_of_record(result)
    return f" (override {score:g} stands)" if score is not None else " (override stands)"


def _not_graded_lines(summary: BatchSummary) -> list[str]:
    """Who has no fresh grade: not graded (why), refused folders, stale results, no submission; where the
    per-test regrades are."""
    plan = summary.plan
    lines = [f"  NOT GRADED {student}: {reason}" for student, reason in sorted(summary.not_graded.items())]
    lines += [f"  REFUSED folder '{name}': {why}; not graded" for name, why in sorted(summary.roster.refused.items())]
    if (left := [s for s in plan.left_stale if s in summary.stale]):
        lines.append(f"  STALE (changed, not chosen with --student; empty in grades.csv): {', '.join(left)}")
    if summary.unchecked:
        lines.append(f"  STALE (graders or settings changed; no folder in this submissions folder, so their files "
                     f"were not checked; empty in grades.csv until graded with their folder): "
                     f"{', '.join(sorted(s for s, _ in summary.unchecked))}")
    if summary.roster.rostered_absent:
        lines.append(f"  on roster.csv, no {summary.assignment}/ folder: missing (0): "
                     f"{', '.join(summary.roster.rostered_absent)}")
    if summary.roster.without_submission:
        lines.append(f"  no {summary.assignment}/ folder (not submitted): {len(summary.roster.without_submission)} "
                     f"student(s)")
    if summary.regrades:
        lines.append(f"  old and new scores per test (every run): "
                     f"{Path(summary.grades_csv).with_name('regrades.csv')}")
    return lines
