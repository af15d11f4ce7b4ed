"""The grade history of an output folder: OUT/ledger.sqlite, appended to and never rewritten.

Every grade the engine records is one row (kind "grade"): when (UTC), which
run, the fingerprint it was graded from, the status, the score and the
points of each test, and why it was recorded (WHY). An instructor's override
is a row too (kind "override"): the score of record it sets (or the points of
one test), the instructor's reason and comment, and the engine's score at
that moment; a comment alone is a row with no score and no tests (the grade
that stands, and its reason, stay; the comment joins the earlier ones);
clearing one appends a row with no score. Triggers refuse every
UPDATE and DELETE. regrades.csv, `course history` and the overrides shown by
grades.csv, the report and the exports are all read from here.

Each write is its own short transaction (SQLite's locking, write-ahead log), so two
`course grade` runs at once append without losing a row; `exclusive()` holds
the write lock while a run writes the files derived from the ledger. An
output folder graded before the ledger existed (results.json only) is
migrated when the ledger is first opened: one row per result, why "migrated",
and the override its results.json records (extra_data.override) as override rows.

The API stays small: open_ledger(out_dir), record(result, why, run), the
override calls, history(), overrides(), regrades(); a feedback service
records with why SUBMITTED.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import secrets
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from . import output_names
from .model import Override, ResultFormatError, SubmissionResult

LEDGER_NAME = output_names.LEDGER
NEW, CHANGED_SUBMISSION, CHANGED_GRADERS, CHANGED_SETTINGS = "new", "changed submission", "changed graders", \
    "changed settings"
EXTENSION, FORCED, RETRIED, MIGRATED, SUBMITTED = "extension", "forced", "retried (not graded before)", \
    "migrated", "submitted"
OVERRIDE, OVERRIDE_CLEARED = "override", "override cleared"
BUSY_SECONDS = 60.0  # how long a run waits for another run's write lock

_SCHEMA = ("""
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    run TEXT NOT NULL,
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('grade', 'override')),
    why TEXT NOT NULL,
    status TEXT,
    score REAL,
    max_score REAL,
    tests TEXT NOT NULL DEFAULT '{}',
    fingerprint TEXT,
    note TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    engine_score REAL
)""",
    "CREATE INDEX IF NOT EXISTS entries_by_student ON entries (student, assignment, id)",
    """CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries
    BEGIN SELECT RAISE(ABORT, 'the grade history is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries
    BEGIN SELECT RAISE(ABORT, 'the grade history is append-only'); END""",
)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_run_id() -> str:
    """A run's id: its UTC start and a random part, e.g. 2026-12-06T20:41:07Z-3f9a1c."""
    return f"{now()}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Entry:
    """One row of the history. tests: test -> points; score None: not graded, or an override cleared."""
    id: int
    at: str
    run: str
    student: str
    assignment: str
    kind: str
    why: str
    status: str | None
    score: float | None
    max_score: float | None
    tests: dict = field(default_factory=dict)
    fingerprint: str | None = None
    note: str = ""
    comment: str = ""
    engine_score: float | None = None


def fingerprint_text(f) -> str | None:
    """How the ledger keeps a fingerprint (model.Fingerprint, or None)."""
    return f"files {f.files[:12]} graders {f.graders[:12]} settings {f.settings[:12]}" if f else None


class Ledger:
    """OUT/ledger.sqlite, open. Use open_ledger() or read_ledger()."""

    def __init__(self, connection: sqlite3.Connection, out_dir: Path):
        self.db, self.out_dir = connection, out_dir

    def close(self):
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextlib.contextmanager
    def exclusive(self):
        """The write lock for a block (files derived from the ledger are written under it)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _append(self, **row):
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.db.execute(f"INSERT INTO entries ({columns}) VALUES ({marks})", tuple(row.values()))

    def record(self, result: SubmissionResult, why: str, run: str, at: str | None = None):
        """Append the grade the engine recorded for result."""
        self._append(at=at or now(), run=run, student=result.student, assignment=result.assignment, kind="grade",
                     why=why, status=result.status, score=result.score, max_score=result.max_score,
                     tests=json.dumps({t.test: t.score for t in result.tests}, sort_keys=True),
                     fingerprint=fingerprint_text(result.fingerprint), note=result.reason)

    def set_override(self, result: SubmissionResult, reason: str, run: str, score: float | None = None,
                     test: str | None = None, points: float | None = None, comment: str = "") -> Override:
        """Record an override of result's grade: a whole score, or one test's points (kept with earlier ones), or
        a comment alone (no score, no tests: the standing grade and its reason stay)."""
        tests = {}
        current = self.overrides(result.student, result.assignment).get((result.student, result.assignment))
        if score is None and test is not None:
            tests = dict(current.tests) if current is not None and current.score is None else {}
            tests[test] = float(points)
        self._append(at=now(), run=run, student=result.student, assignment=result.assignment, kind="override",
                     why=OVERRIDE, status=result.status, score=score, max_score=result.max_score,
                     tests=json.dumps(tests, sort_keys=True), note=reason, comment=comment,
                     engine_score=result.score)
        return self.overrides()[(result.student, result.assignment)]

    def clear_override(self, result: SubmissionResult, reason: str, run: str):
        self._append(at=now(), run=run, student=result.student, assignment=result.assignment, kind="override",
                     why=OVERRIDE_CLEARED, status=result.status, max_score=result.max_score, note=reason,
                     engine_score=result.score)

    def history(self, student: str | None = None, assignment: str | None = None) -> list[Entry]:
        """Every row, oldest first, of one student and/or assignment (None: all)."""
        query, params = "SELECT * FROM entries WHERE 1=1", []
        if student is not None:
            query += " AND student = ?"
            params.append(student)
        if assignment is not None:
            query += " AND assignment = ?"
            params.append(assignment)
        rows = self.db.execute(query + " ORDER BY id", params).fetchall()
        return [Entry(**{**dict(row), "tests": json.loads(row["tests"] or "{}")}) for row in rows]

    def overrides(self, student: str | None = None, assignment: str | None = None) -> dict[tuple[str, str], Override]:
        """(student, assignment) -> the override that stands (the latest override row that sets a grade, unless
        cleared since, with every comment since), of one student and/or assignment (None: all)."""
        standing = {}
        for entry in self.history(student, assignment):
            if entry.kind == "override":
                _stand(standing, entry)
        return standing

    def latest_fingerprint(self, student: str, assignment: str) -> str | None:
        """The fingerprint (fingerprint_text) of the latest grade recorded for student's assignment, by any run."""
        row = self.db.execute("SELECT fingerprint FROM entries WHERE student = ? AND assignment = ? AND kind = "
                              "'grade' ORDER BY id DESC LIMIT 1", (student, assignment)).fetchone()
        return row["fingerprint"] if row is not None else None

    def regrades(self) -> list[dict]:
        """Every regrade of every run: per changed test and in total, the old and the new points."""
        def fmt(x):
            return "" if x is None else f"{x:g}"
        rows, last, standing = [], {}, {}
        for entry in self.history():
            if entry.kind != "grade":
                _stand(standing, entry)
                continue
            key = (entry.student, entry.assignment)
            old = last.get(key)
            last[key] = entry
            if old is None or entry.why == MIGRATED:
                continue
            base = {"at": entry.at, "run": entry.run, "student": entry.student, "assignment": entry.assignment,
                    "why": entry.why}
            for test in sorted(set(old.tests) | set(entry.tests)):
                a, b = old.tests.get(test), entry.tests.get(test)
                if a != b:
                    rows.append({**base, "test": test, "old_score": fmt(a), "new_score": fmt(b),
                                 "change": fmt((b or 0) - (a or 0))})
            change = "" if old.score is None or entry.score is None else fmt(round(entry.score - old.score, 6))
            override = standing.get(key)
            rows.append({**base, "test": "TOTAL", "old_score": fmt(old.score) if old.score is not None else old.status,
                         "new_score": fmt(entry.score) if entry.score is not None else entry.status,
                         "change": change, "override": override.stands(entry.tests, entry.score) if override else ""})
        return rows


def _stand(standing: dict, entry: Entry):
    """Apply one override row to standing ((student, assignment) -> Override), in place: a comment alone keeps
    the grade that stands (its score, tests and reason); every comment is kept, with its date."""
    key = (entry.student, entry.assignment)
    if entry.why == OVERRIDE_CLEARED:
        standing.pop(key, None)
        return
    before = standing.get(key)
    comments = (before.dated_comments if before is not None else ()) + (((entry.at, entry.comment),)
                                                                          if entry.comment else ())
    if before is not None and entry.score is None and not entry.tests:  # a comment alone
        standing[key] = dataclasses.replace(before, comment=entry.comment or before.comment, comments=comments)
    else:
        standing[key] = Override(entry.student, entry.assignment, entry.score, entry.tests, entry.note,
                                 entry.comment or (before.comment if before is not None else ""), entry.engine_score,
                                 entry.at, comments)


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode=ro" if read_only else str(path)
    db = sqlite3.connect(uri, uri=read_only, timeout=BUSY_SECONDS, isolation_level=None)
    db.row_factory = sqlite3.Row
    return db


def open_ledger(out_dir: Path) -> Ledger:
    """The ledger of out_dir, made (and the results.json already there migrated into it) if it is new."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    os.close(os.open(out_dir / LEDGER_NAME, os.O_CREAT | os.O_RDONLY, 0o600))  # made 0600: hidden tests' points
    db = _connect(out_dir / LEDGER_NAME, read_only=False)
    # Write-ahead logging: a row costs no fsync of its own (a crash may lose the last rows, never the file);
    # its -wal and -shm files go when the last connection closes. Where WAL is not possible, the default stays.
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    ledger = Ledger(db, out_dir)
    with ledger.exclusive():
        new = db.execute("SELECT name FROM sqlite_master WHERE name = 'entries'").fetchone() is None
        for statement in _SCHEMA:
            db.execute(statement)
        if new:
            _migrate(ledger)
    return ledger


def read_ledger(out_dir: Path) -> Ledger | None:
    """The ledger of out_dir for reading, or None when there is none (nothing is created).

    Opened for writing where the folder allows it, so that closing it removes the write-ahead
    log's files; read-only otherwise.
    """
    path = Path(out_dir) / LEDGER_NAME
    if not path.is_file():
        return None
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    return Ledger(_connect(path, read_only=not writable), Path(out_dir))


def _migrate(ledger: Ledger):
    """One "migrated" row per results.json already in the folder, dated by the file, and the override it records
    (extra_data.override) as override rows: its grade (with the comment made with it), then one row per comment."""
    from .results import load_result, recorded_override  # results renders from the ledger too

    for path in sorted(ledger.out_dir.glob("*/*/results.json")):
        try:
            result = load_result(path)
        except ResultFormatError:
            continue
        at = dt.datetime.fromtimestamp(os.stat(path).st_mtime, dt.timezone.utc)
        at = at.isoformat(timespec="seconds").replace("+00:00", "Z")
        ledger.record(result, MIGRATED, "migration", at=at)
        override = recorded_override(path)
        if override is not None:
            _migrate_override(ledger, result, override, at)


def _migrate_override(ledger: Ledger, result: SubmissionResult, override: dict, at: str):
    """The override rows of what results.json recorded (results.recorded_override) of result; at: the file's date."""
    comments = list(override["comments"])
    made_at = override["at"] or at
    rows = []
    if override["score"] is not None or override["tests"]:
        text = comments.pop(0)[1] if comments and comments[0][0] == override["at"] else ""
        rows.append((made_at, None if override["tests"] else override["score"], override["tests"], text))
    rows += [(when or made_at, None, {}, text) for when, text in comments]
    for when, score, tests, text in rows:
        ledger._append(at=when, run="migration", student=result.student, assignment=result.assignment,
                       kind="override", why=OVERRIDE, status=result.status, score=score, max_score=result.max_score,
                       tests=json.dumps(tests, sort_keys=True), note=override["reason"], comment=text,
                       engine_score=override["engine_score"])
