"""What ``course collect`` will not guess, and how it says so.

Two different files of one student that land on one name (Canvas renames a
second neuron.py attached to the same submission neuron-1.py; a student's zip
holding two folders with a neuron.py each), or two LMS users that land on one
roster student (matched by name when roster.csv gives no lms_id): collect
picks none. The student's assignment folder is written without the contested
files, and SUBMITTED/<student>/<ID>.not-graded.txt (the engine's
NOT_GRADED_SUFFIX, beside the assignment folder, where no upload lands) holds
the reason: ``course grade`` reports the student "not graded" with it, never a
0, and the rest of the batch goes on. Collected again without the conflict,
the marker is removed.
"""
from pathlib import Path

from ..engine.submission import NOT_GRADED_SUFFIX


def keep(student_files: dict, clashes: dict, path: str, copy: int, data: bytes, source: str):
    """Add one file (path -> (copy, bytes, source)); a second, different file for the path is a clash.

    clashes: path -> the download's names of every different file that claimed it. The same bytes twice
    are one file, not a clash.
    """
    current = student_files.get(path)
    if current is None:
        student_files[path] = (copy, data, source)
    elif current[1] != data:
        sources = clashes.setdefault(path, [current[2]])
        if source not in sources:
            sources.append(source)


def clash_reason(clashes: dict) -> str:
    """One sentence for a student's clashes (path -> sources), or "" when there are none."""
    parts = [f"{len(sources)} different files of the download map to {path} "
             f"({', '.join(repr(s[:200]) for s in sources[:5])}{', ...' if len(sources) > 5 else ''})"
             for path, sources in sorted(clashes.items())]
    if not parts:
        return ""
    return "; ".join(parts) + "; course collect does not guess which one is the submission"


class Claims:
    """Which LMS users landed on which roster student, and the matches that fit several students."""

    def __init__(self):
        self.users: dict[str, dict[str, str]] = {}   # student -> user key -> how the download names the user
        self.ambiguous: dict[str, list[str]] = {}    # student -> reasons (one LMS user fits several students)

    def add(self, student: str, user_key: str, who: str):
        self.users.setdefault(student, {})[user_key] = who

    def add_ambiguous(self, students: list[str], who: str):
        for student in students:
            self.ambiguous.setdefault(student, []).append(
                f"{who[:120]} matches {len(students)} students of roster.csv ({', '.join(students)})")

    def seen(self) -> set[str]:
        return set(self.users) | set(self.ambiguous)

    def refused(self) -> dict[str, str]:
        """student -> why none of the download's files are theirs: several users on them, or an ambiguous match."""
        reasons = {}
        for student in sorted(self.seen()):
            why = list(self.ambiguous.get(student, []))
            users = self.users.get(student, {})
            if len(users) > 1:
                whos = sorted(users.values())
                why.insert(0, f"{len(whos)} users of the download match {student} of roster.csv "
                              f"({', '.join(w[:120] for w in whos[:5])}{', ...' if len(whos) > 5 else ''})")
            if why:
                reasons[student] = "; ".join(why) + "; give each an lms_id in roster.csv"
        return reasons


def mark(folder: Path, reason: str, records: dict | None = None, two_users: bool = False):
    """Write (reason) or remove ("") the not-graded marker beside the assignment folder SUBMITTED/<student>/<ID>.

    records: the platform's records written in the folder (timestamp.txt, late_mark.txt -> their text), named
    so that the instructor who fixes the folder keeps them; two_users: none were written, whose they are is
    what is contested."""
    marker = folder.parent / f"{folder.name}{NOT_GRADED_SUFFIX}"
    if marker.is_symlink() or marker.exists():
        marker.unlink()
    if not reason:
        return
    if records:
        kept = ("The platform's records are already in the folder, keep them (they decide lateness): "
                + "; ".join(f"{name} ({' '.join(text.split())[:80]})" for name, text in sorted(records.items()))
                + ".")
    elif two_users:
        kept = ("No timestamp.txt or late_mark.txt was written (each user has their own): add the right user's "
                "submission time as timestamp.txt, or the student is graded with the lateness unknown.")
    else:
        kept = "The platform recorded no submission time for this student."
    marker.write_text(f"course collect did not place this submission: {reason}. Put the right files in "
                      f"{folder.parent.name}/{folder.name}/ and delete this file, or fix the download or "
                      f"roster.csv and collect again. {kept}\n")
