"""The pytest plugin behind the grading suites (registered as a ``pytest11`` entry point).

Markers (``--strict-markers`` keeps them honest):

* ``points(n)`` -- what the test is worth (default 1).
* ``hidden`` -- the test compares with the hidden reference solution; where
  ``solutions/`` is absent it is reported as "not run" (it runs on Gradescope).
* ``visibility(name)`` -- Gradescope visibility: visible, hidden, after_due_date, after_published.
* ``timeout_s(seconds)`` -- the test's whole budget for calls into the submission (default 60).
* ``gpu`` -- needs a CUDA device; skipped with a stated reason where there is none.

Fixtures: ``student`` and ``reference`` (sandboxed :class:`~grader.sandbox.worker.Worker`
handles), ``record`` (notes, plots and leaderboard values for the result) and
``feedback_dir``. The plugin does nothing unless a grading session is active: ``grade``
starts one, and so does ``pytest grader/suites/test_exerciseN.py --submission PATH``.
"""
from __future__ import annotations

import pytest

from grader.session import DEFAULT_TEST_TIMEOUT_S, GradingSession

__tracebackhide__ = True
SESSION_KEY = pytest.StashKey[GradingSession]()

MARKERS = (
    "points(n): points the grading test is worth (default 1)",
    "hidden: compares with the hidden reference; reported as not run where solutions/ is absent",
    "visibility(name): Gradescope visibility (visible, hidden, after_due_date, after_published)",
    "timeout_s(seconds): the test's whole budget for calls into the submission (default 60)",
    "gpu: needs a CUDA device; skipped with a stated reason where none is present",
)


def pytest_addoption(parser):
    group = parser.getgroup("grader", "grading a submission with the kit's suites")
    group.addoption("--submission", default=None, help="the submission to grade (.py, .ipynb, folder, .zip)")
    group.addoption("--solutions", default=None, help="folder of reference solutions")
    group.addoption("--sandbox", default="auto", choices=("auto", "require", "off"),
                    help="drop to an unprivileged user for the worker when root (auto), always (require)")


def pytest_configure(config):
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    # Loaded before any suite is imported: @given captures the settings in force at import,
    # and a suite module imported once (say by `grade list`) is reused by later gradings.
    from grader import hypothesis_profile
    hypothesis_profile.register()
    hypothesis_profile.load()


def active_session(config) -> GradingSession | None:
    return config.stash.get(SESSION_KEY, None)


def activate(config, session: GradingSession) -> None:
    config.stash[SESSION_KEY] = session


def pytest_sessionstart(session):
    config = session.config
    if active_session(config) is None and config.getoption("--submission"):
        _start_session_from_options(config)


def _start_session_from_options(config) -> None:
    """``pytest grader/suites/test_exercise3.py --submission PATH`` grades without the CLI."""
    from grader import exercises
    from grader.submission import resolve
    names = [a for a in config.args if "test_exercise" in a]
    exercise_id = names[0].rsplit("test_", 1)[-1].split(".py")[0] if names else None
    if exercise_id is None:
        raise pytest.UsageError("--submission needs a suite file such as grader/suites/test_exercise3.py")
    exercise = exercises.get(exercise_id)
    resolved = resolve(config.getoption("--submission"), exercise)
    activate(config, GradingSession(exercise, resolved.module_path, resolved.error,
                                    solutions_dir=config.getoption("--solutions"),
                                    sandbox=config.getoption("--sandbox")))


def pytest_sessionfinish(session):
    grading = active_session(session.config)
    if grading is not None:
        grading.close()


def _session(request) -> GradingSession:
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
def record(request):
    """Notes, plots and leaderboard values that go into this test's result."""
    return _session(request).record_for(request.node.nodeid)


@pytest.fixture
def feedback_dir(request):
    """A folder for plots and other files shown with the feedback."""
    folder = _session(request).feedback_dir
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def gpu_device():
    """A CUDA device name, or a skip that says why there is none."""
    import torch
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine: the GPU timing checks run where one is present")
    return "cuda"


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
        return (yield)
    finally:
        grading.set_deadline(None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    grading = active_session(item.config)
    if grading is not None:
        grading.observe(item, call, report)
    return report
