"""Batches grouped by multiplicity, so each batch is padded only to its own longest jet.

Sorting the whole training set by multiplicity would make every batch uniform but would also make
batches of only long (gluon-like) or only short (quark-like) jets, with the same neighbours every
epoch. Sorting only inside random pools keeps most of the padding gain and leaves each epoch a
uniform random pass over the training jets.
"""

from __future__ import annotations

import numpy as np


class MultiplicityBatchSampler:
    """Yield each epoch's batches of positions into the training set.

    Each epoch shuffles all positions with a generator seeded by ``(seed, epoch)``. Under data
    parallelism, each rank keeps every ``world_size``-th position starting at ``rank``, after the
    last ``len % world_size`` positions are dropped so that every rank gets the same count. The
    positions are then cut into pools of ``pool_batches * batch_size``, each pool is sorted by
    multiplicity and cut into batches, and the order of all batches is shuffled. With ``world_size == 1`` every position appears in
    exactly one batch per epoch. Only the last pool can give a batch smaller than ``batch_size``.

    Args:
        multiplicities: int array (N,), the number of particles of each training jet.
        batch_size: jets per batch.
        seed: seed of the per-epoch shuffles.
        pool_batches: batches per pool that is sorted by multiplicity.
        rank, world_size: this process's part under distributed data parallelism.
    """

    def __init__(
        self,
        multiplicities: np.ndarray,
        batch_size: int,
        seed: int,
        pool_batches: int = 50,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if pool_batches < 1:
            raise ValueError(f"pool_batches must be at least 1, got {pool_batches}")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must lie in [0, {world_size}), got {rank}")
        self.multiplicities = np.asarray(multiplicities, dtype=np.int64)
        self.batch_size = batch_size
        self.seed = seed
        self.pool_batches = pool_batches
        self.rank = rank
        self.world_size = world_size
        if self.jets_per_rank < 1:
            raise ValueError(
                f"{len(self.multiplicities)} training jets cannot be shared by {world_size} ranks"
            )

    @property
    def jets_per_rank(self) -> int:
        """Number of jets that this rank trains on per epoch."""
        return len(self.multiplicities) // self.world_size

    def __len__(self) -> int:
        """Number of batches per epoch on this rank."""
        return -(-self.jets_per_rank // self.batch_size)

    def batches(self, epoch: int) -> list[np.ndarray]:
        """Return the batches of epoch ``epoch`` (0-based) as int64 arrays of positions."""
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(len(self.multiplicities))
        order = order[: self.jets_per_rank * self.world_size][self.rank :: self.world_size]

        pool_size = self.pool_batches * self.batch_size
        batches = []
        for start in range(0, len(order), pool_size):
            pool = order[start : start + pool_size]
            pool = pool[np.argsort(self.multiplicities[pool], kind="stable")]
            batches.extend(
                pool[offset : offset + self.batch_size]
                for offset in range(0, len(pool), self.batch_size)
            )
        batch_order = rng.permutation(len(batches))
        return [batches[i] for i in batch_order]
