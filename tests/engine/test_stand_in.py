"""StudentProcess.fresh_child: calls run in a child of their own whose building block is a stand-in.

The stand-in answers exactly its table (however the arguments are passed) and raises for anything
else; the fresh child and the ordinary one share nothing (memory, files), so what a module learns
under a stand-in is gone before the next test; neither launch counts towards the restart limit.
"""
import numpy as np
import pytest

from autograder.engine.handle import StudentFailure, StudentError, StudentHandle, StudentProcess
from autograder.engine.sandbox import become_subreaper, isolation_mode
from autograder.engine.wire import Fn
from autograder.limits import Limits
from autograder.toolkit import stand_in

# A module that tries everything an attacker would: remembers calls, leaves notes wherever it can
# write, recognises the stand-in, changes the answer it was given.
ATTACKER = '''
import os
import numpy as np

_memory = []
NOTES = [os.path.join(os.environ.get("HOME", "."), "stand-in-note"), os.path.join(os.environ.get("TMPDIR", "."),
         "stand-in-note2"), "stand-in-note3", "/tmp/stand-in-note4", "/dev/shm/stand-in-note5"]


def build(x, scale=2.0):
    raise ValueError("build is broken")


def use(x):
    return build(x)


def use_keyword(x):
    return build(x=x, scale=2.0)


def use_list(x):
    return build([float(v) for v in x])


def use_scale(x):
    return build(x, 3.0)


def use_other(x):
    return build(x + 1.0)


def changes_its_answer(x):
    first = build(x)
    first[0] = 99.0
    return build(x)


def recognise():
    return type(build).__name__


def remember(x):
    _memory.append(x)
    written = 0
    for path in NOTES:
        try:
            with open(path, "w") as note:
                note.write(repr(x.tolist()))
            written += 1
        except OSError:
            pass
    return written


def recall():
    found = []
    for path in NOTES:
        try:
            with open(path) as note:
                found.append(note.read())
        except OSError:
            pass
    return [len(_memory), found]
'''

# A later function that takes its building block as a default argument (neuron's activation=sigmoid), and one
# that passes it arrays it computes itself (average_cost's columns).
DEFAULTS = '''
import numpy as np


def block(z):
    return 0.75


def by_default(z, f=block):
    return f(z) + 1.0


def by_keyword_default(z, *, f=block):
    return f(z) + 2.0


def cost(a, y):
    return 0.75


def mean_cost(A, Y):
    return float(np.mean([cost(A[:, j:j + 1] * 1.0, Y[:, j:j + 1]) for j in range(A.shape[1])]))
'''

# A module that will not let an attribute be replaced (its class refuses every setattr).
REFUSER = '''
import sys
import time
import types


class _Locked(types.ModuleType):
    def __setattr__(self, name, value):
        if name == "stall":
            time.sleep(1000)
        raise AttributeError("read-only module")


def stall(x):
    return x


def build(x):
    raise ValueError("build is broken")


def use(x):
    return build(x)


sys.modules[__name__].__class__ = _Locked
'''


@pytest.fixture
def make_student(tmp_path):
    become_subreaper()
    processes = []

    def make(source):
        (tmp_path / "mod.py").write_text(source)
        process = StudentProcess({"mod.py": tmp_path / "mod.py"}, ["mod.py"], Limits(20, 60, 1024, 1, 64),
                                 mode=isolation_mode())
        processes.append(process)
        return process, StudentHandle(process)
    yield make
    for process in processes:
        process.close()


def test_a_stand_in_answers_its_table_however_called_and_nothing_else(make_student):
    process, student = make_student(ATTACKER)
    x = np.array([1.0, -2.0, 0.5])
    with pytest.raises(StudentError, match="build is broken"):
        student.use(x)
    with student.fresh_child({"build": [((x,), 2 * x), ((x, 3.0), 3 * x)]}):
        for function in ("use", "use_keyword", "use_list", "changes_its_answer"):
            assert np.array_equal(student.call(function, x), 2 * x), function  # a copy each time
        assert np.array_equal(student.use_scale(x), 3 * x)
        with pytest.raises(StudentError) as other:
            student.use_other(x)
        assert other.value.type == "StandInError" and "only for the inputs this test passes on" in str(other.value)
        assert student.recognise() == "StandIn"  # it may know; it gains only this test's right answers
    with pytest.raises(StudentError, match="build is broken"):  # the student's own build is back
        student.use(x)
    assert process.starts == 1, "the fresh child and the restart after it are not counted as crashes"


def test_nothing_passes_between_the_fresh_child_and_the_ordinary_one(make_student):
    _, student = make_student(ATTACKER)
    x = np.array([4.0, 5.0])
    assert student.remember(x) >= 1  # its work folder at least is writable
    assert student.recall()[0] == 1
    with student.fresh_child({"build": [((x,), x)]}):
        assert student.recall() == [0, []], "the ordinary child's memory and notes are not in the fresh one"
        assert student.remember(x + 1.0) >= 1
        assert student.recall()[0] == 1
    assert student.recall() == [0, []], "what the fresh child learnt is gone with it"


def test_a_module_that_refuses_the_stand_in_fails_every_call_at_once(make_student):
    process, student = make_student(REFUSER)
    x = np.array([1.0])
    with student.fresh_child({"build": [((x,), x)]}):
        for _ in range(3):
            with pytest.raises(StudentFailure, match=r"build\(\) could not be replaced"):
                student.use(x)
    assert process.starts == 0, "one (free) launch for the refusal, not one per call"
    with pytest.raises(StudentError, match="build is broken"):
        student.use(x)
    with student.fresh_child({"nothing_like_it": [((x,), x)]}):
        with pytest.raises(StudentFailure, match="is missing from your module"):
            student.use(x)
    process.call_seconds = 1
    with student.fresh_child({"stall": [((x,), x)]}):  # a replacement that never ends: one timeout, not one per call
        for _ in range(3):
            with pytest.raises(StudentFailure, match=r"timed out after 1 s while replacing stall\(\)"):
                student.use(x)
    assert process.starts == 1


def test_the_toolkit_gives_no_stand_in_credit_where_no_fresh_child_can_start():
    class Local:  # a handle without fresh_child, such as the tests' stand-ins for the engine
        def call(self, name, *args, **kwargs):
            raise AssertionError("never called")
    assert stand_in.recorded(Local(), {"build": []}, [("use", (1.0,))], np.random.default_rng(0)) is None
    assert stand_in.table(lambda w, a: float(np.dot(w, a)), [([1.0, 2.0], [3.0, 4.0])]) == \
        [(([1.0, 2.0], [3.0, 4.0]), 11.0)]


def test_a_stand_in_also_replaces_a_default_argument_that_is_the_building_block(make_student):
    _, student = make_student(DEFAULTS)
    assert student.by_default(0.5) == 1.75 and student.by_keyword_default(0.5) == 2.75
    with student.fresh_child({"block": [((0.5,), 10.0)]}):
        assert student.by_default(0.5) == 11.0 and student.by_keyword_default(0.5) == 12.0
    assert student.by_default(0.5) == 1.75, "the student's own default is back in the next child"


def test_a_library_stand_in_answers_any_input_right(make_student):
    _, student = make_student(DEFAULTS)
    A, Y = np.array([[0.5, 1.0], [0.25, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    assert student.mean_cost(A, Y) == 0.75
    with student.fresh_child({"cost": Fn("squared_error")}):
        assert student.mean_cost(A, Y) == pytest.approx((0.25 + 0.0625 + 1.0 + 1.0) / 2)
    assert student.mean_cost(A, Y) == 0.75
