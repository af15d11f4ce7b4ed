"""nbgrader's exchange as the service sees it: inbound/ (students write), feedback/ (the service writes).

``nbgrader submit`` copies a student's assignment folder to
``<root>/<course_id>/inbound/<student>+<assignment>+<timestamp>+<random>/``
with ``timestamp.txt`` and ``submission_secret.txt``; ``nbgrader
fetch_feedback`` looks for ``<root>/<course_id>/feedback/<hash>.html`` where
hash is nbgrader's ``notebook_hash(secret=..., notebook_id=...)`` of each
notebook of the submission (older submissions without a secret: the legacy
hash of the notebook's bytes and nbgrader's unique key). Every name in
inbound/ is the students': it is parsed whole, never trusted as a path.
"""
import datetime as dt
import heapq
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Course
from ..primitives import atomic_write
from ..student_ids import is_valid_student_id
from ..errors import UserError

MAX_PENDING = 100_000         # submissions not yet finished kept per scan (the earliest; the rest wait, said)
MAX_REFUSED_NAMES = 1_000     # names of entries that are not submissions kept per scan (the rest are counted)
MAX_NAME_CHARS = 400
FEEDBACK_FILE_MODE = 0o644    # students read their own file, by its unguessable name
FEEDBACK_DIR_MODE = 0o711     # ... but cannot list the folder (as `nbgrader release_feedback` makes it)
SERVICE_LOCK = ".course-serve.lock"  # in feedback/: one `course serve` per exchange course (its pid, state folder)


class ExchangeError(UserError):
    """The exchange cannot be used (missing folder, unreadable configuration): the service does not start."""


@dataclass(frozen=True)
class Exchange:
    root: Path
    course_id: str

    @property
    def inbound(self) -> Path:
        return self.root / self.course_id / "inbound"

    @property
    def feedback(self) -> Path:
        return self.root / self.course_id / "feedback"

    @property
    def service_lock(self) -> Path:
        return self.feedback / SERVICE_LOCK


def _nbgrader_config(course_dir: Path):
    """The configuration nbgrader reads from course_dir/nbgrader_config.py (traitlets' own loader)."""
    from traitlets.config.loader import PyFileConfigLoader

    saved = os.environ.get("COURSE_TOML")
    try:  # the course's configuration sets $COURSE_TOML for nbgrader's kernels: not for this process
        return PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()
    finally:
        os.environ.pop("COURSE_TOML", None)
        if saved is not None:
            os.environ["COURSE_TOML"] = saved


def find_exchange(course: Course, course_dir: Path, root: Path | None = None) -> Exchange:
    """The exchange of the nbgrader course in course_dir (made by `course nbgrader init`).

    root: the exchange's root instead of the one nbgrader_config.py sets (else nbgrader's default).
    """
    from nbgrader.exchange.default.exchange import Exchange as NbgraderExchange

    config_file = course_dir / "nbgrader_config.py"
    if not config_file.is_file():
        raise ExchangeError(f"{config_file}: not found; run `course nbgrader init {course_dir}` first")
    try:
        config = _nbgrader_config(course_dir)
    except Exception as exc:  # the instructor's own Python file
        raise ExchangeError(f"{config_file}: cannot be loaded: {exc}") from None
    course_id = config.CourseDirectory.get("course_id") or course.id
    if course_id != course.id:
        raise ExchangeError(f"{config_file}: CourseDirectory.course_id is {course_id!r}, but course.toml's "
                            f"[course] id is {course.id!r}")
    given = root is not None
    if root is None:
        root = Path(config.Exchange.get("root") or NbgraderExchange.root.default_value)
    exchange = Exchange(Path(root), course_id)
    if not exchange.inbound.is_dir():
        where = (f"the exchange root is {root} (from --exchange: is it the c.Exchange.root of "
                 f"{config_file}?)" if given else f"the exchange root is {root} (set c.Exchange.root in "
                 f"{config_file}, or give --exchange)")
        raise ExchangeError(f"{exchange.inbound}: no inbound folder; {where}; `nbgrader release_assignment` "
                            "makes it")
    return exchange


@dataclass(frozen=True)
class Inbound:
    """One submission in inbound/: its folder's name, and what the name says."""
    name: str
    student: str
    assignment: str
    timestamp: str            # as in the name (the student's clock, via nbgrader)
    arrived: float            # the folder's ctime (the kernel's clock; a student cannot set it earlier)

    def path(self, exchange: Exchange) -> Path:
        return exchange.inbound / self.name


def parse_inbound_name(name: str, assignment_ids) -> tuple[str, str, str] | None:
    """(student, assignment, timestamp) from ``student+assignment+timestamp[+random]``, or None.

    The student id may hold '+' (the course's id rule allows it), so the name is read from the right.
    """
    if len(name) > MAX_NAME_CHARS or "/" in name or name.startswith("."):
        return None
    parts = name.split("+")
    for tail in (2, 1):  # with nbgrader's random part, then without
        if len(parts) < tail + 2:
            continue
        assignment, timestamp = parts[-tail - 1], parts[-tail]
        student = "+".join(parts[:-tail - 1])
        if assignment in assignment_ids and is_valid_student_id(student) \
                and timestamp and len(timestamp) <= 64 and timestamp.isprintable():
            return student, assignment, timestamp
    return None


@dataclass
class Listing:
    """One listing of inbound/: the submissions still to finish, and what was left aside (never silently)."""
    submissions: list[Inbound] = field(default_factory=list)  # by arrival; at most max_pending
    entries: int = 0              # everything listed
    refused: set[str] = field(default_factory=set)  # names that are not a submission (at most max_refused)
    refused_count: int = 0        # all of them
    finished: int = 0             # submissions the caller had finished
    waiting_beyond: int = 0       # submissions beyond max_pending: taken at a later scan, once earlier ones are done


def scan_inbound(exchange: Exchange, assignment_ids, finished=None, max_pending: int = MAX_PENDING,
                 max_refused: int = MAX_REFUSED_NAMES) -> Listing:
    """The submissions in inbound/ (plain folders with a name nbgrader writes), by arrival.

    The folder is read as a stream: however many entries it holds (a student can fill it with junk), memory
    is bounded by what is kept: at most max_pending submissions (the earliest arrivals; the count of the rest
    is in waiting_beyond), at most max_refused names that are not submissions (all counted).
    finished: a predicate on a folder's name, true for a submission the caller has finished (not kept).
    """
    listing = Listing()
    heap: list = []  # (-arrived, -name order): the latest arrival on top, dropped first
    try:
        with os.scandir(exchange.inbound) as entries:
            for entry in entries:
                listing.entries += 1
                parsed = parse_inbound_name(entry.name, assignment_ids)
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if parsed is None or not stat.S_ISDIR(info.st_mode):
                    if not entry.name.startswith("."):
                        listing.refused_count += 1
                        if len(listing.refused) < max_refused:
                            listing.refused.add(entry.name)
                    continue
                if finished is not None and finished(entry.name):
                    listing.finished += 1
                    continue
                item = _Latest(Inbound(entry.name, *parsed, arrived=info.st_ctime))
                if len(heap) < max_pending:
                    heapq.heappush(heap, item)
                else:
                    listing.waiting_beyond += 1
                    heapq.heappushpop(heap, item)
    except OSError as exc:
        raise ExchangeError(f"{exchange.inbound}: cannot be listed ({exc.strerror})") from None
    listing.submissions = sorted((item.inbound for item in heap), key=lambda s: (s.arrived, s.name))
    return listing


@dataclass(frozen=True)
class _Latest:
    """A submission ordered so that the latest arrival is the least (heapq's top: the first left aside)."""
    inbound: Inbound

    def __lt__(self, other: "_Latest") -> bool:
        return (self.inbound.arrived, self.inbound.name) > (other.inbound.arrived, other.inbound.name)


def utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


def feedback_names(course_id: str, submission: Inbound, secret: str | None,
                   notebooks: dict[str, Path]) -> dict[str, str]:
    """notebook id -> the file name `nbgrader fetch_feedback` looks for, by nbgrader's own hash.

    notebooks: notebook id -> the service's private copy of it (only read for the legacy hash).
    """
    from nbgrader.utils import make_unique_key, notebook_hash

    names = {}
    for notebook_id, copy in notebooks.items():
        if secret:
            names[notebook_id] = notebook_hash(secret=secret, notebook_id=notebook_id) + ".html"
        else:
            key = make_unique_key(course_id, submission.assignment, notebook_id, submission.student,
                                  submission.timestamp)
            names[notebook_id] = notebook_hash(str(copy), key) + ".html"
    return names


def ensure_feedback_dir(exchange: Exchange) -> Path:
    """feedback/, made as `nbgrader release_feedback` makes it (0711) when it is not there."""
    folder = exchange.feedback
    if not folder.is_dir():
        folder.mkdir(mode=FEEDBACK_DIR_MODE, parents=False, exist_ok=True)
        os.chmod(folder, FEEDBACK_DIR_MODE)
    return folder


def write_feedback_file(exchange: Exchange, name: str, text: str) -> Path:
    """feedback/<name>, written whole (a temporary file renamed), readable by its student."""
    folder = ensure_feedback_dir(exchange)
    atomic_write(folder / name, text, mode=FEEDBACK_FILE_MODE)
    return folder / name
