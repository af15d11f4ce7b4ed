"""What a student changed in the notebook's cells that are not theirs to change.

The release notebook's cells with an nbgrader grade_id are the course's: the
read-only (locked) cells, the hidden grade cell and its points. A student can
edit any of them in Jupyter (the lock is only metadata). changes() compares a
submitted notebook's cells with the release's, by grade_id, and says what
changed, in words for the instructor: the score never depends on it (the
course's cells are restored from the release before anything is scored), but
an edit of the grade cell, of its points or a lock removed is worth a look.
"""
from ..primitives import HIDDEN_TESTS_BEGIN as HIDDEN_BEGIN, HIDDEN_TESTS_END as HIDDEN_END

MAX_SHOWN = 60


def without_hidden_tests(source: str) -> str:
    """source as nbgrader's ClearHiddenTests releases it (the hidden-tests region and its markers removed)."""
    kept, hidden = [], False
    for line in source.split("\n"):
        if HIDDEN_BEGIN in line:
            hidden = True
        elif HIDDEN_END in line:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


def _meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader") if isinstance(cell, dict) else None
    return meta if isinstance(meta, dict) else {}


def _text(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _value(value) -> str:
    return repr(value) if isinstance(value, (int, float)) else repr(str(value)[:20])


def _shown(text: str) -> str:
    line = " ".join(text.split())
    return repr(line[:MAX_SHOWN] + ("..." if len(line) > MAX_SHOWN else ""))


def changes(release_cells: list, submitted_cells: list) -> list[str]:
    """What the submitted cells changed of the release's locked and grade cells (empty: nothing).

    Both are lists of notebook cells (dicts as nbformat reads them); a cell
    missing from the submission is reported by the caller (it is restored).
    """
    release = {}
    for cell in release_cells:
        grade_id = _meta(cell).get("grade_id")
        if isinstance(grade_id, str) and (_meta(cell).get("locked") or _meta(cell).get("grade")):
            release[grade_id] = cell
    found = []
    seen = set()
    for cell in submitted_cells:
        if not isinstance(cell, dict):
            continue
        grade_id = _meta(cell).get("grade_id")
        if grade_id not in release or grade_id in seen:
            continue
        seen.add(grade_id)
        original, meta, original_meta = release[grade_id], _meta(cell), _meta(release[grade_id])
        kind = "grade cell" if original_meta.get("grade") else f"read-only {original.get('cell_type')} cell"
        if cell.get("cell_type") != original.get("cell_type"):
            found.append(f"{kind} {grade_id} was turned into a {str(cell.get('cell_type'))[:20]} cell")
        if original_meta.get("locked") and not meta.get("locked"):
            found.append(f"{kind} {grade_id} was unlocked")
        if original_meta.get("grade") and meta.get("points") != original_meta.get("points"):
            found.append(f"{kind} {grade_id}: points changed from {_value(original_meta.get('points'))} "
                         f"to {_value(meta.get('points'))}")
        if original_meta.get("locked") and without_hidden_tests(_text(cell)) != without_hidden_tests(_text(original)):
            found.append(f"{kind} {grade_id} was edited (now begins {_shown(_text(cell))})")
    return found
