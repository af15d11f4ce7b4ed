"""Attacks on the isolation itself, graded by the real engine next to an honest student.

Each attack is a real submission in one `course grade --jobs 2` batch, once
per mode this machine can give: nsjail (namespaces + cgroups) and the uid
fallback with and without Landlock (run under tests/docker_like.py:
namespaces denied by a seccomp filter as in Docker's default profile,
CAP_SYS_ADMIN dropped with setpriv, the graders and solutions readable by
root only). The attacks report what
they achieved in their printed output, which the engine keeps in
results.json; the host is checked afterwards.

Classes (issue 10): 4 limits per submission (memory of all processes
together, processes, one CPU core); 5 resources that outlive the
submission (a full work folder, a deep folder chain, System V shared
memory, files in shared temporary folders); 6 the student's uid (never
root: root-only files stay closed).
"""
import contextlib
import json
import os
import re
import shutil
import socket
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from autograder.engine.jail import cgroups, own_tmp
from autograder.engine.jail.uid import SANDBOX_UID_BASE
from conftest import REPO, hide_course_args, make_course
from test_engine_hostile import WRONG  # the wrong but importable neuron.py every hostile test uses

REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_text()
MARKER = "nnfs-isolation-marker"
MEMORY_MB, BLOCK_MB = 1024, 600
# A host service's unix sockets (listening while the batch runs): a path open to all, an abstract name.
HOST_SOCKET = Path(f"/tmp/{MARKER}-service-{os.getpid()}/socket")
HOST_ABSTRACT = f"\0{MARKER}-service-{os.getpid()}"
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")

ATTACKS = {
    # 4: four processes of 600 MB each, all touched and held together, against memory_mb = 1024
    "memory_together": textwrap.dedent(f"""
        import os, time
        os.write(1, b"IMPORTED\\n")
        size = {BLOCK_MB} * 2**20
        children = []
        for _ in range(4):
            pid = os.fork()
            if pid == 0:
                try:
                    block = bytearray(size)
                    block[::4096] = b"x" * len(range(0, size, 4096))
                    time.sleep(3)
                    os.write(1, b"STILL HOLDING\\n")
                finally:
                    os._exit(0)
            children.append(pid)
        for pid in children:
            os.waitpid(pid, 0)
    """) + WRONG,
    # 4 and 6: as many busy processes in new sessions as it can get, for 2 s of wall clock
    "cpu_and_process_bomb": textwrap.dedent("""
        import os, resource, time
        start, started = time.monotonic(), 0
        for _ in range(200):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                os.setsid()
                while time.monotonic() < start + 2:
                    pass
                os._exit(0)
            started += 1
        while True:
            try:
                os.wait()
            except ChildProcessError:
                break
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        print("STARTED", started, "CPU", usage.ru_utime + usage.ru_stime, "WALL", time.monotonic() - start)
    """) + WRONG,
    # 5: 1 GiB into the work folder, in files under the per-file limit
    "disk_fill": textwrap.dedent("""
        import os
        written, chunk = 0, b"x" * 2**20
        try:
            for n in range(1024):
                with open(f"fill{n // 8}.bin", "ab") as f:
                    f.write(chunk)
                    f.flush()
                written += len(chunk)
        except OSError as exc:
            print("STOPPED", type(exc).__name__)
        print("WROTE", written)
    """) + WRONG,
    # 5: a folder chain deeper than a recursive clean-up can follow
    "deep_tree": textwrap.dedent("""
        import os
        here = os.getcwd()
        for _ in range(1500):
            os.mkdir("d")
            os.chdir("d")
        os.chdir(here)
        print("DEEP done")
    """) + WRONG,
    # 5: System V shared memory and files in the machine's shared temporary folders
    "ipc_and_tmp_litter": textwrap.dedent(f"""
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.shmat.restype = ctypes.c_void_p
        ident = libc.shmget(0, 64 * 2**20, 0o1000 | 0o600)
        print("SHM", ident)
        if ident >= 0:
            address = libc.shmat(ident, None, 0)
            ctypes.memset(address, 1, 64 * 2**20)
        for folder in ("/tmp", "/var/tmp", "/dev/shm"):
            try:
                open(f"{{folder}}/{MARKER}", "w").write("litter")
                print("LITTER", folder)
            except OSError:
                pass
    """) + WRONG,
    # 5: state for the next student of the uid: a lock file, a key in the uid's keyring; and a host
    # service reached through its unix sockets
    "locks_keys_and_unix_sockets": textwrap.dedent(f"""
        import ctypes, socket
        for address in ({str(HOST_SOCKET)!r}, {HOST_ABSTRACT!r}):
            try:
                socket.socket(socket.AF_UNIX).connect(address)
                print("UNIX CONNECTED", address[1:])
            except OSError as exc:
                print("UNIX denied", exc.errno)
        libc = ctypes.CDLL(None, use_errno=True)
        key = libc.syscall(248, b"user", b"{MARKER}", b"state", 5, -3)  # add_key into the uid's keyring
        print("KEY made" if key >= 0 else "KEY denied")
        for folder in ("/run/lock", "/var/lock"):
            try:
                open(f"{{folder}}/{MARKER}-lock", "w").write("state")
                print("LOCK LITTER", folder)
            except OSError:
                pass
    """) + WRONG,
    # 6: never root; root-only files stay closed
    "root_files": textwrap.dedent("""
        import os
        print("UID", os.getuid())
        try:
            open("/etc/shadow").read(1)
            print("SHADOW readable")
        except OSError:
            print("SHADOW denied")
    """) + WRONG,
}


def _mine(cmdline: str) -> bool:
    return MARKER in cmdline or ("_nnfs_child" in cmdline and sys.executable in cmdline)


def host_state() -> dict:
    """What grading could leave on this machine."""
    processes = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if _mine(cmdline):
                processes.append(cmdline)
    ipc = []
    for kind in ("shm", "sem", "msg"):
        lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        header = lines[0].split()
        ipc += [line for line in lines[1:] if int(dict(zip(header, line.split()))["uid"]) >= SANDBOX_UID_BASE]
    litter = sorted(os.path.join(root, name) for folder in SHARED_FOLDERS for root, dirs, files in os.walk(folder)
                    for name in dirs + files if name.startswith(MARKER) and Path(root, name) != HOST_SOCKET.parent
                    and HOST_SOCKET.parent not in Path(root, name).parents)  # anywhere below, links not followed
    mqueues = sorted(os.listdir("/dev/mqueue")) if os.path.isdir("/dev/mqueue") else []  # where it is mounted
    key_users = [line.split(":")[0].strip() for line in Path("/proc/key-users").read_text().splitlines()
                 if int(line.split(":")[0]) >= SANDBOX_UID_BASE]
    memory = int(re.search(r"MemAvailable:\s+(\d+)", Path("/proc/meminfo").read_text())[1]) // 1024
    return {"processes": processes, "ipc": ipc, "litter": litter, "mqueues": mqueues, "key_users": key_users,
            "cgroups": cgroups.leftovers(),
            "scratch": sorted(str(p) for p in Path("/tmp").glob("nnfs-scratch-*")),
            "stale_tmp": [str(p) for p in own_tmp.stale()], "memory_mb": memory}


def grade_command(mode: str, subs: Path, out: Path, course: Path) -> list[str]:
    command = [sys.executable, "-m", "autograder.cli", "--course", str(course), "grade", "--assignment",
               "01_neuron", str(subs), "--out", str(out), "--jobs", "2"]
    if mode == "nsjail":
        return command
    return [sys.executable, str(REPO / "tests" / "docker_like.py"), "--deny-namespaces",
            *hide_course_args(), "--",
            "env", f"COURSE_ISOLATION={mode}", *command]


@contextlib.contextmanager
def host_service():
    """Unix sockets listening like a host service's while the batch runs (HOST_SOCKET, HOST_ABSTRACT)."""
    HOST_SOCKET.parent.mkdir(mode=0o711)
    try:
        with socket.socket(socket.AF_UNIX) as by_path, socket.socket(socket.AF_UNIX) as abstract:
            by_path.bind(str(HOST_SOCKET))
            HOST_SOCKET.chmod(0o777)
            abstract.bind(HOST_ABSTRACT)
            by_path.listen(8)
            abstract.listen(8)
            yield
    finally:
        shutil.rmtree(HOST_SOCKET.parent, ignore_errors=True)


@pytest.fixture(scope="module", params=["nsjail", "uid+landlock", "uid+rlimits"])
def graded(tmp_path_factory, request):
    """Grade every attack in one batch in a mode; return (mode used, out folder, host before, host after)."""
    if os.geteuid() != 0:
        pytest.skip("the uid fallback and the host checks need root")
    base = tmp_path_factory.mktemp(f"isolation-{request.param}")
    course = make_course(base / "course", seconds=10, submission_seconds=30, memory_mb=MEMORY_MB)
    subs, out = base / "submitted", base / "out"
    for student, source in {**ATTACKS, "aa_honest": REFERENCE, "zz_honest": REFERENCE}.items():
        (subs / student / "01_neuron").mkdir(parents=True)
        (subs / student / "01_neuron" / "neuron.py").write_text(source)
    before = host_state()
    with host_service():
        done = subprocess.run(grade_command(request.param, subs, out, course), cwd=REPO, capture_output=True,
                              text=True, timeout=900, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    time.sleep(0.5)
    mode = results_of(out, "aa_honest")["extra_data"]["isolation"]
    return mode, out, before, host_state()


def results_of(out, student):
    return json.loads((out / student / "01_neuron" / "results.json").read_text())


def printed(out, student) -> str:
    return results_of(out, student)["extra_data"]["printed_output"]


@pytest.mark.slow
def test_each_mode_is_the_one_asked_for_and_honest_students_keep_full_marks(graded, request):
    mode, out, _, _ = graded
    asked = request.node.callspec.params["graded"]
    assert mode.startswith("nsjail") if asked == "nsjail" else mode == asked
    for honest in ("aa_honest", "zz_honest"):
        assert results_of(out, honest)["score"] == 20, honest
    for attack in ATTACKS:
        assert results_of(out, attack)["score"] == 0, attack


@pytest.mark.slow
def test_memory_limit_holds_for_all_processes_together(graded):
    mode, out, before, after = graded
    if not mode.startswith("nsjail+cgroup"):
        pytest.skip(f"{mode} limits memory per process only (README: isolation modes)")
    # each child that imports the module (a stand-in's fresh child too) runs it again: held at once, per import
    held = max(part.count("STILL HOLDING") for part in printed(out, "memory_together").split("IMPORTED"))
    assert held * BLOCK_MB <= MEMORY_MB, f"{held} blocks of {BLOCK_MB} MB held at once"
    assert after["memory_mb"] > before["memory_mb"] - 1024, "memory did not come back"


@pytest.mark.slow
def test_a_process_bomb_gets_its_processes_and_one_core_at_most(graded):
    mode, out, _, _ = graded
    report = printed(out, "cpu_and_process_bomb")
    started, cpu, wall = (float(x) for x in re.search(r"STARTED (\d+) CPU ([\d.]+) WALL ([\d.]+)", report).groups())
    assert started < 64, "more processes than the submission's limit"
    if mode.startswith("nsjail+cgroup"):
        assert cpu / wall < 1.25, f"{cpu:.2f} CPU seconds in {wall:.2f} s: more than one core"


@pytest.mark.slow
def test_the_work_folder_is_bounded_and_deep_trees_are_cleaned_up(graded):
    mode, out, _, after = graded
    if mode.startswith("nsjail"):
        written = int(re.search(r"WROTE (\d+)", printed(out, "disk_fill"))[1])
        assert written <= 64 * 2**20, f"{written} bytes written into a 64 MB work folder"
    else:
        assert "WROTE" in printed(out, "disk_fill")  # the uid fallback gives no total limit (README)
    deep = results_of(out, "deep_tree")
    assert "DEEP done" in deep["extra_data"]["printed_output"] and len(deep["tests"]) > 0
    assert after["scratch"] == [], "a work folder was left behind"


@pytest.mark.slow
def test_nothing_outlives_the_batch(graded):
    mode, out, before, after = graded
    assert "SHM" in printed(out, "ipc_and_tmp_litter")
    assert after["processes"] == []
    assert after["ipc"] == before["ipc"], "System V IPC objects of a sandbox uid survived"
    assert after["litter"] == [], "files in the machine's shared temporary folders survived"
    assert set(after["mqueues"]) <= set(before["mqueues"]), "POSIX message queues survived"
    assert after["key_users"] == before["key_users"], "a sandbox uid kept a kernel keyring"
    assert after["stale_tmp"] == [], "temporary folders of a grading process survived it"
    assert set(after["cgroups"]) <= set(before["cgroups"]), "cgroups of the engine survived"
    if mode != "uid+rlimits":  # a private file system (nsjail) or a Landlock whitelist
        assert "LITTER" not in printed(out, "ipc_and_tmp_litter")
        assert "LOCK LITTER" not in printed(out, "locks_keys_and_unix_sockets")


@pytest.mark.slow
def test_no_host_unix_socket_and_no_keyring_is_reachable(graded):
    mode, out, _, _ = graded
    report = printed(out, "locks_keys_and_unix_sockets")
    # the module's report is printed at import, once per child (a stand-in's fresh child imports it again): the
    # first import's two attempts are its first two lines, and no import ever connects
    first = report.splitlines()[:2]
    assert len(first) == 2 and all(line.startswith("UNIX denied") for line in first), report
    assert "UNIX CONNECTED" not in report, report
    if mode.startswith("uid"):  # nsjail's user namespace has keyrings of its own
        assert "KEY denied" in report, report


@pytest.mark.slow
def test_the_student_is_never_root(graded):
    _, out, _, _ = graded
    report = printed(out, "root_files")
    assert int(re.search(r"UID (\d+)", report)[1]) != 0
    assert "SHADOW denied" in report


def test_doctor_refuses_the_uid_fallback_when_students_could_read_the_graders():
    """Namespaces denied, graders world-readable: no mode, a message that says how to fix it,
    and never a suggestion to run without a sandbox."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    done = subprocess.run([sys.executable, str(REPO / "tests" / "docker_like.py"), "--deny-namespaces", "--",
                           sys.executable, "-m", "autograder.cli", "doctor"], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "isolation: none available" in done.stdout
    assert "graders" in done.stdout and "chmod" in done.stdout
    assert "trusted" not in done.stdout + done.stderr and "COURSE_ISOLATION" not in done.stdout + done.stderr


def test_doctor_as_an_unprivileged_user():
    """Not root: nsjail in an unprivileged user namespace, no cgroups (said so); without
    namespaces nothing at all, since the uid fallback needs root."""
    if os.geteuid() != 0:
        pytest.skip("needs root to become another user")
    common = [sys.executable, str(REPO / "tests" / "docker_like.py"), "--user", "65534"]
    doctor = ["--", sys.executable, "-m", "autograder.cli", "doctor", "--machine"]  # cwd / holds no course
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    allowed = subprocess.run([*common, *doctor], cwd="/", capture_output=True, text=True, timeout=300, env=env)
    failed = [line for line in allowed.stdout.splitlines() if line.startswith("FAIL")]
    assert all(line.startswith("FAIL  MNIST") for line in failed), allowed.stdout + allowed.stderr  # not its cache
    assert allowed.returncode == (1 if failed else 0), allowed.stdout + allowed.stderr
    assert "isolation: nsjail+rlimits" in allowed.stdout and "cgroup" in allowed.stdout
    denied = subprocess.run([*common, "--deny-namespaces", *doctor], cwd="/", capture_output=True, text=True,
                            timeout=300, env=env)
    assert denied.returncode == 1, denied.stdout + denied.stderr
    assert "needs root" in denied.stdout and "trusted" not in denied.stdout


DAEMON = textwrap.dedent(f"""
    import os, sys, time
    if os.fork() == 0:  # a daemon, double-forked into a session of its own, started at import
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(300)", "{MARKER}-daemon"])
        os._exit(0)
    os.wait()
    def sigmoid(z):  # still grading when its grader is killed
        time.sleep(60)
""")


def _daemons() -> dict[int, int]:
    """pid -> uid of every daemon of the DAEMON submission."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"{MARKER}-daemon".encode() in (entry / "cmdline").read_bytes():
                found[int(entry.name)] = entry.stat().st_uid
        except OSError:
            continue
    return found


def _processes_of(uid: int) -> list[int]:
    """The living processes of uid (a zombie is dead: init, its parent, may be slow to reap it)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid \
                    and (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_a_grader_killed_mid_grade_leaves_no_student_process_after_the_next_run(tmp_path):
    """uid+rlimits: `kill -9` of the batch's worker (and the batch) while a submission's daemon runs:
    the student's own process dies with its grader (the death signal is set again after the uid
    change); the daemon, which no death signal reaches, is killed by the next `course grade`."""
    if os.geteuid() != 0:
        pytest.skip("the uid fallback needs root")
    course = make_course(tmp_path / "course", seconds=90, submission_seconds=120)
    subs, out = tmp_path / "submitted", tmp_path / "out"
    for student, source in {"daemon": WRONG + DAEMON, "honest": REFERENCE}.items():
        (subs / student / "01_neuron").mkdir(parents=True)
        (subs / student / "01_neuron" / "neuron.py").write_text(source)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    grading = subprocess.Popen(grade_command("uid+rlimits", subs, out, course), cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _daemons() and time.monotonic() < deadline and grading.poll() is None:
            time.sleep(0.05)
        (daemon, uid), = _daemons().items()
        grading.kill()  # the batch first (its workers live on), so that it starts no other worker
        grading.wait()
        os.kill(uid - SANDBOX_UID_BASE, signal.SIGKILL)  # then the batch's worker that grades it
        time.sleep(2)
        assert _processes_of(uid) == [daemon], "the student's process outlived its killed grader"
        done = subprocess.run([*grade_command("uid+rlimits", subs, out, course), "--student", "honest"], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        assert results_of(out, "honest")["score"] == 20
        assert _processes_of(uid) == [], "a process of the killed grader's sandbox uid lives on"
    finally:
        if grading.poll() is None:
            grading.kill()
            grading.wait()
        for pid in _daemons():
            os.kill(pid, signal.SIGKILL)
