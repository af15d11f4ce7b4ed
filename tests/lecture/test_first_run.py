"""The first run on a fresh machine: a copy of the repository with no ../shared beside it, no MNIST_DIR and
an empty cache. The demo fetches the course's MNIST subset from its own mirror (a local HTTP server), checks
it against the course's SHA256SUMS and grades all six assignments; with the mirror refusing, it grades 01-05,
says in one paragraph how to get MNIST and exits 3, without a traceback, and completes once the files are put
in place. And the suite without MNIST skips every test that reads it, saying why.
"""
import contextlib
import csv
import hashlib
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autograder.config import load_course
from conftest import REPO, set_data
from autograder.errors import EXIT_NO_MNIST
from data.locate import NAMES, data_file


COURSE = load_course(REPO / "course.toml")


@contextlib.contextmanager
def serving(folder: Path):
    """A local HTTP server of folder's files; yields (base URL, list of requested paths)."""
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def refusing_url() -> str:
    """The URL of a port nothing listens on: every connection is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def fresh_copy(folder: Path) -> Path:
    """The repository's files as a fresh clone has them (tracked and new, not ignored), in folder/nnfs."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, check=True).stdout.decode().split("\0")
    clone = folder / "nnfs"
    for name in filter(None, names):
        source = REPO / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    return clone


def set_mirror(clone: Path, url: str):
    """[data] of the copy's course.toml as a course serving its own MNIST sets it: mirror and sha256sums."""
    set_data(clone / "course.toml", mirror=url, sha256sums="mnist.SHA256SUMS")


def run_demo(clone: Path, out: Path, cache: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MNIST_DIR", "COURSE_TOML", "PYTHONPATH")}
    env.update(XDG_CACHE_HOME=str(cache), OPENBLAS_NUM_THREADS="1", no_proxy="127.0.0.1", PYTHONPATH=str(clone))
    return subprocess.run([sys.executable, "-m", "autograder.demo", str(out), "--student", "ada"], cwd=clone,
                          capture_output=True, text=True, timeout=300, env=env)


def scores(out: Path) -> dict:
    with (out / "graded" / "grades.csv").open() as f:
        return {r["assignment"]: r["score"] for r in csv.DictReader(f) if r["student"] == "ada"}


@pytest.mark.slow  # three demo runs of one student (ada)
@pytest.mark.mnist
def test_the_demo_on_a_fresh_clone_fetches_the_course_mnist_or_says_how(tmp_path, mnist_dir):
    # The course's own subset (what the mirror serves) and its manifest, committed beside course.toml.
    served = tmp_path / "mirror"
    served.mkdir()
    for name in NAMES:
        shutil.copyfile(data_file(mnist_dir, name), served / data_file(mnist_dir, name).name)
    clone = fresh_copy(tmp_path)
    assert not (clone / ".." / "shared").exists() and not (clone / "demo-out").exists()
    sums = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in served.iterdir()}
    (clone / "mnist.SHA256SUMS").write_text("".join(f"{digest}  {name}\n" for name, digest in sums.items()))
    cache, out = tmp_path / "cache", tmp_path / "out"
    mnist_cache = cache / "nnfs" / "mnist"

    # Offline: 01-05 graded, one paragraph, exit 3, no traceback. No file was verified, so nothing is kept:
    # no cache folder (a fetch that fails midway keeps the files it verified, and the next fetches the rest).
    set_mirror(clone, refusing_url())
    offline = run_demo(clone, out, cache)
    said = offline.stdout + offline.stderr
    assert offline.returncode == EXIT_NO_MNIST, said
    assert "Traceback" not in said
    assert scores(out) == {a.id: f"{a.points:g}" for a in COURSE.assignments if a.id != "06_mnist"}, said
    paragraph = offline.stdout[offline.stdout.index("Not graded: 06_mnist."):]
    for words in ("MNIST is missing", str(mnist_cache), "(the per-user cache)", "Connection refused",
                  "-m data.download", "set MNIST_DIR"):
        assert words in paragraph, paragraph
    assert not mnist_cache.exists()

    # The data put in place by hand (the files copied into the cache), the mirror still refusing: completes.
    shutil.copytree(served, mnist_cache)
    again = run_demo(clone, out, cache)
    said = again.stdout + again.stderr
    assert again.returncode == 0, said
    assert "MNIST is missing" not in said and "Traceback" not in said
    assert scores(out) == {a.id: f"{a.points:g}" for a in COURSE.assignments}, said

    # The mirror up and an empty cache: fetched once into the cache, checked against the manifest, all six graded.
    cache, out = tmp_path / "cache2", tmp_path / "out2"
    mnist_cache = cache / "nnfs" / "mnist"
    with serving(served) as (url, requests):
        set_mirror(clone, url)
        online = run_demo(clone, out, cache)
    said = online.stdout + online.stderr
    assert online.returncode == 0, said
    assert sorted(requests) == sorted(f"/{name}" for name in sums)
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in mnist_cache.iterdir()} == sums
    assert scores(out) == {a.id: f"{a.points:g}" for a in COURSE.assignments}, said  # every one, in full


def test_the_suite_without_mnist_skips_every_mnist_test_and_says_why(tmp_path):
    """Every test that reads MNIST (marked `mnist`, or asking for the mnist_dir fixture), run in one pytest where
    MNIST is nowhere: each is reported skipped, with where it was looked for and how to get it; none fails."""
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_TOML", "PYTEST_ADDOPTS")}
    env.update(MNIST_DIR=str(tmp_path / "empty"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = subprocess.run([sys.executable, "-m", "pytest", "-v", "-rs", "-m", "mnist", "-p", "no:cacheprovider"],
                            cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    outcomes = [line for line in result.stdout.splitlines() if line.startswith("tests/") and "::" in line]
    skipped = [line for line in outcomes if " SKIPPED " in line]
    assert outcomes and skipped == outcomes, said
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf"=* {len(skipped)} skipped, \d+ deselected in [\d.]+s =*", summary), summary
    for test in ("test_mnist_reader.py::test_shared_test_set",  # by the mnist_dir fixture
                 "test_first_run.py::test_the_demo_on_a_fresh_clone",  # by the marker
                 "test_notebooks.py::test_"):  # by mnist_params
        assert any(test in line for line in skipped), test
    reason = (f"MNIST is not in {tmp_path / 'empty'} (MNIST_DIR), {tmp_path / 'cache' / 'nnfs' / 'mnist'} "
              "(the per-user cache): `")
    reasons = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED [")]
    assert reasons and all(reason in line and "-m data.download` fetches it" in line for line in reasons), said
    assert sum(int(re.match(r"SKIPPED \[(\d+)\]", line).group(1)) for line in reasons) == len(skipped), said
