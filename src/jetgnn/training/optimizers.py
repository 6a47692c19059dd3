"""Optimisers for the trainer: AdamW, or RAdam wrapped in Lookahead."""

from __future__ import annotations

import torch

from jetgnn.errors import InvalidInputError
from jetgnn.training.lookahead import Lookahead


def parameter_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    """Split the trainable parameters into a group with weight decay and one without.

    Matrices and convolution kernels (2 or more dimensions) get weight decay. Biases and
    normalisation scales (1 dimension) do not, as is common practice with AdamW.
    """
    decayed = []
    not_decayed = []
    for param in model.parameters():
        if not param.requires_grad:
            continue
        if param.ndim >= 2:
            decayed.append(param)
        else:
            not_decayed.append(param)
    return [
        {"params": decayed, "weight_decay": weight_decay},
        {"params": not_decayed, "weight_decay": 0.0},
    ]


def build_optimizer(
    model: torch.nn.Module,
    name: str,
    lr: float,
    weight_decay: float,
    lookahead_k: int = 6,
    lookahead_alpha: float = 0.5,
) -> torch.optim.Optimizer | Lookahead:
    """Build the optimiser ``name`` ("adamw" or "radam-lookahead") for the model's parameters.

    Both use decoupled weight decay (arXiv:1711.05101). "radam-lookahead" is RAdam
    (arXiv:1908.03265) inside Lookahead with ``k`` and ``alpha`` as given, the optimiser that
    Particle Transformer (arXiv:2202.03772) was trained with.
    """
    groups = parameter_groups(model, weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(groups, lr=lr)
    if name == "radam-lookahead":
        radam = torch.optim.RAdam(groups, lr=lr, decoupled_weight_decay=True)
        return Lookahead(radam, k=lookahead_k, alpha=lookahead_alpha)
    raise InvalidInputError(f"unknown optimizer {name!r}; use adamw or radam-lookahead")
