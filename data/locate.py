"""Where the MNIST files are looked for, and whether a folder holds them (standard library only).

The places, in order: $MNIST_DIR if set, else [data] mnist_dir of course.toml
if set; then the per-user cache, $XDG_CACHE_HOME/nnfs/mnist (default
~/.cache/nnfs/mnist), where a missing data set is fetched. The first place
holding all four files is the one read. data/mnist.py (the copy students get)
looks in the same places.
"""
import dataclasses
import os
import re
import tempfile
from pathlib import Path

# The four data sets; each file may be gzip-compressed (name.gz) or raw (name).
NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CACHE_WHY = "the per-user cache"


@dataclasses.dataclass(frozen=True)
class Place:
    """A folder MNIST is looked for in, and why it is looked in (e.g. "MNIST_DIR")."""
    path: Path
    why: str


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/nnfs/mnist, or ~/.cache/nnfs/mnist when it is unset or relative
    (a user without a home folder: a folder of their own in the temporary directory)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        return Path(base) / "nnfs" / "mnist"
    try:
        return Path.home() / ".cache" / "nnfs" / "mnist"
    except (RuntimeError, KeyError):
        return Path(tempfile.gettempdir()) / f"nnfs-{os.getuid()}" / "mnist"


def places(configured: Path | None = None, configured_why: str = "[data] mnist_dir in course.toml") -> tuple:
    """The Places to look in, in order: $MNIST_DIR (else configured), then the cache."""
    first = []
    if os.environ.get("MNIST_DIR"):
        first = [Place(Path(os.environ["MNIST_DIR"]).resolve(), "MNIST_DIR")]
    elif configured is not None:
        first = [Place(Path(configured).resolve(), configured_why)]
    return (*first, Place(cache_dir().resolve(), CACHE_WHY))


def data_file(folder: Path, name: str) -> Path | None:
    """folder/name.gz, else folder/name, if it is a file this user can see; else None."""
    for path in (folder / f"{name}.gz", folder / name):
        try:
            if path.is_file():
                return path
        except OSError:  # e.g. another user's cache, not readable here
            pass
    return None


def holds_mnist(folder: Path) -> bool:
    """Whether folder has a file for each of the four data sets."""
    return all(data_file(Path(folder), name) for name in NAMES)


def find(looked_in) -> Place | None:
    """The first of the Places that holds MNIST, or None."""
    return next((place for place in looked_in if holds_mnist(place.path)), None)


_SUM_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *]([^\s/\\]+)$")


def parse_sha256sums(text: str, source) -> dict:
    """name -> SHA-256 (lower case) from a SHA256SUMS manifest, `sha256sum`'s format.

    Raises ValueError naming source and the line for a malformed line, a name
    listed twice, or a manifest that does not give one file for each data set.
    """
    sums = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _SUM_LINE.match(line.strip())
        if not match:
            raise ValueError(f"{source}: line {number}: expected '<64 hex digits>  <file name>', got {line!r}")
        digest, name = match.groups()
        if name in sums:
            raise ValueError(f"{source}: line {number}: {name} is listed twice")
        sums[name] = digest.lower()
    missing = [n for n in NAMES if f"{n}.gz" not in sums and n not in sums]
    if missing:
        raise ValueError(f"{source}: no checksum for {', '.join(f'{n}.gz' for n in missing)} "
                         "(a manifest lists one file for each of the four MNIST data sets)")
    return sums
