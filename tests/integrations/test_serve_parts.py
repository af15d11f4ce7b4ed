"""The parts of `course serve` without nbgrader's commands: names, limits, the private copy, retries, restarts.

The service tests here run `Service.run(once=True)` in this process on a
temporary exchange (the layout `nbgrader submit` writes), with the engine's
worker replaced where a failure must be forced.
"""
import datetime as dt
import json
import os
import secrets
import shutil
import sys
import sqlite3
import tempfile
import time
from pathlib import Path

import pytest

from conftest import REPO, make_course
from autograder.config import ServeSettings, load_course
from autograder.engine.attention import attention_list
from autograder.engine.lateness import parse_timestamp
from autograder.engine.results import collect_results
from autograder.serve import limits, service as service_module
from autograder.serve.exchange import Exchange, Inbound, parse_inbound_name
from autograder.serve.intake import take
from autograder.serve.service import Service

ID, MODULE = "01_neuron", "neuron.py"
REFERENCE = (REPO / "solutions" / ID / MODULE).read_text()
IDS = {ID, "02_forward"}


@pytest.mark.parametrize("name, parsed", [
    ("ada+01_neuron+2026-12-06 21:00:00.000001 UTC+abcDEF123_-x", ("ada", ID, "2026-12-06 21:00:00.000001 UTC")),
    ("ada+01_neuron+2026-12-06 21:00:00.000001 UTC", ("ada", ID, "2026-12-06 21:00:00.000001 UTC")),
    ("a+b+01_neuron+2026-12-06 21:00:00 UTC+xyz", ("a+b", ID, "2026-12-06 21:00:00 UTC")),
    ("ada+99_other+2026-12-06 21:00:00 UTC+xyz", None),       # not an assignment of the course
    ("ad\u0430+01_neuron+2026-12-06 21:00:00 UTC+xyz", None),  # a Cyrillic look-alike letter
    ("ada\n+01_neuron+2026-12-06 21:00:00 UTC+xyz", None),
    ("feedback+01_neuron+2026-12-06 21:00:00 UTC+xyz", None),  # nbgrader's own folder name
    ("ada+01_neuron", None),
])
def test_an_inbound_name_is_read_whole(name, parsed):
    assert parse_inbound_name(name, IDS) == parsed


def test_limits_cooldown_and_hourly_count_graded_submissions_only():
    t0 = dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.timezone.utc)
    minutes = lambda m: t0 + dt.timedelta(minutes=m)  # noqa: E731
    cooldown = ServeSettings(cooldown_minutes=10)
    assert limits.check(cooldown, minutes(0), []).allowed
    early = limits.check(cooldown, minutes(5), [minutes(0)])
    assert not early.allowed and early.next_at == minutes(10) and "every 10 minute(s)" in early.message
    assert limits.check(cooldown, minutes(10), [minutes(0)]).allowed
    hourly = ServeSettings(max_per_hour=2)
    over = limits.check(hourly, minutes(30), [minutes(0), minutes(20)])
    assert not over.allowed and over.next_at == minutes(60) and "at most 2 submission(s) per hour" in over.message
    assert limits.check(hourly, minutes(61), [minutes(0), minutes(20)]).allowed
    assert limits.check(hourly, minutes(30), [minutes(0), minutes(31)]).allowed  # a later one does not count


def _inbound_folder(inbound: Path, student: str, module_text: str | None, stamp: str | None = None) -> Path:
    stamp = stamp or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    staging = inbound.parent / ".staging" / f"{student}+{ID}+{stamp}+{secrets.token_urlsafe(9)}"
    staging.mkdir(parents=True)
    if module_text is not None:
        (staging / MODULE).write_text(module_text)
    (staging / f"{ID}.ipynb").write_text("{}")
    (staging / "timestamp.txt").write_text(stamp)
    (staging / "submission_secret.txt").write_text(secrets.token_hex(64))
    folder = inbound / staging.name
    os.rename(staging, folder)
    return folder


def _inbound(folder: Path) -> Inbound:
    return Inbound(folder.name, *parse_inbound_name(folder.name, IDS), arrived=os.lstat(folder).st_ctime)


def test_the_private_copy_takes_no_link_and_believes_no_backdated_timestamp(tmp_path):
    course = load_course(REPO / "course.toml")
    exchange = Exchange(tmp_path / "exchange", "nnfs")
    exchange.inbound.mkdir(parents=True)
    secret_target = tmp_path / "someone_elses.py"
    secret_target.write_text("SECRET = 1\n")
    linked = _inbound_folder(exchange.inbound, "ada", None)
    (linked / MODULE).symlink_to(secret_target)
    hard = _inbound_folder(exchange.inbound, "ben", None)
    os.link(secret_target, hard / MODULE)
    backdated = _inbound_folder(exchange.inbound, "cy", REFERENCE, stamp="2027-01-01 00:00:00.000000 UTC")
    for folder, why in ((linked, "symbolic link"), (hard, "hard link")):
        intake = take(exchange, course.assignment(ID), _inbound(folder), tmp_path / "staging")
        assert why in intake.refusal
        assert not (intake.folder / MODULE).exists()
    intake = take(exchange, course.assignment(ID), _inbound(backdated), tmp_path / "staging")
    assert intake.refusal == "" and (intake.folder / MODULE).read_text() == REFERENCE
    assert abs((intake.submitted_at - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 60
    assert "2027-01-01" in intake.notes[0] and "that time counts" in intake.notes[0]
    assert intake.secret and list(intake.notebooks) == [ID]


@pytest.fixture
def served(tmp_path):
    """A course with [serve] attempts = 2, an exchange with a feedback folder, a Service factory."""
    toml = make_course(tmp_path / "course", seconds=2, submission_seconds=8)
    toml.write_text(toml.read_text() + "\n[serve]\nattempts = 2\nrescan_seconds = 1\n")
    course = load_course(toml)
    exchange = Exchange(tmp_path / "exchange", "nnfs")
    exchange.inbound.mkdir(parents=True)
    out, state = tmp_path / "graded", tmp_path / "state"

    def run():
        Service(course, exchange, out, state, jobs=2).run(once=True)
    return exchange, out, state, run


def _rows(out: Path) -> list[tuple]:
    db = sqlite3.connect(f"file:{out / 'ledger.sqlite'}?mode=ro", uri=True)
    try:
        return db.execute("SELECT student, run, status FROM entries WHERE why = 'submitted'").fetchall()
    finally:
        db.close()


def test_a_submission_that_cannot_be_graded_is_retried_then_reported(served, monkeypatch, tmp_path):
    exchange, out, state, run = served
    calls = tmp_path / "calls"

    def dying_worker(conn, course, assignment, student, *rest):  # in the forked worker
        with open(calls, "a") as f:
            f.write(student + "\n")
        os._exit(9)
    monkeypatch.setattr(service_module, "grade_in_worker", dying_worker)
    _inbound_folder(exchange.inbound, "ada", REFERENCE)
    start = time.monotonic()
    run()
    assert time.monotonic() - start < 60
    assert calls.read_text().split() == ["ada", "ada"]  # [serve] attempts = 2
    assert [(s, st) for s, _, st in _rows(out)] == [("ada", "not graded")]
    pages = [p.read_text() for p in exchange.feedback.glob("*.html")]
    assert len(pages) == 1 and "Not graded." in pages[0] and "the grading process died" in pages[0]
    results, _ = collect_results(out)
    listed = attention_list(results, {})
    assert [(a.student, a.reasons[0][:40]) for a in listed] == [("ada", "not graded: the grading process died (ex")]
    from autograder.serve.status import status_lines
    status = "\n".join(status_lines(load_course(out.parent / "course" / "course.toml"), exchange, state, out))
    assert "not running" in status and "queue: 0 " in status and "errors: 1 submission(s) not graded" in status
    assert "ada 01_neuron: the grading process died" in status and "needs attention: 1" in status


def test_a_restart_writes_missing_feedback_and_grades_nothing_twice(served):
    exchange, out, state, run = served
    for student in ("ada", "ben"):
        _inbound_folder(exchange.inbound, student, REFERENCE)
    run()
    assert sorted(s for s, _, _ in _rows(out)) == ["ada", "ben"]
    pages = sorted(exchange.feedback.glob("*.html"))
    assert len(pages) == 2
    # as if killed after ada's grade was recorded, before her feedback was written
    marker = next(p for p in (state / "done").glob("*.json") if json.loads(p.read_text())["student"] == "ada")
    ada_page = exchange.feedback / json.loads(marker.read_text())["feedback"][0]
    marker.unlink()
    ada_page.unlink()
    run()
    assert ada_page.is_file() and "Visible tests: 20 / 20" in ada_page.read_text()
    assert sorted(s for s, _, _ in _rows(out)) == ["ada", "ben"]  # graded once each, ever


@pytest.mark.parametrize("kind", ["systemd", "jupyterhub"])
def test_the_start_templates_run_this_course_as_the_course_user(kind, tmp_path):
    import shlex
    import types

    from autograder.cli import parser
    from autograder.serve.units import render_start

    course = load_course(REPO / "course.toml")
    course_dir = tmp_path / "nbgrader course"  # a space: one argument all the same
    text = render_start(kind, course, course_dir, jobs=3, user="nnfs-grader")
    if kind == "systemd":
        lines = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
        assert lines["User"] == "nnfs-grader" and shlex.split(lines["ExecStartPre"])[-2:] == ["doctor", "--serve"]
        assert int(lines["TimeoutStartSec"]) >= 60  # isolation and the exchange, never the references' grading
        command = shlex.split(lines["ExecStart"])
        assert "--quiet" not in command  # the log reaches the journal (docs/serve.md: journalctl -u ... -f)
        doctor = parser().parse_args(shlex.split(lines["ExecStartPre"])[3:])
        assert (doctor.command, doctor.serve, doctor.course) == ("doctor", True, course.path.resolve())
    else:
        c = types.SimpleNamespace(JupyterHub=types.SimpleNamespace(services=[]))
        exec(text, {"c": c})
        (entry,) = c.JupyterHub.services
        assert entry["user"] == "nnfs-grader" and entry["name"] == "course-serve-nnfs"
        command = entry["command"]
    assert command[:3] == [sys.executable, "-m", "autograder.cli"]
    args = parser().parse_args(command[3:])
    assert (args.command, args.course_dir, args.jobs, args.course) == ("serve", course_dir, 3, course.path.resolve())


def test_check_owner_a_folder_another_user_owns_is_not_graded_as_the_students_nor_counted(tmp_path, monkeypatch):
    """mallory hands in garbage as ada (cooldown 60 min): before, it was graded as ada's and her own
    submission, just after, was refused by the cooldown; now the garbage is refused, ada's is graded."""
    toml = make_course(tmp_path / "course", seconds=2, submission_seconds=8)
    toml.write_text(toml.read_text() + "\n[serve]\ncheck_owner = true\ncooldown_minutes = 60\n")
    course = load_course(toml)
    exchange = Exchange(tmp_path / "exchange", "nnfs")
    exchange.inbound.mkdir(parents=True)
    forged = _inbound_folder(exchange.inbound, "ada", "garbage = (\n")
    time.sleep(0.02)
    _inbound_folder(exchange.inbound, "ada", REFERENCE)
    owners = {}  # every folder here has the test's uid: the owner of each, as the service sees it, in order

    def owner_of(uid):
        owners[len(owners)] = "mallory" if not owners else "ada"
        return owners[len(owners) - 1]
    monkeypatch.setattr(service_module, "user_name", owner_of)
    Service(course, exchange, tmp_path / "graded", tmp_path / "state").run(once=True)
    assert list(owners.values()) == ["mallory", "ada"]
    results, _ = collect_results(tmp_path / "graded")
    assert {r.student: r.score for r in results} == {"ada": 20}  # her own, not refused by a cooldown
    assert [(s, st) for s, _, st in _rows(tmp_path / "graded")] == [("ada", "graded")]
    markers = [json.loads(p.read_text()) for p in (tmp_path / "state" / "done").glob("*.json")]
    refused = next(m for m in markers if m["name"] == forged.name)
    assert refused["outcome"] == "not graded" and refused["counted"] is False
    assert "belongs to Unix user mallory, not to ada: not graded as ada's" in refused["reason"]
    from autograder.serve.status import status_lines
    status = "\n".join(status_lines(course, exchange, tmp_path / "state", tmp_path / "graded"))
    assert "errors: 1 submission(s) not graded" in status and "belongs to Unix user mallory" in status


def test_course_toml_serve_section_is_checked(tmp_path):
    from autograder.config import CourseConfigError, parse_course

    text = (REPO / "course.toml").read_text()
    assert parse_course(text + "\n[serve]\ncheck_owner = true\nmax_per_hour = 4\n", REPO / "course.toml").serve \
        == ServeSettings(max_per_hour=4, check_owner=True)
    with pytest.raises(CourseConfigError, match=r"serve.check_owner: .*boolean.*\(line \d+\)"):
        parse_course(text + "\n[serve]\ncheck_owner = 1\n", REPO / "course.toml")
    with pytest.raises(CourseConfigError, match=r"serve.cooldown_minute: unknown key \(did you mean 'cooldown_minutes'"):
        parse_course(text + "\n[serve]\ncooldown_minute = 1\n", REPO / "course.toml")


@pytest.mark.slow
def test_on_a_dask_scheduler_each_submission_is_graded_once_with_feedback(served):
    """The --scheduler path: the engine's cluster workers grade, this process records and writes."""
    from distributed import LocalCluster

    exchange, out, state, _ = served
    course = load_course(out.parent / "course" / "course.toml")
    folders = {s: _inbound_folder(exchange.inbound, s, REFERENCE if s != "ben" else "def sigmoid(z): return 0.5\n")
               for s in ("ada", "ben")}
    with LocalCluster(processes=True, n_workers=1, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", scheduler_port=0) as cluster:
        Service(course, exchange, out, state, scheduler=cluster.scheduler_address).run(once=True)
    assert sorted((s, st) for s, _, st in _rows(out)) == [("ada", "graded"), ("ben", "graded")]
    pages = sorted(p.read_text() for p in exchange.feedback.glob("*.html"))
    assert len(pages) == len(folders) and sum("Visible tests: 20 / 20" in p for p in pages) == 1


def test_a_submission_the_service_cannot_read_is_tried_again_then_reported(served, monkeypatch):
    exchange, out, state, run = served
    tries = []

    def unreadable(exchange, assignment, submission, staging, *due):
        tries.append(submission.student)
        raise PermissionError(13, "Permission denied", submission.name)
    monkeypatch.setattr(service_module, "take", unreadable)
    _inbound_folder(exchange.inbound, "ada", REFERENCE)
    run()
    assert tries == ["ada", "ada"]
    assert [(s, st) for s, _, st in _rows(out)] == [("ada", "not graded")]
    results, _ = collect_results(out)
    (item,) = attention_list(results, {})
    assert item.student == "ada" and "could not read the submission" in item.reasons[0]
    assert "Permission denied" in next((state / "feedback").glob("*/feedback.md")).read_text()


# -- what an instructor found running it -------------------------------------------------------------
PAYLOAD = "<img src=x onerror=alert(1)><script>alert(2)</script>"


def test_a_stop_of_the_service_while_grading_is_not_an_attempt(served, monkeypatch, tmp_path, caplog):
    """Two `systemctl restart`s (SIGTERM) during one grading: the submission is graded all the same."""
    import signal

    exchange, out, state, run = served
    caplog.set_level("INFO", logger="course")
    calls, real_work = tmp_path / "calls", service_module.grade_in_worker

    def stopped_service_worker(conn, *args):  # the first two workers: the service is stopped under them
        with open(calls, "a") as f:
            f.write("start\n")
        if len(calls.read_text().split()) <= 2:
            os.kill(os.getppid(), signal.SIGTERM)
            time.sleep(30)
        real_work(conn, *args)
    monkeypatch.setattr(service_module, "grade_in_worker", stopped_service_worker)
    _inbound_folder(exchange.inbound, "ada", REFERENCE)
    for _ in range(3):  # [serve] attempts = 2: before, the third start said "started 2 times and never finished"
        run()
    assert len(calls.read_text().split()) == 3
    assert [(s, st) for s, _, st in _rows(out)] == [("ada", "graded")]
    (page,) = exchange.feedback.glob("*.html")
    assert "Visible tests: 20 / 20" in page.read_text()
    log = caplog.text
    assert "cut short by 2 stop(s) of the service (not counted as attempts)" in log and "NOT GRADED" not in log


def test_not_graded_submissions_do_not_count_and_an_instructor_can_regrade(served, monkeypatch, caplog):
    """The worker dies twice on ada's first submission: NOT GRADED; her second is graded although
    max_per_hour = 1 and cooldown_minutes = 30; `--regrade` then grades the first one too."""
    from autograder.cli import parser

    exchange, out, state, _ = served
    caplog.set_level("INFO", logger="course")
    toml = out.parent / "course" / "course.toml"
    toml.write_text(toml.read_text() + "max_per_hour = 1\ncooldown_minutes = 30\n")  # still in [serve]
    course = load_course(toml)
    run = lambda: Service(course, exchange, out, state, jobs=2).run(once=True)  # noqa: E731
    monkeypatch.setattr(service_module, "grade_in_worker", lambda *args: os._exit(9))
    first = _inbound_folder(exchange.inbound, "ada", REFERENCE)
    run()
    monkeypatch.undo()
    second = _inbound_folder(exchange.inbound, "ada", REFERENCE)
    run()
    assert [st for _, _, st in _rows(out)] == ["not graded", "graded"]
    log = caplog.text
    assert "NOT GRADED after 2 attempt(s)" in log and "over the limit" not in log
    # the instructor asks for the first one again (the CLI, in this process)
    args = parser().parse_args(["--course", str(toml), "serve", str(out.parent / "nbc"), "--state", str(state),
                                "--regrade", "ada", ID])
    assert args.run(args) == 0
    third = _inbound_folder(exchange.inbound, "ada", REFERENCE)
    run()
    rows = _rows(out)
    assert [st for _, _, st in rows] == ["not graded", "graded", "graded"]
    assert rows[2][1] == rows[0][1] + "#1"  # the regrade's own run; the not-graded row stays
    markers = {m["name"]: m for m in (json.loads(p.read_text()) for p in (state / "done").glob("*.json"))}
    assert markers[first.name]["outcome"] == "graded" and markers[second.name]["outcome"] == "graded"
    # the third is turned away: two graded ones in the hour, the later of the two limits' times
    assert markers[third.name]["outcome"] == "limited"
    assert markers[third.name]["reason"].startswith("Hourly limit:")
    assert args.run(args) == 1  # nothing not graded is left


def test_the_limits_give_the_later_time_and_say_which_limit():
    t0 = dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.timezone.utc)
    minutes = lambda m: t0 + dt.timedelta(minutes=m)  # noqa: E731
    both = ServeSettings(max_per_hour=2, cooldown_minutes=10)
    verdict = limits.check(both, minutes(30), [minutes(0), minutes(25)])  # cooldown: 12:35; hourly: 13:00
    assert verdict.next_at == minutes(60) and verdict.message.startswith("Hourly limit:")
    assert "13:00:00" in verdict.message and "12:35" not in verdict.message
    verdict = limits.check(both, minutes(50), [minutes(0), minutes(45)])  # cooldown 12:55 < hourly 13:00
    assert verdict.next_at == minutes(60)
    verdict = limits.check(ServeSettings(max_per_hour=3, cooldown_minutes=10), minutes(30), [minutes(25)])
    assert verdict.next_at == minutes(35) and verdict.message.startswith("Cooldown:")
    assert limits.describe(ServeSettings()) == "no limits: add [serve] max_per_hour/cooldown_minutes to course.toml"
    assert limits.describe(both) == ("limits per student and assignment: at most 2 graded submission(s) per hour, "
                                     "10 minute(s) between two graded submissions")


def test_the_feedback_page_escapes_what_the_student_wrote(served):
    """A ValueError with markup in its message, printed markup: text on the page, never elements."""
    from autograder.serve import feedback as fb

    exchange, out, state, run = served
    module = REFERENCE.replace("def sigmoid(z):", f"def sigmoid(z):\n    print({PAYLOAD!r})\n"
                               f"    raise ValueError({PAYLOAD!r})\n", 1)
    _inbound_folder(exchange.inbound, "ada", module)
    run()
    (page,) = exchange.feedback.glob("*.html")
    kept = next((state / "feedback").glob("*/feedback.html"))
    for text in (page.read_text(), kept.read_text()):
        assert "FAIL" in text and "&lt;script&gt;alert(2)&lt;/script&gt;" in text
        assert "<script" not in text and "<img" not in text
    course = load_course(out.parent / "course" / "course.toml")
    when = dt.datetime(2027, 2, 1, tzinfo=dt.timezone.utc)
    for view in (fb.view_of(course, course.assignment(ID), "ada", when, None, fb.NOT_GRADED, None, PAYLOAD),
                 fb.view_of(course, course.assignment(ID), "ada", when, None, fb.LIMITED, None, PAYLOAD,
                            graded_before=False)):
        html, markdown = fb.render_html(view), fb.render_markdown(view)
        assert "<script" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "<script>" not in markdown and "\\<script\\>" in markdown  # Markdown's own escape
    assert "Nothing of yours is graded yet" in html and "score stands" not in html


def test_a_second_service_on_the_same_exchange_is_refused(served, tmp_path):
    from autograder.serve.service import ServiceError

    exchange, out, state, _ = served
    course = load_course(out.parent / "course" / "course.toml")
    first = Service(course, exchange, out, state)
    first._lock()
    try:
        _inbound_folder(exchange.inbound, "ada", REFERENCE)
        with pytest.raises(ServiceError, match=rf"pid {os.getpid()}, state folder {state.resolve()}\) already "
                                               rf"serves the exchange"):
            Service(course, exchange, tmp_path / "graded2", tmp_path / "state2").run(once=True)
        assert not list(exchange.feedback.glob("*.html"))
        from autograder.serve.status import status_lines
        status = "\n".join(status_lines(course, exchange, tmp_path / "state2", tmp_path / "graded2"))
        assert f"served by another `course serve`: pid {os.getpid()}, state folder {state.resolve()}" in status
    finally:
        os.close(first._lock_fd)
        os.close(first._exchange_lock_fd)
    status = "\n".join(status_lines(course, exchange, state, out))
    assert "served by another" not in status  # the lock is free again
    assert "no limits: add [serve] max_per_hour/cooldown_minutes to course.toml" in status


def test_the_start_is_refused_as_root_and_says_what_the_user_cannot_reach(tmp_path):
    import pwd

    from autograder.serve.units import StartError, check_start, unreachable

    course = load_course(REPO / "course.toml")
    with pytest.raises(StartError, match="never runs as root"):
        check_start(course, tmp_path, "root")
    with pytest.raises(StartError, match="no such user"):
        check_start(course, tmp_path, "no-such-course-user")
    nobody = pwd.getpwnam("nobody")
    # tmp_path's own parent is 0700: nobody reaches nothing under it (the check walks every folder)
    assert "no execute permission for nobody (mode drwx------)" in unreachable(tmp_path, nobody, 1)
    import tempfile
    with tempfile.TemporaryDirectory(prefix="serve-units-") as folder:  # in /tmp (1777): a path nobody may walk
        private = Path(folder) / "private"
        private.mkdir(mode=0o700)
        (private / "course.toml").write_text("")
        os.chmod(folder, 0o755)
        assert "no execute permission for nobody (mode drwx------)" in unreachable(private / "course.toml",
                                                                                     nobody, 4)
        private.chmod(0o755)
        (private / "course.toml").chmod(0o600)
        assert "not readable by nobody" in unreachable(private / "course.toml", nobody, 4)
        (private / "course.toml").chmod(0o644)
        assert unreachable(private / "course.toml", nobody, 4) is None


def test_print_refuses_to_run_the_service_as_root(tmp_path, capsys):
    from autograder.cli import main

    code = main(["--course", str(REPO / "course.toml"), "serve", str(tmp_path), "--print", "systemd"])
    printed = capsys.readouterr()
    if os.geteuid() == 0:  # no --user: the unit would say User=root
        assert code == 2 and "never runs as root" in printed.err and "User=" not in printed.out
    else:
        assert code == 0 and "User=" in printed.out and "runuser -u" in printed.out


def test_the_small_things(served, tmp_path):
    from autograder.serve.exchange import ExchangeError, find_exchange
    from autograder.serve.status import _short

    exchange, out, state, _ = served
    course = load_course(out.parent / "course" / "course.toml")
    (tmp_path / "nbc").mkdir()
    (tmp_path / "nbc" / "nbgrader_config.py").write_text("c = get_config()\n")
    with pytest.raises(ExchangeError) as raised:
        find_exchange(course, tmp_path / "nbc", tmp_path / "wrong")
    assert "from --exchange" in str(raised.value) and "set c.Exchange.root" not in str(raised.value)
    reason = "the grading process ran past its 12.5 s " * 10
    assert _short(reason, 60) == "the grading process ran past its 12.5 s the grading …"
    from autograder.engine.ledger import open_ledger
    open_ledger(tmp_path / "graded").close()
    assert (tmp_path / "graded" / "ledger.sqlite").stat().st_mode & 0o777 == 0o600


def _exchange_folders(folder_a: Path, folder_b: Path) -> bool:
    """Swap two names atomically (renameat2 RENAME_EXCHANGE, as an attacker would); False when unavailable."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return libc.renameat2(at_fdcwd, os.fsencode(folder_a), at_fdcwd, os.fsencode(folder_b), rename_exchange) == 0


@pytest.fixture
def swap_setup(tmp_path):
    """An exchange with ada's submission (the released stub) and, beside it, a link to the reference solution's
    folder that a student can swap in at the submission's name."""
    course = load_course(REPO / "course.toml")
    exchange = Exchange(tmp_path / "exchange", "nnfs")
    exchange.inbound.mkdir(parents=True)
    stub = "def neuron(x):\n    return 0  # the student's own\n"
    folder = _inbound_folder(exchange.inbound, "ada", stub)
    link = exchange.inbound / ".ada.link"
    link.symlink_to(REPO / "solutions" / ID, target_is_directory=True)
    return course, exchange, folder, link, stub


def test_a_folder_swapped_for_a_link_after_it_is_opened_is_still_the_students_own(swap_setup, monkeypatch, tmp_path):
    from autograder.serve import intake as intake_module

    course, exchange, folder, link, stub = swap_setup
    submission = _inbound(folder)
    real_open = intake_module.open_folder

    def open_then_swap(path, *args, **kwargs):  # the listing and the open are done: the name now names the link
        fd = real_open(path, *args, **kwargs)
        aside = folder.with_name(".ada.real")
        os.rename(folder, aside)
        os.rename(link, folder)
        return fd
    monkeypatch.setattr(intake_module, "open_folder", open_then_swap)
    intake = take(exchange, course.assignment(ID), submission, tmp_path / "staging")
    assert folder.is_symlink()  # the swap happened
    assert intake.refusal == "" and (intake.folder / MODULE).read_text() == stub
    monkeypatch.setattr(intake_module, "open_folder", real_open)
    intake = take(exchange, course.assignment(ID), submission, tmp_path / "staging")  # the link, from the start
    assert "not a plain folder (a symbolic link)" in intake.refusal and not (intake.folder / MODULE).exists()
    assert (tmp_path / "staging").stat().st_mode & 0o777 == 0o700
    assert (intake.folder.stat().st_mode & 0o077) == 0


def test_a_thread_racing_renames_never_gets_the_linked_folder_graded(swap_setup, tmp_path):
    import threading

    course, exchange, folder, link, stub = swap_setup
    if not _exchange_folders(folder, link) or not _exchange_folders(folder, link):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    submission = _inbound(folder)
    stop = threading.Event()

    def racer():
        while not stop.is_set():
            _exchange_folders(folder, link)
    thread = threading.Thread(target=racer, daemon=True)
    thread.start()
    taken = {"own": 0, "refused": 0}
    deadline = time.monotonic() + 3.0
    try:
        while time.monotonic() < deadline:
            intake = take(exchange, course.assignment(ID), submission, tmp_path / "staging")
            copied = intake.folder / MODULE
            if intake.refusal:
                assert not copied.exists()
                taken["refused"] += 1
            else:
                assert copied.read_text() == stub  # never the reference solution
                taken["own"] += 1
    finally:
        stop.set()
        thread.join(timeout=5)
    assert sum(taken.values()) > 20


def test_a_timestamp_before_the_due_date_is_not_believed_from_a_folder_that_arrived_after_it(tmp_path):
    from autograder.serve.intake import submission_time

    folder = tmp_path / "sub"
    folder.mkdir()
    arrived = dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.timezone.utc)
    submission = Inbound("ada+01_neuron+x", "ada", ID, "x", arrived=arrived.timestamp())
    before = lambda seconds: arrived - dt.timedelta(seconds=seconds)  # noqa: E731

    def told(stamp_seconds_before, due):
        (folder / "timestamp.txt").write_text(before(stamp_seconds_before).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            return submission_time(fd, submission, due)
        finally:
            os.close(fd)
    when, note, flag = told(180, before(120))  # 3 min before the arrival, the due date between: not believed
    assert when == arrived and "after the due date" in note and flag.startswith("late unknown: timestamp.txt says")
    assert told(45, before(30))[0] == before(45)  # within the 60 s clock skew: believed
    assert told(180, before(-3600)) == (before(180), "", "")  # a slow copy, far from the due date: believed
    assert told(180, None) == (before(180), "", "")


def test_junk_in_inbound_never_hides_a_submission_and_is_told(served, monkeypatch, caplog):
    """Before, the listing stopped at 100,000 entries without a word: junk named first hid every submission.
    Bounds lowered here (parameters) so that the test stays fast."""
    from autograder.serve.exchange import scan_inbound
    from autograder.serve.status import status_lines

    exchange, out, state, run = served
    caplog.set_level("INFO", logger="course")
    for n in range(1500):
        (exchange.inbound / f"junk{n:05d}").touch()
    for student in ("ada", "ben", "cy"):
        _inbound_folder(exchange.inbound, student, REFERENCE)
    listing = scan_inbound(exchange, IDS, max_pending=2, max_refused=10)
    assert [s.student for s in listing.submissions] == ["ada", "ben"] and listing.waiting_beyond == 1
    assert listing.refused_count == 1500 and len(listing.refused) == 10 and listing.entries == 1503
    monkeypatch.setattr(service_module, "MAX_NAMES_LOGGED", 5)
    monkeypatch.setattr(service_module, "MAX_PENDING", 1)
    run()
    assert sorted(s for s, _, st in _rows(out) if st == "graded") == ["ada", "ben", "cy"]
    assert caplog.text.count("not a submission") == 5
    assert "inbound/ holds 1500 entries that are not submissions (of 1503 listed)" in caplog.text
    assert "2 submission(s) in inbound/ wait beyond the 1 earliest kept per listing" in caplog.text
    course = load_course(out.parent / "course" / "course.toml")
    status = "\n".join(status_lines(course, exchange, state, out))
    assert "queue: 0 " in status and "needs attention: 4 " in status  # the three copies of the reference, the junk
    assert "inbound/ holds 1500 entries that are not submissions" in status


def test_an_entry_toggled_in_inbound_is_logged_once(served, caplog):
    from autograder.serve.exchange import Listing

    exchange, out, state, _ = served
    caplog.set_level("INFO", logger="course")
    service = Service(load_course(out.parent / "course" / "course.toml"), exchange, out, state)
    for names in ({"junk"}, set(), {"junk"}, {"junk", "other"}):
        service._tell_listing(Listing(refused=set(names), refused_count=len(names)))
    assert caplog.text.count("inbound/junk: not a submission") == 1
    assert caplog.text.count("inbound/other: not a submission") == 1


def test_the_service_never_grades_a_folder_swapped_in_between_the_listing_and_the_copy(swap_setup, tmp_path,
                                                                                         monkeypatch):
    """The hook runs after the listing, before the copy: ada's name now names a link to the reference."""
    course, exchange, folder, link, stub = swap_setup
    real_take = service_module.take

    def swap_then_take(*args, **kwargs):
        os.rename(folder, folder.with_name(".ada.real"))
        os.rename(link, folder)
        return real_take(*args, **kwargs)
    monkeypatch.setattr(service_module, "take", swap_then_take)
    Service(course, exchange, tmp_path / "graded", tmp_path / "state").run(once=True)
    results, _ = collect_results(tmp_path / "graded")
    (result,) = results
    assert result.student == "ada" and not result.graded and "not a plain folder (a symbolic link)" in result.reason


def test_doctor_serve_checks_the_exchange_and_grades_no_reference(tmp_path, monkeypatch, capsys):
    """The systemd unit's ExecStartPre: before, a full `course doctor` graded every reference (31 s) and failed
    on checks the service does not need (Gradescope's pyproject.toml)."""
    from autograder.cli import main
    from autograder.nbgrader_course.config_files import plan_config_files, write_config_files

    toml = make_course(tmp_path / "course")
    nbc = tmp_path / "nbc"
    nbc.mkdir()
    write_config_files(plan_config_files(load_course(toml), nbc, force=False))  # as `course nbgrader init`
    monkeypatch.chdir(nbc)
    capsys.readouterr()
    start = time.monotonic()
    assert main(["--course", str(toml), "doctor", "--serve"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  exchange:" in out and "no inbound folder" in out
    (tmp_path / "exchange" / "nnfs" / "inbound").mkdir(parents=True)
    with open(nbc / "nbgrader_config.py", "a") as f:
        f.write(f"c.Exchange.root = {str(tmp_path / 'exchange')!r}\n")
    main(["--course", str(toml), "doctor", "--serve"])
    out = capsys.readouterr().out
    assert time.monotonic() - start < 60
    assert "ok    exchange:" in out and "ok    nbgrader:" in out and "isolation" in out.lower()
    assert "reference" not in out.lower() and "Gradescope" not in out and "MNIST" not in out


def test_docs_say_which_check_owner_is_the_default():
    line = next(line for line in (REPO / "docs" / "serve.md").read_text().splitlines() if "check_owner =" in line)
    value, comment = line.split("=", 1)[1].split("#", 1)
    assert value.strip() == str(ServeSettings().check_owner).lower() and comment.strip().startswith("the default")


def test_a_folder_gone_or_replaced_by_a_file_is_not_graded_and_an_unreadable_one_is_an_error(swap_setup, tmp_path):
    course, exchange, folder, link, stub = swap_setup
    submission = _inbound(folder)
    os.rename(folder, folder.with_name(".ada.real"))
    intake = take(exchange, course.assignment(ID), submission, tmp_path / "staging")
    assert intake.refusal == "the submission is not a plain folder (it is gone from the exchange)"
    folder.write_text("a file now")
    intake = take(exchange, course.assignment(ID), submission, tmp_path / "staging")
    assert intake.refusal == "the submission is not a plain folder (not a folder)"
    folder.unlink()
    os.rename(folder.with_name(".ada.real"), folder)
    if os.geteuid() != 0:  # root reads a folder of mode 000 all the same
        folder.chmod(0)
        try:
            with pytest.raises(PermissionError):  # the service tries again, then reports it (test above)
                take(exchange, course.assignment(ID), submission, tmp_path / "staging")
        finally:
            folder.chmod(0o755)


def test_a_backdated_timestamp_across_the_due_date_is_graded_late_and_flagged(served, monkeypatch):
    exchange, out, state, run = served
    now = dt.datetime.now(dt.timezone.utc)
    due = now - dt.timedelta(seconds=90)
    monkeypatch.setattr(service_module.extensions, "due_date", lambda *args: due)
    stamp = (now - dt.timedelta(minutes=4)).strftime("%Y-%m-%d %H:%M:%S.%f %Z")  # within the old 5 minutes
    _inbound_folder(exchange.inbound, "ada", REFERENCE, stamp=stamp)
    run()
    results, _ = collect_results(out)
    (result,) = results
    assert any(flag.startswith("late unknown: timestamp.txt says") for flag in result.flags)
    (item,) = attention_list(results, {})
    assert any("late unknown" in reason for reason in item.reasons)
    marker = json.loads(next((state / "done").glob("*.json")).read_text())
    assert dt.datetime.fromisoformat(marker["submitted_at"]) > due  # the arrival counts: late
    assert "after the due date" in next((state / "feedback").glob("*/feedback.md")).read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox uid's write is tried as root")
def test_the_service_refuses_a_mode_whose_sandbox_can_write_into_inbound(tmp_path, monkeypatch):
    """uid+rlimits (no namespaces) on the exchange's host: inbound/ is 2733, so student code could drop a
    forged submission there; the service refuses to start (exit 3 in `course serve`), naming mode and folder."""
    from autograder.engine.errors import GradingError

    top = Path(tempfile.mkdtemp(prefix="nnfs-serve-inbound-"))
    try:
        top.chmod(0o711)
        course = load_course(make_course(tmp_path / "course"))
        exchange = Exchange(top / "exchange", "nnfs")
        exchange.inbound.mkdir(parents=True)
        exchange.inbound.chmod(0o2733)
        monkeypatch.setattr(service_module, "isolation_mode", lambda protected: "uid+rlimits")
        _inbound_folder(exchange.inbound, "ada", REFERENCE)
        with pytest.raises(GradingError, match=f"isolation uid\\+rlimits lets student code create files in "
                                               f"{exchange.inbound} \\(the exchange's inbound/"):
            Service(course, exchange, tmp_path / "graded", tmp_path / "state").run(once=True)
        assert not (tmp_path / "graded" / "ada").exists()
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_a_module_written_over_after_the_due_date_while_queued_is_graded_late(tmp_path):
    """Before, the module read at its turn in the queue counted as submitted at the folder's arrival."""
    course = load_course(REPO / "course.toml")
    exchange = Exchange(tmp_path / "exchange", "nnfs")
    exchange.inbound.mkdir(parents=True)
    folder = _inbound_folder(exchange.inbound, "ada", "def sigmoid(z):\n    return 0\n")
    fresh = _inbound(folder)
    intake = take(exchange, course.assignment(ID), fresh, tmp_path / "staging", None)
    assert intake.notes == [] and intake.flags == []  # as nbgrader writes it: no change after the arrival
    with open(folder / MODULE, "r+b") as module:  # written over in place: the folder's ctime stays
        module.write(REFERENCE.encode())
        module.truncate()
    later = time.time() + 600
    os.utime(folder / MODULE, (later, later))  # the change, 10 minutes after the (real) arrival
    due = dt.datetime.fromtimestamp(fresh.arrived + 300, dt.timezone.utc)
    intake = take(exchange, course.assignment(ID), fresh, tmp_path / "staging", due)
    assert (intake.folder / MODULE).read_text() == REFERENCE
    assert abs(intake.submitted_at.timestamp() - later) < 1
    assert "neuron.py was changed at" in intake.notes[0] and "after the due date" in intake.notes[0]
    assert intake.flags and intake.flags[0].startswith("late unknown: neuron.py in the submission was changed")
    assert abs(parse_timestamp((intake.folder / "timestamp.txt").read_text()).timestamp() - later) < 1
    far = dt.datetime.fromtimestamp(later + 86400, dt.timezone.utc)  # the change is before the due date: on time
    intake = take(exchange, course.assignment(ID), fresh, tmp_path / "staging", far)
    assert "neuron.py was changed at" in intake.notes[0] and intake.flags == []
    assert abs(intake.submitted_at.timestamp() - later) < 1


def test_with_a_roster_a_name_not_on_it_is_refused_not_graded_nor_recorded(served, caplog):
    """Before, any valid id was graded: one student could queue slow work under made-up names."""
    from autograder.serve.status import status_lines

    exchange, out, state, run = served
    caplog.set_level("INFO", logger="course")
    roster = out.parent / "course" / "roster.csv"
    roster.write_text("student,name\nada,Ada Lovelace\n")
    made_up = _inbound_folder(exchange.inbound, "zz1", REFERENCE)
    _inbound_folder(exchange.inbound, "ada", REFERENCE)
    run()
    run()  # a second scan: the refused one is not looked at (nor logged) again
    assert [(s, st) for s, _, st in _rows(out)] == [("ada", "graded")]
    results, _ = collect_results(out)
    assert [r.student for r in results] == ["ada"]
    marker = next(m for m in (json.loads(p.read_text()) for p in (state / "done").glob("*.json"))
                  if m["name"] == made_up.name)
    assert marker["outcome"] == "not graded" and marker["counted"] is False
    assert caplog.text.count("zz1 is not on the course's class list (roster.csv)") == 1
    status = "\n".join(status_lines(load_course(out.parent / "course" / "course.toml"), exchange, state, out))
    assert "errors: 1 submission(s) not graded" in status and "not on the course's class list" in status
    roster.write_text("student,name\nada,Ada Lovelace\nzz1,Zed Zed\n")  # added while the service runs
    _inbound_folder(exchange.inbound, "zz1", REFERENCE)
    run()
    assert sorted(s for s, _, st in _rows(out)) == ["ada", "zz1"]
    service = Service(load_course(out.parent / "course" / "course.toml"), exchange, out, state)
    assert service._on_roster("zz1") and not service._on_roster("zz2")
    roster.write_text("student,name\nada,Ada Lovelace\nzz2,Zed Two\n")  # read again once changed
    assert service._on_roster("zz2") and not service._on_roster("zz1")
    roster.write_text("student,name\nada,Ada Lovelace\nada,Twice\n")  # unusable: the one read before is kept
    assert service._on_roster("zz2") and "is already on line 2" in caplog.text
    roster.unlink()  # no roster: every valid id is graded (docs/serve.md)
    assert service._on_roster("zz9")


def test_the_count_of_junk_in_inbound_is_logged_at_most_hourly_unless_it_doubles(served, monkeypatch, caplog):
    """Before, one junk file added per rescan gave one WARNING per rescan."""
    from autograder.serve.exchange import Listing

    exchange, out, state, _ = served
    caplog.set_level("INFO", logger="course")
    monkeypatch.setattr(service_module, "MAX_NAMES_LOGGED", 5)
    service = Service(load_course(out.parent / "course" / "course.toml"), exchange, out, state)
    now = [0.0]
    service.clock = lambda: now[0]

    def listed(count, at):
        now[0] = at
        service._tell_listing(Listing(refused={f"junk{n}" for n in range(min(count, 5))}, refused_count=count))
        return caplog.text.count(f"inbound/ holds {count} entries that are not submissions")
    assert listed(10, 0) == 1
    assert [listed(count, 60 * count) for count in range(11, 20)] == [0] * 9  # one more per minute: quiet
    assert listed(20, 1300) == 1  # doubled
    assert listed(21, 1400) == 0
    assert listed(22, 1300 + 3600) == 1  # an hour on
    assert listed(22, 1300 + 9000) == 1  # not grown: not again (still the one line)
