"""Mutants of a reference module: the small slips students make, made by rewriting its syntax tree.

Only code inside the solution regions (### BEGIN SOLUTION ... ### END
SOLUTION) is mutated: that is what students write. Each operator is a
numpy-aware slip: + for -, * for /, sum for mean, axis 0 for axis 1, a
dropped transpose or term or minus sign, a changed constant, an off-by-one
in a range, a slice or a comparison, swapped arguments.

mutants(source) -> [Mutant(id, function, operator, description, source, diff)]
"""
import ast
import copy
import difflib
import hashlib
from dataclasses import dataclass

SWAP_BINOP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
SWAP_COMPARE = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
SWAP_REDUCTION = {"sum": "mean", "mean": "sum"}
OPERATOR_NAMES = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Lt: "<", ast.LtE: "<=",
                  ast.Gt: ">", ast.GtE: ">="}


@dataclass(frozen=True)
class Mutant:
    id: str            # stable across runs: function, operator and the changed code
    function: str
    operator: str
    description: str
    source: str        # the whole mutated module
    diff: str          # against the reference, both printed from their syntax trees


def solution_lines(source: str) -> set[int]:
    """Line numbers inside solution regions."""
    lines, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker.startswith("### BEGIN SOLUTION"):
            inside = True
        elif marker.startswith("### END SOLUTION"):
            inside = False
        elif inside:
            lines.add(number)
    return lines


def _changes(node):
    """(operator, description, replacement node) for every slip this node can carry."""
    text = ast.unparse(node) if not isinstance(node, (ast.operator, ast.cmpop)) else ""
    if isinstance(node, ast.BinOp):
        swap = SWAP_BINOP.get(type(node.op))
        if swap:
            yield ("swap-operator", f"{OPERATOR_NAMES[type(node.op)]} -> {OPERATOR_NAMES[swap]} in {text}",
                   ast.BinOp(node.left, swap(), node.right))
        if isinstance(node.op, (ast.Add, ast.Sub)):
            yield "drop-term", f"drop the right term of {text}", node.left
            if isinstance(node.op, ast.Add):
                yield "drop-term", f"drop the left term of {text}", node.right
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in SWAP_COMPARE:
        swap = SWAP_COMPARE[type(node.ops[0])]
        yield ("off-by-one", f"{OPERATOR_NAMES[type(node.ops[0])]} -> {OPERATOR_NAMES[swap]} in {text}",
               ast.Compare(node.left, [swap()], node.comparators))
    elif isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in SWAP_REDUCTION:
            other = SWAP_REDUCTION[func.attr]
            yield ("sum-mean", f"{func.attr} -> {other} in {text}",
                   ast.Call(ast.Attribute(func.value, other, ast.Load()), node.args, node.keywords))
        for i, keyword in enumerate(node.keywords):
            if keyword.arg == "axis" and isinstance(keyword.value, ast.Constant) and keyword.value.value in (0, 1):
                flipped = 1 - keyword.value.value
                keywords = [*node.keywords[:i], ast.keyword("axis", ast.Constant(flipped)), *node.keywords[i + 1:]]
                yield "axis", f"axis={keyword.value.value} -> axis={flipped} in {text}", ast.Call(
                    node.func, node.args, keywords)
        if isinstance(func, ast.Name) and func.id == "range" and node.args:
            last = node.args[-1] if len(node.args) < 3 else node.args[1]
            index = node.args.index(last)
            for delta in (-1, 1):
                args = list(node.args)
                args[index] = ast.BinOp(last, ast.Add() if delta > 0 else ast.Sub(), ast.Constant(1))
                yield "off-by-one", f"range end {delta:+d} in {text}", ast.Call(func, args, node.keywords)
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        if len(positional) == len(node.args) >= 2 and ast.dump(node.args[0]) != ast.dump(node.args[1]):
            args = [node.args[1], node.args[0], *node.args[2:]]
            yield "swap-arguments", f"swap the first two arguments of {text}", ast.Call(func, args, node.keywords)
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        yield "drop-transpose", f"drop the transpose in {text}", node.value
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield "drop-minus", f"drop the minus sign in {text}", node.operand
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float) and not isinstance(node.value, bool):
        value = node.value
        new = {0: 1, 1: 0, 0.5: 1.0, 1.0: 0.0}.get(value, value + 1 if isinstance(value, int) else value * 2)
        yield "constant", f"constant {value!r} -> {new!r}", ast.Constant(type(value)(new))
    elif isinstance(node, ast.Slice):
        for name in ("lower", "upper"):
            bound = getattr(node, name)
            if bound is not None:
                changed = copy.copy(node)
                setattr(changed, name, ast.BinOp(bound, ast.Add(), ast.Constant(1)))
                yield "off-by-one", f"slice {name} bound +1 in [{ast.unparse(node)}]", changed


class _Replace(ast.NodeTransformer):
    """Replace one node of a tree with another."""

    def __init__(self, target, replacement):
        self.target, self.replacement = target, replacement

    def generic_visit(self, node):
        if node is self.target:
            return self.replacement
        return super().generic_visit(node)


def _enclosing_functions(tree):
    owner = {}
    for function in tree.body:
        if isinstance(function, ast.FunctionDef):
            for node in ast.walk(function):
                owner[id(node)] = function.name
    return owner


def mutants(source: str) -> list[Mutant]:
    """Every single-slip mutant of the solution regions of a module's source."""
    tree = ast.parse(source)
    lines = solution_lines(source)
    owner = _enclosing_functions(tree)
    original = ast.unparse(tree)
    found, seen = [], {original}
    for index, node in enumerate(ast.walk(tree)):
        if getattr(node, "lineno", None) not in lines or id(node) not in owner:
            continue
        for k in range(len(list(_changes(node)))):
            # Each mutant is made on a fresh copy: the replacement is built from the copy's own nodes.
            mutated_tree = copy.deepcopy(tree)
            target = next(n for i, n in enumerate(ast.walk(mutated_tree)) if i == index)
            operator, description, replacement = list(_changes(target))[k]
            mutated_tree = ast.fix_missing_locations(_Replace(target, replacement).visit(mutated_tree))
            text = ast.unparse(mutated_tree)
            if text in seen:
                continue
            seen.add(text)
            try:
                compile(text, "<mutant>", "exec")
            except SyntaxError:
                continue
            diff = "".join(difflib.unified_diff(original.splitlines(True), text.splitlines(True),
                                                "reference", "mutant", n=1))
            digest = hashlib.sha256(f"{owner[id(node)]}\0{operator}\0{diff}".encode()).hexdigest()[:10]
            found.append(Mutant(id=f"{owner[id(node)]}-{operator}-{digest}", function=owner[id(node)],
                                operator=operator, description=description, source=text, diff=diff))
    return found
