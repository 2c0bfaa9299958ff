"""Expect: rejected at load time."""

import torch

def affine_forward(x, w, b):
    return torch.tensor(x)
