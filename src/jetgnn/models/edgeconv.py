"""EdgeConv block of ParticleNet (arXiv:1902.08570), on the packed real particles of a batch.

EdgeConv (Wang et al., arXiv:1801.07829) updates each particle i from its kNN neighbours j:

    x_i' = ReLU( mean_j h(x_i, x_j - x_i) + BN(W_s x_i) )

where h is a stack of (linear without bias, BatchNorm, ReLU) layers on the edge feature
[x_i, x_j - x_i], and the shortcut W_s is dropped when input and output widths agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from jetgnn.models.packed import PackedBatch, PackedBatchNorm


class EdgeGraph:
    """The valid kNN edges of a batch, numbered by packed particle rows.

    Args:
        batch: index maps of the padded batch.
        mask: bool (B, P), True for a real particle.
        index: long (B, P, k), neighbour slot of each particle, from `jetgnn.graphs.knn.knn`.
        valid: bool (B, P, k), False for neighbour slots that must be ignored.

    Attributes:
        centre: long (E,), packed row of the particle that receives each edge; edges of one
            particle are contiguous.
        neighbour: long (E,), packed row of the neighbour at the other end.
        degree: (N, 1) number of valid edges of each real particle, at least 1, as float32.
    """

    def __init__(self, batch: PackedBatch, mask: Tensor, index: Tensor, valid: Tensor) -> None:
        batch_size, num_slots, k = index.shape
        offset = torch.arange(batch_size, device=index.device).view(-1, 1, 1) * num_slots
        neighbour_flat = index + offset  # (B, P, k)
        flat_mask = mask.reshape(-1)
        valid = valid & mask.unsqueeze(2) & flat_mask[neighbour_flat]

        centre_flat = torch.arange(batch_size * num_slots, device=index.device)
        centre_flat = centre_flat.view(batch_size, num_slots, 1).expand(-1, -1, k)
        self.centre = batch.position[centre_flat[valid]]
        self.neighbour = batch.position[neighbour_flat[valid]]

        degree = valid.sum(dim=2).reshape(-1).index_select(0, batch.node_index)
        self.degree = degree.clamp(min=1).to(torch.float32).unsqueeze(1)


class EdgeConvBlock(nn.Module):
    """One EdgeConv block with a shortcut, as in ParticleNet (arXiv:1902.08570).

    Args:
        in_channels: width C of the particle features.
        channels: widths of the edge layers, e.g. (64, 64, 64).
        k: number of kNN neighbours; stored here and used by the caller to build the graph.

    Shapes:
        x: (N, C) real particles; graph: EdgeGraph with E edges; output (N, channels[-1]).

    The first edge layer acts on [x_i, x_j - x_i] with weight [W_a, W_b], which equals
    (W_a - W_b) x_i + W_b x_j, so it runs once per particle and the result is gathered per edge.
    BatchNorm statistics in training cover valid edges and real particles only.
    """

    def __init__(self, in_channels: int, channels: Sequence[int], k: int) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = channels[-1]
        self.k = k

        widths = [2 * in_channels, *channels]
        self.edge_linears = nn.ModuleList(
            nn.Linear(widths[i], widths[i + 1], bias=False) for i in range(len(channels))
        )
        self.edge_norms = nn.ModuleList(PackedBatchNorm(width) for width in channels)

        if in_channels == self.out_channels:
            self.shortcut = None
            self.shortcut_norm = None
        else:
            self.shortcut = nn.Linear(in_channels, self.out_channels, bias=False)
            self.shortcut_norm = PackedBatchNorm(self.out_channels)
        self.activation = nn.ReLU()

    def forward(self, x: Tensor, graph: EdgeGraph) -> Tensor:
        first_width = self.edge_linears[0].out_features
        weight = self.edge_linears[0].weight  # (C1, 2C)
        weight_centre, weight_difference = (
            weight[:, : self.in_channels],
            weight[:, self.in_channels :],
        )
        node_weight = torch.cat([weight_centre - weight_difference, weight_difference], dim=0)
        projected = x @ node_weight.t()  # (N, 2 * C1)
        centre_term, neighbour_term = projected.split(first_width, dim=1)

        edges = centre_term.index_select(0, graph.centre)  # (E, C1)
        edges = edges + neighbour_term.index_select(0, graph.neighbour)
        edges = self.activation(self.edge_norms[0](edges))
        for linear, norm in zip(self.edge_linears[1:], self.edge_norms[1:], strict=True):
            edges = self.activation(norm(linear(edges)))  # (E, C_l)

        aggregated = x.new_zeros(x.shape[0], self.out_channels).index_add(0, graph.centre, edges)
        aggregated = aggregated / graph.degree.to(x.dtype)  # (N, C_out)

        if self.shortcut is None:
            shortcut = x
        else:
            shortcut = self.shortcut_norm(self.shortcut(x))
        return self.activation(aggregated + shortcut)
