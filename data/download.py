"""Downloading the four MNIST files, checked against their published SHA-256.

    python -m data.download [--dest DIR] [--base-url URL] [--course course.toml]

Each file is streamed into a temporary file beside its destination and moved
into place only once its size and SHA-256 are right, so an interrupted or
corrupted download never leaves a partial file behind.
"""
import argparse
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

DEFAULT_BASE_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"

# name -> (size in bytes, SHA-256) of the published files (60,000 training
# and 10,000 test examples).
MNIST_FILES = {
    "train-images-idx3-ubyte.gz":
        (9_912_422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train-labels-idx1-ubyte.gz":
        (28_881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "t10k-images-idx3-ubyte.gz":
        (1_648_877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "t10k-labels-idx1-ubyte.gz":
        (4_542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}

CHUNK_BYTES = 1 << 16
# A file whose size is not listed (a course's own SHA256SUMS gives none) is cut off beyond this.
UNLISTED_MAX_BYTES = 256 << 20


class DownloadError(Exception):
    """A file that could not be downloaded, or came down with the wrong content."""


def _sha256(path):
    """The SHA-256 hex digest of the file at path."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _is_intact(path, size, sha256):
    """Whether path is a file with this size (None: any) and SHA-256."""
    return (path.is_file() and (size is None or path.stat().st_size == size)
            and _sha256(path) == sha256)


def _stream(url, out, timeout, report, limit):
    """Write the body at url to the open binary file out, synced to disk.

    Calls report(bytes so far, bytes announced or None) after each chunk;
    stops with DownloadError past limit bytes; returns (size, SHA-256).
    """
    digest, done = hashlib.sha256(), 0
    with urllib.request.urlopen(url, timeout=timeout) as response:
        announced = response.headers.get("Content-Length")
        announced = int(announced) if announced and announced.isdigit() else None
        while chunk := response.read(CHUNK_BYTES):
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if done > limit:
                raise DownloadError(f"{url}: more than {limit:,} bytes, more than the file can be")
            report(done, announced)
    out.flush()
    os.fsync(out.fileno())
    return done, digest.hexdigest()


def _download(url, path, size, sha256, timeout, progress):
    """Download url to path via a temporary file; raise DownloadError on failure."""
    def report(done, announced):
        if progress:
            progress(path.name, done, size if size is not None else announced)

    tmp = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.",
                                      suffix=".part", delete=False)
    try:
        with tmp:
            try:
                got_size, got_sha256 = _stream(url, tmp, timeout, report,
                                               UNLISTED_MAX_BYTES if size is None else size)
            except (OSError, http.client.HTTPException) as exc:
                raise DownloadError(f"{path.name}: download from {url} failed ({exc}); "
                                    f"expected SHA-256 {sha256}") from exc
        if got_sha256 != sha256 or (size is not None and got_size != size):
            expected = f"{size} bytes with SHA-256 {sha256}" if size is not None else f"SHA-256 {sha256}"
            raise DownloadError(f"{path.name}: wrong content from {url}: expected "
                                f"{expected}, got {got_size} bytes with SHA-256 {got_sha256}")
        os.replace(tmp.name, path)
    except BaseException:  # including KeyboardInterrupt: never leave the temporary file
        os.unlink(tmp.name)
        raise


def download_mnist(dest_dir, base_url=DEFAULT_BASE_URL, files=None, timeout=30,
                   progress=None):
    """Download the MNIST files into dest_dir; return their paths.

    files: name -> (size in bytes or None, SHA-256), default MNIST_FILES. A file
    already in dest_dir with the right SHA-256 is kept; any other is
    downloaded from base_url + name and replaced only if the new one is
    right. timeout: seconds per network operation. progress: None, or a
    function called as progress(name, bytes so far, expected bytes or None).
    Raises DownloadError naming the file and URL if a download fails.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, (size, sha256) in (MNIST_FILES if files is None else files).items():
        path = dest_dir / name
        if not _is_intact(path, size, sha256):
            url = f"{base_url.rstrip('/')}/{name}"
            _download(url, path, size, sha256, timeout, progress)
        paths.append(path)
    return paths


def remove_empty(folder: Path):
    """Remove folder if a failed fetch left it empty (and its empty parents up to the cache's nnfs/)."""
    for path in (folder, folder.parent):
        try:
            path.rmdir()
        except OSError:
            return


def main(argv=None):
    """The command line: fetch the course's MNIST files into --dest, else into the per-user cache
    unless MNIST is already where the course looks for it."""
    from autograder.config import CourseConfigError, load_course

    from . import locate
    from .download import DownloadError  # under `python -m data.download` this module is __main__: the
    from .fetch import ManifestError, fetch_mnist, missing_paragraph  # fetcher raises data.download's class

    parser = argparse.ArgumentParser(prog="python -m data.download", description=(
        "Download the four MNIST files and check their SHA-256: the published files, or the course's "
        "own copy ([data] mirror and sha256sums in course.toml)."))
    parser.add_argument("--dest", type=Path, help=(
        "folder for the files (default: the per-user cache, $XDG_CACHE_HOME/nnfs/mnist)"))
    parser.add_argument("--base-url", default=None, help=(
        f"where the files are (default: [data] mirror in course.toml, else {DEFAULT_BASE_URL})"))
    parser.add_argument("--course", type=Path, default=None, help="path to course.toml")
    args = parser.parse_args(argv)
    try:
        course = load_course(args.course)
    except CourseConfigError as exc:
        parser.error(str(exc))
    found = locate.find(course.mnist_places)
    if args.dest is None and found is not None:
        print(f"MNIST is already in {found.path} ({found.why}); --dest DIR fetches a copy there", file=sys.stderr)
        return 0
    dest = args.dest or course.mnist_places[-1].path
    existed = dest.exists()
    try:
        paths = fetch_mnist(course, dest, args.base_url, progress=sys.stderr.isatty())
    except (DownloadError, ManifestError, OSError) as exc:
        if not existed:
            remove_empty(dest)
        print(missing_paragraph(course, exc) if args.dest is None else f"error: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
