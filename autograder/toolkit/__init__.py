"""What hidden graders are written with. Never released to students.

One role per module:
    values    what a student's value is (describe_value), whether two values agree (agrees), unchanged inputs
    checks    the checks: expect_float / expect_int / expect_array / expect_list / expect_unchanged and compare
    mistakes  typical mistakes as data: Mistake(answer, hint), and naming the one a wrong answer matches
    blame     a mistake costs its points once: the student's own building blocks (own_result, same_error)
    network   the trusted network: sigmoid, feedforward, cost, backprop, random networks
    lecture   the lecture's numbers (784-16-16-10, 13,002 parameters, the cost 3.37 of the "3", ...)
    points    the @points(n, visibility) marker
    wording   feedback that stays grammatical ("1 example", "2 examples")

A grader usually needs one line:
    from autograder.toolkit import Mistake, compare, expect_array, fail, lecture, network, points
"""
from . import lecture, network
from .checks import compare, expect_array, expect_float, expect_int, expect_list, expect_unchanged, fail
from .mistakes import Mistake, named_mistake
from .points import points
from .values import agrees, describe_value, unchanged

__all__ = ["Mistake", "agrees", "compare", "describe_value", "expect_array", "expect_float", "expect_int", "expect_list",
           "expect_unchanged", "fail", "lecture", "named_mistake", "network", "points", "unchanged"]
