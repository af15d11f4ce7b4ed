"""An LMS download read safely: a zip (with zipfile and our own bounds) or a folder.

Every name and byte is the students' (through the LMS). read_download() lists
the regular files only: no symlink (in the zip's mode bits or on disk), no
special file, no absolute path, no "..", no control character; at most
MAX_FILES files, MAX_FILE_BYTES each and MAX_TOTAL_BYTES in all, counted on
the bytes actually read, never on what a zip header claims. What is refused
is returned with the reason, never silently dropped. A student's own zip
inside the download is opened the same way (nested_entries).
"""
import io
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..primitives import RefusedFile, TooLarge, name_problem, read_regular, zip_member_problem
from ..errors import UserError

MAX_FILES = 20_000
MAX_FILE_BYTES = 16 * 2**20
MAX_TOTAL_BYTES = 2 * 2**30
MAX_NESTED_FILES = 500


class DownloadError(UserError, ValueError):
    """The download cannot be read at all (not a zip or folder, over a bound): nothing is collected."""


@dataclass
class Entry:
    """One regular file of the download: its path inside it (POSIX) and a bounded reader."""
    path: str
    _read: object

    def read(self) -> bytes:
        return self._read()


class _Budget:
    """The bytes read so far, against MAX_TOTAL_BYTES."""

    def __init__(self):
        self.used = 0

    def take(self, size: int):
        self.used += size
        if self.used > MAX_TOTAL_BYTES:
            raise DownloadError(f"the download unpacks to more than {MAX_TOTAL_BYTES // 2**30} GiB; "
                                "nothing was collected")


def _zip_entries(archive: zipfile.ZipFile, budget: _Budget, limit: int, where: str):
    entries, refused = [], []
    members = archive.infolist()
    if len(members) > limit:
        raise DownloadError(f"{where} holds {len(members)} entries; at most {limit} are read")
    for member in members:
        if member.is_dir():
            continue
        reason = zip_member_problem(member)
        if reason:
            refused.append(f"{where}: {member.filename[:200]!r}: {reason}")
            continue

        def read(member=member):
            with archive.open(member) as source:
                data = source.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                raise ValueError(f"larger than {MAX_FILE_BYTES // 2**20} MB")
            budget.take(len(data))
            return data

        entries.append(Entry(member.filename.replace("\\", "/"), read))
    return entries, refused


def _folder_entries(folder: Path, budget: _Budget):
    entries, refused = [], []
    for here, subfolders, names in os.walk(folder, followlinks=False):
        for name in sorted(subfolders):
            if os.path.islink(os.path.join(here, name)):
                refused.append(f"{os.path.relpath(os.path.join(here, name), folder)!r}: it is a symbolic link")
        for name in sorted(names):
            path = os.path.join(here, name)
            relative = PurePosixPath(*Path(os.path.relpath(path, folder)).parts).as_posix()
            info = os.lstat(path)
            reason = name_problem(relative) or (
                "it is a symbolic link" if stat.S_ISLNK(info.st_mode) else
                "it is not a regular file" if not stat.S_ISREG(info.st_mode) else None)
            if reason:
                refused.append(f"{relative[:200]!r}: {reason}")
                continue
            if len(entries) >= MAX_FILES:
                raise DownloadError(f"{folder} holds more than {MAX_FILES} files; nothing was collected")

            def read(path=path):
                try:
                    data = read_regular(path, MAX_FILE_BYTES)
                except RefusedFile as exc:
                    raise ValueError(f"larger than {MAX_FILE_BYTES // 2**20} MB" if isinstance(exc, TooLarge)
                                     else exc.reason) from None
                budget.take(len(data))
                return data

            entries.append(Entry(relative, read))
    return entries, refused


def read_download(path: Path) -> tuple[list[Entry], list[str], _Budget]:
    """The download's regular files, what was refused and why, and the byte budget they share."""
    path = Path(path)
    budget = _Budget()
    if path.is_symlink():
        raise DownloadError(f"{path} is a symbolic link; give the download itself")
    if path.is_dir():
        return (*_folder_entries(path, budget), budget)
    if not path.is_file():
        raise DownloadError(f"{path}: not found")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DownloadError(f"{path}: not a zip file or a folder ({exc})") from None
    return (*_zip_entries(archive, budget, MAX_FILES, path.name), budget)


def nested_entries(data: bytes, where: str, budget: _Budget) -> tuple[list[Entry], list[str]]:
    """A student's own zip (its bytes), read within the same bounds (at most MAX_NESTED_FILES files)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return [], [f"{where}: not extracted: {exc}"]
    try:
        return _zip_entries(archive, budget, MAX_NESTED_FILES, where)
    except DownloadError as exc:
        return [], [str(exc)]
