"""No network for student code in the uid modes: a seccomp filter (libseccomp, through pyseccomp).

nsjail gives the child a network namespace of its own. Without namespaces
(uid+landlock, uid+rlimits) the child would share the machine's network, so
before it runs Python it gets a filter that fails every socket(2) other
than AF_UNIX with EACCES, and io_uring (which can open sockets without
socket(2)) with ENOSYS. Syscalls of another ABI (32-bit x86, x32) kill the
process: libseccomp's default for an architecture the filter was not built
for. The filter is inherited by every process the child starts and cannot
be removed (no_new_privs is set before it).

The probe (probe.py) checks it holds for real: as the sandbox uid, a
connection to a listening 127.0.0.1 port must fail.
"""
import errno
import socket


def _build():
    """The filter, built in the parent (no allocation between fork and exec beyond its load)."""
    import pyseccomp as seccomp

    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    rules.add_rule(seccomp.ERRNO(errno.EACCES), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    for name in ("io_uring_setup", "io_uring_enter", "io_uring_register"):
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
    return rules


def prepared():
    """A filter ready to load in a forked child (load_in_child), or an OSError/ImportError saying why not."""
    return _build()


def load_in_child(rules):
    """In the forked child before exec (no_new_privs already set): the filter from prepared()."""
    rules.load()
