"""Loaders the exercises build on: they return plain numpy arrays."""
from __future__ import annotations

import io
import zipfile

import numpy as np

from grader.data.datasets import ensure


def load_airfoil() -> np.ndarray:
    """d2l's airfoil self-noise data: float32 array of shape (1503, 6), raw (not standardized)."""
    return np.genfromtxt(ensure("airfoil", download=True), dtype=np.float32, delimiter="\t")


def load_mnist10k() -> tuple[np.ndarray, np.ndarray]:
    """Parr's 10,000-image MNIST sample: pixels float32 (10000, 784) in [0, 1], digits int64 (10000,)."""
    with zipfile.ZipFile(ensure("mnist10k", download=True)) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".csv"))
        text = archive.read(name)
    table = np.loadtxt(io.BytesIO(text), delimiter=",", skiprows=1, dtype=np.float32)
    return table[:, :-1], table[:, -1].astype(np.int64)
