"""Graph constructions: which particles of a jet exchange messages.

Every construction takes a padded batch, ``particles`` float32 ``(B, P, 4)`` with columns
``(pt [GeV], y, phi [rad], pid)`` and ``mask`` bool ``(B, P)``, and returns a :class:`Graph`.
All of them follow the same rules: no self edges, no padded particle as a sender or receiver,
no edge between two jets, a jet with n <= K particles gets its n - 1 real neighbours (none for
n = 1), and ties between equal distances go to the lower particle index. Costs below are for one
jet of n particles in a batch padded to P particles (n <= P).
"""

from __future__ import annotations

import math

import torch

from jetgnn.errors import InvalidInputError
from jetgnn.graphs.features import pairwise_features, relative_coordinates, wrap_phi
from jetgnn.graphs.graph import Graph
from jetgnn.graphs.knn import knn

# Pairwise features that :func:`full_graph` attaches to each edge, in column order.
PAIRWISE_FEATURE_NAMES = ("ln Delta", "ln kT", "ln z", "ln m^2")


def knn_graph(particles: torch.Tensor, mask: torch.Tensor, k: int = 16) -> Graph:
    """Connect each particle to its k nearest neighbours in the (Delta eta, Delta phi) plane.

    This is the static graph of ParticleNet's first EdgeConv block (arXiv:1902.08570, k = 16;
    ParticleNet-Lite uses k = 7). Distances use Delta phi wrapped into (-pi, pi], so a jet that
    crosses phi = 0 / 2 pi is connected as if it did not.

    Cost: n * min(k, n - 1) directed edges; 9 * P * k bytes of edge tensors (int64 index and bool
    mask); O(P^2) distance evaluations.

    Returns:
        Graph with index and valid of shape ``(B, P, k)`` and no edge features.
    """
    _check_batch(particles, mask)
    _check_positive_int("k", k)
    coordinates = relative_coordinates(particles, mask)  # (B, P, 2)
    index, valid = knn(coordinates, mask, k)
    return Graph(index=index, valid=valid)


def dynamic_knn_graph(features: torch.Tensor, mask: torch.Tensor, k: int = 16) -> Graph:
    """Connect each particle to its k nearest neighbours in a learned feature space.

    This is the dynamic graph of EdgeConv (arXiv:1801.07829) as used by ParticleNet's second and
    later blocks: the neighbours are recomputed from each block's input features ``(B, P, C)`` with
    Euclidean distance. No coordinate is periodic here, so unlike :func:`knn_graph` there is no
    wrapping. Cost: as :func:`knn_graph`, with O(P^2 C) for the distances.

    Returns:
        Graph with index and valid of shape ``(B, P, k)`` and no edge features.
    """
    if features.dim() != 3 or mask.shape != features.shape[:2]:
        raise InvalidInputError(
            f"features must be (B, P, C) and mask (B, P); got {tuple(features.shape)} and "
            f"{tuple(mask.shape)}"
        )
    _check_mask(mask)
    _check_positive_int("k", k)
    index, valid = knn(features, mask, k)
    return Graph(index=index, valid=valid)


def delta_r_graph(
    particles: torch.Tensor,
    mask: torch.Tensor,
    radius: float = 0.1,
    max_neighbours: int = 16,
) -> Graph:
    """Connect each particle to the particles within Delta R <= radius, nearest first.

    Delta R is the Euclidean distance in (Delta eta, Delta phi) with Delta phi wrapped into
    (-pi, pi]. At most ``max_neighbours`` neighbours are kept per particle, the nearest ones, so
    the tensors stay dense. Unlike kNN, an isolated particle gets no edges at all.

    Cost: at most n * min(max_neighbours, n - 1) directed edges, fewer in sparse jets; 9 * P *
    max_neighbours bytes of edge tensors; O(P^2 log P) time because the distances are sorted.

    Returns:
        Graph with index and valid of shape ``(B, P, max_neighbours)`` and no edge features.
    """
    _check_batch(particles, mask)
    _check_positive_int("max_neighbours", max_neighbours)
    if not (isinstance(radius, int | float) and math.isfinite(radius) and radius > 0):
        raise InvalidInputError(f"radius must be a positive number (Delta R); got {radius!r}")

    coordinates = relative_coordinates(particles, mask)  # (B, P, 2)
    difference = coordinates[:, :, None, :] - coordinates[:, None, :, :]  # (B, P, P, 2)
    delta_phi = wrap_phi(difference[..., 1])
    distance = torch.sqrt(difference[..., 0] ** 2 + delta_phi**2)  # (B, P, P)

    allowed = _pair_mask(mask) & (distance <= radius)
    distance = distance.masked_fill(~allowed, math.inf)
    # A stable sort keeps equal distances in particle-index order, so duplicates resolve the same
    # way on every run and device.
    order = torch.sort(distance, dim=-1, stable=True).indices[..., :max_neighbours]  # (B, P, K)
    valid = torch.gather(allowed, 2, order)
    return _pad_neighbours(order, valid, max_neighbours)


def full_graph(particles: torch.Tensor, mask: torch.Tensor) -> Graph:
    """Connect every pair of real particles in both directions, with pairwise edge features.

    Each edge carries (ln Delta, ln kT, ln z, ln m^2), the interaction features of Particle
    Transformer (arXiv:2202.03772), from :func:`jetgnn.graphs.features.pairwise_features`.
    Slot m of particle i contains particle m for m < i and particle m + 1 otherwise.

    Cost: n * (n - 1) directed edges; 25 * P * (P - 1) bytes of edge tensors (int64 index, bool
    mask and four float32 features); O(P^2) time.

    Returns:
        Graph with index and valid of shape ``(B, P, max(P - 1, 1))`` and edge features of shape
        ``(B, P, max(P - 1, 1), 4)``.
    """
    _check_batch(particles, mask)
    batch_size, num_particles = mask.shape
    device = particles.device

    slots = torch.arange(max(num_particles - 1, 1), device=device)  # (K,)
    receivers = torch.arange(num_particles, device=device)[:, None]  # (P, 1)
    index = slots[None, :] + (slots[None, :] >= receivers).long()  # (P, K)
    index = torch.where(index < num_particles, index, receivers)  # only P = 1 needs this
    index = index.expand(batch_size, -1, -1)  # (B, P, K)

    valid = torch.gather(_pair_mask(mask), 2, index)
    index = torch.where(valid, index, receivers[None])
    pairwise = pairwise_features(particles, mask)  # (B, P, P, 4)
    gather_index = index[..., None].expand(-1, -1, -1, pairwise.shape[-1])
    edge_features = torch.gather(pairwise, 2, gather_index)  # (B, P, K, 4)
    edge_features = edge_features.masked_fill(~valid[..., None], 0.0)
    return Graph(index=index, valid=valid, edge_features=edge_features)


def empty_graph(particles: torch.Tensor, mask: torch.Tensor) -> Graph:
    """Return a graph without edges, the input of a deep-sets model such as EFN or PFN.

    Cost: no edges and no memory; index and valid have shape ``(B, P, 0)``.
    """
    _check_batch(particles, mask)
    batch_size, num_particles = mask.shape
    index = torch.zeros(batch_size, num_particles, 0, dtype=torch.long, device=particles.device)
    return Graph(index=index, valid=torch.zeros_like(index, dtype=torch.bool))


def _pair_mask(mask: torch.Tensor) -> torch.Tensor:
    """Return bool ``(B, P, P)``: True where i and j are distinct real particles of one jet."""
    num_particles = mask.shape[1]
    not_self = ~torch.eye(num_particles, dtype=torch.bool, device=mask.device)
    return mask[:, :, None] & mask[:, None, :] & not_self


def _pad_neighbours(index: torch.Tensor, valid: torch.Tensor, num_slots: int) -> Graph:
    """Point invalid slots at the particle itself and pad the slot axis to ``num_slots``."""
    batch_size, num_particles, found = index.shape
    receivers = torch.arange(num_particles, device=index.device)[None, :, None]
    index = torch.where(valid, index, receivers)
    if found < num_slots:
        padding = receivers.expand(batch_size, num_particles, num_slots - found)
        index = torch.cat([index, padding], dim=2)
        valid = torch.cat([valid, torch.zeros_like(padding, dtype=torch.bool)], dim=2)
    return Graph(index=index, valid=valid)


def _check_batch(particles: torch.Tensor, mask: torch.Tensor) -> None:
    if particles.dim() != 3 or particles.shape[-1] != 4 or mask.shape != particles.shape[:2]:
        raise InvalidInputError(
            "particles must be (B, P, 4) with columns (pt, y, phi, pid) and mask (B, P); got "
            f"{tuple(particles.shape)} and {tuple(mask.shape)}"
        )
    _check_mask(mask)


def _check_mask(mask: torch.Tensor) -> None:
    if mask.dtype != torch.bool:
        raise InvalidInputError(f"mask must be a bool tensor; got dtype {mask.dtype}")


def _check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"{name} must be a positive integer; got {value!r}")
