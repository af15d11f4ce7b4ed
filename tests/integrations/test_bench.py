"""The benchmark scripts run and print what `make bench` and `make profile` read.

Their figures are measured, not asserted here: these tests only check that
the scripts work and that what they print adds up.
"""
import json
import re
import subprocess
import sys

import pytest

from conftest import REPO


def run_module(*args) -> str:
    result = subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.mnist
def test_reference_training_learns_and_writes_the_figures_bench_reads(tmp_path):
    output = run_module("bench.train", "1", "--runs", "2", "--json", str(tmp_path / "train.json"))
    figures = json.loads((tmp_path / "train.json").read_text())
    assert figures["train_test_accuracy"] > 0.8  # one epoch of the lecture's network
    assert len(figures["train_runs_s_per_epoch"]) == 2
    assert figures["train_s_per_epoch"] == min(figures["train_runs_s_per_epoch"]) > 0
    assert all(us > 0 for us in figures["train_runs_machine_matmul_us"])
    assert f"train_test_accuracy={figures['train_test_accuracy']:.4f}" in output


def test_the_training_benchmark_finds_or_fetches_mnist_as_grading_does(tmp_path):
    """`python -m bench.train` run directly, MNIST nowhere: fetched from the course's mirror into the cache and
    read from there; with the mirror refusing, the paragraph and exit 3, not a traceback."""
    import hashlib
    import os

    from autograder.errors import EXIT_NO_MNIST
    from conftest import make_course, set_data
    from test_first_run import refusing_url, serving
    from test_mnist_reader import write_mnist

    course = make_course(tmp_path / "course")
    served, cache = tmp_path / "served", tmp_path / "cache"
    write_mnist(served)
    (course.parent / "mnist.SHA256SUMS").write_text("".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in served.iterdir()))
    env = {**os.environ, "COURSE_TOML": str(course), "MNIST_DIR": str(tmp_path / "empty"),
           "XDG_CACHE_HOME": str(cache), "no_proxy": "127.0.0.1", "OPENBLAS_NUM_THREADS": "1"}

    def train():
        return subprocess.run([sys.executable, "-m", "bench.train", "1", "--runs", "1"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300)

    set_data(course, mirror=refusing_url(), sha256sums="mnist.SHA256SUMS")
    refused = train()
    assert refused.returncode == EXIT_NO_MNIST, refused.stderr[-3000:]
    assert "MNIST is missing" in refused.stderr and "Connection refused" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    with serving(served) as (url, requests):
        set_data(course, mirror=url)
        done = train()
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(requests) == 4
    assert "loaded 3 training and 2 test images" in done.stdout and f"from {cache / 'nnfs' / 'mnist'}" in done.stdout


def test_grading_profile_accounts_for_the_whole_time():
    output = run_module("bench.profile_grade", "01_neuron", "1")
    phases = {name.strip(): float(seconds) for name, seconds in
              re.findall(r"^  (\S[^\n]*?)\s+(-?\d+\.\d+)\s+-?\d+%$", output, flags=re.M)}
    total = float(re.search(r"^  total\s+(\d+\.\d+)$", output, flags=re.M).group(1))
    assert len(phases) == 6, output
    assert all(seconds >= 0 for seconds in phases.values()), output
    assert abs(sum(phases.values()) - total) <= 0.01 + 0.02 * total, output
    assert phases["starting the sandboxed child"] > 0, output
    assert "python -I -c 'import numpy' takes" in output


def test_startup_timing_counts_the_cpu_of_each_command_in_turn():
    from bench.startup import interleaved_medians

    measured = interleaved_medians({"idle": ([sys.executable, "-c", "import time; time.sleep(0.2)"], None, REPO),
                                    "busy": ([sys.executable, "-c", "sum(range(3_000_000))"], None, REPO)}, rounds=2)
    (idle_cpu, idle_wall), (busy_cpu, _) = measured["idle"], measured["busy"]
    assert idle_wall >= 0.2 and idle_cpu < idle_wall - 0.1  # sleeping costs no CPU
    assert busy_cpu > idle_cpu


def test_startup_figures_are_ratios_to_the_floor_measured_beside_them(tmp_path):
    figures = json.loads(run_module("bench.startup"))
    assert figures["floor_s"] > 0
    assert figures["cli_over_floor"] == figures["cli_s"] / figures["floor_s"]
    assert figures["gradescope_over_floor"] == figures["gradescope_s"] / figures["floor_s"]
    assert figures["gradescope_s"] > figures["floor_s"]  # it grades with numpy, in a sandbox


def test_bench_names_an_unknown_part():
    result = subprocess.run([sys.executable, "-m", "bench.run", "--only", "grade,otters"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "unknown part(s): otters" in result.stderr


@pytest.mark.slow
def test_cluster_speedup_grades_the_class_on_one_then_two_workers(tmp_path):
    run_module("bench.cluster_speedup", "4", "--json", str(tmp_path / "cluster.json"))
    figures = json.loads((tmp_path / "cluster.json").read_text())
    assert figures["cluster_submissions"] == 4
    assert figures["cluster_1_worker_s"] > 0 and figures["cluster_2_workers_s"] > 0
    assert figures["cluster_speedup"] == figures["cluster_1_worker_s"] / figures["cluster_2_workers_s"]


@pytest.mark.slow  # a real nbgrader course, a running `course serve`: about 30 s
def test_the_serve_bench_times_nbgrader_submit_to_feedback_against_the_engine_alone(tmp_path):
    """bench.serve_latency with a burst of 3: the idle time, the burst's median and worst and their ratios to
    the engine's own time are there, positive and consistent."""
    run_module("bench.serve_latency", "3", "--idle", "1", "--json", str(tmp_path / "serve.json"))
    f = json.loads((tmp_path / "serve.json").read_text())
    assert (f["serve_burst_submissions"], f["serve_idle_submissions"]) == (3, 1)
    keys = ["serve_engine_s_per_submission", "serve_idle_feedback_s", "serve_feedback_median_s",
            "serve_feedback_worst_s", "serve_idle_over_engine", "serve_median_over_engine", "serve_worst_over_engine"]
    assert all(f[k] > 0 for k in keys), f
    assert f["serve_feedback_worst_s"] >= f["serve_feedback_median_s"], f
    engine = f["serve_engine_s_per_submission"]
    for ratio, seconds in [("serve_idle_over_engine", "serve_idle_feedback_s"),
                           ("serve_median_over_engine", "serve_feedback_median_s"),
                           ("serve_worst_over_engine", "serve_feedback_worst_s")]:
        assert f[ratio] == pytest.approx(f[seconds] / engine), (ratio, f)
    assert f["serve_worst_over_engine"] >= f["serve_median_over_engine"]
