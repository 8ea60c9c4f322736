"""Which device the timing checks run on, asked without importing torch where no GPU can be.

The grader of exercises 3 and 5 never touches a tensor itself; importing torch only to learn
that there is no GPU would cost it ~180 MB, which matters in a 768 MiB Gradescope container.
"""
from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


def cuda_may_exist() -> bool:
    """False when no NVIDIA device node exists (and torch is not loaded already)."""
    return "torch" in sys.modules or any(Path("/dev").glob("nvidia*"))


def cuda_available() -> bool:
    """Whether this process can use a CUDA device (torch imported only where one may exist)."""
    if not cuda_may_exist():
        return False
    import torch
    return torch.cuda.is_available()


def device_name() -> str:
    """What timing checks ran on, in words."""
    try:
        if cuda_available():
            import torch
            return f"cuda ({torch.cuda.get_device_name(0)})"
    except Exception:  # a broken torch install must not stop the report
        pass
    cpu = platform.processor() or platform.machine()
    return f"cpu ({cpu}, {os.cpu_count()} cores)"
