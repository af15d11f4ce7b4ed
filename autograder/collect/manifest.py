"""What ``course collect`` last wrote in a student's folder, so that collecting again loses no hand-placed file.

Beside each assignment folder it writes, collect records its files' SHA-256
digests (and that of the not-graded marker, when it wrote one) in
SUBMITTED/<student>/<ID>.collected.json (the engine reads only <ID>/ and the
marker). Collected again, a student's folder is replaced only when it is
still exactly what collect wrote, or absent. A folder an instructor changed
(the marker's advice: put the right file in and delete the marker), one
collect never wrote (no record: nbgrader's collect, a folder made by hand,
an earlier version of collect) or one whose record cannot be read is kept
as it is, and changes() says what differs; `--replace STUDENT` replaces it.
"""
import hashlib
import json
import os
import stat
from pathlib import Path

from ..engine.submission import NOT_GRADED_SUFFIX

MANIFEST_SUFFIX = ".collected.json"
MAX_MANIFEST_BYTES = 1 << 20
MAX_LISTED = 3


def manifest_path(folder: Path) -> Path:
    return folder.parent / f"{folder.name}{MANIFEST_SUFFIX}"


def _marker(folder: Path) -> Path:
    return folder.parent / f"{folder.name}{NOT_GRADED_SUFFIX}"


def _digest(path: Path) -> str:
    """sha256 of a regular file (never through a link); "link", "special" otherwise."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return "link"
    if not stat.S_ISREG(info.st_mode):
        return "special"
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def state(folder: Path) -> dict:
    """{"files": relative path -> digest, "marker": digest or None} of the folder as it is now (links not
    followed; a link is recorded as "link", an empty folder as "folder")."""
    files = {}
    if folder.is_symlink():
        files["."] = "link"
    elif folder.is_dir():
        for root, dirs, names in os.walk(folder):
            base = Path(root)
            for name in [*names, *(d for d in dirs if (base / d).is_symlink())]:
                files[(base / name).relative_to(folder).as_posix()] = _digest(base / name)
            if not names and not dirs and base != folder:
                files[base.relative_to(folder).as_posix() + "/"] = "folder"
    marker = _marker(folder)
    return {"files": files, "marker": _digest(marker) if os.path.lexists(marker) else None}


def record(folder: Path):
    """Record the folder as collect has just written it."""
    path = manifest_path(folder)
    if path.is_symlink():
        path.unlink()
    path.write_text(json.dumps({"written_by": "course collect", **state(folder)}, indent=1,
                                                sort_keys=True) + "\n")


def changes(folder: Path) -> str:
    """"" when collect may replace the folder (absent, or as collect last wrote it), else what differs."""
    now = state(folder)
    if not now["files"] and now["marker"] is None and not os.path.lexists(folder):
        return ""
    path = manifest_path(folder)
    try:
        if path.is_symlink() or path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError
        then = json.loads(path.read_text())
        then = {"files": dict(then["files"]), "marker": then["marker"]}
    except FileNotFoundError:
        return (f"collect has no record of writing it (no {path.name}): made by hand, by another tool or by an "
                "earlier version of collect")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return f"collect's record of it ({path.name}) cannot be read"
    if now == then:
        return ""
    added = sorted(set(now["files"]) - set(then["files"]))
    removed = sorted(set(then["files"]) - set(now["files"]))
    changed = sorted(p for p in set(now["files"]) & set(then["files"]) if now["files"][p] != then["files"][p])
    parts = [f"{word} {', '.join(paths[:MAX_LISTED])}{', ...' if len(paths) > MAX_LISTED else ''}"
             for word, paths in (("added", added), ("changed", changed), ("removed", removed)) if paths]
    if now["marker"] != then["marker"]:
        parts.append("the not-graded marker " + ("deleted" if now["marker"] is None else
                                                 "added" if then["marker"] is None else "changed"))
    return "changed since collect wrote it: " + "; ".join(parts)
