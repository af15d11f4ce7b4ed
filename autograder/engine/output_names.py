"""The names an output folder (OUT/) uses for itself, in one place: never a student's folder there.

OUT/<student>/ holds a student's results, so a student id equal to one of
these names would collide with the engine's own file (a crash, or one
student's results inside the grade history). submission.py refuses such a
folder by name, with the reason; ledger.py, report/write.py and
attention.py take their names from here.
"""
import re

LEDGER = "ledger.sqlite"  # with SQLite's side files beside it: -wal, -shm, -journal
SQLITE_SIDE_FILES = tuple(LEDGER + suffix for suffix in ("-wal", "-shm", "-journal"))
GRADES_CSV, REGRADES_CSV = "grades.csv", "regrades.csv"
REPORT = "report.html"  # with its figures report-<assignment>-<kind>.png
SIMILARITY = "similarity"  # similarity/<assignment>/similarity.csv (and similarity.csv, .html with --out OUT)
NAMES = frozenset({LEDGER, *SQLITE_SIDE_FILES, GRADES_CSV, REGRADES_CSV, REPORT, "report", "export", SIMILARITY,
                   "similarity.csv", "similarity.html"})
_PATTERNS = re.compile(r"ledger\.sqlite.*|report-.*\.png|similarity.*")


def is_output_name(name: str) -> bool:
    """Whether name is (or may become) one of the output folder's own files or folders."""
    return name in NAMES or _PATTERNS.fullmatch(name) is not None
