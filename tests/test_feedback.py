"""How failures read: the check's words and hypothesis's smallest input, nothing of the grader's."""
from __future__ import annotations

from grader.pytest_reports import smallest_example


def test_drawn_arguments_without_fixtures():
    note = "Failing test case: test_x(\n    student=<Worker object>,\n    n=1,\n    batch_size=2,\n)"
    assert smallest_example([note]) == "n=1, batch_size=2"


def test_interactive_draws_are_listed():
    notes = ["Failing test case: test_x(\n    student=<Worker>,\n    data=data(...),\n)",
             "Draw 1 (x): 5", "Draw 2: []"]
    assert smallest_example(notes) == "5, []"


def test_older_wording_and_no_note():
    assert smallest_example(["Falsifying example: test_x(\n    x=0,\n)"]) == "x=0"
    assert smallest_example(["something else"]) == ""


def test_the_tests_parameters_are_not_repeated_as_input():
    note = "Failing test case: test_x(\n    student=<Worker>,\n    op='sub',\n    upstream_seed=0,\n)"
    assert smallest_example([note], known=("op",)) == "upstream_seed=0"


def _wrapped(error: dict) -> BaseException:
    """A submission error re-raised by a check in its own words, as the suites do."""
    from grader.sandbox.errors import GradingFailure, SubmissionError
    try:
        try:
            raise SubmissionError("mean", error)
        except SubmissionError:
            raise GradingFailure("a.mean() raised something")
    except GradingFailure as exc:
        return exc


def test_an_import_failure_is_recognised_however_a_check_rewrapped_it():
    from grader.failure_kinds import import_failure, input_matters
    imported = _wrapped({"type": "SyntaxError", "stage": "import", "message": "invalid syntax (line 3: x = )"})
    assert import_failure(imported) is not None and "line 3" in str(import_failure(imported))
    called = _wrapped({"type": "ValueError", "stage": "call", "message": "bad"})
    assert import_failure(called) is None and input_matters(called)


def test_no_smallest_input_for_a_function_not_written_yet():
    from grader.failure_kinds import input_matters
    assert not input_matters(_wrapped({"type": "NotImplementedError", "stage": "call", "message": "Exercise 1.9"}))


# -- plots that answer "did I pass?" ---------------------------------------------------------------
def _run(losses):
    return {"times": [0.01 * (i + 1) for i in range(len(losses))], "losses": losses}


def test_a_loss_curve_shows_the_band_the_reference_and_the_verdict():
    from grader.checks.convergence import curve_figure
    fig = curve_figure(_run([1.0, 0.5, 0.3, 0.245]), "sgd", band=(0.233, 0.258),
                       reference=_run([1.0, 0.4, 0.25, 0.244]))
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["yours", "reference"] and "graded band 0.233..0.258" in labels
    assert "PASS: final loss 0.2450 in the band" in ax.get_title() and ax.get_yscale() == "linear"
    fig = curve_figure(_run([1.0, 0.5]), "sgd", band=(0.233, 0.258))  # no reference: the band alone
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["yours", "graded band 0.233..0.258"]
    assert "FAIL: final loss 0.5000 outside the band" in fig.axes[0].get_title()


def test_a_diverging_run_gets_a_log_axis():
    from grader.checks.convergence import curve_figure, needs_log_axis
    assert needs_log_axis([1.0, 30.0, 1e20]) and needs_log_axis([1.0, float("inf")])
    assert not needs_log_axis([1.0, 0.5, 0.25])
    fig = curve_figure(_run([1.0, 1e5, 1e20, float("nan")]), "sgd", band=(0.233, 0.258))
    assert fig.axes[0].get_yscale() == "log" and "diverged" in fig.axes[0].get_title()


def test_the_four_settings_share_one_axis_against_time(tmp_path):
    from grader.checks.convergence import airfoil_plots, settings_figure
    runs = {s: _run([1.0, 0.3, 0.25]) for s in ("gd", "sgd", "minibatch100", "minibatch10")}
    ax = settings_figure(runs, band=(0.233, 0.258)).axes[0]
    assert ax.get_xscale() == "log" and len(ax.get_lines()) == 4
    assert [t.get_text() for t in ax.get_legend().get_texts()][:4] == [
        "gd", "sgd", "batch size=100", "batch size=10"]
    worker = type("Worker", (), {})()
    first = airfoil_plots(worker, "gd", runs["gd"], "gd", tmp_path, band=(0.233, 0.258))
    second = airfoil_plots(worker, "sgd", runs["sgd"], "sgd", tmp_path, band=(0.233, 0.258))
    assert [p.name for p in first] == ["exercise3_gd.png", "exercise3_airfoil_settings.png"]
    assert [p.name for p in second] == ["exercise3_sgd.png"] and all(p.is_file() for p in first + second)


def test_a_function_not_written_yet_is_the_cause_it_names():
    from grader.results import FAILED, GradeReport, TestResult
    tanh = TestResult("tanh", 1, checks="tanh", status=FAILED, output="a.tanh() is not implemented yet")
    mean = TestResult("mean", 1, checks="mean", status=FAILED, output="a.mean(): the gradient differs")
    graph = TestResult("graph", 2, status=FAILED, depends_on=("tanh", "mean"), output=(
        "backward is not implemented yet (Exercise 1.19).\n  exercise1_autograd.py, line 297, in tanh"))
    loss = TestResult("mse", 2, status=FAILED, depends_on=("mean",), output=(
        "mse is not implemented yet (Exercise 1.23).\n  exercise1_autograd.py, line 332, in mse"))
    wrong = TestResult("mse", 2, status=FAILED, depends_on=("sub", "mean"), output="mse: the loss differs")
    report = GradeReport("exercise1", tests=[graph, loss, wrong, tanh, mean])
    assert report.failing_dependencies(graph) == ["tanh"]  # not mean: tanh raised
    assert report.failing_dependencies(loss) == []  # mse itself is not written: no other cause
    assert report.failing_dependencies(wrong) == ["mean"]
    assert report.ordered_tests() == [loss, tanh, mean, graph, wrong]
    assert report.feedback(wrong).startswith("depends on mean, which fails: fix that first\n")
