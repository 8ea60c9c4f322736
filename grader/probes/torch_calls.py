"""Which torch calls a function makes, recorded in the worker for the trusted side to sort.

An element-wise matrix product that secretly calls ``torch.mm`` gives the right numbers,
so only *how* it computes them tells it apart. :func:`record_calls` runs a function under a
:class:`torch.overrides.TorchFunctionMode` and returns the calls it made as plain data
(name, operand shapes, count); it runs inside the untrusted worker and decides nothing
(:mod:`grader.checks.torch_calls` sorts the calls on the trusted side).

Only the outermost calls are seen: inside ``__torch_function__`` the mode is switched off,
so ``B @ C`` is one ``__matmul__`` call, not also the ``matmul`` it dispatches to.
"""
from __future__ import annotations

from collections import Counter

MAX_DISTINCT_CALLS = 2000  # grouped entries sent back; more means a runaway loop


def _shapes(args, kwargs) -> list[list[int]]:
    import torch
    values = list(args) + list((kwargs or {}).values())
    return [list(value.shape) for value in values if isinstance(value, torch.Tensor)]


def record_calls(function, *args, **kwargs):
    """Run ``function(*args, **kwargs)`` and record the torch functions it calls.

    Runs in the worker. Returns ``(result, calls)`` where ``calls`` is a list of
    ``[name, operand shapes, count]`` entries, grouped so that a loop of a million
    identical calls stays one entry.
    """
    from torch.overrides import TorchFunctionMode

    counts: Counter = Counter()

    class Recorder(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            name = getattr(func, "__name__", None) or str(func)
            if len(counts) < MAX_DISTINCT_CALLS:
                counts[(name, tuple(tuple(s) for s in _shapes(args, kwargs)))] += 1
            return func(*args, **(kwargs or {}))

    with Recorder():
        result = function(*args, **kwargs)
    calls = [[name, [list(s) for s in shapes], count] for (name, shapes), count in counts.items()]
    return result, calls
