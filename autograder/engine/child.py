"""The child process: imports the student's modules and answers calls.

Runs sandboxed (see sandbox.py) as ``python -I -S -u -c LAUNCH REQ_FD RESP_FD MODULES
ENGINE_DIR CODE_DIR``: LAUNCH puts ENGINE_DIR (this file as _nnfs_child.py and
wire.py as _nnfs_wire.py, compiled once per batch) and CODE_DIR (the student's
modules) first on sys.path and calls main(). NNFS_SITE_PACKAGES names the folder
of the installed packages (numpy), since -S skips the site module. Everything here
is untrusted from the parent's point of view: the parent validates every answer.

Protocol: first frame {"status": "ready", "functions": [...], "defined": [...]}
(every public callable of the modules; those the modules define themselves) or
{"status": "import_error", "error": {...}}; then one response per request
{"fn", "args", "kwargs", "return_args"}: {"status": "ok", "result", "warnings", ["args",
"kwargs"]} or {"status": "error", "error": {...}}. A request {"stand_ins": {name: [[args, answer], ...]}}
(only ever the first of a child started for it, handle.StudentProcess.fresh_child) replaces each module
attribute name by a StandIn for the rest of this child's life: {"status": "ok"} or {"status": "missing"}.
"""
import importlib
import os
import sys
import traceback
import types
import warnings

CODE_DIR = os.path.abspath(sys.argv[5]) if len(sys.argv) > 5 else ""  # the student's modules
if os.environ.get("NNFS_SITE_PACKAGES"):
    sys.path.append(os.environ["NNFS_SITE_PACKAGES"])

import numpy as np  # noqa: E402

from _nnfs_wire import read_frame, write_frame  # noqa: E402


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))


def _network_cost(params, P):
    """Average squared-error cost of a sigmoid network with one parameter array replaced."""
    weights, biases = list(params["weights"]), list(params["biases"])
    (weights if params["kind"] == "w" else biases)[params["layer"]] = P
    a = params["X"]
    for W, b in zip(weights, biases):
        a = _sigmoid(W @ a + b)
    return float(np.sum((a - params["Y"]) ** 2) / params["X"].shape[1])


def _accuracy(weights, biases, X, labels):
    a = np.asarray(X, dtype=float)
    for W, b in zip(weights, biases):
        a = _sigmoid(np.asarray(W, dtype=float) @ a + np.asarray(b, dtype=float))
    return float(np.mean(np.argmax(a, axis=0) == np.ravel(np.asarray(labels))))


def make_fn(name, params):
    """Functions (and Generators) that graders pass as arguments, from a fixed library."""
    library = {
        "sigmoid": lambda: _sigmoid,
        "relu": lambda: (lambda z: np.maximum(0.0, z)),
        "identity": lambda: (lambda z: z),
        "tanh": lambda: np.tanh,
        # gradient of sum(scale * (x - center)^2)
        "quadratic_gradient": lambda: (lambda x: 2.0 * params["scale"] * (x - params["center"])),
        "quadratic": lambda: (lambda x: float(np.sum(params["scale"] * (np.asarray(x) - params["center"]) ** 2))),
        "sum_of_cubes": lambda: (lambda x: float(np.sum(np.asarray(x) ** 3))),
        # the right evaluate of a sigmoid network (a stand-in for the student's): the fraction of columns whose
        # brightest output neuron is the label
        "accuracy": lambda: _accuracy,
        # the lecture's cost of one example (a stand-in for example_cost): sum of (a - y)^2
        "squared_error": lambda: (lambda a, y: float(np.sum((np.asarray(a, dtype=float) - np.asarray(y, dtype=float)) ** 2))),
        "constant": lambda: (lambda x: params["value"]),
        "network_cost": lambda: (lambda P: _network_cost(params, P)),
        "rng": lambda: np.random.default_rng(params["seed"]),  # a Generator, not a function
    }
    if name not in library:
        raise ValueError(f"unknown function {name!r}")
    return library[name]()


class StandInError(Exception):
    """A stand-in was called with inputs its table does not hold."""


def _numeric(item):
    if isinstance(item, np.ndarray):
        return item.dtype.kind in "iuf"
    return isinstance(item, (int, float, np.integer, np.floating)) and not isinstance(item, (bool, np.bool_))


def _same_data(x, y):
    """The same values: numbers and arrays by value (a list of numbers equals its array), lists and
    tuples item by item, dicts key by key, anything else (a function) only itself."""
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)) and len(x) == len(y) \
            and all(isinstance(v, (list, tuple, np.ndarray)) for v in (*x, *y)):
        return all(_same_data(a, b) for a, b in zip(x, y))
    if isinstance(x, dict) or isinstance(y, dict):
        return isinstance(x, dict) and isinstance(y, dict) and x.keys() == y.keys() \
            and all(_same_data(x[k], y[k]) for k in x)
    if isinstance(x, (list, tuple, np.ndarray)) or isinstance(y, (list, tuple, np.ndarray)) \
            or (_numeric(x) and _numeric(y)):
        try:
            a, b = np.asarray(x), np.asarray(y)
        except BaseException:
            return False
        return _numeric(a) and _numeric(b) and a.shape == b.shape and bool(np.array_equal(a, b))
    return x is y or (type(x) is type(y) and type(x) in (str, bool, type(None)) and x == y)


class StandIn:
    """Stands in for a function of the student's module in a child started for it: answers exactly
    the calls of its table (the parent's right answers for one test's inputs), a copy each time,
    and raises StandInError for any other arguments. Arguments are bound to the replaced function's
    signature first, so a keyword, a positional argument and a default given explicitly all match."""

    def __init__(self, name, original, table):
        import inspect
        self.name, self.answers = name, [answer for _, answer in table]
        try:
            self.signature = inspect.signature(original)
        except (ValueError, TypeError):  # a builtin without one
            self.signature = None
        self.keys = [self._bound(tuple(args), {}) for args, _ in table]

    def _bound(self, args, kwargs):
        if self.signature is not None:
            try:
                bound = self.signature.bind(*args, **kwargs)
            except TypeError:
                return None
            bound.apply_defaults()
            return dict(bound.arguments)
        return None if kwargs else {"*": list(args)}

    def __call__(self, *args, **kwargs):
        import copy
        key = self._bound(args, kwargs)
        for want, answer in zip(self.keys, self.answers):
            if key is not None and want is not None and _same_data(key, want):
                return copy.deepcopy(answer)
        raise StandInError(f"{self.name}() is replaced here by a stand-in that gives the right answer only for "
                           "the inputs this test passes on; it was called with other arguments")


def install_stand_ins(modules, stand_ins):
    """Replace each named attribute of the student's modules by a StandIn (or by a function of the fixed library,
    where the parent sent one: make_fn), also where a function of theirs holds it as a default argument (neuron's
    activation=sigmoid); the name of one no module has as a callable, or None."""
    for name, table in stand_ins.items():
        owners = [m for m in modules if callable(getattr(m, name, None))]
        if not owners:
            return name
        for module in owners:
            original = getattr(module, name)
            replacement = table if callable(table) else StandIn(name, original, table)
            setattr(module, name, replacement)
            _replace_defaults(modules, original, replacement)
    return None


def _replace_defaults(modules, original, replacement):
    """Default arguments that are original (by identity), in the functions the modules define, become replacement."""
    for module in modules:
        for value in list(vars(module).values()):
            if not isinstance(value, types.FunctionType) or value.__module__ != module.__name__:
                continue
            if value.__defaults__ and any(d is original for d in value.__defaults__):
                value.__defaults__ = tuple(replacement if d is original else d for d in value.__defaults__)
            if value.__kwdefaults__ and any(d is original for d in value.__kwdefaults__.values()):
                value.__kwdefaults__ = {k: replacement if d is original else d for k, d in value.__kwdefaults__.items()}


def error_report(exc):
    """A student-readable account of an exception: type, message, their own frames."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.dirname(os.path.abspath(f.filename)) == CODE_DIR]
    where = "".join(traceback.format_list(frames[-3:]))
    if isinstance(exc, SyntaxError):
        where += f'  File "{os.path.basename(exc.filename or "?")}", line {exc.lineno}\n    {(exc.text or "").strip()}\n'
    try:
        message = str(exc)[:2000]
    except BaseException:
        message = "?"
    return {"type": type(exc).__name__, "message": message, "where": where[-4000:]}


def _module_of(value):
    try:
        return str(getattr(value, "__module__", None))
    except BaseException:
        return None


def serve(req_fd, resp_fd, module_names):
    modules = []
    try:
        for name in module_names:
            modules.append(importlib.import_module(name))
    except BaseException as exc:  # SyntaxError, SystemExit, anything at import
        write_frame(resp_fd, {"status": "import_error", "error": error_report(exc)})
        return
    functions = sorted({n for m in modules for n, v in vars(m).items() if callable(v) and not n.startswith("_")})
    defined = sorted({n for m in modules for n, v in vars(m).items() if callable(v) and not n.startswith("_")
                      and _module_of(v) == m.__name__})
    write_frame(resp_fd, {"status": "ready", "functions": functions, "defined": defined})
    while True:
        try:
            request = read_frame(req_fd, make_fn=make_fn, max_json_bytes=None)  # the parent is trusted
        except EOFError:
            return
        if "stand_ins" in request:
            try:
                missing = install_stand_ins(modules, request["stand_ins"])
                response = {"status": "missing", "fn": missing} if missing else {"status": "ok"}
            except BaseException as exc:  # the student's module refused the replacement
                response = {"status": "error", "error": error_report(exc)}
            write_frame(resp_fd, response)
            continue
        fn = next((getattr(m, request["fn"]) for m in modules if hasattr(m, request["fn"])), None)
        if not callable(fn) or request["fn"].startswith("_"):
            write_frame(resp_fd, {"status": "missing", "fn": request["fn"]})
            continue
        args, kwargs = request["args"], request["kwargs"]
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = fn(*args, **kwargs)
        except BaseException as exc:  # including SystemExit and KeyboardInterrupt
            response = {"status": "error", "error": error_report(exc)}
        else:
            response = {"status": "ok", "result": result,
                        "warnings": [f"{w.category.__name__}: {w.message}"[:300] for w in caught[:10]]}
            if request.get("return_args"):
                response.update(args=list(args), kwargs=kwargs)
        try:
            write_frame(resp_fd, response)
        except (BrokenPipeError, OSError):
            return
        except BaseException as exc:  # a result that cannot be encoded
            write_frame(resp_fd, {"status": "error", "error": {
                "type": "UnsendableResult", "message": f"the result could not be sent back: {exc!r:.300}", "where": ""}})


def main():
    """Serve the modules named in sys.argv (see the module's docstring), then exit at once."""
    serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(","))
    # Nothing is left to do: skip the interpreter's teardown of numpy and the student's
    # modules (a tenth of the child's CPU time).
    for stream in (sys.stdout, sys.stderr):  # unbuffered (-u), unless the student replaced them
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(0)
