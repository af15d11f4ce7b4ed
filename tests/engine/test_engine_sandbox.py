"""What a student's process can see and do, asked from inside the sandbox.

A probe module reports its view through the real handle; the parent checks
it: no course, no other copy of it, no homes, no network, no outside
processes, no privileges.
"""
import os
import signal
import textwrap
import time
from pathlib import Path

import pytest

from autograder.engine.handle import StudentHandle, StudentProcess
from autograder.engine.jail import cleanup
from autograder.limits import Limits
from autograder.engine.jail.cleanup import kill_leftovers
from autograder.engine.jail.uid import SANDBOX_UID_BASE
from autograder.engine.sandbox import become_subreaper, isolation_mode
from conftest import REPO

PROBE = textwrap.dedent("""
    import os, socket

    def exists(paths):
        return [os.path.exists(p) for p in paths]

    def listdir(path):
        return sorted(os.listdir(path))

    def readable_solutions_anywhere():
        hits = []
        for root, dirs, files in os.walk("/"):
            dirs[:] = [d for d in dirs if d not in ("proc", "sys")]
            hits += [os.path.join(root, f) for f in files if f in ("neuron.py", "test_01_neuron.py", "course.toml")]
        return [h for h in hits if not h.startswith("/tmp/work/")]

    def network():
        try:
            socket.create_connection(("127.0.0.1", 22), timeout=1).close()
            return "connected"
        except OSError as exc:
            return type(exc).__name__

    def identity():
        return [os.getuid(), os.getpid()]

    def signal_parent(pid):
        try:
            os.kill(pid, 0)
            return "reachable"
        except OSError as exc:
            return type(exc).__name__

    def remount():
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.umount2(b"/tmp/work", 2) == 0 or libc.mount(None, b"/", None, 32, None) == 0

    def open_descriptors():
        found = []
        for fd in range(3, 1024):
            try:
                os.fstat(fd)
                found.append(fd)
            except OSError:
                pass
        import sys
        protocol = {int(sys.argv[1]), int(sys.argv[2])}
        return [0, 1, 2] + [fd for fd in found if fd not in protocol]

    def write(path):
        try:
            open(path, "w").write("x")
            return "written"
        except OSError as exc:
            return type(exc).__name__
""")


def jail_modes():
    """The nsjail modes this machine gives: with its cgroups, and without them."""
    best = isolation_mode()
    return [best, "nsjail+rlimits"] if best.startswith("nsjail+cgroup") else [best]


@pytest.fixture(params=jail_modes())
def probe(request, tmp_path):
    if not request.param.startswith("nsjail"):
        pytest.skip(f"isolation here is {request.param}: these checks are for nsjail")
    become_subreaper()
    (tmp_path / "probe.py").write_text(PROBE)
    process = StudentProcess({"probe.py": tmp_path / "probe.py"}, ["probe.py"], Limits(20, 60, 2048, 16, 64),
                             mode=request.param)
    yield StudentHandle(process)
    process.close()


def test_the_child_sees_nothing_of_the_machine_but_python(probe, tmp_path):
    outside = [str(REPO / name) for name in ("solutions", "graders", "autograder", "tests", "course.toml", ".git")]
    outside += [str(REPO.parent / "shared"), "/home", str(tmp_path), "/proc/1", "/var", "/opt"]
    assert probe.exists(outside) == [False] * len(outside)
    venv = Path(os.path.realpath(os.sys.prefix))
    if REPO in venv.parents:  # the virtualenv's parents exist only as the path to it
        assert probe.listdir(str(REPO)) == [venv.relative_to(REPO).parts[0]]
    assert probe.readable_solutions_anywhere() == []
    assert probe.exists(["/usr/bin", "/tmp/code/probe.py", "/tmp/work"]) == [True, True, True]


def test_the_child_has_no_network_no_privileges_and_no_way_out(probe):
    assert probe.network() in ("OSError", "ConnectionRefusedError", "PermissionError") or "Unreachable" in probe.network()
    uid, pid = probe.identity()
    assert pid == 1, "the student's Python is PID 1 of its own namespace"
    assert uid != 0 and (os.getuid() != 0 or uid >= SANDBOX_UID_BASE), "never root, a uid of its own as root"
    assert probe.signal_parent(os.getpid()) == "ProcessLookupError"
    assert probe.remount() is False
    assert probe.write("/usr/evil") in ("OSError", "PermissionError")
    assert probe.write("/tmp/work/notes.txt") == "written"
    assert probe.write("/tmp/code/probe.py") in ("OSError", "PermissionError"), "its own code is read-only"


def _state(pid):
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0]
    except (OSError, IndexError):
        return None


def test_clean_up_does_not_wait_for_a_dead_process_it_cannot_reap(monkeypatch):
    """A zombie of the sandbox uid whose parent is not the grader is already
    harmless; waiting for its parent to reap it cost 0.7 s per submission
    wherever init reaps slowly."""
    if os.getuid() != 0:
        pytest.skip("needs root to give a process the sandbox uid")
    uid = SANDBOX_UID_BASE + 90000 + os.getpid() % 10000
    read_end, write_end = os.pipe()
    keeper = os.fork()
    if keeper == 0:  # holds a dead child of the sandbox uid and never reaps it
        dead = os.fork()
        if dead == 0:
            os.setuid(uid)
            os._exit(0)
        os.write(write_end, str(dead).encode())
        time.sleep(60)
        os._exit(0)
    os.close(write_end)
    zombie = int(os.read(read_end, 32))
    os.close(read_end)
    try:
        deadline = time.monotonic() + 10
        while _state(zombie) != "Z" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _state(zombie) == "Z"
        retries = []
        monkeypatch.setattr(cleanup.time, "sleep", retries.append)
        others = {pid for pid, ppid, *_ in cleanup.processes() if ppid == os.getpid()}  # earlier tests' children
        kill_leftovers(uid, spare={keeper, *others})
        assert retries == [], "kill_leftovers kept waiting for a zombie that only its parent can reap"
        assert _state(keeper) == "S", "the spared process was touched"
    finally:
        monkeypatch.undo()
        os.kill(keeper, signal.SIGKILL)
        os.waitpid(keeper, 0)


def test_a_jail_that_cannot_start_is_the_machines_fault_not_the_students(tmp_path, monkeypatch):
    """nsjail failing before the student's Python runs stops grading with a reason; it
    must never read as "your module exited while being imported"."""
    if not isolation_mode().startswith("nsjail"):
        pytest.skip("for nsjail")
    from autograder.engine.errors import GradingError
    become_subreaper()
    (tmp_path / "probe.py").write_text(PROBE)
    monkeypatch.setenv("NSJAIL", "/bin/false")
    process = StudentProcess({"probe.py": tmp_path / "probe.py"}, ["probe.py"], Limits(20, 60, 2048, 16, 64),
                             mode="nsjail+rlimits")
    try:
        with pytest.raises(GradingError, match="could not start the student's process"):
            StudentHandle(process).identity()
    finally:
        process.close()


def test_student_code_cannot_write_the_jails_log(probe):
    """Only the three standard streams and the two protocol pipes are open in the child."""
    assert probe.open_descriptors() == [0, 1, 2]
