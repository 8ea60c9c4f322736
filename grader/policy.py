"""The submission policy: what no honest solution needs, refused before a submission runs.

The trusted side reads the submission's source (its AST; the module is never imported
here) and refuses, naming the line, the constructs that only an attack needs: native code
(``ctypes``), the kit's internals, frame and ``gc`` introspection, ``sys.modules``,
``exec``/``eval``/``compile``, dynamic imports, threads and processes, signals, edits of
``builtins``, raw file access outside the submission's own folder. The dynamic forms that
would hide those from a reader (``getattr`` with a computed name, ``vars()``,
``globals()``, ``__subclasses__`` walks, ``__globals__``, ``__builtins__``) are refused
too. Exercises add their own rules (:mod:`grader.policy_rules`), which fail the tests of
the function concerned rather than the whole submission (:func:`exercise_findings`).

The scan is one defence among several (the worker's audit hook, its own uid, the trusted
side's checks); it is static, so it knowingly misses what only running the code shows.
A course relaxes it by naming rules in ``$GRADER_POLICY_ALLOW`` (comma-separated), or
turns it off with ``GRADER_POLICY=off``; the library takes ``policy=`` in
:func:`grader.grading_run.open_run`.
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path

from grader import policy_rules

DOC = "docs/security.md, 'Submission policy'"

# Modules no exercise needs, by rule. A submodule is refused with its package.
MODULES = {
    "native-code": ("ctypes", "_ctypes", "cffi", "mmap", "torch.utils.cpp_extension", "numpy.ctypeslib"),
    "introspection": ("gc", "inspect", "traceback", "faulthandler"),
    "dynamic-code": ("importlib", "imp", "runpy", "code", "codeop", "pickle", "_pickle", "marshal",
                     "shelve", "dill", "copyreg", "pkgutil", "zipimport"),
    "concurrency": ("threading", "_thread", "multiprocessing", "concurrent", "subprocess", "_posixsubprocess",
                    "pty", "asyncio", "torch.multiprocessing", "posix"),
    "signals": ("signal", "_signal"),
    "builtins": ("builtins", "__builtin__"),
    "kit-internals": ("grader", "solutions", "tests", "sgd_kit"),
}
PUBLIC_KIT = ("grader.data",)  # the dataset loaders the exercises ask for

# Dotted names refused wherever they are read, called or imported (aliases resolved).
NAMES = {
    "introspection": ("sys._getframe", "sys._current_frames", "sys.settrace", "sys.setprofile",
                      "sys.addaudithook", "sys.argv", "sys.executable", "sys.prefix", "sys.base_prefix",
                      "sys.exec_prefix", "sys.orig_argv", "__loader__", "__spec__"),
    "modules": ("sys.modules", "sys.meta_path", "sys.path", "sys.path_hooks", "sys.path_importer_cache"),
    "dynamic-code": ("exec", "eval", "compile", "__import__", "torch.load", "torch.ops.load_library",
                     "torch.classes.load_library", "breakpoint"),
    "builtins": ("__builtins__", "globals", "vars", "locals"),
    "files": ("io.open", "io.FileIO", "_io"),
}
# Attribute names refused on any object: the frame, code and class-graph walks.
ATTRIBUTES = {
    "introspection": ("f_back", "f_globals", "f_locals", "f_builtins", "f_code", "tb_frame", "gi_frame",
                      "cr_frame", "ag_frame", "get_objects", "get_referrers", "get_referents",
                      "currentframe", "__subclasses__", "__globals__", "__code__", "__closure__",
                      "__bases__", "__base__", "__mro__", "__getattribute__", "__reduce__",
                      "__reduce_ex__", "__loader__", "__spec__", "__file__", "__self__", "__func__",
                      "__builtins__", "__import__", "attrgetter", "methodcaller"),
}
# Settings of imported modules a course's code may set (everything else of a module is read-only).
EDITABLE = ("torch.backends.",)
# What of ``os`` an exercise may use; the rest is processes, signals and raw descriptors.
OS_ALLOWED = {"path", "environ", "getenv", "sep", "linesep", "pathsep", "fspath", "cpu_count", "getcwd",
              "makedirs", "listdir", "name", "PathLike", "devnull", "curdir", "extsep", "urandom"}
OS_RULES = {"signals": ("kill", "killpg", "pidfd_send_signal", "sigqueue"),
            "files": ("open", "read", "pread", "readv", "write", "pwrite", "dup", "dup2", "fdopen", "openpty",
                      "lseek", "sendfile", "scandir", "walk", "fwalk")}
WHY = {
    "native-code": "native code runs past every check the grader makes",
    "introspection": "frames, the garbage collector and code objects reach the grader's own objects",
    "modules": "editing the module table replaces the code the grader runs",
    "dynamic-code": "code built from strings or loaded at run time cannot be read before it runs",
    "concurrency": "threads and processes run code while the grader is not looking",
    "signals": "signals stop or kill the grader's processes",
    "builtins": "editing builtins or the namespaces changes what every other module sees",
    "kit-internals": "only the dataset loaders of grader.data are meant for submissions",
    "files": "no exercise reads files outside the submission's own folder or raw descriptors",
    "dynamic-attribute": "a computed attribute name hides what is called from any reader",
    "module-edits": "changing an imported module changes the code the grader and other modules run",
    "os": "no exercise needs this part of os (processes, descriptors, the system)",
}


@dataclass(frozen=True)
class Refusal:
    """One construct the policy refuses: its rule, line and code, and why."""

    rule: str
    line: int
    code: str
    why: str
    function: str = ""  # for an exercise's rule: the function it is about

    def describe(self, filename: str) -> str:
        return f"{filename}, line {self.line}: `{self.code}` (rule {self.rule!r}: {self.why})"


@dataclass(frozen=True)
class Policy:
    """Which rules apply: every rule, less those a course allows."""

    enabled: bool = True
    allow: frozenset = field(default_factory=frozenset)

    @classmethod
    def from_env(cls, environ=os.environ) -> "Policy":
        """``GRADER_POLICY=off`` turns the scan off; ``GRADER_POLICY_ALLOW=concurrency,files`` relaxes it."""
        if environ.get("GRADER_POLICY", "").strip().lower() in ("off", "0", "no", "false"):
            return cls(enabled=False)
        allowed = {r.strip() for r in environ.get("GRADER_POLICY_ALLOW", "").split(",") if r.strip()}
        return cls(allow=frozenset(allowed))


def _rule_of_module(dotted: str) -> str | None:
    if any(dotted == p or dotted.startswith(p + ".") for p in PUBLIC_KIT):
        return None
    for rule, modules in MODULES.items():
        if any(dotted == m or dotted.startswith(m + ".") for m in modules):
            return rule
    return None


def rule_of_name(dotted: str) -> str | None:
    """The rule a dotted name (``os.fork``, ``sys.modules.pop``) breaks, if any.

    A module reached through another (``os.path.os.system``, ``shutil.os.fork``) counts as itself.
    """
    parts = dotted.split(".")
    for index in range(1, len(parts)):
        if parts[index] in _REEXPORTED:
            rule = rule_of_name(".".join(parts[index:]))
            if rule:
                return rule
    return _rule_of_one_name(dotted)


def _rule_of_one_name(dotted: str) -> str | None:
    for rule, names in NAMES.items():
        if any(dotted == n or dotted.startswith(n + ".") for n in names):
            return rule
    parts = dotted.split(".")
    if parts[0] == "os" and len(parts) > 1 and parts[1] not in OS_ALLOWED:
        return next((r for r, names in OS_RULES.items() if parts[1] in names),
                    "signals" if parts[1].startswith("kill") else
                    "concurrency" if parts[1].startswith(("fork", "exec", "spawn", "posix_spawn", "wait"))
                    or parts[1] in ("system", "popen") else "os")
    return _rule_of_module(dotted)


class Scanner(ast.NodeVisitor):
    """Walks a module once, resolving import aliases, and collects every refusal."""

    def __init__(self, source: str):
        self.lines = source.splitlines()
        self.aliases: dict[str, str] = {}  # local name -> the module or object it stands for
        self.called: set[int] = set()  # the nodes that are the function of a call
        self.refusals: list[Refusal] = []

    def refuse(self, node: ast.AST, rule: str, why: str | None = None) -> None:
        line = getattr(node, "lineno", 1)
        code = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        self.refusals.append(Refusal(rule, line, code[:120], why or WHY.get(rule, rule)))

    def dotted(self, node: ast.AST) -> str | None:
        """``o.fork`` -> ``os.fork`` after ``import os as o``; ``getattr(x, "y")`` reads as ``x.y``."""
        if isinstance(node, ast.Name):  # only what was imported (or a builtin): a local named signal is no module
            return self.aliases.get(node.id, node.id if node.id in _BARE_NAMES else None)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                and len(node.args) >= 2 and _is_str(node.args[1])):
            base = self.dotted(node.args[0])
            return f"{base}.{node.args[1].value}" if base else None
        return None

    # -- imports ----------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_import(node, alias.name)
            self.aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._check_import(node, module)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if alias.name == "*":
                if module.split(".")[0] in _REEXPORTED | {"io", "operator", "types"}:
                    self.refuse(node, "dynamic-attribute", "a star import hides which names it brings in")
                continue
            rule = rule_of_name(full) or next((r for r, names in ATTRIBUTES.items() if alias.name in names), None)
            if rule:
                self.refuse(node, rule)
            self.aliases[alias.asname or alias.name] = full

    def _check_import(self, node: ast.AST, module: str) -> None:
        rule = rule_of_name(module)
        if rule:
            self.refuse(node, rule)

    # -- names, attributes, calls -----------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        if node.id in self.aliases:
            return  # checked where it was imported
        if node.id in ("getattr", "setattr", "delattr") and id(node) not in self.called:
            self.refuse(node, "dynamic-attribute")  # partial(getattr, os), g = getattr: a call hidden from the scan
            return
        rule = rule_of_name(node.id) if node.id in _BARE_NAMES else None
        if rule:
            self.refuse(node, rule)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._check_attribute(node, node.attr, self.dotted(node))
        self.generic_visit(node)

    def _check_attribute(self, node: ast.AST, attr: str, dotted: str | None) -> None:
        if attr == "__dict__" and dotted:  # a module's or a builtin's namespace; an object's own is fine
            self.refuse(node, "builtins")
            return
        for rule, names in ATTRIBUTES.items():
            if attr in names:
                self.refuse(node, rule)
                return
        rule = rule_of_name(dotted) if dotted and "." in dotted else None
        if rule:
            self.refuse(node, rule)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("getattr", "setattr", "delattr") and func.id not in self.aliases:
            self._check_attr_call(node, func.id)
        if isinstance(func, ast.Name) and func.id == "open" and node.args:
            self._check_path(node, node.args[0])
        if self.dotted(func) in ("pathlib.Path", "Path", "pathlib.PurePath") and node.args:
            self._check_path(node, node.args[0])
        self.generic_visit(node)

    def _check_attr_call(self, node: ast.Call, name: str) -> None:
        if len(node.args) < 2 or not _is_str(node.args[1]):
            self.refuse(node, "dynamic-attribute")
            return
        attr = node.args[1].value
        target = node.args[0]
        if name != "getattr" and isinstance(target, ast.Name) and (target.id in self.aliases
                                                                   or target.id == "__builtins__"):
            self.refuse(node, "builtins", "setting attributes of a module changes what other code runs")
            return
        self._check_attribute(node, attr, self.dotted(node) if name == "getattr" else None)

    def _check_path(self, node: ast.AST, arg: ast.AST) -> None:
        if _is_str(arg) and (arg.value.startswith("/") or ".." in arg.value.split("/")):
            self.refuse(node, "files")

    def visit_Assign(self, node: ast.Assign) -> None:
        self._check_targets(node.targets)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_targets([node.target])
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        self._check_targets(node.targets)
        self.generic_visit(node)

    def _check_targets(self, targets) -> None:
        """``torch.mm = ...``, ``del np.dot``: an imported module edited for every other caller."""
        for target in targets:
            if isinstance(target, (ast.Tuple, ast.List)):
                self._check_targets(target.elts)
            elif isinstance(target, ast.Attribute):
                dotted = self.dotted(target)
                if dotted and not dotted.startswith(EDITABLE):
                    self.refuse(target, "module-edits")

    def visit_Constant(self, node: ast.Constant) -> None:
        """Attribute names and /proc paths spelled as strings, for a lookup by name."""
        if isinstance(node.value, str) and (node.value in _ALL_ATTRIBUTES or node.value.startswith("/proc")):
            self.refuse(node, "files" if node.value.startswith("/proc") else "introspection")

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        for part in node.values:  # an f-string's text parts, not its placeholders
            if isinstance(part, ast.Constant) and isinstance(part.value, str) and "/proc" in part.value:
                self.refuse(node, "files")
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                self.visit(part)


_BARE_NAMES = {"exec", "eval", "compile", "__import__", "breakpoint", "__builtins__", "globals", "vars", "locals",
               "__loader__", "__spec__"}
_ALL_ATTRIBUTES = {a for names in ATTRIBUTES.values() for a in names} - {"attrgetter", "methodcaller"} | {
    "_getframe", "_current_frames", "__dict__"}
# Modules that other modules re-export as attributes (os.path.os, shutil.os, torch.sys ...).
_REEXPORTED = {"os", "sys", "posix", "builtins", "subprocess", "signal", "threading", "ctypes", "gc", "inspect",
               "importlib", "multiprocessing", "pickle", "io", "_io", "marshal"}


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _parsed(source: str, policy: Policy) -> ast.AST | None:
    """The module's tree, or None when the policy is off or the source does not parse."""
    if not policy.enabled:
        return None
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def scan_source(source: str, exercise_id: str = "", policy: Policy = Policy()) -> list[Refusal]:
    """Every refusal in ``source``, in line order; none for a module that does not parse.

    A syntax error is left to the import, which reports it with its line.
    """
    tree = _parsed(source, policy)
    if tree is None:
        return []
    scanner = Scanner(source)
    scanner.called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    scanner.visit(tree)
    return _in_order(scanner.refusals, policy)


def exercise_findings(source: str, exercise_id: str, policy: Policy = Policy()) -> list[Refusal]:
    """What breaks the exercise's own rules (:mod:`grader.policy_rules`), each naming its function.

    Not a reason to refuse the whole submission: the suite fails the tests of that function
    (a strategy written with ``torch.mm`` loses that strategy's points, not the others').
    """
    tree = _parsed(source, policy)
    if tree is None:
        return []
    scanner = Scanner(source)
    scanner.visit(tree)  # the imports, for resolving aliases
    return _in_order(policy_rules.exercise_refusals(tree, exercise_id, scanner), policy)


def _in_order(refusals: list[Refusal], policy: Policy) -> list[Refusal]:
    unique = {(r.line, r.rule, r.function): r for r in refusals if r.rule not in policy.allow}
    return sorted(unique.values(), key=lambda r: (r.line, r.rule))


def refusal_message(path: Path, exercise_id: str, policy: Policy = Policy(), shown_as: str | None = None) -> str:
    """The load error of a refused submission (empty when the policy lets it run)."""
    try:
        source = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    refusals = scan_source(source, exercise_id, policy)
    if not refusals:
        return ""
    name = shown_as or Path(path).name
    lines = [f"- {r.describe(name)}" for r in refusals[:5]]
    more = [f"- and {len(refusals) - 5} more"] if len(refusals) > 5 else []
    return "\n".join([f"Refused by the submission policy, before it ran ({DOC}):", *lines, *more])
