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


class ChecksumError(DownloadError):
    """A file that was downloaded but does not match its size or SHA-256: the source is wrong, not the network."""


def short(digest: str) -> str:
    """A SHA-256 shortened for a message: its first 12 hex digits."""
    return f"{digest[:12]}..."


def mismatch(path, size, sha256) -> str | None:
    """None when path is a file of this size (None: any) and SHA-256, else what is wrong, in a few words."""
    try:
        got_size = path.stat().st_size
        got = _sha256(path)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if size is not None and got_size != size:
        return f"{got_size:,} bytes where {size:,} are expected"
    if got != sha256:
        return f"SHA-256 {short(got)} where {short(sha256)} is expected"
    return None


def _sha256(path):
    """The SHA-256 hex digest of the file at path."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


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
                reason = exc if isinstance(exc, urllib.error.HTTPError) else getattr(exc, "reason", None) or exc
                raise DownloadError(f"{url}: {reason}") from exc
        if size is not None and got_size != size:
            raise ChecksumError(f"{url}: {got_size:,} bytes where {size:,} are expected")
        if got_sha256 != sha256:
            raise ChecksumError(f"{url}: SHA-256 {short(got_sha256)} where {short(sha256)} is expected")
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
    Raises DownloadError naming the URL if a download fails (ChecksumError
    if what came down does not match its size or SHA-256).
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, (size, sha256) in (MNIST_FILES if files is None else files).items():
        path = dest_dir / name
        if mismatch(path, size, sha256) is not None:
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
    """The command line: check the MNIST files where the course finds them, and fetch into --dest (else the
    per-user cache) each file that is missing or fails its check. A copy in MNIST_DIR or [data] mnist_dir is
    only checked, never overwritten."""
    from autograder.config import CourseConfigError, load_course

    from . import locate
    from .download import DownloadError  # under `python -m data.download` this module is __main__: the
    from .fetch import (ManifestError, check_copy, fetch_mnist,  # fetcher raises data.download's class
                        missing_paragraph, source)

    parser = argparse.ArgumentParser(prog="python -m data.download", description=(
        "Check the four MNIST files by size and SHA-256 and fetch any that is missing or wrong: the published "
        "files, or the course's own copy ([data] mirror and sha256sums in course.toml)."))
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
    cache = course.mnist_places[-1]
    if args.dest is None and found is not None and found.path != cache.path:
        try:
            problems = check_copy(course, found.path)
        except ManifestError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if problems:
            print(f"MNIST in {found.path} ({found.why}) fails its check: {'; '.join(problems)}. The course's tools "
                  "never overwrite that folder: replace the copy there with a good one.", file=sys.stderr)
            return 1
        print(f"MNIST is already in {found.path} ({found.why}), every file matching its checksum; "
              "--dest DIR fetches a copy there", file=sys.stderr)
        return 0
    dest = args.dest or cache.path
    existed = dest.exists()
    wrong = {}
    try:
        _, files = source(course)
        wrong = {name: problem for name, (size, digest) in files.items()
                 if (problem := mismatch(dest / name, size, digest)) not in (None, "missing")}
        paths = fetch_mnist(course, dest, args.base_url, progress=sys.stderr.isatty())
    except (DownloadError, ManifestError, OSError) as exc:
        if not existed:
            remove_empty(dest)
        failing = "; ".join(f"{name}: {problem}" for name, problem in wrong.items())
        head = f"MNIST in {dest} ({cache.why}) fails its check: {failing}" if wrong else None
        print(missing_paragraph(course, exc, head) if args.dest is None else f"error: {exc}", file=sys.stderr)
        return 1
    for name, problem in wrong.items():
        print(f"{dest / name} failed its check ({problem}): fetched again", file=sys.stderr)
    if found is not None and not wrong and args.dest is None:
        print(f"MNIST is already in {dest} ({cache.why}), every file matching its checksum", file=sys.stderr)
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
