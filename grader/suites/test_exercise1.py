"""Grading suite for exercise 1: autograd ops on a Matrix class.

Student code runs only in the ``student`` worker; every verdict is computed here. Each op
is graded on its own (partial credit per op): its forward value against torch (float64),
its ``_gradient`` against central differences of the student's own forward and against
torch autograd, and (hidden) against the reference. Hypothesis draws shapes 1..6 x 1..6 and
values kept away from kinks and domain edges; the kinks get exact tests of their own.
"""
from __future__ import annotations

import weakref

import numpy as np
import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from grader.checks.exercise1_cases import (CASES, GRAPH_W, GRAPH_X, KINK_MARGIN, OPS, Case, Described, broadcast_case,
                                          describe, make_case, matrix, network_inputs, operand_specs, sizes,
                                          torch_graph, torch_network, torch_result)
from grader.checks.compare import assert_close, fail
from grader.checks.exercise1_gradcheck import STEP, central_differences, check_gradient, format_array
from grader.dependencies import checks, depends_on
from grader.probes import exercise1 as probes
from grader.sandbox.errors import GradingFailure, SubmissionError

EXERCISE = "exercise1"
# No "explain" phase (its notes do not reach the student) and no hunt for a second bug once
# one is found: a failing op is shrunk to its smallest input and reported, then grading moves on.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)


def grading_settings(examples: int | None = None) -> settings:
    """The grading profile's settings (its examples per op and per check, 50 unless a course sets
    ``$GRADER_HYPOTHESIS_EXAMPLES``), without the explain phase and the hunt for a second bug."""
    if examples is None:
        return settings(phases=PHASES, report_multiple_bugs=False)
    return settings(max_examples=examples, phases=PHASES, report_multiple_bugs=False)


FORWARD_TOLERANCE = dict(rtol=1e-9, atol=1e-12)  # numpy and torch agree to a few ulps in float64
TORCH_TOLERANCE = dict(rtol=1e-7, atol=1e-10)
DIFFERENCES_TOLERANCE = dict(rtol=1e-5, atol=1e-6)  # central differences with STEP, values below ~30


def check_forward(name: str, received, expected, inputs) -> None:
    """Shape, then values, of a forward result (``name``: an op of OPS, a loss or a graph)."""
    function = OPS[name].symbol if name in OPS else name
    received = np.asarray(received, dtype=np.float64)
    if received.shape != expected.shape:
        fail(function, "the result has the wrong shape", expected=expected.shape, received=received.shape,
             inputs=inputs)
    assert_close(received, expected, function, "the forward value", inputs=inputs, **FORWARD_TOLERANCE)


def raise_submission_error(op: str, error: dict, inputs) -> None:
    """The student's exception, named after the op, with the input that raised it."""
    raise GradingFailure(f"{SubmissionError(OPS[op].symbol, dict(error, stage='call'))}\n  input: {inputs}")


def call_op(worker, op: str, inputs, **kwargs) -> dict:
    """``probes.run_op`` in ``worker``; an exception from the submission names the op and the input."""
    try:
        return worker.call(probes.run_op, op=op, **kwargs)
    except SubmissionError as exc:
        raise_submission_error(op, exc.error, inputs)


def require_grads(op: str, out, inputs) -> list:
    if out.get("backward_error"):
        raise_submission_error(op, out["backward_error"], inputs)
    if out["grads"] is None:
        fail(OPS[op].symbol, "the forward value has the wrong shape, so no gradient could be checked",
             received=np.asarray(out["forward"]).shape, inputs=inputs, hint="fix the forward pass first")
    return out["grads"]


seeds = st.integers(0, 2**16)
# Every test of a grading draws from one seed (the grading secret's: grader/hypothesis_profile.py),
# so hypothesis draws the same cases for each per-op check and the student's answer for a case
# is fetched from the worker once (see run_case).
_ANSWERS: "weakref.WeakKeyDictionary[object, dict]" = weakref.WeakKeyDictionary()


def run_case(worker, case: Case) -> dict:
    """The worker's answer for a case (forward, grads, perturbed forwards), asked once per worker."""
    key = (case.op, case.upstream.tobytes(), *(repr(x) if not isinstance(x, np.ndarray) else
                                               (x.shape, x.tobytes()) for x in case.operands))
    answers = _ANSWERS.setdefault(worker, {})
    if key not in answers:
        answers[key] = call_op(worker, case.op, case.inputs, operands=operand_specs(case.operands),
                               upstream=case.upstream, stale=case.stale, step=STEP)
    return answers[key]


def draw_case(data, op: str, upstream_seed: int) -> Case:
    return make_case(op, data.draw(CASES[op], label="operands"), upstream_seed)


# -- per op: forward, gradient vs your forward, gradient vs torch ------------------------------
@checks("op")
@pytest.mark.points(1)
@pytest.mark.parametrize("op", list(OPS))
@grading_settings()
@given(data=st.data(), upstream_seed=seeds)
def test_forward_matches_torch(student, op, data, upstream_seed):
    """The op's forward value matches torch (float64)"""
    case = draw_case(data, op, upstream_seed)
    check_forward(op, run_case(student, case)["forward"], case.forward, Described(describe, op, case.operands))


@checks("op")
@pytest.mark.points(1)
@pytest.mark.parametrize("op", list(OPS))
@grading_settings()
@given(data=st.data(), upstream_seed=seeds)
def test_backward_agrees_with_your_forward(student, op, data, upstream_seed):
    """The op's gradient agrees with central differences of your own forward"""
    case = draw_case(data, op, upstream_seed)
    out = run_case(student, case)
    grads = require_grads(op, out, case.inputs)
    for index, (name, x) in enumerate(zip(OPS[op].names, case.operands)):
        if isinstance(x, np.ndarray):
            implied = central_differences(out["perturbed"][index], case.upstream, x.shape)
            check_gradient(grads[index], implied, op=OPS[op].symbol, argument=name, stale=case.stale[index],
                           source="your backward disagrees with your forward: central differences of your forward",
                           inputs=case.inputs, hint=OPS[op].hint, **DIFFERENCES_TOLERANCE)


@checks("op")
@pytest.mark.points(1)
@pytest.mark.parametrize("op", list(OPS))
@grading_settings()
@given(data=st.data(), upstream_seed=seeds)
def test_backward_matches_torch(student, op, data, upstream_seed):
    """The op's gradient matches torch autograd"""
    case = draw_case(data, op, upstream_seed)
    grads = require_grads(op, run_case(student, case), case.inputs)
    for index, (name, torch_grad) in enumerate(zip(OPS[op].names, case.torch_grads())):
        if torch_grad is not None:
            check_gradient(grads[index], torch_grad, op=OPS[op].symbol, argument=name, stale=case.stale[index],
                           source="torch autograd", inputs=case.inputs, hint=OPS[op].hint, **TORCH_TOLERANCE)


def numpy_only_operands(op: str) -> list:
    """Small fixed operands in each op's domain."""
    a = np.linspace(0.5, 2.0, 6).reshape(2, 3)
    second = {"matmul": a.T.copy(), "pow": 2}.get(op, np.full((2, 3), 1.5))
    return [a, second] if len(OPS[op].names) == 2 else [a]


@checks("op")
@pytest.mark.points(0.5)
@pytest.mark.parametrize("op", list(OPS))
def test_op_uses_numpy_only(student, source_findings, op):
    """The op is written with numpy: no torch, no torch autograd"""
    for finding in (f for found in source_findings.values() for f in found):  # the source, read here
        fail(OPS[op].symbol, f"uses torch autograd (line {finding.line}: `{finding.code}`)", expected="numpy only",
             received=finding.why, hint="build the forward value and the gradient with numpy: the point is to "
                                        "write autograd yourself")
    operands = numpy_only_operands(op)  # the calls recorded in the worker can only fail it
    forward, _ = torch_result(op, operands)
    try:
        out = student.call(probes.torch_usage, op=op, operands=operand_specs(operands),
                           upstream=np.ones(forward.shape))
    except SubmissionError as exc:
        raise_submission_error(op, exc.error, Described(describe, op, operands))
    if out["calls"] or out["static"]:
        static = [f"{name} (referenced by {method})" for method, names in out["static"].items() for name in names]
        fail(OPS[op].symbol, "uses torch", expected="numpy only", received=", ".join(out["calls"][:6] + static[:6]),
             hint="build the forward value and the gradient with numpy (np.exp, @, ...): the point is to "
                  "write autograd yourself")
    if out["forward_type"] != "ndarray":
        fail(OPS[op].symbol, "result.data is not a numpy array", expected="ndarray", received=out["forward_type"])


# -- broadcasting and plain numbers -------------------------------------------------------------
@checks("op")
@pytest.mark.points(2)
@pytest.mark.parametrize("op", ["sub", "mul", "div"])
@grading_settings()
@given(data=st.data(), upstream_seed=seeds)
def test_broadcasting_and_numbers(student, op, data, upstream_seed):
    """Broadcast rows, columns, 1x1 and Python numbers on either side; gradients keep each operand's shape"""
    case = make_case(op, data.draw(broadcast_case(op), label="operands"), upstream_seed)
    out = call_op(student, op, case.inputs, operands=operand_specs(case.operands), upstream=case.upstream,
                  stale=case.stale)
    check_forward(op, out["forward"], case.forward, case.inputs)
    grads = require_grads(op, out, case.inputs)
    for index, (name, torch_grad) in enumerate(zip(OPS[op].names, case.torch_grads())):
        if torch_grad is not None:
            check_gradient(grads[index], torch_grad, op=OPS[op].symbol, argument=name, stale=case.stale[index],
                           source="torch autograd", inputs=case.inputs, **TORCH_TOLERANCE,
                           hint="sum the result's gradient over the broadcast axes: reduce_to_shape(...)")


# -- kinks: the conventions, exactly ------------------------------------------------------------
KINK_INPUT = np.array([[0.0, -0.0, 1.5], [-2.0, 0.0, 0.25]])
KINK_UPSTREAM = np.array([[0.7, -1.3, 2.0], [0.5, 1.1, -0.4]])
KINKS = {
    "abs": (np.abs(KINK_INPUT), np.sign(KINK_INPUT) * KINK_UPSTREAM, "abs'(0) = 0, as np.sign(0) and torch"),
    "relu": (np.maximum(KINK_INPUT, 0.0), (KINK_INPUT > 0) * KINK_UPSTREAM, "relu'(0) = 0, as torch"),
}


@checks("op")
@pytest.mark.points(1)
@pytest.mark.parametrize("op", list(KINKS))
def test_kink_convention(student, op):
    """At 0 the gradient follows the documented convention exactly"""
    forward, gradient, convention = KINKS[op]
    inputs = describe(op, [KINK_INPUT], KINK_UPSTREAM)
    out = call_op(student, op, inputs, operands=operand_specs([KINK_INPUT]), upstream=KINK_UPSTREAM)
    check_forward(op, out["forward"], forward, inputs)
    check_gradient(require_grads(op, out, inputs)[0], gradient, op=OPS[op].symbol, argument="a",
                   source="exactly", inputs=inputs, hint=convention, rtol=0, atol=0)


@depends_on("sub", "abs", "mean")
@pytest.mark.points(1)
def test_mae_at_zero_difference(student):
    """mae's gradient is 0 where pred equals target (abs'(0) = 0)"""
    pred, target = np.array([[1.0, 2.0, -1.0]]), np.array([[1.0, 3.0, -1.0]])
    out = student.call(probes.loss, name="mae", pred=pred, target=target)
    inputs = f"mae(pred={format_array(pred)}, target={format_array(target)})"
    assert_close(out["forward"], [[1 / 3]], "mae", "the loss", inputs=inputs)
    check_gradient(out["grad"], np.array([[0.0, -1 / 3, 0.0]]), op="mae", argument="pred", source="exactly",
                   inputs=inputs, hint="abs'(0) = 0", rtol=0, atol=1e-15)


# -- losses ------------------------------------------------------------------------------------------
@st.composite
def loss_case(draw):
    shape = draw(st.tuples(sizes, sizes))
    pred = draw(matrix(shape))
    return pred, pred - draw(matrix(shape, KINK_MARGIN))  # |pred - target| >= 0.01: clear of abs's kink


LOSSES = {"mse": lambda p, t: ((p - t) ** 2).mean(), "mae": lambda p, t: (p - t).abs().mean()}


@depends_on({"mse": ("sub", "pow", "mean"), "mae": ("sub", "abs", "mean")}, param="name")
@pytest.mark.points(2)
@pytest.mark.parametrize("name", list(LOSSES))
@grading_settings(50)
@given(case=loss_case())
def test_loss_matches_torch(student, name, case):
    """mse / mae: the 1x1 loss and pred's gradient after backward() match torch"""
    pred, target = case
    tensor = torch.tensor(pred, requires_grad=True)
    expected = LOSSES[name](tensor, torch.tensor(target))
    expected.backward()
    out = student.call(probes.loss, name=name, pred=pred, target=target)
    inputs = f"{name}(pred={format_array(pred)}, target={format_array(target)})"
    check_forward(name, out["forward"], expected.detach().numpy().reshape(1, 1), inputs)
    check_gradient(out["grad"], tensor.grad.numpy(), op=name, argument="pred", source="torch autograd",
                   inputs=inputs, **TORCH_TOLERANCE, hint="mse = ((pred - target) ** 2).mean(), "
                                                          "mae = abs(pred - target).mean(), then backward()")


# -- graphs: accumulation, depth, errors, repeated calls ------------------------------------------
def check_graph(out, name: str, calls: int = 1) -> None:
    forward, grad_x, grad_w = torch_graph(name, GRAPH_X, GRAPH_W, calls)
    inputs = f"loss = {name} (as in the suite) with x = {format_array(GRAPH_X)}, w = {format_array(GRAPH_W)}" + (
        f", backward() called {calls} times" if calls > 1 else "")
    check_forward(name, out["forward"], forward, inputs)
    hint = "every _gradient must add (+=); backward visits each node once, after all its parents"
    check_gradient(out["x"], grad_x, op=name, argument="x", source="torch autograd", inputs=inputs, hint=hint,
                   **TORCH_TOLERANCE)
    check_gradient(out["w"], grad_w, op=name, argument="w", source="torch autograd", inputs=inputs, hint=hint,
                   **TORCH_TOLERANCE)


@depends_on({"x * x": ("mul", "sum"), "x + x": ("sum",), "x @ x.T": ("matmul", "transpose", "sum"),
             "x * w + x": ("mul", "sum")}, param="name")
@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["x * x", "x + x", "x @ x.T", "x * w + x"])
def test_node_used_twice_accumulates(student, name):
    """A node used twice receives both gradient contributions"""
    check_graph(student.call(probes.graph, name=name, x=GRAPH_X, w=GRAPH_W), name)


@depends_on({"diamond": ("mul", "tanh", "sigmoid", "exp", "mean"),
             "shared intermediate": ("mul", "tanh", "exp", "sum")}, param="name")
@pytest.mark.points(2)
@pytest.mark.parametrize("name", ["diamond", "shared intermediate"])
def test_diamond_graph(student, name):
    """Branches that split and join again: backward matches torch"""
    check_graph(student.call(probes.graph, name=name, x=GRAPH_X, w=GRAPH_W), name)


@depends_on("mul", "tanh", "exp", "sum")
@pytest.mark.points(2)
def test_backward_twice_accumulates_like_torch(student):
    """Calling backward twice doubles the leaves' gradients, as in torch"""
    out = student.call(probes.graph, name="shared intermediate", x=GRAPH_X, w=GRAPH_W, calls=2)
    try:
        check_graph(out, "shared intermediate", calls=2)
    except AssertionError as exc:
        raise type(exc)(f"{exc}\n  note: leaves accumulate across calls, but intermediate nodes must start "
                        "from zero on each backward() (torch keeps no gradient for them)") from None


@depends_on("mul", "sum")
@pytest.mark.points(2)
def test_deep_chain_needs_no_recursion(student):
    """A 5000-deep chain: backward is iterative and does not hit the recursion limit"""
    depth, factor, shift = 5000, 0.9995, 0.001
    out = student.call(probes.deep_chain, depth=depth, factor=factor, shift=shift)
    value = 1.0
    for _ in range(depth):
        value = value * factor + shift
    inputs = f"y = x = [[1.0]], then {depth} times y = y * {factor} + {shift}; y.sum().backward()"
    assert_close(out["forward"], [[value]], "backward", "the chain's value", inputs=inputs)
    assert_close(out["grad"], [[factor ** depth]], "backward", "x.grad", inputs=inputs, rtol=1e-9)
    if out["stack_depth"] > 100:
        fail("backward", "the call stack grew with the graph's depth (recursion)", expected="a flat stack",
             received=f"{out['stack_depth']} nested calls", inputs=inputs,
             hint="build the topological order with an explicit stack (a list), not a recursive function")


@depends_on("mul")
@pytest.mark.points(1)
@pytest.mark.parametrize("shape", [(2, 3), (1, 4), (3, 1)], ids=str)
def test_backward_needs_a_1x1_result(student, shape):
    """backward() on a result that is not 1x1 raises ValueError"""
    raised = student.call(probes.backward_on_shape, rows=shape[0], cols=shape[1])
    if raised != "ValueError":
        fail("backward", "a result that is not 1x1 has no gradient to seed", expected="ValueError",
             received=raised, inputs=f"(x * 2.0).backward() with x of shape {shape}",
             hint="check self.shape == (1, 1) first; reduce with .sum() or .mean()")


@depends_on("matmul", "transpose", "tanh", "mul", "mean")
@pytest.mark.points(2)
def test_zero_grad_clears_the_graph(student):
    """zero_grad() clears every node's gradient; the next backward starts afresh"""
    x, w = GRAPH_X, GRAPH_W
    out = student.call(probes.zero_grad, x=x, w=w)
    inputs = (f"h = (x @ w.T).tanh(); value = (h * h).mean(); value.backward(); value.zero_grad() "
              f"with x = {format_array(x)}, w = {format_array(w)}")
    nodes = ["x", "w", "the hidden node", "the loss"]
    for node, largest in zip(nodes, out["after_zero"]):
        if largest != 0:
            fail("zero_grad", f"{node} still has a gradient after zero_grad()", expected=0.0, received=largest,
                 inputs=inputs, hint="walk the whole graph (as backward does) and zero every node's grad")
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    hidden = (tx @ tw.T).tanh()
    (hidden * hidden).mean().backward()
    check_gradient(out["x"], tx.grad.numpy(), op="zero_grad then backward", argument="x", source="torch autograd",
                   inputs=inputs, **TORCH_TOLERANCE)
    check_gradient(out["w"], tw.grad.numpy(), op="zero_grad then backward", argument="w", source="torch autograd",
                   inputs=inputs, **TORCH_TOLERANCE)


# -- a composite: a two-layer network ---------------------------------------------------------------
NETWORKS = [("mse", "relu"), ("mse", "tanh"), ("mae", "relu"), ("mae", "sigmoid")]


@depends_on({f"{loss}-{act}": ("matmul", act, "sub", "pow" if loss == "mse" else "abs", "mean")
             for loss, act in NETWORKS}, param="id")
@pytest.mark.points(3)
@pytest.mark.parametrize("loss_name,activation", NETWORKS)
def test_two_layer_network_matches_torch(student, loss_name, activation):
    """A two-layer network's loss and parameter gradients match torch"""
    for seed in range(3):
        inputs = network_inputs(seed)
        expected = torch_network(loss_name, activation, inputs)
        out = student.call(probes.two_layer_network, loss_name=loss_name, activation=activation, **inputs)
        where = (f"{loss_name}({activation}(X @ W1 + b1) @ W2 + b2, y) with X 8x5, W1 5x7, b1 1x7, W2 7x1, b2 1x1 "
                 f"(normal values, seed {seed})")
        check_forward(loss_name, out["loss"], expected["loss"], where)
        for name in ("W1", "b1", "W2", "b2"):
            check_gradient(out[name], expected[name], op=f"the network's {loss_name}", argument=name,
                           source="torch autograd", inputs=where, **TORCH_TOLERANCE,
                           hint="b1 and b2 are broadcast over the batch: their gradients sum over it")


# -- hidden: agreement with the reference --------------------------------------------------------------
@checks("op")
@pytest.mark.points(0.5)
@pytest.mark.hidden
@pytest.mark.parametrize("op", list(OPS))
@grading_settings(25)
@given(data=st.data(), upstream_seed=seeds)
def test_op_matches_reference(student, reference, op, data, upstream_seed):
    """The op's forward value and gradients agree with the reference"""
    case = draw_case(data, op, upstream_seed)
    out = run_case(student, case)  # yours first: unfinished code fails without the reference's work
    expected = run_case(reference, case)
    check_forward(op, out["forward"], np.asarray(expected["forward"]), case.inputs)
    grads = require_grads(op, out, case.inputs)
    for index, (name, reference_grad) in enumerate(zip(OPS[op].names, expected["grads"])):
        if reference_grad is not None:
            check_gradient(grads[index], np.asarray(reference_grad) - case.stale[index], op=OPS[op].symbol,
                           argument=name, stale=case.stale[index], source="the reference", inputs=case.inputs,
                           hint=OPS[op].hint, **TORCH_TOLERANCE)
