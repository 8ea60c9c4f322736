"""An honest but wasteful matmul_full: the product is computed twelve times (several times the
reference's time: the calls around the products cost the same for both)."""
import torch

WASTE = 12


def matmul_full(B, C):
    for _ in range(WASTE - 1):
        torch.mm(B, C)
    return torch.mm(B, C)
