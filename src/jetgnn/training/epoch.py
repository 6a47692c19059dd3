"""One training pass over the batches of an epoch, and the validation pass."""

from __future__ import annotations

import math
import time
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional
from tqdm import tqdm

from jetgnn.errors import InvalidInputError
from jetgnn.training.schedule import WarmupFlatDecaySchedule, set_learning_rate

# Optimiser steps between updates of the progress bar (each update waits for the device).
PROGRESS_EVERY_STEPS = 20


@dataclass
class EpochStatistics:
    """Measurements of one training pass on this process."""

    loss_sum: float
    jets: int
    steps: int
    last_lr: float
    seconds: float
    data_seconds: float


@dataclass
class ValidationResult:
    """Mean cross-entropy, and labels (N,) with P(quark) scores (N,) in the same order."""

    loss: float
    labels: np.ndarray
    scores: np.ndarray


def autocast_context(device: torch.device, bf16: bool):
    """Return a bfloat16 autocast context for ``device`` if ``bf16``, else a no-op context."""
    if not bf16:
        return nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def train_one_epoch(
    model: torch.nn.Module,
    optimizer,
    jets,
    batches: list[np.ndarray],
    schedule: WarmupFlatDecaySchedule,
    base_lr: float,
    first_step: int,
    device: torch.device,
    bf16: bool = False,
    progress: bool = True,
    description: str = "",
) -> EpochStatistics:
    """Take one optimiser step per batch, with the learning rate of the schedule at each step.

    ``first_step`` is the index of this epoch's first optimiser step in the whole run. Raises
    InvalidInputError if the loss stops being finite.
    """
    model.train()
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    jets_seen = 0
    data_seconds = 0.0
    lr = base_lr * schedule.factor(first_step)
    start = time.perf_counter()
    bar = tqdm(
        total=len(batches), desc=description, unit="batch", disable=not progress, leave=False
    )
    with bar:
        for index, positions in enumerate(batches):
            data_start = time.perf_counter()
            particles, mask, labels = jets.batch(positions)
            particles = particles.to(device, non_blocking=True)
            mask = mask.to(device, non_blocking=True)
            labels = labels.to(device, non_blocking=True)
            data_seconds += time.perf_counter() - data_start

            lr = base_lr * schedule.factor(first_step + index)
            set_learning_rate(optimizer, lr)
            with autocast_context(device, bf16):
                logits = model(particles, mask)
            loss = functional.cross_entropy(logits.float(), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

            loss_sum += loss.detach().double() * len(positions)
            jets_seen += len(positions)
            bar.update(1)
            if (index + 1) % PROGRESS_EVERY_STEPS == 0 or index + 1 == len(batches):
                mean_loss = loss_sum.item() / jets_seen
                _raise_if_not_finite(mean_loss, first_step + index, base_lr)
                elapsed = time.perf_counter() - start
                bar.set_postfix(loss=f"{mean_loss:.4f}", jets_per_s=f"{jets_seen / elapsed:.0f}")

    return EpochStatistics(
        loss_sum=loss_sum.item(),
        jets=jets_seen,
        steps=len(batches),
        last_lr=lr,
        seconds=time.perf_counter() - start,
        data_seconds=data_seconds,
    )


@torch.inference_mode()
def validate(
    model: torch.nn.Module,
    jets,
    batch_size: int,
    device: torch.device,
    bf16: bool = False,
) -> ValidationResult:
    """Compute the mean cross-entropy and P(quark) of every jet in ``jets``.

    Jets are batched in order of multiplicity to keep padding small. The returned arrays follow
    that order, which does not matter for the loss and the metrics.
    """
    model.eval()
    order = np.argsort(jets.multiplicities, kind="stable")
    loss_sum = 0.0
    labels_out = []
    scores_out = []
    for start in range(0, len(order), batch_size):
        positions = order[start : start + batch_size]
        particles, mask, labels = jets.batch(positions)
        particles = particles.to(device)
        mask = mask.to(device)
        labels = labels.to(device)
        with autocast_context(device, bf16):
            logits = model(particles, mask)
        logits = logits.float()
        loss_sum += functional.cross_entropy(logits, labels, reduction="sum").item()
        labels_out.append(labels.cpu().numpy())
        scores_out.append(torch.softmax(logits, dim=1)[:, 1].cpu().numpy())
    return ValidationResult(
        loss=loss_sum / max(len(order), 1),
        labels=np.concatenate(labels_out),
        scores=np.concatenate(scores_out),
    )


def _raise_if_not_finite(mean_loss: float, step: int, base_lr: float) -> None:
    if not math.isfinite(mean_loss):
        raise InvalidInputError(
            f"the training loss became {mean_loss} by optimiser step {step}; "
            f"lower the learning rate (now --lr {base_lr:g}) or train without --bf16"
        )
