"""Every promise in a docstring is a test.

A stub's docstring promises behaviour: what it raises, the type, shape and
dtype it returns, which inputs stay unchanged, that the rng decides the
shuffle. Each grader file declares, for each graded function, the promises
it checks and the hidden tests that check them:

    PROMISES = {
        "weighted_sum": {
            "Inputs of different lengths raise ValueError": ["test_weighted_sum_lengths"],
            "Returns a float": ["test_weighted_sum_lecture", "test_weighted_sum_random"],
        },
    }

A promise is a phrase quoted from the docstring (spaces do not matter). A
sentence of the docstring is behavioural when it speaks of what the function
raises, returns, changes or keeps, of shapes, dtypes, floats and ints, or of
the generator; each such sentence must contain a declared promise. A sentence
that describes an argument (it starts with one of the function's parameter
names and a colon: "y: the one-hot labels, shape (n, m).") is no promise: it
tells what the caller passes, not what the function does. Read from source
(syntax trees), nothing is imported.
"""
import ast
import dataclasses
import re

from ..build import graded_functions
from ..config import Assignment, Course

BEHAVIOURAL = re.compile(
    r"\b(raises?|returns?|unchanged|modif\w*|shape|dtype|floats?|ints?|generator|rng|shuffles?|"
    r"reproducib\w*|never|must|stable|same)\b", re.IGNORECASE)  # whole words: "int", not "into"


@dataclasses.dataclass(frozen=True)
class Promise:
    function: str
    text: str           # the phrase, as declared
    tests: tuple        # the hidden tests that check it
    problem: str = ""   # why the declaration is wrong ("" if it is fine)


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


def prose(docstring: str) -> str:
    """The docstring without its doctest examples (their `>>>` lines, what they print, and the paragraph
    that introduces them): examples show calls, they promise nothing of their own."""
    import doctest

    paragraphs = docstring.split("\n\n")
    kept = []
    for index, paragraph in enumerate(paragraphs):
        if doctest.DocTestParser().get_examples(paragraph):
            if kept and kept[-1].rstrip().endswith(":") and index and paragraphs[index - 1] is kept[-1]:
                kept.pop()  # "Examples (the lecture's ReLU layer):" introduces them
            continue
        kept.append(paragraph)
    return "\n\n".join(kept)


def sentences(docstring: str) -> list[str]:
    """The docstring's sentences and clauses, spaces normalised: a sentence ends with '.' or ':' before
    a capital or before a word and a colon (an argument's description, "y: the labels"), a clause with ';'."""
    text = " ".join(prose(docstring).split())
    out = []
    for piece in (s.strip() for s in re.split(r"(?<=[.:])\s+(?=[A-Z(\"']|[A-Za-z_]\w*: )|(?<=;)\s+", text)):
        if piece and out and re.fullmatch(r"[A-Za-z_]\w*:", out[-1]):
            out[-1] += " " + piece  # "z: (n, m) inputs." is one sentence, not "z:" and the rest
        elif piece:
            out.append(piece)
    return out


def describes_argument(sentence: str, parameters) -> bool:
    """Whether the sentence starts with a parameter's name and a colon ("y: the one-hot labels")."""
    return any(sentence.startswith(f"{name}:") for name in parameters)


def behavioural(docstring: str, parameters=()) -> list[str]:
    """The sentences that promise behaviour (BEHAVIOURAL), in order; those describing one of the
    parameters (named) are none."""
    return [s for s in sentences(docstring) if BEHAVIOURAL.search(s) and not describes_argument(s, parameters)]


def declared(grader_source: str) -> dict:
    """The grader's PROMISES dict ({} if it has none); a literal, read without importing."""
    for node in ast.parse(grader_source).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PROMISES" for t in node.targets):
            return ast.literal_eval(node.value)
    return {}


def check(docstrings: dict, promises: dict, tests: set, parameters=None) -> tuple[list[Promise], dict]:
    """(declared promises with what is wrong with each, {function: [behavioural sentences no promise covers]}).

    docstrings: {function: docstring} of the graded functions; tests: the grader's test names;
    parameters: {function: its parameter names}, whose descriptions promise nothing."""
    found, unchecked = [], {}
    for function, docstring in docstrings.items():
        text = _normal(docstring or "")
        mine = promises.get(function, {})
        for phrase, names in mine.items():
            problem = ""
            if _normal(phrase) not in text:
                problem = "not in the docstring"
            elif not names:
                problem = "no test checks it"
            elif [n for n in names if n not in tests]:
                problem = "no such test: " + ", ".join(n for n in names if n not in tests)
            found.append(Promise(function, phrase, tuple(names), problem))
        phrases = [_normal(p) for p in mine]
        said = behavioural(docstring or "", (parameters or {}).get(function, ()))
        missing = [s for s in said if not any(p in _normal(s) for p in phrases)]
        if missing:
            unchecked[function] = missing
    for function in promises:
        if function not in docstrings:
            found.append(Promise(function, "", (), f"{function} is not a graded function"))
    return found, unchecked


def assignment_promises(course: Course, assignment: Assignment):
    """check() for one assignment: its reference docstrings against its grader's PROMISES."""
    from ..engine.grader_points import decorated_tests, grader_tree

    docstrings, parameters = {}, {}
    for module in assignment.modules:
        source = (course.solution_dir(assignment.id) / module).read_text(encoding="utf-8")
        for function in graded_functions(source):
            docstrings[function.name] = ast.get_docstring(function) or ""
            arguments = function.args
            parameters[function.name] = [a.arg for a in (*arguments.posonlyargs, *arguments.args,
                                                         *arguments.kwonlyargs)]
    grader = course.grader_file(assignment.id).read_text(encoding="utf-8")
    tests = {t.name for t in decorated_tests(grader_tree(course, assignment))}
    return check(docstrings, declared(grader), tests, parameters)
