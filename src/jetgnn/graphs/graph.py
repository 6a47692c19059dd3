"""The neighbour-list structure that every graph construction returns."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Graph:
    """Directed edges of a batch of jets as a dense, padded neighbour list.

    Slot ``(b, i, m)`` is the edge from particle ``index[b, i, m]`` to particle ``i`` of jet ``b``,
    so a message-passing layer gathers ``x[b, index[b, i, :]]`` and reduces over the last axis.
    Only slots with ``valid`` True are edges. An invalid slot points at the particle itself, so a
    gather with it never reads outside the jet; layers must still mask it out.

    Attributes:
        index: int64 ``(B, P, K)``, neighbour particle indices within the same jet.
        valid: bool ``(B, P, K)``, True where the slot is an edge. False for every slot of a padded
            particle, for self slots, and for slots beyond a jet's available neighbours.
        edge_features: float32 ``(B, P, K, F)`` per-edge features (zero in invalid slots), or None
            when the construction has none.
    """

    index: torch.Tensor
    valid: torch.Tensor
    edge_features: torch.Tensor | None = None

    @property
    def max_neighbours(self) -> int:
        """Number of neighbour slots K per particle."""
        return self.index.shape[-1]

    def num_edges(self) -> torch.Tensor:
        """Count the directed edges of each jet, int64 ``(B,)``."""
        return self.valid.sum(dim=(1, 2))

    def edge_list(self, jet: int) -> torch.Tensor:
        """Return the edges of jet ``jet`` as int64 ``(2, E)`` rows (source, target)."""
        valid = self.valid[jet]  # (P, K)
        targets = torch.arange(valid.shape[0], device=valid.device)[:, None].expand_as(valid)
        sources = self.index[jet]
        return torch.stack([sources[valid], targets[valid]])

    def nbytes(self) -> int:
        """Memory of the edge tensors (index, valid and edge features) in bytes."""
        total = self.index.element_size() * self.index.numel()
        total += self.valid.element_size() * self.valid.numel()
        if self.edge_features is not None:
            total += self.edge_features.element_size() * self.edge_features.numel()
        return total
