"""Plain data across the trust boundary: JSON plus numpy arrays in .npy format.

Both sides use this module: the trusted parent and the sandboxed child (which
gets a copy of this file, so it imports only stdlib and numpy). Values are
encoded to a JSON tree in which arrays are replaced by {"__nd__": k}; the
arrays follow as consecutive .npy records, read back with allow_pickle=False.
Nothing is ever pickled. (.npy rather than .npz: a zip archive per call cost
more than the call itself.)

A frame on the pipe is: 8-byte header (JSON length, blob length, big-endian
uint32 each), the JSON, the blob.
"""
import io
import json
import os
import select
import struct
import time

import numpy as np

HEADER = struct.Struct(">II")
MAX_FRAME_BYTES = 512 * 1024 * 1024
NUMERIC_KINDS = "biuf"


class WireError(Exception):
    """Malformed or oversized data on the wire."""


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
    """Value -> (json bytes, npz bytes)."""
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
        np.lib.format.write_array(blob, array, allow_pickle=False)
    return json.dumps(tree).encode(), blob.getbuffer()


def decode(json_bytes, blob_bytes, make_fn=None):
    """(json bytes, npz bytes) -> value. Raises WireError on anything malformed."""
    try:
        tree = json.loads(json_bytes)
        arrays, stream = [], io.BytesIO(blob_bytes)
        while stream.tell() < len(blob_bytes):
            arrays.append(np.lib.format.read_array(stream, allow_pickle=False))
    except Exception as exc:
        raise WireError(f"unreadable data: {exc}") from None

    def walk(t):
        if t is None or type(t) in (bool, int, str):
            return t
        if type(t) is list:
            return [walk(x) for x in t]
        if type(t) is not dict or len(t) == 0:
            raise WireError(f"unexpected item {t!r:.80}")
        if "__float__" in t:
            return float(t["__float__"])
        if "__nd__" in t:
            index = t["__nd__"]
            array = arrays[index] if type(index) is int and 0 <= index < len(arrays) else None
            if array is None or array.dtype.kind not in NUMERIC_KINDS:
                raise WireError("an array that is missing or not numeric")
            return array
        if "__np__" in t:
            dtype = np.dtype(t["__np__"])
            if dtype.kind not in NUMERIC_KINDS:
                raise WireError(f"a numpy scalar of dtype {dtype}")
            return dtype.type(walk(t["value"]))
        if "__tuple__" in t:
            return tuple(walk(x) for x in t["__tuple__"])
        if "__dict__" in t:
            return {str(k): walk(x) for k, x in t["__dict__"]}
        if "__fn__" in t:
            params = walk(t["params"])
            return make_fn(t["__fn__"], params) if make_fn else Fn(t["__fn__"], **params)
        if "__unsupported__" in t:
            return Unsupported(str(t["__unsupported__"]), str(t.get("text", "")))
        raise WireError(f"unexpected item {t!r:.80}")

    try:
        return walk(tree)
    except WireError:
        raise
    except Exception as exc:
        raise WireError(f"malformed data: {exc}") from None


def write_frame(fd, message):
    """Encode a value and write it as one frame to a file descriptor."""
    json_bytes, blob = encode(message)
    for part in (HEADER.pack(len(json_bytes), len(blob)), json_bytes, blob):
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view):]


class Timeout(Exception):
    """No complete frame before the deadline."""


def _read_exact(fd, n, deadline):
    buffer = bytearray(n)
    view, done = memoryview(buffer), 0
    while done < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise Timeout()
        got = os.readv(fd, [view[done:]])
        if not got:
            raise EOFError("the other side closed the pipe")
        done += got
    return buffer


def read_frame(fd, deadline=None, make_fn=None):
    """Read one frame and decode it. deadline: time.monotonic() value or None.

    Raises Timeout, EOFError, or WireError (malformed or over MAX_FRAME_BYTES).
    """
    json_len, blob_len = HEADER.unpack(_read_exact(fd, HEADER.size, deadline))
    if json_len + blob_len > MAX_FRAME_BYTES:
        raise WireError(f"{json_len + blob_len} bytes is more than the {MAX_FRAME_BYTES} allowed")
    json_bytes = _read_exact(fd, json_len, deadline)
    blob = _read_exact(fd, blob_len, deadline)
    return decode(json_bytes, blob, make_fn)
