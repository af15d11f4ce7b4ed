"""The `student` handle: call the student's functions as if they were local.

``student.sigmoid(z)`` sends the call to the sandboxed child and returns the
result as plain data (floats, ints, numpy arrays, lists, tuples, dicts,
None, or wire.Unsupported for anything else). A call that cannot produce a
result raises a StudentFailure whose message is written for the student.
A crashed or killed child is replaced by a fresh one on the next call, and
a function that timed out fails its later calls at once, so one runaway
function costs only its own tests. Every call has a deadline (for sending
the arguments and reading the reply) and a reply-size limit (reply_limit).

``with student.fresh_child({"feedforward": table}):`` runs the calls made
inside in a child started for them and discarded afterwards, in which the
student's module attribute feedforward answers only the table's inputs
(child.StandIn): a later function judged on its own, whatever its building
block does (toolkit/stand_in.py).
"""
import contextlib
import shutil
import subprocess
import time
from pathlib import Path

from . import wire
from ..limits import Limits
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


class CallTimedOut(StudentFailure):
    """A call (or the import) ran out of time; the function is not called again."""


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


SCALAR_REPLY_BYTES = 64 * 1024  # what any reply may take: a number, a short list, an error and its traceback
HELLO_BYTES = 256 * 1024  # the child's first frame: the list of the module's functions


def reply_limit(request_bytes, return_args=False, expect=None, reply_bytes=None) -> int:
    """The largest reply (bytes) a call may get, from what the grader expects.

    reply_bytes: an explicit limit for the whole reply. expect: a value the
    answer should look like (the reference's answer, or an array of the
    expected shape and dtype): twice its size. Otherwise twice the size of
    the arguments. Every reply may also take SCALAR_REPLY_BYTES, and with
    return_args the arguments come back too.
    """
    if reply_bytes is not None:
        return int(reply_bytes)
    answer = wire.size_of(expect) if expect is not None else request_bytes
    return SCALAR_REPLY_BYTES + 2 * answer + (request_bytes if return_args else 0)


class StudentProcess:
    """Owns the sandboxed child for one submission; restarts it after a crash.

    Time: each call may take `limits.seconds`, but never more than a fair share
    of what is left of the submission's budget (`limits.submission_seconds`): what is left,
    divided among this call and the student's functions not called yet. A
    function that timed out is not called again (its later calls fail at
    once), so one endless loop costs only that function's tests.
    """

    MAX_STARTS = 12

    def __init__(self, files: dict[str, Path], modules, limits: Limits, mode: str):
        self.files, self.modules = files, [m.removesuffix(".py") for m in modules]
        self.limits, self.call_seconds, self.mode = limits, limits.seconds, mode
        self.budget_end = None
        self.total_seconds = limits.submission_seconds
        self.child = None
        self.starts = 0
        self.functions = None
        self.defined = set()  # public functions the student's modules define themselves
        self.called = set()
        self.timed_out = {}  # function -> why it was given up
        self.import_failure = None
        self.outputs = []
        self.workdirs = []
        self.launched_at = None
        self.ready = False  # the running child has said hello
        self.stand_ins = None  # {attribute: [(args, answer), ...]} inside fresh_child
        self.stand_ins_refused = ""  # why they could not be installed (the rest of fresh_child fails at once)
        self.free_launches = 0  # launches fresh_child caused, not counted towards MAX_STARTS

    def launch(self):
        """Start the child without waiting for it: it imports numpy and the student's modules
        while this process does other work. Its time budget starts now."""
        if self.child is not None:
            return
        if self.import_failure:
            raise StudentFailure(self.import_failure)
        if self.starts >= self.MAX_STARTS:
            raise StudentFailure(f"your code crashed or timed out {self.starts} times; the remaining tests were not run")
        if self.budget_end is None:
            self.budget_end = time.monotonic() + self.total_seconds
        if self.free_launches:
            self.free_launches -= 1
        else:
            self.starts += 1
        workdir = prepare_workdir(self.files)
        self.workdirs.append(workdir)
        try:
            self.child = Child(workdir, self.modules, self.limits, self.mode)
        except (OSError, subprocess.SubprocessError) as exc:  # the machine's fault, not the student's
            raise GradingError(f"cannot start the sandbox (isolation {self.mode}): {exc!r}; "
                               "`course doctor` shows what this machine allows") from None
        self.launched_at = time.monotonic()
        self.ready = False

    def _start(self):
        """Launch the child if needed and wait for its hello (the student's modules imported)."""
        self.launch()
        seconds = max(0.0, min(self.call_seconds, self.budget_end - self.launched_at))
        try:
            hello = self._receive("importing your module", self.launched_at + seconds, seconds, HELLO_BYTES)
        except ChildEnded as exc:  # exiting at import happens again on every start: final
            self.import_failure = f"your module exited while being imported (exit status {exc.code})"
            raise StudentFailure(self.import_failure) from None
        except CallTimedOut as exc:  # so would an endless loop at import; not so the budget running out in a later
            if self.functions is None:  # start (a fresh child) of a module that has imported before
                self.import_failure = str(exc)
            raise
        if hello.get("status") == "import_error":
            error = hello.get("error", {})
            error = error if isinstance(error, dict) else {}
            where = error.get("where", "")
            self.import_failure = (f"your module could not be imported: {error.get('type')}: {error.get('message')}"
                                   + (f"\n{where}" if where else ""))
            self._stop()
            raise StudentFailure(self.import_failure)
        functions, defined = hello.get("functions"), hello.get("defined", [])
        if hello.get("status") != "ready" or not _strings(functions) or not _strings(defined):
            self._stop()
            raise StudentFailure("your module did not start properly")
        self.functions, self.defined = set(functions), set(defined)
        if self.stand_ins is not None:
            self._install_stand_ins()
        self.ready = True

    def _install_stand_ins(self):
        """Send the stand-ins to a child started by fresh_child, its first request; StudentFailure when the
        student's module has no such function or refuses the replacement."""
        names = ", ".join(f"{name}()" for name in self.stand_ins)
        seconds = max(0.0, min(self.call_seconds, self.budget_end - time.monotonic()))
        try:
            self.child.send({"stand_ins": self.stand_ins}, time.monotonic() + seconds)
            reply = self._receive(f"replacing {names}", time.monotonic() + seconds, seconds, SCALAR_REPLY_BYTES)
        except (wire.Timeout, OSError, StudentFailure) as exc:  # once: the rest of fresh_child fails at once
            self._stop()
            self.stand_ins_refused = str(exc) if isinstance(exc, StudentFailure) else \
                f"your process stopped reading before {names} could be replaced"
            raise StudentFailure(self.stand_ins_refused) from None
        if reply.get("status") != "ok":
            self._stop()
            why = "is missing from your module" if reply.get("status") == "missing" else "could not be replaced"
            self.stand_ins_refused = f"{names} {why}, so it could not be given a stand-in"
            raise StudentFailure(self.stand_ins_refused)

    @contextlib.contextmanager
    def fresh_child(self, stand_ins: dict):
        """Calls made inside run in a child started for them and discarded afterwards, in which each module
        attribute named in stand_ins is a child.StandIn: {name: [(args, answer), ...]}, answering only those
        arguments. The running child is stopped first and a new one starts on the next call after, so no state
        (memory, files, processes) passes between them either way; neither launch counts towards MAX_STARTS.
        Time: the same per-call limits and submission budget as every call."""
        was_running = self.child is not None
        self._stop()
        self.stand_ins, self.stand_ins_refused, self.free_launches = dict(stand_ins), "", 1
        try:
            yield
        finally:
            self._stop()
            self.stand_ins, self.stand_ins_refused, self.free_launches = None, "", int(was_running)

    def _seconds_for(self, fn, seconds) -> float:
        """This call's time: seconds, or its fair share of the budget left if that is less.

        The share: what is left, divided among this call and every function
        of the student's that has not had its turn yet.
        """
        left = self.budget_end - time.monotonic()
        waiting = len(self.defined - self.called - set(self.timed_out) - {fn})
        return max(0.0, min(seconds, left / (1 + waiting)))

    def _timed_out(self, what, seconds, share=False, hint="an endless loop?"):
        """The failure for a call or an import that ran out of time (the child is stopped).

        share: seconds was this call's fair share of the budget, less than its own limit.
        """
        self._stop()
        if time.monotonic() >= self.budget_end - 0.01:
            return CallTimedOut(f"the time limit for your whole submission ({self.total_seconds:g} s) ran out "
                                f"while {what}")
        why = ", its share of the time left for your whole submission" if share else ""
        return CallTimedOut(f"timed out after {seconds:.3g} s{why} while {what} ({hint})")

    def _receive(self, what, deadline, seconds, max_bytes, share=False):
        try:
            message = self.child.receive(deadline, max_bytes=max_bytes)
            if not isinstance(message, dict):
                raise wire.WireError("not a message")
            return message
        except wire.Timeout:
            raise self._timed_out(what, seconds, share) from None
        except EOFError:
            try:
                code = self.child.proc.wait(timeout=2)
            except Exception:
                code = None
            self._stop()
            raise ChildEnded(f"your process ended while {what} (exit status {code}: "
                             f"os._exit, a crash, or over the memory or CPU limit)", code) from None
        except wire.TooLarge as exc:
            self._stop()
            raise StudentFailure(f"your process sent back {exc.size} bytes while {what}, more than the "
                                 f"{exc.limit} bytes its answer should take: is it returning something much "
                                 "larger than asked for?") from None
        except wire.WireError as exc:
            self._stop()
            raise StudentFailure(f"your process sent back unreadable data while {what}: {exc}") from None

    def _stop(self):
        if self.child is not None:
            self.child.kill()
            self.outputs.append(self.child.output())
            self.child = None

    def call(self, fn, args, kwargs, return_args=False, seconds=None, expect=None, reply_bytes=None):
        """fn(*args, **kwargs) in the child; the result, or a Call with return_args.

        seconds: this call's own time limit (default: call_seconds). expect,
        reply_bytes: what the reply may weigh (see reply_limit). Steps: the
        child made ready for fn, this call's time, the request and its reply,
        the reply read as a result or as the student's failure.
        """
        self._ready_for(fn)
        seconds = self.call_seconds if seconds is None else seconds
        sent_args, sent_kwargs = list(args), dict(kwargs)
        limit = self._seconds_for(fn, seconds)
        deadline = time.monotonic() + limit
        self.called.add(fn)
        if limit <= 0:
            raise StudentFailure(f"the time limit for your whole submission ({self.total_seconds:g} s) ran out "
                                 f"before {fn}() could be called")
        request = {"fn": fn, "args": sent_args, "kwargs": sent_kwargs, "return_args": return_args}
        try:
            response = self._exchange(fn, request, deadline, limit, limit < seconds, expect, reply_bytes)
        except CallTimedOut as exc:
            self.timed_out[fn] = str(exc)
            raise
        return _answer(fn, response, request)

    def _ready_for(self, fn):
        """The child started and fn among its functions; else the StudentFailure saying why it is not called."""
        if fn in self.timed_out:
            raise StudentFailure(f"{fn}() timed out earlier, so it was not called again ({self.timed_out[fn]})")
        if self.stand_ins is not None and self.stand_ins_refused:
            raise StudentFailure(self.stand_ins_refused)
        if self.child is None or not self.ready:
            self._start()
        if fn not in self.functions:
            raise StudentFailure(f"{fn}() is missing from your {', '.join(m + '.py' for m in self.modules)}")

    def _exchange(self, fn, request: dict, deadline: float, limit: float, share: bool, expect, reply_bytes) -> dict:
        """Send the request and read the child's reply (a dict), both by deadline (limit s from now; share: limit
        is the call's share of the submission's budget); the reply's size bounded by reply_limit."""
        try:
            request_bytes = self.child.send(request, deadline)
        except wire.Timeout:
            raise self._timed_out(f"sending the arguments of {fn}()", limit, share,
                                  hint="your process stopped reading them") from None
        except OSError:
            self._stop()
            raise StudentFailure(f"your process ended before {fn}() could be called") from None
        max_bytes = reply_limit(request_bytes, request["return_args"], expect, reply_bytes)
        return self._receive(f"running {fn}()", deadline, limit, max_bytes, share)

    def close(self):
        self._stop()
        for workdir in self.workdirs:
            shutil.rmtree(workdir, ignore_errors=True)

    def output(self) -> str:
        return "".join(self.outputs)


def _answer(fn, response: dict, request: dict):
    """The result in the child's reply to request (a Call with return_args), else the StudentFailure it says."""
    status = response.get("status")
    if status == "ok":
        return _returned(fn, response, request) if request["return_args"] else response.get("result")
    if status == "missing":
        raise StudentFailure(f"{fn}() is missing from your module")
    error = response.get("error", {})
    if isinstance(error, dict) and error.get("type") == "NotImplementedError":
        raise NotImplementedYet(f"{fn}() is not implemented yet: it still raises NotImplementedError.")
    raise StudentError(fn, error if isinstance(error, dict) else {})


def _returned(fn, response: dict, request: dict) -> Call:
    """The result, the arguments after the call (as many as were sent, the same keywords) and the warnings
    (at most 10, 300 characters each)."""
    args, kwargs, warnings = response.get("args", []), response.get("kwargs", {}), response.get("warnings", [])
    if not isinstance(args, list) or not isinstance(kwargs, dict) or not isinstance(warnings, list) \
            or len(args) != len(request["args"]) or set(kwargs) != set(request["kwargs"]):
        raise StudentFailure(f"your process sent back unreadable data while running {fn}()")
    return Call(response.get("result"), tuple(args), kwargs, [str(w)[:300] for w in warnings[:10]])


def _strings(items) -> bool:
    return isinstance(items, list) and all(isinstance(x, str) for x in items)


class StudentHandle:
    """``student.fn(*args)`` calls fn in the child; ``student.call(...)`` for options."""

    def __init__(self, process: StudentProcess):
        self._process = process

    def call(self, fn, *args, return_args=False, seconds=None, expect=None, reply_bytes=None, **kwargs):
        """Call fn; with return_args=True get a Call holding the arguments after the call.

        seconds: this call's time limit instead of the course's per-call one.
        expect: a value the answer should look like (e.g. the reference's
        answer, or np.empty(shape)), when it is larger than the arguments;
        reply_bytes: an explicit limit on the reply's size. See reply_limit.
        """
        options = {"return_args": return_args, "seconds": seconds}
        if expect is not None or reply_bytes is not None:
            options.update(expect=expect, reply_bytes=reply_bytes)
        return self._process.call(fn, args, kwargs, **options)

    def fresh_child(self, stand_ins: dict):
        """A context: the calls made inside go to a child of their own whose module attributes named in
        stand_ins ({name: [(args, answer), ...]}) answer only those arguments (StudentProcess.fresh_child)."""
        fresh = getattr(self._process, "fresh_child", None)
        if fresh is None:
            raise StudentFailure("no child can be started for a stand-in here")
        return fresh(stand_ins)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self._process.call(name, args, kwargs)
