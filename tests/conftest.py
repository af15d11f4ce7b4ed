"""Shared fixtures of the package's own tests."""
import functools
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def hide_course_args() -> list[str]:
    """docker_like.py's --hide options for every folder of the repo's course students must not read
    (graders, solutions, tests, the git repository: jail/protected.py), as an instructor would chmod them."""
    from autograder.engine.jail.protected import course_folders

    return [arg for folder in course_folders(REPO) for arg in ("--hide", str(folder))]


def make_course(folder: Path, **limits) -> Path:
    """A course.toml in folder that uses the repo's course, with other limits.

    solutions/, graders/, assignments/ and data/ are symlinks to the repo's, so the
    engine grades exactly what it would grade for the real course.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("solutions", "graders", "assignments", "data"):
        (folder / name).symlink_to(REPO / name)
    text = (REPO / "course.toml").read_text()
    text = text.replace('mnist_dir = "../shared/data/mnist"', f'mnist_dir = "{(REPO.parent / "shared/data/mnist").as_posix()}"')
    for key, value in limits.items():
        text, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text, count=1)
        assert count == 1, key
    (folder / "course.toml").write_text(text)
    tomllib.loads(text)  # still valid
    return folder / "course.toml"


def set_data(course_toml: Path, **keys: str):
    """Set these keys of course_toml's [data] table (string values), replacing those it already sets, as a
    course serving its own MNIST sets mirror and sha256sums; checked to still be valid TOML."""
    lines = course_toml.read_text().splitlines()
    start = lines.index("[data]") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")), len(lines))
    kept = [line for line in lines[start:end] if not line.startswith(tuple(f"{key} =" for key in keys))]
    lines[start:end] = [f'{key} = "{value}"' for key, value in keys.items()] + kept
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)
    course_toml.write_text(text)


def run_course(*args, course: Path | None = None, timeout=600, env=None) -> subprocess.CompletedProcess:
    """Run the real `course` command in a subprocess."""
    cmd = [sys.executable, "-m", "autograder.cli"]
    if course is not None:
        cmd += ["--course", str(course)]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", **(env or {})}
    return subprocess.run([*cmd, *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.fixture(autouse=True)
def course_log():
    """The course logger set up as `course` sets it up (autograder/log.py), so that code called in-process says
    on stderr what the command says (-q or -v in one test does not carry over to the next)."""
    from autograder import log
    log.configure(0)


@pytest.fixture
def fast_course(tmp_path):
    """The course with short time limits, for submissions that hang."""
    return make_course(tmp_path / "course", seconds=2, submission_seconds=6)


# --- MNIST: a test that reads it is marked `mnist` (or asks for the mnist_dir fixture) and is skipped,
# saying where MNIST was looked for and how to get it, where it is missing (CI has it: .ci/run sets MNIST_DIR).

def pytest_configure(config):
    config.addinivalue_line("markers", "mnist: reads MNIST; skipped, with where it was looked for, where it is missing")


@functools.cache
def mnist_missing() -> str | None:
    """None when MNIST is where the course looks for it (data.locate), else why MNIST tests are skipped."""
    from autograder.config import load_course
    from data.fetch import missing_reason
    from data.locate import find

    course = load_course()
    return None if find(course.mnist_places) else missing_reason(course)


def pytest_collection_modifyitems(items):
    """A test that asks for the mnist_dir fixture reads MNIST: marked `mnist` too, so `-m mnist` selects
    every test that reads it."""
    for item in items:
        if "mnist_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.mnist)


def pytest_runtest_setup(item):
    if item.get_closest_marker("mnist") is not None and (reason := mnist_missing()):
        pytest.skip(reason)


def mnist_params(course, values) -> list:
    """values (assignment ids, or tuples that start with one) as parametrize values, marked `mnist` where
    grading that assignment reads MNIST (data.fetch.needs_mnist, the rule the demo and `course grade` use)."""
    from data.fetch import needs_mnist

    reads = {a.id for a in course.assignments if needs_mnist(course, a)}
    params = []
    for value in values:
        first = value[0] if isinstance(value, tuple) else value
        args = value if isinstance(value, tuple) else (value,)
        params.append(pytest.param(*args, marks=pytest.mark.mnist) if first in reads else value)
    return params


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder holding MNIST, as the course finds it; the test is skipped where it is missing."""
    if reason := mnist_missing():
        pytest.skip(reason)
    from autograder.config import load_course
    return load_course().mnist_dir
