"""The uid modes' seccomp filter (jail/no_network.py): no socket of any family, no kernel keys,
and the probe checks it holds."""
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
       "        print(family.name, 'denied', exc.errno)\n"
       "try:\n"
       "    socket.socketpair()\n"
       "    print('socketpair open')\n"
       "except OSError as exc:\n"
       "    print('socketpair denied', exc.errno)\n"
       "import ctypes\n"
       "libc = ctypes.CDLL(None, use_errno=True)\n"
       "key = libc.syscall(248, b'user', b'nnfs-key', b'secret', 6, -3)\n"  # add_key(..., KEY_SPEC_USER_KEYRING)
       "print('add_key', 'denied' if key < 0 else 'made', ctypes.get_errno())\n"
       "print('keyctl', 'denied' if libc.syscall(250, 0, -3, 0) < 0 else 'ran', ctypes.get_errno())\n")


def test_the_filter_denies_every_socket_and_every_key_call_and_is_inherited():
    offline = no_network.prepared()
    code = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {TRY!r}])"  # a grandchild inherits it
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60,
                          preexec_fn=lambda: uid.enter(LIMITS, None, None, offline))
    assert done.stdout.splitlines() == ["AF_INET denied 13", "AF_INET6 denied 13", "AF_NETLINK denied 13",
                                        "AF_PACKET denied 13", "AF_UNIX denied 13", "socketpair denied 13",
                                        "add_key denied 13", "keyctl denied 13"], done.stderr


PROBE_BOTH = """
import errno, socket
import pyseccomp as seccomp
from autograder.engine.jail import no_network, probe
print(repr(probe._trial_uid((), with_landlock=False)))
def unix_allowed():  # the filter before issue 23: every family but AF_UNIX denied
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    rules.add_rule(seccomp.ERRNO(errno.EACCES), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    return rules
no_network._build = unix_allowed
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
    filter it passes; with a filter that lets unix sockets through (a host service's socket open to
    all, an abstract one) or does nothing, a connection succeeds and the mode is refused."""
    done = subprocess.run([sys.executable, str(REPO / "tests/docker_like.py"), "--", sys.executable, "-c", PROBE_BOTH],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert len(lines) == 3 and lines[0] == "''", done.stdout + done.stderr
    for line in lines[1:]:
        assert re.fullmatch(r"'uid \d+ connected to a listening socket of the host \(127\.0\.0\.1 or unix\) "
                            r"despite the seccomp filter'", line), line


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
    assert probe._trial_nsjail(None) == ("the child connected to a listening socket of the host (127.0.0.1 or "
                                         "unix): nsjail gave it no network namespace")
