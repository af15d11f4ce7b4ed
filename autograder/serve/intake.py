"""The service's private copy of one submission, and the time it was submitted.

Everything in an inbound folder is the student's and may change after the
copy: the graded module(s) are read once, without following a link, only
when they are regular files with one name (no hard link to someone else's
file), within the engine's size bound, into STAGING/<student>/<ID>/. The
notebooks' names and submission_secret.txt (for nbgrader's feedback hash)
are read with the same rules. Nothing else is copied.

The submission time: nbgrader's timestamp.txt is written by the student's
own process, so it is believed only when the folder's ctime (set by the
kernel when the folder was written, never earlier than that) agrees within
TIMESTAMP_SLACK; otherwise the ctime is the submission time, and the
feedback says so.
"""
import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Assignment
from ..engine.lateness import MAX_TIMESTAMP_BYTES, TIMESTAMP_FILE, UnreadableTimestamp, parse_timestamp
from ..engine.submission import MAX_MODULE_BYTES
from ..engine.model import refused_module
from ..primitives import RefusedFile, read_regular
from .exchange import Exchange, Inbound, utc

SECRET_FILE = "submission_secret.txt"
MAX_SECRET_BYTES = 1024
MAX_NOTEBOOKS = 20
MAX_ENTRIES = 10_000               # names looked at in one submission folder
MAX_NOTEBOOK_BYTES = 16 * 2**20   # read only for nbgrader's legacy hash (no submission_secret.txt)
TIMESTAMP_SLACK_BEFORE = dt.timedelta(minutes=5)  # nbgrader stamps, then copies the folder
TIMESTAMP_SLACK_AFTER = dt.timedelta(minutes=1)
NBGRADER_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"


class Refused(ValueError):
    """A file the service will not read (a link, not a regular file, too large)."""


def read_bounded(path: Path, limit: int) -> bytes:
    """A regular file's bytes, never through a symbolic link, a hard link or a pipe; Refused otherwise.

    FileNotFoundError when it is not there.
    """
    try:
        return read_regular(path, limit, single_link=True)
    except RefusedFile as exc:  # the engine's one rule: not graded, with the reason
        raise Refused(refused_module(path.name, exc)[1]) from None
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise Refused(f"{path.name} cannot be read ({exc.strerror})") from None


@dataclass
class Intake:
    """What the service took from one inbound folder."""
    folder: Path                         # STAGING/<student>/<ID>/: what the engine grades
    submitted_at: dt.datetime            # the time the service believes (see the module docstring)
    secret: str | None = None
    notebooks: dict[str, Path] = field(default_factory=dict)  # notebook id -> private copy (legacy hash only)
    refusal: str = ""                    # why nothing is graded (a link in place of a module)
    notes: list[str] = field(default_factory=list)


def submission_time(folder: Path, submission: Inbound) -> tuple[dt.datetime, str]:
    """(the submission time, a note when timestamp.txt was not believed)."""
    arrived = utc(submission.arrived)
    try:
        text = read_bounded(folder / TIMESTAMP_FILE, MAX_TIMESTAMP_BYTES).decode("utf-8", errors="replace")
        stamp = parse_timestamp(text.strip())
    except (OSError, Refused, UnreadableTimestamp):
        return arrived, f"{TIMESTAMP_FILE} could not be read; the time the exchange received the submission counts"
    if arrived - TIMESTAMP_SLACK_BEFORE <= stamp <= arrived + TIMESTAMP_SLACK_AFTER:
        return stamp, ""
    return arrived, (f"{TIMESTAMP_FILE} says {stamp:%Y-%m-%d %H:%M:%S %Z}, but the exchange received the "
                     f"submission at {arrived:%Y-%m-%d %H:%M:%S %Z}; that time counts")


def take(exchange: Exchange, assignment: Assignment, submission: Inbound, staging: Path) -> Intake:
    """Copy the submission's graded module(s) into staging/<student>/<ID>/ (replacing what was there)."""
    source = submission.path(exchange)
    target = staging / submission.student / submission.assignment
    notebooks_dir = target.parent / f".{submission.assignment}.notebooks"
    for old in (target, notebooks_dir):
        if old.exists():
            shutil.rmtree(old)
    target.mkdir(parents=True)
    submitted_at, note = submission_time(source, submission)
    intake = Intake(folder=target, submitted_at=submitted_at, notes=[note] if note else [])
    (target / TIMESTAMP_FILE).write_text(submitted_at.astimezone(dt.timezone.utc).strftime(NBGRADER_TIME_FORMAT))
    if source.is_symlink() or not source.is_dir():
        intake.refusal = "the submission is not a plain folder"
        return intake
    for module in assignment.modules:
        try:
            (target / module).write_bytes(read_bounded(source / module, MAX_MODULE_BYTES))
        except FileNotFoundError:
            pass  # the engine says it is missing, with a hint from the names below
        except Refused as exc:
            intake.refusal = str(exc)
    try:
        secret = read_bounded(source / SECRET_FILE, MAX_SECRET_BYTES).decode("ascii", errors="replace")
        intake.secret = secret if secret.isprintable() and secret else None
    except (OSError, Refused):
        intake.secret = None
    with os.scandir(source) as entries:
        for count, entry in enumerate(entries):
            if len(intake.notebooks) >= MAX_NOTEBOOKS or count >= MAX_ENTRIES:
                break
            if not entry.name.endswith(".ipynb") or entry.name.startswith("."):
                continue
            notebook_id = entry.name[:-len(".ipynb")]
            copy = notebooks_dir / entry.name
            if intake.secret is None:  # the legacy hash reads the notebook: from a private copy only
                try:
                    data = read_bounded(source / entry.name, MAX_NOTEBOOK_BYTES)
                except (OSError, Refused):
                    continue
                notebooks_dir.mkdir(exist_ok=True)
                copy.write_bytes(data)
            elif not entry.is_file(follow_symlinks=False):
                continue
            intake.notebooks[notebook_id] = copy
    return intake
