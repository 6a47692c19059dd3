"""Writing a jet store: streamed appends into a scratch directory, then an atomic move into place.

The arrays grow on disk as jets are appended, so converting a large dataset needs memory for one
input chunk only. Each ``.npy`` file starts with a fixed-size header that is rewritten with the
final shape when the store is finished.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import numpy as np

from jetgnn.data.kinematics import jet_kinematics
from jetgnn.data.splits import DEFAULT_FRACTIONS, DEFAULT_SPLIT_SEED, make_splits
from jetgnn.data.store import (
    JETS_FILE,
    LABELS_FILE,
    N_FEATURES,
    OFFSETS_FILE,
    PARTICLES_FILE,
    PROVENANCE_FILE,
    REQUIRED_METADATA,
    SPLIT_NAMES,
    STORE_FORMAT_NAME,
    STORE_FORMAT_VERSION,
    STORE_MANIFEST,
    split_file_name,
)
from jetgnn.errors import InvalidInputError

logger = logging.getLogger(__name__)

NPY_HEADER_BYTES = 128  # version 1.0 header, room for any shape up to 2**63 rows


def npy_header(dtype: np.dtype, shape: tuple[int, ...]) -> bytes:
    """Build a version 1.0 ``.npy`` header of exactly NPY_HEADER_BYTES bytes for a C-order array."""
    descr = np.lib.format.dtype_to_descr(np.dtype(dtype))
    text = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {tuple(shape)!r}, }}"
    preamble_bytes = 10  # magic (6), version (2), header length (2)
    text = text.ljust(NPY_HEADER_BYTES - preamble_bytes - 1) + "\n"
    if len(text) + preamble_bytes != NPY_HEADER_BYTES:
        raise ValueError(f"shape {shape} does not fit a {NPY_HEADER_BYTES}-byte .npy header")
    length = len(text).to_bytes(2, "little")
    return b"\x93NUMPY\x01\x00" + length + text.encode("latin1")


class NpyAppender:
    """A ``.npy`` file that grows by rows; the header gets the final row count in ``close``."""

    def __init__(self, path: Path, dtype: np.dtype, row_shape: tuple[int, ...] = ()) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self.row_shape = tuple(row_shape)
        self.n_rows = 0
        self._file = open(path, "wb")
        self._file.write(npy_header(self.dtype, (0, *self.row_shape)))

    def append(self, rows: np.ndarray) -> None:
        rows = np.ascontiguousarray(rows, dtype=self.dtype)
        if rows.shape[1:] != self.row_shape:
            raise ValueError(f"rows of shape {rows.shape[1:]} appended to {self.path.name}")
        self._file.write(rows.tobytes())
        self.n_rows += rows.shape[0]

    def close(self) -> None:
        self._file.seek(0)
        self._file.write(npy_header(self.dtype, (self.n_rows, *self.row_shape)))
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()


class StoreWriter:
    """Write a jet store into directory ``path`` from appended jets.

    Use as a context manager: ``append`` jets, then ``finish(provenance)``. Files go to a scratch
    directory inside ``path`` and are moved into place by ``finish``, with ``store.json`` last, so
    readers see either the previous complete store, no store, or the new complete store. Other files
    in ``path`` are left alone. Leaving the block with an exception removes the scratch directory.
    """

    def __init__(self, path: str | os.PathLike, overwrite: bool = False) -> None:
        self.path = Path(path)
        if (self.path / STORE_MANIFEST).exists() and not overwrite:
            raise InvalidInputError(
                f"{self.path} already contains a jet store; choose another output directory or "
                f"remove the old store first"
            )
        self.path.mkdir(parents=True, exist_ok=True)
        self._scratch = Path(tempfile.mkdtemp(prefix=".writing-", dir=self.path))
        self._particles = NpyAppender(self._scratch / PARTICLES_FILE, np.float32, (N_FEATURES,))
        self._offsets = NpyAppender(self._scratch / OFFSETS_FILE, np.int64)
        self._labels = NpyAppender(self._scratch / LABELS_FILE, np.int8)
        self._jets = NpyAppender(self._scratch / JETS_FILE, np.float32, (len(REQUIRED_METADATA),))
        self._offsets.append(np.zeros(1, dtype=np.int64))
        self._n_particles = 0
        self._open = True

    @property
    def n_jets(self) -> int:
        return self._labels.n_rows

    def append(self, particles: np.ndarray, counts: np.ndarray, labels: np.ndarray) -> None:
        """Append jets given as flat particles float32 (sum(counts), 4), counts (k,) and labels (k,).

        Particle columns are pt [GeV], y, phi, pid, each jet sorted by pt in decreasing order.
        """
        particles = np.asarray(particles, dtype=np.float32)
        counts = np.asarray(counts, dtype=np.int64).reshape(-1)
        labels = np.asarray(labels).reshape(-1)
        check_flat_jets(particles, counts, labels, source=str(self.path))

        local_offsets = np.concatenate([[0], np.cumsum(counts)])
        kinematics = jet_kinematics(particles, local_offsets)
        self._particles.append(particles)
        self._offsets.append(self._n_particles + local_offsets[1:])
        self._labels.append(labels.astype(np.int8))
        self._jets.append(np.stack([kinematics[name] for name in REQUIRED_METADATA], axis=1))
        self._n_particles += particles.shape[0]

    def append_jets(self, jets: Sequence[np.ndarray], labels: np.ndarray) -> None:
        """Append jets given as a sequence of (n_i, 4) particle arrays and labels (k,)."""
        counts = np.array([len(jet) for jet in jets], dtype=np.int64)
        flat = np.concatenate(jets) if len(jets) else np.zeros((0, N_FEATURES), np.float32)
        self.append(flat, counts, labels)

    def finish(
        self,
        provenance: dict,
        split_seed: int = DEFAULT_SPLIT_SEED,
        fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
        test_last: int | None = None,
    ) -> Path:
        """Write the splits, provenance and manifest, move the store into place and return its path."""
        for appender in (self._particles, self._offsets, self._labels, self._jets):
            appender.close()
        self._open = False

        splits = make_splits(self.n_jets, seed=split_seed, fractions=fractions, test_last=test_last)
        for name in SPLIT_NAMES:
            np.save(self._scratch / split_file_name(name), splits[name])
        _write_json(self._scratch / PROVENANCE_FILE, provenance)
        manifest = {
            "format": STORE_FORMAT_NAME,
            "version": STORE_FORMAT_VERSION,
            "n_jets": self.n_jets,
            "n_particles": self._n_particles,
            "metadata_columns": list(REQUIRED_METADATA),
            "splits": {
                "seed": split_seed,
                "fractions": list(fractions),
                "test_last": test_last,
                "sizes": {name: int(splits[name].size) for name in SPLIT_NAMES},
            },
        }

        # The old manifest goes first and the new one comes last, so a crash in between leaves
        # a directory that JetStore.open reports as incomplete rather than a mix of two stores.
        (self.path / STORE_MANIFEST).unlink(missing_ok=True)
        for item in sorted(self._scratch.iterdir()):
            os.replace(item, self.path / item.name)
        _write_json(self.path / STORE_MANIFEST, manifest)
        shutil.rmtree(self._scratch, ignore_errors=True)
        logger.info("wrote jet store %s: %d jets", self.path, self.n_jets)
        return self.path

    def abort(self) -> None:
        """Drop everything appended so far and remove the scratch directory."""
        if self._open:
            for appender in (self._particles, self._offsets, self._labels, self._jets):
                appender._file.close()
            self._open = False
        shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None or self._open:
            self.abort()


def write_store(
    path: str | os.PathLike,
    jets: Sequence[np.ndarray],
    labels: np.ndarray,
    provenance: dict,
    split_seed: int = DEFAULT_SPLIT_SEED,
    overwrite: bool = False,
) -> Path:
    """Write jets (a sequence of (n_i, 4) float32 arrays: pt, y, phi, pid) and labels as a store."""
    with StoreWriter(path, overwrite=overwrite) as writer:
        writer.append_jets(jets, labels)
        return writer.finish(provenance, split_seed=split_seed)


def check_flat_jets(
    particles: np.ndarray, counts: np.ndarray, labels: np.ndarray, source: str
) -> None:
    """Raise InvalidInputError unless flat particles, counts and labels describe valid jets."""
    if particles.ndim != 2 or particles.shape[1] != N_FEATURES:
        raise InvalidInputError(
            f"{source}: particles have shape {particles.shape}, expected (n, 4)"
        )
    if counts.shape != labels.shape:
        raise InvalidInputError(
            f"{source}: {counts.size} jets but {labels.size} labels; give one label per jet"
        )
    if counts.size and counts.min() < 0:
        raise InvalidInputError(f"{source}: negative particle count in a jet")
    if int(counts.sum()) != particles.shape[0]:
        raise InvalidInputError(
            f"{source}: jet particle counts add up to {int(counts.sum())}, "
            f"but {particles.shape[0]} particles were given"
        )
    if not np.isfinite(particles).all():
        raise InvalidInputError(f"{source}: particles contain NaN or inf values")
    if particles.shape[0] and particles[:, 0].min() < 0:
        raise InvalidInputError(f"{source}: particles have negative pt")
    if labels.size and not np.isin(labels, (0, 1)).all():
        bad = np.unique(labels[~np.isin(labels, (0, 1))])[:5]
        raise InvalidInputError(f"{source}: labels {bad.tolist()} found; labels must be 0 or 1")


def _write_json(path: Path, content: dict) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(content, stream, indent=2, sort_keys=True)
        stream.write("\n")
    os.chmod(temporary, 0o644)  # mkstemp creates the file readable by its owner only
    os.replace(temporary, path)
