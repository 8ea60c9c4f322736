"""Which suite tests reach which function of the reference: the golden bank grades each bug
on those tests alone, as mutation-testing tools select tests by coverage.

A golden bug changes one or a few functions of the reference. A test that never calls them
(directly, or through the reference's other functions) runs the same code with the bug as
without it, so grading it again proves nothing; the bug is graded on the tests that reach a
function it changed, plus the tests that read the source itself. A change outside every
function (a constant, an import, a class attribute) reaches every test: such a bug is graded
in full.

The coverage comes from one grading of an *instrumented* reference: the reference with each of
its plain functions, methods and properties wrapped so that its first call within a worker
request prints a marker line, which the grader keeps as that test's own output
(``TestResult.student_output``). A bug that changes anything no test was seen to reach (a
staticmethod, which is not wrapped; a method it adds; code run only at import) is graded in full.
A test whose output was cut short reaches every function. The limit: the sets are what the
reference's grading reaches, so a bug that passes state from a function it changed to a later
test that never calls that function (a global it sets) would lose that test unseen; the bank's
bugs are changes inside one function's own work, and a test that a bug must fail but that
reaches none of what it changed fails the bank.
"""
from __future__ import annotations

import ast
import collections
import re

MARK = "@reached "

# Appended to the reference's source. A new request clears the set of functions already
# printed, so every test prints each function it reaches at least once (the worker serves the
# requests of one test after another; it receives each through ``channel.Reader.receive``).
_INSTRUMENT = '''

def _reach_instrument():
    import functools, sys, types
    printed = set()
    Reader = sys.modules["grader.sandbox.channel"].Reader
    receive = Reader.receive

    def receive_anew(self, *args, **kwargs):
        printed.clear()
        return receive(self, *args, **kwargs)
    Reader.receive = receive_anew

    def wrapped(function):
        name = function.__qualname__  # the def's own name, whatever names are bound to it
        @functools.wraps(function)
        def reached(*args, **kwargs):
            if name not in printed:
                printed.add(name)
                print(@MARK@ + name, flush=True)
            return function(*args, **kwargs)
        return reached

    for name, value in list(globals().items()):
        if getattr(value, "__module__", None) != __name__ or name.startswith("_reach"):
            continue
        if isinstance(value, type):
            for attribute, member in list(vars(value).items()):
                if isinstance(member, property):
                    setattr(value, attribute, property(
                        *(part and wrapped(part) for part in (member.fget, member.fset, member.fdel)),
                        member.__doc__))
                elif isinstance(member, types.FunctionType):  # not a staticmethod or classmethod
                    setattr(value, attribute, wrapped(member))
        elif isinstance(value, types.FunctionType):
            globals()[name] = wrapped(value)


_reach_instrument()
'''


def instrumented(source: str) -> str:
    """The reference's source, each function and method printing its name when first reached."""
    return source + _INSTRUMENT.replace("@MARK@", repr(MARK))


def units(source: str) -> dict[str, str]:
    """Each top-level function and method by qualified name, and the rest of the module under
    ``"<module>"``, as ASTs dumped without line numbers (a change in one shows in its dump alone)."""
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = ast.dump(node)
        elif isinstance(node, ast.ClassDef):
            body = []
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found[f"{node.name}.{item.name}"] = ast.dump(item)
                else:
                    body.append(ast.dump(item))
            outside = [ast.dump(part) for part in (*node.bases, *node.keywords, *node.decorator_list,
                                                   *getattr(node, "type_params", ()))]
            found["<module>"] = found.get("<module>", "") + node.name + repr(body) + repr(outside)
        else:
            found["<module>"] = found.get("<module>", "") + ast.dump(node)
    return found


def changed_functions(reference: str, mutant: str) -> set[str] | None:
    """The functions ``mutant`` changes, added or removes; None where it changes anything else."""
    before, after = units(reference), units(mutant)
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    return None if "<module>" in changed else changed


def reached_by_test(report) -> dict[str, set[str] | None]:
    """Each test's reached functions; None where it may reach any (its output was cut short).

    The grader keeps some answers for the tests of one case (exercise 1 asks the worker once per
    op and input for its three checks): a test whose answer was kept printed nothing for it. So
    each test reaches what every test of its case reached, and a test of no case that printed
    nothing may reach anything.
    """
    printed = {}
    for test in report.tests:
        lines = test.student_output.splitlines()
        cut_short = any(line.startswith("... ") and line.endswith("more characters not shown") for line in lines)
        printed[test.test_id] = None if cut_short else {
            line[len(MARK):].strip() for line in lines if line.startswith(MARK)}
    by_case = collections.defaultdict(list)
    for test_id, names in printed.items():
        by_case[_case(test_id)].append(names)
    reached = {}
    for test_id, names in printed.items():
        case = by_case[_case(test_id)] if _case(test_id) is not None else [names or None]
        reached[test_id] = None if None in case else set().union(*case)
    return reached


def _case(test_id: str) -> str | None:
    return test_id[test_id.index("["):] if "[" in test_id else None


# What a pytest keyword expression can name (its identifiers, matched as substrings of a test's id).
_KEYWORD_WORD = re.compile(r"[\w:+\-.\[\]\\/]+")


def tests_reaching(reached: dict[str, set[str] | None], functions: set[str]) -> set[str]:
    """The tests that reach any of ``functions``: each by its id where a keyword can name it,
    else by its suite function's name (all its cases)."""
    return {test_id if _KEYWORD_WORD.fullmatch(test_id) else test_id.split("[")[0]
            for test_id, names in reached.items() if names is None or names & functions}


def tests_to_grade(coverage: dict[str, set[str] | None], changed: set[str] | None) -> set[str] | None:
    """The tests that reach a changed function; None (every test) where the change is outside
    the functions, or in one that no test was seen to reach."""
    seen = set().union(*(names for names in coverage.values() if names))
    if changed is None or changed - seen:
        return None
    return tests_reaching(coverage, changed)
