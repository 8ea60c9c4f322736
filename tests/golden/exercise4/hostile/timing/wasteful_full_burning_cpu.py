"""The same wasteful matmul_full, plus threads that burn every core whenever its own code has
not run for a moment: that is, while the grader times the reference. torch.mm releases the GIL."""
import threading
import time

import torch

WASTE = 12
QUIET_S = 0.003  # no call for this long: the grader has moved on to the reference
_last_call = [0.0]


def _burn():
    x = torch.rand(256, 256)
    while True:
        if time.monotonic() - _last_call[0] < QUIET_S:
            time.sleep(0.001)
        else:
            torch.mm(x, x)


for _ in range(2):
    threading.Thread(target=_burn, daemon=True).start()


def matmul_full(B, C):
    _last_call[0] = time.monotonic()
    for _ in range(WASTE - 1):
        torch.mm(B, C)
    return torch.mm(B, C)
