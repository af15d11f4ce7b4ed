"""The uid modes' seccomp filter (jail/no_network.py): no socket but AF_UNIX, and the probe checks it holds."""
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO

from autograder.engine.jail import no_network, uid
from autograder.limits import Limits

LIMITS = Limits(seconds=10, submission_seconds=10, memory_mb=1024, file_size_mb=1, output_kb=1)
TRY = ("import socket\n"
       "for family in (socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK, socket.AF_PACKET, socket.AF_UNIX):\n"
       "    try:\n"
       "        socket.socket(family, socket.SOCK_RAW if family == socket.AF_PACKET else socket.SOCK_DGRAM).close()\n"
       "        print(family.name, 'open')\n"
       "    except OSError as exc:\n"
       "        print(family.name, 'denied', exc.errno)\n")


def test_the_filter_denies_every_socket_but_af_unix_and_is_inherited():
    offline = no_network.prepared()
    code = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {TRY!r}])"  # a grandchild inherits it
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60,
                          preexec_fn=lambda: uid.enter(LIMITS, None, None, offline))
    assert done.stdout.splitlines() == ["AF_INET denied 13", "AF_INET6 denied 13", "AF_NETLINK denied 13",
                                        "AF_PACKET denied 13", "AF_UNIX open"], done.stderr


PROBE_BOTH = """
from autograder.engine.jail import no_network, probe
print(repr(probe._trial_uid((), with_landlock=False)))
class Useless:
    def load(self):
        pass
no_network._build = Useless
print(repr(probe._trial_uid((), with_landlock=False)))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid fallback needs root")
def test_the_probe_refuses_a_uid_mode_whose_student_code_reaches_the_network():
    """The trial as the sandbox uid (Python made reachable by docker_like.py): with the real
    filter it passes; with a filter that does nothing, its connection succeeds and the mode is refused."""
    done = subprocess.run([sys.executable, str(REPO / "tests/docker_like.py"), "--", sys.executable, "-c", PROBE_BOTH],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and lines[0] == "''", done.stdout + done.stderr
    assert re.fullmatch(r"'uid \d+ connected to a listening 127\.0\.0\.1 port despite the seccomp filter'", lines[1])


def test_the_probe_refuses_nsjail_when_its_child_would_share_the_network(monkeypatch):
    """nsjail's child tries the same connection: in its network namespace it fails; given the
    machine's network (--disable_clone_newnet), the trial says so and the mode is not used."""
    from autograder.engine.jail import nsjail, probe

    if nsjail.binary() is None:
        pytest.skip("no nsjail here")
    assert probe._trial_nsjail(None) == ""
    real = nsjail.command

    def sharing_the_network(*args, **kwargs):
        argv = real(*args, **kwargs)
        return [*argv[:argv.index("--")], "--disable_clone_newnet", *argv[argv.index("--"):]]
    monkeypatch.setattr(nsjail, "command", sharing_the_network)
    assert probe._trial_nsjail(None) == ("the child connected to a listening 127.0.0.1 port: "
                                         "nsjail gave it no network namespace")
