"""The digest of a notebook's authored cells, and whether a built notebook was edited since.

``course build`` records in the notebook's metadata ("course" -> "digest")
the digest of the cells it wrote: each cell's type, text and metadata, less
what Jupyter itself writes (UI state such as "collapsed" or "scrolled", run
timings). Outputs and execution counts are not authored and never count, so
a notebook that was only run and saved still matches. A notebook whose cells
no longer match, or that has no digest, was edited: the build does not
overwrite it (`course notebook pull ID` keeps the edits).
"""
import hashlib
import json
from pathlib import Path

import nbformat

BUILD_METADATA = "course"  # notebook metadata: {"source": "notebooks/<ID>.py", "digest": "sha256:..."}

# Cell metadata that Jupyter, JupyterLab or VS Code write for their own use.
UI_METADATA = frozenset({"collapsed", "scrolled", "execution", "ExecuteTime", "jupyter", "trusted",
                         "autoscroll", "jp-MarkdownHeadingCollapsed", "vscode"})


def authored_metadata(metadata: dict) -> dict:
    """Cell metadata less the UI state (and an empty tag list, which JupyterLab adds)."""
    kept = {key: value for key, value in metadata.items() if key not in UI_METADATA}
    if kept.get("tags") == []:
        del kept["tags"]
    return kept


def cells_digest(cells) -> str:
    """sha256 over each cell's type, text and authored metadata, in order."""
    canonical = [[cell["cell_type"], _text(cell["source"]), authored_metadata(cell.get("metadata", {}))]
                 for cell in cells]
    data = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(data.encode()).hexdigest()


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source  # a notebook on disk may split lines


def edit_state(path: Path) -> str | None:
    """Why the notebook at path must not be overwritten, or None if it is what a build wrote."""
    if not path.is_file():
        return None
    try:
        nb = nbformat.reads(path.read_text(), as_version=4)
    except Exception as exc:  # JSON or notebook format errors of a hand-edited file
        return f"it is not a readable notebook ({type(exc).__name__}: {exc})"
    recorded = nb.metadata.get(BUILD_METADATA, {}).get("digest")
    if recorded is None:
        return "it has no build digest (it was not written by `course build`)"
    if recorded != cells_digest(nb.cells):
        return "its cells were edited since `course build` wrote it"
    return None
