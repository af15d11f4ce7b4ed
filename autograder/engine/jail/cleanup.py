"""What a child may leave behind, found and removed: processes, files, System V IPC objects.

Files: anything of the sandbox uid in the world-writable folders (SHARED_TMP) and in the folders below
them that anyone may enter (a 1777 subfolder of /tmp), links never followed; POSIX message queues are
files of /dev/mqueue where it is mounted (mq_open is denied to student code anyway, no_network.py).
Removed in this process, every entry looked at, within SWEEP_SECONDS a pass: a flood that outlasts it
stops grading on this host with HostLeftDirty (a GradingError), never a silent leftover.

Under nsjail the namespaces take most of it away (the PID namespace dies
with its first process, the tmpfs and the IPC namespace with the last);
these functions are what the uid fallback relies on, and the engine calls
them in every mode.
"""
import contextlib
import ctypes
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

from ..errors import GradingError

IPC_RMID = 0
# World-writable folders a process of the sandbox uid can write into outside its own folder: those of
# `find / -xdev -type d -perm -0002` on a Debian/Ubuntu machine or container, and the other file systems'.
# /var/lock is a link to /run/lock on most systems (listed both, for those where it is not).
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/run/lock", "/var/lock")
# One pass over the shared folders removes files in-process (~10 µs each: 60,000 in well under a second);
# a flood the pass cannot remove in this time leaves the host dirty, said loudly (HostLeftDirty). Well within
# the 180 s a grading process has, since each sweeps before it grades.
SWEEP_SECONDS = 30.0
_libc = ctypes.CDLL(None, use_errno=True)


def _field(status: bytes, name: bytes) -> bytes:
    """The value of one line of /proc/PID/status (the kernel escapes newlines in a process's name)."""
    start = status.index(b"\n" + name + b":") + len(name) + 2
    return status[start:status.index(b"\n", start)].strip()


def processes():
    """(pid, ppid, uid, state) of every process.

    Runs twice per submission, so it reads only the three lines it needs.
    """
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/status", "rb") as file:
                    status = file.read()
                yield (int(entry.name), int(_field(status, b"PPid")), int(_field(status, b"Uid").split()[0]),
                       _field(status, b"State")[:1].decode())
            except (OSError, ValueError):  # gone meanwhile
                continue


def start_time(pid: int, living: bool = False) -> str | None:
    """The process's start time in clock ticks since boot, or None when there is no such process
    (living: nor when it is dead but not yet reaped, a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return None if living and fields[0] in ("Z", "X") else fields[19]


def _pid_max() -> int:
    try:
        return int(Path("/proc/sys/kernel/pid_max").read_text())
    except (OSError, ValueError):
        return 1 << 22


def _grader_gone(uid: int, since: int | None = None) -> bool:
    """Whether the grading process of sandbox uid (pid uid - SANDBOX_UID_BASE) is gone: no such process (or a
    zombie: killed, its parent not yet reaping it), or one started after since (clock ticks: the pid was
    reused, so the grader that gave the uid is dead)."""
    from .uid import SANDBOX_UID_BASE

    started = start_time(uid - SANDBOX_UID_BASE, living=True)
    return started is None or (since is not None and int(started) > since)


def _sandbox_uid(uid: int) -> bool:
    from .uid import SANDBOX_UID_BASE

    return SANDBOX_UID_BASE < uid <= SANDBOX_UID_BASE + _pid_max()


def orphaned_uids() -> set[int]:
    """The sandbox uids whose grading process is gone (killed with SIGKILL, out of memory) while a process
    or an IPC object of theirs is left (their files: sweep_orphans, in the same pass that removes them)."""
    found = set()
    for pid, _, uid, state in processes():
        if _sandbox_uid(uid) and uid not in found and state != "Z":  # a zombie is dead already
            since = start_time(pid)
            if since is not None and _grader_gone(uid, int(since)):
                found.add(uid)
    owners = set()
    for kind in ("shm", "sem", "msg"):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        except OSError:
            continue
        header = lines[0].split() if lines else []
        for line in lines[1:]:
            row = dict(zip(header, line.split()))
            owners |= {int(row.get("uid", -1)), int(row.get("cuid", -1))}
    return found | {uid for uid in owners if _sandbox_uid(uid) and _grader_gone(uid)}


def kill_all_of(uid: int):
    """Kill every process of uid at once: kill(-1) from a process running as uid reaches exactly
    those (a fork bomb cannot outrun a scan), repeated until none is left."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for _ in range(20):
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:  # none left but this one
                    break
                time.sleep(0.005)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def sweep_orphans(seconds: float | None = None):
    """At the start of a grading process: remove what sandbox uids of dead grading processes left
    (processes, System V IPC objects, files in shared temporary folders, within seconds (SWEEP_SECONDS),
    else HostLeftDirty). Needs root (the uid modes)."""
    if os.geteuid() != 0:
        return
    for uid in sorted(orphaned_uids()):
        kill_all_of(uid)
        remove_ipc(uid)
    gone: dict[int, bool] = {}

    def orphaned(owner: int) -> bool:
        if owner not in gone:
            gone[owner] = _sandbox_uid(owner) and _grader_gone(owner)
        return gone[owner]
    _remove(orphaned, SWEEP_SECONDS if seconds is None else seconds, "a dead grading process's sandbox uid")


def own_children() -> set[int]:
    """The pids of this process's children (of all its threads)."""
    me = os.getpid()
    if not os.path.exists(f"/proc/{me}/task/{me}/children"):  # a kernel without CONFIG_PROC_CHILDREN
        return {pid for pid, ppid, _, _ in processes() if ppid == me}
    found = set()
    for tid in os.listdir(f"/proc/{me}/task"):
        try:
            with open(f"/proc/{me}/task/{tid}/children", "rb") as file:
                found.update(int(pid) for pid in file.read().split())
        except OSError:  # the thread ended meanwhile
            continue
    return found


def kill_leftovers(uid=None, spare=frozenset()):
    """Kill processes of the sandbox uid and orphans re-parented to us; reap them.

    spare: our own children that existed before the sandbox started. A zombie
    that is not our child is left alone: it is already dead and only its
    parent (init, when we are not a subreaper) can remove it.
    """
    me = os.getpid()
    for _ in range(50):
        targets = [pid for pid, ppid, puid, state in processes()
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


def remove_tree(path, timeout: float | None = None):
    """Remove a folder however deep it goes (rm walks it without recursion limits or PATH_MAX; it is
    killed after timeout seconds, subprocess.TimeoutExpired)."""
    if os.path.lexists(path):
        subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=timeout)


def ipc_objects(uid) -> list[tuple[str, int]]:
    """(kind, id) of every System V shared memory segment, semaphore set and message queue of uid."""
    found = []
    for kind in ("shm", "sem", "msg"):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        except OSError:
            continue
        header = lines[0].split() if lines else []
        for line in lines[1:]:
            row = dict(zip(header, line.split()))
            if int(row.get("uid", -1)) == uid or int(row.get("cuid", -1)) == uid:
                found.append((kind, int(row[{"shm": "shmid", "sem": "semid", "msg": "msqid"}[kind]])))
    return found


def remove_ipc(uid):
    """Remove the System V IPC objects of uid (a segment otherwise outlives its creator).

    Done as uid: removing another user's object takes CAP_SYS_ADMIN, which
    root in a container does not have.
    """
    objects = ipc_objects(uid)
    if not objects:
        return
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for kind, ident in objects:
                if kind == "shm":
                    _libc.shmctl(ident, IPC_RMID, None)
                elif kind == "sem":
                    _libc.semctl(ident, 0, IPC_RMID)
                else:
                    _libc.msgctl(ident, IPC_RMID, None)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


class HostLeftDirty(GradingError):
    """Files of a sandbox uid are still in the shared folders after SWEEP_SECONDS of removing them: nothing
    more is graded on this host (another student would be graded beside them) until they are gone."""


class _OutOfTime(Exception):
    pass


def _shared_tops() -> list[str]:
    return list(dict.fromkeys(os.path.realpath(f) for f in SHARED_TMP))


def _walk(goes, deadline: float):
    """Remove each entry of the shared folders (SHARED_TMP) and of the folders below them where a
    sandbox uid may have written (those anyone may enter and write, e.g. a 1777 subfolder, or owned by a
    sandbox uid) whose owner goes(uid) says is to go (a folder whole), in this process. Streams
    (os.scandir), no cap; links never followed, never leaves a top's file system, every folder opened
    O_NOFOLLOW and checked to be the one listed, every entry unlinked through its folder's fd.
    _OutOfTime once time.monotonic() passes deadline. (A world-writable folder below one that others may
    not write, e.g. /tmp/x 0755 holding x/y 1777, is not looked into: only its owner can have made it so.)"""
    pending = [(top, None, False) for top in _shared_tops()]  # (path, (dev, inode) listed, removed whole)
    emptied = []  # folders removed whole, parents before their children
    while pending:
        path, listed, whole = pending.pop()
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            here = os.fstat(fd)
            if listed is not None and (here.st_dev, here.st_ino) != listed:
                continue  # swapped since it was listed
            with os.scandir(fd) as entries:
                for entry in entries:
                    if time.monotonic() > deadline:
                        raise _OutOfTime
                    try:
                        found = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    entry_path = os.path.join(path, entry.name)
                    to_go = whole or goes(found.st_uid)
                    if stat.S_ISDIR(found.st_mode):
                        if found.st_dev == here.st_dev and (
                                to_go or _sandbox_uid(found.st_uid)
                                or found.st_mode & (stat.S_IWOTH | stat.S_IXOTH) == stat.S_IWOTH | stat.S_IXOTH):
                            pending.append((entry_path, (found.st_dev, found.st_ino), to_go))
                        if to_go:
                            emptied.append(entry_path)
                    elif to_go:
                        with contextlib.suppress(OSError):
                            os.unlink(entry.name, dir_fd=fd)
        finally:
            os.close(fd)
    for path in reversed(emptied):  # children before their parents; rmdir follows no link
        with contextlib.suppress(OSError):
            os.rmdir(path)
    for path in emptied:  # what a path too long to open held (a chain of folders deeper than PATH_MAX)
        if os.path.lexists(path):
            try:
                remove_tree(path, timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise _OutOfTime from None


def _remove(goes, seconds: float, whose: str):
    """Remove what goes(owner) says (_walk) within seconds, else HostLeftDirty naming whose files."""
    deadline = time.monotonic() + seconds
    try:
        _walk(goes, deadline)
    except _OutOfTime:
        left = ", ".join(str(owner) for owner in sorted({owner for _, owner in _owners_left(goes)})) or "?"
        raise HostLeftDirty(
            f"the host is left dirty: files of {whose} (uid {left}, a student's code) "
            f"are still in {', '.join(_shared_tops())} after {seconds:g} s of removing them (a flood of files); "
            "nothing more is graded here, beside another student's leftovers, until they are gone: remove them "
            f"as root (find {' '.join(_shared_tops())} -xdev -uid {left.split(',')[0]} -delete), then grade "
            "again") from None


def _owners_left(goes, limit: int = 1000):
    """(path, owner) of up to limit entries still there whose owner goes (for the message)."""
    found = []
    for top in _shared_tops():
        try:
            with os.scandir(top) as entries:
                for entry in entries:
                    with contextlib.suppress(OSError):
                        owner = entry.stat(follow_symlinks=False).st_uid
                        if goes(owner):
                            found.append((entry.path, owner))
                    if len(found) >= limit:
                        return found
        except OSError:
            continue
    return found


def remove_files_of(uid, seconds: float | None = None):
    """Remove uid's entries in the shared folders (_walk; a folder of uid's whole), in this process, within
    seconds (SWEEP_SECONDS), else HostLeftDirty."""
    _remove(lambda owner: owner == uid, SWEEP_SECONDS if seconds is None else seconds, f"sandbox uid {uid}")
