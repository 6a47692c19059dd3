"""Seeded train/validation/test splits of a jet collection."""

from __future__ import annotations

import numpy as np

from jetgnn.errors import InvalidInputError

DEFAULT_FRACTIONS = (0.8, 0.1, 0.1)
DEFAULT_SPLIT_SEED = 0


def make_splits(
    n_jets: int,
    seed: int = DEFAULT_SPLIT_SEED,
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
    test_last: int | None = None,
) -> dict[str, np.ndarray]:
    """Split jet indices 0..n_jets-1 into sorted int64 arrays 'train', 'val' and 'test'.

    By default a seeded permutation is cut by ``fractions`` (train, val, test). With ``test_last``,
    the last ``test_last`` jets form the test set, as in the public quark/gluon dataset whose last
    200k jets are its test set. The other jets are then split seeded into train and val in the
    ratio of the first two fractions.
    """
    if len(fractions) != 3 or any(f < 0 for f in fractions) or not np.isclose(sum(fractions), 1.0):
        raise InvalidInputError(
            f"split fractions {fractions} must be three non-negative numbers that sum to 1"
        )
    rng = np.random.default_rng(seed)

    if test_last is not None:
        if not 0 <= test_last <= n_jets:
            raise InvalidInputError(f"test_last={test_last} must lie between 0 and {n_jets} jets")
        n_rest = n_jets - test_last
        order = rng.permutation(n_rest)
        train_share = fractions[0] / max(fractions[0] + fractions[1], 1e-12)
        n_train = int(round(n_rest * train_share))
        parts = {
            "train": order[:n_train],
            "val": order[n_train:],
            "test": np.arange(n_rest, n_jets),
        }
    else:
        order = rng.permutation(n_jets)
        n_train = int(round(n_jets * fractions[0]))
        n_val = int(round(n_jets * fractions[1]))
        parts = {
            "train": order[:n_train],
            "val": order[n_train : n_train + n_val],
            "test": order[n_train + n_val :],
        }
    return {name: np.sort(indices).astype(np.int64) for name, indices in parts.items()}
