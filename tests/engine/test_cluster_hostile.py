"""Attacks on the Dask path, on 127.0.0.1 with a real TLS scheduler and worker, in every isolation
mode a worker can land in: nsjail, and uid+landlock / uid+rlimits (the worker under
tests/docker_like.py: namespaces denied, graders and solutions readable by root only).

One scheduler and one worker per mode (module-scoped), started with the commands of
docs/cluster.md (`course cluster certs`, DASK_CONFIG, tls://). Each attack is a real
submission graded beside honest ones; what it achieved is in its printed output, and the
host is checked afterwards. Every process is started and stopped here, bounded in time.
"""
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from autograder.config import load_course  # noqa: E402
from autograder.engine import batch, cluster, cluster_tls  # noqa: E402
from autograder.engine.jail import cgroups, own_tmp  # noqa: E402
from autograder.engine.jail.uid import SANDBOX_UID_BASE  # noqa: E402
from conftest import REPO, hide_course_args  # noqa: E402
from test_engine_hostile import WRONG  # noqa: E402

COURSE = load_course(REPO / "course.toml")
NEURON = COURSE.assignment("01_neuron")
REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_text()
STUB = (REPO / "assignments/01_neuron/neuron.py").read_text()
MARKER = "nnfs-cluster-marker"
DASK = Path(sys.executable).with_name("dask")
MODES = ["nsjail", "uid+landlock", "uid+rlimits"]


def attacks(subs: Path, out: Path, address: str = "tls://127.0.0.1:0") -> dict[str, str]:
    """student -> neuron.py. Each prints what it achieved; each would score if it achieved anything.
    address: the scheduler's, which the worst attacker knows without reading /proc/net/tcp."""
    owned = out.parent / f"{MARKER}-owned"
    return {
        # looks for the scheduler in /proc/net/tcp and tries to run code in the worker through it
        "attack_scheduler": textwrap.dedent(f"""
            import socket
            ports = {{{int(address.rsplit(":", 1)[1])}}}
            for table in ("/proc/net/tcp", "/proc/net/tcp6"):
                try:
                    for line in open(table).read().splitlines()[1:]:
                        fields = line.split()
                        if fields[3] == "0A":
                            ports.add(int(fields[1].rsplit(":", 1)[1], 16))
                except OSError:
                    pass
            print("TRIED", len(ports))
            reached = []
            for port in sorted(ports):
                try:
                    socket.create_connection(("127.0.0.1", port), 2).close()
                    reached.append(port)
                    print("CONNECTED", port)
                except OSError as exc:
                    last = exc
            for port in reached:
                try:
                    from distributed import Client
                    for scheme in ("tcp", "tls"):
                        try:
                            with Client(f"{{scheme}}://127.0.0.1:{{port}}", timeout=3) as client:
                                client.run(lambda: open({str(owned)!r}, "w").write("owned"))
                                print("RAN CODE", port)
                        except Exception as exc:
                            print("CLIENT FAILED", port, type(exc).__name__)
                except ImportError:
                    pass
        """) + WRONG,
        # reads another student's module (and would hand it in as its own), the reference, the results
        "attack_reader": textwrap.dedent(f"""
            for path in ({str(subs / "honest_a/01_neuron/neuron.py")!r}, {str(REPO / "solutions/01_neuron/neuron.py")!r},
                         {str(out / "honest_a/01_neuron/results.json")!r}):
                try:
                    text = open(path).read()
                    print("READ", path)
                except OSError:
                    continue
        """) + WRONG + textwrap.dedent(f"""
            try:
                exec(open({str(subs / "honest_a/01_neuron/neuron.py")!r}).read())
            except OSError:
                pass
        """),
        # writes on the host: the class, the results, the course, the shared temporary folders
        "attack_writer": textwrap.dedent(f"""
            import os
            for folder in ({str(subs)!r}, {str(out)!r}, {str(REPO)!r}, {str(subs / "honest_a/01_neuron")!r},
                           "/tmp", "/var/tmp", "/dev/shm", os.path.dirname(os.getcwd())):
                try:
                    with open(os.path.join(folder, {MARKER!r}), "w") as f:
                        f.write("litter")
                    print("WROTE", folder)
                except OSError:
                    pass
        """) + WRONG,
        "honest_a": REFERENCE,
        "honest_b": REFERENCE,
    }


def write_class(folder: Path, sources: dict[str, str]) -> Path:
    for student, source in sources.items():
        (folder / student / "01_neuron").mkdir(parents=True)
        (folder / student / "01_neuron" / "neuron.py").write_text(source)
    return folder


def markers(*folders, deep=True) -> list[str]:
    """The attackers' files in folders (deep: anywhere below them, links not followed; else directly in them)."""
    if not deep:
        return sorted(str(p) for folder in folders for p in Path(folder).glob(f"{MARKER}*"))
    return sorted(os.path.join(root, name) for folder in folders for root, dirs, files in os.walk(folder)
                  for name in dirs + files if name.startswith(MARKER))



def sandbox_shm() -> list[str]:
    """What is in /dev/shm of a sandbox uid or the engine (other processes of the machine are noise)."""
    found = []
    for entry in os.scandir("/dev/shm"):
        try:
            if entry.stat(follow_symlinks=False).st_uid >= SANDBOX_UID_BASE or "nnfs" in entry.name:
                found.append(entry.name)
        except OSError:
            pass
    return sorted(found)

def host_state() -> dict:
    return {"stale_runs": [str(p) for p in own_tmp.stale()], "cgroups": cgroups.leftovers(),
            "shm": sandbox_shm(), "markers": markers("/tmp", "/var/tmp", "/dev/shm", "/run/lock")}


def left_behind(before: dict, after: dict) -> dict:
    """What the batch left: each kind's entries after it that were not there before (a sweep may remove what an
    earlier, killed run left, so fewer is fine; more is not)."""
    return {kind: sorted(set(after[kind]) - set(before[kind])) for kind in after
            if set(after[kind]) - set(before[kind])}


def stop(process: subprocess.Popen):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.2)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls") / "certs"
    cluster_tls.write_certificates(folder)
    return folder


@contextlib.contextmanager
def running_cluster(mode: str, base: Path, certificates: Path, cwd: Path = REPO):
    """A TLS scheduler and one worker in mode (its working folder cwd) on 127.0.0.1: yields the address."""
    env = {**os.environ, "DASK_CONFIG": str(certificates), "OPENBLAS_NUM_THREADS": "1"}
    file = base / "scheduler.json"
    scheduler = subprocess.Popen([str(DASK), "scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port", "0",
                                  "--no-dashboard", "--scheduler-file", str(file)], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    worker = None
    try:
        wait_for(lambda: file.exists() and file.read_text().rstrip().endswith("}"), 60, "the scheduler did not start")
        address = json.loads(file.read_text())["address"]  # read once written whole
        command = [str(DASK), "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard",
                   "--name", mode]
        if mode != "nsjail":
            command = [sys.executable, str(REPO / "tests/docker_like.py"), "--deny-namespaces",
                       *hide_course_args(), "--",
                       "env", f"COURSE_ISOLATION={mode}", *command]
        worker = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        with distributed.Client(address, security=cluster_tls.security(certificates), set_as_default=False,
                                timeout=30) as client:
            client.wait_for_workers(1, timeout=120)
        with pytest.MonkeyPatch.context() as patch:  # the client (course grade) finds the certificates here
            patch.setenv(cluster_tls.ENV, str(certificates))
            yield address
    finally:
        if worker is not None:
            stop(worker)
        stop(scheduler)


@pytest.fixture(scope="module", params=MODES)
def secured(request, tmp_path_factory, certificates):
    """(mode, scheduler address, state shared by the tests): a TLS scheduler and one worker in that mode."""
    if os.geteuid() != 0:
        pytest.skip("the uid modes and the host checks need root")
    mode = request.param
    with running_cluster(mode, tmp_path_factory.mktemp(f"secured-{mode}"), certificates) as address:
        yield mode, address, {"attackers_graded": False}


def results_of(out, student):
    return json.loads((out / student / "01_neuron" / "results.json").read_text())


@pytest.mark.slow
def test_attackers_score_nothing_change_nothing_and_honest_students_keep_full_marks(secured, tmp_path, capsys):
    mode, address, state = secured
    subs, out = tmp_path / "submitted", tmp_path / "out"
    write_class(subs, attacks(subs, out, address))
    before = host_state()
    summary = batch.grade_batch(COURSE, NEURON, subs, out, scheduler=address, progress=False)
    err = capsys.readouterr().err
    assert not summary.not_graded, err
    assert f"graded on 1 worker(s) of {address} (isolation: {mode}" in err, err
    assert "is not a TLS address" not in err
    scores = {student: results_of(out, student)["score"] for student in attacks(subs, out, address)}
    assert scores == {"attack_scheduler": 0, "attack_reader": 0, "attack_writer": 0, "honest_a": 20, "honest_b": 20}
    isolation = {results_of(out, s)["extra_data"]["isolation"] for s in scores}
    assert len(isolation) == 1 and isolation.pop().startswith(mode), isolation
    printed = {s: results_of(out, s)["extra_data"]["printed_output"] for s in scores}
    assert "CONNECTED" not in printed["attack_scheduler"] and "RAN CODE" not in printed["attack_scheduler"]
    assert "TRIED 0" not in printed["attack_scheduler"], printed["attack_scheduler"]
    assert not (tmp_path / f"{MARKER}-owned").exists()
    assert "READ" not in printed["attack_reader"], printed["attack_reader"]
    wrote = [line for line in printed["attack_writer"].splitlines() if line.startswith("WROTE")]
    assert all(line.split()[1] in ("/tmp", "/var/tmp", "/dev/shm") for line in wrote), wrote  # uid modes only
    assert markers(subs, out) == [] and markers(REPO, deep=False) == []
    time.sleep(0.5)
    assert left_behind(before, host_state()) == {}
    state["attackers_graded"] = True


@pytest.mark.slow
def test_a_stub_graded_after_the_attackers_on_the_same_worker_still_scores_nothing(secured, tmp_path):
    """The attackers of the test above were graded on this same worker just before (module-scoped)."""
    mode, address, state = secured
    if not state["attackers_graded"]:
        subs, out = tmp_path / "submitted", tmp_path / "out"
        write_class(subs, attacks(subs, out, address))
        batch.grade_batch(COURSE, NEURON, subs, out, scheduler=address, progress=False)
    later = write_class(tmp_path / "later", {"stub": STUB, "honest_a": REFERENCE})
    summary = batch.grade_batch(COURSE, NEURON, later, tmp_path / "later-out", scheduler=address, progress=False)
    assert not summary.not_graded
    assert {s: results_of(tmp_path / "later-out", s)["score"] for s in ("stub", "honest_a")} == \
        {"stub": 0, "honest_a": 20}


@pytest.mark.slow
def test_a_worker_whose_sandbox_could_read_the_class_refuses_and_nothing_is_graded(secured, capsys):
    mode, address, _ = secured
    if mode != "uid+rlimits":
        pytest.skip("only the uid fallback without Landlock sees world-readable files (one mode is enough)")
    open_folder = Path(f"/tmp/{MARKER}-class-{os.getpid()}")  # world-readable, unlike pytest's 0700 folders
    try:
        open_folder.mkdir(mode=0o755)
        open_folder.chmod(0o755)
        subs = write_class(open_folder / "submitted", {"honest_a": REFERENCE})
        for path in [subs, *subs.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        with pytest.raises(cluster.NoUsableWorker, match="no worker of the Dask scheduler"):
            batch.grade_batch(COURSE, NEURON, subs, open_folder / "out", scheduler=address, progress=False)
        assert not (open_folder / "out" / "honest_a").exists()
        err = capsys.readouterr().err
        assert err.count(" is not used: cannot isolate student code") == 1, err
        assert "can read what students must not: " in err and f"{subs}/honest_a/01_neuron/neuron.py" in err, err
    finally:
        shutil.rmtree(open_folder, ignore_errors=True)


@pytest.mark.slow
def test_a_worker_refuses_a_class_in_folders_others_may_enter_but_not_list(secured, capsys):
    """open/ and open/sub 0711 (nothing listable from the top), the students' folders 0755, neuron.py
    0644: any uid opens a module by its path. The worker's probe tries the files as the sandbox uid."""
    mode, address, _ = secured
    if mode != "uid+rlimits":
        pytest.skip("only the uid fallback without Landlock sees world-readable files (one mode is enough)")
    top = Path(f"/tmp/{MARKER}-enter-only-{os.getpid()}")
    try:
        top.mkdir(mode=0o711)
        peek = f"print(open({str(top / 'open/sub/honest_a/01_neuron/neuron.py')!r}).read())\n"
        subs = write_class(top / "open" / "sub", {"honest_a": REFERENCE, "peeker": peek + REFERENCE})
        for path in [top, top / "open", subs, *subs.rglob("*")]:
            path.chmod(0o711 if path in (top, top / "open", subs) else 0o755 if path.is_dir() else 0o644)
        with pytest.raises(cluster.NoUsableWorker, match="no worker of the Dask scheduler"):
            batch.grade_batch(COURSE, NEURON, subs, top / "out", scheduler=address, progress=False)
        assert not (top / "out" / "peeker").exists()
        err = capsys.readouterr().err
        assert err.count(" is not used: cannot isolate student code") == 1, err
        assert "can read what students must not: " in err and f"{subs}/" in err and "neuron.py" in err, err
    finally:
        shutil.rmtree(top, ignore_errors=True)


NOBODY = 65534


@pytest.mark.slow
def test_a_module_in_the_workers_working_folder_never_runs_in_its_grading_processes(certificates, tmp_path):
    """The worker started in a world-writable folder (as in /tmp) where another user left an autograder/
    package and a student adds autograder/engine/: the grading processes (root) import neither; the
    student's files are removed; the honest student graded after it keeps full marks."""
    if os.geteuid() != 0:
        pytest.skip("the uid modes and the host checks need root")
    cwd = Path(f"/tmp/{MARKER}-cwd-{os.getpid()}")
    ran = Path(f"/tmp/{MARKER}-ran-{os.getpid()}")
    try:
        (cwd / "autograder").mkdir(parents=True)
        cwd.chmod(0o1777)
        (cwd / "autograder").chmod(0o1777)
        planted = cwd / "autograder" / "__init__.py"
        planted.write_text(f"open({str(ran)!r} + '-planted', 'w').write('ran')\n")
        for path in (cwd / "autograder", planted):
            os.chown(path, NOBODY, NOBODY)
        attacker = textwrap.dedent(f"""
            import os
            folder = {str(cwd / "autograder" / "engine")!r}
            try:
                os.makedirs(folder)
                for name in ("__init__.py", "cluster.py"):
                    with open(os.path.join(folder, name), "w") as f:
                        f.write("open({str(ran)!r} + '-' + __name__, 'w').write('ran')\\n")
                print("PLANTED")
            except OSError as exc:
                print("NOT PLANTED", exc.errno)
        """) + WRONG
        first = write_class(tmp_path / "first", {"attack_cwd": attacker})
        later = write_class(tmp_path / "later", {"honest_a": REFERENCE})
        with running_cluster("uid+rlimits", tmp_path, certificates, cwd=cwd) as address:
            summary = batch.grade_batch(COURSE, NEURON, first, tmp_path / "first-out", scheduler=address,
                                        progress=False)
            assert not summary.not_graded, summary.not_graded
            assert "PLANTED" in results_of(tmp_path / "first-out", "attack_cwd")["extra_data"]["printed_output"]
            summary = batch.grade_batch(COURSE, NEURON, later, tmp_path / "later-out", scheduler=address,
                                        progress=False)
            assert not summary.not_graded, summary.not_graded
        assert results_of(tmp_path / "first-out", "attack_cwd")["score"] == 0
        assert results_of(tmp_path / "later-out", "honest_a")["score"] == 20
        assert sorted(p.name for p in Path("/tmp").glob(f"{ran.name}*")) == [], "a planted module ran as root"
        assert sorted(p.name for p in (cwd / "autograder").iterdir()) == ["__init__.py"], "the student's files stayed"
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
        for path in Path("/tmp").glob(f"{ran.name}*"):
            path.unlink()


@pytest.mark.slow
def test_a_process_without_the_certificate_cannot_connect_or_run_code(secured, tmp_path_factory):
    mode, address, _ = secured
    if mode != "nsjail":
        pytest.skip("the scheduler's TLS does not depend on the worker's mode (one mode is enough)")
    ran = tmp_path_factory.mktemp("tls-refused") / "ran"
    other = tmp_path_factory.mktemp("other-ca") / "certs"
    cluster_tls.write_certificates(other)  # a valid certificate of another CA
    for security in (None, cluster_tls.security(other)):
        with pytest.raises((OSError, TimeoutError, ValueError)):
            with distributed.Client(address.replace("tls://", "tcp://") if security is None else address,
                                    security=security, timeout=5, set_as_default=False) as client:
                client.run(lambda: ran.write_text("ran"))
    assert not ran.exists()


DAEMON = textwrap.dedent(f"""
    import os, sys, time
    if os.fork() == 0:  # a daemon, double-forked into a session of its own, started at import
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(300)", "{MARKER}-daemon"])
        os._exit(0)
    os.wait()
    _slept = []
    def sigmoid(z):  # still grading when its worker is killed
        if not _slept:
            _slept.append(time.sleep(5))
        return z
""")


def processes_of(uid: int) -> list[int]:
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


def daemons() -> dict[int, int]:
    """pid -> uid of every daemon started by the DAEMON submission."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"{MARKER}-daemon".encode() in (entry / "cmdline").read_bytes() \
                    and (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                found[int(entry.name)] = entry.stat().st_uid
        except OSError:
            continue
    return found


@pytest.mark.slow
def test_a_worker_killed_mid_grade_leaves_no_student_process_and_its_restart_finishes_the_batch(secured, tmp_path):
    """SIGKILL of the Dask worker while a submission's daemon runs (uid+rlimits): the student's own
    process dies with it (the death signal survives the uid change), the nanny's new worker gets the
    waiting task (it is offered when the worker is marked usable), and the next grading process kills
    the daemon that outlived its grader. The honest students keep full marks."""
    mode, address, _ = secured
    if mode != "uid+rlimits":
        pytest.skip("the uid modes share the code killed here (one mode is enough)")
    subs = write_class(tmp_path / "submitted", {"daemon": WRONG + DAEMON, "honest_a": REFERENCE})
    killed, earlier = {}, set(daemons())

    def kill_the_worker_mid_grade():
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            for pid, uid in daemons().items():
                try:  # the fresh grading process that gave the uid, and its parent: the Dask worker
                    grader = Path(f"/proc/{uid - SANDBOX_UID_BASE}/stat").read_text()
                except OSError:
                    continue
                if pid in earlier:
                    continue
                worker = int(grader.rsplit(")", 1)[1].split()[1])
                killed.update(daemon=pid, uid=uid, worker=worker)
                os.kill(worker, signal.SIGKILL)
                time.sleep(3)
                killed["left_at_once"] = [p for p in processes_of(uid) if p != pid]
                break
            time.sleep(0.05)

    def expire(signum, frame):
        raise TimeoutError("the batch did not finish in 150 s after its worker was killed")
    killer = threading.Thread(target=kill_the_worker_mid_grade)
    killer.start()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(150)
    try:
        summary = batch.grade_batch(COURSE, NEURON, subs, tmp_path / "out", scheduler=address, progress=False)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        killer.join()
        for pid in set(daemons()) - earlier:
            os.kill(pid, signal.SIGKILL)
    assert killed.get("worker"), "the daemon never started"
    assert killed["left_at_once"] == [], "the student's process outlived its killed grader"
    assert not summary.not_graded, summary.not_graded
    assert {s: results_of(tmp_path / "out", s)["score"] for s in ("daemon", "honest_a")} == \
        {"daemon": 0, "honest_a": 20}
    time.sleep(0.5)
    assert processes_of(killed["uid"]) == [], "a process of the killed grader's sandbox uid lives on"
    assert daemons() == {}


def test_course_cluster_certs_writes_a_ca_a_private_key_and_dasks_configuration(tmp_path, capsys):
    import yaml

    from autograder.cli import main

    folder = tmp_path / "tls"
    assert main(["cluster", "certs", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["ca.pem", "dask.yaml", "node-key.pem", "node.pem"]
    assert folder.stat().st_mode & 0o777 == 0o700 and (folder / "node-key.pem").stat().st_mode & 0o777 == 0o600
    tls = yaml.safe_load((folder / "dask.yaml").read_text())["distributed"]["comm"]
    assert tls["require-encryption"] is True and tls["tls"]["client"]["key"] == str(folder / "node-key.pem")
    assert cluster_tls.security(folder).require_encryption
    key = (folder / "node-key.pem").read_bytes()
    assert main(["cluster", "certs", str(folder)]) == 2  # never over the certificates in use
    assert "already holds ca.pem" in capsys.readouterr().err and (folder / "node-key.pem").read_bytes() == key
