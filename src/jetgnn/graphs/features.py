"""Particle features computed from raw jets ``(pt, y, phi, pid)``.

Every function takes a padded batch, ``particles`` of shape ``(B, P, 4)`` with columns
``(pt [GeV], y, phi [rad], pid)`` and ``mask`` of shape ``(B, P)``, True for a real particle.
Particles are treated as massless, so their rapidity y equals their pseudorapidity eta, and the jet
axis is the direction of the sum of the particles' four-momenta. Padded slots return exact zeros, and
no intermediate tensor contains NaN or infinity (logarithms only see clamped, positive arguments), so
gradients through padded slots stay finite.

The feature sets follow the quark/gluon inputs of ParticleNet (arXiv:1902.08570) and Particle
Transformer (arXiv:2202.03772).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from jetgnn.errors import InvalidInputError

KINEMATIC_FEATURES = (
    "delta_eta",
    "delta_phi",
    "log_pt",
    "log_energy",
    "log_pt_fraction",
    "log_energy_fraction",
    "delta_r",
)
IDENTIFICATION_FEATURES = (
    "charge",
    "is_charged_hadron",
    "is_neutral_hadron",
    "is_photon",
    "is_electron",
    "is_muon",
)
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "kin": KINEMATIC_FEATURES,
    "kinpid": KINEMATIC_FEATURES + IDENTIFICATION_FEATURES,
}

# Smallest argument passed to a logarithm: the log of an exact zero (a padded particle, or the
# distance between two identical particles) becomes ln(1e-8) instead of -inf.
LOG_FLOOR = 1e-8

CHARGED_HADRONS = (211, 321, 2212)
NEUTRAL_HADRONS = (130, 2112)
PHOTON = 22
ELECTRON = 11
MUON = 13


def num_features(feature_set: str) -> int:
    """Return the number of per-particle features of ``feature_set`` ("kin": 7, "kinpid": 13)."""
    return len(feature_names(feature_set))


def feature_names(feature_set: str) -> tuple[str, ...]:
    """Return the feature names of ``feature_set`` in the order of the feature tensor's last axis."""
    try:
        return FEATURE_SETS[feature_set]
    except KeyError:
        valid = ", ".join(sorted(FEATURE_SETS))
        raise InvalidInputError(
            f"unknown feature set {feature_set!r}; choose one of: {valid}"
        ) from None


def wrap_phi(delta_phi: Tensor) -> Tensor:
    """Wrap an angle difference into (-pi, pi]."""
    return math.pi - torch.remainder(math.pi - delta_phi, 2 * math.pi)


def four_momenta(particles: Tensor, mask: Tensor) -> Tensor:
    """Return massless four-momenta ``(E, px, py, pz)`` in GeV, shape ``(B, P, 4)``, zero where padded."""
    pt = particles[..., 0] * mask
    y = particles[..., 1] * mask
    phi = particles[..., 2]
    return torch.stack(
        (pt * torch.cosh(y), pt * torch.cos(phi), pt * torch.sin(phi), pt * torch.sinh(y)), dim=-1
    )


def jet_axis(particles: Tensor, mask: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Return the jet's ``(pt, eta, phi, E)``, each of shape ``(B,)``, from its particles' four-momentum sum.

    A jet without particles gets pt and E of zero and an axis at eta = phi = 0.
    """
    total = four_momenta(particles, mask).sum(dim=1)  # (B, 4)
    energy, px, py, pz = total.unbind(dim=-1)
    pt = torch.sqrt(px * px + py * py)
    eta = torch.asinh(pz / pt.clamp(min=LOG_FLOOR))
    phi = torch.atan2(py, px)
    return pt, eta, phi, energy


def relative_coordinates(particles: Tensor, mask: Tensor) -> Tensor:
    """Return (Delta eta, Delta phi) of each particle to the jet axis, shape ``(B, P, 2)``.

    Delta phi is wrapped into (-pi, pi], so jets that straddle phi = 0 are handled. Padded slots are 0.
    """
    _, jet_eta, jet_phi, _ = jet_axis(particles, mask)
    return _coordinates_to_axis(particles, mask, jet_eta, jet_phi)


def _coordinates_to_axis(
    particles: Tensor, mask: Tensor, jet_eta: Tensor, jet_phi: Tensor
) -> Tensor:
    """Return (Delta eta, Delta phi) to a given axis ``(B,)``, shape ``(B, P, 2)``, 0 where padded."""
    delta_eta = particles[..., 1] - jet_eta[:, None]
    delta_phi = wrap_phi(particles[..., 2] - jet_phi[:, None])
    return torch.stack((delta_eta, delta_phi), dim=-1) * mask[..., None]


def _safe_log(values: Tensor, mask: Tensor) -> Tensor:
    """Return ln(values) for real particles and 0 for padded ones, never evaluating ln(0)."""
    return torch.log(torch.where(mask, values, torch.ones_like(values)).clamp(min=LOG_FLOOR)) * mask


def particle_features(particles: Tensor, mask: Tensor, feature_set: str = "kinpid") -> Tensor:
    """Return the per-particle features of ``feature_set``, shape ``(B, P, C)``, zero where padded.

    Kinematic features (7): Delta eta, Delta phi, ln pt, ln E, ln(pt / pt_jet), ln(E / E_jet),
    Delta R. With particle identification ("kinpid", 13): the electric charge and five flags, charged
    hadron (|pid| 211, 321, 2212), neutral hadron (130, 2112), photon (22), electron (11), muon (13).
    """
    names = feature_names(feature_set)
    mask = mask.bool()
    pt = particles[..., 0]
    energy = pt * torch.cosh(particles[..., 1] * mask)
    jet_pt, jet_eta, jet_phi, jet_energy = jet_axis(particles, mask)
    coordinates = _coordinates_to_axis(particles, mask, jet_eta, jet_phi)  # (B, P, 2)
    delta_r = torch.sqrt((coordinates * coordinates).sum(dim=-1).clamp(min=LOG_FLOOR**2)) * mask

    columns = [
        coordinates[..., 0],
        coordinates[..., 1],
        _safe_log(pt, mask),
        _safe_log(energy, mask),
        _safe_log(pt / jet_pt.clamp(min=LOG_FLOOR)[:, None], mask),
        _safe_log(energy / jet_energy.clamp(min=LOG_FLOOR)[:, None], mask),
        delta_r,
    ]
    if len(names) > len(KINEMATIC_FEATURES):
        columns.extend(identification_features(particles[..., 3], mask).unbind(dim=-1))
    return torch.stack(columns, dim=-1)


def identification_features(pid: Tensor, mask: Tensor) -> Tensor:
    """Return charge and the five particle-type flags from PDG ids, shape ``(B, P, 6)``.

    Hadron charge follows the sign of the id (211 is pi+), lepton charge the opposite sign (11 is e-).
    """
    dtype = pid.dtype
    pid = torch.round(pid).to(torch.int64)
    abs_pid = pid.abs()
    sign = torch.sign(pid).to(dtype)
    is_charged_hadron = torch.isin(abs_pid, torch.tensor(CHARGED_HADRONS, device=pid.device))
    is_neutral_hadron = torch.isin(abs_pid, torch.tensor(NEUTRAL_HADRONS, device=pid.device))
    is_photon = abs_pid == PHOTON
    is_electron = abs_pid == ELECTRON
    is_muon = abs_pid == MUON
    is_lepton = is_electron | is_muon
    charge = sign * is_charged_hadron - sign * is_lepton
    flags = torch.stack(
        (charge, is_charged_hadron, is_neutral_hadron, is_photon, is_electron, is_muon), dim=-1
    )
    return flags.to(dtype) * mask[..., None]


def efn_inputs(particles: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """Return the Energy Flow Network inputs (arXiv:1810.05165).

    Returns:
        z: pt fraction of each particle, ``(B, P)``, summing to 1 over a jet's real particles.
        angles: (Delta eta, Delta phi) to the jet axis, ``(B, P, 2)``.

    Both are infrared and collinear safe inputs: a zero-pt particle has z = 0 and leaves the axis
    unchanged, and splitting a particle into two collinear halves splits its z.
    """
    pt = particles[..., 0] * mask
    z = pt / pt.sum(dim=1, keepdim=True).clamp(min=LOG_FLOOR)
    return z, relative_coordinates(particles, mask)


def pairwise_features(particles: Tensor, mask: Tensor) -> Tensor:
    """Return the pairwise features of Particle Transformer (arXiv:2202.03772), shape ``(B, P, P, 4)``.

    For each pair (i, j): ln Delta, ln kT = ln(min(pt_i, pt_j) Delta), ln z = ln(min(pt_i, pt_j) /
    (pt_i + pt_j)) and ln m^2 of the pair, with Delta^2 = (y_i - y_j)^2 + (phi_i - phi_j)^2. Arguments
    of the logarithms are clamped at 1e-8, so identical particles give finite values. Entries with
    i == j or with a padded particle are 0.
    """
    mask = mask.bool()
    pt = particles[..., 0] * mask
    y = particles[..., 1] * mask
    phi = particles[..., 2] * mask
    delta_y = y[:, :, None] - y[:, None, :]
    delta_phi = wrap_phi(phi[:, :, None] - phi[:, None, :])
    delta = torch.sqrt((delta_y * delta_y + delta_phi * delta_phi).clamp(min=LOG_FLOOR**2))
    pt_min = torch.minimum(pt[:, :, None], pt[:, None, :])
    pt_sum = pt[:, :, None] + pt[:, None, :]
    # Massless pair: m^2 = 2 pt_i pt_j (cosh(delta y) - cos(delta phi)).
    mass_squared = (
        2 * pt[:, :, None] * pt[:, None, :] * (torch.cosh(delta_y) - torch.cos(delta_phi))
    )

    pair_mask = mask[:, :, None] & mask[:, None, :]
    pair_mask = pair_mask & ~torch.eye(mask.shape[1], dtype=torch.bool, device=mask.device)
    features = torch.stack(
        (
            torch.log(delta),
            torch.log((pt_min * delta).clamp(min=LOG_FLOOR)),
            torch.log((pt_min / pt_sum.clamp(min=LOG_FLOOR)).clamp(min=LOG_FLOOR)),
            torch.log(mass_squared.clamp(min=LOG_FLOOR)),
        ),
        dim=-1,
    )
    return features * pair_mask[..., None]
