"""PackedBatchNorm: masked training statistics against nn.BatchNorm1d on the selected rows."""

from __future__ import annotations

import torch

from jetgnn.models.packed import MaskedBatchNormFunction, PackedBatchNorm

ROWS, CHANNELS = 40, 5


def masked_inputs() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    rows = torch.randn(ROWS, CHANNELS, dtype=torch.float64, generator=generator) * 3 + 1
    row_weights = (torch.rand(ROWS, generator=generator) > 0.3).to(torch.float32)
    return rows, row_weights


def paired_norms() -> tuple[PackedBatchNorm, torch.nn.BatchNorm1d]:
    masked = PackedBatchNorm(CHANNELS).double().train()
    reference = torch.nn.BatchNorm1d(CHANNELS).double().train()
    with torch.no_grad():
        for norm in (masked, reference):
            norm.weight.copy_(torch.linspace(0.5, 1.5, CHANNELS))
            norm.bias.copy_(torch.linspace(-1.0, 1.0, CHANNELS))
    return masked, reference


def test_masked_norm_matches_selected_rows() -> None:
    rows, row_weights = masked_inputs()
    selected = row_weights.bool()
    masked, reference = paired_norms()

    output = masked.forward_masked(rows, row_weights, int(selected.sum()))
    expected = reference(rows[selected])

    torch.testing.assert_close(output[selected], expected)
    torch.testing.assert_close(masked.running_mean, reference.running_mean)
    torch.testing.assert_close(masked.running_var, reference.running_var)


def test_masked_norm_gradient_matches() -> None:
    rows, row_weights = masked_inputs()
    selected = row_weights.bool()
    masked, reference = paired_norms()
    upstream = torch.randn(ROWS, CHANNELS, dtype=torch.float64) * selected.unsqueeze(1)

    masked_rows = rows.clone().requires_grad_()
    masked.forward_masked(masked_rows, row_weights, int(selected.sum())).backward(upstream)
    reference_rows = rows.clone().requires_grad_()
    reference(reference_rows[selected]).backward(upstream[selected])

    torch.testing.assert_close(masked_rows.grad, reference_rows.grad)
    torch.testing.assert_close(masked.weight.grad, reference.weight.grad)
    torch.testing.assert_close(masked.bias.grad, reference.bias.grad)


def test_masked_norm_gradcheck() -> None:
    rows, row_weights = masked_inputs()
    weight = torch.linspace(0.5, 1.5, CHANNELS, dtype=torch.float64).requires_grad_()
    bias = torch.linspace(-1.0, 1.0, CHANNELS, dtype=torch.float64).requires_grad_()
    count = int(row_weights.sum())

    def normalized(rows: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return MaskedBatchNormFunction.apply(rows, row_weights, count, weight, bias, 1e-5)[0]

    assert torch.autograd.gradcheck(normalized, (rows.requires_grad_(), weight, bias))


def test_single_row_uses_running_statistics() -> None:
    norm = PackedBatchNorm(CHANNELS).train()
    row = torch.full((1, CHANNELS), 2.0)

    output = norm(row)

    torch.testing.assert_close(output, row / torch.sqrt(torch.tensor(1.0 + norm.eps)))
    assert int(norm.num_batches_tracked) == 0
