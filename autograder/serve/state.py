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
- attempts/<id>: one line per start of its grading ("<run> started", the
  service run's id) and per failure while that run lived ("<run> failed": the
  worker died, overran or could not grade). Only failures count against
  [serve] attempts; a start whose service run ended without a word (SIGTERM,
  kill -9, `systemctl restart`) was the service's stop, not the submission's
  fault, and is not counted;
- regrade/<id>: how many times the instructor asked `--regrade` (the next
  grade is recorded with run "serve <id>#<n>", so it is not taken for the
  earlier one);
- staging/<student>/<ID>/: the private copy being graded; feedback/<id>/:
  the feedback as delivered (feedback.md, feedback.html); serve.log.
"""
import hashlib
import json
import os
from pathlib import Path

from ..engine import ledger as history
from ..primitives import atomic_write

RUN_PREFIX = "serve "


def submission_id(name: str) -> str:
    """The service's name for an inbound folder (whose name is the student's text)."""
    return hashlib.sha256(name.encode("utf-8", errors="surrogateescape")).hexdigest()[:32]


class State:
    """The state folder of one service (see the module docstring)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        for name in ("staging", "done", "results", "attempts", "feedback", "regrade"):
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

    def _attempt_lines(self, sid: str) -> list[tuple[str, str]]:
        try:
            text = (self.root / "attempts" / sid).read_text()
        except OSError:
            return []
        return [tuple(line.rsplit(" ", 1)) for line in text.splitlines()
                if line.rsplit(" ", 1)[-1] in ("started", "failed") and " " in line]

    def _add_attempt_line(self, sid: str, run: str, what: str):
        lines = [f"{r} {w}" for r, w in self._attempt_lines(sid)] + [f"{run} {what}"]
        atomic_write(self.root / "attempts" / sid, "\n".join(lines) + "\n")

    def failures(self, sid: str) -> int:
        """The attempts that count: grading failed while the service lived."""
        return sum(what == "failed" for _, what in self._attempt_lines(sid))

    def interrupted(self, sid: str, current_run: str = "") -> int:
        """The starts whose service run stopped before the attempt ended (not counted)."""
        lines = [(run, what) for run, what in self._attempt_lines(sid) if run != current_run]
        return sum(max(0, lines.count((run, "started")) - lines.count((run, "failed")))
                   for run in {run for run, _ in lines})

    def start_attempt(self, sid: str, run: str):
        """On disk before a worker is started: service run `run` starts grading sid."""
        self._add_attempt_line(sid, run, "started")

    def fail_attempt(self, sid: str, run: str) -> int:
        """Grading sid failed while run lived (it counts); return the count of failures."""
        self._add_attempt_line(sid, run, "failed")
        return self.failures(sid)

    def regrades(self) -> dict[str, int]:
        """id -> how many times `--regrade` was asked for it."""
        asked = {}
        for path in (self.root / "regrade").iterdir():
            if path.name.startswith("."):
                continue
            try:
                asked[path.name] = int(path.read_text())
            except (OSError, ValueError):
                continue
        return asked

    def regrade(self, sid: str, times: int):
        """Grade sid again at the next start: forget its marker, result and attempts, count the regrade."""
        atomic_write(self.root / "regrade" / sid, f"{times}\n")
        for path in (self.root / "done" / f"{sid}.json", self.root / "results" / f"{sid}.json",
                     self.root / "attempts" / sid):
            path.unlink(missing_ok=True)

    def feedback_dir(self, sid: str) -> Path:
        return self.root / "feedback" / sid


def record_key(sid: str, regrades: int = 0) -> str:
    """What follows RUN_PREFIX in the run of sid's ledger row: sid, or sid#n after the n-th `--regrade`."""
    return f"{sid}#{regrades}" if regrades else sid


def recorded(ledger: history.Ledger) -> set[str]:
    """The record keys (record_key) of the submissions the service graded into this ledger."""
    rows = ledger.db.execute("SELECT DISTINCT run FROM entries WHERE kind = 'grade' AND why = ?",
                             (history.SUBMITTED,)).fetchall()
    return {row["run"][len(RUN_PREFIX):] for row in rows if row["run"].startswith(RUN_PREFIX)}
