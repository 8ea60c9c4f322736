"""The same wasteful data_iter (twenty gathers per batch), plus threads that burn every
core while its own code is idle.

Idle is when the grader times the reference: a slower reference makes the waste look smaller.
torch.mm releases the GIL, so the threads burn real cores, not just the worker's own time.
"""
import threading

import torch

WASTE = 20
_idle = threading.Event()  # set while our own code is not running: then the threads burn
_idle.set()


def _burn():
    x = torch.rand(256, 256)
    while True:
        _idle.wait()  # blocked, not polling, while our own code is timed
        torch.mm(x, x)


for _ in range(2):
    threading.Thread(target=_burn, daemon=True).start()


def data_iter(features, labels, batch_size, shuffle=True, drop_last=False, generator=None):
    _idle.clear()
    try:
        features, labels = torch.as_tensor(features), torch.as_tensor(labels)
        n = len(features)
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        stop = n - n % batch_size if drop_last else n
        for start in range(0, stop, batch_size):
            batch = order[start:start + batch_size]
            for _ in range(WASTE - 1):
                features[batch], labels[batch]
            yield features[batch], labels[batch]
    finally:
        _idle.set()
