"""Mutants of a reference module: the mistakes students make, made by rewriting its syntax tree.

Only code inside the solution regions (### BEGIN SOLUTION ... ### END
SOLUTION) is mutated: that is what students write. Each operator below is
one small function named after a real student mistake; it looks at one node
of the tree and yields (description, {node: replacement}) for each way that
node can carry the mistake. A replacement is a node, a list of statements,
or [] to delete a statement.

The mutant's source is the reference file with only the changed code
rewritten (comments, markers and line numbers kept), so its diff reads
against the real file.

A correct variant written in another style (tests/submissions/ID/correct/)
has no solution regions: mutants(source, path, functions=[...]) mutates the
bodies of those top-level functions instead (docstrings left alone).

mutants(source, path) -> [Mutant(id, module, function, line, operator, description, source, diff)]
"""
import ast
import copy
import difflib
import hashlib
from dataclasses import dataclass

from ..primitives import solution_lines

MAX_PER_OPERATOR = 3     # per function and operator, chosen evenly through the function: keeps the audit fast
REDUCTIONS = {"sum", "mean", "max", "min", "argmax", "argmin", "all", "any", "prod", "std"}
ARRAY_MAKERS = {"zeros", "ones", "empty", "zeros_like", "ones_like", "empty_like", "full"}
UFUNC = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide"}
SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Lt: "<",
          ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


@dataclass(frozen=True)
class Mutant:
    id: str            # stable across runs: function, operator and the mutated function's code
    module: str        # the file's path as given (e.g. solutions/01_neuron/neuron.py)
    function: str      # the top-level function it changes
    line: int          # where, in the reference
    operator: str
    description: str
    source: str        # the whole mutated module
    diff: str          # unified diff against the reference file


@dataclass
class Context:
    function: ast.FunctionDef
    parents: dict      # id(node) -> parent node
    numpy: str | None  # the name numpy is imported as, if it is

    def parent(self, node):
        return self.parents.get(id(node))


def _text(node) -> str:
    return ast.unparse(node)


def _np(ctx: Context, attr: str) -> ast.expr:
    return ast.Attribute(ast.Name(ctx.numpy or "np", ast.Load()), attr, ast.Load())


def _call_name(node) -> str | None:
    """sum for np.sum(...), x.sum(...) and sum(...)."""
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute):
            return node.func.attr
        if isinstance(node.func, ast.Name):
            return node.func.id
    return None


def _is_numpy_call(node, ctx: Context, *names) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == ctx.numpy
            and node.func.attr in names)


def _number(node) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _with_keywords(call: ast.Call, keywords) -> ast.Call:
    return ast.Call(call.func, call.args, list(keywords))


# -- the operators: one real mistake each ---------------------------------------------
def swap_operator(node, ctx):
    """+ for -, * for /."""
    swaps = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
    if isinstance(node, ast.BinOp) and type(node.op) in swaps:
        new = swaps[type(node.op)]
        yield (f"{SYMBOL[type(node.op)]} -> {SYMBOL[new]} in {_text(node)}",
               {node: ast.BinOp(node.left, new(), node.right)})


def floor_division(node, ctx):
    """/ written as //."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        yield f"/ -> // in {_text(node)}", {node: ast.BinOp(node.left, ast.FloorDiv(), node.right)}


def drop_term(node, ctx):
    """A term of a sum forgotten."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        yield f"drop the right term of {_text(node)}", {node: node.left}
        if isinstance(node.op, ast.Add):
            yield f"drop the left term of {_text(node)}", {node: node.right}


def flip_sign(node, ctx):
    """A minus sign dropped, or a difference taken the wrong way round."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield f"drop the minus sign in {_text(node)}", {node: node.operand}
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
        yield f"{_text(node)} -> the other way round", {node: ast.BinOp(node.right, ast.Sub(), node.left)}


def boundary(node, ctx):
    """< for <=, > for >=, all for any."""
    swaps = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in swaps:
        new = swaps[type(node.ops[0])]
        yield (f"{SYMBOL[type(node.ops[0])]} -> {SYMBOL[new]} in {_text(node)}",
               {node: ast.Compare(node.left, [new()], node.comparators)})
    name = _call_name(node)
    if name in ("all", "any"):
        other = "any" if name == "all" else "all"
        func = (ast.Attribute(node.func.value, other, ast.Load()) if isinstance(node.func, ast.Attribute)
                else ast.Name(other, ast.Load()))
        yield f"{name} -> {other} in {_text(node)}", {node: ast.Call(func, node.args, node.keywords)}


def sum_mean(node, ctx):
    """sum for mean and mean for sum."""
    name = _call_name(node)
    if name in ("sum", "mean") and isinstance(node.func, ast.Attribute):
        other = "mean" if name == "sum" else "sum"
        yield (f"{name} -> {other} in {_text(node)}",
               {node: ast.Call(ast.Attribute(node.func.value, other, ast.Load()), node.args, node.keywords)})


def swap_axis(node, ctx):
    """axis=0 for axis=1 and back."""
    if isinstance(node, ast.Call):
        for i, keyword in enumerate(node.keywords):
            if keyword.arg == "axis" and isinstance(keyword.value, ast.Constant) and keyword.value.value in (0, 1):
                flipped = 1 - keyword.value.value
                keywords = [*node.keywords[:i], ast.keyword("axis", ast.Constant(flipped)), *node.keywords[i + 1:]]
                yield f"axis={keyword.value.value} -> axis={flipped} in {_text(node)}", {node: _with_keywords(
                    node, keywords)}


def drop_keepdims(node, ctx):
    """keepdims=True forgotten: a (n, 1) column becomes a 1-D array."""
    if isinstance(node, ast.Call) and any(k.arg == "keepdims" for k in node.keywords):
        yield f"drop keepdims in {_text(node)}", {node: _with_keywords(
            node, [k for k in node.keywords if k.arg != "keepdims"])}


def all_axes(node, ctx):
    """A reduction over every axis instead of one."""
    if _call_name(node) in REDUCTIONS and any(k.arg == "axis" for k in node.keywords):
        yield f"reduce over all axes in {_text(node)}", {node: _with_keywords(
            node, [k for k in node.keywords if k.arg != "axis"])}


def drop_transpose(node, ctx):
    """.T forgotten."""
    if isinstance(node, ast.Attribute) and node.attr == "T":
        yield f"drop the transpose in {_text(node)}", {node: node.value}


def off_by_one(node, ctx):
    """A range or a slice one too long or too short."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" and node.args:
        yield from _range_off_by_one(node)
    elif isinstance(node, ast.Slice):
        yield from _slice_off_by_one(node)


def _range_off_by_one(node: ast.Call):
    """range(..., n) as range(..., n - 1) or range(..., n + 1); range(a, n) as range(a + 1, n)."""
    index = 0 if len(node.args) == 1 else 1
    for delta in (-1, 1):
        args = list(node.args)
        args[index] = ast.BinOp(args[index], ast.Add() if delta > 0 else ast.Sub(), ast.Constant(1))
        yield f"range end {delta:+d} in {_text(node)}", {node: ast.Call(node.func, args, node.keywords)}
    if len(node.args) >= 2:
        args = [ast.BinOp(node.args[0], ast.Add(), ast.Constant(1)), *node.args[1:]]
        yield f"range start +1 in {_text(node)}", {node: ast.Call(node.func, args, node.keywords)}


def _slice_off_by_one(node: ast.Slice):
    """Each bound of [lower:upper] one more or one less."""
    for name in ("lower", "upper"):
        bound = getattr(node, name)
        if bound is not None:
            for op, sign in ((ast.Add, "+"), (ast.Sub, "-")):
                changed = copy.copy(node)
                setattr(changed, name, ast.BinOp(bound, op(), ast.Constant(1)))
                yield f"slice {name} bound {sign}1 in [{_text(node)}]", {node: changed}


def factor(node, ctx):
    """A constant factor halved or doubled (1/2, 2), or a factor or divisor forgotten."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div))):
        return
    for side, other in (("left", "right"), ("right", "left")):
        operand = getattr(node, side)
        if _number(operand) and operand.value not in (0, 1):
            for scale, word in ((0.5, "halved"), (2, "doubled")):
                changed = copy.copy(node)
                setattr(changed, side, ast.Constant(operand.value * scale))
                yield f"factor {operand.value!r} {word} in {_text(node)}", {node: changed}
            if isinstance(node.op, ast.Mult):
                yield f"drop the factor {operand.value!r} in {_text(node)}", {node: getattr(node, other)}
    if isinstance(node.op, ast.Div) and not _number(node.right):
        yield f"drop the division by {_text(node.right)} in {_text(node)}", {node: node.left}


def constant(node, ctx):
    """Another constant: 0 for 1, 1 for 0, a different number."""
    if _number(node) and not isinstance(node.value, bool):
        parent = ctx.parent(node)
        if isinstance(parent, ast.keyword) and parent.arg in ("axis", "dtype"):
            return  # swap_axis, all_axes and dtype make those mistakes
        value = node.value
        new = {0: 1, 1: 0, 0.5: 1.0}.get(value, value + 1 if isinstance(value, int) else value * 2)
        yield f"constant {value!r} -> {type(value)(new)!r}", {node: ast.Constant(type(value)(new))}


def swap_arguments(node, ctx):
    """The first two arguments of a call swapped."""
    if isinstance(node, ast.Call) and len(node.args) >= 2 and not any(isinstance(a, ast.Starred) for a in node.args) \
            and ast.dump(node.args[0]) != ast.dump(node.args[1]):
        yield (f"swap the first two arguments of {_text(node)}",
               {node: ast.Call(node.func, [node.args[1], node.args[0], *node.args[2:]], node.keywords)})


def delete_raise(node, ctx):
    """A validation left out: the raise (with its if) or the assert deleted."""
    if isinstance(node, ast.If) and node.body and all(isinstance(s, ast.Raise) for s in node.body) \
            and not node.orelse:
        yield f"delete the validation `if {_text(node.test)}: raise ...`", {node: []}
    elif isinstance(node, ast.Raise) and not isinstance(ctx.parent(node), ast.If):
        yield f"delete `{_text(node)}`", {node: []}
    elif isinstance(node, ast.Assert):
        yield f"delete `{_text(node)}`", {node: []}


def _assigned_names(loop) -> set[str]:
    """Names a loop rebinds or writes into (x = ..., x[i] = ..., x += ..., for x in ...)."""
    names = set()
    for node in ast.walk(loop):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, (ast.For, ast.comprehension)):
            targets = [node.target]
        for target in targets:
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) \
                and node.func.attr in ("append", "extend", "update", "fill", "sort", "shuffle"):
            names.add(node.func.value.id)
    return names


def hoist_call(node, ctx):
    """A call made once before a loop instead of on every pass (shuffling once before the epochs)."""
    if not isinstance(node, (ast.For, ast.While)):
        return
    changing = _assigned_names(node)
    for inner in ast.walk(node):
        if isinstance(inner, ast.For) and inner is not node:
            call = inner.iter
        elif isinstance(inner, ast.Assign) and inner.value is not None:
            call = inner.value
        else:
            continue
        if not isinstance(call, ast.Call) or _call_name(call) in ("range", "zip", "enumerate", "len"):
            continue
        used = {n.id for n in ast.walk(call) if isinstance(n, ast.Name)}
        if used & changing:
            continue
        hoisted = ast.Assign([ast.Name("hoisted", ast.Store())], call)
        yield f"call {_text(call)} once before the loop", {node: [hoisted, node], call: ast.Name("hoisted", ast.Load())}


def dtype(node, ctx):
    """Another dtype: float32 instead of float64, integers instead of floats, np.float32 for a float."""
    if not isinstance(node, ast.Call):
        return
    yield from _float32_keyword(node, ctx)
    if _call_name(node) == "astype" and isinstance(node.func, ast.Attribute) and len(node.args) == 1:
        new = "int" if _text(node.args[0]) in ("float", "np.float64") else "float"
        yield (f"astype({_text(node.args[0])}) -> astype({new}) in {_text(node)}",
               {node: ast.Call(node.func, [ast.Name(new, ast.Load())], node.keywords)})
    if ctx.numpy and _is_numpy_call(node, ctx, *ARRAY_MAKERS) and not any(k.arg == "dtype" for k in node.keywords):
        yield (f"integer array from {_text(node)}",
               {node: _with_keywords(node, [*node.keywords, ast.keyword("dtype", ast.Name("int", ast.Load()))])})
    if ctx.numpy and isinstance(node.func, ast.Name) and node.func.id == "float" and len(node.args) == 1:
        yield f"{_text(node)} -> np.float32", {node: ast.Call(_np(ctx, "float32"), node.args, [])}


def _float32_keyword(node: ast.Call, ctx):
    """dtype=float (or np.float64) in a call written dtype=np.float32."""
    for i, keyword in enumerate(node.keywords):
        if keyword.arg == "dtype" and _text(keyword.value) in ("float", "np.float64", "numpy.float64"):
            keywords = [*node.keywords[:i], ast.keyword("dtype", _np(ctx, "float32")), *node.keywords[i + 1:]]
            yield f"dtype float -> float32 in {_text(node)}", {node: _with_keywords(node, keywords)}


def float32_product(node, ctx):
    """A matrix product kept in float32 (X.astype(np.float32) to save memory)."""
    if ctx.numpy and isinstance(node, ast.Assign) and any(
            isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult) for n in ast.walk(node.value)):
        cast = ast.Call(ast.Attribute(node.value, "astype", ast.Load()), [_np(ctx, "float32")], [])
        yield f"{_text(node.targets[0])} in float32", {node: ast.Assign(node.targets, cast)}


def in_place(node, ctx):
    """An argument updated in place: x += ..., np.subtract(p, g, out=p), a missing copy, writing into the input."""
    yield from _augmented(node)
    if ctx.numpy:
        yield from _into_argument(node, ctx)
        yield from _missing_copy(node, ctx)


def _augmented(node):
    """x = x + y rebinding x, written x += y (which writes into the array x names)."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
            and isinstance(node.value, ast.BinOp) and type(node.value.op) in UFUNC \
            and isinstance(node.value.left, ast.Name) and node.value.left.id == node.targets[0].id:
        yield (f"{_text(node)} -> in place with {SYMBOL[type(node.value.op)]}=",
               {node: ast.AugAssign(ast.Name(node.targets[0].id, ast.Store()), node.value.op, node.value.right)})


def _into_argument(node, ctx):
    """p - g on an argument (or a comprehension's variable) computed into it: np.subtract(p, g, out=p)."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))):
        return
    params = {a.arg for a in ctx.function.args.args + ctx.function.args.kwonlyargs}
    left = node.left
    argument = left if isinstance(left, ast.Name) else (
        left.args[0] if _is_numpy_call(left, ctx, "asarray") and left.args else None)
    if isinstance(argument, ast.Name) and (argument.id in params or _comprehension_variable(argument.id, ctx)):
        call = ast.Call(_np(ctx, UFUNC[type(node.op)]), [left, node.right],
                        [ast.keyword("out", copy.deepcopy(left))])
        yield f"{_text(node)} computed in place into {_text(left)}", {node: call}


def _missing_copy(node, ctx):
    """A copy left out: np.array(x) as np.asarray(x), np.copy(x) or x.copy() as x itself."""
    if not isinstance(node, ast.Call):
        return
    if node.args and isinstance(node.args[0], ast.Name):
        if _is_numpy_call(node, ctx, "array"):
            yield (f"no copy: {_text(node)} -> np.asarray",
                   {node: ast.Call(_np(ctx, "asarray"), node.args, node.keywords)})
        elif _is_numpy_call(node, ctx, "copy", "empty_like", "zeros_like", "ones_like"):
            yield f"{_text(node)} -> {node.args[0].id} itself (writes into it)", {node: node.args[0]}
    if isinstance(node.func, ast.Attribute) and node.func.attr == "copy" and not node.args \
            and isinstance(node.func.value, ast.Name):
        yield f"no copy: {_text(node)} -> {node.func.value.id}", {node: node.func.value}


def _comprehension_variable(name: str, ctx: Context) -> bool:
    return any(isinstance(n, ast.comprehension) and isinstance(n.target, (ast.Name, ast.Tuple))
               and name in {t.id for t in ast.walk(n.target) if isinstance(t, ast.Name)}
               for n in ast.walk(ctx.function))


def one_sided(node, ctx):
    """A one-sided difference (f(x + h) - f(x)) / h instead of the central (f(x + h) - f(x - h)) / 2h."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.right, ast.BinOp)
            and isinstance(node.right.op, ast.Mult)):
        return
    two, h = node.right.left, node.right.right
    if isinstance(two, ast.Name):
        two, h = h, two
    if not (_number(two) and two.value == 2 and isinstance(h, ast.Name)):
        return
    for step in ast.walk(ctx.function):
        if isinstance(step, ast.BinOp) and isinstance(step.op, (ast.Add, ast.Sub)) \
                and isinstance(step.right, ast.Name) and step.right.id == h.id and step is not node.right:
            side = "forward" if isinstance(step.op, ast.Sub) else "backward"
            yield (f"{side} difference: {_text(step)} -> {_text(step.left)}, divide by {h.id} not 2 {h.id}",
                   {step: step.left, node.right: h})


OPERATORS = {f.__name__.replace("_", "-"): f for f in (
    delete_raise, hoist_call, dtype, float32_product, in_place, boundary, swap_axis, drop_keepdims, all_axes,
    sum_mean, flip_sign, off_by_one, factor, one_sided, floor_division, swap_operator, drop_term, drop_transpose,
    constant, swap_arguments)}


# -- applying them -----------------------------------------------------------------------
class _Replace(ast.NodeTransformer):
    """Replace nodes (by identity) with others; [] deletes a statement, a body left empty gets `pass`."""

    def __init__(self, replacements: dict):
        self.replacements = {id(k): v for k, v in replacements.items()}

    def visit(self, node):
        new = self.replacements.get(id(node), node)
        if new is not node and not (isinstance(new, list) and any(n is node for n in new)):
            return new
        node = super().visit(node)
        if getattr(node, "body", None) == []:
            node.body = [ast.Pass()]
        return new  # the node itself, or statements to put before it and the node


def _offset(lines: list[str], line: int, col: int) -> int:
    return sum(len(text) for text in lines[:line - 1]) + len(lines[line - 1].encode()[:col].decode())


def _splice(source: str, replacements: dict, parenthesize: bool) -> str:
    """The source with each replaced node's text rewritten (an expression in place; a statement as whole lines)."""
    lines = source.splitlines(True)
    edits = []
    for node, new in replacements.items():
        if isinstance(node, ast.stmt):
            start = _offset(lines, node.lineno, 0)
            end = _offset(lines, node.end_lineno + 1, 0) if node.end_lineno < len(lines) else len(source)
            new = new if isinstance(new, list) else [new]
            if any(n is node for n in new):  # statements inserted before the node, which stays
                new, end = new[:[id(n) for n in new].index(id(node))], start
            indent = " " * node.col_offset
            body = "".join(indent + line + "\n" for stmt in new for line in ast.unparse(stmt).splitlines())
            edits.append((start, end, body))
        else:
            start = _offset(lines, node.lineno, node.col_offset)
            end = _offset(lines, node.end_lineno, node.end_col_offset)
            text = ast.unparse(new)
            if parenthesize and isinstance(new, ast.expr) and not isinstance(
                    new, (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.Slice, ast.Subscript)):
                text = f"({text})"
            edits.append((start, end, text))
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    return source


def _enclosing_functions(tree):
    owner = {}
    for function in tree.body:
        if isinstance(function, ast.FunctionDef):
            for node in ast.walk(function):
                owner[id(node)] = function
    return owner


def _numpy_name(tree) -> str | None:
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "numpy":
                    return alias.asname or "numpy"
    return None


def _spread(items: list, count: int) -> list:
    """count items spread evenly through the list (all of them when there are no more)."""
    if len(items) <= count:
        return items
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)] if count > 1 else items[:1]


def mutants(source: str, path: str = "module.py", max_per_operator: int = MAX_PER_OPERATOR,
            functions=None) -> list[Mutant]:
    """The mutants of the solution regions of a module's source: at most max_per_operator per function and operator.
    functions: names of top-level functions; then their bodies are mutated instead (a file with no regions)."""
    tree = ast.parse(source)
    numpy = _numpy_name(tree)
    seen = {ast.dump(tree)}   # the reference and every mutant made so far: each change once
    found = {}                # (function, operator) -> [Mutant]
    contexts = {}             # function name -> its Context in the reference's tree
    lines = solution_lines(source) if functions is None else function_body_lines(tree, functions)
    for index, node, function in _mutable_nodes(tree, lines):
        if function.name not in contexts:
            contexts[function.name] = _context(tree, function, numpy)
        context = contexts[function.name]
        for operator, make in OPERATORS.items():
            for k in range(len(list(make(node, context)))):
                mutant = _make_mutant(source, path, tree, numpy, (index, node, function.name), operator, k, seen)
                if mutant is not None:
                    found.setdefault((function.name, operator), []).append(mutant)
    return _chosen(found, max_per_operator)


def function_body_lines(tree, functions) -> set[int]:
    """The line numbers (1-based) of the named top-level functions' bodies, their docstrings excluded."""
    lines = set()
    for function in tree.body:
        if isinstance(function, ast.FunctionDef) and function.name in functions:
            body = function.body
            if ast.get_docstring(function, clean=False) is not None:
                body = body[1:]
            if body:
                lines |= set(range(body[0].lineno, function.end_lineno + 1))
    return lines


def _mutable_nodes(tree, lines: set[int]):
    """(index in ast.walk order, node, its top-level function) for each node on the given lines."""
    owner = _enclosing_functions(tree)
    for index, node in enumerate(ast.walk(tree)):
        if getattr(node, "lineno", None) in lines and id(node) in owner \
                and not isinstance(node, (ast.operator, ast.cmpop, ast.expr_context)):
            yield index, node, owner[id(node)]


def _make_mutant(source: str, path: str, tree, numpy, where, operator: str, k: int, seen: set) -> Mutant | None:
    """The k-th change operator makes at where = (index, node, function name), made on a fresh copy of the
    tree (the replacement is built from the copy's own nodes); None when it does not compile or was made before."""
    index, node, name = where
    mutated = copy.deepcopy(tree)
    target = list(ast.walk(mutated))[index]
    function = next(f for f in mutated.body if isinstance(f, ast.FunctionDef) and f.name == name)
    description, replacements = list(OPERATORS[operator](target, _context(mutated, function, numpy)))[k]
    text = _mutated_source(source, mutated, replacements)
    if text is None:
        return None
    dump = ast.dump(ast.parse(text))
    if dump in seen:
        return None
    seen.add(dump)
    mutated_function = next(f for f in ast.parse(text).body if isinstance(f, ast.FunctionDef) and f.name == name)
    digest = hashlib.sha256(f"{name}\0{operator}\0{ast.dump(mutated_function)}".encode()).hexdigest()[:10]
    diff = "".join(difflib.unified_diff(source.splitlines(True), text.splitlines(True), f"a/{path}", f"b/{path}", n=2))
    return Mutant(id=f"{name}-{operator}-{digest}", module=path, function=name, line=node.lineno,
                  operator=operator, description=description, source=text, diff=diff)


def _chosen(found: dict, max_per_operator: int) -> list[Mutant]:
    """At most max_per_operator mutants per (function, operator), spread evenly, in the order --list numbers them."""
    chosen = [m for group in found.values() for m in _spread(group, max_per_operator)]
    return sorted(chosen, key=lambda m: (m.line, list(OPERATORS).index(m.operator), m.id))


def _context(tree, function, numpy) -> Context:
    parents = {}
    for parent in ast.walk(function):
        for child in ast.iter_child_nodes(parent):
            parents[id(child)] = parent
    return Context(function=function, parents=parents, numpy=numpy)


def _mutated_source(source: str, mutated_tree, replacements: dict) -> str | None:
    """The mutant's source, the reference file with the change spliced in; None when it does not compile."""
    expected = ast.fix_missing_locations(_Replace(replacements).visit(mutated_tree))
    try:
        want = ast.dump(expected)
        compile(expected, "<mutant>", "exec")
    except (SyntaxError, ValueError, TypeError):
        return None
    for parenthesize in (False, True):  # (a + b) where the code around needs it
        try:
            text = _splice(source, replacements, parenthesize)
            if ast.dump(ast.parse(text)) == want:
                return text
        except (SyntaxError, ValueError, IndexError):
            pass
    return ast.unparse(expected) + "\n"  # the splice lost something: the whole module as its tree prints it
