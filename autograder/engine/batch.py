"""Grade a whole class: every student's submission, in parallel, resumable.

Submissions follow nbgrader's layout SUBMISSIONS_DIR/<student>/<ID>/...;
results go to OUT_DIR/<student>/<ID>/ and OUT_DIR/grades.csv. A student who
already has a results.json is skipped unless force is set, so a batch that
was killed resumes where it stopped. One broken submission never stops the
batch: the worst it gets is 0 points with the reason.
"""
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from ..config import Assignment, Course
from .errors import GradingError
from .grade import grade_submission
from .results import results_path, write_grades_csv, write_submission_results
from .sandbox import become_subreaper, isolation_mode

_worker = {}


def _init_worker(isolation):
    become_subreaper()
    _worker["isolation"] = isolation


def _grade_one(course, assignment, student, submissions, out_dir):
    """In a worker: grade and write one student's results; return (student, score)."""
    results = grade_submission(course, assignment, student, submissions / student / assignment.id,
                               out_dir, _worker["isolation"])
    write_submission_results(out_dir, student, assignment.id, results)
    return student, results["score"], results["max_score"]


def students_in(submissions: Path) -> list[str]:
    return sorted(p.name for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))


def grade_batch(course: Course, assignment: Assignment, submissions: Path, out_dir: Path,
                jobs: int = 1, force: bool = False, progress: bool = True, scheduler: str | None = None) -> dict:
    """Grade every student in submissions; return a summary dict.

    scheduler: the address of a Dask scheduler whose workers grade instead of
    a local pool of `jobs` processes (see cluster.py); results are written here.
    """
    submissions, out_dir = submissions.resolve(), out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("**/.*.tmp"):  # half-written by a batch that was killed
        stale.unlink(missing_ok=True)
    students = students_in(submissions)
    todo = [s for s in students if force or not results_path(out_dir, s, assignment.id).exists()]
    if scheduler is not None:
        return _grade_on_scheduler(scheduler, course, assignment, submissions, out_dir, students, todo, progress)
    isolation = isolation_mode()
    if isolation == "none":
        print("warning: this machine allows no namespaces; student code runs with resource limits only "
              "(run as root or enable user namespaces for full isolation)", file=sys.stderr)
    start = time.perf_counter()
    scores = {}
    tqdm.monitor_interval = 0  # no monitor thread: workers are forked
    bar = tqdm(total=len(todo), desc=f"grading {assignment.id}", unit="submission",
               disable=not progress or not sys.stderr.isatty())
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context,
                               initializer=_init_worker, initargs=(isolation,))
    try:
        futures = {pool.submit(_grade_one, course, assignment, s, submissions, out_dir): s for s in todo}
        for future in as_completed(futures):
            try:
                student, score, max_score = future.result()
                scores[student] = score
            except GradingError:
                raise
            except Exception as exc:  # a bug of ours must not cost the rest of the class
                print(f"error: grading {futures[future]} failed: {exc!r}", file=sys.stderr)
            bar.update()
    except KeyboardInterrupt:
        interrupted = True
    else:
        interrupted = False
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # lets running submissions finish
    bar.close()
    grades = write_grades_csv(out_dir)
    if interrupted:
        done = sum(results_path(out_dir, s, assignment.id).exists() for s in todo)
        print(f"\ninterrupted: {done} of {len(todo)} graded, every finished result kept; "
              "run the same command again to resume", file=sys.stderr)
        raise SystemExit(130)
    elapsed = time.perf_counter() - start
    summary = {"graded": len(scores), "skipped": len(students) - len(todo),
               "failed": len(todo) - len(scores), "seconds": round(elapsed, 2), "grades_csv": str(grades)}
    print(f"{assignment.id}: graded {summary['graded']}, skipped {summary['skipped']} already graded, "
          f"{summary['failed']} failed, in {elapsed:.1f} s; grades in {grades}")
    return summary


def _grade_on_scheduler(address, course, assignment, submissions, out_dir, students, todo, progress) -> dict:
    """grade_batch's --scheduler path: workers grade, this process writes each result as it arrives."""
    from .cluster import grade_students_on_cluster  # Dask is imported only here

    start = time.perf_counter()
    scores = {}
    bar = tqdm(total=len(todo), desc=f"grading {assignment.id} on {address}", unit="submission",
               disable=not progress or not sys.stderr.isatty())

    def on_graded(student, results):
        write_submission_results(out_dir, student, assignment.id, results)
        scores[student] = results["score"]
        bar.update()

    try:
        grade_students_on_cluster(address, course, assignment, submissions, out_dir, todo, on_graded)
    except KeyboardInterrupt:
        bar.close()
        write_grades_csv(out_dir)
        print(f"\ninterrupted: {len(scores)} of {len(todo)} graded, every finished result kept; "
              "run the same command again to resume", file=sys.stderr)
        raise SystemExit(130)
    bar.close()
    grades = write_grades_csv(out_dir)
    elapsed = time.perf_counter() - start
    summary = {"graded": len(scores), "skipped": len(students) - len(todo),
               "failed": len(todo) - len(scores), "seconds": round(elapsed, 2), "grades_csv": str(grades)}
    print(f"{assignment.id}: graded {summary['graded']}, skipped {summary['skipped']} already graded, "
          f"{summary['failed']} failed, in {elapsed:.1f} s on {address}; grades in {grades}")
    return summary
