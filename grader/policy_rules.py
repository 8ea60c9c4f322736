"""The submission policy's rules for single exercises: the work done the asked way.

Exercise 1: the ops compute their own gradients, so no torch autograd (``torch.autograd``,
``torch.func``, ``requires_grad``, ``nn.Parameter``: without a tensor that requires grad no
``.backward()`` of torch can run).

Exercise 4: each strategy is the product its docstring asks for (what ``matmul_full`` and
``matmul_blocked`` must contain: :mod:`grader.policy_required`).

* ``matmul_elementwise``: dot products only (``torch.dot``, ``(x * y).sum()``, or ``@`` /
  ``matmul`` between two vectors); no matrix-vector (``mv``) or matrix-matrix call.
* ``matmul_rowwise`` / ``matmul_columnwise``: vector-matrix or matrix-vector products
  (``mv``, or ``@`` / ``matmul`` with a vector on one side); no matrix-matrix call.

No strategy calls ``mm``, ``bmm``, ``addmm``, ``einsum``, ``tensordot``, ``multi_dot``... nor a
helper of the module that does. A vector, for this rule, is an indexed row or column
(``B[i]``, ``B[i, :]``, ``C[:, j]``), a name bound to one, or a loop variable. Timing
plausibility backs the rule where a static reading cannot tell a vector from a matrix.
"""
from __future__ import annotations

import ast
import dataclasses

from grader.policy_required import missing_structure

EXERCISE1_NAMES = {"autograd", "requires_grad", "requires_grad_", "grad_fn", "enable_grad",
                   "set_grad_enabled", "Parameter", "functorch", "vjp", "jvp", "jacrev", "jacfwd"}
EXERCISE1_MODULES = ("torch.autograd", "torch.func", "torch.nn", "functorch", "autograd", "jax")
EXERCISE1_WHY = "exercise 1's ops compute their own gradients; torch autograd would do the exercise for them"

# Matrix-matrix products: never in the three hand-made strategies.
MATRIX_PRODUCTS = {"mm", "bmm", "baddbmm", "addmm", "addbmm", "einsum", "tensordot", "chain_matmul",
                   "multi_dot", "kron", "__matmul__", "__rmatmul__", "__imatmul__", "_addmm_activation"}
# Products whose kind depends on their operands: allowed with vectors (see the module docstring).
GENERAL_PRODUCTS = {"matmul", "inner"}
NUMPY_PRODUCTS = {"dot", "vdot", "inner", "outer", "matmul", "einsum", "tensordot"}
MATRIX_VECTOR = {"mv", "addmv"}
STRATEGIES = {"matmul_elementwise": 2, "matmul_rowwise": 1, "matmul_columnwise": 1}  # vectors needed per product
STRATEGY_WHY = {
    "matmul_elementwise": "the element-wise product is made of dot products, with no matrix-vector or "
                          "matrix-matrix call",
    "matmul_rowwise": "the row-wise product is made of vector-matrix products, with no matrix-matrix call",
    "matmul_columnwise": "the column-wise product is made of matrix-vector products, with no matrix-matrix call",
}


def exercise_refusals(tree: ast.Module, exercise_id: str, scanner) -> list:
    """The refusals of the exercise's own rules (``scanner`` made them and knows the imports)."""
    if exercise_id == "exercise1":
        return _exercise1(tree, scanner)
    if exercise_id == "exercise4":
        return _exercise4(tree, scanner)
    return []


def _exercise1(tree: ast.Module, scanner) -> list:
    found = []
    for node, function in _with_function(tree):
        dotted = scanner.dotted(node) if isinstance(node, (ast.Attribute, ast.Name)) else None
        names = []
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            names.append(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or "", *(f"{node.module}.{a.name}" for a in node.names)]
            if any(m == p or m.startswith(p + ".") for m in modules for p in EXERCISE1_MODULES):
                names.append("autograd")
            names += [a.name for a in node.names]
        if any(n in EXERCISE1_NAMES for n in names) or (dotted and dotted.startswith(EXERCISE1_MODULES)):
            found.append(_refusal(scanner, node, "exercise1-no-autograd", EXERCISE1_WHY, function))
    return found


def _exercise4(tree: ast.Module, scanner) -> list:
    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    found = []
    for node in tree.body:  # a strategy must stay the def it is: no later rebinding
        for name in _bound_names(node):
            if name in STRATEGIES and not isinstance(node, ast.FunctionDef):
                found.append(_refusal(scanner, node, "exercise4-strategy",
                                      f"{name} must be the function the exercise asks for, not another object",
                                      name))
    for name, vectors in STRATEGIES.items():
        for function in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name):
            why = STRATEGY_WHY[name]
            found += [_named(r, name) for r in _products_in(function, vectors, scanner, why, vectors == 2)]
            found += [_named(r, name) for r in _helpers(tree, function, defs, scanner, why, vectors == 2)]
    return found + missing_structure(tree, lambda node, why, name: _refusal(scanner, node, "exercise4-strategy",
                                                                             why, name))


def _products_in(function: ast.AST, vectors: int, scanner, why: str, elementwise: bool) -> list:
    """The products in ``function`` (decorators and defaults included) its strategy does not allow."""
    vector_names = _vector_names(function)
    found = []
    for node in ast.walk(function):
        rule_node = None
        if isinstance(node, ast.Attribute) and _forbidden_attribute(node, scanner, elementwise):
            rule_node = node
        elif isinstance(node, ast.Constant) and node.value in MATRIX_PRODUCTS | MATRIX_VECTOR | GENERAL_PRODUCTS:
            rule_node = node  # getattr(torch, "mm")
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.MatMult):
            operands = (node.left, node.right) if isinstance(node, ast.BinOp) else (node.target, node.value)
            if sum(_is_vector(o, vector_names) for o in operands) < vectors:
                rule_node = node
        elif isinstance(node, ast.Call) and _general_call(node, scanner):
            operands = _call_operands(node, scanner)
            if sum(_is_vector(o, vector_names) for o in operands) < vectors:
                rule_node = node
        if rule_node is not None:
            found.append(_refusal(scanner, rule_node, "exercise4-strategy", why))
    return found


def _forbidden_attribute(node: ast.Attribute, scanner, elementwise: bool) -> bool:
    dotted = scanner.dotted(node) or ""
    if dotted.startswith("numpy.") and node.attr in NUMPY_PRODUCTS:
        return True
    return node.attr in MATRIX_PRODUCTS or (elementwise and node.attr in MATRIX_VECTOR)


def _general_call(node: ast.Call, scanner) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in GENERAL_PRODUCTS and not (scanner.dotted(func) or "").startswith("numpy.")


def _call_operands(node: ast.Call, scanner) -> list:
    """``torch.matmul(x, y)`` -> x, y; ``x.matmul(y)`` -> x, y."""
    func = node.func
    if isinstance(func, ast.Attribute) and scanner.dotted(func.value) is None:
        return [func.value, *node.args[:1]]
    return list(node.args[:2])


def _vector_names(function: ast.AST) -> set[str]:
    """Names bound to a row or column: loop variables, and names assigned only indexed vectors."""
    names, other = set(), set()
    for node in ast.walk(function):
        if isinstance(node, (ast.For, ast.comprehension)):
            names |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    (names if _is_vector(node.value, set()) else other).add(target.id)
    return names - other


def _is_vector(node: ast.AST, vector_names: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in vector_names
    if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
        return _is_vector(node.value, vector_names)
    if not isinstance(node, ast.Subscript) or not isinstance(node.value, (ast.Name, ast.Attribute)):
        return False
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    if any(isinstance(p, ast.Constant) and p.value in (None, Ellipsis) for p in parts):
        return False
    return any(not isinstance(p, ast.Slice) for p in parts)


def _helpers(tree, function, defs, scanner, why, elementwise, seen=None) -> list:
    """Module-level functions and names a strategy uses: no matrix-matrix product in them either."""
    seen = set() if seen is None else seen
    found = []
    for node in ast.walk(function):
        if not isinstance(node, ast.Name) or node.id in seen or node.id == getattr(function, "name", None):
            continue
        seen.add(node.id)
        if node.id in defs:
            helper = defs[node.id]
            found += [r for r in _products_in(helper, 0, scanner, why, elementwise)]
            found += _helpers(tree, helper, defs, scanner, why, elementwise, seen)
            continue
        for binding in tree.body:  # f = torch.mm; from torch import mm as f
            if node.id in _bound_names(binding) and not isinstance(binding, (ast.FunctionDef, ast.ClassDef)):
                bad = _binds_a_product(binding, node.id, scanner, elementwise)
                if bad:
                    found.append(_refusal(scanner, binding, "exercise4-strategy", why))
    return found


def _binds_a_product(binding: ast.stmt, name: str, scanner, elementwise: bool) -> bool:
    forbidden = MATRIX_PRODUCTS | GENERAL_PRODUCTS | (MATRIX_VECTOR if elementwise else set())
    if isinstance(binding, (ast.Import, ast.ImportFrom)):
        return any((a.asname or a.name) == name and a.name.split(".")[-1] in forbidden | NUMPY_PRODUCTS
                   for a in binding.names)
    for node in ast.walk(binding):
        if isinstance(node, ast.Attribute) and node.attr in forbidden:
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            return True
        if isinstance(node, ast.Constant) and node.value in forbidden:
            return True
    return False


def _bound_names(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    targets = node.targets if isinstance(node, ast.Assign) else \
        [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)) else []
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _refusal(scanner, node, rule: str, why: str, function: str = ""):
    scanner.refuse(node, rule, why)
    return _named(scanner.refusals.pop(), function)


def _named(refusal, function: str):
    return dataclasses.replace(refusal, function=function)


def _with_function(tree: ast.Module):
    """Every node with the name of the module-level function or class it lies in ("" at top level)."""
    for top in tree.body:
        name = top.name if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else ""
        for node in ast.walk(top):
            yield node, name
