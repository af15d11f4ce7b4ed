"""A Gradescope upload, taken apart safely (run.py uses it; the upload is untrusted).

- unzip: extracts a zip upload with Python's zipfile: at most MAX_ZIP_FILES
  files and MAX_ZIP_BYTES unpacked, regular files only, no absolute path, no
  "..", no control character in a name;
- pick: copies for each module the shallowest candidate that is a regular
  file (opened without following symlinks), whose path has no control
  character or "..", and whose real path stays under the upload;
- student_folder: gs-<Gradescope user id> from submission_metadata.json;
- advice: for each module that was not taken, what the student should do
  (a link, a name with a control character, a file too large, a name that
  differs only in case or by a copy suffix such as " (1)": "did you mean").
"""
import json
import os
import re
from pathlib import Path

from ..primitives import CONTROL, RefusedFile, name_problem, read_regular, zip_member_problem
from .metadata import MAX_METADATA_BYTES

MAX_ZIP_FILES = 200
MAX_ZIP_BYTES = 20 * 2**20
MAX_MODULE_BYTES = 2**20


def student_folder(metadata: Path) -> str:
    """gs-<Gradescope user id>, or "student" without metadata."""
    try:
        user = json.loads(read_regular(metadata, MAX_METADATA_BYTES))["users"][0]
        return "gs-" + re.sub(r"[^A-Za-z0-9_.-]", "_", str(user["id"]))[:64]
    except Exception:
        return "student"


def unzip(archive: Path, dest: Path) -> list[str]:
    """Extract archive into dest within the limits; return what was refused and why."""
    import zipfile  # only for zip uploads
    refused = []
    with zipfile.ZipFile(archive) as zipped:
        members = zipped.infolist()
        if len(members) > MAX_ZIP_FILES:
            raise ValueError(f"the zip holds {len(members)} entries; at most {MAX_ZIP_FILES} are accepted")
        if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise ValueError(f"the zip unpacks to more than {MAX_ZIP_BYTES // 2**20} MB")
        for member in members:
            reason = zip_member_problem(member)
            if member.is_dir():
                continue
            if reason:
                refused.append(f"{member.filename!r}: {reason}")
                continue
            target = dest / member.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(member) as source:
                data = source.read(MAX_ZIP_BYTES + 1)
            if len(data) > MAX_ZIP_BYTES:  # refused, never cut
                raise ValueError(f"the zip unpacks to more than {MAX_ZIP_BYTES // 2**20} MB")
            with open(target, "xb") as out:
                out.write(data)
    return refused


_COPY_SUFFIX = re.compile(r"^(?P<stem>.+?)(?: ?\(\d+\)|-\d+| copy(?: \d+)?)(?P<ext>\.[^.]+)$")


def _looks_like(name: str, module: str) -> bool:
    """name differs from module only in case, or by a copy suffix: "Neuron.py", "neuron (1).py", "neuron-2.py"."""
    copy = _COPY_SUFFIX.match(name)
    plain = copy["stem"] + copy["ext"] if copy else name
    return name != module and plain.casefold() == module.casefold()


def advice(upload: Path, modules: list[str], taken: set[str]) -> list[str]:
    """What the student should do for each module not taken from the upload, one sentence each."""
    said = []
    entries = []
    for here, subfolders, names in os.walk(upload, followlinks=False):
        for name in subfolders + names:
            entries.append(os.path.join(here, name))
        if len(entries) > 10 * MAX_ZIP_FILES:
            break
    for module in modules:
        if module in taken:
            continue
        for path in entries:
            name = os.path.basename(path)
            relative = os.path.relpath(path, upload)
            shown = relative.encode("unicode_escape").decode()[:80]
            if name == module and os.path.islink(path):
                said.append(f"{module} was not graded: your upload has {shown} as a link (a shortcut), not a "
                            f"file; upload the file {module} itself, not a link to it.")
            elif name == module and CONTROL.search(relative):
                said.append(f"{module} was not graded: your upload has it at {shown!r}, whose path contains a "
                            f"control character (such as a line break); upload {module} from a folder with a "
                            "plain name.")
            elif name == module and os.path.isfile(path) and os.lstat(path).st_size > MAX_MODULE_BYTES:
                said.append(f"{module} was not graded: your upload's {shown} is larger than "
                            f"{MAX_MODULE_BYTES // 1024} KiB; upload the module itself, without data or output "
                            "pasted into it.")
            elif _looks_like(name, module) and not CONTROL.search(relative):
                said.append(f"{module} was not graded: your upload has {shown}, not {module}: did you mean "
                            f"{module}? Rename it to {module} exactly and upload again.")
    return said


def pick(upload: Path, dest: Path, modules: list[str], raw_paths: bytes) -> list[str]:
    """Copy each module's best candidate from raw_paths (NUL-separated) into dest; return notes."""
    notes = []
    root = os.path.realpath(upload)
    candidates = {}
    for raw in filter(None, raw_paths.split(b"\0")):
        path = os.fsdecode(raw)
        relative = os.path.relpath(path, upload)
        reason = name_problem(relative)
        if reason is None and "__MACOSX" in relative.split(os.sep):
            continue
        if reason is None and not os.path.realpath(path).startswith(root + os.sep):
            reason = "its real path leaves the upload"
        name = os.path.basename(path)
        if name not in modules:
            continue
        if reason:
            notes.append(f"ignored {relative!r}: {reason}")
            continue
        candidates.setdefault(name, []).append((relative.count(os.sep), relative, path))
    for module in modules:
        for _, relative, path in sorted(candidates.get(module, [])):
            try:
                (dest / module).write_bytes(read_regular(path, MAX_MODULE_BYTES))
                break
            except RefusedFile as exc:  # a symbolic link, not a regular file, larger than 1024 KiB
                notes.append(f"ignored {relative!r}: {exc.reason}")
            except OSError as exc:
                notes.append(f"ignored {relative!r}: {exc.strerror or exc}")
    return notes
