"""What the grading suites need from pytest, loaded by pytest for this folder only.

Markers (``--strict-markers`` keeps them honest):

* ``points(n)`` -- what the test is worth (default 1).
* ``hidden`` -- the test compares with the hidden reference solution; where
  ``solutions/`` is absent it is reported as "not run" (it runs on Gradescope).
* ``visibility(name)`` -- Gradescope visibility: visible, hidden, after_due_date, after_published.
* ``timeout_s(seconds)`` -- the test's whole budget for calls into the submission (default 60).
* ``gpu`` -- needs a CUDA device: skipped with a stated reason where there is none (so is a
  test that takes the ``gpu_device`` fixture).

Fixtures: ``student`` and ``reference`` (sandboxed :class:`~grader.sandbox.worker.Worker`
handles), ``record`` (notes, plots and leaderboard values for the result),
``feedback_dir`` and ``gpu_device``. The grading hypothesis profile is loaded for the
run and the previous one restored after it, so nothing leaks into other pytest runs.
"""
from __future__ import annotations

import pytest

from grader import hypothesis_profile, replay, shrink_budget
from grader.devices import cuda_available
from grader.plugin import active_session
from grader.session import DEFAULT_TEST_TIMEOUT_S

__tracebackhide__ = True
PREVIOUS_PROFILE = pytest.StashKey[str]()
PREVIOUS_SEED = pytest.StashKey[object]()
NO_CUDA = "no CUDA device on this machine: the GPU timing checks run where one is present"

MARKERS = (
    "points(n): points the grading test is worth (default 1)",
    "hidden: compares with the hidden reference; reported as not run where solutions/ is absent",
    "visibility(name): Gradescope visibility (visible, hidden, after_due_date, after_published)",
    "timeout_s(seconds): the test's whole budget for calls into the submission (default 60)",
    "gpu: needs a CUDA device; skipped with a stated reason where none is present",
)


def pytest_configure(config):
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    # Before any suite is imported: @settings(...) captures the profile in force at import.
    config.stash[PREVIOUS_PROFILE] = hypothesis_profile.load()
    config.stash[PREVIOUS_SEED] = hypothesis_profile.force_seed()  # the examples come from the grading secret


def pytest_unconfigure(config):
    hypothesis_profile.restore(config.stash.get(PREVIOUS_PROFILE, "default"))
    hypothesis_profile.restore_seed(config.stash.get(PREVIOUS_SEED, None))


def _session(request):
    grading = active_session(request.config)
    if grading is None:
        pytest.skip("no submission to grade: run `grade EXERCISE` or pass --submission")
    return grading


@pytest.fixture
def student(request):
    """The sandboxed worker holding the student's module."""
    return _session(request).student()


@pytest.fixture
def reference(request):
    """The sandboxed worker holding the reference solution (not run where it is absent)."""
    return _session(request).reference()


@pytest.fixture
def kit_worker(request):
    """A worker for probes that run none of the student's code (the kit's own baselines)."""
    return _session(request).kit_worker()


@pytest.fixture
def record(request):
    """Notes, plots and leaderboard values that go into this test's result."""
    return _session(request).record_for(request.node.nodeid)


@pytest.fixture
def source_findings(request) -> dict:
    """The exercise's rules the submission's source breaks, by function (read on the trusted side)."""
    return _session(request).source_findings


@pytest.fixture
def feedback_dir(request):
    """A folder for plots and other files shown with the feedback."""
    folder = _session(request).feedback_dir
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def gpu_device():
    """A CUDA device name, or a skip that says why there is none."""
    if not cuda_available():
        pytest.skip(NO_CUDA)
    return "cuda"


def pytest_runtest_setup(item):
    if item.get_closest_marker("gpu") is not None and not cuda_available():
        pytest.skip(NO_CUDA)


def pytest_collection_modifyitems(config, items):
    grading = active_session(config)
    if grading is not None and grading.replay is not None:  # `grade replay`: its one test
        chosen = [item for item in items if item.name == grading.replay.test_id]
        config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
        items[:] = chosen


def pytest_collection_finish(session):
    grading = active_session(session.config)
    if grading is not None:
        grading.collected(len(session.items))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    grading = active_session(item.config)
    if grading is not None:
        grading.test_started(item)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    grading = active_session(item.config)
    if grading is None:
        return (yield)
    marker = item.get_closest_marker("timeout_s")
    grading.set_deadline(float(marker.args[0]) if marker else DEFAULT_TEST_TIMEOUT_S)
    try:
        with shrink_budget.bounded(grading.limits.shrink_s) as budget, replay.example(grading.replay, item):
            return (yield)
    finally:
        grading.set_deadline(None)
        budget.saw(getattr(item, "hypothesis_report_information", ""))  # hypothesis's pytest plugin's reporter
        if budget.spent:
            grading.record_for(item.nodeid).note(budget.note())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    grading = active_session(item.config)
    if grading is not None:
        grading.observe(item, call, report)
    return report
