"""An honest but wasteful data_iter: every batch is gathered twenty times (about 9x the reference)."""
import torch

WASTE = 20


def data_iter(features, labels, batch_size, shuffle=True, drop_last=False, generator=None):
    features, labels = torch.as_tensor(features), torch.as_tensor(labels)
    n = len(features)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        batch = order[start:start + batch_size]
        for _ in range(WASTE - 1):
            features[batch], labels[batch]
        yield features[batch], labels[batch]
