"""Plain data across the trust boundary: JSON plus numpy arrays in .npy format.

Both sides use this module: the trusted parent and the sandboxed child (which
gets a copy of this file, so it imports only stdlib and numpy). Values are
encoded to a JSON tree in which arrays are replaced by {"__nd__": k}; the
arrays follow as consecutive .npy records. Nothing is ever pickled. (.npy
rather than .npz: a zip archive per call cost more than the call itself.)

A frame on the pipe is: 8-byte header (JSON length, blob length, big-endian
uint32 each), the JSON, the blob.

Reading a frame from the child is bounded before anything is allocated: the
header is checked against the reply's size limit (max_bytes) and the JSON
limit (max_json_bytes) before the body is read; every .npy header is parsed
and checked (numeric dtype, shape consistent with the bytes that follow)
before the array is made, and the array is a view of the bytes already read,
never a copy. The JSON part is small on purpose: arrays travel in the blob,
and 30 MB of `[0,0,...]` would make a gigabyte of Python objects. Writing
and reading both honour a deadline (time.monotonic() value), so a child that
stops reading its requests or never answers cannot stall the parent.
"""
import io
import json
import math
import os
import re
import select
import struct
import time

import numpy as np

HEADER = struct.Struct(">II")
MAX_FRAME_BYTES = 512 * 1024 * 1024  # what any frame may be; replies get a per-call limit
MAX_JSON_BYTES = 256 * 1024  # the JSON part of a reply (about 5-25 MB of Python objects at worst)
MAX_DEPTH = 48  # nesting of lists, tuples and dicts in a reply
MAX_ARRAYS = 4096  # .npy records in one frame
MAX_NPY_HEADER = 4096  # bytes of one .npy header (numpy writes ~128)
MAX_NDIM = 32
NUMERIC_KINDS = "biuf"
NPY_MAGIC = b"\x93NUMPY"
# The header numpy writes: {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), } and spaces.
_NPY_HEADER = re.compile(rb"\{'descr': '([^']{1,40})', 'fortran_order': (True|False), "
                         rb"'shape': \(((?:[0-9]+, )*[0-9]+,?|)\), \} *\n")
_NPY_DESCR = re.compile(rb"\{'descr': (.{1,60}?), 'fortran_order'")
_DESCR = re.compile(r"[<>|=][biuf][0-9]{1,2}")
_DTYPES = {}  # header's descr -> dtype, for the plain number types met so far
# Numeric numpy scalar types that may cross as {"__np__": dtype.str}: bool, (u)int8-64, float16-64.
SCALAR_DTYPES = frozenset(np.dtype(f"{order}{code}").str for order in "<>|"
                          for code in ("b1", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8"))


class WireError(Exception):
    """Malformed or oversized data on the wire."""


class TooLarge(WireError):
    """A frame larger than the reader allows; nothing of its body was read."""

    def __init__(self, size, limit, what="a reply"):
        super().__init__(f"{what} of {size} bytes is more than the {limit} bytes expected")
        self.size, self.limit = size, limit


class Timeout(Exception):
    """No complete frame written or read before the deadline."""


class Unsupported:
    """A value of a type that cannot cross the wire, e.g. a custom object."""

    def __init__(self, type_name, text):
        self.type_name = type_name
        self.text = text

    def __repr__(self):
        return f"<{self.type_name} object: {self.text}>"


class Fn:
    """A function argument, named from the child's fixed library (see child.py)."""

    def __init__(self, name, **params):
        self.name = name
        self.params = params

    def __repr__(self):
        return f"Fn({self.name!r})"


def encode(value):
    """Value -> (json bytes, .npy blob bytes)."""
    arrays = []

    def walk(v):
        if v is None or type(v) in (bool, str):
            return v
        if type(v) is int:
            return v
        if type(v) is float:
            return {"__float__": repr(v)}  # keeps nan, inf and every bit of the value
        if isinstance(v, np.ndarray):
            if v.dtype.kind not in NUMERIC_KINDS:
                return {"__unsupported__": f"ndarray of dtype {v.dtype}", "text": ""}
            arrays.append(v.view(np.ndarray))  # written out at once below: no copy needed
            return {"__nd__": len(arrays) - 1, "subclass": type(v) is not np.ndarray}
        if isinstance(v, np.generic):
            return {"__np__": np.dtype(type(v)).str, "value": walk(v.item())}
        if type(v) is list:
            return [walk(x) for x in v]
        if type(v) is tuple:
            return {"__tuple__": [walk(x) for x in v]}
        if type(v) is dict and all(type(k) is str for k in v):
            return {"__dict__": [[k, walk(x)] for k, x in v.items()]}
        if isinstance(v, Fn):
            return {"__fn__": v.name, "params": walk(v.params)}
        if isinstance(v, Unsupported):
            return {"__unsupported__": v.type_name, "text": v.text}
        try:
            text = repr(v)[:200]
        except BaseException:
            text = "?"
        return {"__unsupported__": type(v).__name__, "text": text}

    tree = walk(value)
    blob = io.BytesIO()
    for array in arrays:
        _write_npy(blob, array)
    return json.dumps(tree).encode(), blob.getbuffer()


def _write_npy(stream, array):
    """One .npy (version 1.0) record, as numpy.lib.format.write_array writes it for a numeric array.

    Written here, not by numpy: its general writer cost more than a small call's whole round trip.
    """
    if not (array.flags.c_contiguous or array.flags.f_contiguous):
        array = np.ascontiguousarray(array)
    fortran = not array.flags.c_contiguous
    header = "{'descr': %r, 'fortran_order': %r, 'shape': %r, }" % (array.dtype.str, fortran, array.shape)
    padding = -(len(NPY_MAGIC) + 4 + len(header) + 1) % 64  # data aligned to 64 bytes, as numpy does
    header = (header + " " * padding + "\n").encode("latin1")
    stream.write(NPY_MAGIC + b"\x01\x00" + len(header).to_bytes(2, "little") + header)
    stream.write((array.T if fortran else array).data.cast("B"))


def size_of(value) -> int:
    """About how many bytes value takes on the wire: arrays exactly, other items roughly.

    For reply-size limits: the grader's expected value (or an array of the
    expected shape and dtype) -> the size of a reply that looks like it.
    """
    if isinstance(value, np.ndarray):
        return value.nbytes + 128  # the .npy header is padded to 64-byte multiples, ~128 in practice
    if isinstance(value, (list, tuple)):
        return 16 + sum(size_of(x) for x in value)
    if isinstance(value, dict):
        return 16 + sum(len(str(k)) + 8 + size_of(x) for k, x in value.items())
    if isinstance(value, str):
        return len(value) + 8
    return 40  # a number, None, a bool, a numpy scalar: {"__float__": "..."} or less


def _dtype(descr: str) -> np.dtype:
    """The dtype a header names, if it is a plain number type (bool, int, uint, float)."""
    if descr not in _DTYPES:
        if not _DESCR.fullmatch(descr):
            raise WireError(f"an array of dtype {descr!r:.40}, not a plain numeric one")
        try:
            dtype = np.dtype(descr)
        except TypeError:
            raise WireError(f"an array of dtype {descr!r:.40}, not a plain numeric one") from None
        if dtype.kind not in NUMERIC_KINDS or dtype.hasobject or dtype.names is not None or dtype.subdtype is not None:
            raise WireError(f"an array of dtype {dtype}, not a plain numeric one")
        _DTYPES[descr] = dtype
    return _DTYPES[descr]


def _read_array_header(view, pos):
    """(shape, fortran_order, dtype, offset of the data) of the .npy record at view[pos:].

    Reads only the header numpy writes (version 1.0 or 2.0, the dict in its
    canonical form) with a plain number type; refuses anything else, and a
    header larger than MAX_NPY_HEADER. No Python literal is evaluated.
    """
    magic = bytes(view[pos:pos + len(NPY_MAGIC) + 2])
    if magic[:len(NPY_MAGIC)] != NPY_MAGIC or len(magic) < len(NPY_MAGIC) + 2:
        raise WireError("an array that is not in .npy format")
    version = tuple(magic[len(NPY_MAGIC):])
    size_bytes = {(1, 0): 2, (2, 0): 4}.get(version)
    if size_bytes is None:
        raise WireError(f"an array in .npy format {version}")
    start = pos + len(NPY_MAGIC) + 2 + size_bytes
    header_len = int.from_bytes(view[start - size_bytes:start], "little")
    if header_len > MAX_NPY_HEADER or start + header_len > len(view):
        raise WireError(f"an array header of {header_len} bytes")
    header = bytes(view[start:start + header_len])
    found = _NPY_HEADER.fullmatch(header)
    if not found:
        descr = _NPY_DESCR.match(header)
        if descr and not _DESCR.fullmatch(descr.group(1).decode("latin1").strip("'")):  # records, text, a pickle
            raise WireError(f"an array of dtype {descr.group(1).decode('latin1')!r:.60}, not a plain numeric one")
        raise WireError("an array header numpy would not write")
    descr, fortran, dims = found.group(1).decode("latin1"), found.group(2) == b"True", found.group(3)
    shape = tuple(int(n) for n in dims.replace(b",", b" ").split())
    if len(shape) > MAX_NDIM:
        raise WireError(f"an array of shape {shape!r:.80}")
    return shape, fortran, _dtype(descr), start + header_len


def _arrays_in(blob):
    """The arrays in a blob of consecutive .npy records, as views of the blob.

    Each header is checked before its array is made: the size it declares
    must fit in the bytes that follow, so nothing larger than the blob is
    ever allocated.
    """
    view, pos, arrays = memoryview(blob), 0, []
    while pos < len(view):
        if len(arrays) >= MAX_ARRAYS:
            raise WireError(f"more than {MAX_ARRAYS} arrays")
        shape, fortran, dtype, start = _read_array_header(view, pos)
        count = math.prod(shape)
        nbytes = count * dtype.itemsize
        if nbytes > len(view) - start:
            raise WireError(f"an array of shape {shape!r:.80} and dtype {dtype} declares {nbytes} bytes, "
                            f"but only {len(view) - start} follow")
        array = np.frombuffer(view[start:start + nbytes], dtype=dtype, count=count)
        array = array.reshape(shape[::-1]).transpose() if fortran else array.reshape(shape)
        if not array.flags.aligned:  # after an odd-sized record: a small, bounded copy
            array = array.copy()
        arrays.append(array)
        pos = start + nbytes
    return arrays


def decode(json_bytes, blob_bytes, make_fn=None, max_json_bytes=MAX_JSON_BYTES):
    """(json bytes, .npy blob) -> value. Raises WireError on anything malformed or too large."""
    if max_json_bytes is not None and len(json_bytes) > max_json_bytes:
        raise TooLarge(len(json_bytes), max_json_bytes, "the non-array part of a reply")
    try:
        tree = json.loads(json_bytes)
        arrays = _arrays_in(blob_bytes)
    except WireError:
        raise
    except Exception as exc:  # RecursionError and MemoryError included
        raise WireError(f"unreadable data: {str(exc)[:200]}") from None

    def walk(t, depth):
        if depth > MAX_DEPTH:
            raise WireError(f"items nested more than {MAX_DEPTH} deep")
        if t is None or type(t) in (bool, int, str):
            return t
        if type(t) is list:
            return [walk(x, depth + 1) for x in t]
        if type(t) is not dict or len(t) == 0:
            raise WireError(f"unexpected item {t!r:.80}")
        if "__float__" in t:
            text = t["__float__"]
            if type(text) is not str or len(text) > 40:
                raise WireError(f"a float written as {text!r:.80}")
            return float(text)
        if "__nd__" in t:
            index = t["__nd__"]
            if not (type(index) is int and 0 <= index < len(arrays)):
                raise WireError("an array that is missing")
            return arrays[index]
        if "__np__" in t:
            if t["__np__"] not in SCALAR_DTYPES:
                raise WireError(f"a numpy scalar of dtype {t['__np__']!r:.40}")
            value = walk(t["value"], depth + 1)
            if type(value) not in (bool, int, float):
                raise WireError("a numpy scalar that is not a number")
            return np.dtype(t["__np__"]).type(value)
        if "__tuple__" in t:
            return tuple(walk(x, depth + 1) for x in t["__tuple__"])
        if "__dict__" in t:
            return {str(k): walk(x, depth + 1) for k, x in t["__dict__"]}
        if "__fn__" in t:
            params = walk(t["params"], depth + 1)
            return make_fn(t["__fn__"], params) if make_fn else Fn(t["__fn__"], **params)
        if "__unsupported__" in t:
            return Unsupported(str(t["__unsupported__"])[:200], str(t.get("text", ""))[:300])
        raise WireError(f"unexpected item {t!r:.80}")

    try:
        return walk(tree, 0)
    except WireError:
        raise
    except Exception as exc:  # RecursionError and MemoryError included
        raise WireError(f"malformed data: {str(exc)[:200]}") from None


def _wait(fd, deadline, for_writing):
    """Block until fd is ready; raise Timeout at the deadline (None: wait for ever)."""
    while True:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise Timeout()
        ready = select.select([], [fd], [], left) if for_writing else select.select([fd], [], [], left)
        if ready[1 if for_writing else 0]:
            return


def write_frame(fd, message, deadline=None) -> int:
    """Encode a value and write it as one frame; return the frame's size in bytes.

    With a deadline the fd is made non-blocking and each write waits (select)
    for room in the pipe until then: a reader that stops reading costs a
    Timeout, never a blocked writer. Raises Timeout, or OSError (e.g.
    BrokenPipeError when the reader is gone).
    """
    json_bytes, blob = encode(message)
    if deadline is not None:
        os.set_blocking(fd, False)
    parts = [memoryview(part).cast("B") for part in (HEADER.pack(len(json_bytes), len(blob)), json_bytes, blob)]
    size = sum(len(part) for part in parts)
    while parts:  # one writev for the whole frame where the pipe has room: the reader wakes once
        if deadline is not None:
            _wait(fd, deadline, for_writing=True)
        try:
            written = os.writev(fd, parts)
        except BlockingIOError:  # a non-blocking fd and no deadline: wait for room
            _wait(fd, deadline, for_writing=True)
            continue
        while parts and written >= len(parts[0]):
            written -= len(parts[0])
            parts.pop(0)
        if parts:
            parts[0] = parts[0][written:]
    return size


def _read_exact(fd, n, deadline):
    buffer = bytearray(n)
    view, done = memoryview(buffer), 0
    while done < n:
        if deadline is not None:
            _wait(fd, deadline, for_writing=False)
        try:
            got = os.readv(fd, [view[done:]])
        except BlockingIOError:
            _wait(fd, deadline, for_writing=False)
            continue
        if not got:
            raise EOFError("the other side closed the pipe")
        done += got
    return buffer


def read_frame(fd, deadline=None, make_fn=None, max_bytes=MAX_FRAME_BYTES, max_json_bytes=MAX_JSON_BYTES):
    """Read one frame and decode it. deadline: time.monotonic() value or None.

    max_bytes bounds the whole frame and max_json_bytes its JSON part (None:
    no JSON limit, for the child reading the trusted parent's requests); a
    frame over either is refused from its header, before its body is read.
    Raises Timeout, EOFError, TooLarge, or WireError (malformed).
    """
    json_len, blob_len = HEADER.unpack(_read_exact(fd, HEADER.size, deadline))
    if HEADER.size + json_len + blob_len > max_bytes:
        raise TooLarge(HEADER.size + json_len + blob_len, max_bytes)
    if max_json_bytes is not None and json_len > max_json_bytes:
        raise TooLarge(json_len, max_json_bytes, "the non-array part of a reply")
    json_bytes = _read_exact(fd, json_len, deadline)
    blob = _read_exact(fd, blob_len, deadline)
    return decode(json_bytes, blob, make_fn, max_json_bytes)
