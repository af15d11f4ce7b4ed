"""The benchmark scripts run and print what `make bench` and `make profile` read.

Their figures are measured, not asserted here: these tests only check that
the scripts work and that what they print adds up.
"""
import re
import subprocess
import sys

from conftest import REPO


def run_module(*args) -> str:
    result = subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_one_epoch_of_reference_training_learns_and_prints_the_figures_bench_reads():
    last = run_module("bench.train", "1").strip().splitlines()[-1]
    fields = dict(part.split("=") for part in last.split()[:3])  # how bench/run.py reads it
    assert 0 < float(fields["train_s_per_epoch"]) < 60
    assert 0 < float(fields["machine_matmul_us"]) < 10_000
    assert float(fields["train_test_accuracy"]) > 0.8  # one epoch of the lecture's network


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
