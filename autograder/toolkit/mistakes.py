"""Typical mistakes as data.

A grader lists, per graded function, the answers its typical mistakes give on
the inputs at hand, each with the hint a student reads:

    def weighted_sum_mistakes(w, a):
        return [Mistake(np.dot(w, a) / len(w), "You divided by n: the weighted sum is ..."),
                Mistake(np.sum(w) * np.sum(a), "Multiply each weight by its own activation ...")]

compare(got, expected, what, mistakes=weighted_sum_mistakes(w, a)) then names
the first mistake whose answer equals the student's wrong answer.
"""
from dataclasses import dataclass

import numpy as np

from .values import agrees


@dataclass(frozen=True)
class Mistake:
    """answer: what the mistake gives on these inputs, computed in the parent (None: the
    mistake cannot be told apart here, e.g. a transpose of a non-square matrix);
    hint: what the student reads when their answer equals it, within rtol and atol;
    key: a name for the mistake, so that later tests can tell it was charged here (blame.note)."""
    answer: object
    hint: str
    rtol: float = 1e-6
    atol: float = 1e-9
    key: str = ""


def named_mistake(got, mistakes) -> str:
    """The hint of the first mistake whose (finite) answer agrees with got, else ''."""
    for mistake in mistakes:
        if mistake.answer is None:
            continue
        with np.errstate(all="ignore"):
            answer = np.asarray(mistake.answer, dtype=float)
        if np.all(np.isfinite(answer)) and agrees(got, answer, mistake.rtol, mistake.atol):
            return mistake.hint
    return ""


def scaled(expected, factors_and_hints, rtol=1e-6, atol=1e-9):
    """Mistakes that are the right answer times a factor: [(factor, hint), ...] -> [Mistake, ...]."""
    expected = np.asarray(expected, dtype=float)
    return [Mistake(factor * expected, hint, rtol, atol) for factor, hint in factors_and_hints]
