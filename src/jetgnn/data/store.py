"""The jet store: a directory of memory-mapped arrays that stores jets without padding.

Layout of a store directory (format version ``STORE_FORMAT_VERSION``):

- ``particles.npy``  float32 (n_particles, 4): pt [GeV], y, phi [rad], pid of every particle, jet after
  jet, each jet sorted by pt in decreasing order.
- ``offsets.npy``    int64 (n_jets + 1,): jet i owns ``particles[offsets[i]:offsets[i + 1]]``.
- ``labels.npy``     int8 (n_jets,): quark = 1, gluon = 0.
- ``jets.npy``       float32 (n_jets, n_columns): per-jet metadata, columns named in ``store.json``
  (at least pt [GeV], y, phi [rad], mass [GeV] of the sum of the jet's particles).
- ``split_train.npy``, ``split_val.npy``, ``split_test.npy``: int64 jet indices, sorted.
- ``provenance.json``: how the jets were made (program versions, settings, seeds, command).
- ``store.json``: format name and version, counts, metadata column names; written last, so a store
  without it is incomplete.

Readers memory-map every array (``np.load(mmap_mode="r")``), so reading a batch touches only the
pages of the requested jets.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from jetgnn.errors import InvalidInputError, MissingInputError

STORE_FORMAT_NAME = "jetgnn-jet-store"
STORE_FORMAT_VERSION = 1
STORE_MANIFEST = "store.json"
PROVENANCE_FILE = "provenance.json"
PARTICLES_FILE = "particles.npy"
OFFSETS_FILE = "offsets.npy"
LABELS_FILE = "labels.npy"
JETS_FILE = "jets.npy"
SPLIT_NAMES = ("train", "val", "test")
REQUIRED_METADATA = ("pt", "y", "phi", "mass")
N_FEATURES = 4


def split_file_name(name: str) -> str:
    """Return the name of the file with the jet indices of split ``name``."""
    return f"split_{name}.npy"


class JetArrays:
    """Jets held as flat particles plus offsets; the reading methods shared by every jet source.

    Subclasses set ``path``, ``labels``, ``multiplicity``, ``jet_metadata``, ``provenance``,
    ``_particles`` (float32 (n_particles, 4)), ``_offsets`` (int64 (N + 1,)) and ``_splits``.
    """

    path: Path
    labels: np.ndarray
    multiplicity: np.ndarray
    jet_metadata: dict[str, np.ndarray]
    provenance: dict
    _particles: np.ndarray
    _offsets: np.ndarray
    _splits: dict[str, np.ndarray]

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def split(self, name: str) -> np.ndarray:
        """Return the int64 jet indices of split ``name``: 'train', 'val', 'test' or 'all'."""
        if name == "all":
            return np.arange(len(self), dtype=np.int64)
        if name not in self._splits:
            known = ", ".join(["all", *sorted(self._splits)])
            raise InvalidInputError(f"unknown split {name!r} in {self.path}; use one of: {known}")
        return np.asarray(self._splits[name], dtype=np.int64)

    def particles(self, index: int) -> np.ndarray:
        """Return the particles of jet ``index`` as float32 (n_i, 4): pt [GeV], y, phi, pid."""
        n_jets = len(self)
        if not -n_jets <= index < n_jets:
            raise IndexError(f"jet index {index} is out of range for {n_jets} jets in {self.path}")
        index = int(index) % n_jets
        start, stop = self._offsets[index], self._offsets[index + 1]
        return np.array(self._particles[start:stop], dtype=np.float32)

    def batch(
        self, indices: Sequence[int] | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gather jets ``indices`` (in that order) into padded arrays.

        Returns ``particles`` float32 (B, P, 4) zero-padded to the longest jet of this batch,
        ``mask`` bool (B, P) True for real particles, and ``labels`` int64 (B,). Only the rows of
        the requested jets are read from the memory-mapped particle array.
        """
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        n_jets = len(self)
        if indices.size and (indices.min() < -n_jets or indices.max() >= n_jets):
            raise IndexError(f"jet indices out of range for {n_jets} jets in {self.path}")
        indices = indices % max(n_jets, 1)

        starts = np.asarray(self._offsets[indices], dtype=np.int64)
        counts = np.asarray(self._offsets[indices + 1], dtype=np.int64) - starts
        n_batch = indices.size
        max_particles = int(counts.max()) if n_batch else 0

        # One row and one slot for every real particle of the batch, then a single gather.
        rows = np.repeat(np.arange(n_batch, dtype=np.int64), counts)
        first_of_row = np.repeat(np.cumsum(counts) - counts, counts)
        slots = np.arange(rows.size, dtype=np.int64) - first_of_row
        sources = np.repeat(starts, counts) + slots

        particles = np.zeros((n_batch, max_particles, N_FEATURES), dtype=np.float32)
        mask = np.zeros((n_batch, max_particles), dtype=bool)
        particles[rows, slots] = self._particles[sources]
        mask[rows, slots] = True
        labels = np.asarray(self.labels[indices], dtype=np.int64)
        return particles, mask, labels


class JetStore(JetArrays):
    """A jet store directory opened read-only with memory-mapped arrays (layout in the module doc)."""

    def __init__(self, path: Path, manifest: dict) -> None:
        self.path = path
        self.manifest = manifest
        self._particles = _load_array(path, PARTICLES_FILE)
        self._offsets = _load_array(path, OFFSETS_FILE)
        self.labels = _load_array(path, LABELS_FILE)
        jets = _load_array(path, JETS_FILE)
        columns = list(manifest["metadata_columns"])
        self.jet_metadata = {name: jets[:, column] for column, name in enumerate(columns)}
        self.multiplicity = np.diff(np.asarray(self._offsets, dtype=np.int64))
        self._splits = {name: _load_array(path, split_file_name(name)) for name in SPLIT_NAMES}
        self.provenance = _load_json(path / PROVENANCE_FILE)
        self._check_consistency(columns, jets)

    @classmethod
    def open(cls, path: str | os.PathLike) -> JetStore:
        """Open the store directory ``path``; raise MissingInputError or InvalidInputError if unusable."""
        path = Path(path)
        if not path.exists():
            raise MissingInputError(
                f"jet store {path} does not exist; create one with 'jetgnn generate --out {path}' "
                f"or 'jetgnn data import FILE.npz --out {path}'"
            )
        if not path.is_dir():
            raise InvalidInputError(
                f"{path} is a file, not a jet store directory; open .npz files with "
                f"jetgnn.data.open_jets or convert them with 'jetgnn data import {path} --out STORE'"
            )
        manifest_path = path / STORE_MANIFEST
        if not manifest_path.is_file():
            raise InvalidInputError(
                f"{path} is not a complete jet store: {STORE_MANIFEST} is missing (an interrupted "
                f"write leaves it out); rerun the command that created it"
            )
        manifest = _load_json(manifest_path)
        if manifest.get("format") != STORE_FORMAT_NAME:
            raise InvalidInputError(
                f"{manifest_path} has format {manifest.get('format')!r}, expected "
                f"{STORE_FORMAT_NAME!r}; this directory is not a jet store"
            )
        version = manifest.get("version")
        if version != STORE_FORMAT_VERSION:
            raise InvalidInputError(
                f"jet store {path} has format version {version!r}, but this jetgnn reads version "
                f"{STORE_FORMAT_VERSION}; recreate the store with this jetgnn"
            )
        return cls(path, manifest)

    def _check_consistency(self, columns: list[str], jets: np.ndarray) -> None:
        n_jets = int(self.manifest["n_jets"])
        problems = []
        if self._particles.ndim != 2 or self._particles.shape[1] != N_FEATURES:
            problems.append(f"{PARTICLES_FILE} has shape {self._particles.shape}, expected (n, 4)")
        if self._offsets.shape != (n_jets + 1,):
            problems.append(
                f"{OFFSETS_FILE} has shape {self._offsets.shape}, expected ({n_jets + 1},)"
            )
        elif int(self._offsets[-1]) != self._particles.shape[0]:
            problems.append(
                f"{OFFSETS_FILE} ends at {int(self._offsets[-1])}, not at the particle count"
            )
        if self.labels.shape != (n_jets,):
            problems.append(f"{LABELS_FILE} has shape {self.labels.shape}, expected ({n_jets},)")
        if jets.shape != (n_jets, len(columns)):
            problems.append(
                f"{JETS_FILE} has shape {jets.shape}, expected ({n_jets}, {len(columns)})"
            )
        missing = [name for name in REQUIRED_METADATA if name not in columns]
        if missing:
            problems.append(f"metadata columns {missing} are missing")
        for name, indices in self._splits.items():
            if indices.size and (indices.min() < 0 or indices.max() >= n_jets):
                problems.append(f"split {name!r} has indices outside 0..{n_jets - 1}")
        if problems:
            raise InvalidInputError(
                f"jet store {self.path} is inconsistent: {'; '.join(problems)}; recreate it"
            )


def _load_array(directory: Path, name: str) -> np.ndarray:
    path = directory / name
    if not path.is_file():
        raise InvalidInputError(f"jet store {directory} is missing {name}; recreate the store")
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise InvalidInputError(f"cannot read {path}: {error}; recreate the store") from error


def _load_json(path: Path) -> dict:
    if not path.is_file():
        raise InvalidInputError(f"{path} is missing; recreate the jet store")
    try:
        with open(path, encoding="utf-8") as handle:
            content = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInputError(
            f"{path} is not valid JSON ({error}); recreate the store"
        ) from error
    if not isinstance(content, dict):
        raise InvalidInputError(f"{path} must contain a JSON object; recreate the store")
    return content
