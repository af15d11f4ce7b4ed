"""Leaks around the sandbox in the uid modes, each a real submission graded by `course grade` beside an
honest student, the host checked afterwards (issue 22):

- a class (or the reference) in folders other users may enter but not list (0711), whose files
  are readable by path: the probe tries them as the sandbox uid and refuses the mode;
- a POSIX message queue left by one student for the next (mq_open is denied);
- files in a world-writable subfolder of /tmp (the clean-up looks below the top);
and, without grading, the sweep and the probe's reading as the sandbox uid on their own.

Run in every mode: nsjail, and uid+landlock / uid+rlimits under tests/docker_like.py.
"""
import ctypes
import ctypes.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from conftest import REPO, hide_course_args, make_course
from test_engine_hostile import WRONG

REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_text()
MARKER = "nnfs-leak-marker"
QUEUE = f"/{MARKER}-{os.getpid()}"
SHARED_SUBFOLDER = Path(f"/tmp/{MARKER}-shared-{os.getpid()}")  # 1777, as a host's /tmp/.X11-unix
NOBODY = 65534

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the uid modes and the host checks need root")

MQ = textwrap.dedent("""
    import ctypes, ctypes.util
    rt = ctypes.CDLL(ctypes.util.find_library("rt") or None, use_errno=True)
    rt.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
""")
LEAKS = {
    # leaves a message in a queue anyone may read; the next student reads it
    "a_sender": MQ + textwrap.dedent(f"""
        queue = rt.mq_open({QUEUE.encode()!r}, 0o100 | 2, 0o666, None)  # O_CREAT | O_RDWR
        if queue < 0:
            print("MQ denied", ctypes.get_errno())
        else:
            print("MQ OPENED", rt.mq_send(queue, b"the answer", 10, 0))
    """) + WRONG,
    "b_receiver": MQ + textwrap.dedent(f"""
        queue = rt.mq_open({QUEUE.encode()!r}, 0, 0, None)  # O_RDONLY
        if queue >= 0:
            buffer = ctypes.create_string_buffer(8192)
            print("GOT", rt.mq_receive(queue, buffer, 8192, None), buffer.value)
        else:
            print("MQ none", ctypes.get_errno())
    """) + WRONG,
    # files and folders in a world-writable subfolder of /tmp
    "c_litter": textwrap.dedent(f"""
        import os
        try:
            open({str(SHARED_SUBFOLDER / MARKER)!r}, "w").write("litter")
            os.makedirs({str(SHARED_SUBFOLDER / f"{MARKER}-dir" / "deeper")!r})
            open({str(SHARED_SUBFOLDER / f"{MARKER}-dir" / "deeper" / MARKER)!r}, "w").write("litter")
            print("LITTER written")
        except OSError as exc:
            print("LITTER denied", exc.errno)
    """) + WRONG,
    "d_honest": REFERENCE,
}


def in_mode(mode: str, command: list[str]) -> list[str]:
    if mode == "nsjail":
        return command
    return [sys.executable, str(REPO / "tests" / "docker_like.py"), "--deny-namespaces", *hide_course_args(), "--",
            "env", f"COURSE_ISOLATION={mode}", *command]


def grade(mode: str, course: Path, subs: Path, out: Path, jobs: int = 1) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "autograder.cli", "--course", str(course), "grade", "--assignment", "01_neuron",
               str(subs), "--out", str(out), "--jobs", str(jobs)]
    return subprocess.run(in_mode(mode, command), cwd=REPO, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})


def write_class(folder: Path, sources: dict[str, str]) -> Path:
    for student, source in sources.items():
        (folder / student / "01_neuron").mkdir(parents=True)
        (folder / student / "01_neuron" / "neuron.py").write_text(source)
    return folder


def queue_exists(name: str) -> bool:
    """Whether the POSIX message queue name exists (opened by root, which any mode lets in)."""
    rt = ctypes.CDLL(ctypes.util.find_library("rt") or None, use_errno=True)
    rt.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
    queue = rt.mq_open(name.encode(), 0, 0, None)
    if queue < 0:
        return False
    rt.mq_close(queue)
    return True


def litter() -> list[str]:
    """The markers anywhere below the shared folders (links not followed)."""
    found = []
    for top in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
        for root, dirs, files in os.walk(top):
            found += [os.path.join(root, name) for name in dirs + files if MARKER in name]
    return sorted(found)


def results_of(out, student):
    return json.loads((out / student / "01_neuron" / "results.json").read_text())


@pytest.fixture(scope="module", params=["nsjail", "uid+landlock", "uid+rlimits"])
def graded(request, tmp_path_factory):
    """(mode asked, out folder, printed output by student, host after): LEAKS graded one after another."""
    base = tmp_path_factory.mktemp(f"leaks-{request.param}")
    subs = write_class(base / "submitted", LEAKS)
    SHARED_SUBFOLDER.mkdir()
    SHARED_SUBFOLDER.chmod(0o1777)
    try:
        done = grade(request.param, make_course(base / "course"), subs, base / "out")
        assert done.returncode == 0, done.stderr[-3000:]
        time.sleep(0.5)
        after = {"queue": queue_exists(QUEUE), "shared_subfolder": sorted(os.listdir(SHARED_SUBFOLDER)),
                 "litter": [p for p in litter() if Path(p) != SHARED_SUBFOLDER]}
    finally:
        shutil.rmtree(SHARED_SUBFOLDER, ignore_errors=True)
        rt = ctypes.CDLL(ctypes.util.find_library("rt") or None)
        rt.mq_unlink(QUEUE.encode())
    printed = {s: results_of(base / "out", s)["extra_data"]["printed_output"] for s in LEAKS}
    return request.param, base / "out", printed, after


@pytest.mark.slow
def test_the_leaks_score_nothing_and_the_honest_student_keeps_full_marks(graded):
    mode, out, _, _ = graded
    assert {s: results_of(out, s)["score"] for s in LEAKS} == {"a_sender": 0, "b_receiver": 0, "c_litter": 0,
                                                               "d_honest": 20}
    isolation = results_of(out, "d_honest")["extra_data"]["isolation"]
    assert isolation.startswith("nsjail") if mode == "nsjail" else isolation == mode


@pytest.mark.slow
def test_no_posix_message_queue_carries_anything_to_the_next_student(graded):
    mode, _, printed, after = graded
    assert "GOT" not in printed["b_receiver"], printed["b_receiver"]
    if mode != "nsjail":  # nsjail: a queue of the child's own IPC namespace, gone with it
        assert "MQ denied" in printed["a_sender"], printed["a_sender"]
    assert not after["queue"], "a POSIX message queue outlived the batch"


@pytest.mark.slow
def test_files_in_a_world_writable_subfolder_are_removed(graded):
    mode, _, printed, after = graded
    if mode == "uid+rlimits":  # the machine's /tmp, its own uid's rights
        assert "LITTER written" in printed["c_litter"], printed["c_litter"]
    assert after["shared_subfolder"] == [], after
    assert after["litter"] == []


def _execute_only(folder: Path, top_levels: int):
    """Folders of folder's tree: the top_levels first 0711 (enter, not list), the rest 0755; files 0644."""
    for path in [folder, *folder.rglob("*")]:
        depth = len(path.relative_to(folder).parts)
        path.chmod((0o711 if depth < top_levels else 0o755) if path.is_dir() else 0o644)


@pytest.mark.parametrize("hidden", ["submissions", "solutions"])
def test_a_readable_class_in_execute_only_folders_is_refused_with_the_file_named(hidden, tmp_path):
    """open/ and open/sub 0711, the students' folders 0755, neuron.py 0644: nothing can be listed from
    the top, yet open() by path works for any uid. uid+rlimits must refuse (exit 3) and name a file."""
    top = Path(f"/tmp/{MARKER}-open-{os.getpid()}")
    try:
        top.mkdir(mode=0o711)
        peek = f"print(open({str(top / 'open/sub/honest_a/01_neuron/neuron.py')!r}).read())\n"
        if hidden == "submissions":
            course = make_course(tmp_path / "course")
            subs = write_class(top / "open" / "sub", {"honest_a": REFERENCE, "peeker": peek + REFERENCE})
            _execute_only(top / "open", 2)
            expected = [f"{subs}/honest_a/01_neuron/neuron.py", f"{subs}/peeker/01_neuron/neuron.py"]
        else:
            course = make_course(top / "course")
            (course.parent / "solutions").unlink()
            shutil.copytree(REPO / "solutions", course.parent / "solutions")
            _execute_only(course.parent / "solutions", 1)
            subs = write_class(tmp_path / "submitted", {"honest_a": REFERENCE})
            expected = [f"{course.parent}/solutions/"]
        top.chmod(0o711)
        done = grade("uid+rlimits", course, subs, tmp_path / "out")
        assert done.returncode == 3, done.stdout + done.stderr
        assert "can read what students must not: " in done.stderr, done.stderr
        named = done.stderr.split("can read what students must not: ", 1)[1].split(";")[0]
        assert any(path in named for path in expected) and ".py" in named, named
        assert not (tmp_path / "out" / "honest_a").exists(), "graded in a mode that could read the class"
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_the_sweep_finds_files_below_a_world_writable_subfolder_and_follows_no_link(tmp_path):
    """cleanup.remove_files_of: the sandbox uid's entries in a 1777 subfolder of /tmp (a folder of its own
    stands for all it holds), not those reached through a link, nor those of other uids."""
    from autograder.engine.jail import cleanup
    from autograder.engine.jail.uid import SANDBOX_UID_BASE

    uid = SANDBOX_UID_BASE + 1  # no grading process has this pid's uid here
    shared = Path(f"/tmp/{MARKER}-sweep-{os.getpid()}")
    elsewhere = tmp_path / "elsewhere"
    try:
        (shared / "open" / "mine").mkdir(parents=True)
        for folder in (shared, shared / "open"):
            folder.chmod(0o1777)
        (shared / "open" / "file").write_text("x")
        (shared / "open" / "other").write_text("x")
        elsewhere.mkdir()
        (elsewhere / "file").write_text("x")
        (shared / "open" / "link").symlink_to(elsewhere)
        for path in (shared / "open" / "mine", shared / "open" / "file", elsewhere / "file"):
            os.chown(path, uid, uid)
        os.lchown(shared / "open" / "link", NOBODY, NOBODY)
        cleanup.remove_files_of(uid)
        assert sorted(p.name for p in (shared / "open").iterdir()) == ["link", "other"]
        assert (elsewhere / "file").exists()
    finally:
        shutil.rmtree(shared, ignore_errors=True)



def test_readable_by_opens_by_path_what_folders_it_cannot_list_hold():
    from autograder.engine.jail import uid

    top = Path(f"/tmp/{MARKER}-readable-{os.getpid()}")
    try:
        write_class(top / "sub", {"ada": "x = 1\n", "bob": "x = 2\n"})
        (top / "sub" / "bob" / "01_neuron" / "neuron.py").chmod(0o600)
        (top / "sub" / "ada" / "01_neuron" / "neuron.py").chmod(0o644)
        for folder in (top, top / "sub"):
            folder.chmod(0o711)
        readable = uid.readable_by(uid.SANDBOX_UID_BASE + 1, [top])
        assert str(top / "sub" / "ada" / "01_neuron" / "neuron.py") in readable
        assert str(top / "sub" / "bob" / "01_neuron" / "neuron.py") not in readable
        assert str(top) not in readable and str(top / "sub") not in readable  # entered, not listed
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def flood_folder(monkeypatch):
    """(a 1777 folder standing in for /dev/shm, the only shared folder the sweep looks at, a sandbox uid whose
    grading process is gone): the folder in a 0711 one in /dev/shm (tmpfs), which other graders' sweeps of
    the real shared folders do not list."""
    from autograder.engine.jail import cleanup
    from autograder.engine.jail.uid import SANDBOX_UID_BASE

    top = Path(tempfile.mkdtemp(prefix="nnfs-flood-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    top.chmod(0o711)
    shared = top / "shm"
    shared.mkdir()
    shared.chmod(0o1777)
    monkeypatch.setattr(cleanup, "SHARED_TMP", (str(shared),))
    grader = subprocess.Popen(["sleep", "600"])  # its pid gives the uid; alive, no other grader sweeps it
    try:
        yield shared, SANDBOX_UID_BASE + grader.pid, grader
    finally:
        grader.kill()
        grader.wait()
        shutil.rmtree(top, ignore_errors=True)


def flood(folder: Path, uid: int, count: int):
    """count empty files in folder, made by uid (and one folder of its own holding a file)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for i in range(count):
                os.close(os.open(f"{folder}/f{i}", os.O_CREAT | os.O_WRONLY, 0o644))
            os.makedirs(f"{folder}/mine/deeper")
            open(f"{folder}/mine/deeper/secret", "w").write("the reference, copied")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def test_a_flood_of_files_in_a_shared_folder_is_removed_in_one_pass(flood_folder):
    """60,000 files of a dead grading process's sandbox uid: one sweep removes them all, well within its bound
    (the `rm` per file of before took minutes and stopped at 50,000)."""
    from autograder.engine.jail import cleanup

    shared, uid, grader = flood_folder
    (shared / "not-its").write_text("x")  # another uid's (root's) stays
    flood(shared, uid, 60_000)
    assert len(os.listdir(shared)) == 60_002
    grader.kill()
    grader.wait()
    start = time.monotonic()
    cleanup.sweep_orphans()
    assert os.listdir(shared) == ["not-its"]
    assert time.monotonic() - start < cleanup.SWEEP_SECONDS / 3


def test_a_flood_larger_than_the_bound_leaves_the_host_dirty_loudly(flood_folder):
    """A flood the sweep cannot remove within its bound (simulated: a bound of 0 s) is a GradingError that names
    the uid and the folder, from the next grading process's sweep and from the student's own clean-up."""
    from autograder.engine.errors import GradingError
    from autograder.engine.jail import cleanup

    shared, uid, grader = flood_folder
    flood(shared, uid, 2_000)
    with pytest.raises(cleanup.HostLeftDirty, match=f"left dirty: files of sandbox uid {uid} .*{shared}"):
        cleanup.remove_files_of(uid, seconds=0)
    grader.kill()
    grader.wait()
    with pytest.raises(GradingError, match=f"left dirty: .*uid {uid}, a student's code.* {shared} .*-uid {uid}"):
        cleanup.sweep_orphans(seconds=0)
    assert len(os.listdir(shared)) > 1_000  # nothing claimed it was clean
    cleanup.sweep_orphans()
    assert os.listdir(shared) == []


def test_a_host_left_dirty_stops_the_grading_process_with_its_reason(monkeypatch):
    """The sweep before grading raising HostLeftDirty: the worker sends it as a grading error (the batch stops,
    exit 3, naming it), and grades nothing."""
    import multiprocessing

    from autograder.engine import batch
    from autograder.engine.jail import cleanup

    def dirty():
        raise cleanup.HostLeftDirty("the host is left dirty: files of sandbox uid 1")

    def never(*_):
        raise AssertionError("graded on a dirty host")
    monkeypatch.setattr(batch, "sweep_orphans", dirty)
    monkeypatch.setattr(batch, "grade_submission", never)
    receive, send = multiprocessing.Pipe(duplex=False)
    worker = multiprocessing.get_context("fork").Process(target=batch.grade_in_worker,
                                                          args=(send, None, None, "ada", Path("/nowhere"), "x", None))
    worker.start()
    send.close()
    assert receive.recv() == ("grading_error", "the host is left dirty: files of sandbox uid 1")
    worker.join()


@pytest.fixture
def inbound():
    """An nbgrader exchange's inbound/ as nbgrader makes it (2733: every user may create, none list), in a
    0711 folder of /tmp that any uid may pass."""
    top = Path(tempfile.mkdtemp(prefix=f"{MARKER}-exchange-"))
    top.chmod(0o711)
    folder = top / "nnfs" / "inbound"
    folder.mkdir(parents=True)
    folder.parent.chmod(0o755)
    folder.chmod(0o2733)
    try:
        yield folder
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_the_sandbox_uid_of_uid_rlimits_can_write_into_the_exchanges_inbound_and_is_refused(inbound):
    """uid+rlimits: the sandbox uid creates a file in inbound/ (tried for real), so grading on this host is
    refused, naming the mode and the folder; the probe's file is gone. A folder others may not write passes."""
    from autograder.engine.errors import GradingError
    from autograder.engine.jail.probe import UID, sandbox_can_write
    from autograder.engine.sandbox import refuse_if_sandbox_can_write

    assert sandbox_can_write(UID, inbound)
    with pytest.raises(GradingError, match=f"isolation uid\\+rlimits lets student code create files in {inbound} "):
        refuse_if_sandbox_can_write(UID, inbound)
    assert os.listdir(inbound) == []
    inbound.chmod(0o2730)
    refuse_if_sandbox_can_write(UID, inbound)


def test_landlock_and_nsjail_keep_the_sandbox_out_of_the_exchanges_inbound(inbound):
    from autograder.engine.jail import landlock
    from autograder.engine.jail.probe import UID_LANDLOCK, sandbox_can_write

    assert not sandbox_can_write("nsjail+rlimits", inbound)
    if not landlock.abi():
        pytest.skip("this kernel has no Landlock")
    assert not sandbox_can_write(UID_LANDLOCK, inbound)
    assert os.listdir(inbound) == []
