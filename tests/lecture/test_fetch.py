"""MNIST found, or fetched and verified into the cache (data/fetch.py), course.toml's [data], and `course
doctor`'s MNIST lines: small made-up files served by a local HTTP server, never the network."""
import gzip
import hashlib

import pytest

from autograder.config import CourseConfigError, load_course
from conftest import REPO
from data.doctor import mnist_report
from data.fetch import MNISTUnavailable, ensure_mnist, needs_mnist
from data.locate import NAMES
from test_first_run import refusing_url, serving

FILES = [f"{name}.gz" for name in NAMES]


@pytest.fixture
def env(tmp_path, monkeypatch):
    """No MNIST anywhere: MNIST_DIR an empty folder, the cache in tmp_path; returns the cache folder."""
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    return tmp_path / "cache" / "nnfs" / "mnist"


@pytest.fixture
def mirror(tmp_path):
    """A course's own MNIST (made-up bytes) and its manifest: (served folder, name -> SHA-256)."""
    served = tmp_path / "served"
    served.mkdir()
    for index, name in enumerate(FILES):
        (served / name).write_bytes(bytes([index]) * (1000 + index))
    return served, {name: hashlib.sha256((served / name).read_bytes()).hexdigest() for name in FILES}


def course_with(tmp_path, data: str, sums: dict | None = None):
    """The repo's course.toml with this [data] body, in tmp_path; sums: its mnist.SHA256SUMS."""
    text = (REPO / "course.toml").read_text()
    start, end = text.index("[data]\n"), text.index("[limits]")
    (tmp_path / "course.toml").write_text(text[:start] + "[data]\n" + data + "\n\n" + text[end:])
    if sums is not None:
        (tmp_path / "mnist.SHA256SUMS").write_text("".join(f"{d}  {n}\n" for n, d in sums.items()))
    return tmp_path / "course.toml"


def test_a_missing_data_set_is_fetched_from_the_course_mirror_and_verified(tmp_path, env, mirror):
    served, sums = mirror
    with serving(served) as (url, requests):
        course = load_course(course_with(tmp_path, f'mirror = "{url}"\nsha256sums = "mnist.SHA256SUMS"', sums))
        assert course.mnist_dir == env
        assert ensure_mnist(course, progress=False) == env
        assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in env.iterdir()} == sums
        assert sorted(requests) == sorted(f"/{name}" for name in FILES)
        requests.clear()
        assert ensure_mnist(course, progress=False) == env and requests == [], "fetched once"


def test_a_found_data_set_is_used_without_the_network(tmp_path, env, mirror, monkeypatch):
    served, sums = mirror
    monkeypatch.setenv("MNIST_DIR", str(served))
    course = load_course(course_with(tmp_path, f'mirror = "{refusing_url()}"\nsha256sums = "mnist.SHA256SUMS"',
                                     sums))
    assert course.mnist_dir == served.resolve()
    assert ensure_mnist(course, progress=False) == served.resolve()
    assert not env.exists()


def test_a_wrong_checksum_keeps_nothing_and_says_how_to_get_mnist(tmp_path, env, mirror):
    served, sums = mirror
    sums[FILES[2]] = "0" * 64
    with serving(served) as (url, _):
        course = load_course(course_with(tmp_path, f'mirror = "{url}"\nsha256sums = "mnist.SHA256SUMS"', sums))
        with pytest.raises(MNISTUnavailable) as error:
            ensure_mnist(course, progress=False)
    paragraph = str(error.value)
    for words in (f"{tmp_path / 'empty'} (MNIST_DIR)", f"{env} (the per-user cache)",
                  f"{FILES[2]}: wrong content from {url}{FILES[2]}", "-m data.download", "set MNIST_DIR"):
        assert words in paragraph, paragraph
    assert not list(env.glob(f"*{FILES[2]}*")), "no partial or wrong file left in the cache"


def test_a_refused_connection_is_the_paragraph_not_a_traceback(tmp_path, env):
    course = load_course(course_with(tmp_path, f'mnist_dir = "nowhere"\nmirror = "{refusing_url()}"\n'
                                                'sha256sums = "mnist.SHA256SUMS"', {n: "1" * 64 for n in FILES}))
    with pytest.raises(MNISTUnavailable, match=r"MNIST is missing: .*Connection refused.*-m data\.download"):
        ensure_mnist(course, progress=False, timeout=5)


@pytest.mark.parametrize("manifest, problem", [
    ("not a checksum line\n", "mnist.SHA256SUMS: line 1: expected '<64 hex digits>  <file name>'"),
    (f"{'a' * 64}  {FILES[0]}\n", "no checksum for train-labels-idx1-ubyte.gz, t10k-images"),
    (None, "mnist.SHA256SUMS ([data] sha256sums in course.toml) cannot be read"),
])
def test_a_bad_manifest_is_named_in_the_paragraph(tmp_path, env, manifest, problem):
    course = load_course(course_with(tmp_path, f'mirror = "{refusing_url()}"\nsha256sums = "mnist.SHA256SUMS"'))
    if manifest is not None:
        (tmp_path / "mnist.SHA256SUMS").write_text(manifest)
    with pytest.raises(MNISTUnavailable) as error:
        ensure_mnist(course, progress=False)
    assert problem in str(error.value)
    assert problem in mnist_report(course), "course doctor names it too"


@pytest.mark.parametrize("data, message", [
    ('mirror = "https://example.edu/mnist/"', "data.mirror: a mirror needs its checksums"),
    ('mirror = "example.edu/mnist"\nsha256sums = "S"', "data.mirror: 'example.edu/mnist' does not match"),
    ('sha256sum = "SHA256SUMS"', "data.sha256sum: unknown key (did you mean 'sha256sums'?)"),
])
def test_data_settings_are_checked_with_file_and_line(tmp_path, data, message):
    path = course_with(tmp_path, data)
    with pytest.raises(CourseConfigError) as error:
        load_course(path)
    line = path.read_text().splitlines().index(data.splitlines()[0]) + 1
    assert f"{path}: {message}" in str(error.value) and f"(line {line})" in str(error.value)


def test_without_data_settings_the_cache_is_the_only_place(tmp_path, env, monkeypatch):
    monkeypatch.delenv("MNIST_DIR")
    course = load_course(course_with(tmp_path, ""))
    assert [(p.path, p.why) for p in course.mnist_places] == [(env, "the per-user cache")]


def test_doctor_names_each_file_and_the_checksums_it_matches(tmp_path, env, mirror, monkeypatch):
    served, sums = mirror
    labels = gzip.compress(b"\0\0\x08\x01" + (3).to_bytes(4, "big") + bytes([5, 0, 4]))  # an IDX file of 3 labels
    (served / FILES[1]).write_bytes(labels)
    sums[FILES[1]] = hashlib.sha256(labels).hexdigest()
    course = load_course(course_with(tmp_path, 'sha256sums = "mnist.SHA256SUMS"', sums))
    report = mnist_report(course)
    assert report.startswith(f"MNIST: not found. Looked in: {tmp_path / 'empty'} (MNIST_DIR); {env}"), report
    (served / FILES[2]).write_bytes(b"\x1f\x8bchanged")
    monkeypatch.setenv("MNIST_DIR", str(served))
    report = mnist_report(load_course(tmp_path / "course.toml"))
    assert report.startswith(f"MNIST: found in {served} (MNIST_DIR)"), report
    lines = report.splitlines()
    assert f"{FILES[0]}: not an IDX file, 1,000 bytes, SHA-256 {sums[FILES[0]][:16]}...: the course's " \
        in lines[1], report
    assert f"{FILES[1]}: 3 examples, {len(labels)} bytes, SHA-256 {sums[FILES[1]][:16]}...: the course's " \
        in lines[2], report
    assert lines[3].startswith(f"  {FILES[2]}: unreadable (") and "9 bytes" in lines[3], report
    assert "no known checksum" in lines[3], report


def test_only_the_mnist_assignment_needs_it():
    course = load_course()
    assert [a.id for a in course.assignments if needs_mnist(course, a)] == ["06_mnist"]
