"""One temporary folder per grading process, removed however the process ends.

Everything the engine makes for its children (their code folders, scratch
folders, the compiled child code) goes under
``<tmp>/nnfs-run-<pid>-<start time>/``: removed at a normal exit, and by the
next grading process on the machine (sweep()) when its creator was killed
(SIGKILL, out of memory, a Dask worker stopped without exit handlers). The
start time (clock ticks since boot, /proc/PID/stat) keys it, so a reused
pid never keeps a dead process's folder alive.
"""
import atexit
import os
import tempfile
from pathlib import Path

from .cleanup import remove_tree, start_time  # noqa: F401 (start_time: also this module's)

PREFIX = "nnfs-run-"


def _alive(name: str) -> bool:
    pid, _, started = name[len(PREFIX):].partition("-")
    return pid.isdigit() and start_time(int(pid)) == started


def stale(tmp: str | None = None) -> list[Path]:
    """The folders of grading processes that are gone."""
    try:
        entries = list(os.scandir(tmp or tempfile.gettempdir()))
    except OSError:
        return []
    return sorted(Path(e.path) for e in entries
                  if e.name.startswith(PREFIX) and e.is_dir(follow_symlinks=False) and not _alive(e.name))


def sweep(tmp: str | None = None):
    """Remove the folders of grading processes that are gone."""
    for path in stale(tmp):
        remove_tree(path)


_made: list[Path] = []  # this process's folder, or its parent's when forked (a list survives fork as it is)


def root() -> Path:
    """This process's folder, made on first use (a forked child uses its creator's while it exists)."""
    if _made and _made[0].is_dir():
        return _made[0]
    sweep()
    pid = os.getpid()
    folder = Path(tempfile.gettempdir()) / f"{PREFIX}{pid}-{start_time(pid)}"
    folder.mkdir(mode=0o711, exist_ok=True)
    folder.chmod(0o711)  # the sandbox uid passes through to its own folders and lists nothing
    atexit.register(lambda: os.getpid() == pid and remove_tree(folder))
    _made[:] = [folder]
    return folder
