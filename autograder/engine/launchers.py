"""How each isolation mode starts the sandboxed child and cleans up after it: one class per mode.

sandbox.Child owns the pipes and the child's output whatever the mode; a
Launcher (launcher_for(mode)) decides where the child sees its files, how it
is started and what it leaves to remove:

- NsjailLauncher (``nsjail+cgroup-v1|v2``, ``nsjail+rlimits``): nsjail's
  namespaces, the code and work folder mounted (jail/nsjail.py), one cgroup
  for all its processes where cgroups can be used (jail/cgroups.py);
- UidLauncher (``uid+landlock``, ``uid+rlimits``): a separate unprivileged
  uid, rlimits, no network, a scratch folder of its own, Landlock where the
  kernel has it (jail/uid.py, jail/landlock.py, jail/no_network.py);
- TrustedLauncher (``trusted-submissions-no-sandbox``): rlimits only.
"""
import ctypes
import os
import signal
import subprocess
import tempfile
from pathlib import Path

from ..limits import Limits
from .errors import GradingError
from .jail import cgroups, cleanup, no_network, nsjail, own_tmp, uid as uid_jail
from .jail.nsjail import CODE_MOUNT, ENGINE_MOUNT, WORK_MOUNT
from .jail.probe import TRUSTED, UID, UID_LANDLOCK

PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def die_with_parent():
    """In a forked child before exec: SIGKILL when the parent dies."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Launcher:
    """The interface: where the child sees its files, how it starts, what it leaves.

    workdir: the student's modules (the child's code, made read-only to its
    uid here when it has one); engine_code: the child's own code on the host
    (sandbox.child_code_dir()). code_dir, run_dir, engine_dir: the paths the
    child sees them at (run_dir: its working folder, HOME and TMPDIR).
    """
    stops_on_eof = False  # a healthy child ends when its requests pipe closes, and its launcher cleans up

    def __init__(self, mode: str, workdir: Path, limits: Limits, engine_code: Path, uid: int | None):
        self.mode, self.workdir, self.limits, self.engine_code, self.uid = mode, workdir, limits, engine_code, uid
        if uid is not None:  # its own code: readable to it only, never writable
            for path in [workdir, *workdir.iterdir()]:
                os.chown(path, uid, uid)
                os.chmod(path, 0o500 if path.is_dir() else 0o400)
        self.code_dir, self.run_dir, self.engine_dir = str(workdir), str(workdir), str(engine_code)

    def popen(self, argv: list[str], env: dict, pass_fds: tuple[int, ...], output_fd: int) -> subprocess.Popen:
        """Start argv (env: its environment; pass_fds: the pipes it keeps; output_fd: its stdout and stderr)."""
        raise NotImplementedError

    def raise_if_failed_to_start(self, proc: subprocess.Popen):
        """GradingError when the child ended before answering because the sandbox, not the student, failed."""

    def remove_traces(self):
        """Remove what the child may have left (cgroups, scratch files, IPC objects); idempotent."""
        if self.uid is not None:
            cleanup.remove_ipc(self.uid)
            cleanup.remove_files_of(self.uid)


class NsjailLauncher(Launcher):
    stops_on_eof = True  # nsjail reaps it and removes its cgroups itself

    def __init__(self, mode, workdir, limits, engine_code, uid):
        super().__init__(mode, workdir, limits, engine_code, uid)
        self.code_dir, self.run_dir, self.engine_dir = CODE_MOUNT, WORK_MOUNT, ENGINE_MOUNT
        self.log = None
        self.cgroup_parents = {}

    def popen(self, argv, env, pass_fds, output_fd):
        self.log = tempfile.TemporaryFile()
        with_cgroups = self.mode.startswith("nsjail+cgroup")
        found = cgroups.detect()[0] if with_cgroups else None
        if found is None and with_cgroups:
            raise GradingError(f"isolation {self.mode} was chosen but its cgroups are gone")
        self.cgroup_parents = found.new_parents() if found else {}
        # The log stays nsjail's: it is closed when the child execs, so student code cannot write to it.
        command = nsjail.command(self.workdir, self.limits, env, argv, uid=self.uid, log_fd=self.log.fileno(),
                                 engine_dir=self.engine_code, pass_fds=pass_fds,
                                 cgroup_args=found.nsjail_args(self.cgroup_parents, self.limits) if found else (),
                                 seconds=self.limits.cpu_seconds)
        return subprocess.Popen(command, env={}, stdin=subprocess.DEVNULL, stdout=output_fd, stderr=output_fd,
                                pass_fds=(*pass_fds, self.log.fileno()), start_new_session=True,
                                preexec_fn=die_with_parent)

    def raise_if_failed_to_start(self, proc):
        """nsjail failing to start Python is the machine's fault, not the student's: it
        logs "Executing" just before the exec (its log is closed at the exec, out of the
        student's reach), so a child that never answered and has no such line never ran."""
        if self.log is None:
            return
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return
        self.log.seek(0)
        lines = self.log.read(1 << 20).decode(errors="replace").splitlines()
        if not any(line.startswith("[I]") and "Executing " in line for line in lines) \
                or any("execve(" in line and line.startswith("[E]") for line in lines):
            complaints = [line.split(" ", 2)[-1] for line in lines if line[:3] in ("[E]", "[F]")]
            raise GradingError(f"the sandbox (isolation {self.mode}) could not start the student's process: "
                               + ("; ".join(complaints[-3:]) or f"nsjail exited with {proc.returncode}"))

    def remove_traces(self):
        cgroups.remove(self.cgroup_parents)
        self.cgroup_parents = {}
        if self.log is not None:
            self.log.close()


class UidLauncher(Launcher):
    """A uid of its own (the grader runs as root), writing only in its scratch folder."""

    def __init__(self, mode, workdir, limits, engine_code, uid):
        super().__init__(mode, workdir, limits, engine_code, uid)
        self.scratch = Path(tempfile.mkdtemp(prefix="nnfs-scratch-", dir=own_tmp.root()))
        os.chown(self.scratch, uid, uid)
        self.run_dir = str(self.scratch)

    def popen(self, argv, env, pass_fds, output_fd):
        paths = uid_jail.landlock_paths(self.workdir, self.scratch, self.engine_code) \
            if self.mode == UID_LANDLOCK else None
        offline = no_network.prepared()
        limits, uid = self.limits, self.uid
        return subprocess.Popen(argv, cwd=self.run_dir, env=env, stdin=subprocess.DEVNULL, stdout=output_fd,
                                stderr=output_fd, pass_fds=pass_fds,
                                preexec_fn=lambda: uid_jail.enter(limits, uid, paths, offline))

    def remove_traces(self):
        cleanup.remove_tree(self.scratch)
        super().remove_traces()


class TrustedLauncher(Launcher):
    """No sandbox (trusted submissions only): rlimits, the grader's own uid."""

    def popen(self, argv, env, pass_fds, output_fd):
        limits, uid = self.limits, self.uid
        return subprocess.Popen(argv, cwd=self.run_dir, env=env, stdin=subprocess.DEVNULL, stdout=output_fd,
                                stderr=output_fd, pass_fds=pass_fds,
                                preexec_fn=lambda: uid_jail.enter(limits, uid, None, None))


def launcher_for(mode: str, workdir: Path, limits: Limits, engine_code: Path) -> Launcher:
    """The launcher of an isolation mode (jail/probe.py's names); as root every sandboxed mode gets a uid
    of its own (uid.sandbox_uid())."""
    uid = uid_jail.sandbox_uid() if os.geteuid() == 0 and mode != TRUSTED else None
    if mode.startswith("nsjail"):
        return NsjailLauncher(mode, workdir, limits, engine_code, uid)
    if mode in (UID, UID_LANDLOCK):
        return UidLauncher(mode, workdir, limits, engine_code, uid)
    return TrustedLauncher(mode, workdir, limits, engine_code, uid)
