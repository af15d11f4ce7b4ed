"""`course grade --scheduler`: a class graded on a real Dask cluster on 127.0.0.1.

A LocalCluster (a scheduler in this process, two worker processes under
their nannies) and, for the worker that cannot isolate, a `dask worker`
command. Every result is compared with local grading of the same class, file
by file, apart from the timing field. Each test is bounded by an alarm and
every cluster and worker is stopped by the test that started it.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

from autograder.config import load_course  # noqa: E402
from autograder.engine import batch, cluster  # noqa: E402
from autograder.engine.jail import cgroups, own_tmp  # noqa: E402
from autograder.engine.jail.uid import SANDBOX_UID_BASE  # noqa: E402
from conftest import REPO, run_course  # noqa: E402

CORPUS = REPO / "tests" / "submissions" / "01_neuron"
COURSE = load_course(REPO / "course.toml")
NEURON = COURSE.assignment("01_neuron")
TIMING = {"execution_time"}


@pytest.fixture(autouse=True)
def bounded_in_time():
    """Each test of this file fails after 300 s instead of hanging."""
    def expire(signum, frame):
        raise TimeoutError("cluster test took more than 300 s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(300)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def corpus_class(folder: Path) -> Path:
    """One student per corpus file of 01_neuron, plus the reference and the untouched stub."""
    sources = {"reference": REPO / "solutions/01_neuron/neuron.py", "stub": REPO / "assignments/01_neuron/neuron.py"}
    for kind in ("mutants", "correct"):
        sources.update({f"{kind}_{p.stem}": p for p in sorted((CORPUS / kind).glob("*.py"))})
    for student, source in sources.items():
        (folder / student / "01_neuron").mkdir(parents=True)
        shutil.copyfile(source, folder / student / "01_neuron" / "neuron.py")
    return folder


def graded_files(out: Path) -> dict[str, object]:
    """Every file under out: results.json without timing, the others as text."""
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.name != "ledger.sqlite":  # the grade history: when, which run (differs)
            text = path.read_text()
            if path.name == "results.json":
                files[str(path.relative_to(out))] = {k: v for k, v in json.loads(text).items() if k not in TIMING}
            else:
                files[str(path.relative_to(out))] = text
    return files



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

@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """(submissions, files of the local grading of them)."""
    work = tmp_path_factory.mktemp("cluster")
    subs = corpus_class(work / "submitted")
    batch.grade_batch(COURSE, NEURON, subs, work / "local", jobs=2, progress=False)
    return subs, graded_files(work / "local")


@pytest.fixture(scope="module")
def local_cluster():
    from distributed import LocalCluster

    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", scheduler_port=0) as running:
        with distributed.Client(running.scheduler_address, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=120)
        yield running


def worker_pids(address) -> dict[str, int]:
    with distributed.Client(address, set_as_default=False) as client:
        return client.run(os.getpid)


@pytest.mark.slow
def test_cluster_results_equal_local_grading(corpus, local_cluster, tmp_path, capsys):
    subs, local = corpus
    summary = batch.grade_batch(COURSE, NEURON, subs, tmp_path / "out", scheduler=local_cluster.scheduler_address,
                                progress=False)
    assert len(summary.graded) == len(list(subs.iterdir())) and not summary.not_graded
    assert graded_files(tmp_path / "out") == local
    results = json.loads((tmp_path / "out/reference/01_neuron/results.json").read_text())
    assert results["score"] == 20 and results["extra_data"]["isolation"].startswith(("nsjail", "uid"))
    assert "graded on 2 worker(s)" in capsys.readouterr().err


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing_and_grades_each_student_once(corpus, local_cluster, tmp_path):
    subs, local = corpus
    out = tmp_path / "out"
    students = sorted(p.name for p in subs.iterdir())
    pids = worker_pids(local_cluster.scheduler_address)
    victim = psutil.Process(sorted(pids.values())[0])
    delivered, sandboxes, stops = [], [], []
    before = {"cgroups": cgroups.leftovers(), "shm": sandbox_shm()}

    def on_graded(result):
        delivered.append(result)
        batch.write_submission_results(out, result)
        if len(delivered) == 3:  # kill one worker in the middle of a submission: its sandbox is running
            deadline = time.monotonic() + 20
            while not sandboxes and time.monotonic() < deadline:
                sandboxes.extend(p for p in victim.children(recursive=True) if "_nnfs_child" in " ".join(p.cmdline()))
            victim.kill()

    batch.ClusterWorkers(local_cluster.scheduler_address, out).run(
        COURSE, subs, [(NEURON, student) for student in students], "probed on each worker", on_graded,
        lambda student, why: stops.append((student, why)))
    assert stops == []
    assert [(r.student, r.reason) for r in delivered if r.isolation == "on the cluster"] == []  # none failed
    assert sorted(r.student for r in delivered) == students  # every student once, none twice
    assert sandboxes and not victim.is_running()
    assert graded_files(out) == {k: v for k, v in local.items() if k != "grades.csv"}
    time.sleep(1)
    assert [p.pid for p in sandboxes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []
    for pid in worker_pids(local_cluster.scheduler_address).values():  # the restarted worker and the other
        assert [p.cmdline() for p in psutil.Process(pid).children(recursive=True)
                if p.status() != psutil.STATUS_ZOMBIE] == []
    # the killed worker's grading process left its temporary folder: the next grading process removed it
    assert own_tmp.stale() == []
    # what the batch left (an earlier killed run's leftovers may be swept meanwhile: fewer is fine)
    assert not set(cgroups.leftovers()) - set(before["cgroups"]) and not set(sandbox_shm()) - set(before["shm"])


@pytest.mark.slow
def test_an_interrupted_cluster_run_resumes_like_a_local_one(corpus, local_cluster, tmp_path, monkeypatch):
    subs, local = corpus
    out = tmp_path / "out"
    written = []
    real_write = batch.write_submission_results

    def write_then_interrupt(out_dir, result):
        if len(written) == 4:
            raise KeyboardInterrupt
        real_write(out_dir, result)
        written.append(result.student)

    monkeypatch.setattr(batch, "write_submission_results", write_then_interrupt)
    stopped = batch.grade_batch(COURSE, NEURON, subs, out, scheduler=local_cluster.scheduler_address, progress=False)
    assert stopped.interrupted and stopped.exit_code == 130
    assert sorted(p.parent.parent.name for p in out.glob("*/01_neuron/results.json")) == sorted(written)
    monkeypatch.setattr(batch, "write_submission_results", real_write)
    summary = batch.grade_batch(COURSE, NEURON, subs, out, scheduler=local_cluster.scheduler_address, progress=False)
    assert len(summary.plan.unchanged) == 4 and len(summary.graded) == len(list(subs.iterdir())) - 4
    assert graded_files(out) == local


@pytest.mark.slow
def test_a_worker_that_cannot_isolate_is_reported_and_not_used(corpus, local_cluster, tmp_path, capsys):
    subs, local = corpus
    address = local_cluster.scheduler_address
    dask = Path(sys.executable).with_name("dask")
    env = {**os.environ, "COURSE_ISOLATION": "none", "OPENBLAS_NUM_THREADS": "1"}
    bad = subprocess.Popen([str(dask), "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                            "--no-dashboard", "--name", "cannot-isolate"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with distributed.Client(address, set_as_default=False) as client:
            client.wait_for_workers(3, timeout=120)
            bad_address = next(a for a, w in client.scheduler_info()["workers"].items() if w["name"] == "cannot-isolate")
        summary = batch.grade_batch(COURSE, NEURON, subs, tmp_path / "out", scheduler=address, progress=False)
        err = capsys.readouterr().err
        assert f"worker {bad_address} is not used: cannot isolate student code (isolation mode 'none'" in err
        assert "graded on 2 worker(s)" in err and "1 not used" in err
        assert not summary.not_graded
        assert graded_files(tmp_path / "out") == local  # isolation "none" would show in every results.json
        with distributed.Client(address, set_as_default=False) as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count, workers=[bad_address])
        assert executed == {bad_address: 0}
    finally:
        bad.terminate()
        try:
            bad.wait(timeout=30)
        except subprocess.TimeoutExpired:
            bad.kill()
            bad.wait()


@pytest.mark.slow
def test_no_usable_worker_stops_the_batch_with_the_reasons(corpus, local_cluster, tmp_path):
    subs, _ = corpus
    address = local_cluster.scheduler_address
    graded = []
    args = (str(COURSE.root), str(tmp_path / "not-shared"), cluster.code_fingerprint(str(COURSE.root)))
    log = []
    with pytest.raises(cluster.NoUsableWorker, match="no worker of the Dask scheduler"):
        cluster.grade_on_cluster(address, [("x", print, ())], graded.append, graded.append,
                                 probe=cluster.worker_probe, probe_args=args, log=log.append)
    assert log[0].startswith(f"warning: {address} is not a TLS address: anyone who reaches the scheduler can run code")
    del log[0]
    assert len(log) == 2 and all("does not see the submissions folder" in line for line in log)
    args = (str(COURSE.root), str(subs), "0" * 64)
    log.clear()
    with pytest.raises(cluster.NoUsableWorker):
        cluster.grade_on_cluster(address, [("x", print, ())], graded.append, graded.append,
                                 probe=cluster.worker_probe, probe_args=args, log=log.append)
    assert len(log) == 3 and all("runs other code than the client" in line for line in log[1:])
    assert graded == []
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "--assignment", "01_neuron", str(subs),
                           "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9", "--quiet"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in done.stderr
    assert not (tmp_path / "out" / "reference").exists()


@pytest.mark.slow
def test_every_assignment_at_once_on_the_cluster_equals_local_grading(local_cluster, tmp_path):
    """`course grade --all --scheduler`: two assignments in one run, the same files as `course grade --all`."""
    subs = tmp_path / "submitted"
    for student, assignment, source in [("ann", "01_neuron", "solutions/01_neuron/neuron.py"),
                                        ("ann", "02_forward", "solutions/02_forward/forward.py"),
                                        ("ben", "01_neuron", "assignments/01_neuron/neuron.py")]:
        (subs / student / assignment).mkdir(parents=True)
        shutil.copyfile(REPO / source, subs / student / assignment / Path(source).name)

    on_cluster = run_course("grade", "--all", subs, "--out", tmp_path / "cluster", "--quiet",
                            "--scheduler", local_cluster.scheduler_address, timeout=240)
    assert on_cluster.returncode == 0, on_cluster.stderr
    assert "graded on 2 worker(s)" in on_cluster.stderr
    local = run_course("grade", "--all", subs, "--out", tmp_path / "local", "--quiet", "--jobs", "2", timeout=240)
    assert local.returncode == 0, local.stderr
    assert graded_files(tmp_path / "cluster") == graded_files(tmp_path / "local")
    scores = {(p.parent.parent.name, p.parent.name): json.loads(p.read_text())["score"]
              for p in (tmp_path / "cluster").glob("*/*/results.json")}
    assert scores == {("ann", "01_neuron"): 20, ("ann", "02_forward"): 20, ("ben", "01_neuron"): 0}


def test_local_grading_never_imports_dask(tmp_path):
    subs = tmp_path / "submitted"
    (subs / "reference" / "01_neuron").mkdir(parents=True)
    shutil.copyfile(REPO / "solutions/01_neuron/neuron.py", subs / "reference/01_neuron/neuron.py")
    code = ("import sys; from autograder.cli import main; "
            f"code = main(['grade', '--assignment', '01_neuron', {str(subs)!r}, '--out', {str(tmp_path / 'out')!r}, "
            "'--quiet']); print(code, sorted(m for m in ('dask', 'distributed') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 []"
    assert json.loads((tmp_path / "out/reference/01_neuron/results.json").read_text())["score"] == 20


@pytest.fixture
def listening_port():
    """A port listening on 127.0.0.1 that counts the connections made to it (none is ever accepted)."""
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.setblocking(False)

        def connections() -> int:
            made = 0
            while True:
                try:
                    server.accept()[0].close()
                except BlockingIOError:
                    return made
                made += 1
        yield server.getsockname()[1], connections


@pytest.mark.parametrize("scheme, certificates", [("tls", None), ("tls", "missing"), ("tcp", "given")])
def test_a_scheduler_the_client_cannot_talk_to_securely_is_refused_at_once_before_anything(
        tmp_path, listening_port, scheme, certificates):
    """tls:// without certificates (none, or a folder without them) and certificates with a tcp:// address:
    exit 3 within seconds, saying what to do; nothing connected to the scheduler, nothing written."""
    from autograder.engine import cluster_tls

    port, connections = listening_port
    subs = tmp_path / "submitted"
    (subs / "ada" / "01_neuron").mkdir(parents=True)
    shutil.copyfile(REPO / "solutions/01_neuron/neuron.py", subs / "ada/01_neuron/neuron.py")
    env = {"DASK_CONFIG": str(tmp_path / "no-dask-config"), "COURSE_CLUSTER_TLS": ""}
    if certificates == "missing":
        env["COURSE_CLUSTER_TLS"] = str(tmp_path)
    elif certificates == "given":
        cluster_tls.write_certificates(tmp_path / "certs")
        env["COURSE_CLUSTER_TLS"] = str(tmp_path / "certs")
    start = time.monotonic()
    done = run_course("grade", "--assignment", "01_neuron", subs, "--out", tmp_path / "out", "--quiet",
                      "--scheduler", f"{scheme}://127.0.0.1:{port}", env=env, timeout=60)
    assert done.returncode == 3, done.stderr
    assert time.monotonic() - start < 15 and "Traceback" not in done.stderr
    told = {None: ["is a TLS scheduler, and this client has no certificate for it: set $COURSE_CLUSTER_TLS",
                   "`course cluster certs DIR`"],
            "missing": [f"{tmp_path} ($COURSE_CLUSTER_TLS) has no ca.pem", "`course cluster certs`"],
            "given": ["requires encryption, but", "is not a tls:// address"]}[certificates]
    assert all(words in done.stderr for words in told), done.stderr
    assert not (tmp_path / "out").exists() and connections() == 0


def test_distributeds_own_complaint_at_connecting_is_a_grading_error(listening_port, monkeypatch):
    """A tls:// address with a Security without certificates (were it ever given one): distributed's TypeError
    becomes the GradingError `cannot reach the Dask scheduler`, never a traceback."""
    from distributed.security import Security

    from autograder.engine import cluster_tls
    from autograder.engine.errors import GradingError

    monkeypatch.setattr(cluster_tls, "client_security", lambda address: Security())
    with pytest.raises(GradingError, match=r"cannot reach the Dask scheduler at tls://127\.0\.0\.1:\d+: TypeError"):
        cluster._connect(f"tls://127.0.0.1:{listening_port[0]}", 2, print)


def test_grade_batch_refuses_a_tls_scheduler_without_certificates_before_writing(tmp_path, listening_port, monkeypatch):
    from autograder.engine.cluster_tls import ClusterSecurityError

    monkeypatch.delenv("COURSE_CLUSTER_TLS", raising=False)
    monkeypatch.setenv("DASK_CONFIG", str(tmp_path / "no-dask-config"))
    import dask.config
    monkeypatch.setattr(dask.config, "config", {})  # no distributed.comm.tls.* of this process's configuration
    subs = tmp_path / "submitted"
    (subs / "ada" / "01_neuron").mkdir(parents=True)
    with pytest.raises(ClusterSecurityError, match="COURSE_CLUSTER_TLS"):
        batch.grade_batch(COURSE, NEURON, subs, tmp_path / "out", scheduler=f"tls://127.0.0.1:{listening_port[0]}",
                          progress=False)
    assert not (tmp_path / "out").exists() and listening_port[1]() == 0


def test_every_cluster_example_in_the_docs_is_the_secured_one():
    """docs/cluster.md's commands (indented code): TLS everywhere, the certificates of `course cluster certs`
    given to Dask's commands, to `course grade` and to dask-jobqueue's SLURMCluster (its security argument)."""
    text = (REPO / "docs/cluster.md").read_text()
    code = [line.strip() for line in text.splitlines() if line.startswith("    ")]
    joined = "\n".join(code)
    assert "tcp://" not in joined
    commands = {"dask scheduler": ["DASK_CONFIG=", "--protocol tls"], "dask worker": ["DASK_CONFIG=", " tls://"],
                "course grade": ["COURSE_CLUSTER_TLS="]}
    for command, needs in commands.items():
        lines = [line for line in code if f"bin/{command}" in line]
        assert lines and all(need in line for line in lines for need in needs), (command, lines)
    assert all(line.split("--scheduler ")[1].startswith("tls://") for line in code if "--scheduler " in line)
    slurm = joined[joined.index("SLURMCluster("):joined.index("cluster.scale")]
    assert 'protocol="tls://"' in slurm and "security=security(" in slurm
    assert "from autograder.engine.cluster_tls import security" in joined
    assert "--scheduler\ntcp://" not in (REPO / "docs/grading.md").read_text()
