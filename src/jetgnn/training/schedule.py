"""Learning-rate schedule with a linear warm-up, a flat phase and an exponential decay.

The schedule is a pure function of the optimiser step, so a resumed run only needs the step count
to continue it. The default shape, flat and then a decay over the last 30% of the steps, follows
the recipe of Particle Transformer (arXiv:2202.03772). The warm-up keeps AdamW's first steps small
while its moment estimates are still noisy.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class WarmupFlatDecaySchedule:
    """Learning-rate factor per optimiser step, between ``final_factor`` and 1.

    Steps are counted from 0; ``factor(step)`` is the factor for the optimiser step with that
    index. Warm-up steps rise linearly to 1 (reached at the last warm-up step), the flat phase
    stays at 1, and the decay phase falls geometrically so that the last step
    (``total_steps - 1``) uses exactly ``final_factor``.
    """

    total_steps: int
    warmup_fraction: float = 0.1
    decay_fraction: float = 0.3
    final_factor: float = 0.01

    def __post_init__(self) -> None:
        if self.total_steps < 1:
            raise ValueError(f"total_steps must be at least 1, got {self.total_steps}")
        if not 0 <= self.warmup_fraction + self.decay_fraction <= 1:
            raise ValueError("warmup_fraction + decay_fraction must lie in [0, 1]")
        if not 0 < self.final_factor <= 1:
            raise ValueError(f"final_factor must lie in (0, 1], got {self.final_factor}")

    @property
    def warmup_steps(self) -> int:
        """Number of warm-up steps."""
        return min(round(self.warmup_fraction * self.total_steps), self.total_steps)

    @property
    def decay_steps(self) -> int:
        """Number of decay steps at the end of training."""
        return min(
            round(self.decay_fraction * self.total_steps), self.total_steps - self.warmup_steps
        )

    @property
    def decay_start(self) -> int:
        """Index of the first decay step."""
        return self.total_steps - self.decay_steps

    def factor(self, step: int) -> float:
        """Return the learning-rate factor for optimiser step ``step`` (0-based)."""
        if step < 0:
            raise ValueError(f"step must be 0 or more, got {step}")
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        if step < self.decay_start:
            return 1.0
        decay_progress = min(step - self.decay_start + 1, self.decay_steps) / self.decay_steps
        return self.final_factor**decay_progress


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set the learning rate of every parameter group of ``optimizer``."""
    for group in optimizer.param_groups:
        group["lr"] = lr
