"""Packed layout for padded jet batches: the real particles of a batch as one (N, C) tensor.

Networks that normalise per particle or per edge work on the packed rows, so padded particles
never enter BatchNorm statistics and cost no arithmetic in the network layers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class MaskedBatchNormFunction(torch.autograd.Function):
    """Training-mode BatchNorm of (M, C) rows with statistics from the rows of weight 1 only.

    Every row is normalised, but only rows with weight 1 (the others have weight 0) enter the
    mean and variance, which saves gathering them into a separate tensor and scattering back.
    """

    @staticmethod
    def forward(ctx, rows, row_weights, count, weight, bias, eps):
        # Statistics in at least float32, also under bfloat16 autocast.
        dtype = torch.promote_types(rows.dtype, torch.float32)
        statistics_rows = rows.to(dtype)
        row_weights = row_weights.to(dtype)
        mean = (row_weights @ statistics_rows) / count  # (C,)
        centred = statistics_rows - mean  # (M, C)
        variance = (row_weights @ (centred * centred)) / count
        inverse_std = torch.rsqrt(variance + eps)
        normalized = centred.mul_(inverse_std)  # (M, C)
        output = torch.addcmul(bias.to(dtype), normalized, weight.to(dtype)).to(rows.dtype)
        ctx.save_for_backward(normalized, row_weights, weight, inverse_std)
        ctx.count = count
        return output, mean, variance

    @staticmethod
    def backward(ctx, grad_output, _grad_mean, _grad_variance):
        normalized, row_weights, weight, inverse_std = ctx.saved_tensors
        grad = grad_output.to(normalized.dtype)
        grad_bias = grad.sum(dim=0)
        grad_weight = (grad * normalized).sum(dim=0)
        # The mean and variance, and so their gradient terms, involve only rows of weight 1.
        correction = torch.addcmul(grad_bias / ctx.count, normalized, grad_weight / ctx.count)
        correction.mul_(row_weights.unsqueeze(1))
        scale = weight.to(normalized.dtype) * inverse_std
        grad_rows = correction.neg_().add_(grad).mul_(scale)
        return (
            grad_rows.to(grad_output.dtype),
            None,
            None,
            grad_weight.to(weight.dtype),
            grad_bias.to(weight.dtype),
            None,
        )


class PackedBatchNorm(nn.BatchNorm1d):
    """BatchNorm1d over the rows of an (N, C) tensor of real particles or edges.

    In training mode a call with fewer than two rows (a batch holding one single-particle jet)
    has no batch variance, so it normalises with the running statistics and leaves them unchanged
    instead of raising as nn.BatchNorm1d does.
    """

    def forward(self, rows: Tensor) -> Tensor:
        if self.training and rows.shape[0] < 2:
            return self.normalize_with_running_statistics(rows)
        return super().forward(rows)

    def forward_masked(self, rows: Tensor, row_weights: Tensor, count: int) -> Tensor:
        """Normalise (M, C) rows, taking training statistics from rows of weight 1 only.

        Args:
            rows: (M, C) values.
            row_weights: float32 (M,), 1 for rows that enter the statistics, 0 for the others.
            count: number of rows of weight 1.
        """
        if not self.training or count < 2:
            return self.normalize_with_running_statistics(rows)
        output, mean, variance = MaskedBatchNormFunction.apply(
            rows, row_weights, count, self.weight, self.bias, self.eps
        )
        with torch.no_grad():
            self.num_batches_tracked.add_(1)
            momentum = self.momentum
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked)
            unbiased = variance * (count / (count - 1))
            self.running_mean.lerp_(mean.to(self.running_mean.dtype), momentum)
            self.running_var.lerp_(unbiased.to(self.running_var.dtype), momentum)
        return output

    def normalize_with_running_statistics(self, rows: Tensor) -> Tensor:
        return F.batch_norm(
            rows,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            training=False,
            eps=self.eps,
        )


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
