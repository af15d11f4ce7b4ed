"""What the service has done, on disk: it survives a restart, including kill -9 at any moment.

The grade history (OUT/ledger.sqlite, engine/ledger.py) is the record of a
grade: a submission is graded into it once, as one row with why "submitted"
and run "serve <id>" (id: a digest of its inbound folder's name). Around
that, in the state folder (every write whole: a temporary file renamed):

- results/<id>.json: the result, written before its ledger row, so the
  feedback of a recorded submission can always be written again;
- done/<id>.json: the feedback was delivered (or the limits turned it away):
  nothing more to do. A submission with a ledger row but no marker only
  gets its feedback written;
- attempts/<id>: how many times grading it was started (a submission that
  keeps failing, or that the service died on, is given up after [serve]
  attempts and reported as not graded);
- staging/<student>/<ID>/: the private copy being graded; feedback/<id>/:
  the feedback as delivered (feedback.md, feedback.html); serve.log.
"""
import hashlib
import json
import os
from pathlib import Path

from ..engine import ledger as history
from ..engine.results import atomic_write

RUN_PREFIX = "serve "


def submission_id(name: str) -> str:
    """The service's name for an inbound folder (whose name is the student's text)."""
    return hashlib.sha256(name.encode("utf-8", errors="surrogateescape")).hexdigest()[:32]


class State:
    """The state folder of one service (see the module docstring)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        for name in ("staging", "done", "results", "attempts", "feedback"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)  # the course user's only: students never read the service's copies

    def remove_half_written(self):
        """The temporary files of a service that was killed (only the one holding the lock may call this)."""
        for stale in self.root.glob("*/.*.tmp"):
            stale.unlink(missing_ok=True)

    @property
    def staging(self) -> Path:
        return self.root / "staging"

    @property
    def log_file(self) -> Path:
        return self.root / "serve.log"

    @property
    def lock_file(self) -> Path:
        return self.root / "serve.lock"

    def done(self) -> dict[str, dict]:
        """id -> its marker (outcome, student, assignment, submitted_at, finished, score...)."""
        markers = {}
        for path in (self.root / "done").glob("*.json"):
            try:
                markers[path.stem] = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # half-written: the submission is done again (its ledger row stops a second grade)
        return markers

    def mark_done(self, sid: str, marker: dict):
        atomic_write(self.root / "done" / f"{sid}.json", json.dumps(marker, sort_keys=True) + "\n")

    def save_result(self, sid: str, data: dict):
        atomic_write(self.root / "results" / f"{sid}.json", json.dumps(data, sort_keys=True) + "\n")

    def saved_result(self, sid: str) -> dict | None:
        try:
            return json.loads((self.root / "results" / f"{sid}.json").read_text())
        except (OSError, ValueError):
            return None

    def attempts(self, sid: str) -> int:
        try:
            return int((self.root / "attempts" / sid).read_text() or 0)
        except (OSError, ValueError):
            return 0

    def count_attempt(self, sid: str) -> int:
        """One more attempt at grading sid, on disk before it starts; return the count."""
        count = self.attempts(sid) + 1
        atomic_write(self.root / "attempts" / sid, str(count))
        return count

    def feedback_dir(self, sid: str) -> Path:
        return self.root / "feedback" / sid


def recorded(ledger: history.Ledger) -> set[str]:
    """The ids of the submissions the service graded into this ledger."""
    rows = ledger.db.execute("SELECT DISTINCT run FROM entries WHERE kind = 'grade' AND why = ?",
                             (history.SUBMITTED,)).fetchall()
    return {row["run"][len(RUN_PREFIX):] for row in rows if row["run"].startswith(RUN_PREFIX)}
