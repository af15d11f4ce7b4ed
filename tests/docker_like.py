"""Run a command on this machine as if in a container that denies namespaces.

    python tests/docker_like.py [--deny-namespaces] [--hide PATH ...] [--user UID] -- COMMAND ...

In a private mount namespace of its own (nothing of the host changes):
- the Python installation becomes reachable for other users (a 0700 /root is
  covered by a 0755 tmpfs holding only the Python folders), as it is in a
  container image;
- each --hide PATH is replaced by a 0700 copy of itself: readable by root only;
then, with --deny-namespaces, a seccomp filter like Docker's default profile
(unshare and namespace flags of clone: EPERM; clone3: ENOSYS) and
``setpriv --bounding-set=-sys_admin``; with --user UID, the command runs as
that uid (``setpriv --reuid``). Needs root; used by the tests of the
isolation fallbacks.
"""
import argparse
import ctypes
import os
import shutil
import struct
import sys
import tempfile

CLONE_NEWNS = 0x00020000
NAMESPACE_FLAGS = 0x7E020000  # NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
AUDIT_ARCH_X86_64, NR_CLONE, NR_UNSHARE, NR_CLONE3 = 0xC000003E, 56, 272, 435
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
EPERM, ENOSYS = 1, 38
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
libc = ctypes.CDLL(None, use_errno=True)


def check(result, what):
    if result != 0:
        raise OSError(ctypes.get_errno(), f"{what}: {os.strerror(ctypes.get_errno())}")


def mount(source, target, fstype, flags, data=None):
    check(libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                     ctypes.c_ulong(flags), data and data.encode()), f"mount {target}")


def reachable_python():
    """Cover each 0700 ancestor of the Python folders with a 0755 tmpfs holding just the way to them."""
    needed = sorted({os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)})
    for path in needed:
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts)):
            ancestor = "/" + "/".join(parts[:depth])
            if not os.stat(ancestor).st_mode & 0o001:
                inner = "/" + "/".join(parts[:depth + 1])
                fd = os.open(inner, os.O_RDONLY | os.O_DIRECTORY)
                mount("tmpfs", ancestor, "tmpfs", 0, "mode=0755")
                os.mkdir(inner)
                mount(f"/proc/self/fd/{fd}", inner, None, MS_BIND | MS_REC)
                os.close(fd)
                break


def hide(path):
    """Replace path by a copy only root can read."""
    copy = tempfile.mkdtemp(prefix="docker-like-")
    shutil.copytree(path, copy, dirs_exist_ok=True, symlinks=True)
    mount("tmpfs", path, "tmpfs", 0, "mode=0700")
    shutil.copytree(copy, path, dirs_exist_ok=True, symlinks=True)
    os.chmod(path, 0o700)  # copytree gave it the original's mode
    shutil.rmtree(copy)


def deny_namespaces():
    """A seccomp filter like Docker's default profile: no new namespaces."""
    def stmt(code, k, jt=0, jf=0):
        return struct.pack("HBBI", code, jt, jf, k)
    ld, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06
    program = b"".join([
        stmt(ld, 4), stmt(jeq, AUDIT_ARCH_X86_64, 0, 6),  # another ABI: allow
        stmt(ld, 0),
        stmt(jeq, NR_UNSHARE, 5, 0),
        stmt(jeq, NR_CLONE3, 5, 0),
        stmt(jeq, NR_CLONE, 0, 2),
        stmt(ld, 16), stmt(jset, NAMESPACE_FLAGS, 1, 0),
        stmt(ret, SECCOMP_RET_ALLOW),
        stmt(ret, SECCOMP_RET_ERRNO | EPERM),
        stmt(ret, SECCOMP_RET_ERRNO | ENOSYS),
    ])
    buffer = ctypes.create_string_buffer(program)

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(Fprog(len(program) // 8,
                                                                            ctypes.addressof(buffer))), 0, 0),
          "seccomp")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deny-namespaces", action="store_true")
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--user", type=int)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    check(libc.unshare(CLONE_NEWNS), "unshare")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    reachable_python()
    for path in args.hide:
        hide(path)
    setpriv = ["setpriv"]
    if args.user is not None:
        setpriv += [f"--reuid={args.user}", f"--regid={args.user}", "--clear-groups"]
    if args.deny_namespaces:
        deny_namespaces()
        setpriv += ["--bounding-set=-sys_admin", "--inh-caps=-sys_admin"]
    os.execvp("setpriv", [*setpriv, "--", *command])


if __name__ == "__main__":
    main()
