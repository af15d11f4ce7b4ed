"""A later function judged on its own: in a fresh child whose building block is a stand-in.

predict is the argmax of feedforward's output, neuron is activation(weighted_sum(w, a) + b). When the
building block raises for every input, the later function raises too, and no answer shows whether its
own part is right. Its building block's tests charge that error (blame.errors_of); the later
function's tests then ask it again in a child started for this and discarded afterwards
(StudentHandle.fresh_child), in which the student's building block is replaced by a stand-in that
gives the right answer (computed here, from the trusted network) for exactly this run's inputs and
raises for any other:

    answers = stand_in.table(lambda w, a: float(np.dot(w, a)), [(w1, a1), (w2, a2)])
    run = stand_in.recorded(student, {"weighted_sum": answers}, [("neuron", (w1, a1, b1)), ...], rng)
    run.answer("neuron", w1, a1, b1)      # judged against activation(w1 . a1 + b1)
    run.why_nothing("neuron")             # rule 1 on this run's answers (evidence.judge)

Where the later function computes the building block's inputs itself (average_cost feeds X forward, in
columns or as a batch, so the exact arrays it passes cannot be known), the stand-in is a function of
the child's fixed library instead of a table (stand_ins = {"example_cost": Fn("squared_error")}):
the right building block for any input, and the later function is judged as before.

Why nothing is gained by cheating it: the inputs are new (no other test uses them), every call is
asked twice in one shuffled stream (evidence.one_stream), and the child, with whatever it wrote, is
gone before the next test, which starts another one. Code that recognises the stand-in and answers
its inputs right has computed the later function right on its own inputs: what an honest later
function over the same broken building block earns, nothing more.
"""
from .blame import Recording


def table(function, inputs) -> list:
    """[(args, function(*args))] for each argument tuple of inputs: a stand-in's answers (function trusted)."""
    return [(tuple(args), function(*args)) for args in inputs]


def recorded(student, stand_ins: dict, calls, rng) -> Recording | None:
    """The student's answers to calls ((function, args[, kwargs]) each, each asked twice, shuffled), made in
    a fresh child in which each module attribute named in stand_ins ({name: table, or an engine.wire.Fn of the
    child's fixed library}) is a stand-in; None if
    this handle cannot start such a child (then there is no credit)."""
    fresh = getattr(student, "fresh_child", None)
    if fresh is None:
        return None
    with fresh(stand_ins):
        return Recording(student, calls, rng)
