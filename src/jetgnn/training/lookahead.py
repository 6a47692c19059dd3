"""Lookahead optimiser wrapper (Zhang, Lucas, Hinton, Ba, arXiv:1907.08610)."""

from __future__ import annotations

from typing import Any

import torch


class Lookahead:
    """Wrap an optimiser so that every ``k`` steps the weights move a fraction ``alpha`` back.

    The wrapped ("fast") optimiser updates the parameters at every step. Lookahead keeps a copy of
    "slow" weights; after every ``k``-th step it sets ``slow += alpha * (fast - slow)`` and copies
    the slow weights into the parameters. Learning rates and other settings live in the wrapped
    optimiser's ``param_groups``, which this object exposes unchanged.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, k: int = 6, alpha: float = 0.5) -> None:
        if k < 1:
            raise ValueError(f"Lookahead k must be at least 1, got {k}")
        if not 0 < alpha <= 1:
            raise ValueError(f"Lookahead alpha must lie in (0, 1], got {alpha}")
        self.optimizer = optimizer
        self.k = k
        self.alpha = alpha
        self.step_count = 0
        self.slow_weights = [
            [param.detach().clone() for param in group["params"]]
            for group in optimizer.param_groups
        ]

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """Parameter groups of the wrapped optimiser."""
        return self.optimizer.param_groups

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients through the wrapped optimiser."""
        self.optimizer.zero_grad(set_to_none=set_to_none)

    @torch.no_grad()
    def step(self) -> None:
        """Take one step of the wrapped optimiser, and every ``k`` steps pull the weights back."""
        self.optimizer.step()
        self.step_count += 1
        if self.step_count % self.k != 0:
            return
        for group, slow_group in zip(self.optimizer.param_groups, self.slow_weights, strict=True):
            for param, slow in zip(group["params"], slow_group, strict=True):
                slow.add_(param - slow, alpha=self.alpha)
                param.copy_(slow)

    def state_dict(self) -> dict[str, Any]:
        """Return the wrapped optimiser's state plus the slow weights and the step count."""
        return {
            "optimizer": self.optimizer.state_dict(),
            "slow_weights": [[slow.clone() for slow in group] for group in self.slow_weights],
            "step_count": self.step_count,
            "k": self.k,
            "alpha": self.alpha,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state from ``state_dict()``; the parameter layout must be the same."""
        self.optimizer.load_state_dict(state["optimizer"])
        self.step_count = int(state["step_count"])
        self.k = int(state["k"])
        self.alpha = float(state["alpha"])
        with torch.no_grad():
            for slow_group, saved_group in zip(
                self.slow_weights, state["slow_weights"], strict=True
            ):
                for slow, saved in zip(slow_group, saved_group, strict=True):
                    slow.copy_(saved)
