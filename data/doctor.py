"""`course doctor`'s MNIST lines: which files it found, where, and which checksums they match."""
import gzip
import hashlib
import zlib

from . import locate
from .download import DEFAULT_BASE_URL, MNIST_FILES
from .fetch import ManifestError, fetch_command, source, sums_beside


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _count(path) -> str:
    """The number of examples an IDX file's header gives ("24,000 examples"), or why it cannot be read."""
    try:
        with open(path, "rb") as f:
            compressed = f.read(2) == b"\x1f\x8b"
        with (gzip.open(path) if compressed else open(path, "rb")) as f:
            header = f.read(8)
    except (OSError, EOFError, zlib.error) as exc:
        return f"unreadable ({exc})"
    if len(header) < 8 or header[:3] != b"\0\0\x08" or header[3] not in (1, 3):  # unsigned bytes, labels or images
        return "not an IDX file"
    return f"{int.from_bytes(header[4:8], 'big'):,} examples"


def mnist_report(course) -> str:
    """Lines saying where MNIST was found (or looked for) and, per file, its size, SHA-256 and
    whether it is the published file, the one of the course's [data] sha256sums manifest, or neither."""
    published = {name: digest for name, (_, digest) in MNIST_FILES.items()}
    manifest, manifest_error = {}, None
    if course.mnist_sha256sums is not None:
        try:
            manifest = {name: digest for name, (_, digest) in source(course)[1].items()}
        except ManifestError as exc:
            manifest_error = str(exc)
    where = "; ".join(f"{place.path} ({place.why})" for place in course.mnist_places)
    found = locate.find(course.mnist_places)
    origin = (f"{course.mnist_mirror}, checked against {course.mnist_sha256sums}" if course.mnist_mirror
              else f"{DEFAULT_BASE_URL}, checked against "
                   + (str(course.mnist_sha256sums) if course.mnist_sha256sums else "the published SHA-256"))
    if found is None:
        lines = [f"MNIST: not found. Looked in: {where}.",
                 f"  Grading 06 and `make demo` fetch it into {course.mnist_places[-1].path} from {origin}; "
                 f"`{fetch_command()}` does it now. Offline, set MNIST_DIR to the folder of a copy you "
                 f"already have (or [data] mnist_dir in {course.path})."]
    else:
        lines = [f"MNIST: found in {found.path} ({found.why}). Looked in: {where}."]
        beside = sums_beside(found.path)
        for name in locate.NAMES:
            path = locate.data_file(found.path, name)
            digest = _sha256(path)
            matches = [what for what, sums in (("the published MNIST file", published),
                                               (f"the course's {course.mnist_sha256sums}", manifest),
                                               (f"{found.path / 'SHA256SUMS'} beside it", beside))
                       if sums.get(path.name) == digest]
            verdict = " and ".join(matches) if matches else "no known checksum (neither the published file " + \
                ("nor the course's manifest)" if manifest else "nor a [data] sha256sums manifest)")
            lines.append(f"  {path.name}: {_count(path)}, {path.stat().st_size:,} bytes, SHA-256 {digest[:16]}...: "
                         f"{verdict}")
        if course.mnist_mirror or course.mnist_sha256sums:
            lines.append(f"  A missing copy is fetched from {origin}.")
    if manifest_error:
        lines.append(f"  [data] sha256sums: {manifest_error}")
    return "\n".join(lines)
