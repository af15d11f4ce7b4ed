"""MNIST before a command that needs it: found where it is looked for, or fetched and verified into the cache.

ensure_mnist(course) returns the folder holding the four files. When none of
course.mnist_places holds them it fetches them once into the per-user cache
(the last place) with data.download: from [data] mirror, checked against the
course's [data] sha256sums manifest, or by default from the published URL,
checked against the published sizes and SHA-256. When that fails (offline, a
refused connection, a wrong checksum) it raises MNISTUnavailable, whose text
is the one paragraph every command prints: what is missing, where it looked,
and what to do: the command that fetches it where the source can be reached,
or, when the source serves a wrong file, that its maintainer must fix it; and
how to point at a copy. unreadable_paragraph says what to do about files that
are there but cannot be read.
"""
import os
import sys
from pathlib import Path

from . import download, locate
from .download import DEFAULT_BASE_URL, ChecksumError, DownloadError, download_mnist, remove_empty


class MNISTUnavailable(Exception):
    """MNIST is in none of the places looked in and could not be fetched; str() is the paragraph."""


class ManifestError(ValueError):
    """[data] sha256sums names a file that is missing or malformed."""


def needs_mnist(course, assignment) -> bool:
    """Whether grading assignment reads MNIST: its graders or the reference of a graded module mention it.

    Providing mnist.py alone does not count: 03's notebook draws real digits with it, its grading reads none.
    """
    files = [course.grader_file(assignment.id)] + [course.solution_dir(assignment.id) / m for m in assignment.modules]
    return any(path.is_file() and "mnist" in path.read_text().lower() for path in files)


def source(course) -> tuple:
    """(base URL, name -> (size in bytes or None, SHA-256)) of the files to fetch.

    The course's [data] sha256sums manifest when it sets one (a size is known
    only for a file that is byte for byte the published one), else the
    published files. The base URL is [data] mirror, else the published one.
    """
    base = course.mnist_mirror or DEFAULT_BASE_URL
    if course.mnist_sha256sums is None:
        return base, dict(download.MNIST_FILES)
    path = Path(course.mnist_sha256sums)
    try:
        sums = locate.parse_sha256sums(path.read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path} ([data] sha256sums in {Path(course.path).name}) cannot be read: "
                            f"{getattr(exc, 'strerror', None) or exc}") from None
    except ValueError as exc:
        raise ManifestError(str(exc)) from None
    published = {digest: size for size, digest in download.MNIST_FILES.values()}
    return base, {name: (published.get(digest), digest) for name, digest in sums.items()}


def fetch_command() -> str:
    """The command that fetches MNIST into the cache, with this Python (relative to here when below it)."""
    python = Path(sys.executable)
    try:
        python = python.relative_to(Path.cwd())
    except ValueError:
        pass
    return f"{python} -m data.download"


def missing_paragraph(course, reason, head: str | None = None) -> str:
    """The paragraph for MNIST that is in none of course.mnist_places (or head: what else is wrong with it) and
    could not be fetched, for reason (an exception): unreachable (the command to run where it can be reached)
    or a wrong file or manifest (the course's maintainer must fix the source); either way, how to point at a
    copy."""
    where = ", ".join(f"{place.path} ({place.why})" for place in course.mnist_places)
    head = head or f"MNIST is missing: its four files are in none of {where}"
    copy = f"set MNIST_DIR to the folder of a good copy (or [data] mnist_dir in {course.path})"
    sums = course.mnist_sha256sums
    if isinstance(reason, ManifestError):
        return f"{head}, and the course's checksums cannot be used: {reason}. The course's maintainer must fix " \
               f"{sums}; until then, {copy}."
    if isinstance(reason, ChecksumError):
        if course.mnist_mirror or sums:
            return f"{head}, and the file fetched does not match the course's checksum ({reason}). The course's " \
                   f"maintainer must fix the mirror or {sums}; until then, {copy}."
        return f"{head}, and the published file does not match its published checksum ({reason}). Try " \
               f"`{fetch_command()}` later, or {copy}."
    base = course.mnist_mirror or DEFAULT_BASE_URL
    try:
        sizes = [size for size, _ in source(course)[1].values()]
        size = f" (about {sum(sizes) / 1e6:.0f} MB)" if None not in sizes else ""
    except ManifestError:
        size = ""
    return f"{head}, and fetching them failed ({reason}). Where {base} can be reached, `{fetch_command()}` " \
           f"fetches them{size} into the cache; or {copy}."


def sums_beside(folder: Path) -> dict:
    """name -> SHA-256 of the SHA256SUMS file in folder, or {} when there is none or it is malformed."""
    try:
        return locate.parse_sha256sums((folder / "SHA256SUMS").read_text(encoding="utf-8"), folder / "SHA256SUMS")
    except (OSError, UnicodeDecodeError, ValueError):
        return {}


def check_copy(course, folder: Path) -> list:
    """What fails its check among the four files in folder, one "name: what is wrong" each; [] when each matches
    a checksum known for it: the course's ([data] sha256sums, else the published one), the published one, or
    that of a SHA256SUMS beside it (as `course doctor` counts them). Raises ManifestError."""
    folder = Path(folder)
    _, files = source(course)
    beside = {name: (None, digest) for name, digest in sums_beside(folder).items()}
    problems = []
    for name in locate.NAMES:
        path = locate.data_file(folder, name)
        if path is None:
            problems.append(f"{name}.gz: missing")
            continue
        own = files if course.mnist_sha256sums else {}  # the most particular first: what a failure is told against
        expected = [known for sums in (own, beside, download.MNIST_FILES) if (known := sums.get(path.name))]
        wrong = [download.mismatch(path, size, digest) for size, digest in expected]
        if not expected:
            problems.append(f"{path.name}: no checksum known for a file of this name (neither the published "
                            "files, the course's nor a SHA256SUMS beside it lists it)")
        elif None not in wrong:
            problems.append(f"{path.name}: {wrong[0]}")
    return problems


def unreadable_paragraph(folder, problem) -> str:
    """For MNIST files in folder that are there but cannot be read (problem names the file): that the file
    failed its check, and the repair: the command that fetches it again (the cache), or to replace the copy
    (MNIST_DIR or [data] mnist_dir, which the course's tools never overwrite)."""
    folder = Path(folder).resolve()
    if folder == locate.cache_dir().resolve():
        fix = f"it is in the per-user cache, where `{fetch_command()}` fetches a good copy of each file that fails"
    else:
        env = os.environ.get("MNIST_DIR")
        why = "MNIST_DIR" if env and Path(env).resolve() == folder else "[data] mnist_dir"
        fix = f"{folder} is the folder of {why}, which the course's tools never overwrite: replace the copy there " \
              "with a good one"
    return f"MNIST cannot be read: {problem}: the file failed its check; {fix}."


def missing_reason(course) -> str:
    """One line for a test skipped for want of MNIST: where it looked, how to get it."""
    where = ", ".join(f"{place.path} ({place.why})" for place in course.mnist_places)
    return f"MNIST is not in {where}: `{fetch_command()}` fetches it, or set MNIST_DIR to a copy"


class _Bars:
    """A tqdm progress bar per file on stderr, for download_mnist's progress callback."""

    def __init__(self):
        self.bars = {}

    def __call__(self, name, done, total):
        from tqdm import tqdm

        bar = self.bars.get(name)
        if bar is None:
            bar = self.bars[name] = tqdm(total=total, desc=name, unit="B", unit_scale=True, file=sys.stderr,
                                         leave=True, dynamic_ncols=True)
        bar.update(done - bar.n)
        if total is not None and done >= total:
            bar.close()

    def close(self):
        for bar in self.bars.values():
            bar.close()


def fetch_mnist(course, dest: Path, base_url: str | None = None, progress: bool = True, timeout: float = 30):
    """Fetch and verify the course's MNIST files into dest; return their paths.

    Raises DownloadError (network, size, checksum), ManifestError or OSError.
    """
    base, files = source(course)
    bars = _Bars() if progress else None
    try:
        return download_mnist(dest, base_url or base, files=files, timeout=timeout, progress=bars)
    finally:
        if bars:
            bars.close()


def ensure_mnist(course, progress: bool = True, timeout: float = 30) -> Path:
    """The folder holding MNIST: the first of course.mnist_places, else the cache after fetching it there.

    Raises MNISTUnavailable (its text: missing_paragraph) when it cannot be fetched.
    """
    found = locate.find(course.mnist_places)
    if found is not None:
        return found.path
    cache = course.mnist_places[-1].path
    base = course.mnist_mirror or DEFAULT_BASE_URL
    print(f"MNIST is not on this machine yet: fetching it from {base} into {cache}", file=sys.stderr)
    existed = cache.exists()
    try:
        fetch_mnist(course, cache, progress=progress, timeout=timeout)
    except (DownloadError, ManifestError, OSError) as exc:
        if not existed:
            remove_empty(cache)
        raise MNISTUnavailable(missing_paragraph(course, exc)) from None
    if not locate.holds_mnist(cache):
        raise MNISTUnavailable(missing_paragraph(course, "the files fetched are not the four data sets"))
    return cache
