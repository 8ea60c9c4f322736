"""Root cause first: which student functions a grading test checks, and which it depends on.

A wrong ``mean`` also breaks the tests of ``mse``, of a graph that ends in ``.mean()`` and of
``zero_grad`` (whose check runs a backward through ``mean``). A suite says so with two
decorators; the report then lists such a dependent failure after the failures of what it
depends on, saying "depends on mean, which fails: fix that first".

    @checks("op")                          # the function checked is the test's ``op`` parameter
    @depends_on("sub", "pow", "mean")      # every case of the test uses these
    @depends_on({"x * x": ("mul",), ...}, param="name")   # per case of parameter ``name``
    @depends_on({"mse-relu": (...), ...}, param="id")     # per case, by the case's pytest id

A suite may instead hold a table, ``DEPENDENCIES``: test name -> (function checked, functions
used), either a fixed name or, for a parametrized test, :func:`by_param` (the name its parameter
gives). See ``grader/checks/exercise{2,3,4,5}_dependencies.py``.
"""
from __future__ import annotations

import re


def checks(param: str):
    """The test checks the student function named by its parameter ``param`` (e.g. ``op``)."""
    def mark(function):
        function.checks_param = param
        return function
    return mark


def depends_on(functions, *more: str, param: str | None = None):
    """The student functions the test uses besides the one it checks.

    Args:
        functions: a name, or with ``param`` a dict from that parameter's value to names.
        more: further names (without ``param``).
        param: the test parameter whose value chooses the names from the dict (``"id"``: the
            case's pytest id, for a test with several parameters).
    """
    if param is None and isinstance(functions, dict):
        raise TypeError("depends_on with a dict needs param=, the parameter choosing from it")

    def mark(function):
        function.depends_on = (functions, param) if param else ((functions, *more), None)
        return function
    return mark


def declared(item) -> tuple[str, tuple[str, ...]]:
    """(the function a collected test checks or "", the functions it depends on) from its decorators,
    or from its suite's ``DEPENDENCIES`` table (test name -> (function checked, functions used))."""
    function = getattr(item, "function", None)
    table = getattr(getattr(item, "module", None), "DEPENDENCIES", {})
    name = getattr(item, "originalname", None) or item.name.split("[")[0]
    params = getattr(getattr(item, "callspec", None), "params", {})
    if name in table and not hasattr(function, "checks_param"):
        def named(entry):
            return entry(params) if callable(entry) else entry
        checked, uses = named(table[name][0]), [named(n) for n in table[name][1]]
        return checked, tuple(n for n in uses if n and n != checked)
    checked = params.get(getattr(function, "checks_param", None), "")
    names, param = getattr(function, "depends_on", ((), None))
    if param is not None:
        key = getattr(getattr(item, "callspec", None), "id", None) if param == "id" else params.get(param)
        names = names.get(key, ())
    return str(checked), tuple(n for n in names if n != checked)


def by_param(param: str, template: str = "{}", table: dict | None = None):
    """For a table entry: the name that the test's parameter ``param`` gives, through
    ``table`` (value -> name) or ``template`` ("matmul_{}" for a strategy "full")."""
    def name(params: dict) -> str:
        value = params.get(param, "")
        return table.get(value, "") if table is not None else template.format(value)
    return name


# Python's names for operator methods, as the suites name the ops they check.
_OPERATOR_NAMES = {"truediv": "div", "rtruediv": "div", "rsub": "sub", "rmul": "mul", "radd": "add", "T": "transpose"}
_RAISED_IN = re.compile(r", line \d+, in (\w+)")


def not_written_in(output: str) -> str | None:
    """The function whose ``NotImplementedError`` failed a test (its last traceback line), if that is why."""
    if "is not implemented yet" not in output:
        return None
    frames = _RAISED_IN.findall(output)
    if not frames:
        return None
    name = frames[-1].strip("_") or frames[-1]
    return _OPERATOR_NAMES.get(name, name)
