"""Exercise 1's own golden tests: ops built from other ops, and the root cause shown first.

The reference, the stub and the golden bank are graded in tests/test_golden_bank.py.
"""
from __future__ import annotations

from tests.conftest import assert_full_marks
from tests.golden.exercise1.buggy import MODULE, MUTANTS
from tests.golden.exercise1.composed import COMPOSED
from tests.golden.mutants import mutant


def test_ops_built_from_other_ops_score_full_marks(grade_submission, tmp_path):
    """micrograd's style (``a - b`` as ``a + (-b)``, ...) is correct: every point is earned."""
    report = grade_submission("exercise1", COMPOSED.write(MODULE, tmp_path))
    assert_full_marks(report)


def test_a_composed_ops_gradient_flows_through_the_nodes_it_made():
    """The per-op check runs the graph between the result and the operands, not one closure."""
    import numpy as np

    from grader.probes.exercise1 import backward_between
    namespace = {}
    exec(compile(COMPOSED.source(MODULE), MODULE, "exec"), namespace)  # the kit's own golden file
    matrix = namespace["Matrix"]
    a, b = matrix([[1.0, 2.0]]), matrix([[3.0, 5.0]])
    result = a - b
    result.grad = np.array([[1.0, 2.0]])
    result._gradient()  # the result's own closure alone reaches only the intermediate -b
    assert np.array_equal(b.grad, [[0.0, 0.0]])
    a, b = matrix([[1.0, 2.0]]), matrix([[3.0, 5.0]])
    b.grad = np.array([[0.5, 0.5]])  # held before: must be added to
    backward_between(a - b, [a, b], np.array([[1.0, 2.0]]))
    assert np.array_equal(a.grad, [[1.0, 2.0]]) and np.array_equal(b.grad, [[-0.5, -1.5]])


def test_a_wrong_mean_is_shown_first_and_its_dependants_marked(grade_submission, tmp_path):
    bug = next(m for m in MUTANTS if m.name == "mean_divides_by_rows_only")
    report = grade_submission("exercise1", bug.write(MODULE, tmp_path),
                              keyword="mean or loss or diamond or zero_grad or mae")
    failing = [t for t in report.ordered_tests() if t.status == "failed"]
    roots = [t for t in failing if t.checks == "mean"]
    dependants = [t for t in failing if t.checks != "mean"]
    assert roots and failing[:len(roots)] == roots, [t.test_id for t in failing]
    assert {t.test_id.split("[")[0] for t in dependants} == {
        "test_loss_matches_torch", "test_diamond_graph", "test_mae_at_zero_difference",
        "test_zero_grad_clears_the_graph"}
    for test in dependants:
        assert report.failing_dependencies(test) == ["mean"], test.test_id
        assert report.feedback(test).startswith("depends on mean, which fails: fix that first\n")
    assert all(not report.failing_dependencies(t) for t in roots)


# relu's gradient by torch autograd; the hostile twin also patches its worker's call recorder so
# that the probe reports no torch call at all (the policy off: it imports the kit's probes).
RELU_BY_TORCH = ("            self.grad += (self.data > 0) * result.grad\n",
                 "            import torch\n"
                 "            x = torch.tensor(self.data, requires_grad=True)\n"
                 "            torch.relu(x).backward(torch.tensor(result.grad))\n"
                 "            self.grad += x.grad.numpy()\n")
FORGED_RECORDER = ("\nimport grader.probes.exercise1 as _probes\n"
                   "_probes.record_calls = lambda function: (function(), [])\n")


def test_torch_autograd_is_read_from_the_source_even_with_a_forged_recorder(grade_submission, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setenv("GRADER_POLICY", "off")
    honest = mutant("relu_by_torch_autograd", RELU_BY_TORCH, set()).source(MODULE)
    for name, source in (("honest", honest), ("forged", honest + FORGED_RECORDER)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / f"{MODULE}.py").write_text(source)
        report = grade_submission("exercise1", folder / f"{MODULE}.py", keyword="numpy_only")
        line = next(n for n, text in enumerate(source.splitlines(), 1) if "requires_grad=True" in text)
        assert report.tests and report.score == 0, (name, [(t.test_id, t.output) for t in report.tests])
        for test in report.tests:
            assert f"uses torch autograd (line {line}: `x = torch.tensor(self.data, requires_grad=True)`)" \
                in test.output, (name, test.output)
