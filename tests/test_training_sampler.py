"""Batching by multiplicity and the in-memory copy of a split."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jetgnn.data import open_jets
from jetgnn.training.jet_arrays import InMemoryJets, StoreJets, load_jets
from jetgnn.training.sampler import MultiplicityBatchSampler


@pytest.fixture
def multiplicities() -> np.ndarray:
    return np.random.default_rng(7).integers(5, 120, size=1000)


def test_every_jet_once_per_epoch(multiplicities):
    sampler = MultiplicityBatchSampler(multiplicities, batch_size=32, seed=0, pool_batches=5)
    for epoch in range(3):
        positions = np.concatenate(sampler.batches(epoch))
        assert np.array_equal(np.sort(positions), np.arange(1000))


def test_batch_count_matches_len(multiplicities):
    sampler = MultiplicityBatchSampler(multiplicities, batch_size=32, seed=0, pool_batches=5)
    batches = sampler.batches(0)
    assert len(batches) == len(sampler)
    assert max(len(batch) for batch in batches) == 32


def test_padding_is_reduced(multiplicities):
    sampler = MultiplicityBatchSampler(multiplicities, batch_size=32, seed=0, pool_batches=10)
    batches = sampler.batches(0)
    padded_slots = sum(len(batch) * multiplicities[batch].max() for batch in batches)
    rng = np.random.default_rng(0)
    random_batches = np.array_split(rng.permutation(1000), len(batches))
    random_slots = sum(len(batch) * multiplicities[batch].max() for batch in random_batches)
    assert padded_slots < 0.8 * random_slots


def test_epochs_differ(multiplicities):
    sampler = MultiplicityBatchSampler(multiplicities, batch_size=32, seed=0)
    assert not np.array_equal(sampler.batches(0)[0], sampler.batches(1)[0])


def test_same_seed_same_batches(multiplicities):
    first = MultiplicityBatchSampler(multiplicities, batch_size=32, seed=3).batches(2)
    second = MultiplicityBatchSampler(multiplicities, batch_size=32, seed=3).batches(2)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_ranks_get_disjoint_equal_parts(multiplicities):
    parts = [
        np.concatenate(
            MultiplicityBatchSampler(
                multiplicities[:999], batch_size=32, seed=0, rank=rank, world_size=2
            ).batches(0)
        )
        for rank in range(2)
    ]
    assert len(parts[0]) == len(parts[1]) == 499
    assert len(np.intersect1d(parts[0], parts[1])) == 0


def test_ranks_get_equal_batch_counts(multiplicities):
    counts = [
        len(MultiplicityBatchSampler(multiplicities[:999], 32, seed=0, rank=r, world_size=2))
        for r in range(2)
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
