"""Per-epoch batches, grouping by multiplicity, and the in-memory copy of a split."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jetgnn.data import open_jets
from jetgnn.training.jet_arrays import InMemoryJets, StoreJets, load_jets
from jetgnn.training.sampler import EpochBatchSampler, MultiplicityBatchSampler


@pytest.fixture
def multiplicities() -> np.ndarray:
    return np.random.default_rng(7).integers(5, 120, size=1000)


def padded_slots(batches: list[np.ndarray], multiplicities: np.ndarray) -> int:
    return sum(len(batch) * multiplicities[batch].max() for batch in batches)


@pytest.mark.parametrize("grouped", [False, True])
def test_every_jet_once_per_epoch(multiplicities, grouped):
    sampler = EpochBatchSampler(
        multiplicities, batch_size=32, seed=0, group_by_multiplicity=grouped, pool_batches=5
    )
    for epoch in range(3):
        positions = np.concatenate(sampler.batches(epoch))
        assert np.array_equal(np.sort(positions), np.arange(1000))


@pytest.mark.parametrize("grouped", [False, True])
def test_batch_count_matches_len(multiplicities, grouped):
    sampler = EpochBatchSampler(
        multiplicities, batch_size=32, seed=0, group_by_multiplicity=grouped, pool_batches=5
    )
    batches = sampler.batches(0)
    assert len(batches) == len(sampler)
    assert max(len(batch) for batch in batches) == 32


def test_grouping_reduces_padding(multiplicities):
    grouped = EpochBatchSampler(multiplicities, 32, seed=0, group_by_multiplicity=True)
    random = EpochBatchSampler(multiplicities, 32, seed=0)
    grouped_slots = padded_slots(grouped.batches(0), multiplicities)
    random_slots = padded_slots(random.batches(0), multiplicities)
    assert grouped_slots < 0.8 * random_slots


def test_random_batches_mix_multiplicities(multiplicities):
    batches = EpochBatchSampler(multiplicities, 32, seed=0).batches(0)
    spreads = [multiplicities[batch].max() - multiplicities[batch].min() for batch in batches]
    assert np.median(spreads) > 50


def test_multiplicity_sampler_groups(multiplicities):
    sampler = MultiplicityBatchSampler(multiplicities, 32, seed=0)
    assert sampler.group_by_multiplicity


def test_epochs_differ(multiplicities):
    sampler = EpochBatchSampler(multiplicities, batch_size=32, seed=0)
    assert not np.array_equal(sampler.batches(0)[0], sampler.batches(1)[0])


@pytest.mark.parametrize("grouped", [False, True])
def test_same_seed_same_batches(multiplicities, grouped):
    first = EpochBatchSampler(multiplicities, 32, seed=3, group_by_multiplicity=grouped)
    second = EpochBatchSampler(multiplicities, 32, seed=3, group_by_multiplicity=grouped)
    pairs = zip(first.batches(2), second.batches(2), strict=True)
    assert all(np.array_equal(a, b) for a, b in pairs)


@pytest.mark.parametrize("grouped", [False, True])
def test_ranks_get_disjoint_equal_parts(multiplicities, grouped):
    parts = [
        np.concatenate(
            EpochBatchSampler(
                multiplicities[:999],
                batch_size=32,
                seed=0,
                group_by_multiplicity=grouped,
                rank=rank,
                world_size=2,
            ).batches(0)
        )
        for rank in range(2)
    ]
    assert len(parts[0]) == len(parts[1]) == 499
    assert len(np.intersect1d(parts[0], parts[1])) == 0


def test_ranks_get_equal_batch_counts(multiplicities):
    counts = [
        len(EpochBatchSampler(multiplicities[:999], 32, seed=0, rank=rank, world_size=2))
        for rank in range(2)
    ]
    assert counts[0] == counts[1]


def test_in_memory_batch_matches_store(small_store):
    store = open_jets(small_store)
    indices = store.split("train")
    jets = load_jets(store, indices)
    assert isinstance(jets, InMemoryJets)
    positions = np.array([5, 0, 17, 3])
    particles, mask, labels = jets.batch(positions)
    expected_particles, expected_mask, expected_labels = store.batch(indices[positions])
    assert torch.equal(particles, torch.from_numpy(expected_particles))
    assert torch.equal(mask, torch.from_numpy(expected_mask))
    assert torch.equal(labels, torch.from_numpy(expected_labels))


def test_store_reader_matches_in_memory(small_store):
    store = open_jets(small_store)
    indices = store.split("val")
    in_memory = load_jets(store, indices)
    from_store = StoreJets(store, indices)
    positions = np.array([2, 1, 0])
    for left, right in zip(in_memory.batch(positions), from_store.batch(positions), strict=True):
        assert torch.equal(left, right)


def test_batch_padded_to_longest_jet(small_store):
    store = open_jets(small_store)
    jets = load_jets(store, store.split("train"))
    positions = np.array([1, 2, 3])
    particles, mask, _ = jets.batch(positions)
    assert particles.shape[1] == jets.multiplicities[positions].max()
    assert mask.sum().item() == jets.multiplicities[positions].sum()
