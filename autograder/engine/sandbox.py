"""Run student code in a child process that cannot reach anything else.

The child is a fresh ``python -I`` in a new session whose working directory
is a new temporary folder holding only the allowed student files, the
provided modules and the child server. Where the kernel allows it (as root,
or through an unprivileged user namespace) the child also gets:

- its own root file system: an empty tmpfs into which only the system's
  /usr, /lib*, /etc, four /dev nodes and the Python installation and
  virtualenv are bound read-only, and its own folder as /tmp/work. Nothing
  else of the machine exists for it: not the course, not any other copy of
  it, not the submissions, the outputs or anyone's home (a whitelist, not a
  list of folders to hide);
- no network (a new, empty network namespace);
- a PID namespace of its own, in which the student's Python is PID 1: it can
  signal no process outside, and when it dies every process it started dies;
- as root: an unprivileged uid of its own.

Everywhere: limits on CPU seconds, address space, file size, open files and
processes; output read through a pipe and capped; wall-clock timeouts end
with SIGKILL of the process group, and the grading process is a "child
subreaper", so processes that escape into new sessions are reaped and
killed too.
"""
import ctypes
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import wire

CHILD_FILE = Path(__file__).with_name("child.py")

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc")  # what the child's root holds
SYS_PIVOT_ROOT = 155 if os.uname().machine == "x86_64" else 41  # x86_64; aarch64
MNT_DETACH = 2
# statvfs's ST_* flags have the values of mount(2)'s MS_*: nosuid, nodev, noexec, noatime, nodiratime, relatime.
KEPT_MOUNT_FLAGS = 2 | 4 | 8 | 1024 | 2048 | 4096
PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 36, 1, 24, 38
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
SANDBOX_UID_BASE = 200_000
WORK_MOUNT = "/tmp/work"

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags, data):
    _check(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                       ctypes.c_ulong(flags), data and data.encode()), f"mount {target}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_all_capabilities():
    """Empty the bounding set (so exec cannot grant any back) and every capability set."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    header, data = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def _bind(source, target, read_only=True):
    _mount(source, target, None, MS_BIND | MS_REC, None)
    if read_only:
        # Keep the flags the mount already has (atime, noexec, ...): in a user
        # namespace they are locked, and a remount that drops one is refused.
        kept = os.statvfs(target).f_flag & KEPT_MOUNT_FLAGS
        _mount(None, target, None, kept | MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def _enter_minimal_root(workdir):
    """Make the child's whole file system a fresh tmpfs holding, read-only, only
    what Python and numpy need (SYSTEM_DIRS, a few devices, the Python
    installation and virtualenv) and, writable, its own folder as /tmp/work.

    No other file of the machine is reachable: not the course, not another
    copy of it, not the submissions, not anyone's home. Must run in a new
    mount namespace.
    """
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    # Opened before /tmp is covered: they may lie under it (a clone in /tmp).
    work_fd = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY)
    python_fds = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in python_dirs()}
    new_root = "/tmp"
    _mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for name in SYSTEM_DIRS:
        source, target = f"/{name}", f"{new_root}/{name}"
        if os.path.islink(source):  # merged /usr: /bin -> usr/bin
            os.symlink(os.readlink(source), target)
        elif os.path.isdir(source):
            os.mkdir(target)
            _bind(source, target)
    os.mkdir(f"{new_root}/dev")
    for device in ("null", "zero", "random", "urandom"):
        open(f"{new_root}/dev/{device}", "w").close()
        _bind(f"/dev/{device}", f"{new_root}/dev/{device}", read_only=False)
    os.mkdir(f"{new_root}/tmp")  # before the Python folders: a virtualenv may live under /tmp
    _mount("tmpfs", f"{new_root}/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    for path, fd in python_fds.items():
        os.makedirs(new_root + path, exist_ok=True)
        _bind(f"/proc/self/fd/{fd}", new_root + path)
        os.close(fd)
    os.mkdir(f"{new_root}{WORK_MOUNT}")
    _bind(f"/proc/self/fd/{work_fd}", f"{new_root}{WORK_MOUNT}", read_only=False)
    os.close(work_fd)
    os.mkdir(f"{new_root}/.old")
    os.chdir(new_root)
    _check(_libc.syscall(SYS_PIVOT_ROOT, b".", b".old"), "pivot_root")
    os.chdir("/")
    _check(_libc.umount2(b"/.old", MNT_DETACH), "umount old root")
    os.rmdir("/.old")
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
    os.chdir(WORK_MOUNT)


def _become_pid_namespace_init():
    """Fork into the new PID namespace: the child goes on to exec the student's
    Python as its PID 1; this process stays behind only to wait for it.

    Inside the namespace the student's code sees and can signal no process
    outside it (kill(-1) included), and when its PID 1 dies the kernel kills
    every process left in it.
    """
    pid = os.fork()
    if pid == 0:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # we die -> the namespace dies
        return
    # Hold no pipe ends (Popen's exec-error pipe, the protocol, the output), so
    # that EOF reaches the grader exactly when the namespace's processes are gone.
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, 65536)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)  # killed by signal n -> 128 + n, as shells report it


def python_dirs():
    """The folders the child's Python needs: its installation and the virtualenv."""
    return sorted({os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)})


def become_subreaper():
    """Orphans of our children are re-parented to us, so none can escape."""
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


class Limits:
    """What one child may use."""

    def __init__(self, cpu_seconds, memory_mb, file_size_mb, output_kb, processes=64):
        self.cpu_seconds = int(cpu_seconds) + 1
        self.memory_bytes = memory_mb * 1024 * 1024
        self.file_size_bytes = file_size_mb * 1024 * 1024
        self.output_bytes = output_kb * 1024
        self.processes = processes


def isolation_mode() -> str:
    """"root", "userns" or "none": how strongly children can be isolated here.

    $COURSE_ISOLATION may ask for a weaker mode than the machine allows (to
    test the non-root path as root, or to grade where namespaces misbehave).
    """
    forced = os.environ.get("COURSE_ISOLATION")
    if forced in ("userns", "none"):
        return forced
    if not sys.platform.startswith("linux"):
        return "none"
    if os.geteuid() == 0:
        return "root"
    return "userns" if _userns_works() else "none"


def _userns_works() -> bool:
    probe = subprocess.run([sys.executable, "-c", "import ctypes,sys; sys.exit(ctypes.CDLL(None).unshare(0x10000000|0x20000))"],
                           capture_output=True)
    return probe.returncode == 0


class Child:
    """One running child process and its pipes."""

    def __init__(self, workdir: Path, modules, limits: Limits, mode: str, env_extra=None):
        self.workdir = workdir
        self.limits = limits
        self.mode = mode
        self.uid = SANDBOX_UID_BASE + os.getpid() if mode == "root" else None
        self._output = bytearray()
        self._output_dropped = 0
        self._spare = {pid for pid, ppid, _, _ in _processes() if ppid == os.getpid()}
        if self.uid is not None:
            for path in [workdir, *workdir.rglob("*")]:
                os.chown(path, self.uid, self.uid)
            os.chmod(workdir, 0o700)
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        out_r, out_w = os.pipe()
        run_dir = WORK_MOUNT if mode != "none" else str(workdir)
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": run_dir, "TMPDIR": run_dir,
               "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", **(env_extra or {})}
        argv = [sys.executable, "-I", "-u", f"{run_dir}/_nnfs_child.py", str(req_r), str(resp_w), ",".join(modules)]
        self.proc = subprocess.Popen(
            argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w,
            pass_fds=(req_r, resp_w), preexec_fn=lambda: self._enter_sandbox(workdir),
            close_fds=True)
        for fd in (req_r, resp_w, out_w):
            os.close(fd)
        self._drain = threading.Thread(target=self._read_output, args=(out_r,), daemon=True)
        self._drain.start()

    # -- in the forked child, before exec ------------------------------------
    def _enter_sandbox(self, workdir):
        os.setsid()
        if self.mode in ("root", "userns"):
            uid, gid = os.getuid(), os.getgid()
            flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | (CLONE_NEWUSER if self.mode == "userns" else 0)
            _check(_libc.unshare(flags), "unshare")
            if self.mode == "userns":
                Path("/proc/self/setgroups").write_text("deny")
                Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
                Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
            _enter_minimal_root(workdir)
            if self.mode == "userns":
                # Root of its user namespace: give up every capability, so the
                # child cannot unmount or remount its way out of the new root.
                _drop_all_capabilities()
            _become_pid_namespace_init()
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # no setuid binary raises privileges
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        limits = self.limits
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size_bytes, limits.file_size_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
            os.setgroups([])
            os.setgid(self.uid)
            os.setuid(self.uid)

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
        return wire.read_frame(self._resp_r, deadline, max_bytes=max_bytes)

    def kill(self):
        """SIGKILL the child, its process group, everything of its uid, and orphans."""
        for kill in (lambda: os.killpg(self.proc.pid, signal.SIGKILL), lambda: self.proc.kill()):
            try:
                kill()
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait()
        kill_leftovers(self.uid, self._spare)
        for fd in (self._req_w, self._resp_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._drain.join(timeout=5)


def _processes():
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                status = Path(entry.path, "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            yield int(entry.name), int(fields["PPid"]), int(fields["Uid"].split()[0]), fields["State"].split()[0]


def kill_leftovers(uid=None, spare=frozenset()):
    """Kill processes of the sandbox uid and orphans re-parented to us; reap them.

    spare: our own children that existed before the sandbox started. A zombie
    that is not our child is left alone: it is already dead and only its
    parent (init, when we are not a subreaper) can remove it.
    """
    me = os.getpid()
    for _ in range(50):
        targets = [pid for pid, ppid, puid, state in _processes()
                   if pid != me and pid not in spare and (ppid == me or (uid is not None and puid == uid))
                   and (state != "Z" or ppid == me)]
        if not targets:
            return
        for pid in targets:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in targets:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        time.sleep(0.01)


def prepare_workdir(files: dict[str, Path]) -> Path:
    """A fresh folder with the given files (name -> source path) and the child server."""
    workdir = Path(tempfile.mkdtemp(prefix="nnfs-sandbox-"))
    for name, source in files.items():
        shutil.copyfile(source, workdir / name)
    shutil.copyfile(CHILD_FILE, workdir / "_nnfs_child.py")
    shutil.copyfile(wire.__file__, workdir / "_nnfs_wire.py")
    return workdir
