"""The submission policy: every honest module passes it, the dodges an attacker tries do not."""
from __future__ import annotations

import ast
import importlib

import pytest

from grader import exercises
from grader.failure_kinds import NOT_IMPORTED
from grader.grading_run import open_run
from grader.policy import Policy, exercise_findings, scan_source

EXERCISES = [f"exercise{n}" for n in range(1, 6)]
# Golden mutants that break their exercise's own rule on purpose: the function they cheat in.
CHEATS = {"elementwise_returns_torch_mm": "matmul_elementwise",
          "elementwise_copies_entries_of_torch_mm": "matmul_elementwise",
          "columnwise_multiplies_by_mm": "matmul_columnwise", "blocked_ignores_block_size": "matmul_blocked"}


def _honest_modules():
    for exercise_id in EXERCISES:
        module = exercises.get(exercise_id).module
        for folder in ("solutions", "exercises"):
            yield exercise_id, f"{folder}/{module}", None
        for bug in importlib.import_module(f"tests.golden.{exercise_id}.buggy").MUTANTS:
            yield exercise_id, f"mutant {bug.name}", bug
    composed = importlib.import_module("tests.golden.exercise1.composed")
    yield "exercise1", "composed", composed.COMPOSED


HONEST = list(_honest_modules())


@pytest.mark.parametrize("exercise_id,label,bug", HONEST, ids=[h[1] for h in HONEST])
def test_references_stubs_and_golden_submissions_pass_the_scan(kit_root, exercise_id, label, bug):
    module = exercises.get(exercise_id).module
    source = bug.source(module) if bug else (kit_root / f"{label}.py").read_text(encoding="utf-8")
    assert scan_source(source, exercise_id) == []
    findings = {f.function for f in exercise_findings(source, exercise_id)}
    expected = {CHEATS[bug.name]} if bug and bug.name in CHEATS else set()
    assert findings == expected, exercise_findings(source, exercise_id)


# An attacker who has read the scan: each dodge, and the rule that must still refuse it.
DODGES = {
    "import os as o\no.fork()": "concurrency",
    "from os import fork as f\nf()": "concurrency",
    "import os\ngetattr(os, 'fo' + 'rk')()": "dynamic-attribute",
    "import os\ngetattr(os, 'system')('true')": "concurrency",
    "import os\nos.kill(1, 9)": "signals",
    "import os\nos.execv('/bin/sh', [])": "concurrency",
    "import os\nfd = os.open('x', 0)\nos.read(fd, 10)": "files",
    "import ctypes": "native-code",
    "from ctypes import CDLL": "native-code",
    "import grader.sandbox.worker_main": "kit-internals",
    "from grader.checks import compare": "kit-internals",
    "import sys\nsys._getframe(1)": "introspection",
    "import sys as s\nf = s._getframe\n": "introspection",
    "def f():\n    try:\n        raise ValueError\n    except ValueError as e:\n        return e.__traceback__.tb_frame.f_back":
        "introspection",
    "import gc\ngc.get_objects()": "introspection",
    "import inspect\ninspect.currentframe()": "introspection",
    "import sys\nsys.modules['torch'] = None": "modules",
    "import sys\ndel sys.modules['grader']": "modules",
    "exec('print(1)')": "dynamic-code",
    "eval('1')": "dynamic-code",
    "code = compile('1', 'x', 'eval')": "dynamic-code",
    "__import__('os')": "dynamic-code",
    "import importlib\nimportlib.import_module('os')": "dynamic-code",
    "import threading": "concurrency",
    "from concurrent.futures import ThreadPoolExecutor": "concurrency",
    "import subprocess": "concurrency",
    "import multiprocessing as mp": "concurrency",
    "import pty": "concurrency",
    "import signal": "signals",
    "import builtins\nbuiltins.len = lambda x: 0": "builtins",
    "__builtins__['len'] = None": "builtins",
    "globals()['__builtins__']": "builtins",
    "vars()['x'] = 1": "builtins",
    "locals()['x'] = 1": "builtins",
    "import torch\nsetattr(torch, 'mm', None)": "builtins",
    "import torch\ntorch.mm = lambda a, b: a": "module-edits",
    "x = ().__class__.__base__.__subclasses__()": "introspection",
    "def f(): pass\ng = f.__globals__": "introspection",
    "def f(): pass\ng = f.__code__": "introspection",
    "from operator import attrgetter\nattrgetter('__glo' + 'bals__')": "introspection",
    "x = '__subclasses__'": "introspection",
    "open('/proc/self/mem', 'rb')": "files",
    "open('../../solutions/exercise3_data.py')": "files",
    "from pathlib import Path\nPath('/etc/passwd').read_text()": "files",
    "pid = 1\nopen(f'/proc/{pid}/environ')": "files",
    "import sys\nprint(sys.argv)": "introspection",
    "import pickle": "dynamic-code",
    "import torch\ntorch.load('x.pt')": "dynamic-code",
    "from torch.utils.cpp_extension import load_inline": "native-code",
    "import os\nos.__dict__['system']('true')": "builtins",
    "from os import *\nfork()": "dynamic-attribute",
    "import os.path as p\np.os.system('true')": "concurrency",
    "import shutil\nshutil.os.fork()": "concurrency",
    "import functools, os\nfunctools.partial(getattr, os)('system')": "dynamic-attribute",
    "g = getattr\nimport os\ng(os, 'fork')": "dynamic-attribute",
    "import _io": "files",
    "__loader__.get_data('x')": "introspection",
    "import operator\noperator.attrgetter('f_back')": "introspection",
    "print.__self__.exec('1')": "introspection",
    "x = [].__class__.__mro__[-1]": "introspection",
}


@pytest.mark.parametrize("source,rule", DODGES.items(), ids=list(DODGES))
def test_each_dodge_is_refused_by_its_rule(source, rule):
    refusals = scan_source(source, "exercise3")
    assert rule in {r.rule for r in refusals}, refusals
    assert all(r.line >= 1 and r.code for r in refusals)


# Honest code that looks a little like an attack: never refused.
LOOKALIKES = [
    "signal = [1, 2]\nsignal.append(3)",
    "import re\nre.compile('a+')",
    "import torch\nmodel = torch.nn.Linear(2, 1)\nmodel.eval()\nlist(model.modules())",
    "class A:\n    def f(self):\n        return self.__dict__.setdefault('k', {})",
    "import os\nos.path.join('a', 'b')\nos.makedirs('x', exist_ok=True)",
    "from grader.data import load_airfoil",
    "import torch\ntorch.backends.cudnn.benchmark = True",
    "import sys\nsys.exit(0)",
    "class A:\n    def __init__(self):\n        super().__init__()\n        self.name = type(self).__name__",
    "x = getattr(object(), 'real', None)",
    "open('results.txt', 'w').write('ok')",
]


@pytest.mark.parametrize("source", LOOKALIKES)
def test_honest_lookalikes_are_not_refused(source):
    assert scan_source(source, "exercise3") == []


STRATEGY_CASES = [
    ("matmul_elementwise", "return torch.mm(B, C)", True),
    ("matmul_elementwise", "return B @ C", True),
    ("matmul_elementwise", "return torch.matmul(B, C)", True),
    ("matmul_elementwise", "return getattr(torch, 'mm')(B, C)", True),
    ("matmul_elementwise", "return torch.stack([torch.mv(C.T, B[i]) for i in range(len(B))])", True),
    ("matmul_elementwise", "return np.dot(B.numpy(), C.numpy())", True),
    ("matmul_elementwise", "return torch.einsum('ik,kj->ij', B, C)", True),
    ("matmul_elementwise", "return _helper(B, C)", True),
    ("matmul_elementwise", "return MUL(B, C)", True),
    ("matmul_elementwise", "A = torch.empty(len(B), C.shape[1])\n    for i in range(len(B)):\n"
                           "        for j in range(C.shape[1]):\n            A[i, j] = torch.dot(B[i, :], C[:, j])\n"
                           "    return A", False),
    ("matmul_elementwise", "return torch.tensor([[row @ col for col in C.T] for row in B])", False),
    ("matmul_elementwise", "return torch.tensor([[(B[i] * C[:, j]).sum() for j in range(3)] for i in range(3)])",
     False),
    ("matmul_rowwise", "return torch.stack([B[i, :] @ C for i in range(len(B))])", False),
    ("matmul_rowwise", "return torch.stack([torch.mv(C.T, row) for row in B])", False),
    ("matmul_rowwise", "row = B[0]\n    return row @ C", False),
    ("matmul_rowwise", "return B @ C", True),
    ("matmul_rowwise", "return B.mm(C)", True),
    ("matmul_columnwise", "return torch.stack([B @ C[:, j] for j in range(C.shape[1])], dim=1)", False),
    ("matmul_columnwise", "return torch.stack([B @ C[:, j:j + 1] for j in range(C.shape[1])], dim=1)", True),
    ("matmul_columnwise", "return B.__matmul__(C)", True),
    # What matmul_full and matmul_blocked must contain (grader/policy_required.py).
    ("matmul_full", "return torch.mm(B, C)", False),
    ("matmul_full", "return B @ C", False),
    ("matmul_full", "return _helper(B, C)", False),
    ("matmul_full", "return torch.stack([torch.mv(C.T, row) for row in B])", True),
    ("matmul_blocked", "A = torch.zeros(len(B), C.shape[1])\n    for s in range(0, C.shape[1], block_size):\n"
                       "        A[:, s:s + block_size] = torch.mm(B, C[:, s:s + block_size])\n    return A", False),
    ("matmul_blocked", "return torch.cat([B @ part for part in C.split(block_size, dim=1)], dim=1)", False),
    ("matmul_blocked", "step = block_size\n    return torch.cat([_helper(B, C[:, s:s + step]) "
                       "for s in range(0, C.shape[1], step)], 1)", False),
    ("matmul_blocked", "return torch.mm(B, C)", True),
    ("matmul_blocked", "return torch.cat([B @ C[:, s:s + 64] for s in range(0, C.shape[1], 64)], 1)", True),
    ("matmul_blocked", "for s in range(0, C.shape[1], block_size):\n        pass\n    return torch.mm(B, C)", True),
]


@pytest.mark.parametrize("function,body,refused", STRATEGY_CASES)
def test_exercise4_strategies_are_the_asked_products(function, body, refused):
    source = ("import numpy as np\nimport torch\nMUL = torch.mm\n\n\ndef _helper(B, C):\n    return torch.mm(B, C)"
              f"\n\n\ndef {function}(B, C, block_size=64):\n    {body}\n")
    ast.parse(source)  # the case is real code (a case that does not parse would pass unread)
    findings = exercise_findings(source, "exercise4")
    assert scan_source(source, "exercise4") == []
    assert bool(findings) == refused, findings
    assert all(f.function == function for f in findings)


def test_a_strategy_rebound_to_a_product_is_refused():
    source = "import torch\ndef matmul_rowwise(B, C):\n    return 0\nmatmul_rowwise = torch.mm\n"
    (finding,) = exercise_findings(source, "exercise4")
    assert finding.function == "matmul_rowwise" and finding.line == 4


@pytest.mark.parametrize("snippet", ["x = torch.ones(2, requires_grad=True)", "import torch.autograd",
                                     "torch.autograd.grad(y, x)", "p = torch.nn.Parameter(x)",
                                     "from torch.func import grad"])
def test_exercise1_ops_use_no_torch_autograd(snippet):
    source = f"import torch\nclass Matrix:\n    def relu(self, x):\n        {snippet}\n"
    findings = exercise_findings(source, "exercise1")
    assert findings and {f.rule for f in findings} == {"exercise1-no-autograd"}, findings


def test_a_course_relaxes_a_rule_or_turns_the_scan_off():
    source = "import threading\nimport signal\n"
    assert {r.rule for r in scan_source(source, "exercise3", Policy(allow=frozenset({"concurrency"})))} == {"signals"}
    assert Policy.from_env({"GRADER_POLICY_ALLOW": "concurrency, signals"}).allow == {"concurrency", "signals"}
    assert scan_source(source, "exercise3", Policy.from_env({"GRADER_POLICY": "off"})) == []


def _refused_module(tmp_path, kit_root):
    source = (kit_root / "solutions" / "exercise3_data.py").read_text(encoding="utf-8")
    path = tmp_path / "exercise3_data.py"
    path.write_text("import os as o\n" + source + "\n_child = o.fork\n", encoding="utf-8")
    return path, source.count("\n") + 3


def test_a_refused_submission_never_runs_and_the_report_says_why(grade_submission, tmp_path, kit_root):
    path, line = _refused_module(tmp_path, kit_root)
    report = grade_submission("exercise3", path, keyword="standardize")
    assert report.score == 0 and report.tests
    (error,) = report.errors
    assert error.startswith("Refused by the submission policy")
    assert f"exercise3_data.py, line {line}: `_child = o.fork`" in error and "'concurrency'" in error
    assert all(t.status == "failed" and t.output == NOT_IMPORTED for t in report.tests)


def test_the_library_keyword_grades_without_the_policy(tmp_path, kit_root):
    path, _ = _refused_module(tmp_path, kit_root)
    refused = open_run("exercise3", path, feedback_dir=tmp_path / "fb")
    unscanned = open_run("exercise3", path, feedback_dir=tmp_path / "fb", policy=False)
    try:
        assert refused.resolved.error.startswith("Refused by the submission policy")
        assert unscanned.resolved.error == "" and unscanned.session.report.errors == []
    finally:
        refused.close()
        unscanned.close()
