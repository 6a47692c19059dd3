"""Packed layout for padded jet batches: the real particles of a batch as one (N, C) tensor.

Networks that normalise per particle or per edge work on the packed rows, so padded particles
never enter BatchNorm statistics and cost no arithmetic.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class PackedBatchNorm(nn.BatchNorm1d):
    """BatchNorm1d over the rows of an (N, C) tensor of real particles or valid edges.

    In training mode a call with fewer than two rows (a batch holding one single-particle jet)
    has no batch variance, so it normalises with the running statistics and leaves them unchanged
    instead of raising as nn.BatchNorm1d does.
    """

    def forward(self, rows: Tensor) -> Tensor:
        if self.training and rows.shape[0] < 2:
            return F.batch_norm(
                rows,
                self.running_mean,
                self.running_var,
                self.weight,
                self.bias,
                training=False,
                eps=self.eps,
            )
        return super().forward(rows)


class PackedBatch:
    """Index maps between a padded batch (B, P, ...) and its packed real particles (N, ...).

    Args:
        mask: bool (B, P), True for a real particle.

    Attributes:
        node_index: long (N,), flat position b * P + i of each real particle in row-major order.
        position: long (B * P,), packed row of each flat slot (meaningless where padded).
        jet_of_node: long (N,), jet index b of each real particle.
        multiplicity: long (B,), number of real particles per jet.
    """

    def __init__(self, mask: Tensor) -> None:
        self.batch_size, self.num_slots = mask.shape
        flat_mask = mask.reshape(-1)
        self.node_index = flat_mask.nonzero().squeeze(1)
        self.position = torch.cumsum(flat_mask, 0) - 1
        self.jet_of_node = torch.div(self.node_index, self.num_slots, rounding_mode="floor")
        self.multiplicity = mask.sum(dim=1)

    @property
    def num_nodes(self) -> int:
        return int(self.node_index.shape[0])

    def pack(self, dense: Tensor) -> Tensor:
        """Select the real particles of a (B, P, C) tensor as (N, C)."""
        return dense.reshape(self.batch_size * self.num_slots, -1).index_select(0, self.node_index)

    def unpack(self, rows: Tensor) -> Tensor:
        """Scatter (N, C) rows back to a (B, P, C) tensor that is zero in padded slots."""
        dense = rows.new_zeros(self.batch_size * self.num_slots, rows.shape[1])
        dense = dense.index_copy(0, self.node_index, rows)
        return dense.reshape(self.batch_size, self.num_slots, rows.shape[1])

    def pool_mean(self, rows: Tensor) -> Tensor:
        """Average (N, C) rows over the real particles of each jet: (B, C)."""
        total = rows.new_zeros(self.batch_size, rows.shape[1]).index_add(0, self.jet_of_node, rows)
        counts = self.multiplicity.clamp(min=1).to(rows.dtype)
        return total / counts[:, None]

    def pool_sum(self, rows: Tensor) -> Tensor:
        """Sum (N, C) rows over the real particles of each jet: (B, C)."""
        return rows.new_zeros(self.batch_size, rows.shape[1]).index_add(0, self.jet_of_node, rows)
