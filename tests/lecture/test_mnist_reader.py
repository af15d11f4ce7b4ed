"""Tests of data/mnist.py: small IDX files written here, then the MNIST files the course finds."""
import gzip
import shutil
import struct

import numpy as np
import pytest

from conftest import REPO, set_data
from data import locate
from data.mnist import (IDXError, cache_dir, load_images, load_labels, load_mnist, read_idx,
                        resolve_data_dir, search_path)

PIXELS = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10  # 2 images, 3x4
LABELS = np.array([3, 0, 9], dtype=np.uint8)


def idx_bytes(array, code=0x08):
    """An IDX file holding array (uint8), with the given data type code."""
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write(path, content, compress=False):
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


# --- read_idx ---------------------------------------------------------------

@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_returns_header_shaped_uint8(tmp_path, compress):
    path = write(tmp_path / "images", idx_bytes(PIXELS), compress)
    array = read_idx(path)
    assert array.dtype == np.uint8
    np.testing.assert_array_equal(array, PIXELS)


def test_gzip_is_detected_by_magic_bytes_not_extension(tmp_path):
    gz_without_suffix = write(tmp_path / "labels.idx", idx_bytes(LABELS), compress=True)
    raw_with_suffix = write(tmp_path / "labels.gz", idx_bytes(LABELS))
    np.testing.assert_array_equal(read_idx(gz_without_suffix), LABELS)
    np.testing.assert_array_equal(read_idx(raw_with_suffix), LABELS)


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_data_is_rejected(tmp_path, compress):
    path = write(tmp_path / "images", idx_bytes(PIXELS)[:-1], compress)
    with pytest.raises(IDXError, match="truncated: expected 24 bytes of pixel data, found 23"):
        read_idx(path)


def test_truncated_header_is_rejected(tmp_path):
    path = write(tmp_path / "images", idx_bytes(PIXELS)[:10])
    with pytest.raises(IDXError, match="truncated header"):
        read_idx(path)


def test_trailing_bytes_are_rejected(tmp_path):
    path = write(tmp_path / "labels", idx_bytes(LABELS) + b"\x00\x00")
    with pytest.raises(IDXError, match="2 unexpected bytes after the 3 bytes of label data"):
        read_idx(path)


def test_error_names_the_file(tmp_path):
    path = write(tmp_path / "some-name.idx", idx_bytes(LABELS)[:-1])
    with pytest.raises(IDXError, match="some-name.idx"):
        read_idx(path)


def test_nonzero_magic_bytes_are_rejected(tmp_path):
    path = write(tmp_path / "not-idx", b"\x01\x02" + idx_bytes(LABELS)[2:])
    with pytest.raises(IDXError, match="not an IDX file"):
        read_idx(path)


def test_unsupported_data_type_code_is_rejected(tmp_path):
    path = write(tmp_path / "floats", idx_bytes(LABELS, code=0x0D))
    with pytest.raises(IDXError, match="unsupported IDX data type code 0x0d"):
        read_idx(path)


def test_gzip_with_bad_crc_is_an_idx_error(tmp_path):
    content = bytearray(gzip.compress(idx_bytes(PIXELS)))
    content[-8] ^= 0xFF  # the CRC-32 is the trailer's first 4 bytes
    path = write(tmp_path / "images.gz", bytes(content))
    with pytest.raises(IDXError, match="corrupt gzip"):
        read_idx(path)


def test_truncated_gzip_is_an_idx_error(tmp_path):
    path = write(tmp_path / "images.gz", gzip.compress(idx_bytes(PIXELS))[:-5])
    with pytest.raises(IDXError, match="corrupt gzip"):
        read_idx(path)


# --- load_images, load_labels ---------------------------------------------

@pytest.mark.parametrize("compress", [False, True])
def test_load_images_gives_one_column_per_image_in_0_1(tmp_path, compress):
    X = load_images(write(tmp_path / "images", idx_bytes(PIXELS), compress))
    assert X.shape == (12, 2)
    assert X.dtype == np.float64
    np.testing.assert_allclose(X[:, 1], PIXELS[1].ravel() / 255)
    np.testing.assert_allclose(X[:, 0], PIXELS[0].ravel() / 255)


def test_load_images_rejects_a_label_file(tmp_path):
    path = write(tmp_path / "labels", idx_bytes(LABELS))
    with pytest.raises(IDXError, match=r"magic number 2049 \(0x00000801\), expected 2051"):
        load_images(path)


def test_load_labels_gives_int64_digits(tmp_path):
    y = load_labels(write(tmp_path / "labels", idx_bytes(LABELS)))
    assert y.dtype == np.int64
    assert y.tolist() == [3, 0, 9]


def test_load_labels_rejects_an_image_file(tmp_path):
    path = write(tmp_path / "images", idx_bytes(PIXELS))
    with pytest.raises(IDXError, match="magic number 2051 .*expected 2049"):
        load_labels(path)


def test_load_labels_rejects_a_non_digit(tmp_path):
    path = write(tmp_path / "labels", idx_bytes(np.array([1, 10, 2], dtype=np.uint8)))
    with pytest.raises(IDXError, match="label 10 at index 1"):
        load_labels(path)


# --- load_mnist -------------------------------------------------------------

def write_mnist(folder, n_train_labels=3, compress=True):
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    images[:, 0, 0] = [0, 51, 255]
    labels = np.arange(n_train_labels, dtype=np.uint8)
    write(folder / f"train-images-idx3-ubyte{suffix}", idx_bytes(images), compress)
    write(folder / f"train-labels-idx1-ubyte{suffix}", idx_bytes(labels), compress)
    write(folder / f"t10k-images-idx3-ubyte{suffix}", idx_bytes(images[:2]), compress)
    write(folder / f"t10k-labels-idx1-ubyte{suffix}", idx_bytes(LABELS[:2]), compress)


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_takes_counts_from_the_headers(tmp_path, compress):
    write_mnist(tmp_path, compress=compress)
    X_train, y_train, X_test, y_test = load_mnist(tmp_path)
    assert X_train.shape == (784, 3) and X_test.shape == (784, 2)
    assert X_train[0].tolist() == [0.0, 0.2, 1.0]
    assert y_train.tolist() == [0, 1, 2] and y_test.tolist() == [3, 0]


def test_load_mnist_rejects_image_label_count_mismatch(tmp_path):
    write_mnist(tmp_path, n_train_labels=2)
    with pytest.raises(IDXError, match="3 images but .*train-labels.* has 2 labels"):
        load_mnist(tmp_path)


def test_load_mnist_names_a_missing_file(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)


# --- resolve_data_dir -------------------------------------------------------

def test_resolve_data_dir_prefers_the_argument(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "from-env"))
    assert resolve_data_dir(tmp_path / "given") == tmp_path / "given"


def test_resolve_data_dir_honours_mnist_dir(tmp_path, monkeypatch):
    write_mnist(tmp_path / "from-env")
    write_mnist(tmp_path / "from-toml")
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "from-env"))
    (tmp_path / "course.toml").write_text('[data]\nmnist_dir = "from-toml"\n')
    monkeypatch.chdir(tmp_path)
    assert resolve_data_dir() == tmp_path / "from-env"


def test_resolve_data_dir_finds_course_toml_upward(tmp_path, monkeypatch):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    write_mnist(tmp_path / "shared" / "mnist")
    (tmp_path / "course.toml").write_text('[data]\nmnist_dir = "shared/mnist"\n')
    deep = tmp_path / "assignments" / "06_mnist"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert resolve_data_dir() == tmp_path / "shared" / "mnist"


def test_resolve_data_dir_falls_back_to_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write_mnist(tmp_path / "cache" / "nnfs" / "mnist")
    assert resolve_data_dir() == tmp_path / "cache" / "nnfs" / "mnist"


def test_resolve_data_dir_without_the_files_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setattr("data.mnist._fetch_with_the_course_tools", lambda: None)  # a student's copy
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError, match="Set the MNIST_DIR") as error:
        resolve_data_dir()
    assert f"{tmp_path / 'empty'} (MNIST_DIR); {tmp_path / 'cache' / 'nnfs' / 'mnist'} (the per-user cache)" \
        in str(error.value) and "python -m data.download" in str(error.value)


def test_load_mnist_beside_the_course_tools_fetches_from_the_course_mirror(tmp_path, monkeypatch):
    """The 06 notebook's load_mnist() in the course's repository: fetched into the cache, then read."""
    import hashlib

    from test_first_run import serving

    served = tmp_path / "served"
    write_mnist(served)
    (tmp_path / "mnist.SHA256SUMS").write_text("".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in served.iterdir()))
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with serving(served) as (url, requests):
        shutil.copyfile(REPO / "course.toml", tmp_path / "course.toml")
        set_data(tmp_path / "course.toml", mirror=url, sha256sums="mnist.SHA256SUMS")
        monkeypatch.setenv("COURSE_TOML", str(tmp_path / "course.toml"))
        X_train, y_train, X_test, y_test = load_mnist()
    assert len(requests) == 4 and X_train.shape == (784, 3) and y_test.tolist() == LABELS[:2].tolist()
    assert sorted(p.name for p in (tmp_path / "cache" / "nnfs" / "mnist").iterdir()) == sorted(
        p.name for p in served.iterdir())


@pytest.mark.parametrize("env", [{"MNIST_DIR": "from-env"}, {}])
def test_the_students_copy_looks_where_the_course_looks(tmp_path, monkeypatch, env):
    """data/mnist.py (provided to students, standalone) and data/locate.py (the course's tools) agree."""
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for key, value in env.items():
        monkeypatch.setenv(key, str(tmp_path / value))
    (tmp_path / "course.toml").write_text('[data]\nmnist_dir = "from-toml"\n')
    monkeypatch.chdir(tmp_path)
    assert cache_dir() == locate.cache_dir() == tmp_path / "cache" / "nnfs" / "mnist"
    assert [folder for folder, _ in search_path()] == [place.path for place in locate.places(tmp_path / "from-toml")]
    assert [why for _, why in search_path()] == [place.why for place in locate.places(tmp_path / "from-toml")]


# --- the shared MNIST files -------------------------------------------------

@pytest.fixture(scope="module")
def mnist(mnist_dir):
    return load_mnist(mnist_dir)


def test_shared_test_set(mnist):
    _, _, X_test, y_test = mnist
    assert X_test.shape == (784, 10_000) and X_test.dtype == np.float64
    assert X_test.min() == 0.0 and X_test.max() == 1.0
    assert y_test.shape == (10_000,) and y_test.dtype == np.int64
    assert y_test[:8].tolist() == [7, 2, 1, 0, 4, 1, 4, 9]


def test_shared_training_set(mnist):
    X_train, y_train, _, _ = mnist
    m = X_train.shape[1]  # the course's 24,000-example subset (../shared), or the published 60,000
    assert m in (24_000, 60_000) and X_train.shape == (784, m) and X_train.dtype == np.float64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert y_train.shape == (m,)
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert set(np.unique(y_train).tolist()) == set(range(10))


def test_the_06_notebook_says_where_mnist_is_looked_for_and_fetched(tmp_path, monkeypatch):
    """The notebook's data paragraph names the places of search_path(), in order, and the fetch into the cache."""
    text = " ".join(line.lstrip("# ") for line in (REPO / "notebooks" / "06_mnist.py").read_text().splitlines())
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "nnfs" / "mnist"
    said = [text.index(words) for words in ("`MNIST_DIR`", "`[data] mnist_dir`", "`~/.cache/nnfs/mnist`",
                                            "is fetched into that cache on first use")]
    assert said == sorted(said), text
