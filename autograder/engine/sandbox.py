"""Run student code in a child process that cannot reach anything else.

The child is a fresh ``python -I`` serving the student's modules over two
pipes (child.py, compiled once per process into child_code_dir()). How it is isolated depends on the mode the probe found
(jail/probe.py), each mode a launcher of its own (launchers.py):

- ``nsjail+cgroup-v1|v2`` / ``nsjail+rlimits``: started by nsjail in new
  user, PID, mount, IPC, UTS, network and cgroup namespaces, as an
  unprivileged uid, on a root file system of system libraries and Python
  only, its code read-only and its work folder a size-limited tmpfs; one
  cgroup for all its processes where cgroups can be used (jail/nsjail.py);
- ``uid+landlock`` / ``uid+rlimits``: a separate unprivileged uid with
  rlimits, no sockets but AF_UNIX (a seccomp filter, jail/no_network.py),
  and a Landlock whitelist of files where the kernel has it (jail/uid.py,
  jail/landlock.py);
- ``trusted-submissions-no-sandbox``: rlimits only.

Everywhere: output read through a pipe and capped; a kill ends the whole
process group, and the grading process is a "child subreaper", so processes
that escape into new sessions are reaped and killed too; what is left
(processes, files, IPC objects, cgroups) is removed after every child.
"""
import ctypes
import functools
import importlib.util
import os
import py_compile
import select
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from . import wire
from ..limits import Limits
from .errors import GradingError
from .jail import nsjail, own_tmp
from .jail.cleanup import kill_leftovers, own_children
from .jail.nsjail import site_packages
from .jail.probe import probe, sandbox_can_write
from .launchers import launcher_for

CHILD_FILE = Path(__file__).with_name("child.py")
# The child's command: its own code first on sys.path, then the student's modules (see child.py).
LAUNCH = "import sys; sys.path[:0] = sys.argv[4:6]; from _nnfs_child import main; main()"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)


def become_subreaper():
    """Orphans of our children are re-parented to us, so none can escape."""
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def isolation_mode(protected=()) -> str:
    """The mode children get here (see jail/probe.py); GradingError when none is allowed.

    protected: paths (besides the graders and solutions) that students must
    not read, checked for real when the uid fallback is the best mode.
    """
    found = probe(protected)
    if found.mode is None:
        raise GradingError("no isolation for student code is available on this machine:\n" + found.explain())
    return found.mode


def refuse_if_sandbox_can_write(mode: str, folder: Path):
    """GradingError when student code graded in mode here could create files in folder (the exchange's
    inbound/, where it could drop a forged submission for another student), tried for real (probe.py)."""
    if sandbox_can_write(mode, folder):
        raise GradingError(
            f"isolation {mode} lets student code create files in {folder} (the exchange's inbound/, which every "
            "user may write): a student graded here could drop a forged submission for another student; grade "
            "on this host only where the sandbox cannot write there (nsjail, or uid+landlock where the kernel "
            "has Landlock), or on Dask workers on other machines (--scheduler)")


class Child:
    """One running child process and its pipes, started by its isolation mode's launcher (launchers.py)."""

    def __init__(self, workdir: Path, modules, limits: Limits, mode: str, env_extra=None):
        self.workdir, self.limits, self.mode = workdir, limits, mode
        self._answered = False
        self._output = bytearray()
        self._output_dropped = 0
        self._spare = own_children()
        self.launcher = launcher_for(mode, workdir, limits, child_code_dir())
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            self.proc = self.launcher.popen(self._argv(modules, req_r, resp_w), self._env(env_extra),
                                            (req_r, resp_w), out_w)
        except BaseException:
            for fd in (req_r, resp_w, out_w, out_r, self._req_w, self._resp_r):
                os.close(fd)
            self.launcher.remove_traces()
            raise
        for fd in (req_r, resp_w, out_w):
            os.close(fd)
        self._drain = threading.Thread(target=self._read_output, args=(out_r,), daemon=True)
        self._drain.start()

    def _env(self, env_extra=None) -> dict:
        """The child's environment: one thread per BLAS, no display, HOME and TMPDIR its working folder.

        -S: no site module; the child is told where the installed packages are (NNFS_SITE_PACKAGES),
        and skips the .pth files it never needs (the course's own editable install among them)."""
        run_dir = self.launcher.run_dir
        return {"PATH": SYSTEM_PATH, "HOME": run_dir, "TMPDIR": run_dir,
                "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", **(env_extra or {}),
                "NNFS_SITE_PACKAGES": site_packages()}

    def _argv(self, modules, req_r: int, resp_w: int) -> list[str]:
        """python -I -S -u -c LAUNCH with the pipes, the modules and where the child sees its files."""
        return [nsjail.child_python(), "-I", "-S", "-u", "-c", LAUNCH, str(req_r), str(resp_w), ",".join(modules),
                self.launcher.engine_dir, self.launcher.code_dir]

    # -- in the parent ---------------------------------------------------------
    def _read_output(self, fd):
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                room = self.limits.output_bytes - len(self._output)
                self._output += chunk[:max(room, 0)]
                self._output_dropped += max(len(chunk) - max(room, 0), 0)

    def output(self) -> str:
        """What the child printed (stdout and stderr), capped."""
        text = self._output.decode("utf-8", errors="replace")
        if self._output_dropped:
            text += f"\n... [{self._output_dropped} more bytes of output not kept]"
        return text

    def send(self, message, deadline=None) -> int:
        return wire.write_frame(self._req_w, message, deadline)

    def receive(self, deadline, max_bytes=wire.MAX_FRAME_BYTES):
        try:
            message = wire.read_frame(self._resp_r, deadline, max_bytes=max_bytes)
        except EOFError:
            if not self._answered:
                self.launcher.raise_if_failed_to_start(self.proc)
            raise
        self._answered = True
        return message

    def kill(self):
        """End the child and everything it started; remove what it left (cgroups, files, IPC objects)."""
        if self.launcher.stops_on_eof:
            # EOF on its requests ends a healthy child: nsjail reaps it and removes its cgroups
            # itself. Otherwise SIGTERM: nsjail kills the namespace's processes and cleans up.
            self._close_requests()
            for stop, patience in ((lambda: None, 0.2), (self.proc.terminate, 2)):
                try:
                    stop()
                    wait_exit(self.proc, patience)
                    break
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
        for kill in (lambda: os.killpg(self.proc.pid, signal.SIGKILL), lambda: self.proc.kill()):
            try:
                kill()
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait()
        kill_leftovers(self.launcher.uid, self._spare)
        self._close_requests()
        try:
            os.close(self._resp_r)
        except OSError:
            pass
        self._drain.join(timeout=5)
        self.launcher.remove_traces()

    def _close_requests(self):
        if self._req_w >= 0:
            try:
                os.close(self._req_w)
            except OSError:
                pass
            self._req_w = -1  # never close a number the process may have reused


def wait_exit(proc: subprocess.Popen, seconds: float) -> int:
    """Popen.wait(timeout=seconds), woken by the exit itself (a pidfd) rather than by polling."""
    if proc.returncode is not None:
        return proc.returncode
    try:
        fd = os.pidfd_open(proc.pid)
    except OSError:  # already reaped elsewhere, or a kernel without pidfds
        return proc.wait(timeout=seconds)
    try:
        exited = select.select([fd], [], [], seconds)[0]
    finally:
        os.close(fd)
    if not exited:
        raise subprocess.TimeoutExpired(proc.args, seconds)
    return proc.wait()


def prepare_workdir(files: dict[str, Path]) -> Path:
    """A fresh folder with the given files (name -> source path): the student's modules.

    It is the child's code, read-only to it; the child writes elsewhere (a
    tmpfs under nsjail, a scratch folder of its own in the uid fallback).
    """
    workdir = Path(tempfile.mkdtemp(prefix="nnfs-sandbox-", dir=own_tmp.root()))
    for name, source in files.items():
        shutil.copyfile(source, workdir / name)
    return workdir


@functools.lru_cache(maxsize=1)
def child_code_dir() -> Path:
    """A folder with the child's own code, _nnfs_child.py (child.py) and _nnfs_wire.py, and their bytecode.

    Made once per process (a batch makes it before forking its workers) and
    readable by every child (mounted read-only at ENGINE_MOUNT under nsjail):
    compiling the two files in every child cost it ~4 ms. It lives in the
    process's own temporary folder (jail/own_tmp.py): removed when the process
    exits, or by the next grading process when it was killed.
    """
    folder = Path(tempfile.mkdtemp(prefix="nnfs-engine-", dir=own_tmp.root()))
    for name, source in (("_nnfs_child.py", CHILD_FILE), ("_nnfs_wire.py", Path(wire.__file__))):
        shutil.copyfile(source, folder / name)
        py_compile.compile(str(folder / name), cfile=importlib.util.cache_from_source(str(folder / name), optimization=""),
                           doraise=True, optimize=0, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    for path in (folder, folder / "__pycache__"):
        path.chmod(0o755)
    for path in [*folder.glob("*.py"), *folder.glob("__pycache__/*")]:
        path.chmod(0o644)
    return folder
