# Provided code for 03_cost. Do not edit it.
"""Reading MNIST from IDX files.

MNIST ships as four IDX files: training images and labels, test images and
labels, usually gzip-compressed. An IDX file is a big-endian header followed
by the raw data:

    bytes 0-1   zero
    byte 2      data type code (0x08: unsigned byte)
    byte 3      number of dimensions d
    4 * d bytes the size of each dimension, one uint32 each
    the data    prod(sizes) items, last dimension fastest

Read as one uint32, the first four bytes are the "magic number": 2051
(0x00000803) for images (count, rows, cols) and 2049 (0x00000801) for labels
(count).

Course convention: examples are columns, so the m images come back as a
(rows * cols, m) = (784, m) matrix of pixel intensities in [0, 1].
"""
import gzip
import math
import os
import tomllib
import zlib
from pathlib import Path

import numpy as np

IMAGES_MAGIC = 0x00000803  # 2051: unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801  # 2049: unsigned bytes, 1 dimension
UNSIGNED_BYTE = 0x08
GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """A file that is not a well-formed IDX file of the expected kind."""


def _file_bytes(path):
    """The bytes of the file at path, decompressed if they are gzip data."""
    raw = path.read_bytes()
    if raw[:2] != GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise IDXError(f"{path}: corrupt gzip data ({exc})") from None


def read_idx(path):
    """Read an IDX file, gzip-compressed or raw.

    Returns a uint8 array shaped by the dimensions in the header, e.g.
    (m, 28, 28) for an image file and (m,) for a label file. Raises IDXError
    for anything but a complete, well-formed unsigned-byte IDX file.
    """
    path = Path(path)
    data = _file_bytes(path)
    if len(data) < 4:
        raise IDXError(f"{path}: {len(data)} bytes is too short for an IDX header")
    if data[:2] != b"\x00\x00":
        raise IDXError(f"{path}: not an IDX file: magic number {data[:4].hex()} "
                       "does not start with two zero bytes")
    code, ndim = data[2], data[3]
    if code != UNSIGNED_BYTE:
        raise IDXError(f"{path}: unsupported IDX data type code 0x{code:02x} "
                       f"(only 0x{UNSIGNED_BYTE:02x}, unsigned byte, is supported)")
    start = 4 + 4 * ndim
    if len(data) < start:
        raise IDXError(f"{path}: truncated header: {ndim} dimensions need "
                       f"{start} bytes, found {len(data)}")
    dims = [int(n) for n in np.frombuffer(data, dtype=">u4", count=ndim, offset=4)]
    expected, found = math.prod(dims), len(data) - start
    what = {1: "label", 3: "pixel"}.get(ndim, "item")
    if found < expected:
        raise IDXError(f"{path}: truncated: expected {expected} bytes of "
                       f"{what} data, found {found}")
    if found > expected:
        raise IDXError(f"{path}: {found - expected} unexpected bytes after the "
                       f"{expected} bytes of {what} data")
    return np.frombuffer(data, dtype=np.uint8, offset=start).reshape(dims)


def _check_magic(path, array, magic):
    """Raise IDXError unless array came from an IDX file with this magic number."""
    found = (UNSIGNED_BYTE << 8) | array.ndim  # read_idx accepts only unsigned bytes
    if found != magic:
        raise IDXError(f"{path}: magic number {found} (0x{found:08x}), "
                       f"expected {magic} (0x{magic:08x})")


def load_images(path):
    """Load an IDX image file (magic 2051) as a (rows * cols, m) float64 matrix.

    Column j is image j, row by row, with pixel intensities scaled from
    0..255 to [0, 1].
    """
    images = read_idx(path)
    _check_magic(path, images, IMAGES_MAGIC)
    m = images.shape[0]
    return images.reshape(m, -1).T / 255.0


def load_labels(path):
    """Load an IDX label file (magic 2049) as an int64 array of m digits 0..9."""
    labels = read_idx(path)
    _check_magic(path, labels, LABELS_MAGIC)
    if labels.size and labels.max() > 9:
        bad = int(np.argmax(labels > 9))
        raise IDXError(f"{path}: label {labels[bad]} at index {bad} is not a digit 0..9")
    return labels.astype(np.int64)


def cache_dir():
    """$XDG_CACHE_HOME/nnfs/mnist (default ~/.cache/nnfs/mnist): where the course's tools fetch MNIST."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "nnfs" / "mnist"


def search_path():
    """The folders MNIST is looked for in, in order, as (folder, why) pairs.

    The MNIST_DIR environment variable if set, else [data] mnist_dir in the
    nearest course.toml at or above the current directory (relative to that
    file's folder); then the per-user cache.
    """
    places = []
    if os.environ.get("MNIST_DIR"):
        places.append((Path(os.environ["MNIST_DIR"]).resolve(), "MNIST_DIR"))
    else:
        cwd = Path.cwd()
        for folder in (cwd, *cwd.parents):
            config = folder / "course.toml"
            if config.is_file():
                with config.open("rb") as f:
                    mnist_dir = tomllib.load(f).get("data", {}).get("mnist_dir")
                if mnist_dir is not None:
                    places.append(((folder / mnist_dir).resolve(), f"[data] mnist_dir in {config.name}"))
                break
    places.append((cache_dir().resolve(), "the per-user cache"))
    return places


def _holds_mnist(folder):
    """Whether folder has the four files (each .gz or raw)."""
    return all((folder / f"{name}.gz").is_file() or (folder / name).is_file()
               for split in ("train", "t10k") for name in (f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"))


def _fetch_with_the_course_tools():
    """Where the course's own tools are installed (its repository's .venv), fetch MNIST
    into the cache as `make demo` does, checked by SHA-256; return the folder, else None."""
    try:
        from autograder.config import load_course
        from data.fetch import MNISTUnavailable, ensure_mnist
    except ImportError:  # a student's copy of this file, without the course's tools
        return None
    try:
        return ensure_mnist(load_course())
    except MNISTUnavailable as exc:
        raise FileNotFoundError(str(exc)) from None


def resolve_data_dir(data_dir=None):
    """The folder holding the MNIST files, as a Path.

    The data_dir argument if given; else the first folder of search_path()
    that holds all four files; else, beside the course's tools, the cache
    after fetching them there. Raises FileNotFoundError naming where it looked.
    """
    if data_dir is not None:
        return Path(data_dir)
    places = search_path()
    for folder, _ in places:
        if _holds_mnist(folder):
            return folder
    fetched = _fetch_with_the_course_tools()
    if fetched is not None:
        return fetched
    looked = "; ".join(f"{folder} ({why})" for folder, why in places)
    raise FileNotFoundError(f"cannot find the MNIST files (train-images-idx3-ubyte.gz and three more) in: "
                            f"{looked}. Set the MNIST_DIR environment variable to the folder holding them, "
                            "or fetch them into the cache with `python -m data.download` in the course's "
                            "repository")


def _find(data_dir, name):
    """The path of name.gz, or else name, in data_dir."""
    for path in (data_dir / f"{name}.gz", data_dir / name):
        if path.is_file():
            return path
    raise FileNotFoundError(f"{data_dir}: neither {name}.gz nor {name} exists")


def _load_split(data_dir, split):
    """Images and labels of one split ("train" or "t10k"), counts checked."""
    images_path = _find(data_dir, f"{split}-images-idx3-ubyte")
    labels_path = _find(data_dir, f"{split}-labels-idx1-ubyte")
    X, y = load_images(images_path), load_labels(labels_path)
    if X.shape[1] != len(y):
        raise IDXError(f"{images_path} has {X.shape[1]} images but "
                       f"{labels_path} has {len(y)} labels")
    return X, y


def load_mnist(data_dir=None):
    """Load MNIST as (X_train, y_train, X_test, y_test).

    X_*: (784, m) float64 in [0, 1], one column per image; y_*: (m,) int64
    digits. data_dir defaults to resolve_data_dir().
    """
    data_dir = resolve_data_dir(data_dir)
    X_train, y_train = _load_split(data_dir, "train")
    X_test, y_test = _load_split(data_dir, "t10k")
    return X_train, y_train, X_test, y_test
