"""`course similar`: planted copies rank first among independently written solutions.

The class: the reference and the corpus's correct solutions of 05_backprop
(tests/submissions/05_backprop/correct/), each written independently in its
own style, plus tests/similarity_data/05_backprop/: own_style.py (one more
independent solution), full_copy.py (nielsen_per_example.py with every
variable renamed, the functions reordered and other comments) and
one_function_copy.py (own_style.py with only numerical_gradient copied, renamed,
from nielsen_per_example.py).
"""
import ast
import csv
import os
from html.parser import HTMLParser
from pathlib import Path


from conftest import REPO, run_course
from autograder.config import load_course
from autograder.similarity import MAX_SOURCE_BYTES, find_similar, parse_submission, tokens

COURSE = load_course(REPO / "course.toml")
ASSIGNMENT = COURSE.assignment("05_backprop")
DATA = REPO / "tests" / "similarity_data" / "05_backprop"
# Correct variants written independently of the reference; one corpus variant is the earlier
# reference itself ("# CORRECT: the earlier reference"), which rightly resembles today's.
INDEPENDENT = {"ref": REPO / "solutions/05_backprop/backprop.py",
               **{p.stem: p for p in sorted((REPO / "tests/submissions/05_backprop/correct").glob("*.py"))
                  if "the earlier reference" not in p.read_text().splitlines()[0]}}
COPIED_FROM = "nielsen_per_example"


def make_class(root: Path, sources: dict[str, Path | str]) -> Path:
    for student, source in sources.items():
        folder = root / student / ASSIGNMENT.id
        folder.mkdir(parents=True)
        text = source.read_text() if isinstance(source, Path) else source
        (folder / "backprop.py").write_text(text)
    return root


def ranking(root):
    report, _ = find_similar(COURSE, ASSIGNMENT, root)
    return report


def test_the_corpus_is_independent_and_big_enough():
    assert len(INDEPENDENT) >= 4 and COPIED_FROM in INDEPENDENT


def test_a_full_copy_renamed_and_reordered_is_the_top_pair(tmp_path):
    root = make_class(tmp_path, {**INDEPENDENT, "own_style": DATA / "own_style.py", "copier": DATA / "full_copy.py"})
    report = ranking(root)
    assert not report.problems
    top, second = report.pairs[0], report.pairs[1]
    assert {top.student_a, top.student_b} == {"copier", COPIED_FROM}, report.pairs[:3]
    assert top.score >= 0.9 and second.score < top.score / 2, report.pairs[:3]
    assert {(a, b) for a, b, _ in top.matching} == {
        ("backprop", "backprop"), ("chain_rule_single", "chain_rule_single"),
        ("numerical_gradient", "numerical_gradient"), ("single_example", "backprop_one")}
    students = len(INDEPENDENT) + 2
    assert len(report.pairs) == students * (students - 1) // 2


def test_a_copy_of_one_function_is_the_top_pair(tmp_path):
    root = make_class(tmp_path, {**INDEPENDENT, "copier": DATA / "one_function_copy.py"})
    report = ranking(root)
    top, second = report.pairs[0], report.pairs[1]
    assert {top.student_a, top.student_b} == {"copier", COPIED_FROM}, report.pairs[:3]
    assert [(a, b) for a, b, _ in top.matching] == [("numerical_gradient", "numerical_gradient")]
    assert top.score > 0 and second.score < top.score, report.pairs[:3]


def test_without_a_copy_no_pair_stands_out(tmp_path):
    report = ranking(make_class(tmp_path, {**INDEPENDENT, "own_style": DATA / "own_style.py"}))
    assert report.pairs and report.pairs[0].score < 0.3, report.pairs[:3]


def test_the_stub_and_the_class_common_code_count_nothing(tmp_path):
    stub = (REPO / "assignments/05_backprop/backprop.py").read_text()
    report = ranking(make_class(tmp_path, {**INDEPENDENT, "stub1": stub, "stub2": stub}))
    stubs = [p for p in report.pairs if {p.student_a, p.student_b} == {"stub1", "stub2"}]
    assert stubs[0].score == 0 and not stubs[0].matching, "handing in the same stub is not copying"


def test_normalisation_ignores_names_comments_docstrings_and_formatting():
    one = parse_submission("a", 'import numpy as np\n\ndef f(x, y):\n    """Doc."""\n    # add\n    return np.exp(x) + y * 2\n')
    two = parse_submission("b", "import numpy\ndef g(  alpha,beta ):\n    return (numpy.exp(alpha)\n            + beta*2.0)\n")
    other = parse_submission("c", "import numpy as np\ndef f(x, y):\n    return np.log(x) + y * 2\n")
    assert one.fingerprints == two.fingerprints
    assert one.fingerprints != other.fingerprints, "attribute names (np.exp vs np.log) are kept"


def test_deep_nesting_is_fingerprinted_without_recursion_or_refused_cleanly():
    for terms in (5_000, 100_000):
        source = "def f(x):\n    return " + " + ".join(["x"] * terms) + "\n"
        try:
            submission = parse_submission("deep", source)
        except ValueError as exc:  # the parser's own limit: reported, not a crash
            assert "does not parse" in str(exc)
            continue
        assert len(submission.functions) == 1 and submission.functions[0].fingerprints
    assert len(tokens(ast.parse("def f(x):\n    return " + " + ".join(["x"] * 1500)))) > 3000


def test_bad_files_are_reported_not_fatal(tmp_path):
    root = make_class(tmp_path, {**INDEPENDENT, "copier": DATA / "full_copy.py",
                                 "broken": "def backprop(:\n", "huge": "x = 1\n" * (MAX_SOURCE_BYTES // 6 + 1)})
    (root / "linker" / ASSIGNMENT.id).mkdir(parents=True)
    (root / "linker" / ASSIGNMENT.id / "backprop.py").symlink_to(REPO / "solutions/05_backprop/backprop.py")
    (root / "absent" / ASSIGNMENT.id).mkdir(parents=True)
    (root / "outside").mkdir()
    (root / "outside" / ASSIGNMENT.id).symlink_to(REPO / "solutions/05_backprop")  # a linked folder
    (root / "pipe" / ASSIGNMENT.id).mkdir(parents=True)
    os.mkfifo(root / "pipe" / ASSIGNMENT.id / "backprop.py")  # would block a plain open()
    report = ranking(root)
    problems = {line.split(": ", 1)[0]: line for line in report.problems}
    for student, why in (("broken", "does not parse (line 1)"), ("huge", "larger than"),
                         ("linker", "not a regular file"), ("absent", "no 05_backprop/backprop.py"),
                         ("outside", "inside the submissions folder"), ("pipe", "not a regular file")):
        assert why in problems[student], problems
    students = {s for p in report.pairs for s in (p.student_a, p.student_b)}
    assert students == set(INDEPENDENT) | {"copier"}
    assert {report.pairs[0].student_a, report.pairs[0].student_b} == {"copier", COPIED_FROM}


class Page(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_command_writes_the_csv_sorted_and_an_escaped_page(tmp_path):
    evil = "eve<img src=x onerror=alert(1)>"
    sources = {**INDEPENDENT, "copier": DATA / "full_copy.py",
               evil: (DATA / "own_style.py").read_text() + "\n# </pre><script>alert(2)</script>\n",
               "=cmd": DATA / "one_function_copy.py"}
    root = make_class(tmp_path / "submitted", sources)
    done = run_course("similar", ASSIGNMENT.id, root, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "out" / "similarity.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["student_a", "student_b", "score", "matching_functions"]
    n = len(sources)
    assert len(rows) == 1 + n * (n - 1) // 2
    scores = [float(row[2]) for row in rows[1:]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert {rows[1][0], rows[1][1]} == {"copier", COPIED_FROM}
    assert "single_example ~ backprop_one" in rows[1][3]
    assert any("'=cmd" in (row[0], row[1]) for row in rows[1:]), "formula-like names are neutralised"
    assert not any("=cmd" in (row[0], row[1]) for row in rows[1:])

    text = (tmp_path / "out" / "similarity.html").read_text(encoding="utf-8")
    assert "<script" not in text and "<img" not in text
    assert (REPO / "autograder/templates/similarity/similarity.css").read_text() in text, "CSS inlined unescaped"
    page = Page(text)
    assert not any(tag == "script" for tag, _ in page.tags)
    words = "".join(page.text)
    assert evil in words and "</pre><script>alert(2)</script>" in words, "shown as text"
    assert "single_example ~ backprop_one" in words
    assert any(attrs.get("class") == "match" for tag, attrs in page.tags if tag == "span")


def test_command_rejects_a_missing_folder(tmp_path):
    done = run_course("similar", ASSIGNMENT.id, tmp_path / "nowhere", "--out", tmp_path / "out")
    assert done.returncode == 2 and "is not a folder" in done.stderr
    unknown = run_course("similar", "99_nothing", tmp_path, "--out", tmp_path / "out")
    assert unknown.returncode == 2 and "no assignment '99_nothing'" in unknown.stderr
