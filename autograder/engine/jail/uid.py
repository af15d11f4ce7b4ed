"""The fallback where the kernel denies namespaces (root without them, e.g. in
Docker's default seccomp profile): the child runs as a separate unprivileged
uid with rlimits, in a folder of its own, and no network (no_network.py).

It sees the machine's files with that uid's rights, so the course (reference,
graders, other submissions, results) must be unreadable to it: the probe
checks that for real, as that uid, before this mode is used.
"""
import ctypes
import os
import resource
import signal

from . import landlock, no_network

SANDBOX_UID_BASE = 200_000
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
MAX_CHECKED = 20_000  # entries tried per protected folder (~50 ms)
MAX_HITS = 20  # readable files, and folders, reported per protected folder
_libc = ctypes.CDLL(None, use_errno=True)


def sandbox_uid() -> int:
    """The uid of this grading process's children: one per worker, so one per submission at a time."""
    return SANDBOX_UID_BASE + os.getpid()


def apply_rlimits(limits, uid_limited: bool):
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size_bytes, limits.file_size_bytes))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if uid_limited:  # RLIMIT_NPROC counts the processes of the uid: only meaningful for a uid of its own
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))


def become(uid):
    """Drop to uid (and gid uid, no supplementary groups) for good."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def landlock_paths(code_dir, scratch, engine_dir=None) -> dict:
    """What the child may reach under Landlock: read_only, writable and devices.

    engine_dir: the child's own code (sandbox.child_code_dir())."""
    from .nsjail import DEVICES, SYSTEM_DIRS, python_dirs
    own = [str(engine_dir)] if engine_dir is not None else []
    return {"read_only": [*(f"/{name}" for name in SYSTEM_DIRS), *python_dirs(), str(code_dir), *own],
            "writable": [str(scratch)], "devices": [f"/dev/{device}" for device in DEVICES]}


def enter(limits, uid: int | None, landlock_paths: dict | None = None, network_filter=None):
    """In the forked child before exec: new session, no new privileges, rlimits,
    Landlock (if given), the seccomp filter that denies the network
    (no_network.prepared(), if given), then uid.

    The parent-death signal is set again after the uid change (the kernel
    clears it on a change of credentials): the child dies with its grading
    process however that ends. What the child starts itself (a forked
    daemon does not inherit the signal) is swept by the next grading
    process (cleanup.sweep_orphans)."""
    parent = os.getppid()
    os.setsid()
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # no setuid binary raises privileges
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    apply_rlimits(limits, uid_limited=uid is not None)
    if landlock_paths is not None:
        landlock.restrict(**landlock_paths, version=landlock.abi())
    if network_filter is not None:
        no_network.load_in_child(network_filter)
    if uid is not None:
        become(uid)
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the grading process died before the signal was set: never run orphaned
        os._exit(1)


def listed(paths) -> list[tuple[list[str], list[str]]]:
    """(folders, files) of each path and everything below it, as the calling process (root) lists
    them: at most MAX_CHECKED entries per path, links below it never followed.

    The sandbox uid then tries them by path (_readable): a folder it may enter but not list
    (mode 0711) hides nothing from open() by path, so its files must be found by someone who can list."""
    found = []
    for top in paths:
        folders, files = [], []
        if os.path.isdir(top):
            for root, _, names in os.walk(top, onerror=lambda error: None):
                folders.append(root)
                files.extend(os.path.join(root, name) for name in names)
                if len(folders) + len(files) > MAX_CHECKED:
                    break
        else:
            files.append(top)
        found.append((folders, files))
    return found


def _readable(trees) -> list[str]:
    """What of each (folders, files) of listed() the current uid can list (folders) or open (files; a
    link is not followed: what it points to is checked where it lives); at most MAX_HITS per tree."""
    hits = []
    for folders, files in trees:
        hits += _first(files, lambda path: os.close(
            os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_NOCTTY)))
        hits += _first(folders, os.listdir)
    return hits


def _first(paths, attempt) -> list[str]:
    """The first MAX_HITS of paths for which attempt(path) raises no OSError."""
    done = []
    for path in paths:
        try:
            attempt(path)
        except OSError:
            continue
        done.append(path)
        if len(done) >= MAX_HITS:
            break
    return done


def readable_by(uid: int, paths) -> list[str]:
    """What of paths uid can read (files it can open, folders it can list), tried for real in a process
    running as uid on every entry the caller (root) finds below them."""
    trees = listed([str(p) for p in paths if os.path.lexists(p)])
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            become(uid)
            os.write(write_end, "\0".join(_readable(trees)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read(1 << 20)
    os.waitpid(pid, 0)
    return [p for p in data.decode(errors="replace").split("\0") if p]


def can_create_in(uid: int, folder, landlock_paths: dict | None = None) -> bool:
    """Whether uid (under Landlock's landlock_paths, if given) can create a file in folder, tried for real
    in a process running as uid (the file, if made, removed at once)."""
    from ...limits import Limits

    limits = Limits(seconds=30, submission_seconds=30, memory_mb=1024, file_size_mb=1, output_kb=1)
    name = os.path.join(str(folder), f".nnfs-probe-write-{os.getpid()}-{os.urandom(6).hex()}")
    pid = os.fork()
    if pid == 0:
        made = False
        try:
            enter(limits, uid, landlock_paths)
            os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600))
            made = True
            os.unlink(name)
        finally:
            os._exit(10 if made else 0)
    _, status = os.waitpid(pid, 0)
    if os.path.lexists(name):  # made, and its unlink failed (a folder where it may create, not delete)
        os.unlink(name)
    return os.waitstatus_to_exitcode(status) == 10
