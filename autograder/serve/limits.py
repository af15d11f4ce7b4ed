"""[serve] max_per_hour and cooldown_minutes: which submissions are graded, per student and assignment.

Decided from submission times only (never from when the service happened to
run), so a restart makes the same decisions. Only graded submissions count:
one turned away does not push the next one further back. A submission that
is turned away is never dropped silently: its feedback says why and when the
next one will be graded, and the last grade stands.
"""
import datetime as dt
from dataclasses import dataclass

from ..config import ServeSettings

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    message: str = ""               # for the student, when not allowed
    next_at: dt.datetime | None = None


def check(settings: ServeSettings, submitted_at: dt.datetime, graded_before: list[dt.datetime]) -> Verdict:
    """Whether a submission made at submitted_at is graded, given the student's earlier graded ones."""
    earlier = sorted(t for t in graded_before if t <= submitted_at)
    if settings.cooldown_minutes and earlier:
        ready = earlier[-1] + dt.timedelta(minutes=settings.cooldown_minutes)
        if submitted_at < ready:
            return Verdict(False, f"Cooldown: this course grades one submission every {settings.cooldown_minutes:g} "
                                  f"minute(s) per assignment; your last graded submission was at "
                                  f"{earlier[-1]:%H:%M:%S %Z}. Submit again from {ready:%Y-%m-%d %H:%M:%S %Z} "
                                  "to be graded.", ready)
    if settings.max_per_hour:
        in_hour = [t for t in earlier if t > submitted_at - HOUR]
        if len(in_hour) >= settings.max_per_hour:
            ready = in_hour[len(in_hour) - settings.max_per_hour] + HOUR
            return Verdict(False, f"Cooldown: this course grades at most {settings.max_per_hour} submission(s) per "
                                  f"hour per assignment, and you had {len(in_hour)} graded in the hour before this "
                                  f"one. Submit again from {ready:%Y-%m-%d %H:%M:%S %Z} to be graded.", ready)
    return Verdict(True)
