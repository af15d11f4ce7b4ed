"""The wire between the grader and the student's process: what crosses, and its bounds.

Everything a child sends is hostile: frames too large, headers that lie,
JSON that swells, arrays that declare more than they carry, a reader that
never reads and a writer that trickles. Each is refused from its header, in
bounded memory and time.
"""
import io
import json
import os
import threading
import time
import tracemalloc

import numpy as np
import pytest

from autograder.engine import wire
from autograder.engine.handle import SCALAR_REPLY_BYTES, reply_limit
from autograder.toolkit import checks


@pytest.fixture
def pipe():
    r, w = os.pipe()
    yield r, w
    for fd in (r, w):
        try:
            os.close(fd)
        except OSError:
            pass


def frame(json_bytes, blob=b""):
    return wire.HEADER.pack(len(json_bytes), len(blob)) + json_bytes + bytes(blob)


def npy(array):
    stream = io.BytesIO()
    np.lib.format.write_array(stream, array, allow_pickle=False)
    return stream.getvalue()


def npy_header(shape, descr="<f8", fortran=False):
    """A .npy header alone, declaring any shape."""
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, {"descr": descr, "fortran_order": fortran, "shape": shape})
    return stream.getvalue()


class Peak:
    """Peak bytes Python (and numpy) allocated inside the block."""

    def __enter__(self):
        tracemalloc.start()
        return self

    def __exit__(self, *exc):
        self.bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


# ---------------------------------------------------------------- what crosses

def test_values_cross_unchanged(pipe):
    r, w = pipe
    value = {"f": [0.1, float("nan"), -float("inf"), 1e308], "i": 2**62, "t": (1, "x", None, True),
             "a": np.arange(12.0).reshape(3, 4), "F": np.asfortranarray(np.arange(6, dtype=np.int8).reshape(2, 3)),
             "odd": [np.zeros(3, np.int8), np.arange(5.0)], "s": np.float32(1.5), "b": np.bool_(True)}
    size = wire.write_frame(w, value)
    assert size == len(frame(*wire.encode(value)))
    got = wire.read_frame(r, time.monotonic() + 5)
    assert got["f"][0] == 0.1 and np.isnan(got["f"][1]) and got["f"][2] == -np.inf and got["i"] == 2**62
    assert got["t"] == (1, "x", None, True)
    for key in ("a", "F"):
        assert got[key].dtype == value[key].dtype and np.array_equal(got[key], value[key])
    assert all(np.array_equal(x, y) for x, y in zip(got["odd"], value["odd"]))
    assert got["odd"][1].flags.aligned, "an array after an odd-sized one is still aligned"
    assert type(got["s"]) is np.float32 and got["s"] == 1.5 and type(got["b"]) is np.bool_


def test_arrays_are_views_of_the_bytes_read_not_copies():
    big = np.arange(100_000, dtype=np.float64)
    json_bytes, blob = wire.encode(big)
    blob = bytearray(blob)
    with Peak() as peak:
        got = wire.decode(json_bytes, blob)
    assert np.array_equal(got, big) and not got.flags.owndata
    assert peak.bytes < 100_000, "decoding must not copy the array"


def test_arrays_are_written_as_numpy_writes_them_and_read_back_in_every_layout():
    base = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    arrays = [base, np.asfortranarray(base), base[:, ::2, 1:], base.transpose(2, 0, 1), np.array(1.5),
              np.zeros(0), np.array([True, False]), np.arange(5, dtype=">i4"), np.arange(3, dtype=np.float16),
              np.arange(7, dtype=np.uint8)]
    for array in arrays:
        _, blob = wire.encode(array)
        expected = io.BytesIO()
        np.lib.format.write_array(expected, np.ascontiguousarray(array) if not (
            array.flags.c_contiguous or array.flags.f_contiguous) else array, allow_pickle=False)
        assert bytes(blob) == expected.getvalue(), array.dtype
        got = wire.decode(*wire.encode(array))
        assert got.dtype == array.dtype and got.shape == array.shape and np.array_equal(got, array)


def test_array_headers_are_matched_never_evaluated():
    def record(header: bytes, data=b"\0" * 48):
        header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
        return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data
    assert wire.decode(b'{"__nd__": 0}', record(b"{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }")).shape == (6,)
    for header in (b"{'descr': '<f8', 'fortran_order': False, 'shape': (2*3,), }",
                   b"{'shape': (6,), 'descr': '<f8', 'fortran_order': False, }",
                   b"{'descr': '<f8', 'fortran_order': 0, 'shape': (6,), }",
                   b"{'descr': '<f8', 'fortran_order': False, 'shape': (__import__('os').getpid(),), }"):
        with pytest.raises(wire.WireError, match="header"):
            wire.decode(b'{"__nd__": 0}', record(header))


def test_objects_and_pickles_never_cross():
    json_bytes, _ = wire.encode(np.array([object()], dtype=object))
    assert isinstance(wire.decode(json_bytes, b""), wire.Unsupported)
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    for blob in (pickled.getvalue(), npy(np.array(["text"])), npy(np.zeros(2, dtype=[("x", "<f8")])),
                 npy(np.zeros(2, dtype=np.complex128))):
        with pytest.raises(wire.WireError, match="dtype"):
            wire.decode(b'{"__nd__": 0}', blob)


# ---------------------------------------------------------------- size bounds

def test_a_frame_over_the_limit_is_refused_from_its_header(pipe):
    r, w = pipe
    os.write(w, wire.HEADER.pack(10, 2**31))  # declares 2 GiB; not one byte of it is sent
    with Peak() as peak, pytest.raises(wire.TooLarge) as refused:
        wire.read_frame(r, time.monotonic() + 5, max_bytes=1_000_000)
    assert refused.value.size == 8 + 10 + 2**31 and refused.value.limit == 1_000_000
    assert peak.bytes < 100_000


def test_a_reply_just_under_the_limit_is_read_and_just_over_is_refused(pipe):
    r, w = pipe
    json_bytes, blob = wire.encode(np.zeros(30_000, dtype=np.int8))
    exact = len(frame(json_bytes, blob))
    wire.write_frame(w, np.zeros(30_000, dtype=np.int8))
    assert wire.read_frame(r, time.monotonic() + 5, max_bytes=exact).shape == (30_000,)
    wire.write_frame(w, np.zeros(30_000, dtype=np.int8))
    with pytest.raises(wire.TooLarge):
        wire.read_frame(r, time.monotonic() + 5, max_bytes=exact - 1)


def test_many_tiny_json_values_are_refused_before_parsing(pipe):
    r, w = pipe
    swollen = b"[" + b"0," * 15_000_000 + b"0]"  # 30 MB: about a gigabyte as Python objects
    os.write(w, wire.HEADER.pack(len(swollen), 0))
    with Peak() as peak, pytest.raises(wire.TooLarge, match="non-array part"):
        wire.read_frame(r, time.monotonic() + 5, max_bytes=64 * 2**20)
    assert peak.bytes < 100_000
    with pytest.raises(wire.TooLarge):
        wire.decode(swollen, b"")


def test_the_largest_json_allowed_stays_small_in_memory():
    worst = {"zeros": b"[" + b"0," * (wire.MAX_JSON_BYTES // 2 - 2) + b"0]",
             "lists": b"[" + b"[]," * (wire.MAX_JSON_BYTES // 3 - 2) + b"[]]",
             "floats": b"[" + b'{"__float__":"1"},' * (wire.MAX_JSON_BYTES // 18 - 2) + b'{"__float__":"1"}]'}
    for name, text in worst.items():
        assert len(text) <= wire.MAX_JSON_BYTES, name
        with Peak() as peak:
            wire.decode(text, b"")
        assert peak.bytes < 64 * wire.MAX_JSON_BYTES, (name, peak.bytes)  # 16 MB at most (11 MB measured)


def test_nesting_is_bounded_without_recursion_errors():
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(wire.WireError):
        wire.decode(deep, b"")
    nested = json.dumps(json.loads("[" * (wire.MAX_DEPTH + 2) + "]" * (wire.MAX_DEPTH + 2))).encode()
    with pytest.raises(wire.WireError, match="nested"):
        wire.decode(nested, b"")
    shallow = "[" * 10 + "]" * 10
    assert wire.decode(shallow.encode(), b"") == json.loads(shallow)


def test_array_headers_that_lie_are_refused_before_allocating():
    lies = {
        "huge shape": npy_header((10**6, 10**6)) + b"\0" * 64,
        "overflowing shape": npy_header((2**62, 2**62)) + b"\0" * 64,
        "a few bytes short": npy_header((100,)) + b"\0" * 799,
        "negative": npy_header((-1,)) + b"\0" * 8,
        "bytes declared as text": npy_header((10,), descr="<U100000000") + b"\0" * 64,
    }
    for name, blob in lies.items():
        with Peak() as peak, pytest.raises(wire.WireError):
            wire.decode(b'{"__nd__": 0}', blob)
        assert peak.bytes < 200_000, name
    huge_header = b"\x93NUMPY\x02\x00" + (200_000).to_bytes(4, "little") + b" " * 200_000
    with pytest.raises(wire.WireError):
        wire.decode(b'{"__nd__": 0}', huge_header)
    with pytest.raises(wire.WireError, match="missing"):
        wire.decode(b'{"__nd__": 1}', npy(np.zeros(2)))
    with pytest.raises(wire.WireError):
        wire.decode(b"{}", npy(np.zeros(1, np.int8)) * (wire.MAX_ARRAYS + 1))


def test_malformed_items_are_wire_errors():
    for text in (b"not json", b'{"__np__": "O", "value": 1}', b'{"__np__": "<f8", "value": [1]}',
                 b'{"__float__": "' + b"1" * 1000 + b'"}', b'{"__float__": 1}', b'{"what": 1}', b"{}",
                 b'{"__dict__": [[1]]}', b'{"__tuple__": 5}', b"\xff\xfe", b"[" + b"9" * 5000 + b"]"):
        with pytest.raises(wire.WireError):
            wire.decode(text, b"")


# ---------------------------------------------------------------- deadlines

def test_writing_to_a_reader_that_never_reads_times_out(pipe):
    r, w = pipe
    message = np.zeros(1_000_000)  # 8 MB: far more than a pipe holds
    start = time.monotonic()
    with pytest.raises(wire.Timeout):
        wire.write_frame(w, message, deadline=start + 0.5)
    assert 0.45 < time.monotonic() - start < 3


def test_writing_within_the_deadline_to_a_slow_reader_succeeds(pipe):
    r, w = pipe
    got = {}
    reader = threading.Thread(target=lambda: got.update(value=wire.read_frame(r, time.monotonic() + 10)))
    reader.start()
    wire.write_frame(w, np.arange(500_000.0), deadline=time.monotonic() + 10)
    reader.join(10)
    assert np.array_equal(got["value"], np.arange(500_000.0))


def test_reading_times_out_when_nothing_or_part_of_a_frame_arrives(pipe):
    r, w = pipe
    for sent in (b"", wire.HEADER.pack(5, 100) + b'{"a":'):
        os.write(w, sent)
        start = time.monotonic()
        with pytest.raises(wire.Timeout):
            wire.read_frame(r, start + 0.3, max_bytes=1000)
        assert time.monotonic() - start < 2
        while True:  # drain what was sent
            try:
                os.set_blocking(r, False)
                if not os.read(r, 1000):
                    break
            except BlockingIOError:
                break
        os.set_blocking(r, True)


def test_a_trickling_writer_cannot_stretch_the_deadline(pipe):
    r, w = pipe
    stop = threading.Event()

    def trickle():
        os.write(w, wire.HEADER.pack(1000, 0))
        while not stop.wait(0.02):
            try:
                os.write(w, b" ")
            except OSError:
                return

    writer = threading.Thread(target=trickle)
    writer.start()
    start = time.monotonic()
    try:
        with pytest.raises(wire.Timeout):
            wire.read_frame(r, start + 0.5, max_bytes=10_000)
    finally:
        stop.set()
        writer.join()
    assert time.monotonic() - start < 1.5


def test_a_closed_pipe_is_end_of_file(pipe):
    r, w = pipe
    os.write(w, wire.HEADER.pack(10, 0) + b"[1,")
    os.close(w)
    with pytest.raises(EOFError):
        wire.read_frame(r, time.monotonic() + 5)


# ---------------------------------------------------------------- limits per call

def test_reply_limits_follow_what_the_grader_expects():
    assert reply_limit(200) == SCALAR_REPLY_BYTES + 400  # a scalar call: kilobytes
    assert reply_limit(8_000_000) == SCALAR_REPLY_BYTES + 16_000_000  # about twice the arguments
    assert reply_limit(8_000_000, return_args=True) == SCALAR_REPLY_BYTES + 24_000_000  # the arguments come back
    network = [np.empty((16, 784)), np.empty((10, 16))]
    assert reply_limit(8_000_000, expect=network) < SCALAR_REPLY_BYTES + 2 * 150_000  # the data is not the answer
    assert reply_limit(200, expect=network) > 2 * (16 * 784 + 10 * 16) * 8
    assert reply_limit(200, reply_bytes=123) == 123
    assert wire.size_of(np.zeros((3, 4))) >= 96 and wire.size_of(0.5) < 100


def test_checks_refuse_a_huge_wrong_array_before_converting_it():
    huge = np.zeros(50_000_000, dtype=np.int8)  # 50 MB; 400 MB as float64
    for check in (lambda: checks.compare(huge, np.zeros(3), "sigmoid(z)"),
                  lambda: checks.compare(huge, np.zeros((2, 3)), "relu(z)"),
                  lambda: checks.expect_array(huge, (2, 3), "relu(z)"),
                  lambda: checks.compare([huge], np.zeros(3), "sigmoid(z)")):
        with Peak() as peak, pytest.raises(AssertionError) as failed:
            check()
        assert peak.bytes < 1_000_000
        assert "50000000" in str(failed.value) or "length 1" in str(failed.value)
    with pytest.raises(AssertionError, match="got a str"):
        checks.compare("0.5", 0.5, "sigmoid(0)")
    checks.compare(np.array([1, 2], dtype=np.int8), [1.0, 2.0], "ok")
    checks.compare([[0.5], [0.25]], np.array([[0.5], [0.25]]), "ok")


# ---------------------------------------------------------------- the handle: deadlines per function

def student_process(tmp_path, source, call_seconds, total_seconds):
    from autograder.engine.handle import StudentProcess
    from autograder.engine.sandbox import isolation_mode
    from autograder.limits import Limits
    module = tmp_path / "mod.py"
    module.write_text(source)
    return StudentProcess({"mod.py": module}, ["mod.py"], Limits(call_seconds, total_seconds, 1024, 1, 64),
                          mode=isolation_mode())


def test_a_function_that_timed_out_is_not_called_again_and_others_still_run(tmp_path):
    from autograder.engine.handle import StudentFailure
    process = student_process(tmp_path, "def hang():\n    while True:\n        pass\n"
                                        "def ok(x):\n    return x + 1\n", call_seconds=20, total_seconds=8)
    try:
        start = time.monotonic()
        with pytest.raises(StudentFailure, match="timed out after") as first:
            process.call("hang", (), {})
        assert time.monotonic() - start < 6.5, "hang() gets its fair share (8 s / 2 functions), not all 8 s"
        assert "share" in str(first.value)
        start = time.monotonic()
        with pytest.raises(StudentFailure, match="timed out earlier"):
            process.call("hang", (), {})
        assert time.monotonic() - start < 0.1
        assert process.call("ok", (41,), {}) == 42  # in a fresh child
    finally:
        process.close()


def test_a_child_that_stops_reading_costs_the_call_a_timeout(tmp_path):
    from autograder.engine.handle import StudentFailure
    source = ("import time\n"
              "def stall(x):\n    time.sleep(1000)\n"
              "def ok():\n    return 1\n")
    process = student_process(tmp_path, source, call_seconds=3, total_seconds=20)
    try:
        with pytest.raises(StudentFailure, match="timed out after 3 s while running stall"):
            process.call("stall", (0,), {})
        start = time.monotonic()
        with pytest.raises(StudentFailure, match="timed out earlier"):  # 8 MB of arguments: never sent
            process.call("stall", (np.zeros(1_000_000),), {})
        assert time.monotonic() - start < 0.1
        assert process.call("ok", (), {}) == 1
    finally:
        process.close()


def test_arguments_too_large_for_a_child_that_never_reads_time_out_on_the_write(tmp_path):
    from autograder.engine.handle import StudentFailure
    source = ("import sys, time\n"
              "from _nnfs_wire import write_frame\n"
              "write_frame(int(sys.argv[2]), {'status': 'ready', 'functions': ['f'], 'defined': ['f']})\n"
              "time.sleep(1000)\n")
    process = student_process(tmp_path, source, call_seconds=3, total_seconds=20)
    try:
        start = time.monotonic()
        with pytest.raises(StudentFailure, match="stopped reading"):
            process.call("f", (np.zeros(1_000_000),), {})
        assert time.monotonic() - start < 10
    finally:
        process.close()


def test_a_reply_over_its_limit_is_refused_with_a_reason(tmp_path):
    from autograder.engine.handle import StudentFailure
    source = "import numpy as np\ndef big(n):\n    return np.zeros(n, dtype=np.int8)\n"
    process = student_process(tmp_path, source, call_seconds=5, total_seconds=20)
    try:
        assert process.call("big", (60_000,), {}).shape == (60_000,)
        with pytest.raises(StudentFailure, match="more than the"):
            process.call("big", (200_000,), {})
        assert process.call("big", (200_000,), {}, expect=np.zeros(200_000, np.int8)).shape == (200_000,)
        with pytest.raises(StudentFailure, match="more than the"):
            process.call("big", (60_000,), {}, reply_bytes=1000)
    finally:
        process.close()
