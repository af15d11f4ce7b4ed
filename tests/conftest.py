"""Shared fixtures of the package's own tests."""
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


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


def run_course(*args, course: Path | None = None, timeout=600, env=None) -> subprocess.CompletedProcess:
    """Run the real `course` command in a subprocess."""
    cmd = [sys.executable, "-m", "autograder.cli"]
    if course is not None:
        cmd += ["--course", str(course)]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", **(env or {})}
    return subprocess.run([*cmd, *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.fixture
def fast_course(tmp_path):
    """The course with short time limits, for submissions that hang."""
    return make_course(tmp_path / "course", seconds=2, submission_seconds=6)
