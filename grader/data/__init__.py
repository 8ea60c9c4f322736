"""Dataset files (manifest, cache, download) and loaders for the exercises."""
from grader.data.loaders import load_airfoil, load_mnist10k

__all__ = ["load_airfoil", "load_mnist10k"]
