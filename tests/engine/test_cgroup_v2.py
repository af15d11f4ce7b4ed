"""The cgroup v2 path of engine/jail/cgroups.py, against a real cgroup2 tree.

The tree is mounted in a private mount namespace of a child process (`unshare -m`),
so nothing of the host changes; where the kernel refuses the mount the test is
skipped with the reason. A hybrid host (v1 controllers, like this one's) has a
cgroup2 tree without the memory, pids and cpu controllers: detect() must say so
and the engine must not use it; the folder handling (sweep of a dead worker's
folders) runs there all the same. Where the controllers are in the tree (a pure
v2 host), a real nsjail child runs in a v2 cgroup with its limits and nothing is
left afterwards.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder.engine.jail import cgroups
from conftest import REPO

SCRIPT = r"""
import json, os, subprocess, sys
from pathlib import Path
mount = Path(sys.argv[1])
done = subprocess.run(["mount", "-t", "cgroup2", "none", str(mount)], capture_output=True, text=True)
if done.returncode != 0:
    print(json.dumps({"mounted": False, "why": done.stderr.strip()}))
    sys.exit(0)
from autograder.engine.jail import cgroups, probe
cgroups.CGROUP_ROOT = mount
cgroups._own_cgroups = lambda: {"": ""}  # this process's place in the new tree: its root
report = {"mounted": True, "controllers": (mount / "cgroup.controllers").read_text().split()}
found, why = cgroups.detect()
report["detected"] = None if found is None else found.version
report["why"] = why
stale = mount / f"{cgroups.PREFIX}999999999-0"  # a worker that is gone left its folder
(stale / "NSJAIL.1").mkdir(parents=True)
cgroups.Cgroups(2, {"unified": mount}).sweep()
report["stale_removed"] = not stale.exists()
if found is not None:
    parents = found.new_parents()
    limits = probe.Limits(seconds=10, submission_seconds=10, memory_mb=256, file_size_mb=1, output_kb=1, disk_mb=1)
    report["args"] = found.nsjail_args(parents, limits)
    report["subtree"] = (parents["unified"] / "cgroup.subtree_control").read_text().split()
    cgroups.remove(parents)
    report["trial"] = probe._trial_nsjail(found)  # "" when nsjail ran Python in a v2 cgroup
    report["left"] = [p.name for p in mount.iterdir() if p.name.startswith(cgroups.PREFIX)]
print(json.dumps(report))
"""


def test_the_v2_path_against_a_mounted_cgroup2_tree(tmp_path):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("mounting a cgroup2 tree needs root and unshare(1)")
    mount = tmp_path / "cgroup2"
    mount.mkdir()
    done = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable, "-c", SCRIPT, str(mount)],
                          cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    if done.returncode != 0 and "unshare" in done.stderr:
        pytest.skip(f"no private mount namespace here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    if not report["mounted"]:
        pytest.skip(f"the kernel refuses a cgroup2 mount here: {report['why']}")
    assert report["stale_removed"]
    needed = [c for c in cgroups.V2_CONTROLLERS if c not in report["controllers"]]
    if needed:
        assert report["detected"] is None
        assert report["why"] == f"cgroup v2: controllers {', '.join(needed)} are not delegated to {mount}"
        pytest.skip(f"this kernel's cgroup2 tree has no {', '.join(needed)} controller (they are on v1 "
                    "hierarchies): the v2 limits cannot run here; detection and clean-up were checked")
    assert report["detected"] == 2 and report["why"] == ""
    assert "--use_cgroupv2" in report["args"] and any(a.startswith(f"--cgroupv2_mount={mount}/nnfs-")
                                                      for a in report["args"])
    assert {"memory", "pids", "cpu"} <= set(report["subtree"])
    assert report["trial"] == "" and report["left"] == []


def test_doctor_says_which_cgroup_version_it_found_and_what_it_does_with_it(monkeypatch):
    found = cgroups.Cgroups(2, {"unified": cgroups.CGROUP_ROOT / "grader"})
    monkeypatch.setattr(cgroups, "detect", lambda: (found, ""))
    assert cgroups.describe().startswith(f"cgroups: v2 (unified at {cgroups.CGROUP_ROOT}/grader): each submission "
                                         "gets a cgroup of its own")
    assert cgroups.describe("uid+landlock").startswith("cgroups: v2 found, not used: isolation uid+landlock does not")
    assert cgroups.describe("nsjail+cgroup-v2") == cgroups.describe()
    monkeypatch.setattr(cgroups, "detect", lambda: (None, "cgroup v2: controllers memory are not delegated to /x"))
    text = cgroups.describe()
    assert "not used (cgroup v2: controllers memory are not delegated to /x)" in text
    assert "limited per process (rlimits)" in text
