"""Each LMS's naming of a submissions download, read back into (who, which file).

Canvas ("Download Submissions"): one flat zip; each file is named
    <sortable name>[_LATE]_<user id>_<attachment id>_<file name as uploaded>
the name lower case, letters and digits only ("Lovelace, Ada" -> lovelaceada),
_LATE when Canvas counts the submission late, and a file uploaded again gets
Canvas's "-1", "-2" before its extension (neuron-1.py). Canvas records no
submission time in the download, only the LATE marker.

Moodle (assignment, "Download all submissions", in folders, the default since
Moodle 3.1): one folder per participant
    <Full Name>_<participant id>_assignsubmission_file_/<file>
or, unticked, flat files <Full Name>_<participant id>_assignsubmission_file_<file>;
the online text plugin's files (assignsubmission_onlinetext) are not code.
Its grading worksheet (a CSV with "Identifier" = "Participant <id>" and
"Last modified (submission)") holds the submission times.

Plain: a folder (or zip) of per-student folders <student>/<files>, or
nbgrader's <student>/<ASSIGNMENT>/<files>.
"""
import re
from dataclasses import dataclass

CANVAS = re.compile(r"^(?P<name>[a-z0-9]*?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<attachment>\d+)_(?P<file>[^/]+)$")
CANVAS_TEXT = re.compile(r"^(?P<name>[a-z0-9]*?)(?P<late>_LATE)?_(?P<user>\d+)_(?:text|link|online_url)\.\w+$")
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$")
RESUBMITTED = re.compile(r"^(?P<stem>.+?)(?P<copies>(?:-\d+)+)(?P<ext>\.[^.]+)$")


@dataclass
class Piece:
    """One file of one student's submission, as the download names it."""
    platform: str            # "canvas", "moodle" or "folder"
    who: str                 # the download's name for the student (for messages)
    lms_id: str              # the LMS's user id ("" for a plain folder)
    names: tuple             # names to match against the roster's name column
    ids: tuple               # strings to match against student, login, sis_id, email
    file: str                # its path inside the student's submission
    source: str              # its path inside the download
    late: bool = False       # Canvas's LATE marker
    copy: int = 0            # Canvas's resubmission number (the "-N" it added), 0 for none


def canvas_file_name(name: str, expected: set[str]) -> tuple[str, int]:
    """An uploaded file's name without Canvas's "-N" resubmission suffix, when that gives an expected name."""
    match = RESUBMITTED.match(name)
    if match and name not in expected and match["stem"] + match["ext"] in expected:
        return match["stem"] + match["ext"], int(match["copies"].rsplit("-", 1)[1])
    return name, 0


def recognise(path: str, assignment_id: str, expected: set[str]) -> Piece | str:
    """The Piece a download path is, or why it is none of a student's files."""
    parts = path.split("/")
    top = parts[0]
    if len(parts) == 1:
        if canvas := CANVAS.match(top):
            file, copy = canvas_file_name(canvas["file"], expected)
            return Piece("canvas", f"{canvas['name']} (Canvas user {canvas['user']})", canvas["user"],
                         (canvas["name"],), (), file, path, late=bool(canvas["late"]), copy=copy)
        if CANVAS_TEXT.match(top):
            return "a Canvas text or link entry, not a file"
        if (moodle := MOODLE.match(top)) and moodle["file"]:
            return _moodle(moodle, moodle["file"], path)
        return "not named by Canvas's or Moodle's convention, and not inside a student's folder"
    if moodle := MOODLE.match(top):
        return _moodle(moodle, "/".join(parts[1:]), path)
    rest = parts[1:]
    if len(rest) > 1 and rest[0] == assignment_id:
        rest = rest[1:]  # nbgrader's <student>/<ASSIGNMENT>/
    return Piece("folder", top, "", (), (top,), "/".join(rest), path)


def _moodle(match, file: str, path: str) -> Piece | str:
    if match["plugin"] != "file":
        return f"Moodle's {match['plugin']} submission, not a file"
    name = match["name"]
    return Piece("moodle", f"{name} (Moodle participant {match['user']})", match["user"], (name,), (),
                 file, path)


def moodle_worksheet(text: str) -> dict[str, str] | None:
    """participant id -> "Last modified (submission)" from Moodle's grading worksheet, or None if text is not one."""
    import csv

    reader = csv.DictReader(text.splitlines())
    fields = reader.fieldnames or []
    if "Identifier" not in fields or "Last modified (submission)" not in fields:
        return None
    times = {}
    for row in reader:
        ident = re.match(r"^\D*(\d+)$", (row.get("Identifier") or "").strip())
        when = (row.get("Last modified (submission)") or "").strip()
        if ident and when and when != "-":
            times[ident[1]] = when
    return times
