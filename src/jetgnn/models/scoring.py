"""Quark probabilities from a trained model: `score` for lists of jets, `predict` for a jet store.

Both run the model in eval mode without gradients, batch jets of similar multiplicity together so
each batch is padded only to its own longest jet, and return scores in the order of the input.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

import numpy as np
import torch
from torch import Tensor, nn

from jetgnn.errors import InvalidInputError

logger = logging.getLogger(__name__)


class JetSource(Protocol):
    """Interface of a jet store that `predict` uses (see `jetgnn.data.store.JetStore`)."""

    multiplicity: np.ndarray

    def batch(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


def quark_probability(logits: Tensor) -> np.ndarray:
    """Return P(quark) = softmax(logits)[:, 1] as float64, computed in float64."""
    return torch.softmax(logits.double(), dim=1)[:, 1].cpu().numpy()


@contextmanager
def inference_mode(model: nn.Module) -> Iterator[None]:
    """Put `model` in eval mode without gradients, then restore its previous mode."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


def model_device_and_dtype(model: nn.Module) -> tuple[torch.device, torch.dtype]:
    """Return the device and floating dtype of the model's first parameter (CPU float32 if none)."""
    for parameter in model.parameters():
        return parameter.device, parameter.dtype
    return torch.device("cpu"), torch.float32


def check_batch_size(batch_size: int) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidInputError(f"batch_size must be an integer >= 1, got {batch_size!r}")


def validate_jet(position: int, jet: object) -> np.ndarray:
    """Return one jet as a float64 (n, 4) array, raising InvalidInputError if it is malformed."""
    try:
        array = np.asarray(jet, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(
            f"jet {position} is not a numeric array of (pt, y, phi, pid) rows: {error}"
        ) from None
    if array.ndim != 2 or array.shape[1] != 4:
        raise InvalidInputError(
            f"jet {position} has shape {array.shape}; expected (n, 4) with columns (pt, y, phi, pid)"
        )
    if array.shape[0] == 0:
        raise InvalidInputError(f"jet {position} has no particles; every jet needs at least one")
    if not np.isfinite(array).all():
        raise InvalidInputError(f"jet {position} contains NaN or infinite values")
    if (array[:, 0] < 0).any():
        raise InvalidInputError(
            f"jet {position} has a negative pt ({array[:, 0].min():.6g}); pt must be >= 0 GeV"
        )
    return array


def pad_jets(jets: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pad (n_i, 4) jets to (B, P, 4) float32 particles and a (B, P) bool mask, P = max n_i."""
    longest = max(jet.shape[0] for jet in jets)
    particles = np.zeros((len(jets), longest, 4), dtype=np.float32)
    mask = np.zeros((len(jets), longest), dtype=bool)
    for row, jet in enumerate(jets):
        particles[row, : jet.shape[0]] = jet
        mask[row, : jet.shape[0]] = True
    return particles, mask


def run_model(
    model: nn.Module,
    particles: np.ndarray,
    mask: np.ndarray,
    device: torch.device,
    dtype: torch.dtype,
) -> np.ndarray:
    """Return P(quark) of one padded batch given as numpy arrays."""
    particles_tensor = torch.as_tensor(particles, device=device).to(dtype)
    mask_tensor = torch.as_tensor(mask, device=device).bool()
    return quark_probability(model(particles_tensor, mask_tensor))


def score(
    model: nn.Module,
    jets: Sequence[np.ndarray],
    batch_size: int = 512,
    device: str | torch.device | None = None,
) -> np.ndarray:
    """Return P(quark) for each jet, in the input order.

    Args:
        model: a jetgnn model (see `jetgnn.build_model`); it is run in eval mode without
            gradients and its previous mode is restored afterwards.
        jets: sequence of arrays of shape (n_i, 4) with columns (pt [GeV], y, phi [rad], pid),
            n_i >= 1, finite, pt >= 0.
        batch_size: jets per forward pass. Jets are sorted by multiplicity, so a batch is padded
            only to its own longest jet.
        device: where to run; None runs on the device of the model's parameters. A different
            device moves the model there (in place, as `nn.Module.to` does).

    Returns:
        float64 array (len(jets),) of quark probabilities.

    Raises:
        InvalidInputError: a jet with the wrong shape, no particles, non-finite values or a
            negative pt, or an invalid batch_size.
    """
    check_batch_size(batch_size)
    arrays = [validate_jet(position, jet) for position, jet in enumerate(jets)]
    scores = np.empty(len(arrays), dtype=np.float64)
    if not arrays:
        return scores

    model_device, dtype = model_device_and_dtype(model)
    target = model_device if device is None else torch.device(device)
    model.to(target)
    multiplicities = np.array([array.shape[0] for array in arrays])
    order = np.argsort(multiplicities, kind="stable")
    with inference_mode(model):
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            particles, mask = pad_jets([arrays[i] for i in chunk])
            scores[chunk] = run_model(model, particles, mask, target, dtype)
    return scores


def predict(
    model: nn.Module,
    source: JetSource,
    indices: Sequence[int] | np.ndarray,
    batch_size: int = 1024,
    device: str | torch.device = "cpu",
) -> np.ndarray:
    """Return P(quark) for the jets `indices` of a jet store, in the order of `indices`.

    Args:
        model: a jetgnn model; moved to `device` (in place), run in eval mode without gradients,
            and returned to its previous mode afterwards.
        source: an object with `multiplicity` (N,) and `batch(indices)` returning padded numpy
            (particles (B, P, 4), mask (B, P), labels (B,)), such as `jetgnn.data.store.JetStore`.
        indices: jet indices into `source`; repeats are allowed.
        batch_size: jets per forward pass; indices are grouped by multiplicity so each batch is
            padded only to its own longest jet.
        device: where to run the model.

    Returns:
        float64 array (len(indices),) of quark probabilities.
    """
    check_batch_size(batch_size)
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    scores = np.empty(len(indices), dtype=np.float64)
    if len(indices) == 0:
        return scores

    multiplicity = np.asarray(source.multiplicity)
    if indices.min() < 0 or indices.max() >= len(multiplicity):
        raise InvalidInputError(
            f"jet indices must lie in [0, {len(multiplicity)}), "
            f"got values from {indices.min()} to {indices.max()}"
        )

    target = torch.device(device)
    model.to(target)
    _, dtype = model_device_and_dtype(model)
    order = np.argsort(multiplicity[indices], kind="stable")
    logger.info("scoring %d jets in batches of %d on %s", len(indices), batch_size, target)
    with inference_mode(model):
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            particles, mask, _ = source.batch(indices[chunk])
            scores[chunk] = run_model(model, particles, mask, target, dtype)
    return scores
