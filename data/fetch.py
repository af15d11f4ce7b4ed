"""MNIST before a command that needs it: found where it is looked for, or fetched and verified into the cache.

ensure_mnist(course) returns the folder holding the four files. When none of
course.mnist_places holds them it fetches them once into the per-user cache
(the last place) with data.download: from [data] mirror, checked against the
course's [data] sha256sums manifest, or by default from the published URL,
checked against the published sizes and SHA-256. When that fails (offline, a
refused connection, a wrong checksum) it raises MNISTUnavailable, whose text
is the one paragraph every command prints: what is missing, where it looked,
the command that fetches it, how to point at a copy.
"""
import sys
from pathlib import Path

from . import download, locate
from .download import DEFAULT_BASE_URL, DownloadError, download_mnist, remove_empty


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


def missing_paragraph(course, reason) -> str:
    """The paragraph for MNIST that is in none of course.mnist_places and could not be fetched."""
    where = "; ".join(f"{place.path} ({place.why})" for place in course.mnist_places)
    try:
        base, files = source(course)
        sizes = [size for size, _ in files.values()]
        size = f" (about {sum(sizes) / 1e6:.0f} MB)" if None not in sizes else ""
    except ManifestError:
        base, size = course.mnist_mirror or DEFAULT_BASE_URL, ""
    cache = course.mnist_places[-1].path
    return (f"MNIST is missing: its four files ({locate.NAMES[0]}.gz and three more) are in none of {where}, "
            f"and fetching them from {base} failed: {reason}. To fetch them{size} into {cache}, run "
            f"`{fetch_command()}` where {base} can be reached; to use a copy you already have, set MNIST_DIR "
            f"to its folder (or [data] mnist_dir in {course.path}).")


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
