"""The golden bank's test selection (tests/golden/reach.py): what a bug changes, what a test reaches."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from types import SimpleNamespace

from tests.golden import reach

MODULE = textwrap.dedent('''
    RATE = 0.5

    def helper(x):
        return x * RATE

    def step(x):
        return helper(x) + 1

    class Model:
        kind = "linear"

        def __init__(self, w):
            self.w = w

        @property
        def size(self):
            return len(self.w)

        def forward(self, x):
            return [helper(v) for v in x]

        predict = forward  # an alias: its calls are the def's

        @staticmethod
        def unit():
            return 1
''')


def changed(old: str, new: str):
    assert MODULE.count(old) == 1, old
    return reach.changed_functions(MODULE, MODULE.replace(old, new))


def test_a_change_inside_a_function_or_method_names_it():
    assert changed("x * RATE", "x / RATE") == {"helper"}
    assert changed("return len(self.w)", "return 0") == {"Model.size"}
    assert changed("def step(x):", "def step(x, y=0):") == {"step"}
    assert changed("def step(x):", "def extra():\n    pass\n\ndef step(x):") == {"extra"}


def test_a_change_outside_every_function_reaches_every_test():
    assert changed("RATE = 0.5", "RATE = 0.25") is None
    assert changed('kind = "linear"', 'kind = "affine"') is None
    assert changed("class Model:", "class Model(dict):") is None
    assert changed("RATE = 0.5", "import os\nRATE = 0.5") is None


def test_comments_and_blank_lines_change_nothing():
    assert changed("def step(x):", "\n# a note\ndef step(x):  # why\n") == set()


def _reached_in_a_fresh_interpreter(calls: str, tmp_path) -> list[str]:
    """Run the instrumented module with a stand-in for the worker's request reader."""
    (tmp_path / "grader_sandbox_channel.py").write_text("class Reader:\n    def receive(self):\n        return None\n")
    (tmp_path / "subject.py").write_text(reach.instrumented(MODULE))
    script = ("import sys, grader_sandbox_channel as c; sys.modules['grader.sandbox.channel'] = c\n"
              f"import subject\n{calls}")
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    return [line[len(reach.MARK):] for line in out.stdout.splitlines() if line.startswith(reach.MARK)]


def test_the_instrumented_module_prints_each_function_first_reached_in_a_request(tmp_path):
    calls = ("m = subject.Model([1, 2]); m.predict([3]); m.size; subject.step(2); subject.step(3)\n"
             "assert subject.Model.unit() == m.unit() == 1\n"  # left as it is: still a staticmethod
             "c.Reader().receive()\n"  # a new request: each function printed again when reached
             "subject.step(1)\n")
    assert _reached_in_a_fresh_interpreter(calls, tmp_path) == [
        "Model.__init__", "Model.forward", "helper", "Model.size", "step", "step", "helper"]


def _report(outputs: dict) -> SimpleNamespace:
    return SimpleNamespace(tests=[SimpleNamespace(test_id=test_id, student_output=text)
                                  for test_id, text in outputs.items()])


def test_a_test_reaches_what_every_test_of_its_case_reaches():
    report = _report({"test_forward[mul]": f"{reach.MARK}Matrix.__mul__\nprinted by the student",
                      "test_backward[mul]": "",  # reused the answers kept from test_forward[mul]
                      "test_reference[mul]": f"{reach.MARK}as_matrix",  # some answers kept, some not
                      "test_alone": "",
                      "test_cut[a]": f"{reach.MARK}f\n... 120 more characters not shown",
                      "test_other[a]": ""})
    reached = reach.reached_by_test(report)
    assert reached["test_forward[mul]"] == reached["test_backward[mul]"] == reached["test_reference[mul]"] \
        == {"Matrix.__mul__", "as_matrix"}
    assert reached["test_alone"] is None  # no case to learn from: it may reach anything
    assert reached["test_cut[a]"] is None and reached["test_other[a]"] is None


def test_tests_are_named_by_case_where_a_keyword_can_name_them():
    reached = {"test_op[mul]": {"mul"}, "test_op[add]": {"add"}, "test_graph[x * x]": {"mul"},
               "test_any": None, "test_none": {"add"}}
    assert reach.tests_reaching(reached, {"mul"}) == {"test_op[mul]", "test_graph", "test_any"}


def test_a_change_no_test_was_seen_to_reach_is_graded_in_full():
    coverage = {"test_op[mul]": {"mul"}, "test_op[add]": {"add"}}
    assert reach.tests_to_grade(coverage, {"add"}) == {"test_op[add]"}
    assert reach.tests_to_grade(coverage, {"add", "unit"}) is None  # a staticmethod, an added method
    assert reach.tests_to_grade(coverage, None) is None  # outside the functions
