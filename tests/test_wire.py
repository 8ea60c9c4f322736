"""The wire format between grader and worker: plain data in, fresh plain data out, nothing else."""
from __future__ import annotations

import json
import struct

import numpy as np
import pytest
import torch

from grader.sandbox import wire


def roundtrip(value):
    body = wire.pack({"v": value})[8:]
    return wire.unpack_body(body)["v"]


@pytest.mark.parametrize("value", [None, True, 3, -2.5, "text", [1, [2, 3]], (1, "a"), {"k": [1.5]}])
def test_plain_values_round_trip(value):
    assert roundtrip(value) == value


def test_arrays_keep_dtype_and_shape_including_zero_d():
    for array in (np.arange(6, dtype=np.int32).reshape(2, 3), np.array(2.5), np.zeros((0, 4))):
        back = roundtrip(array)
        assert back.dtype == array.dtype and back.shape == array.shape and np.array_equal(back, array)


def test_tensors_arrive_as_arrays_and_non_finite_floats_survive():
    back = roundtrip(torch.tensor([[1.0, float("nan")]], dtype=torch.float64))
    assert isinstance(back, np.ndarray) and back.shape == (1, 2) and np.isnan(back[0, 1])
    assert roundtrip(float("inf")) == float("inf")


def test_arbitrary_objects_are_refused():
    class Rigged:
        def __eq__(self, other):
            return True
    with pytest.raises(wire.WireError, match="Rigged"):
        wire.pack({"v": Rigged()})
    with pytest.raises(wire.WireError, match="dtype"):
        wire.pack({"v": np.array([object()], dtype=object)})


@pytest.mark.parametrize("body", [
    b"not json",
    json.dumps([1, 2]).encode(),
    json.dumps({"v": {"__ndarray__": ["object", [1], "AA=="]}}).encode(),
    json.dumps({"v": {"__ndarray__": ["float64", [4], "AAAAAAAAAAA="]}}).encode(),
    json.dumps({"v": {"__float__": "__import__('os')"}}).encode(),
])
def test_malformed_messages_are_refused(body):
    with pytest.raises(wire.WireError):
        wire.unpack_body(body)


def test_frames_carry_their_length():
    frame = wire.pack({"a": 1})
    assert struct.unpack(">Q", frame[:8])[0] == len(frame) - 8
