"""Limits: what grading one submission may use (course.toml's [limits], per assignment).

One type everywhere: config reads it from course.toml, extensions scale it for
accommodations, the sandbox turns it into kernel limits (the byte and CPU
properties below).
"""
import dataclasses

DEFAULT_DISK_MB = 64
DEFAULT_PROCESSES = 64
MIB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits for grading one submission.

    seconds: wall clock for one call into the student's code;
    submission_seconds: wall clock (and CPU) for all of a submission's calls;
    memory_mb: the student's memory (MiB); file_size_mb: the largest file it
    may write (MiB); output_kb: how much of what it prints is kept (KiB);
    disk_mb: the size of its work folder (MiB); processes: how many it may run.
    """
    seconds: float
    submission_seconds: float
    memory_mb: int
    file_size_mb: int
    output_kb: int
    disk_mb: int = DEFAULT_DISK_MB
    processes: int = DEFAULT_PROCESSES

    @property
    def cpu_seconds(self) -> int:
        """The CPU-time rlimit of the student's process (whole seconds, rounded up past the budget)."""
        return int(self.submission_seconds) + 1

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * MIB

    @property
    def file_size_bytes(self) -> int:
        return self.file_size_mb * MIB

    @property
    def output_bytes(self) -> int:
        return self.output_kb * 1024

    @property
    def disk_bytes(self) -> int:
        return self.disk_mb * MIB
