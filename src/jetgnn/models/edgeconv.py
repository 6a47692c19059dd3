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
    """The kNN neighbour slots of the real particles of a batch, numbered by packed rows.

    Args:
        batch: index maps of the padded batch.
        mask: bool (B, P), True for a real particle.
        index: long (B, P, k), neighbour slot of each particle, from `jetgnn.graphs.knn.knn`.
        valid: bool (B, P, k), False for neighbour slots that must be ignored.

    Attributes:
        k: neighbour slots per particle.
        neighbour: long (N * k,), packed row of the neighbour in each slot, particle-major; an
            invalid slot points at its own particle.
        slot_valid: bool (N * k,), False for invalid slots.
        slot_weight: float32 (N * k,), 1.0 for valid slots and 0.0 for invalid ones.
        num_valid: number E of valid slots.
        has_invalid: whether any slot is invalid (a jet with at most k particles).
        degree: (N, 1) number of valid slots of each real particle, at least 1, as float32.
    """

    def __init__(self, batch: PackedBatch, mask: Tensor, index: Tensor, valid: Tensor) -> None:
        batch_size, num_slots, k = index.shape
        self.k = k
        offset = torch.arange(batch_size, device=index.device).view(-1, 1, 1) * num_slots
        neighbour_flat = (index + offset).reshape(batch_size * num_slots, k)
        neighbour_flat = neighbour_flat.index_select(0, batch.node_index)  # (N, k)
        slot_valid = valid.reshape(batch_size * num_slots, k).index_select(0, batch.node_index)
        slot_valid = slot_valid & mask.reshape(-1)[neighbour_flat]

        own_row = torch.arange(batch.num_nodes, device=index.device).unsqueeze(1)
        neighbour = torch.where(slot_valid, batch.position[neighbour_flat], own_row)  # (N, k)
        self.neighbour = neighbour.reshape(-1)
        self.slot_valid = slot_valid.reshape(-1)
        self.slot_weight = self.slot_valid.to(torch.float32)
        degree = slot_valid.sum(dim=1, keepdim=True)
        self.num_valid = int(degree.sum())
        self.has_invalid = self.num_valid < self.slot_valid.numel()
        self.degree = degree.clamp(min=1).to(torch.float32)


def fold_batch_norm(weight: Tensor, norm: nn.BatchNorm1d) -> tuple[Tensor, Tensor]:
    """Return weight and bias of the linear map equal to `norm(x @ weight.T)` in eval mode."""
    scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
    return weight * scale.unsqueeze(1), norm.bias - norm.running_mean * scale


class EdgeConvBlock(nn.Module):
    """One EdgeConv block with a shortcut, as in ParticleNet (arXiv:1902.08570).

    Args:
        in_channels: width C of the particle features.
        channels: widths of the edge layers, e.g. (64, 64, 64).
        k: number of kNN neighbours; stored here and used by the caller to build the graph.

    Shapes:
        x: (N, C) real particles; graph: EdgeGraph with k slots per particle; output
        (N, channels[-1]).

    The first edge layer acts on [x_i, x_j - x_i] with weight [W_a, W_b], which equals
    (W_a - W_b) x_i + W_b x_j, so it runs once per particle and the result is gathered per edge.
    In training, BatchNorm statistics cover valid edges and real particles only. In eval mode
    each BatchNorm is folded into the linear layer before it.

    A particle of a jet with n <= k particles averages over its n - 1 real neighbours. The
    weaver-core implementation instead fills the missing slots with padded particles (zero
    features) and divides by k, so the two differ for such jets only.
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

    def node_weight(self) -> Tensor:
        """Return the first edge layer as weights on x_i and x_j stacked: (2 * C1, C)."""
        weight = self.edge_linears[0].weight  # (C1, 2C)
        weight_centre = weight[:, : self.in_channels]
        weight_difference = weight[:, self.in_channels :]
        return torch.cat([weight_centre - weight_difference, weight_difference], dim=0)

    def forward(self, x: Tensor, graph: EdgeGraph) -> Tensor:
        if self.training:
            edges = self.edge_layers_training(x, graph)
        else:
            edges = self.edge_layers_eval(x, graph)
        num_nodes = x.shape[0]

        edges = edges.view(num_nodes, graph.k, self.out_channels)  # (N, k, C_out)
        if graph.has_invalid:
            edges = edges * graph.slot_valid.view(num_nodes, graph.k, 1).to(edges.dtype)
        aggregated = edges.sum(dim=1) / graph.degree.to(x.dtype)  # (N, C_out)

        if self.shortcut is None:
            shortcut = x
        elif self.training:
            shortcut = self.shortcut_norm(self.shortcut(x))
        else:
            weight, bias = fold_batch_norm(self.shortcut.weight, self.shortcut_norm)
            shortcut = torch.addmm(bias, x, weight.t())
        return torch.relu(aggregated + shortcut)

    def gather_first_layer(
        self, x: Tensor, graph: EdgeGraph, weight: Tensor, centre_bias: Tensor | None = None
    ) -> Tensor:
        """Return the first edge layer, (N * k, C1), from node weights (2 * C1, C).

        `centre_bias` (C1,) is added once per edge, with the x_i term.
        """
        first_width = self.edge_linears[0].out_features
        projected = x @ weight.t()  # (N, 2 * C1)
        centre_term, neighbour_term = projected.split(first_width, dim=1)
        if centre_bias is not None:
            centre_term = centre_term + centre_bias
        edges = neighbour_term.index_select(0, graph.neighbour)  # (N * k, C1)
        edges = edges.view(x.shape[0], graph.k, first_width)
        if torch.is_grad_enabled():
            # Out of place: autograd would copy the whole tensor to undo an in-place add on a view.
            edges = edges + centre_term.unsqueeze(1)
        else:
            edges.add_(centre_term.unsqueeze(1))
        return edges.view(-1, first_width)

    def edge_layers_training(self, x: Tensor, graph: EdgeGraph) -> Tensor:
        edges = self.gather_first_layer(x, graph, self.node_weight())
        for position, norm in enumerate(self.edge_norms):
            if position > 0:
                edges = self.edge_linears[position](edges)
            edges = torch.relu_(self.normalize_valid(norm, edges, graph))
        return edges  # (N * k, C_out)

    @staticmethod
    def normalize_valid(norm: PackedBatchNorm, edges: Tensor, graph: EdgeGraph) -> Tensor:
        """Apply BatchNorm to all slots with statistics from the valid slots only."""
        if not graph.has_invalid:
            return norm(edges)
        return norm.forward_masked(edges, graph.slot_weight, graph.num_valid)

    def edge_layers_eval(self, x: Tensor, graph: EdgeGraph) -> Tensor:
        first_norm = self.edge_norms[0]
        scale = first_norm.weight / torch.sqrt(first_norm.running_var + first_norm.eps)
        shift = first_norm.bias - first_norm.running_mean * scale
        # BatchNorm scales the x_i and x_j terms alike, and its shift is added once.
        weight = self.node_weight() * torch.cat([scale, scale]).unsqueeze(1)
        edges = torch.relu_(self.gather_first_layer(x, graph, weight, centre_bias=shift))
        for linear, norm in zip(self.edge_linears[1:], self.edge_norms[1:], strict=True):
            weight, bias = fold_batch_norm(linear.weight, norm)
            edges = torch.relu_(torch.addmm(bias, edges, weight.t()))  # (N * k, C_l)
        return edges
