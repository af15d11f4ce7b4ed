"""Every Dask worker sweeps its own host (cluster_sweep.py): two `dask worker --no-nanny` on 127.0.0.1,
each with a temporary folder of its own (two hosts), one SIGKILLed mid-grade. What its grading process left
(the student's staged code, the sandbox, the compiled child code, its cgroups) is removed by that host's next
worker at its start, or before that worker's next task, never by luck (the client's host, another worker).
Every process is started and stopped here, bounded in time."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from autograder.config import load_course  # noqa: E402
from autograder.engine import batch, cluster  # noqa: E402
from autograder.engine.jail import cgroups, own_tmp  # noqa: E402
from autograder.engine.jail.cleanup import start_time  # noqa: E402
from conftest import REPO  # noqa: E402

COURSE = load_course(REPO / "course.toml")
NEURON = COURSE.assignment("01_neuron")
REFERENCE = (REPO / "solutions/01_neuron/neuron.py").read_text()
SLOW = "import time\ntime.sleep(4)  # still grading when its worker is killed\n" + REFERENCE
DASK = Path(sys.executable).with_name("dask")


@pytest.fixture(autouse=True)
def bounded_in_time():
    def expire(signum, frame):
        raise TimeoutError("the test took more than 300 s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(300)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def hosts():
    """Two temporary folders, one per "host" (each worker's $TMPDIR), removed afterwards."""
    made = []
    for name in ("A", "B"):
        folder = Path(tempfile.mkdtemp(prefix=f"cluster-host{name}-", dir="/tmp"))
        folder.chmod(0o711)
        made.append(folder)
    yield made
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def processes():
    """Popen of each process the test starts (its own session); each stopped at the end."""
    started = []
    yield started
    for process in reversed(started):
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
        time.sleep(0.1)


def dead_process() -> tuple[int, str]:
    """(pid, start time) of a process that is gone: what a killed creator's names hold."""
    process = subprocess.Popen(["sleep", "60"])
    started = start_time(process.pid)
    process.kill()
    process.wait()
    return process.pid, started


@pytest.fixture
def plant_stale_cgroups():
    """plant(): an engine cgroup folder of a creator that is gone, in each place children's cgroups go;
    whatever the test leaves of them is removed at its end."""
    planted = []

    def plant() -> list[Path]:
        found, why = cgroups.detect()
        if found is None or os.geteuid() != 0:
            return []
        pid, started = dead_process()
        for base in found.bases.values():
            (base / f"{cgroups.PREFIX}{pid}-{started}-0").mkdir()
            planted.append(base / f"{cgroups.PREFIX}{pid}-{started}-0")
        return list(planted)
    yield plant
    cgroups.remove({str(p): p for p in planted if p.exists()}, patience=1)


def cgroups_of(pid: int) -> list[Path]:
    """The engine's cgroup folders made by process pid, anywhere in the tree."""
    found = []
    for root in [cgroups.CGROUP_ROOT / c for c in cgroups.V1_CONTROLLERS] + [cgroups.CGROUP_ROOT]:
        for folder, subfolders, _ in os.walk(root):
            found += [Path(folder) / name for name in subfolders if name.startswith(f"{cgroups.PREFIX}{pid}-")]
    return sorted(set(found))


def engine_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("nnfs-"))


def start_worker(address: str, name: str, tmp: Path, processes: list) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmp), "OPENBLAS_NUM_THREADS": "1"}
    env.pop("DASK_CONFIG", None)
    worker = subprocess.Popen([str(DASK), "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                               "--no-dashboard", "--name", name], env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    processes.append(worker)
    return worker


def connected(address: str) -> list[str]:
    with distributed.Client(address, set_as_default=False, timeout=30) as client:
        return sorted(w["name"] for w in client.scheduler_info()["workers"].values())


@pytest.mark.slow
def test_a_worker_killed_mid_grade_leaves_nothing_on_its_host_once_a_worker_starts_there(
        hosts, processes, plant_stale_cgroups, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the cgroups and the host checks need root")
    host_a, host_b = hosts
    file = tmp_path / "scheduler.json"
    processes.append(subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                       "--scheduler-file", str(file)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
    wait_for(lambda: file.exists() and file.read_text().rstrip().endswith("}"), 60, "the scheduler did not start")
    address = json.loads(file.read_text())["address"]
    worker_a = start_worker(address, "hostA", host_a, processes)
    wait_for(lambda: connected(address) == ["hostA"], 120, "worker A did not join")
    subs = tmp_path / "submitted"
    for student, source in (("slow_a", SLOW), ("slow_b", SLOW), ("slow_c", SLOW)):
        (subs / student / "01_neuron").mkdir(parents=True)
        (subs / student / "01_neuron" / "neuron.py").write_text(source)
    killed = {}

    def kill_worker_a_mid_grade():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            running = [run for run in host_a.glob(f"{own_tmp.PREFIX}*") if list(run.glob("nnfs-staged-*"))
                       and list(run.glob("nnfs-sandbox-*")) and list(run.glob("nnfs-engine-*"))]
            if running:
                killed["run"] = running[0]
                killed["grader"] = int(running[0].name[len(own_tmp.PREFIX):].split("-")[0])
                killed["cgroups"] = cgroups_of(killed["grader"])
                os.kill(worker_a.pid, signal.SIGKILL)
                worker_a.wait()
                start_worker(address, "hostB", host_b, processes)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_worker_a_mid_grade)
    killer.start()
    try:
        summary = batch.grade_batch(COURSE, NEURON, subs, tmp_path / "out", scheduler=address, progress=False)
    finally:
        killer.join()
    assert killed, "worker A never graded"
    assert not summary.not_graded
    assert {s: json.loads((tmp_path / "out" / s / "01_neuron/results.json").read_text())["score"]
            for s in ("slow_a", "slow_b", "slow_c")} == {"slow_a": 20, "slow_b": 20, "slow_c": 20}
    wait_for(lambda: not Path(f"/proc/{killed['grader']}").exists(), 30, "the killed worker's grader lives on")
    # what the killed grading process left on host A: nobody there has swept it yet
    # (and the killed worker's own, where it probed its isolation)
    stale = own_tmp.stale(str(host_a))
    assert killed["run"] in stale and engine_files(host_a) == sorted(p.name for p in stale), engine_files(host_a)
    assert {int(p.name[len(own_tmp.PREFIX):].split("-")[0]) for p in stale} <= {killed["grader"], worker_a.pid}
    assert own_tmp.stale(str(host_b)) == []  # worker B, alive, keeps its own
    # host A's next worker sweeps it at its start: its run folder and a stale cgroup planted now (no task runs)
    planted = plant_stale_cgroups()
    start_worker(address, "hostA-again", host_a, processes)
    wait_for(lambda: connected(address) == ["hostA-again", "hostB"], 120, "worker A did not join again")
    wait_for(lambda: engine_files(host_a) == [] and not any(p.exists() for p in planted + killed["cgroups"]), 30,
             f"host A was not swept at its worker's start: {engine_files(host_a)}, "
             f"{[p for p in planted + killed['cgroups'] if p.exists()]}")


def test_each_task_sweeps_its_host_before_it_grades(tmp_path, monkeypatch, plant_stale_cgroups):
    """cluster.grade_student: a stale run folder in this worker's temporary folder and a stale cgroup are gone
    before the fresh grading process starts."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    pid, started = dead_process()
    stale_run = tmp / f"{own_tmp.PREFIX}{pid}-{started}"
    (stale_run / "nnfs-staged-x").mkdir(parents=True)
    (stale_run / "nnfs-staged-x" / "neuron.py").write_text(REFERENCE)
    planted = plant_stale_cgroups()
    seen = {}

    def fresh_process(task, seconds):
        seen["left"] = [p for p in [stale_run, *planted] if p.exists()]
        return "graded"

    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setattr(cluster, "_worker_isolation", lambda protected: ("nsjail+cgroup-v1", ""))
    monkeypatch.setattr(cluster, "_grade_in_fresh_process", fresh_process)
    subs = tmp_path / "submitted"
    (subs / "ada" / "01_neuron").mkdir(parents=True)
    assert [p for p in [stale_run, *planted] if p.exists()] == [stale_run, *planted]
    assert cluster.grade_student(COURSE, NEURON, "ada", subs, None) == "graded"
    assert seen == {"left": []}


def test_an_isolation_probe_killed_mid_way_leaves_nothing_once_course_grade_runs(hosts, processes, tmp_path):
    """The probe's folders (its listening unix socket's, nsjail's trial code) live in its process's own run
    folder: SIGKILLed while they exist, the next `course grade` on the host removes them (and its cgroups)."""
    from conftest import run_course

    tmp = hosts[0]
    env = {**os.environ, "TMPDIR": str(tmp)}
    probe = subprocess.Popen([sys.executable, "-c", "from autograder.engine.jail.probe import probe; probe()"],
                             env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    processes.append(probe)
    wait_for(lambda: list(tmp.rglob("nnfs-probe-unix-*")), 60, "the probe made no folder")
    os.killpg(probe.pid, signal.SIGKILL)
    probe.wait()
    assert [p.name for p in own_tmp.stale(str(tmp))] == engine_files(tmp) != []  # left, in its run folder only
    assert list(tmp.glob(f"{own_tmp.PREFIX}{probe.pid}-*/nnfs-probe-unix-*"))
    subs = tmp_path / "submitted"
    (subs / "ada" / "01_neuron").mkdir(parents=True)
    (subs / "ada" / "01_neuron" / "neuron.py").write_text(REFERENCE)
    done = run_course("grade", "--assignment", "01_neuron", subs, "--out", tmp_path / "out", "--quiet",
                      env={"TMPDIR": str(tmp)}, timeout=240)
    assert done.returncode == 0, done.stderr
    assert engine_files(tmp) == [] and cgroups_of(probe.pid) == []
