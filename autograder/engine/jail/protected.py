"""What student code must never read: the one list for local grading and every Dask worker.

The course's folders that hold the reference or code equivalent to it
(graders/, solutions/, tests/ with its correct submissions, the git
repository whose objects hold every version of them), the submissions being
graded and the output folder. The sandbox itself needs none of them: it
reads the system folders, Python and its virtualenv, and its own copies of
the student's modules and the child's code. In the uid modes the probe
checks for real, as the sandbox uid, that none of these can be read.
"""
from pathlib import Path

REFERENCE_FOLDERS = ("graders", "solutions", "tests")


def git_dir(root: Path) -> Path | None:
    """The git repository of root (a worktree's .git is a file naming its folder, whose objects are in the
    main repository's .git: that one is returned), or None."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    try:
        text = dot_git.read_text(errors="replace")[:4096]
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    folder = (root / text[len("gitdir:"):].strip()).resolve()
    try:
        common = (folder / (folder / "commondir").read_text().strip()).resolve()
    except OSError:
        return folder
    return common if common.is_dir() else folder


def course_folders(root: Path) -> list[Path]:
    """The folders of the course at root that hold reference-equivalent code (those that exist)."""
    root = Path(root)
    found = [root / name for name in REFERENCE_FOLDERS if (root / name).exists()]
    repository = git_dir(root)
    return found + ([repository] if repository is not None else [])


def protected_paths(course_root, submissions=None, out_dir=None) -> tuple[str, ...]:
    """Every path student code must not read while grading from these folders (None: left out)."""
    paths = [*course_folders(Path(course_root)), submissions, out_dir]
    return tuple(dict.fromkeys(str(p) for p in paths if p))
