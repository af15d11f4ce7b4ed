"""`course serve` end to end: real nbgrader, a temporary exchange, one service for the module.

`course nbgrader init` -> nbgrader generate_assignment and release_assignment
of 01_neuron -> `course serve --jobs 2` running -> two students fetch_assignment
and submit (the reference; a sigmoid with its sign wrong) -> within 60 s
`nbgrader fetch_feedback` brings each their feedback: the visible tests with
their points, no hidden test's name or detail. Then a student over the
limit, a hostile submission next to an honest one, a SIGKILL in the middle
of a burst of 30 (every submission graded exactly once into the history,
everyone gets feedback), and, with the due date moved to the past, a
resubmission whose feedback shows every test.
"""
import datetime as dt
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, make_course, run_course
from test_engine_hostile import MARKER, hostile_cases
from test_nbgrader_cycle import buggy_module, html_text

ID, MODULE = "01_neuron", "neuron.py"
HIDDEN = ("test_neuron_random", "test_sigmoid_prime_random")   # made hidden in the test course
REFERENCE = (REPO / "solutions" / ID / MODULE).read_text()
FEEDBACK_SECONDS = 60
pytestmark = pytest.mark.slow  # real nbgrader and a running service: about a minute and a half


def _env():
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def nbgrader(*args, cwd: Path, timeout=120) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *map(str, args)], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"nbgrader {' '.join(map(str, args))}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


class Course:
    """The nbgrader course, its exchange and the running service."""

    def __init__(self, root: Path):
        self.root = root
        self.toml = make_course(root / "src", seconds=2, submission_seconds=8)
        text = self.toml.read_text()
        hidden = ", ".join(f'{t} = {{ visibility = "hidden" }}' for t in HIDDEN)
        text = text.replace("due = 2027-02-05T23:59:00Z\n", f"due = 2027-02-05T23:59:00Z\ntests = {{ {hidden} }}\n", 1)
        text += "\n[serve]\nmax_per_hour = 2\nrescan_seconds = 2\n"
        self.toml.write_text(text)
        self.dir = root / "nbgrader"
        self.exchange = root / "exchange"
        self.exchange.mkdir()
        self.exchange.chmod(0o777)
        done = run_course("nbgrader", "init", self.dir, course=self.toml)
        assert done.returncode == 0, done.stderr
        config = self.dir / "nbgrader_config.py"
        config.write_text(config.read_text() + f"c.Exchange.root = {str(self.exchange)!r}\n")
        nbgrader("generate_assignment", ID, cwd=self.dir)
        from nbgrader.exchange.default import ExchangeReleaseAssignment
        in_process(ExchangeReleaseAssignment, self.exchange, root=self.dir)
        self.process = None
        self.starts = 0

    @property
    def inbound(self) -> Path:
        return self.exchange / "nnfs" / "inbound"

    @property
    def graded(self) -> Path:
        return self.dir / "serve" / "graded"

    def start(self):
        self.starts += 1
        log = open(self.root / f"serve{self.starts}.err", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.cli", "--course", str(self.toml), "serve", str(self.dir),
             "--jobs", "2"], cwd=REPO, env=_env(), stdout=log, stderr=log)
        log.close()

    def stop(self, sig=signal.SIGTERM):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
        self.process = None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def errors(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.root.glob("serve*.err")))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    c = Course(tmp_path_factory.mktemp("serve"))
    c.start()
    yield c
    c.stop()


def in_process(exchange_class, exchange: Path, root: Path | None = None, student: str = "", home: Path | None = None,
               cache: Path | None = None):
    """One of nbgrader's exchange operations (what its command runs), in this process: nbgrader's start-up
    costs seconds per command on a busy machine, so only the first student uses the commands."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    c = Config()
    c.CourseDirectory.course_id, c.CourseDirectory.assignment_id = "nnfs", ID
    if root is not None:
        c.CourseDirectory.root = str(root)
    if student:
        c.CourseDirectory.student_id = student
    c.Exchange.root = str(exchange)
    if home is not None:
        c.Exchange.assignment_dir, c.Exchange.cache = str(home), str(cache)
    operation = exchange_class(coursedir=CourseDirectory(config=c), authenticator=Authenticator(config=c), config=c)
    operation.start()


class Student:
    """A student's home: nbgrader fetch_assignment, submit and fetch_feedback with their own cache.

    commands: with nbgrader's commands (else its exchange classes, in this process).
    """

    def __init__(self, course: Course, name: str, commands: bool = False):
        self.course, self.name, self.commands = course, name, commands
        self.home = course.root / "home" / name
        self.home.mkdir(parents=True, exist_ok=True)
        self.cache = self.home / ".cache"
        self.options = ["--course", "nnfs", f"--Exchange.root={course.exchange}", f"--Exchange.cache={self.cache}"]

    def _run(self, command: str, class_name: str, with_student: bool = True):
        if self.commands:
            nbgrader(command, ID, *([f"--student={self.name}"] if with_student else []), *self.options,
                     cwd=self.home)
        else:
            import nbgrader.exchange.default as exchange
            in_process(getattr(exchange, class_name), self.course.exchange, student=self.name if with_student
                       else "", home=self.home, cache=self.cache)

    def fetch(self):
        self._run("fetch_assignment", "ExchangeFetchAssignment", with_student=False)

    def submit(self, module_text: str):
        (self.home / ID / MODULE).write_text(module_text)
        self._run("submit", "ExchangeSubmit")

    def expected_feedback(self) -> list[Path]:
        """The feedback files fetch_feedback looks for, one per submission in the student's cache."""
        from nbgrader.utils import notebook_hash

        return [self.course.exchange / "nnfs" / "feedback" /
                (notebook_hash(secret=(cached / "submission_secret.txt").read_text(), notebook_id=ID) + ".html")
                for cached in self.cache.glob(f"nnfs/*+{ID}+*")]

    def feedback(self, count: int = 1, timeout: float = FEEDBACK_SECONDS) -> list[Path]:
        """fetch_feedback once the service has written `count` feedback files; return those brought home."""
        wait_for(self.expected_feedback(), timeout, self.course)
        deadline = time.monotonic() + timeout
        while True:
            self._run("fetch_feedback", "ExchangeFetchFeedback")
            found = sorted((self.home / ID / "feedback").glob("*/*.html"))
            if len(found) >= count:
                return found
            assert time.monotonic() < deadline, f"{self.name}: no feedback within {timeout} s\n{self.course.errors()}"
            time.sleep(1)


def fake_submit(course: Course, student: str, module_text: str) -> Path:
    """What `nbgrader submit` writes to inbound/, without starting nbgrader (for bursts); return the
    path of the feedback file `nbgrader fetch_feedback` would look for (nbgrader's own hash)."""
    from nbgrader.utils import notebook_hash

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    folder = course.inbound / f"{student}+{ID}+{stamp}+{secrets.token_urlsafe(9)}"
    staging = course.root / "fake" / folder.name
    shutil.copytree(course.exchange / "nnfs" / "outbound" / ID, staging)
    (staging / MODULE).write_text(module_text)
    (staging / "timestamp.txt").write_text(stamp)
    secret = secrets.token_hex(64)
    (staging / "submission_secret.txt").write_text(secret)
    os.rename(staging, folder)
    return course.exchange / "nnfs" / "feedback" / (notebook_hash(secret=secret, notebook_id=ID) + ".html")


def wait_for(paths, timeout: float, course: Course):
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        assert course.alive(), f"the service died:\n{course.errors()}"
        assert time.monotonic() < deadline, f"{sum(not p.exists() for p in paths)} feedback file(s) missing " \
                                            f"after {timeout} s\n{course.errors()}"
        time.sleep(0.3)


def ledger_runs(course: Course) -> list[tuple[str, str]]:
    db = sqlite3.connect(f"file:{course.graded / 'ledger.sqlite'}?mode=ro", uri=True)
    try:
        return db.execute("SELECT student, run FROM entries WHERE kind = 'grade' AND why = 'submitted'").fetchall()
    finally:
        db.close()


# -- before the due date: real nbgrader, two students --------------------------------------------
@pytest.fixture(scope="module")
def two_students(course):
    ada, ben = Student(course, "ada", commands=True), Student(course, "ben")
    for student in (ada, ben):
        student.fetch()
    start = time.monotonic()
    ada.submit(REFERENCE)
    ben.submit(buggy_module())
    pages = {s.name: html_text(s.feedback()[-1]) for s in (ada, ben)}
    return pages, time.monotonic() - start


def test_feedback_comes_home_within_a_minute(two_students):
    pages, seconds = two_students
    assert seconds < FEEDBACK_SECONDS
    print(f"\nsubmit -> fetch_feedback for two students: {seconds:.1f} s")


def graded_tests(course, visibility: str) -> list[dict]:
    """The tests with this visibility, from ada's results.json (the reference: every test passed)."""
    import json
    data = json.loads((course.graded / "ada" / ID / "results.json").read_text())
    return [t for t in data["tests"] if t["visibility"] == visibility]


def shown_names(course, visibility: str) -> list[str]:
    """The names of the tests with this visibility, as students read them."""
    return [t["name"] for t in graded_tests(course, visibility)]


def full_marks_line(course) -> str:
    """What a correct submission's feedback says before the due date."""
    points = sum(t["max_score"] for t in graded_tests(course, "visible"))
    return f"Visible tests: {points:g} / {points:g} points"


def test_before_the_due_date_only_visible_tests_show(course, two_students):
    pages, _ = two_students
    ada, ben = pages["ada"], pages["ben"]
    hidden, visible = shown_names(course, "hidden"), shown_names(course, "visible")
    assert len(hidden) == len(HIDDEN) and len(visible) >= 10
    assert full_marks_line(course) in ada, ada
    hidden_points = sum(t["max_score"] for t in graded_tests(course, "hidden"))
    assert f"Hidden tests run after the deadline: 2 more test(s), {hidden_points:g} points" in ada
    assert "FAIL" not in ada
    assert re.search(r"FAIL sigmoid[^\n]* \(0/\d\)", ben), ben
    assert full_marks_line(course) not in ben
    for page in (ada, ben):
        for name in visible:
            assert name in page
        for name in hidden:
            assert name not in page
        assert "Score:" not in page  # the total would tell the hidden tests' result


def test_each_submission_is_one_row_of_the_history(course, two_students):
    rows = ledger_runs(course)
    assert sorted(student for student, _ in rows if student in ("ada", "ben")) == ["ada", "ben"]
    log = (course.dir / "serve" / "state" / "serve.log").read_text()
    assert "graded ada 01_neuron: 20/20" in log and "graded ada 01_neuron: 20/20" in course.errors()  # file, stderr
    results = {p.parent.parent.name: p for p in course.graded.glob(f"*/{ID}/results.json")}
    assert {"ada", "ben"} <= set(results)


def test_a_second_service_on_the_same_exchange_is_refused(course, two_students, tmp_path):
    """Another --state, the same exchange: it would grade everything again and overwrite the feedback."""
    before = sorted(p.stat().st_mtime_ns for p in (course.exchange / "nnfs" / "feedback").glob("*.html"))
    second = run_course("serve", course.dir, "--state", tmp_path / "state2", "--out", tmp_path / "graded2",
                        "--once", course=course.toml)
    assert second.returncode == 2, second.stderr
    assert f"(pid {course.process.pid}, state folder {course.dir / 'serve' / 'state'}) already serves" \
        in second.stderr, second.stderr
    assert not (tmp_path / "graded2" / "ledger.sqlite").exists()
    assert sorted(p.stat().st_mtime_ns for p in (course.exchange / "nnfs" / "feedback").glob("*.html")) == before


# -- the limit, and a hostile submission ------------------------------------------------------------
def test_over_the_limit_gets_the_cooldown_message(course, two_students):
    files = [fake_submit(course, "cy", REFERENCE) for _ in range(3)]   # [serve] max_per_hour = 2
    wait_for(files, FEEDBACK_SECONDS, course)
    pages = [html_text(f) for f in files]
    assert sum(full_marks_line(course) in p for p in pages) == 2
    limited = [p for p in pages if "over the submission limit" in p]
    assert len(limited) == 1 and "at most 2 submission(s) per hour" in limited[0] and "Submit again from" in limited[0]
    assert sum(student == "cy" for student, _ in ledger_runs(course)) == 2  # the third is not a grade


def test_an_override_made_while_the_service_runs_is_in_what_it_writes_next(course, two_students):
    import csv
    wait_for([fake_submit(course, "dot", REFERENCE)], FEEDBACK_SECONDS, course)
    done = run_course("override", "dot", ID, "--score", "7", "--reason", "oral exam", "--out", course.graded,
                      course=course.toml)
    assert done.returncode == 0, done.stderr
    wait_for([fake_submit(course, "dot", REFERENCE)], FEEDBACK_SECONDS, course)  # graded again by the service
    with open(course.graded / "grades.csv", newline="") as f:
        dot = next(r for r in csv.DictReader(f) if r["student"] == "dot")
    assert (dot["score"], dot["engine_score"], dot["override"]) == ("7", "20", "override score 7 (oral exam)")
    assert "Score set by your instructor: 7 / 20" in (course.graded / "dot" / ID / "feedback.md").read_text()


def marker_processes() -> list[str]:
    """Processes a hostile submission tried to leave behind (they carry the corpus' marker)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and MARKER in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(entry.name)
        except OSError:
            continue
    return found


@pytest.mark.parametrize("attack", ["fork_bomb", "output_flood", "fork_escape"])
def test_hostile_submission_harms_nobody(course, two_students, attack):
    source, _ = hostile_cases({"repo": REPO, "submissions": course.inbound, "out": course.graded})[attack]
    before = set(marker_processes())  # another engineer's hostile tests may be running on this machine
    hostile = fake_submit(course, f"eve{attack.replace('_', '')}", source)
    honest = fake_submit(course, f"dan{attack.replace('_', '')}", REFERENCE)
    wait_for([hostile, honest], FEEDBACK_SECONDS, course)
    assert full_marks_line(course) in html_text(honest)
    page = html_text(hostile)
    assert full_marks_line(course) not in page and ("FAIL" in page or "Not graded" in page or "Nothing" in page)
    assert course.alive()
    assert set(marker_processes()) - before == set()


# -- SIGKILL in the middle of a burst --------------------------------------------------------------
def test_kill_9_mid_burst_grades_each_exactly_once(course, two_students):
    before = len(ledger_runs(course))
    files = [fake_submit(course, f"burst{i:02d}", REFERENCE if i % 3 else buggy_module()) for i in range(30)]
    deadline = time.monotonic() + 60
    while len(ledger_runs(course)) < before + 4:  # some graded, most still waiting
        assert time.monotonic() < deadline and course.alive(), course.errors()
        time.sleep(0.1)
    course.stop(signal.SIGKILL)
    assert len(ledger_runs(course)) < before + 30, "the burst was over before the kill"
    course.start()
    wait_for(files, 90, course)
    rows = [r for r in ledger_runs(course) if r[0].startswith("burst")]
    assert len(rows) == 30 and len({run for _, run in rows}) == 30, rows  # one row per submission
    assert sorted(s for s, _ in rows) == [f"burst{i:02d}" for i in range(30)]
    for i, path in enumerate(files):
        assert ("FAIL" in html_text(path)) == (i % 3 == 0)
    status = run_course("serve", course.dir, "--status", course=course.toml)
    assert status.returncode == 0 and "running (pid" in status.stdout and "queue: 0 " in status.stdout, status.stdout


# -- after the due date ----------------------------------------------------------------------------
def test_after_the_due_date_a_resubmission_shows_every_test(course, two_students):
    course.stop()
    text = course.toml.read_text().replace("due = 2027-02-05T23:59:00Z", "due = 2026-01-05T23:59:00Z", 1)
    course.toml.write_text(text)
    course.start()
    ben = Student(course, "ben")
    ben.submit(buggy_module())
    page = html_text(ben.feedback(count=2)[-1])
    assert "submitted after the due date" in page, page
    for name in shown_names(course, "hidden") + shown_names(course, "visible"):
        assert name in page
    assert "Hidden tests run after the deadline" not in page
    assert re.search(r"Score: [0-9.]+ / 20", page)
