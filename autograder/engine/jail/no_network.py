"""No network, no sockets, no kernel keys and no POSIX message queues for student code in the uid
modes: a seccomp filter (libseccomp, through pyseccomp).

nsjail gives the child network, IPC and user namespaces of its own. Without
namespaces (uid+landlock, uid+rlimits) the child would share the machine's
network, its unix sockets (paths and the abstract namespace: host services
such as a database, the Dask worker, systemd) and the kernel's keyrings, so
before it runs Python it gets a filter that fails socket(2) and
socketpair(2) of every family with EACCES (the child talks to the grader
over pipes; neither Python nor numpy opens a socket), add_key(2), keyctl(2)
and request_key(2) with EACCES (a user keyring outlives the submission and
would carry state to the next student of the uid), mq_open(2) with EACCES
(a POSIX message queue outlives its creator, and where /dev/mqueue is not
mounted nothing lists it for removal), and io_uring (which can
open sockets without socket(2)) with ENOSYS. Syscalls of another ABI
(32-bit x86, x32) kill the process: libseccomp's default for an
architecture the filter was not built for. The filter is inherited by every
process the child starts and cannot be removed (no_new_privs is set before
it).

The probe (probe.py) checks it holds for real: as the sandbox uid, a
connection to a listening 127.0.0.1 port and one to a listening unix socket
(a path open to all, and an abstract name) must fail.
"""
import errno

DENIED = ("socket", "socketpair", "add_key", "keyctl", "request_key", "mq_open")
NO_SUCH_CALL = ("io_uring_setup", "io_uring_enter", "io_uring_register")


def _build():
    """The filter, built in the parent (no allocation between fork and exec beyond its load)."""
    import pyseccomp as seccomp

    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED:
        rules.add_rule(seccomp.ERRNO(errno.EACCES), name)
    for name in NO_SUCH_CALL:
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
    return rules


def prepared():
    """A filter ready to load in a forked child (load_in_child), or an OSError/ImportError saying why not."""
    return _build()


def load_in_child(rules):
    """In the forked child before exec (no_new_privs already set): the filter from prepared()."""
    rules.load()
