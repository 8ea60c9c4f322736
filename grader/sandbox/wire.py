"""A safe wire format between the grader and the untrusted worker.

Never pickle: unpickling bytes written by student code runs student code. Messages are
JSON; numpy arrays (and torch tensors, converted in the worker) travel as a numeric
dtype, a shape and base64 bytes, and are rebuilt as fresh arrays on the receiving side.
Anything else is refused, so a rigged object cannot cross the boundary.
"""
from __future__ import annotations

import base64
import json
import math
import struct

import numpy as np

_ARRAY = "__ndarray__"
_TUPLE = "__tuple__"
_FLOAT = "__float__"  # non-finite floats, which strict JSON cannot spell
_ALLOWED_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                   "float16", "float32", "float64"}
# Bounds on what the trusted side parses. Bytes alone are not enough: a few MB of nested
# empty lists become hundreds of MB of Python objects, so containers, elements and depth are
# counted on the raw bytes before any parsing (docs/security.md gives the figures).
MAX_MESSAGE_BYTES = 64 << 20
MAX_CONTAINERS = 200_000  # lists and dicts ('[' and '{', string contents counted too)
MAX_ELEMENTS = 2_000_000  # commas: items of every list and dict together
MAX_DEPTH = 64
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)


class WireError(ValueError):
    """A value cannot be sent, or a received message is malformed."""


def _to_numpy(value):
    """Convert a torch tensor to numpy without importing torch when absent."""
    module = type(value).__module__
    if module.startswith("torch") and hasattr(value, "detach"):
        tensor = value.detach()
        if getattr(tensor, "is_sparse", False):
            tensor = tensor.to_dense()
        if str(tensor.dtype) == "torch.bfloat16":
            tensor = tensor.float()
        return tensor.cpu().numpy()
    return None


def encode_value(value, depth: int = 0):
    """Turn plain data (numbers, strings, lists, dicts, arrays, tensors) into JSON data."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else {_FLOAT: repr(number)}
    if isinstance(value, (list, tuple)):
        items = [encode_value(v, depth + 1) for v in value]
        return {_TUPLE: items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
                key = str(int(key))
            if not isinstance(key, str) or key.startswith("__"):
                raise WireError(f"dict keys must be plain strings, got {key!r}")
            out[key] = encode_value(item, depth + 1)
        return out
    array = _to_numpy(value)
    if array is None and isinstance(value, np.ndarray):
        array = value
    if array is not None:
        array = np.array(array, order="C", copy=True)  # ascontiguousarray would make 0-d arrays 1-d
        if array.dtype.name not in _ALLOWED_DTYPES:
            raise WireError(f"arrays of dtype {array.dtype} cannot be sent")
        return {_ARRAY: [array.dtype.name, list(array.shape),
                         base64.b64encode(array.tobytes()).decode("ascii")]}
    raise WireError(f"cannot send a value of type {type(value).__name__}")


def decode_value(data, depth: int = 0):
    """Rebuild plain data from :func:`encode_value`'s output, refusing anything else."""
    if depth > MAX_DEPTH:
        raise WireError("message nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode_value(v, depth + 1) for v in data]
    if isinstance(data, dict):
        if _ARRAY in data:
            dtype, shape, payload = data[_ARRAY]
            if dtype not in _ALLOWED_DTYPES or not all(isinstance(s, int) and s >= 0 for s in shape):
                raise WireError("malformed array")
            raw = base64.b64decode(payload.encode("ascii"), validate=True)
            count = int(np.prod(shape)) if shape else 1
            if len(raw) != count * np.dtype(dtype).itemsize:
                raise WireError("array payload has the wrong size")
            return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        if _TUPLE in data:
            return tuple(decode_value(v, depth + 1) for v in data[_TUPLE])
        if _FLOAT in data:
            text = data[_FLOAT]
            if text not in ("nan", "inf", "-inf"):
                raise WireError("malformed float")
            return float(text)
        return {str(k): decode_value(v, depth + 1) for k, v in data.items()}
    raise WireError(f"unexpected {type(data).__name__} in message")


def pack(message: dict) -> bytes:
    """Frame a message: 8-byte big-endian length, then UTF-8 JSON."""
    body = json.dumps(encode_value(message), allow_nan=False).encode("utf-8")
    if len(body) > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {len(body)} bytes is too large")
    check_bounds(body)  # an honest value too big to check is refused here, with a clear message
    return struct.pack(">Q", len(body)) + body


def check_bounds(body: bytes) -> None:
    """Refuse a body whose parse would cost more than its bytes: too many or too deep containers.

    Brackets inside strings are counted as well, which can only make the bound stricter.
    """
    containers = body.count(b"[") + body.count(b"{")
    if containers > MAX_CONTAINERS:
        raise WireError(f"message holds over {MAX_CONTAINERS} lists and dicts")
    if body.count(b",") > MAX_ELEMENTS:
        raise WireError(f"message holds over {MAX_ELEMENTS} elements")
    brackets = np.frombuffer(body.translate(None, _NOT_BRACKETS), dtype=np.uint8)
    if brackets.size:
        steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1).astype(np.int32)
        if int(np.cumsum(steps).max()) > MAX_DEPTH + 2:  # +2: the message's own dict and value
            raise WireError("message nested too deeply")


def unpack_body(body: bytes) -> dict:
    """Parse one framed message body, within the bounds above."""
    if len(body) > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {len(body)} bytes is too large")
    check_bounds(body)
    try:
        message = decode_value(json.loads(body.decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError, RecursionError) as exc:
        raise WireError(f"malformed message: {exc}") from None
    if not isinstance(message, dict):
        raise WireError("a message must be a JSON object")
    return message
