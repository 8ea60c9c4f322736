"""The same wasteful matmul_full, plus threads that burn every core while its own code is idle
(that is, while the grader times the reference). torch.mm releases the GIL."""
import threading

import torch

WASTE = 8
_idle = threading.Event()  # set while our own code is not running: then the threads burn
_idle.set()


def _burn():
    x = torch.rand(256, 256)
    while True:
        _idle.wait()  # blocked, not polling, while our own code is timed
        torch.mm(x, x)


for _ in range(2):
    threading.Thread(target=_burn, daemon=True).start()


def matmul_full(B, C):
    _idle.clear()
    try:
        for _ in range(WASTE - 1):
            torch.mm(B, C)
        return torch.mm(B, C)
    finally:
        _idle.set()
