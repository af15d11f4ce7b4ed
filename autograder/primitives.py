"""The primitives every path shares (local, cluster, Gradescope, nbgrader, the service): one definition each.

- read_regular: a regular file's bytes, never through a symbolic link, never
  from a FIFO or device, never more than a bound. A file that is refused is
  refused whole (a RefusedFile saying why), never truncated: no grade is
  computed from part of a file.
- atomic_write / atomic_write_bytes: a file written whole or not at all (a
  temporary file beside it, fsynced, then renamed); on any failure the
  temporary file is removed and the old file, if any, is left as it was.
- The solution markers. nbgrader acts on a line that holds its delimiter
  words anywhere ("BEGIN SOLUTION", "END HIDDEN TESTS", ...): markers_in()
  finds them by that rule (a leak in a release, a cell nbgrader will clear, a
  student's file with markers left in). The reference solutions write each
  marker line exactly as BEGIN_SOLUTION / END_SOLUTION: solution_regions()
  reads them, and refuses a line nbgrader would act on that is not exactly one.
- VISIBILITIES: Gradescope's words for when a test's result is shown.
- CONTROL: the characters no student-controlled text keeps and no name may
  hold (engine/text.clean, the exports, downloads and uploads).
- name_problem / zip_member_problem: why a path inside a download or an
  upload (a zip member, a file under the folder) is not used.

Only the standard library (and errors.py) is imported here: graders and the sandbox child import it.
"""
import errno
import os
import re
import stat
import tempfile
from pathlib import Path

from .errors import BuildError

# ---------------------------------------------------------------- bounded reads

_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class RefusedFile(ValueError):
    """A file that is not read. reason: why ("a symbolic link"); str(): "is <reason>", to follow the file's name."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"is {reason}")


class IsLink(RefusedFile):
    def __init__(self):
        super().__init__("a symbolic link")


class NotRegular(RefusedFile):
    def __init__(self):
        super().__init__("not a regular file")


class HardLinked(RefusedFile):
    def __init__(self):
        super().__init__("a hard link to another file")


class TooLarge(RefusedFile):
    def __init__(self, limit: int):
        self.limit = limit  # bytes
        super().__init__(f"larger than {limit // 1024} KiB")


def read_regular(path: Path | str, limit: int, single_link: bool = False, dir_fd: int | None = None) -> bytes:
    """The bytes of path (at most limit bytes), read without following a final symbolic link or blocking.

    O_NOFOLLOW covers the last component only: dir_fd (a folder opened once, see open_folder) with path one
    name in it reads from that very folder, whatever its path is renamed or linked to meanwhile.
    Raises IsLink, NotRegular, TooLarge (the file grew past limit while read
    included), HardLinked when single_link and the file has other names;
    FileNotFoundError and other OSErrors as os.open raises them.
    """
    if dir_fd is not None and (os.sep in str(path) or str(path) in ("", ".", "..")):
        raise ValueError(f"{path!r}: one name in the folder is read by dir_fd, not a path")
    try:
        fd = os.open(path, _READ_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link
            raise IsLink() from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular()
        if single_link and info.st_nlink != 1:
            raise HardLinked()
        if info.st_size > limit:
            raise TooLarge(limit)
        chunks, size = [], 0
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise TooLarge(limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def open_folder(path: Path | str, dir_fd: int | None = None) -> int:
    """A file descriptor of the folder path, opened once without following a symbolic link (last component).

    Raises IsLink (a link), RefusedFile("not a folder"), FileNotFoundError and other OSErrors. The caller
    closes it; files are then read with read_regular(name, ..., dir_fd=fd), never by path again.
    """
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        try:  # Linux says ENOTDIR for a link too: which one, for the message only (nothing is opened)
            link = stat.S_ISLNK(os.lstat(path, dir_fd=dir_fd).st_mode)
        except OSError:
            link = exc.errno == errno.ELOOP
        raise (IsLink() if link else RefusedFile("not a folder")) from None


# ---------------------------------------------------------------- atomic writes

def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600):
    """Write data to path whole or not at all, with these permission bits; folders made as needed.

    The temporary file is .<name>.<random>.tmp beside path (batch.py sweeps ones a killed run left).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if mode != 0o600:  # mkstemp's
                os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, text: str, mode: int = 0o600):
    """Write text (UTF-8; a lone surrogate becomes '?') to path whole or not at all."""
    atomic_write_bytes(path, text.encode("utf-8", errors="replace"), mode)


# ---------------------------------------------------------------- solution markers

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
# nbgrader's delimiters (ClearSolutions, ClearHiddenTests): a line holding one anywhere is a marker to nbgrader
HIDDEN_TESTS_BEGIN, HIDDEN_TESTS_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
NBGRADER_DELIMITERS = ("BEGIN SOLUTION", "END SOLUTION", HIDDEN_TESTS_BEGIN, HIDDEN_TESTS_END)
_DELIMITER = re.compile("|".join(NBGRADER_DELIMITERS))


def markers_in(text: str) -> set[str]:
    """The nbgrader delimiters text holds, by nbgrader's rule (the words anywhere in a line)."""
    return {match.group(0) for match in _DELIMITER.finditer(text)}


def first_marker(line: str) -> str | None:
    """The first nbgrader delimiter in line, or None."""
    match = _DELIMITER.search(line)
    return match.group(0) if match else None


def solution_regions(source: str, filename: str = "<source>") -> list[tuple[int, int]]:
    """The (begin, end) line indices (0-based) of the solution regions of a reference module.

    A marker line is exactly BEGIN_SOLUTION or END_SOLUTION once stripped; any
    other line that holds an nbgrader delimiter is refused (BuildError), as are
    nested, unopened and unclosed regions.
    """
    regions, begin = [], None
    for number, line in enumerate(source.splitlines()):
        marker = line.strip()
        if marker == BEGIN_SOLUTION:
            if begin is not None:
                raise BuildError(f"{filename}:{number + 1}: {BEGIN_SOLUTION} inside another region")
            begin = number
        elif marker == END_SOLUTION:
            if begin is None:
                raise BuildError(f"{filename}:{number + 1}: {END_SOLUTION} without {BEGIN_SOLUTION}")
            regions.append((begin, number))
            begin = None
        elif found := first_marker(line):
            raise BuildError(f"{filename}:{number + 1}: {found!r} outside a marker line: nbgrader would act on it; "
                             f"write the line exactly as {BEGIN_SOLUTION!r} or {END_SOLUTION!r} (hidden tests "
                             f"belong in graders/)")
    if begin is not None:
        raise BuildError(f"{filename}:{begin + 1}: {BEGIN_SOLUTION} is never closed")
    return regions


def solution_lines(source: str) -> set[int]:
    """The line numbers (1-based) inside the solution regions, marker lines excluded."""
    return {number + 1 for begin, end in solution_regions(source) for number in range(begin + 1, end)}


# ---------------------------------------------------------------- control characters and names

# C0 and C1 controls, DEL, zero-width characters and direction marks, line and paragraph separators,
# bidirectional overrides and isolates: each can hide or reorder what a reader sees.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_NAME_CHARS = 1024  # of a path inside a download or an upload


def name_problem(name: str) -> str | None:
    """Why a path inside a download or an upload must not be used, or None: too long, a control character
    (CONTROL), absolute (/, \\ or a drive letter), or a ".." part (/ and \\ both separate parts)."""
    if len(name) > MAX_NAME_CHARS:
        return "its name is too long"
    if CONTROL.search(name):
        return "its name contains a control character"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "it is an absolute path"
    if ".." in re.split(r"[/\\]", name):
        return 'it contains ".."'
    return None


def zip_member_problem(member) -> str | None:
    """Why a zip member (zipfile.ZipInfo, not a folder) is not extracted, or None: its name (name_problem),
    a symbolic link, or anything else that is not a regular file."""
    kind = stat.S_IFMT(member.external_attr >> 16)
    return name_problem(member.filename) or (
        "it is a symbolic link" if kind == stat.S_IFLNK else
        "it is not a regular file" if kind not in (0, stat.S_IFREG) else None)


# ---------------------------------------------------------------- visibilities

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")  # Gradescope's words
