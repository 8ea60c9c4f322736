"""Probes: small functions the untrusted worker runs against a submission.

A probe is ``probe(submission_module, **plain_inputs) -> plain data``. Probes live in
this package (one module per exercise) because the worker imports them by name; they
hold no verdicts, which are computed by the suites in the trusted process.

The trusted side imports probe modules only to name their functions, so probes reach
torch through :data:`torch`, imported on first use: a grader that never touches a
tensor itself (exercises 3 and 5) then runs without torch's ~180 MB, which matters in a
768 MiB Gradescope container, and on an interpreter without torch at all.
"""
import contextlib
import importlib


class _TorchOnFirstUse:
    """Stands for the torch module; the first attribute read imports it."""

    def __getattr__(self, name):
        return getattr(importlib.import_module("torch"), name)


torch = _TorchOnFirstUse()


def float64_copy(x):
    """A float64 numpy copy of a tensor or array (never a view: the student's tensor may change later)."""
    import numpy as np
    return np.array(x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x, dtype=np.float64)


def uses(function_name: str):
    """Name the student function a probe exercises, so failures can say which one."""
    def mark(probe):
        probe.function = function_name
        return probe
    return mark


@contextlib.contextmanager
def one_thread():
    """Run torch on one CPU thread for a measurement, then restore the setting.

    Timed code on two threads waits at every parallel region for its slower thread, which on a
    busy machine (another grading on the other core) can cost several times the work itself:
    on one thread a measurement sees the load only in proportion.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
