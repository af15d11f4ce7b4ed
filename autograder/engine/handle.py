"""The `student` handle: call the student's functions as if they were local.

``student.sigmoid(z)`` sends the call to the sandboxed child and returns the
result as plain data (floats, ints, numpy arrays, lists, tuples, dicts,
None, or wire.Unsupported for anything else). A call that cannot produce a
result raises a StudentFailure whose message is written for the student.
A crashed or killed child is replaced by a fresh one on the next call, so
one runaway test costs only its own points.
"""
import shutil
import subprocess
import time
from pathlib import Path

from . import wire
from .errors import GradingError
from .sandbox import Child, prepare_workdir


class StudentFailure(Exception):
    """The student's code gave no usable result; str() is the feedback."""


class NotImplementedYet(StudentFailure):
    pass


class ChildEnded(StudentFailure):
    """The child process ended (exit, crash, limit) before answering."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


class StudentError(StudentFailure):
    """The student's function raised an exception."""

    def __init__(self, fn, error):
        self.type = error.get("type", "Exception")
        self.error_message = error.get("message", "")
        where = error.get("where", "")
        super().__init__(f"{fn}() raised {self.type}: {self.error_message}" + (f"\n{where}" if where else ""))


class Call:
    """A result, the arguments as they were after the call, and the warnings it raised."""

    def __init__(self, result, args, kwargs, warnings):
        self.result, self.args, self.kwargs, self.warnings = result, args, kwargs, warnings


class StudentProcess:
    """Owns the sandboxed child for one submission; restarts it after a crash."""

    MAX_STARTS = 12

    def __init__(self, files: dict[str, Path], modules, limits, call_seconds, total_seconds, mode):
        self.files, self.modules = files, [m.removesuffix(".py") for m in modules]
        self.limits, self.call_seconds, self.mode = limits, call_seconds, mode
        self.budget_end = None
        self.total_seconds = total_seconds
        self.child = None
        self.starts = 0
        self.functions = None
        self.import_failure = None
        self.outputs = []
        self.workdirs = []

    def _start(self):
        if self.import_failure:
            raise StudentFailure(self.import_failure)
        if self.starts >= self.MAX_STARTS:
            raise StudentFailure(f"your code crashed or timed out {self.starts} times; the remaining tests were not run")
        if self.budget_end is None:
            self.budget_end = time.monotonic() + self.total_seconds
        self.starts += 1
        workdir = prepare_workdir(self.files)
        self.workdirs.append(workdir)
        try:
            self.child = Child(workdir, self.modules, self.limits, self.mode)
        except (OSError, subprocess.SubprocessError) as exc:  # the machine's fault, not the student's
            raise GradingError(f"cannot start the sandbox (isolation {self.mode}): {exc!r}; "
                               "`course doctor` shows what this machine allows") from None
        try:
            hello = self._receive("importing your module", self.call_seconds)
        except ChildEnded as exc:  # exiting at import happens again on every start: final
            self.import_failure = f"your module exited while being imported (exit status {exc.code})"
            raise StudentFailure(self.import_failure) from None
        if hello.get("status") == "import_error":
            error = hello.get("error", {})
            where = error.get("where", "")
            self.import_failure = (f"your module could not be imported: {error.get('type')}: {error.get('message')}"
                                   + (f"\n{where}" if where else ""))
            self._stop()
            raise StudentFailure(self.import_failure)
        if hello.get("status") != "ready":
            self._stop()
            raise StudentFailure("your module did not start properly")
        self.functions = set(hello.get("functions", []))

    def _receive(self, what, seconds):
        deadline = min(time.monotonic() + seconds, self.budget_end)
        try:
            message = self.child.receive(deadline)
            if not isinstance(message, dict):
                raise wire.WireError("not a message")
            return message
        except wire.Timeout:
            self._stop()
            if time.monotonic() >= self.budget_end - 0.01:
                raise StudentFailure(f"the time limit for your whole submission ({self.total_seconds:g} s) ran out "
                                     f"while {what}") from None
            raise StudentFailure(f"timed out after {seconds:g} s while {what} (an endless loop?)") from None
        except EOFError:
            try:
                code = self.child.proc.wait(timeout=2)
            except Exception:
                code = None
            self._stop()
            raise ChildEnded(f"your process ended while {what} (exit status {code}: "
                             f"os._exit, a crash, or over the memory or CPU limit)", code) from None
        except wire.WireError as exc:
            self._stop()
            raise StudentFailure(f"your process sent back unreadable data while {what}: {exc}") from None

    def _stop(self):
        if self.child is not None:
            self.child.kill()
            self.outputs.append(self.child.output())
            self.child = None

    def call(self, fn, args, kwargs, return_args=False, seconds=None):
        if self.child is None:
            self._start()
        if fn not in self.functions:
            raise StudentFailure(f"{fn}() is missing from your {', '.join(m + '.py' for m in self.modules)}")
        try:
            self.child.send({"fn": fn, "args": list(args), "kwargs": dict(kwargs), "return_args": return_args})
        except OSError:
            self._stop()
            raise StudentFailure(f"your process ended before {fn}() could be called") from None
        response = self._receive(f"running {fn}()", seconds or self.call_seconds)
        status = response.get("status")
        if status == "ok":
            if return_args:
                return Call(response.get("result"), tuple(response.get("args", ())), response.get("kwargs", {}),
                            [str(w) for w in response.get("warnings", [])])
            return response.get("result")
        if status == "missing":
            raise StudentFailure(f"{fn}() is missing from your module")
        error = response.get("error", {})
        if error.get("type") == "NotImplementedError":
            raise NotImplementedYet(f"{fn}() is not implemented yet: it still raises NotImplementedError.")
        raise StudentError(fn, error if isinstance(error, dict) else {})

    def close(self):
        self._stop()
        for workdir in self.workdirs:
            shutil.rmtree(workdir, ignore_errors=True)

    def output(self) -> str:
        return "".join(self.outputs)


class StudentHandle:
    """``student.fn(*args)`` calls fn in the child; ``student.call(...)`` for options."""

    def __init__(self, process: StudentProcess):
        self._process = process

    def call(self, fn, *args, return_args=False, seconds=None, **kwargs):
        """Call fn; with return_args=True get a Call holding the arguments after the call."""
        return self._process.call(fn, args, kwargs, return_args=return_args, seconds=seconds)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self._process.call(name, args, kwargs)
