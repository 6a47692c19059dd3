"""Learning-rate schedule and the Lookahead optimiser."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch

from jetgnn.training.lookahead import Lookahead
from jetgnn.training.schedule import WarmupFlatDecaySchedule


def test_warmup_ends_at_full_rate():
    schedule = WarmupFlatDecaySchedule(total_steps=100, warmup_fraction=0.1, decay_fraction=0.3)
    assert schedule.warmup_steps == 10
    assert schedule.factor(9) == 1.0
    assert schedule.factor(8) < 1.0


def test_warmup_rises_monotonically():
    schedule = WarmupFlatDecaySchedule(total_steps=100, warmup_fraction=0.2, decay_fraction=0.0)
    factors = [schedule.factor(step) for step in range(20)]
    assert all(np.diff(factors) > 0)
    assert factors[0] > 0.0


def test_zero_warmup_gives_finite_rates():
    schedule = WarmupFlatDecaySchedule(total_steps=50, warmup_fraction=0.0, decay_fraction=0.3)
    factors = [schedule.factor(step) for step in range(50)]
    assert all(math.isfinite(factor) for factor in factors)
    assert factors[0] == 1.0


def test_flat_phase_until_decay_start():
    schedule = WarmupFlatDecaySchedule(total_steps=100, warmup_fraction=0.1, decay_fraction=0.3)
    assert schedule.decay_start == 70
    assert all(schedule.factor(step) == 1.0 for step in range(9, 70))
    assert schedule.factor(70) < 1.0


def test_decay_reaches_final_factor():
    schedule = WarmupFlatDecaySchedule(total_steps=100, final_factor=0.01)
    assert schedule.factor(99) == pytest.approx(0.01)
    decay = [schedule.factor(step) for step in range(70, 100)]
    assert all(np.diff(decay) < 0)


def test_zero_decay_stays_flat():
    schedule = WarmupFlatDecaySchedule(total_steps=20, warmup_fraction=0.0, decay_fraction=0.0)
    assert [schedule.factor(step) for step in range(20)] == [1.0] * 20


def test_whole_run_decay_is_reachable():
    schedule = WarmupFlatDecaySchedule(total_steps=10, warmup_fraction=0.0, decay_fraction=1.0)
    assert schedule.factor(0) < 1.0
    assert schedule.factor(9) == pytest.approx(0.01)


def test_single_step_run():
    schedule = WarmupFlatDecaySchedule(total_steps=1, warmup_fraction=0.1, decay_fraction=0.3)
    assert math.isfinite(schedule.factor(0))


def test_schedule_depends_only_on_step():
    # A resumed run rebuilds the schedule and continues at its saved step.
    uninterrupted = WarmupFlatDecaySchedule(total_steps=60)
    first = [uninterrupted.factor(step) for step in range(25)]
    resumed = WarmupFlatDecaySchedule(total_steps=60)
    second = [resumed.factor(step) for step in range(25, 60)]
    assert first + second == [uninterrupted.factor(step) for step in range(60)]


def test_fractions_over_one_rejected():
    with pytest.raises(ValueError):
        WarmupFlatDecaySchedule(total_steps=10, warmup_fraction=0.6, decay_fraction=0.6)


def _linear_model(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Linear(3, 2)


def _take_steps(model: torch.nn.Module, optimizer, steps: int, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        inputs = torch.randn(8, 3, generator=generator)
        loss = model(inputs).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def test_lookahead_syncs_every_k_steps():
    model = _linear_model(0)
    optimizer = Lookahead(torch.optim.SGD(model.parameters(), lr=0.1), k=3, alpha=0.5)
    _take_steps(model, optimizer, steps=3, seed=1)
    assert torch.equal(model.weight, optimizer.slow_weights[0][0])


def test_lookahead_moves_half_way_back():
    model = _linear_model(0)
    start = model.weight.detach().clone()
    fast_only = _linear_model(0)
    _take_steps(fast_only, torch.optim.SGD(fast_only.parameters(), lr=0.1), steps=2, seed=1)
    optimizer = Lookahead(torch.optim.SGD(model.parameters(), lr=0.1), k=2, alpha=0.5)
    _take_steps(model, optimizer, steps=2, seed=1)
    expected = start + 0.5 * (fast_only.weight.detach() - start)
    assert torch.allclose(model.weight, expected)


def test_lookahead_state_round_trip():
    model = _linear_model(0)
    optimizer = Lookahead(torch.optim.RAdam(model.parameters(), lr=0.01), k=6, alpha=0.5)
    _take_steps(model, optimizer, steps=4, seed=1)

    copy = _linear_model(0)
    copy.load_state_dict(model.state_dict())
    copy_optimizer = Lookahead(torch.optim.RAdam(copy.parameters(), lr=0.01), k=6, alpha=0.5)
    buffer = io.BytesIO()
    torch.save(optimizer.state_dict(), buffer)
    buffer.seek(0)
    copy_optimizer.load_state_dict(torch.load(buffer))

    _take_steps(model, optimizer, steps=5, seed=2)
    _take_steps(copy, copy_optimizer, steps=5, seed=2)
    assert copy_optimizer.step_count == 9
    assert torch.equal(model.weight, copy.weight)
