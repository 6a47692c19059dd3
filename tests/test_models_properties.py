"""Symmetry and robustness properties of every registered model, with untrained weights.

Jets come from a physically shaped toy (pt fractions from a Dirichlet draw, particles spread by
about 0.1 in y and phi around the axis, a realistic mix of pid codes), so the tests need no files.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from jetgnn import build_model
from jetgnn.models.registry import MODELS

MODEL_NAMES = tuple(MODELS)
PIDS = np.array([211, -211, 321, -321, 2212, -2212, 22, 130, 2112, 11, -11, 13, -13])
PID_WEIGHTS = np.array([20, 20, 4, 4, 2, 2, 30, 5, 5, 1, 1, 1, 1], dtype=float)
TOLERANCE = 1e-5


@pytest.fixture(autouse=True)
def single_thread() -> None:
    torch.set_num_threads(1)


def toy_jet(
    rng: np.random.Generator, n: int, y_axis: float = 0.3, phi_axis: float = 1.0
) -> np.ndarray:
    """Return a toy jet of n particles as float64 (n, 4) rows (pt, y, phi, pid), pt decreasing."""
    pt = np.sort(rng.dirichlet(np.full(n, 0.7)))[::-1] * 520.0
    y = y_axis + np.clip(rng.normal(0.0, 0.1, n), -0.4, 0.4)
    phi = phi_axis + np.clip(rng.normal(0.0, 0.1, n), -0.4, 0.4)
    pid = rng.choice(PIDS, n, p=PID_WEIGHTS / PID_WEIGHTS.sum())
    return np.stack([pt, y, phi, pid.astype(float)], axis=1)


def to_batch(
    jets: list[np.ndarray], dtype: torch.dtype = torch.float64, slots: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad jets to (B, P, 4) particles and a (B, P) mask, P = `slots` or the longest jet."""
    num_slots = slots or max(len(jet) for jet in jets)
    particles = torch.zeros(len(jets), num_slots, 4, dtype=dtype)
    mask = torch.zeros(len(jets), num_slots, dtype=torch.bool)
    for row, jet in enumerate(jets):
        particles[row, : len(jet)] = torch.as_tensor(jet, dtype=dtype)
        mask[row, : len(jet)] = True
    return particles, mask


def quark_scores(model: torch.nn.Module, jets: list[np.ndarray], **batch_options) -> np.ndarray:
    """Return P(quark) of each jet from one forward pass in the model's current mode."""
    dtype = next(model.parameters()).dtype
    particles, mask = to_batch(jets, dtype=dtype, **batch_options)
    with torch.no_grad():
        logits = model(particles, mask)
    return torch.softmax(logits, dim=1)[:, 1].numpy()


def eval_model(name: str, dtype: torch.dtype = torch.float64, **hyperparameters) -> torch.nn.Module:
    torch.manual_seed(7)
    return build_model(name, **hyperparameters).to(dtype).eval()


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_permutation_keeps_score(name: str) -> None:
    rng = np.random.default_rng(1)
    model = eval_model(name)
    jet = toy_jet(rng, 40)
    shuffled = jet[rng.permutation(len(jet))]

    original, permuted = quark_scores(model, [jet, shuffled])

    assert permuted == pytest.approx(original, abs=TOLERANCE)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_batch_neighbour_keeps_score(name: str, dtype: torch.dtype) -> None:
    rng = np.random.default_rng(2)
    model = eval_model(name, dtype)
    jet = toy_jet(rng, 25)
    large_jet = toy_jet(rng, 120, y_axis=-1.1, phi_axis=4.0)

    (alone,) = quark_scores(model, [jet])
    beside_large, _ = quark_scores(model, [jet, large_jet])

    assert beside_large == pytest.approx(alone, abs=TOLERANCE)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_extra_padding_keeps_score(name: str) -> None:
    rng = np.random.default_rng(3)
    model = eval_model(name)
    jets = [toy_jet(rng, 30), toy_jet(rng, 12)]

    tight = quark_scores(model, jets)
    padded = quark_scores(model, jets, slots=128)

    np.testing.assert_allclose(padded, tight, atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_phi_rotation_across_boundary(name: str) -> None:
    rng = np.random.default_rng(4)
    model = eval_model(name)
    jet = toy_jet(rng, 35, phi_axis=1.0)
    rotated = jet.copy()
    # Move the axis to phi = 0.02, then wrap into [0, 2 pi): the jet straddles phi = 0.
    rotated[:, 2] = np.mod(jet[:, 2] - 0.98, 2 * math.pi)
    assert (rotated[:, 2] > math.pi).any()
    assert (rotated[:, 2] < math.pi).any()

    original, turned = quark_scores(model, [jet, rotated])

    assert turned == pytest.approx(original, abs=TOLERANCE)


def small_jets() -> list[np.ndarray]:
    """Return jets of 1, 2 and 3 particles and a jet with two identical particles."""
    rng = np.random.default_rng(5)
    duplicated = toy_jet(rng, 4)
    duplicated[1] = duplicated[0]
    return [toy_jet(rng, 1), toy_jet(rng, 2), toy_jet(rng, 3), duplicated]


def k16_options(name: str) -> dict[str, int]:
    """Return k = 16 for the ParticleNet models, so jets are much smaller than k."""
    return {"k": 16} if name.startswith("particlenet") else {}


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_small_jets_finite_scores(name: str) -> None:
    model = eval_model(name, torch.float32, **k16_options(name))

    scores = quark_scores(model, small_jets())

    assert np.isfinite(scores).all()


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_small_jets_finite_gradients(name: str, training: bool) -> None:
    torch.manual_seed(8)
    model = build_model(name, **k16_options(name)).train(training)
    particles, mask = to_batch(small_jets(), dtype=torch.float32)
    labels = torch.tensor([1, 0, 1, 0])

    logits = model(particles, mask)
    loss = torch.nn.functional.cross_entropy(logits, labels)
    loss.backward()

    assert torch.isfinite(logits).all()
    for parameter_name, parameter in model.named_parameters():
        assert parameter.grad is not None, parameter_name
        assert torch.isfinite(parameter.grad).all(), parameter_name


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_single_particle_batch_trains(name: str) -> None:
    torch.manual_seed(9)
    model = build_model(name).train()
    particles, mask = to_batch([toy_jet(np.random.default_rng(6), 1)], dtype=torch.float32)

    logits = model(particles, mask)
    logits.sum().backward()

    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_training_ignores_padding(name: str) -> None:
    """BatchNorm statistics in training mode cover real particles and valid edges only."""
    rng = np.random.default_rng(10)
    options = {"dropout": 0.0} if name.startswith("particlenet") else {}
    # The 9-particle jet has fewer than k = 16 neighbours, so some kNN slots are invalid.
    jets = [toy_jet(rng, 30), toy_jet(rng, 9), toy_jet(rng, 45)]
    torch.manual_seed(11)
    model = build_model(name, **options).double().train()

    tight = quark_scores(model, jets)
    padded = quark_scores(model, jets, slots=128)

    np.testing.assert_allclose(padded, tight, atol=TOLERANCE, rtol=0)


def test_efn_zero_pt_particle_keeps_score() -> None:
    rng = np.random.default_rng(12)
    model = eval_model("efn")
    jet = toy_jet(rng, 30)
    soft = np.array([[0.0, jet[0, 1] + 0.2, jet[0, 2] - 0.1, 22.0]])
    with_soft = np.concatenate([jet, soft])

    original, extended = quark_scores(model, [jet, with_soft])

    assert extended == pytest.approx(original, abs=TOLERANCE)


def test_efn_collinear_split_keeps_score() -> None:
    rng = np.random.default_rng(13)
    model = eval_model("efn")
    jet = toy_jet(rng, 30)
    half = jet[0].copy()
    half[0] /= 2
    split = np.concatenate([half[None], half[None], jet[1:]])

    original, after_split = quark_scores(model, [jet, split])

    assert after_split == pytest.approx(original, abs=TOLERANCE)


def test_pfn_zero_pt_particle_changes_score() -> None:
    """PFN sums unweighted, so it is not IRC safe: a zero-pt particle changes its score."""
    rng = np.random.default_rng(14)
    model = eval_model("pfn")
    jet = toy_jet(rng, 30)
    soft = np.array([[0.0, jet[0, 1] + 0.2, jet[0, 2] - 0.1, 22.0]])

    original, extended = quark_scores(model, [jet, np.concatenate([jet, soft])])

    assert extended != pytest.approx(original, abs=TOLERANCE)
