"""What a Gradescope student reads in results.json's output: one true reason, said once.

The engine grades WORK/submissions/<student>/<ID>/, the modules run.py took
from the upload; its words for a module that is not there ("neuron.py is
missing from your submission; the folder holds nothing else") describe that
folder, not the upload, and every test repeats them. When nothing could be
graded (status missing), student_results rewrites the student's text from
the upload itself:

- per module not graded, one sentence: upload.advice's when it has one
  ("your upload has neuron.py as a link (a shortcut) ...", "your upload has
  Neuron.py: did you mean neuron.py?"), else what the upload holds;
- then that nothing was graded, so the 0 Gradescope shows is not a grade of
  the work, and to upload again (no late-penalty sentence: there is no score
  to reduce);
- each test says it did not run, pointing above.

Score, status and extra_data stay the engine's (the engine's own output is
kept there as engine_output, for the instructor). A graded submission gets
the advice, if any, before the engine's output, as before.
"""
import json
import os
from pathlib import Path

MISSING = "missing"  # the engine's status when nothing could be graded (engine.model.MISSING)
MAX_LISTED = 10
MAX_WALKED = 2000


def upload_names(folder: Path) -> list[str]:
    """The files and links under folder, as paths relative to it (names escaped, at most MAX_WALKED looked at)."""
    names, seen = [], 0
    if not folder.is_dir() or folder.is_symlink():
        return names
    for here, subfolders, files in os.walk(folder, followlinks=False):
        subfolders[:] = [s for s in subfolders if s != "__MACOSX"]
        links = [s for s in subfolders if os.path.islink(os.path.join(here, s))]
        for name in sorted(files) + links:
            seen += 1
            relative = os.path.relpath(os.path.join(here, name), folder)
            names.append(relative.encode("unicode_escape").decode()[:80])
        if seen > MAX_WALKED:
            break
    return sorted(names)


def _some(names: list[str]) -> str:
    return ", ".join(names[:MAX_LISTED]) + (", ..." if len(names) > MAX_LISTED else "")


def _held(names: list[str], zipped: list[str]) -> str:
    """What the upload holds: "your upload has notes.txt" / "... has work.zip, holding a.txt" / "... is empty"."""
    if not names:
        return "your upload is empty"
    return f"your upload has {_some(names)}" + (f", the zip holding {_some(zipped)}" if zipped else "")


def nothing_graded_text(modules: list[str], said: list[str], names: list[str], max_score,
                        zipped: list[str] = ()) -> str:
    """The student's output when nothing could be graded: one reason per module, then what the 0 means."""
    reasons = []
    for module in modules:
        told = [line for line in said if line.startswith(f"{module} ")]
        reasons += told or [f"{module} was not graded: {_held(names, list(zipped))}, but no {module}; upload "
                            f"the file {module} itself (alone, or in a folder or a zip)."]
    points = f" / {max_score:g}" if isinstance(max_score, (int, float)) else ""
    return " ".join([*dict.fromkeys(reasons),
                     f"Nothing was graded, so Gradescope shows 0{points}: this is not a grade of your work. "
                     "Upload again and the new submission is graded."])


def student_results(data: dict, said: list[str], modules: list[str], names: list[str],
                    zipped: list[str] = ()) -> dict:
    """results.json for the student. data: the engine's; said: upload.advice's sentences; names: the upload's
    files (upload_names of ROOT/submission); zipped: those extracted from its zip."""
    data = json.loads(json.dumps(data))  # a copy
    extra = data.setdefault("extra_data", {})
    if extra.get("status") == MISSING:
        reason = str(extra.get("reason", ""))
        missing = [m for m in modules if m in reason or any(line.startswith(f"{m} ") for line in said)] or modules
        extra["engine_output"] = data.get("output", "")
        data["output"] = nothing_graded_text(missing, said, names, data.get("max_score"), zipped)
        for test in data.get("tests", []):
            test["output"] = "Not run: nothing was graded (see the message above)."
    elif said:  # the advice first, where the student reads the results
        data["output"] = " ".join([*said, data.get("output", "")]).strip()
    return data


def write_student_results(results: Path, root: Path, work: Path, said: list[str], modules: list[str]) -> Path:
    """ROOT/results/results.json from the engine's results (results: its path) for the student."""
    data = json.loads(results.read_text())
    names, zipped = upload_names(root / "submission"), upload_names(work / "upload")
    out = root / "results" / "results.json"
    out.write_text(json.dumps(student_results(data, said, modules, names, zipped), indent=1))
    return out
