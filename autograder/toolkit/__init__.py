"""What hidden graders are written with. Never released to students.

One role per module:
    values    what a student's value is (describe_value), whether two values agree (agrees), unchanged inputs
    checks    the checks: expect_float / expect_int / expect_array / expect_list / expect_unchanged, compare
    evidence  expect_computes_on: a property or lecture test's points, and a building block's error credit,
              go only to code that computes (answers that depend on the input's values, the same answer
              to the same input asked again, no input handed back, not an error for every input)
    mistakes  typical mistakes as data: Mistake(answer, hint), and naming the one a wrong answer matches
    blame     a mistake costs its points once: the ledger of what a building block's own tests charged
    stand_in  a later function judged on its own, in a fresh child whose building block is a stand-in
    network   the trusted network: sigmoid, feedforward, cost, backprop, random networks
    lecture   the lecture's numbers (784-16-16-10, 13,002 parameters, the cost 3.37 of the "3", ...)
    points    the @points(n, visibility) marker
    wording   feedback that stays grammatical ("1 example", "2 examples")

A grader usually needs one line:
    from autograder.toolkit import Mistake, compare, expect_array, fail, lecture, network, points
"""
from . import lecture, network
from .checks import compare, expect_array, expect_float, expect_int, expect_list, expect_unchanged, fail
from .evidence import computes_nothing, computes_on, expect_computes, expect_computes_on
from .mistakes import Mistake, named_mistake, scaled
from .points import points
from .values import agrees, describe_value, unchanged

__all__ = ["agrees", "compare", "computes_nothing", "computes_on", "describe_value", "expect_array",
           "expect_computes", "expect_computes_on", "expect_float", "expect_int", "expect_list", "expect_unchanged",
           "fail", "lecture", "Mistake", "named_mistake", "network", "points", "scaled", "unchanged"]
