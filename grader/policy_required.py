"""What two of exercise 4's strategies must contain, read from the submission's source.

:mod:`grader.policy_rules` finds the products a strategy may *not* call; this module finds
the structure a strategy *must* have, so that passing "done the asked way" never rests on the
torch calls recorded in the worker (which a submission can forge):

* ``matmul_full``: a matrix-matrix product (``torch.mm``, ``@``, ``matmul`` ...), in its body
  or in a function of the module it calls;
* ``matmul_blocked``: a matrix-matrix product inside a loop (``for``, ``while`` or a
  comprehension) whose header uses ``block_size`` (or a name computed from it): one product
  per block.

Where the structure is missing, the finding names the function's ``def`` line (a function
not written yet, the stub's lone ``raise NotImplementedError``, is left to the other tests). The calls the
worker records still *fail* a strategy that makes the wrong products (a submission can only
hide its own mistakes there, never invent a pass); timing backs both rules.
"""
from __future__ import annotations

import ast

PRODUCTS = {"mm", "matmul", "addmm", "einsum", "tensordot", "__matmul__"}
BLOCK = "block_size"
WHY = {
    "matmul_full": "the full product is one matrix-matrix product (torch.mm(B, C)); none was found",
    "matmul_blocked": "the blocked product makes one matrix-matrix product per block of block_size columns: "
                      "a product inside a loop over the blocks; none was found",
}


def missing_structure(tree: ast.Module, refuse) -> list:
    """Findings for ``matmul_full`` and ``matmul_blocked`` where their structure is absent.

    ``refuse(node, why, function)`` makes a finding (the caller's, so that it reads like the others).
    """
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef) and not _unwritten(n)}
    found = []
    full, blocked = defs.get("matmul_full"), defs.get("matmul_blocked")
    if full is not None and not _has_product(full, defs, set()):
        found.append(refuse(full, WHY["matmul_full"], "matmul_full"))
    if blocked is not None and not _has_block_loop(blocked, defs):
        found.append(refuse(blocked, WHY["matmul_blocked"], "matmul_blocked"))
    return found


def _unwritten(function: ast.FunctionDef) -> bool:
    """The stub as released: a docstring and ``raise NotImplementedError(...)``, nothing else."""
    body = function.body[1:] if function.body and isinstance(function.body[0], ast.Expr) else function.body
    return (len(body) == 1 and isinstance(body[0], ast.Raise) and body[0].exc is not None
            and "NotImplementedError" in ast.unparse(body[0].exc))


def _is_product(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in PRODUCTS
    return False


def _has_product(node: ast.AST, defs: dict, seen: set) -> bool:
    """A matrix product in ``node``, or in a module function it names (followed once each)."""
    for inner in ast.walk(node):
        if _is_product(inner):
            return True
        if isinstance(inner, ast.Name) and inner.id in defs and inner.id not in seen:
            seen.add(inner.id)
            if _has_product(defs[inner.id], defs, seen):
                return True
    return False


def _block_names(function: ast.FunctionDef) -> set[str]:
    """``block_size`` and the names computed from it in the function (``step = block_size``)."""
    names = {BLOCK}
    for _ in range(3):  # chains of a few assignments
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and _uses(node.value, names):
                names |= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _uses(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _has_block_loop(function: ast.FunctionDef, defs: dict) -> bool:
    names = _block_names(function)
    for node in ast.walk(function):
        if isinstance(node, ast.For) and _uses(node.iter, names):
            body = node.body
        elif isinstance(node, ast.While) and (_uses(node.test, names) or _uses(ast.Module(node.body, []), names)):
            body = node.body
        elif isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)) and any(
                _uses(g.iter, names) for g in node.generators):
            body = [node.elt if not isinstance(node, ast.DictComp) else node.value]
        else:
            continue
        if any(_has_product(statement, defs, {function.name}) for statement in body):
            return True
    return False
