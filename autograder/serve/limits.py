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


def describe(settings: ServeSettings) -> str:
    """The limits in force, in one phrase (the start line and --status)."""
    if not settings.max_per_hour and not settings.cooldown_minutes:
        return "no limits: add [serve] max_per_hour/cooldown_minutes to course.toml"
    said = []
    if settings.max_per_hour:
        said.append(f"at most {settings.max_per_hour} graded submission(s) per hour")
    if settings.cooldown_minutes:
        said.append(f"{settings.cooldown_minutes:g} minute(s) between two graded submissions")
    return "limits per student and assignment: " + ", ".join(said)


def check(settings: ServeSettings, submitted_at: dt.datetime, graded_before: list[dt.datetime]) -> Verdict:
    """Whether a submission made at submitted_at is graded, given the student's earlier graded ones.

    Turned away by both limits: the message gives the later of the two times (the first that is graded).
    """
    earlier = sorted(t for t in graded_before if t <= submitted_at)
    blocked = []
    if settings.cooldown_minutes and earlier:
        ready = earlier[-1] + dt.timedelta(minutes=settings.cooldown_minutes)
        if submitted_at < ready:
            blocked.append(Verdict(False, f"Cooldown: this course grades one submission every "
                                          f"{settings.cooldown_minutes:g} minute(s) per assignment; your last "
                                          f"graded submission was at {earlier[-1]:%H:%M:%S %Z}. Submit again from "
                                          f"{ready:%Y-%m-%d %H:%M:%S %Z} to be graded.", ready))
    if settings.max_per_hour:
        in_hour = [t for t in earlier if t > submitted_at - HOUR]
        if len(in_hour) >= settings.max_per_hour:
            ready = in_hour[len(in_hour) - settings.max_per_hour] + HOUR
            blocked.append(Verdict(False, f"Hourly limit: this course grades at most {settings.max_per_hour} "
                                          f"submission(s) per hour per assignment, and you had {len(in_hour)} "
                                          f"graded in the hour before this one. Submit again from "
                                          f"{ready:%Y-%m-%d %H:%M:%S %Z} to be graded.", ready))
    return max(blocked, key=lambda v: v.next_at) if blocked else Verdict(True)
