"""The generic probe: call one named function of the submission on plain inputs.

A test that only needs "what does ``standardize(data)`` return?" asks this probe instead of
writing one of its own: ``student.call(generic.returns, function="standardize", args=[data],
tensors=True)``. Arrays arrive as numpy arrays (or, with ``tensors``, as float64 tensors);
the result goes back as its type's name and a float64 copy (or the plain value). A failure
names the function asked for.
"""
from __future__ import annotations

import numpy as np

from grader.probes import float64_copy, torch


def returns(sub, function: str, args=(), kwargs=None, tensors: bool = False) -> dict:
    """``function(*args, **kwargs)`` of the submission: ``{"type": ..., "value": ...}``."""
    def arrive(value):
        if tensors and isinstance(value, np.ndarray):
            return torch.from_numpy(np.array(value, dtype=np.float64))
        return value

    result = getattr(sub, function)(*map(arrive, args), **{k: arrive(v) for k, v in (kwargs or {}).items()})
    array_like = isinstance(result, np.ndarray) or type(result).__name__ == "Tensor"
    return {"type": type(result).__name__, "value": float64_copy(result) if array_like else result}
