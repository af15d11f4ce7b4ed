"""How grading scales on a Dask cluster: the same class on 1 worker, then on 2.

A LocalCluster on 127.0.0.1 (worker processes with one thread each, as the
README asks of real workers) grades N submissions of 01_neuron through
``grade_batch(..., scheduler=ADDRESS)``, the path of ``course grade
--scheduler``; each cluster is started, timed from submission to the last
result, and stopped. cluster_speedup = seconds with 1 worker / seconds with 2.

    python -m bench.cluster_speedup [N] [--json FILE]    # N = 200 by default
"""
import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.run import make_class


def seconds_on_cluster(subs: Path, out: Path, workers: int) -> float:
    from distributed import Client, LocalCluster

    from autograder.config import load_course
    from autograder.engine.batch import grade_batch

    course = load_course()
    with LocalCluster(processes=True, n_workers=workers, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster:
        with Client(cluster.scheduler_address, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
        start = time.perf_counter()
        summary = grade_batch(course, course.assignment("01_neuron"), subs, out, progress=False,
                              scheduler=cluster.scheduler_address)
        elapsed = time.perf_counter() - start
    if len(summary.graded) != len(list(subs.iterdir())) or summary.not_graded:
        raise SystemExit(f"the cluster graded {len(summary.graded)} of {len(list(subs.iterdir()))} "
                         f"({len(summary.not_graded)} not graded)")
    return elapsed


def figures(work: Path, n: int) -> dict:
    subs = make_class(work / "cluster-class", "01_neuron", "neuron.py", n)
    one = seconds_on_cluster(subs, work / "cluster-out1", 1)
    two = seconds_on_cluster(subs, work / "cluster-out2", 2)
    shutil.rmtree(work / "cluster-out1")
    shutil.rmtree(work / "cluster-out2")
    return {"cluster_submissions": n, "cluster_1_worker_s": one, "cluster_2_workers_s": two,
            "cluster_speedup": one / two}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=200)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnfs-bench-") as tmp:
        result = figures(Path(tmp), args.n)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
