"""Every Dask worker cleans its own host, at its start: what grading processes that are gone left there.

A worker killed mid-grade (SIGKILL, out of memory, a Slurm job ended) takes
its grading process with it, and that process's temporary folder (the
student's staged code, the sandbox, the compiled child code) and cgroups
stay on the worker's host: the client and the other workers are often on
other machines and never see them. So the client registers SweepAtStart
with the scheduler (grade_on_cluster), which runs its setup on every worker
now and on every worker that joins later, a restarted one included, while
the scheduler runs; and each task sweeps again before it grades
(cluster.grade_student). Only what a process that is gone made is removed
(its pid and start time are in the names: jail/own_tmp.py, jail/cgroups.py).

Imported on the client only when --scheduler is given (it needs distributed);
the workers unpickle the plugin by reference, so a worker needs the course's
virtualenv to join a scheduler that holds it (as it needs it to grade).
"""
import asyncio
import logging

from distributed.diagnostics.plugin import WorkerPlugin

NAME = "course-sweep-host"


def sweep_host():
    """What grading processes that are gone left on this host: their temporary folders in this worker's
    temporary folder (jail/own_tmp.py) and the engine's cgroups anywhere in the tree (jail/cgroups.py).
    Run by every worker at its start (SweepAtStart) and before each task (cluster.grade_student)."""
    from .jail import cgroups, own_tmp

    own_tmp.sweep()
    cgroups.sweep_everywhere(patience=1.0)


class SweepAtStart(WorkerPlugin):
    """setup(): sweep_host() on the worker's host, off its event loop (rm and cgroup removal take time)."""

    name = NAME

    async def setup(self, worker):
        try:
            await asyncio.get_running_loop().run_in_executor(None, sweep_host)
        except Exception as exc:  # noqa: BLE001 (the worker still grades: each task sweeps again)
            logging.getLogger("course.cluster").warning(f"worker {worker.address}: the sweep at start failed: {exc!r}")
