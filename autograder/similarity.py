"""Which submissions of one assignment look copied: ``course similar ID SUBMITTED --out DIR``.

Each submission's module is parsed with ``ast`` (never imported or run) and
cut into functions. A function is normalised: its docstring dropped, every
identifier it uses (its arguments, locals, the names of modules and other
functions) replaced by one placeholder, numbers written
alike (1 and 1.0); comments and formatting are gone with the parse. Its
fingerprints are the hashed k-grams of its syntax tree walked in order
(node types, operators, attribute names such as ``exp`` in ``np.exp``,
constants). A file's fingerprints are the union of its functions', so the
order of functions does not matter.

Code that most of the class writes alike is discounted: fingerprints of the
stub students were given (the provided lines) count nothing, and so do those
in more than COMMON_SHARE of the submissions (the lecture's one-liners);
the rest weigh log(n / df), rarer code weighing more. Two functions match
when the weighted Jaccard similarity of their fingerprints is at least
FUNCTION_MATCH, whatever their names. The score of a pair is the weight its
matching functions share over the smaller of the two submissions' weights:
copying one distinctive function scores above independent work, and idioms
that recur here and there in independent solutions add nothing. Output:
DIR/similarity.csv (student_a, student_b, score, matching_functions, most
similar first) and DIR/similarity.html (the top pairs side by side, the
matching functions highlighted; autoescaped jinja2 template).

Student files are untrusted: read only if regular (no symlinks) and at most
MAX_SOURCE_BYTES; a file that does not parse is reported, not fatal.
"""
import ast
import collections
import dataclasses
import hashlib
import math
import statistics
from pathlib import Path

import jinja2

from .config import Assignment, Course
from .primitives import IsLink, RefusedFile, atomic_write, read_regular
from .engine.text import neutralise

MAX_SOURCE_BYTES = 1024 * 1024  # the engine grades no larger module
MAX_TOKENS = 200_000  # per file: beyond this the rest is not fingerprinted
K = 8  # tokens per fingerprint
COMMON_SHARE = 0.5  # fingerprints in more than this share of submissions count nothing
MIN_COMMON_CLASS = 4  # ... once the class has at least this many submissions
FUNCTION_MATCH = 0.5  # weighted Jaccard from which two functions are named as matching
TOP_PAIRS = 20  # shown side by side in the HTML page
TEMPLATES = Path(__file__).parent / "templates" / "similarity"


@dataclasses.dataclass
class Function:
    name: str  # as written, e.g. "backprop" or "Network.backprop"
    first_line: int
    last_line: int
    fingerprints: set[int]


@dataclasses.dataclass
class Submission:
    student: str
    source: str
    functions: list[Function]

    @property
    def fingerprints(self) -> set[int]:
        return set().union(*(f.fingerprints for f in self.functions)) if self.functions else set()


@dataclasses.dataclass
class Pair:
    student_a: str
    student_b: str
    score: float
    matching: list[tuple[str, str, float]]  # (function of a, function of b, similarity)

    def matching_text(self) -> str:
        return "; ".join(fa if fa == fb else f"{fa} ~ {fb}" for fa, fb, _ in self.matching)


# ---------------------------------------------------------------- normalising

def _strip_docstring(body: list) -> list:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def _constant(value) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(float(value))
    if isinstance(value, str):
        return "str"  # messages and names students word differently
    return type(value).__name__


def tokens(node: ast.AST) -> list[str]:
    """The normalised pre-order token stream of a function or statement (iterative: any depth)."""
    out: list[str] = []

    stack = [node]
    while stack and len(out) < MAX_TOKENS:
        item = stack.pop()
        if isinstance(item, str):  # a closing marker
            out.append(item)
            continue
        kind = type(item).__name__
        if isinstance(item, ast.Name):
            out.append("Name")
        elif isinstance(item, ast.arg):
            out.append("arg")
        elif isinstance(item, ast.Attribute):
            out.append(f"Attribute:{item.attr}")
        elif isinstance(item, ast.Constant):
            out.append(f"Constant:{_constant(item.value)}")
        elif isinstance(item, (ast.operator, ast.unaryop, ast.cmpop, ast.boolop)):
            out.append(kind)
        elif isinstance(item, (ast.expr_context,)):
            continue
        elif isinstance(item, ast.keyword):
            out.append(f"keyword:{item.arg}")
        elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.append(kind)
        elif isinstance(item, (ast.Import, ast.ImportFrom)):
            out.append(kind)
            continue
        else:
            out.append(kind)
        children = []
        for field, value in ast.iter_fields(item):
            if field in ("type_comment", "decorator_list", "returns", "type_params"):
                continue
            if field == "body" and isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                value = _strip_docstring(value)
            if isinstance(value, list):
                children += [v for v in value if isinstance(v, ast.AST)]
            elif isinstance(value, ast.AST):
                children.append(value)
        if isinstance(item, ast.stmt):
            stack.append("end")
        stack.extend(reversed(children))
    return out


def fingerprints(stream: list[str]) -> set[int]:
    """The hashed K-grams of a token stream (the whole stream when shorter)."""
    grams = [stream[i:i + K] for i in range(max(1, len(stream) - K + 1))] if stream else []
    return {int.from_bytes(hashlib.blake2b("\x1f".join(g).encode(), digest_size=8).digest(), "big")
            for g in grams}


def functions_of(tree: ast.Module) -> list[Function]:
    """The module's functions (methods as Class.name); other top-level code as "<module>"."""
    functions, rest = [], []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.append((node.name, node))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    functions.append((f"{node.name}.{item.name}", item))
        elif not isinstance(node, (ast.Import, ast.ImportFrom)):
            rest.append(node)
    out = [Function(name, node.lineno, node.end_lineno or node.lineno, fingerprints(tokens(node)))
           for name, node in functions]
    rest = _strip_docstring(rest)
    if rest:
        module = ast.Module(body=rest, type_ignores=[])
        out.append(Function("<module>", rest[0].lineno, rest[-1].end_lineno or rest[-1].lineno,
                            fingerprints(tokens(module))))
    return out


def read_source(path: Path, root: Path) -> str:
    """A student's file under root as text; OSError or RefusedFile (primitives.read_regular) saying why not.

    Opened without following a final symlink and without blocking (a FIFO is refused),
    checked to be a regular file inside root; a file over MAX_SOURCE_BYTES is refused, never cut.
    """
    if not path.resolve().is_relative_to(root.resolve()):
        raise RefusedFile("not a regular file inside the submissions folder")
    return read_regular(path, MAX_SOURCE_BYTES).decode("utf-8", errors="replace")


def parse_submission(student: str, source: str) -> Submission:
    """Parse (never run) and fingerprint one submission; ValueError if it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        raise ValueError(f"does not parse{f' (line {line})' if line else ''}: {type(exc).__name__}") from None
    return Submission(student, source, functions_of(tree))


# ---------------------------------------------------------------- comparing

def weights(submissions: list[Submission], provided: set[int]) -> dict[int, float]:
    """Each fingerprint's weight: 0 when provided or common, else log(n / df)."""
    df = collections.Counter(fp for s in submissions for fp in s.fingerprints)
    n = len(submissions)
    common = COMMON_SHARE * n if n >= MIN_COMMON_CLASS else n
    return {fp: 0.0 if fp in provided or count > common else math.log(n / count) + 1e-3
            for fp, count in df.items()}


def _weight(fps: set[int], w: dict[int, float]) -> float:
    return sum(w.get(fp, 0.0) for fp in fps)


def matching_functions(a: Submission, b: Submission, w: dict[int, float]) -> list[tuple[str, str, float, float]]:
    """Functions of a and b that match, one-to-one, best first: (name in a, name in b, similarity, shared weight).

    Two functions match when the weighted Jaccard similarity of their fingerprints is at least FUNCTION_MATCH.
    """
    candidates = []
    for fa in a.functions:
        for fb in b.functions:
            shared = _weight(fa.fingerprints & fb.fingerprints, w)
            if shared <= 0:
                continue
            union = _weight(fa.fingerprints | fb.fingerprints, w)
            if union and shared / union >= FUNCTION_MATCH:
                candidates.append((shared / union, shared, fa.name, fb.name))
    used_a, used_b, out = set(), set(), []
    for similarity, shared, na, nb in sorted(candidates, key=lambda c: (-c[0], -c[1], c[2], c[3])):
        if na not in used_a and nb not in used_b:
            used_a.add(na)
            used_b.add(nb)
            out.append((na, nb, round(similarity, 3), shared))
    return out


def compare(submissions: list[Submission], provided: set[int]) -> list[Pair]:
    """Every pair of submissions, most similar first (ties by names).

    A pair's score counts only the code in functions that match as a whole:
    idioms that happen to recur here and there in independent work add nothing.
    """
    w = weights(submissions, provided)
    totals = [_weight(s.fingerprints, w) for s in submissions]
    # A submission with almost nothing of its own (the stub, a few lines) must not score
    # high against everyone: the denominator is at least a quarter of the class's median.
    floor = 0.25 * statistics.median(totals) if totals else 0.0
    index = collections.defaultdict(list)  # fingerprint -> submissions holding it
    for i, s in enumerate(submissions):
        for fp in s.fingerprints:
            if w[fp] > 0:
                index[fp].append(i)
    sharing = set()  # pairs with any weighted fingerprint in common: only these can match
    for holders in index.values():
        sharing.update((holders[x], holders[y]) for x in range(len(holders)) for y in range(x + 1, len(holders)))
    scored = []
    for i in range(len(submissions)):
        for j in range(i + 1, len(submissions)):
            matching = matching_functions(submissions[i], submissions[j], w) if (i, j) in sharing else []
            denominator = max(min(totals[i], totals[j]), floor, 1e-9)
            score = min(1.0, sum(m[3] for m in matching) / denominator)
            scored.append((round(score, 4), submissions[i].student, submissions[j].student,
                           [m[:3] for m in matching]))
    scored.sort(key=lambda p: (-p[0], p[1], p[2]))
    return [Pair(a, b, score, matching) for score, a, b, matching in scored]


# ---------------------------------------------------------------- the class

@dataclasses.dataclass
class SimilarityReport:
    pairs: list[Pair]
    problems: list[str]  # one line per submission left out, with the reason
    csv_path: Path | None = None
    html_path: Path | None = None


def provided_fingerprints(course: Course, assignment: Assignment) -> set[int]:
    """The fingerprints of the stub students were given (the release module)."""
    out = set()
    for module in assignment.modules:
        path = course.release_dir(assignment.id) / module
        if path.is_file():
            out |= parse_submission("(stub)", path.read_text(encoding="utf-8")).fingerprints
    return out


def load_class(course: Course, assignment: Assignment, submitted: Path) -> tuple[list[Submission], list[str]]:
    """Every student's module(s) of the assignment, parsed; problems named, not fatal."""
    submissions, problems = [], []
    for folder in sorted(p for p in submitted.iterdir() if p.is_dir() and not p.name.startswith(".")):
        student = folder.name
        sources = []
        for module in assignment.modules:
            path = folder / assignment.id / module
            try:
                sources.append(read_source(path, submitted))
            except FileNotFoundError:
                problems.append(f"{student}: no {assignment.id}/{module}")
            except IsLink:
                problems.append(f"{student}: {assignment.id}/{module}: not a regular file (a symbolic link)")
            except RefusedFile as exc:  # not a regular file, larger than MAX_SOURCE_BYTES, outside root
                problems.append(f"{student}: {assignment.id}/{module}: {exc.reason}")
            except OSError as exc:
                problems.append(f"{student}: {assignment.id}/{module}: cannot be read ({exc.strerror or exc})")
        if len(sources) != len(assignment.modules):
            continue
        try:
            submissions.append(parse_submission(student, "\n".join(sources)))
        except ValueError as exc:
            problems.append(f"{student}: {assignment.id}: {exc}")
    return submissions, problems


def similarity_csv(pairs: list[Pair]) -> str:
    import csv
    import io
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["student_a", "student_b", "score", "matching_functions"])
    for pair in pairs:
        writer.writerow([neutralise(pair.student_a), neutralise(pair.student_b), f"{pair.score:.4f}",
                         neutralise(pair.matching_text())])
    return buffer.getvalue()


def _lines(submission: Submission, highlighted: set[str]) -> list[dict]:
    """The source line by line, each marked when inside a matching function."""
    spans = [(f.first_line, f.last_line) for f in submission.functions if f.name in highlighted]
    return [{"number": n, "text": text, "match": any(lo <= n <= hi for lo, hi in spans)}
            for n, text in enumerate(submission.source.splitlines(), start=1)]


def similarity_html(course: Course, assignment: Assignment, report: SimilarityReport,
                    by_student: dict[str, Submission]) -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    top = []
    for pair in report.pairs[:TOP_PAIRS]:
        a, b = by_student[pair.student_a], by_student[pair.student_b]
        top.append({"pair": pair,
                    "a": _lines(a, {fa for fa, _, _ in pair.matching}),
                    "b": _lines(b, {fb for _, fb, _ in pair.matching})})
    return environment.get_template("similarity.html.j2").render(
        course=course, assignment=assignment, pairs=report.pairs, top=top, problems=report.problems,
        students=len(by_student))


def find_similar(course: Course, assignment: Assignment, submitted: Path) -> tuple[SimilarityReport, dict]:
    submissions, problems = load_class(course, assignment, Path(submitted))
    pairs = compare(submissions, provided_fingerprints(course, assignment))
    return SimilarityReport(pairs, problems), {s.student: s for s in submissions}


def write_similarity(course: Course, assignment: Assignment, submitted: Path, out_dir: Path) -> SimilarityReport:
    """Write out_dir/similarity.csv and out_dir/similarity.html; return the report."""
    report, by_student = find_similar(course, assignment, submitted)
    out_dir = Path(out_dir)
    report.csv_path, report.html_path = out_dir / "similarity.csv", out_dir / "similarity.html"
    atomic_write(report.csv_path, similarity_csv(report.pairs))
    atomic_write(report.html_path, similarity_html(course, assignment, report, by_student))
    return report
