"""A split of a jet store held in memory as one flat particle array, padded per batch on demand."""

from __future__ import annotations

import logging
import os

import numpy as np
import torch

from jetgnn.errors import InvalidInputError

logger = logging.getLogger(__name__)

# Jets copied from the store per read while loading a split into memory.
LOAD_CHUNK_JETS = 4096


class InMemoryJets:
    """Jets of one split stored without padding: particles (n_particles, 4), offsets (N + 1,).

    ``batch(positions)`` pads the chosen jets to the longest of them, as ``JetStore.batch`` does,
    but with a few vectorised numpy operations on memory instead of reads from the store.
    """

    def __init__(self, particles: np.ndarray, offsets: np.ndarray, labels: np.ndarray) -> None:
        self.particles = particles
        self.offsets = offsets
        self.labels = labels.astype(np.int64)
        self.multiplicities = np.diff(offsets)

    def __len__(self) -> int:
        return len(self.labels)

    def batch(self, positions: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return particles (B, P, 4) float32, mask (B, P) bool and labels (B,) int64.

        P is the largest multiplicity among the chosen jets.
        """
        counts = self.multiplicities[positions]
        longest = int(counts.max()) if len(counts) else 0
        rows = np.repeat(np.arange(len(positions)), counts)
        # Slot of each particle inside its jet: running index minus the jet's first running index.
        first = np.cumsum(counts) - counts
        slots = np.arange(int(counts.sum())) - np.repeat(first, counts)
        sources = np.repeat(self.offsets[positions], counts) + slots

        padded = np.zeros((len(positions), longest, 4), dtype=np.float32)
        padded[rows, slots] = self.particles[sources]
        mask = np.arange(longest) < counts[:, None]
        return (
            torch.from_numpy(padded),
            torch.from_numpy(mask),
            torch.from_numpy(self.labels[positions]),
        )


class StoreJets:
    """Jets of one split read batch by batch from the (memory-mapped) store; same interface."""

    def __init__(self, store, indices: np.ndarray) -> None:
        self.store = store
        self.indices = np.asarray(indices, dtype=np.int64)
        self.labels = np.asarray(store.labels)[self.indices].astype(np.int64)
        self.multiplicities = np.asarray(store.multiplicity)[self.indices]

    def __len__(self) -> int:
        return len(self.indices)

    def batch(self, positions: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return particles (B, P, 4) float32, mask (B, P) bool and labels (B,) int64."""
        particles, mask, labels = self.store.batch(self.indices[positions])
        return (
            torch.as_tensor(np.ascontiguousarray(particles, dtype=np.float32)),
            torch.as_tensor(np.ascontiguousarray(mask, dtype=bool)),
            torch.as_tensor(np.asarray(labels, dtype=np.int64)),
        )


def load_jets(
    store, indices: np.ndarray, memory_fraction: float = 0.25
) -> InMemoryJets | StoreJets:
    """Load the jets ``indices`` of ``store`` into memory if they fit, else read them per batch.

    They fit if their unpadded particles take at most ``memory_fraction`` of the memory that
    is available now (as reported by the operating system).
    """
    indices = np.asarray(indices, dtype=np.int64)
    multiplicities = np.asarray(store.multiplicity)[indices]
    needed = int(multiplicities.sum()) * 4 * np.dtype(np.float32).itemsize
    available = _available_memory_bytes()
    if available is not None and needed > memory_fraction * available:
        logger.info(
            "reading %d jets per batch from the store: %.1f GB do not fit in memory",
            len(indices),
            needed / 1e9,
        )
        return StoreJets(store, indices)

    offsets = np.zeros(len(indices) + 1, dtype=np.int64)
    np.cumsum(multiplicities, out=offsets[1:])
    particles = np.empty((int(offsets[-1]), 4), dtype=np.float32)
    labels = np.empty(len(indices), dtype=np.int64)
    for start in range(0, len(indices), LOAD_CHUNK_JETS):
        chunk = indices[start : start + LOAD_CHUNK_JETS]
        padded, mask, chunk_labels = store.batch(chunk)
        flat = np.asarray(padded, dtype=np.float32)[np.asarray(mask, dtype=bool)]
        if len(flat) != offsets[start + len(chunk)] - offsets[start]:
            raise InvalidInputError(
                f"the store's multiplicities do not match its particle masks for jets "
                f"{chunk[0]} to {chunk[-1]}; the store is damaged, so import or generate it again"
            )
        particles[offsets[start] : offsets[start + len(chunk)]] = flat
        labels[start : start + len(chunk)] = chunk_labels
    return InMemoryJets(particles, offsets, labels)


def _available_memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
