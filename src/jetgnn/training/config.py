"""The configuration of one training run, its validation and the per-model default learning rates."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any

from jetgnn.errors import InvalidInputError

logger = logging.getLogger(__name__)

OPTIMIZERS = ("adamw", "radam-lookahead")
# Batching modes of jetgnn.training.sampler.EpochBatchSampler: random, or grouped by multiplicity.
BATCHING_MODES = ("random", "multiplicity")

# Default peak learning rates for AdamW at batch size 256, by model registry name, from a scan over
# 3e-4, 1e-3, 3e-3 and 1e-2 (ParticleNet-Lite: 1e-3 to 1e-2) on 8,000 Pythia jets for 4 epochs
# (`benchmarks/bench_training.py --scan-lr`, results under "## Training" in BENCHMARKS.md). PFN and ParticleNet-Lite did best at 3e-3, though
# within 0.01 in validation loss of their neighbours. ParticleNet was not scanned (too slow on CPU)
# and takes the ParticleNet-Lite value.
# NOTE: EFN barely learned in that scan at any rate (validation loss 0.65 to 0.69), so its 1e-3
# is a placeholder until EFN trains properly.
DEFAULT_LEARNING_RATES = {
    "particlenet": 3e-3,
    "particlenet-lite": 3e-3,
    "efn": 1e-3,
    "pfn": 3e-3,
}
FALLBACK_LEARNING_RATE = 1e-3

# Keys that may differ when a run is resumed, because they change where and how fast it runs but
# not what it computes (up to floating-point rounding on a different device or thread count).
RUNTIME_KEYS = ("out", "threads", "device")


@dataclass
class TrainConfig:
    """Everything that defines a training run; saved as ``config.json`` in the run directory.

    The learning-rate schedule has a linear warm-up over the first ``warmup_fraction`` of all
    optimiser steps, a flat phase, and an exponential decay to 1% of ``lr`` over the last
    ``decay_fraction`` of the steps. ``patience`` is the number of epochs without a lower
    validation loss after which training stops; 0 turns early stopping off. ``batching`` is
    "random" or "multiplicity" (batches grouped by multiplicity, faster but worse training, see
    jetgnn.training.sampler).
    """

    model: str
    data: str
    out: str
    feature_set: str = "kinpid"
    hyperparameters: dict = field(default_factory=dict)
    epochs: int = 20
    batch_size: int = 256
    lr: float | None = None
    weight_decay: float = 0.01
    optimizer: str = "adamw"
    warmup_fraction: float = 0.1
    decay_fraction: float = 0.3
    # Validation loss on a few thousand jets is noisy: with 5, ParticleNet-Lite stopped at epoch 9
    # of 20 on the bundled sample, before the learning-rate decay, with its validation AUC still rising.
    patience: int = 10
    max_train_jets: int | None = None
    seed: int = 0
    threads: int | None = None
    device: str = "auto"
    bf16: bool = False
    batching: str = "random"

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as a JSON-serialisable dict."""
        values = dataclasses.asdict(self)
        values["hyperparameters"] = dict(self.hyperparameters)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Build a configuration from ``to_dict()`` output; unknown keys raise InvalidInputError."""
        names = {item.name for item in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise InvalidInputError(
                f"unknown training configuration keys {unknown}; valid keys are {sorted(names)}"
            )
        return cls(**values)

    def resolved(self) -> TrainConfig:
        """Return a validated copy with ``lr`` filled in from the per-model default table."""
        validate_config(self)
        if self.lr is not None:
            return dataclasses.replace(self, hyperparameters=dict(self.hyperparameters))
        lr = DEFAULT_LEARNING_RATES.get(self.model)
        if lr is None:
            lr = FALLBACK_LEARNING_RATE
            logger.info("no default learning rate for model %r; using %g", self.model, lr)
        return dataclasses.replace(self, lr=lr, hyperparameters=dict(self.hyperparameters))


def validate_config(config: TrainConfig) -> None:
    """Raise InvalidInputError naming the first option with an invalid value."""
    _require(config.epochs >= 1, "epochs", config.epochs, "use 1 or more")
    _require(config.batch_size >= 1, "batch_size", config.batch_size, "use 1 or more")
    _require(config.lr is None or config.lr > 0, "lr", config.lr, "use a positive number")
    _require(config.weight_decay >= 0, "weight_decay", config.weight_decay, "use 0 or more")
    _require(
        config.optimizer in OPTIMIZERS, "optimizer", config.optimizer, f"use one of {OPTIMIZERS}"
    )

    _require(
        0 <= config.warmup_fraction <= 1, "warmup_fraction", config.warmup_fraction, "use 0 to 1"
    )

    _require(0 <= config.decay_fraction <= 1, "decay_fraction", config.decay_fraction, "use 0 to 1")
    _require(
        config.warmup_fraction + config.decay_fraction <= 1,
        "warmup_fraction + decay_fraction",
        config.warmup_fraction + config.decay_fraction,
        "make the two fractions add up to at most 1",
    )

    _require(
        config.batching in BATCHING_MODES,
        "batching",
        config.batching,
        f"use one of {BATCHING_MODES}",
    )

    _require(config.patience >= 0, "patience", config.patience, "use 0 (off) or more")
    _require(
        config.max_train_jets is None or config.max_train_jets >= 1,
        "max_train_jets",
        config.max_train_jets,
        "use 1 or more, or leave it unset for the whole training split",
    )

    _require(
        config.threads is None or config.threads >= 1,
        "threads",
        config.threads,
        "use 1 or more, or leave it unset for torch's default",
    )

    _require(
        config.device in ("auto", "cpu") or config.device.split(":")[0] == "cuda",
        "device",
        config.device,
        "use auto, cpu, cuda or cuda:N",
    )

    _require(
        isinstance(config.hyperparameters, dict),
        "hyperparameters",
        config.hyperparameters,
        "use a dict of keyword arguments for the model",
    )


def differing_keys(saved: dict[str, Any], requested: dict[str, Any]) -> list[str]:
    """Return the configuration keys, other than RUNTIME_KEYS, whose values differ."""
    keys = (set(saved) | set(requested)) - set(RUNTIME_KEYS)
    return sorted(key for key in keys if saved.get(key) != requested.get(key))


def _require(condition: bool, name: str, value: object, fix: str) -> None:
    if not condition:
        raise InvalidInputError(f"invalid training option {name}={value!r}; {fix}")
