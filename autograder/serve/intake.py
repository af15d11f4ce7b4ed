"""The service's private copy of one submission, and the time it was submitted.

Everything in an inbound folder is the student's and may change after the
copy, and inbound/ itself is writable by every student: the folder may be
swapped for a symbolic link to any folder the service can read at any moment.
So the folder is opened once (O_DIRECTORY|O_NOFOLLOW: a link is refused) and
every file is read relative to that descriptor (never by its path again): the
graded module(s) once, without following a link, only when they are regular
files with one name (no hard link to someone else's file), within the
engine's size bound, into STAGING/<student>/<ID>/ (0700). The notebooks'
names and submission_secret.txt (for nbgrader's feedback hash) are read with
the same rules. Nothing else is copied. The folder's owner is its
descriptor's (the service's check_owner).

The submission time: nbgrader's timestamp.txt is written by the student's
own process, so it is believed only when the folder's ctime (set by the
kernel when the folder was written, never earlier than that) agrees: from
TIMESTAMP_SLACK_BEFORE before it (nbgrader stamps, then copies the folder) to
TIMESTAMP_SLACK_AFTER after it; and when the folder arrived after the due
date, a time before the due date is believed only within CLOCK_SKEW of the
arrival (a slow copy straddling the deadline by more is taken as late and
flagged for the instructor). Otherwise the ctime is the submission time, and
the feedback says so.

The files are read later than the folder arrived (when the submission's turn
in the queue comes), and a file written over in place changes neither the
folder's ctime nor timestamp.txt. So the submission time is at least the
latest change (st_ctime, set by the kernel, and st_mtime) of every file read
from the folder, each looked at just after it was read: a change more than
COPY_SLACK after both the believed time and the arrival makes that change
the submission time, the feedback says so, and when it crosses the due date
the submission is late and flagged for the instructor.
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
from ..primitives import RefusedFile, open_folder, read_regular
from .exchange import Exchange, Inbound, utc

SECRET_FILE = "submission_secret.txt"
MAX_SECRET_BYTES = 1024
MAX_NOTEBOOKS = 20
MAX_ENTRIES = 10_000               # names looked at in one submission folder
MAX_NOTEBOOK_BYTES = 16 * 2**20   # read only for nbgrader's legacy hash (no submission_secret.txt)
TIMESTAMP_SLACK_BEFORE = dt.timedelta(minutes=5)  # nbgrader stamps, then copies the folder
TIMESTAMP_SLACK_AFTER = dt.timedelta(minutes=1)
CLOCK_SKEW = dt.timedelta(seconds=60)  # across the due date: the most a timestamp is believed before the arrival
STAGING_MODE = 0o700
NBGRADER_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"
COPY_SLACK = dt.timedelta(seconds=5)  # nbgrader's copy writes the files' contents just after it makes their names


class Refused(ValueError):
    """A file the service will not read (a link, not a regular file, too large)."""


def read_bounded(name: str, limit: int, folder_fd: int, changes: dict[str, float] | None = None) -> bytes:
    """A regular file's bytes (name: one name in the folder opened as folder_fd), never through a symbolic
    link, a hard link or a pipe; Refused otherwise. FileNotFoundError when it is not there.
    changes: where the file's latest change (st_ctime or st_mtime, looked at after the read) is put by name.
    """
    try:
        data = read_regular(name, limit, single_link=True, dir_fd=folder_fd)
    except RefusedFile as exc:  # the engine's one rule: not graded, with the reason
        raise Refused(refused_module(name, exc)[1]) from None
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise Refused(f"{name} cannot be read ({exc.strerror})") from None
    if changes is not None:
        try:  # after the read: a change before it is seen; one after it changed nothing that was read
            info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
            changes[name] = max(info.st_ctime, info.st_mtime)
        except OSError:  # gone since the read: then it changed now
            changes[name] = dt.datetime.now(dt.timezone.utc).timestamp()
    return data


@dataclass
class Intake:
    """What the service took from one inbound folder."""
    folder: Path                         # STAGING/<student>/<ID>/: what the engine grades
    submitted_at: dt.datetime            # the time the service believes (see the module docstring)
    secret: str | None = None
    notebooks: dict[str, Path] = field(default_factory=dict)  # notebook id -> private copy (legacy hash only)
    refusal: str = ""                    # why nothing is graded (a link in place of a module or the folder)
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # for the instructor (the attention list)
    owner_uid: int | None = None         # the uid owning the folder that was read (None: it was not read)
    changes: dict[str, float] = field(default_factory=dict)  # file read -> its latest change (POSIX time)


def _when(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S %Z}"


def submission_time(folder_fd: int | None, submission: Inbound, due: dt.datetime | None = None,
                    changes: dict[str, float] | None = None) -> tuple[dt.datetime, str, str]:
    """(the submission time, a note for the student when timestamp.txt was not believed, a flag for the
    instructor when it was not believed across the due date). changes: see read_bounded."""
    arrived = utc(submission.arrived)
    try:
        if folder_fd is None:
            raise FileNotFoundError(TIMESTAMP_FILE)
        text = read_bounded(TIMESTAMP_FILE, MAX_TIMESTAMP_BYTES, folder_fd, changes).decode("utf-8", errors="replace")
        stamp = parse_timestamp(text.strip())
    except (OSError, Refused, UnreadableTimestamp):
        return arrived, f"{TIMESTAMP_FILE} could not be read; the time the exchange received the submission counts", ""
    earliest = arrived - TIMESTAMP_SLACK_BEFORE
    across_due = due is not None and stamp <= due < arrived
    if across_due:
        earliest = max(earliest, arrived - CLOCK_SKEW)
    if earliest <= stamp <= arrived + TIMESTAMP_SLACK_AFTER:
        return stamp, "", ""
    note = (f"{TIMESTAMP_FILE} says {_when(stamp)}, but the exchange received the submission at {_when(arrived)}; "
            "that time counts")
    flag = ""
    if across_due:
        note += f" (after the due date, {_when(due)})"
        flag = (f"late unknown: {TIMESTAMP_FILE} says {_when(stamp)}, before the due date {_when(due)}, but the "
                f"folder arrived at {_when(arrived)}; graded as submitted then (late)")
    return arrived, note, flag


def changed_after(intake: Intake, arrived: dt.datetime, due: dt.datetime | None):
    """Make the latest change of a file read the submission time when it is later than COPY_SLACK after
    both the believed time and the arrival (written over while the submission waited), with a note, and
    a flag when that crosses the due date."""
    if not intake.changes:
        return
    name, latest = max(intake.changes.items(), key=lambda item: item[1])
    changed = dt.datetime.fromtimestamp(latest, dt.timezone.utc)
    believed = intake.submitted_at
    if changed <= max(believed, arrived) + COPY_SLACK:
        return
    intake.submitted_at = changed
    note = (f"{name} was changed at {_when(changed)}, after the submission was made ({_when(believed)}): "
            "the files graded are those of that change, so that time counts")
    if due is not None and believed <= due < changed:
        note += f" (after the due date, {_when(due)})"
        intake.flags.append(f"late unknown: {name} in the submission was changed at {_when(changed)}, after the due "
                            f"date {_when(due)}, though the submission was made at {_when(believed)}; graded as "
                            "submitted at the change (late)")
    intake.notes.append(note)


def take(exchange: Exchange, assignment: Assignment, submission: Inbound, staging: Path,
         due: dt.datetime | None = None) -> Intake:
    """Copy the submission's graded module(s) into staging/<student>/<ID>/ (replacing what was there).

    due: the student's due date (the timestamp's rule across it, see the module docstring).
    """
    source = submission.path(exchange)
    staging.mkdir(parents=True, exist_ok=True)
    os.chmod(staging, STAGING_MODE)
    target = staging / submission.student / submission.assignment
    notebooks_dir = target.parent / f".{submission.assignment}.notebooks"
    for old in (target, notebooks_dir):
        if old.is_symlink():
            old.unlink()
        elif old.exists():
            shutil.rmtree(old)
    target.parent.mkdir(mode=STAGING_MODE, exist_ok=True)
    target.mkdir(mode=STAGING_MODE)
    try:  # another OSError (EACCES, EIO) is raised: the service tries again, then reports it
        folder_fd, why = open_folder(source), ""
    except RefusedFile as exc:  # swapped for a link or a file since the listing
        folder_fd, why = None, exc.reason
    except FileNotFoundError:
        folder_fd, why = None, "it is gone from the exchange"
    try:
        changes: dict[str, float] = {}
        submitted_at, note, flag = submission_time(folder_fd, submission, due, changes)
        intake = Intake(folder=target, submitted_at=submitted_at, notes=[note] if note else [],
                        flags=[flag] if flag else [], changes=changes)
        if folder_fd is None:
            intake.refusal = f"the submission is not a plain folder ({why})"
        else:
            intake.owner_uid = os.fstat(folder_fd).st_uid
            _copy(assignment, submission, folder_fd, intake, notebooks_dir)
            changed_after(intake, utc(submission.arrived), due)
        stamp = intake.submitted_at.astimezone(dt.timezone.utc).strftime(NBGRADER_TIME_FORMAT)
        (target / TIMESTAMP_FILE).write_text(stamp)
        return intake
    finally:
        if folder_fd is not None:
            os.close(folder_fd)


def _copy(assignment: Assignment, submission: Inbound, folder_fd: int, intake: Intake, notebooks_dir: Path):
    """The module(s), the secret and the notebooks' names, from the folder opened as folder_fd."""
    for module in assignment.modules:
        try:
            (intake.folder / module).write_bytes(read_bounded(module, MAX_MODULE_BYTES, folder_fd, intake.changes))
        except FileNotFoundError:
            pass  # the engine says it is missing, with a hint from the names below
        except Refused as exc:
            intake.refusal = str(exc)
    try:
        secret = read_bounded(SECRET_FILE, MAX_SECRET_BYTES, folder_fd, intake.changes).decode("ascii",
                                                                                             errors="replace")
        intake.secret = secret if secret.isprintable() and secret else None
    except (OSError, Refused):
        intake.secret = None
    with os.scandir(folder_fd) as entries:  # a copy of the descriptor: this very folder
        for count, entry in enumerate(entries):
            if len(intake.notebooks) >= MAX_NOTEBOOKS or count >= MAX_ENTRIES:
                break
            if not entry.name.endswith(".ipynb") or entry.name.startswith("."):
                continue
            notebook_id = entry.name[:-len(".ipynb")]
            copy = notebooks_dir / entry.name
            if intake.secret is None:  # the legacy hash reads the notebook: from a private copy only
                try:
                    data = read_bounded(entry.name, MAX_NOTEBOOK_BYTES, folder_fd, intake.changes)
                except (OSError, Refused):
                    continue
                notebooks_dir.mkdir(mode=STAGING_MODE, exist_ok=True)
                copy.write_bytes(data)
            elif not entry.is_file(follow_symlinks=False):
                continue
            intake.notebooks[notebook_id] = copy
