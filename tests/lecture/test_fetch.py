"""MNIST found, or fetched and verified into the cache (data/fetch.py), course.toml's [data], and `course
doctor`'s MNIST lines: small made-up files served by a local HTTP server, never the network."""
import gzip
import hashlib
import re
import tomllib
from pathlib import Path

import pytest

from autograder.config import CourseConfigError, load_course
from conftest import REPO, set_data
from data.download import main as download_main
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


def test_a_mirror_serving_a_wrong_file_says_its_maintainer_must_fix_it(tmp_path, env, mirror):
    """The mirror answers but a file does not match the course's checksum: not "run it where the mirror can be
    reached" but who must fix what, and the copy way. The files verified before it are kept (no partial or wrong
    file), and once the manifest is right the next fetch asks only for the rest."""
    served, sums = mirror
    right = sums[FILES[2]]
    sums[FILES[2]] = "0" * 64
    with serving(served) as (url, requests):
        course = load_course(course_with(tmp_path, f'mirror = "{url}"\nsha256sums = "mnist.SHA256SUMS"', sums))
        with pytest.raises(MNISTUnavailable) as error:
            ensure_mnist(course, progress=False)
        paragraph = str(error.value)
        for words in (f"{tmp_path / 'empty'} (MNIST_DIR)", f"{env} (the per-user cache)",
                      f"{url}{FILES[2]}: SHA-256 {right[:12]}... where 000000000000... is expected",
                      "does not match the course's checksum", "The course's maintainer must fix the mirror or ",
                      "mnist.SHA256SUMS; until then, set MNIST_DIR to the folder of a good copy"):
            assert words in paragraph, paragraph
        assert "can be reached" not in paragraph and "-m data.download" not in paragraph, paragraph
        assert sorted(p.name for p in env.iterdir()) == sorted(FILES[:2]), "the verified files, nothing else"
        sums[FILES[2]] = right
        course_with(tmp_path, f'mirror = "{url}"\nsha256sums = "mnist.SHA256SUMS"', sums)
        requests.clear()
        assert ensure_mnist(load_course(tmp_path / "course.toml"), progress=False) == env
        assert sorted(requests) == sorted(f"/{name}" for name in FILES[2:])


def test_a_refused_connection_is_one_short_paragraph_not_a_traceback(tmp_path, env):
    course = load_course(course_with(tmp_path, f'mnist_dir = "nowhere"\nmirror = "{refusing_url()}"\n'
                                                'sha256sums = "mnist.SHA256SUMS"', {n: "1" * 64 for n in FILES}))
    with pytest.raises(MNISTUnavailable, match=r"MNIST is missing: .*Connection refused.*-m data\.download") as error:
        ensure_mnist(course, progress=False, timeout=5)
    paragraph = str(error.value)
    assert "\n" not in paragraph and not re.search("[0-9a-f]{64}", paragraph), paragraph
    assert len(paragraph) - len(str(tmp_path)) * paragraph.count(str(tmp_path)) < 420, paragraph
    assert "can be reached" in paragraph and "set MNIST_DIR" in paragraph, paragraph


def test_set_data_replaces_keys_course_toml_already_sets(tmp_path):
    path = course_with(tmp_path, 'mirror = "https://example.edu/mnist/"\nsha256sums = "old.SHA256SUMS"')
    set_data(path, mirror="http://127.0.0.1:9/", sha256sums="mnist.SHA256SUMS")
    data = tomllib.loads(path.read_text())["data"]
    assert data == {"mirror": "http://127.0.0.1:9/", "sha256sums": "mnist.SHA256SUMS"}


def corrupt(path: Path):
    """Flip four bytes in the middle of path (its size unchanged)."""
    content = bytearray(path.read_bytes())
    middle = len(content) // 2
    content[middle:middle + 4] = bytes(b ^ 0xFF for b in content[middle:middle + 4])
    path.write_bytes(content)


def test_the_download_command_checks_the_cache_and_fetches_again_what_fails(tmp_path, env, mirror, capsys):
    """A corrupted file in the cache: `python -m data.download` (`make mnist`) says so and fetches that file
    again, nothing else; with every file right it fetches nothing."""
    served, sums = mirror
    with serving(served) as (url, requests):
        path = course_with(tmp_path, f'mirror = "{url}"\nsha256sums = "mnist.SHA256SUMS"', sums)
        ensure_mnist(load_course(path), progress=False)
        corrupt(env / FILES[1])
        requests.clear()
        assert download_main(["--course", str(path)]) == 0
        err = capsys.readouterr().err
        assert f"{env / FILES[1]} failed its check (SHA-256 " in err and "fetched again" in err, err
        assert requests == [f"/{FILES[1]}"]
        assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in env.iterdir()} == sums
        requests.clear()
        assert download_main(["--course", str(path)]) == 0
        assert requests == [] and "every file matching its checksum" in capsys.readouterr().err
    # The mirror unreachable: which file fails its check, and where to run the command; not "missing".
    set_data(path, mirror=refusing_url())
    corrupt(env / FILES[1])
    assert download_main(["--course", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"MNIST in {env} (the per-user cache) fails its check: {FILES[1]}: SHA-256 "), err
    assert "Connection refused" in err and "can be reached" in err and "MNIST is missing" not in err, err


def test_the_download_command_checks_but_never_overwrites_a_copy_in_mnist_dir(tmp_path, env, mirror, capsys,
                                                                               monkeypatch):
    served, sums = mirror
    monkeypatch.setenv("MNIST_DIR", str(served))
    path = course_with(tmp_path, f'mirror = "{refusing_url()}"\nsha256sums = "mnist.SHA256SUMS"', sums)
    assert download_main(["--course", str(path)]) == 0
    assert f"MNIST is already in {served} (MNIST_DIR), every file matching its checksum" in capsys.readouterr().err
    corrupt(served / FILES[3])
    before = (served / FILES[3]).read_bytes()
    assert download_main(["--course", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"MNIST in {served} (MNIST_DIR) fails its check: {FILES[3]}: SHA-256 " in err, err
    assert "never overwrite that folder: replace the copy there with a good one" in err, err
    assert (served / FILES[3]).read_bytes() == before and not env.exists()


@pytest.mark.parametrize("where", ["cache", "MNIST_DIR"])
def test_an_unreadable_file_is_named_with_the_repair(tmp_path, env, where):
    """Grading 06 on a file that is there but cannot be read: the file, that it failed its check, and the one
    command that repairs the cache, or, for MNIST_DIR (never overwritten), to replace the copy."""
    import importlib.util

    from autograder.engine.errors import GradingError

    folder = env if where == "cache" else tmp_path / "empty"
    folder.mkdir(parents=True)
    for name in FILES:
        (folder / name).write_bytes(b"\x1f\x8b" + b"not gzip data")
    spec = importlib.util.spec_from_file_location("grader_06", REPO / "graders" / "test_06_mnist.py")
    grader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(grader)
    with pytest.raises(GradingError) as error:
        grader._mnist(str(folder))
    message = str(error.value)
    assert f"MNIST cannot be read: {folder / FILES[0]}: corrupt gzip data" in message, message
    assert "the file failed its check" in message, message
    if where == "cache":
        assert "in the per-user cache, where `" in message and "-m data.download` fetches a good copy" in message
    else:
        assert f"{folder} is the folder of MNIST_DIR, which the course's tools never overwrite: replace" in message


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


def test_a_copy_in_mnist_dir_may_be_vouched_for_by_a_sha256sums_beside_it(tmp_path, env, mirror, capsys,
                                                                          monkeypatch):
    """As `course doctor` counts them: a course's own subset in MNIST_DIR (no [data] sha256sums) passes the
    download command's check by the SHA256SUMS beside it, as ../shared's does; without one it is named."""
    served, sums = mirror
    monkeypatch.setenv("MNIST_DIR", str(served))
    path = course_with(tmp_path, "")
    assert download_main(["--course", str(path)]) == 1
    assert f"fails its check: {FILES[0]}: 1,000 bytes where 9,912,422 are expected" in capsys.readouterr().err
    (served / "SHA256SUMS").write_text("".join(f"{digest}  {name}\n" for name, digest in sums.items()))
    assert download_main(["--course", str(path)]) == 0
    assert "every file matching its checksum" in capsys.readouterr().err
    corrupt(served / FILES[0])
    assert download_main(["--course", str(path)]) == 1
    assert f"fails its check: {FILES[0]}: SHA-256 " in capsys.readouterr().err
