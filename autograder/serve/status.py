"""``course serve --status``: is it running, what waits, the last results, what went wrong.

Read from disk only (the exchange, the state folder, the output folder and
the log), so it answers the same whether the service runs or not.
"""
import fcntl
import os
import textwrap
from pathlib import Path

from ..engine.attention import attention_list
from ..engine.ledger import read_ledger
from ..engine.results import collect_results
from ..student_ids import shown
from .exchange import Exchange, ExchangeError, Listing, scan_inbound, utc
from . import limits
from .state import State, record_key, recorded, submission_id

SHOWN = 10
LOG_TAIL_BYTES = 64 * 1024


def _short(text: str, width: int) -> str:
    """text on one line, cut at a word boundary with an ellipsis when longer than width."""
    return textwrap.shorten(str(text), width=width, placeholder=" …") or str(text)[:width]


def lock_holder(path: Path) -> list[str] | None:
    """[pid, state folder] written in a lock that a running service holds, else None (no lock, or free)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return (os.pread(fd, 4096, 0).decode(errors="replace").strip().split(" ", 1) + ["?", "?"])[:2]
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _running(state: State) -> str:
    if not state.lock_file.exists():
        return "not running (never started with this state folder)"
    holder = lock_holder(state.lock_file)
    return f"running (pid {holder[0] or '?'})" if holder else "not running"


def _log_problems(log_file: Path) -> list[str]:
    try:
        with open(log_file, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - LOG_TAIL_BYTES))
            lines = f.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return []
    return [line[:300] for line in lines if " WARNING " in line or " ERROR " in line][-SHOWN:]


def listing_problems(listing: Listing) -> list[str]:
    """What the listing of inbound/ left aside, for the instructor."""
    problems = []
    if listing.refused_count:
        problems.append(f"inbound/ holds {listing.refused_count} entries that are not submissions (links, files, "
                        "other names; left alone, named once each in the log)")
    if listing.waiting_beyond:
        problems.append(f"{listing.waiting_beyond} submission(s) wait beyond the {len(listing.submissions)} earliest "
                        "kept per listing (taken as earlier ones finish)")
    return problems


def status_lines(course, exchange: Exchange, state_dir: Path, out_dir: Path) -> list[str]:
    state = State(state_dir)
    lines = [f"course serve for {course.name} ({course.id}): {_running(state)}",
             f"  exchange: {exchange.inbound}", f"  results and grade history: {out_dir}",
             f"  log: {state.log_file}", f"  {limits.describe(course.serve)}"]
    other = lock_holder(exchange.service_lock)
    if other and Path(other[1]) != state.root.resolve():
        lines.append(f"  this exchange is served by another `course serve`: pid {other[0]}, state folder {other[1]}")
    done = state.done()
    ledger = read_ledger(out_dir)
    graded = recorded(ledger) if ledger is not None else set()
    if ledger is not None:
        ledger.close()
    regrades = state.regrades()

    def finished(name: str) -> bool:
        sid = submission_id(name)
        return sid in done or record_key(sid, regrades.get(sid, 0)) in graded
    try:
        listing = scan_inbound(exchange, {a.id for a in course.assignments}, finished)
    except ExchangeError as exc:
        listing = Listing()
        lines.append(f"  cannot list the exchange: {exc}")
    queue = listing.submissions
    lines.append(f"queue: {len(queue) + listing.waiting_beyond} submission(s) waiting or being graded")
    for s in queue[:SHOWN]:
        sid = submission_id(s.name)
        tries = state.failures(sid)
        lines.append(f"  {s.student} {s.assignment} arrived {utc(s.arrived):%Y-%m-%d %H:%M:%S UTC}"
                     + (f", {tries} failed attempt(s) so far" if tries else ""))
    recent = sorted(done.values(), key=lambda m: m.get("finished", ""), reverse=True)
    lines.append(f"last results ({min(SHOWN, len(recent))} of {len(recent)}):")
    for m in recent[:SHOWN]:
        what = (f"{m['score']:g}/{m['max_score']:g}" if m.get("score") is not None
                else f"{m.get('outcome', '?')}: {_short(m.get('reason', ''), 120)}")
        lines.append(f"  {m.get('finished', '?')} {shown(m.get('student', '?'))} {m.get('assignment', '?')}: {what}")
    errors = [m for m in recent if m.get("outcome") == "not graded"]
    lines.append(f"errors: {len(errors)} submission(s) not graded" + (":" if errors else ""))
    for m in errors[:SHOWN]:
        lines.append(f"  {shown(m.get('student', '?'))} {m.get('assignment', '?')}: {_short(m.get('reason', ''), 300)}")
    results, _ = collect_results(out_dir) if out_dir.is_dir() else ([], [])
    attention = attention_list(results, {}, out_dir)
    service_problems = listing_problems(listing)
    lines.append(f"needs attention: {len(attention) + len(service_problems)}"
                 + (" (`course report` lists them all)" if attention else ""))
    lines += [f"  {problem}" for problem in service_problems]
    if errors:
        lines.append("  to grade a NOT GRADED submission again: course serve DIR --regrade STUDENT ASSIGNMENT")
    problems = _log_problems(state.log_file)
    if problems:
        lines.append("last warnings and errors in the log:")
        lines += [f"  {line}" for line in problems]
    return lines
