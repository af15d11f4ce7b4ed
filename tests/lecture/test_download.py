"""Tests of data/download.py against a local HTTP server serving four small files made here (the
downloader checks sizes and SHA-256, whatever the bytes), so they run without MNIST."""
import hashlib
import http.server
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from data import download
from data.download import MNIST_FILES, ChecksumError, DownloadError, download_mnist, main

REPO = Path(__file__).resolve().parents[2]


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def originals(tmp_path_factory):
    """Four files named like MNIST's, of a few KiB of seeded random bytes each."""
    import numpy as np

    folder = tmp_path_factory.mktemp("originals")
    rng = np.random.default_rng(0)
    for index, name in enumerate(MNIST_FILES):
        (folder / name).write_bytes(rng.bytes(3000 + 1000 * index))
    return folder


@pytest.fixture
def table(originals):
    """name -> (size, SHA-256) of the files served."""
    return {path.name: (path.stat().st_size, sha256(path)) for path in sorted(originals.iterdir())}


@pytest.fixture
def server(tmp_path_factory, originals, table, monkeypatch):
    """A local HTTP server of copies of the files; yields (base URL, folder, requested paths)."""
    monkeypatch.setenv("no_proxy", "127.0.0.1")  # a proxy must not intercept local requests
    served = tmp_path_factory.mktemp("served")
    for name in table:
        shutil.copyfile(originals / name, served / name)
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def do_GET(self):
            requests.append(self.path)
            try:
                super().do_GET()
            except ConnectionError:  # the client hung up, as an interrupted download does
                pass

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", served, requests
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_good_download_lands_every_file_and_nothing_else(tmp_path, server, table):
    base_url, _, requests = server
    dest = tmp_path / "dest"
    paths = download_mnist(dest, base_url, files=table)
    assert paths == [dest / name for name in table]
    assert {p.name: sha256(p) for p in dest.iterdir()} == {n: s for n, (_, s) in table.items()}
    assert sorted(requests) == sorted(f"/{name}" for name in table)


def test_progress_reports_bytes_up_to_the_size(tmp_path, server, table):
    base_url, _, _ = server
    name = "t10k-labels-idx1-ubyte.gz"
    calls = []
    download_mnist(tmp_path, base_url, files={name: table[name]},
                   progress=lambda *args: calls.append(args))
    assert calls and calls[-1] == (name, table[name][0], table[name][0])


def test_corrupted_file_is_rejected_and_leaves_nothing(tmp_path, server, table):
    base_url, served, _ = server
    name = "t10k-labels-idx1-ubyte.gz"
    content = bytearray((served / name).read_bytes())
    content[100:104] = bytes(b ^ 0xFF for b in content[100:104])
    (served / name).write_bytes(content)
    dest = tmp_path / "dest"
    with pytest.raises(ChecksumError) as error:
        download_mnist(dest, base_url, files={name: table[name]})
    message = str(error.value)
    assert message == (f"{base_url}{name}: SHA-256 {hashlib.sha256(content).hexdigest()[:12]}... where "
                       f"{table[name][1][:12]}... is expected")
    assert list(dest.iterdir()) == []


def test_missing_file_raises_download_error(tmp_path, server):
    base_url, _, _ = server
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError, match=r"/missing\.gz: HTTP Error 404"):
        download_mnist(dest, base_url, files={"missing.gz": (10, "0" * 64)})
    assert list(dest.iterdir()) == []


def test_refused_connection_raises_download_error(tmp_path, table):
    with socket.socket() as s:  # a port that nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    name = "t10k-labels-idx1-ubyte.gz"
    with pytest.raises(DownloadError, match=name):
        download_mnist(tmp_path, f"http://127.0.0.1:{port}", files={name: table[name]}, timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_download_leaves_no_temporary_file(tmp_path, server, table):
    base_url, _, _ = server
    name = "t10k-images-idx3-ubyte.gz"

    def interrupt(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download_mnist(tmp_path, base_url, files={name: table[name]}, progress=interrupt)
    assert list(tmp_path.iterdir()) == []


def test_correct_existing_file_is_not_downloaded_again(tmp_path, server, table):
    base_url, _, requests = server
    download_mnist(tmp_path, base_url, files=table)
    requests.clear()
    assert download_mnist(tmp_path, base_url, files=table) == [tmp_path / name for name in table]
    assert requests == []


@pytest.mark.parametrize("same_size", [False, True])
def test_wrong_existing_file_is_replaced(tmp_path, server, table, same_size):
    base_url, _, requests = server
    name = "train-labels-idx1-ubyte.gz"
    (tmp_path / name).write_bytes(bytes(table[name][0]) if same_size else b"not the labels")
    download_mnist(tmp_path, base_url, files={name: table[name]})
    assert sha256(tmp_path / name) == table[name][1]
    assert requests == [f"/{name}"]
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_main_downloads_into_the_cache(tmp_path, server, table, monkeypatch, capsys):
    base_url, _, _ = server
    monkeypatch.setattr(download, "MNIST_FILES", table)
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cache = tmp_path / "cache" / "nnfs" / "mnist"
    assert main(["--base-url", base_url]) == 0
    assert capsys.readouterr().out.split() == [str(cache / name) for name in table]
    assert {p.name for p in cache.iterdir()} == set(table)
    # Found now: a second run fetches nothing and says where it is.
    assert main(["--base-url", "http://127.0.0.1:9/"]) == 0
    assert f"MNIST is already in {cache} (the per-user cache)" in capsys.readouterr().err


def test_main_reports_a_failed_download(tmp_path, server, table, capsys):
    base_url, _, _ = server  # serves files made here, not the published ones
    assert main(["--dest", str(tmp_path), "--base-url", base_url]) == 1
    assert "train-images-idx3-ubyte.gz: 3,000 bytes where 9,912,422 are expected" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_command_offline_says_what_to_do_without_a_traceback(tmp_path):
    """`python -m data.download` (what `make mnist` runs) where nothing answers: one paragraph that
    names the offline way (MNIST_DIR), exit 1, and no empty cache folder left behind."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: connections are refused
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache"), "MNIST_DIR": str(tmp_path / "none"),
           "no_proxy": "127.0.0.1", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "data.download", "--base-url", f"http://127.0.0.1:{port}/",
                           "--course", str(REPO / "course.toml")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "MNIST_DIR" in done.stderr and "failed" in done.stderr, done.stderr
    assert not (tmp_path / "cache" / "nnfs" / "mnist").exists()


def test_mnist_files_match_the_published_checksums_in_the_readme():
    """The published checksums in data/download.py are those of the MNIST README that came with the
    course's copy (where that copy has one)."""
    from autograder.config import load_course

    readme = load_course(REPO / "course.toml").mnist_dir / "README.md"
    if not readme.is_file():
        pytest.skip(f"no {readme}: the course's MNIST copy has no README with the published checksums")
    rows = re.findall(r"^\| (\S+\.gz) \| ([\d,]+) \| [0-9a-f]{32} \| ([0-9a-f]{64}) \|$",
                      readme.read_text(), flags=re.MULTILINE)
    published = {name: (int(size.replace(",", "")), digest) for name, size, digest in rows}
    assert len(published) == 4
    assert MNIST_FILES == published
