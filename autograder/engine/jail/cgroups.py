"""The cgroups a submission runs in: memory, pids and CPU for all its processes together.

nsjail creates ``<parent>/NSJAIL.<pid>`` for each child and writes its
limits. The engine gives every child a parent folder of its own
(``nnfs-<worker pid>-<its start time>-<n>``, below the grader's own cgroup), so that
whatever happens to nsjail, removing that folder afterwards leaves nothing
behind. The start time tells a live worker from a later process that was
given the same pid (pids wrap around on a busy machine). Both hierarchies are supported: v1 (one mount per controller, e.g.
/sys/fs/cgroup/memory) and v2 (one unified tree with cgroup.controllers).
"""
import dataclasses
import functools
import itertools
import os
import signal
import time
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
V1_CONTROLLERS = ("memory", "pids", "cpu")
V2_CONTROLLERS = ("memory", "pids", "cpu")
PREFIX = "nnfs-"
_counter = itertools.count()


@dataclasses.dataclass(frozen=True)
class Cgroups:
    """Where children's cgroups go. version: 1 or 2; bases: controller (v1) or
    "unified" (v2) -> the folder under which each child gets its own parent."""
    version: int
    bases: dict
    memsw: bool = False  # v1: memory.memsw.* exists, so swap can be limited too

    def new_parents(self) -> dict:
        """A fresh parent folder per controller for one child; controller -> path."""
        self.sweep()
        pid = os.getpid()
        name = f"{PREFIX}{pid}-{_start_time(pid)}-{next(_counter)}"
        parents = {}
        for controller, base in self.bases.items():
            path = base / name
            path.mkdir()
            parents[controller] = path
            if self.version == 2:
                _enable_controllers(path)
        return parents

    def sweep(self):
        """Remove the engine's folders left by processes that are gone (a worker killed mid-submission)."""
        for base in self.bases.values():
            try:
                stale = [p for p in base.iterdir() if p.name.startswith(PREFIX) and not _alive(p.name)]
            except OSError:
                continue
            remove({str(p): p for p in stale}, patience=0.1)

    def nsjail_args(self, parents: dict, limits) -> list[str]:
        """nsjail's options that put one child into parents with limits."""
        args = [f"--cgroup_mem_max={limits.memory_bytes}", f"--cgroup_pids_max={limits.processes}",
                "--cgroup_cpu_ms_per_sec=1000"]  # at most one core per submission
        if self.version == 2:
            swap = ["--cgroup_mem_swap_max=0"] if (parents["unified"] / "memory.swap.max").exists() else []
            return [*args, "--use_cgroupv2", f"--cgroupv2_mount={parents['unified']}", *swap]
        for controller, option in (("memory", "mem"), ("pids", "pids"), ("cpu", "cpu")):
            mount = CGROUP_ROOT / controller
            args += [f"--cgroup_{option}_mount={mount}",
                     f"--cgroup_{option}_parent={parents[controller].relative_to(mount)}"]
        if self.memsw:
            args.append("--cgroup_mem_swap_max=0")
        return args


def _start_time(pid: int | str) -> str:
    """The process's start time (clock ticks after boot, /proc/PID/stat's field 22), or "" when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # fields after the command name start at field 3


def _alive(name: str) -> bool:
    """Whether the process that made the folder nnfs-<pid>-<start time>-<n> (or the older nnfs-<pid>-<n>)
    still exists, and is that process rather than a later one given its pid."""
    parts = name[len(PREFIX):].split("-")
    if not parts[0].isdigit():
        return False
    if len(parts) == 3:
        return _start_time(parts[0]) == parts[1]
    return Path(f"/proc/{parts[0]}").exists()


def remove(parents: dict, patience: float = 10.0):
    """Remove a child's cgroup folders (nsjail's NSJAIL.* inside first).

    A process still in one (nsjail killed before it could clean up) is
    killed; a cgroup whose processes are still dying is busy for a moment:
    retry until patience (seconds) runs out, then leave it to the next sweep.
    """
    deadline = time.monotonic() + patience
    for parent in parents.values():
        while True:
            try:
                for inner in [*parent.glob("NSJAIL*"), parent]:
                    for pid in (inner / "cgroup.procs").read_text().split():
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    if inner != parent:
                        inner.rmdir()
                parent.rmdir()
                break
            except (FileNotFoundError, PermissionError):  # gone, or another user's: nothing to wait for
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)


def _own_cgroups() -> dict:
    """/proc/self/cgroup as controller -> path ("" for the v2 line)."""
    own = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path.lstrip("/")
    return own


def _enable_controllers(path: Path):
    (path / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in V2_CONTROLLERS))


@functools.lru_cache(maxsize=1)
def detect() -> tuple[Cgroups | None, str]:
    """(the cgroups children can get, "") or (None, why they cannot); found once per process."""
    try:
        own = _own_cgroups()
    except OSError as exc:
        return None, f"cannot read /proc/self/cgroup ({exc.strerror})"
    if (CGROUP_ROOT / "cgroup.controllers").is_file():  # a pure v2 machine
        base = CGROUP_ROOT / own.get("", "")
        available = set((base / "cgroup.controllers").read_text().split()) if (base / "cgroup.controllers").exists() else set()
        missing = [c for c in V2_CONTROLLERS if c not in available]
        if missing:
            return None, f"cgroup v2: controllers {', '.join(missing)} are not delegated to {base}"
        try:
            _enable_controllers(base)
            (base / "cgroup.subtree_control").read_text()
        except OSError as exc:
            return None, (f"cgroup v2: cannot enable controllers below {base} ({exc.strerror}); run the grader "
                          "in a cgroup of its own with memory, pids and cpu delegated (e.g. systemd-run --scope -p Delegate=yes)")
        return Cgroups(2, {"unified": base}), ""
    bases = {}
    for controller in V1_CONTROLLERS:
        mount = CGROUP_ROOT / controller
        if not (mount / "cgroup.procs").is_file():
            return None, f"cgroup v1: no {controller} hierarchy mounted at {mount}"
        base = mount / own.get(controller, "")
        if not os.access(base, os.W_OK):
            return None, f"cgroup v1: {base} is not writable (run as root, or delegate it to this user)"
        bases[controller] = base
    return Cgroups(1, bases, memsw=(bases["memory"] / "memory.memsw.limit_in_bytes").exists()), ""


def describe(mode: str | None = None) -> str:
    """For `course doctor`: which cgroup version this machine has and what the engine does with it
    in the isolation mode chosen (mode; None: as nsjail would)."""
    found, why_not = detect()
    if found is not None and mode is not None and not mode.startswith("nsjail+cgroup"):
        return (f"cgroups: v{found.version} found, not used: isolation {mode} does not put children in cgroups, "
                "so memory and CPU are limited per process (rlimits), not for a submission's processes together")
    if found is not None:
        where = ", ".join(f"{name} at {base}" for name, base in found.bases.items())
        return (f"cgroups: v{found.version} ({where}): each submission gets a cgroup of its own under nsjail, "
                f"limiting memory (memory_mb, swap off{'' if found.version == 2 or found.memsw else ' where the kernel can'}), "
                "processes and CPU (one core) for all its processes together")
    kind = ("v2" if (CGROUP_ROOT / "cgroup.controllers").is_file()
            else "v1" if any((CGROUP_ROOT / c / "cgroup.procs").is_file() for c in V1_CONTROLLERS) else "none found")
    return (f"cgroups: {kind}, not used ({why_not}): memory and CPU are limited per process (rlimits), "
            "not for a submission's processes together")


def leftovers() -> list[Path]:
    """Every engine cgroup folder on the machine whose worker process is gone."""
    found = set()
    for root in [CGROUP_ROOT / c for c in V1_CONTROLLERS] + [CGROUP_ROOT]:
        for folder, subfolders, _ in os.walk(root):  # a folder removed meanwhile is skipped, never an error
            found |= {Path(folder) / name for name in subfolders if name.startswith(PREFIX)}
    return sorted(p for p in found if not _alive(p.name))


def sweep_everywhere(patience: float = 5.0):
    """Remove every engine cgroup folder on the machine whose worker is gone, wherever it is (a run
    in another cgroup of its own, a worker killed at a batch's end); called once a batch is over."""
    remove({str(p): p for p in leftovers()}, patience=patience)
