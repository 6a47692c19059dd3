"""Reading energyflow-format ``.npz`` files (``X`` (N, M, 4) zero-padded particles, ``y`` (N,)).

Files are read with ``allow_pickle=False`` and ``X`` is streamed from the archive in blocks of jets,
so memory use is set by the block size, not by the file size. Every problem raises
InvalidInputError (or MissingInputError) naming the file.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from jetgnn.data.kinematics import jet_kinematics
from jetgnn.data.store import N_FEATURES, JetArrays
from jetgnn.errors import InvalidInputError, MissingInputError

DEFAULT_BLOCK_JETS = 10_000


def padded_to_flat(padded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop the zero padding of (N, M, 4) particles: return float32 (n, 4) particles and counts (N,).

    A slot is padding when its pt is 0; the order of the real particles is kept.
    """
    real = padded[:, :, 0] > 0  # (N, M)
    return padded[real].astype(np.float32), real.sum(axis=1).astype(np.int64)


def iter_npz_blocks(
    path: str | os.PathLike, block_jets: int = DEFAULT_BLOCK_JETS
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (particles float32 (n, 4), counts int64 (k,), labels int8 (k,)) blocks of a file.

    Validates each block before yielding it, so a caller that writes blocks must discard its
    output when an InvalidInputError is raised part way through.
    """
    path = Path(path)
    labels, x_shape = _read_labels_and_shape(path)
    start = 0
    for padded in _iter_x_blocks(path, x_shape, block_jets):
        block_labels = labels[start : start + padded.shape[0]]
        _check_values(path, padded, start)
        particles, counts = padded_to_flat(padded)
        yield particles, counts, block_labels
        start += padded.shape[0]


def _read_labels_and_shape(path: Path) -> tuple[np.ndarray, tuple[int, ...]]:
    if not path.exists():
        raise MissingInputError(f"input file {path} does not exist; check the path")
    if path.stat().st_size == 0:
        raise InvalidInputError(f"{path} is empty (0 bytes); download or write it again")
    if not zipfile.is_zipfile(path):
        # np.load would take any non-archive for a pickle, so the zip check comes first.
        raise InvalidInputError(
            f"{path} is truncated or not an .npz archive; download or write it again"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            missing = sorted({"X", "y"} - names)
            if missing:
                raise InvalidInputError(
                    f"{path} has no array {' or '.join(missing)}; expected X (N, M, 4) particles "
                    f"and y (N,) labels, found {sorted(names)}"
                )
            labels = archive["y"]
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise InvalidInputError(
            f"{path} is truncated or not an .npz archive ({error}); download or write it again"
        ) from error
    except InvalidInputError:
        # InvalidInputError is a ValueError too, and its message already names the problem.
        raise
    except ValueError as error:
        raise InvalidInputError(
            f"{path} cannot be read without pickle ({error}); object arrays are not accepted, "
            f"save X and y as numeric arrays"
        ) from error

    x_shape, x_dtype = _x_header(path)
    if len(x_shape) != 3 or x_shape[2] != N_FEATURES:
        raise InvalidInputError(
            f"{path}: X has shape {x_shape}, expected (N, M, 4) with columns pt, y, phi, pid"
        )
    if not (np.issubdtype(x_dtype, np.floating) or np.issubdtype(x_dtype, np.integer)):
        raise InvalidInputError(f"{path}: X has dtype {x_dtype}, expected a float dtype")
    if labels.ndim != 1:
        raise InvalidInputError(f"{path}: y has shape {labels.shape}, expected (N,)")
    if labels.shape[0] != x_shape[0]:
        raise InvalidInputError(
            f"{path}: X contains {x_shape[0]} jets but y contains {labels.shape[0]} labels; "
            f"they must have the same length"
        )
    if x_shape[0] == 0:
        raise InvalidInputError(f"{path} contains no jets (X has shape {x_shape})")
    if not (np.issubdtype(labels.dtype, np.floating) or np.issubdtype(labels.dtype, np.integer)):
        raise InvalidInputError(f"{path}: y has dtype {labels.dtype}, expected numbers 0 and 1")
    valid = np.isin(labels, (0, 1))
    if not valid.all():
        bad = np.unique(labels[~valid])[:5].tolist()
        raise InvalidInputError(f"{path}: y contains {bad}; labels must be 0 (gluon) or 1 (quark)")
    return labels.astype(np.int8), x_shape


def _x_header(path: Path) -> tuple[tuple[int, ...], np.dtype]:
    with zipfile.ZipFile(path) as archive, archive.open("X.npy") as stream:
        shape, _, dtype = _read_npy_header(stream)
    if dtype.hasobject:
        raise InvalidInputError(f"{path}: X is an object array; save it as a numeric array")
    return shape, dtype


def _read_npy_header(stream) -> tuple[tuple[int, ...], bool, np.dtype]:
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    return np.lib.format.read_array_header_2_0(stream)


def _iter_x_blocks(path: Path, x_shape: tuple[int, ...], block_jets: int) -> Iterator[np.ndarray]:
    try:
        with zipfile.ZipFile(path) as archive, archive.open("X.npy") as stream:
            _, fortran_order, dtype = _read_npy_header(stream)
            if fortran_order:
                # A Fortran-order array cannot be read by rows, so it is read whole.
                yield np.lib.format.read_array(stream, allow_pickle=False).reshape(x_shape)
                return
            row_shape = x_shape[1:]
            row_bytes = int(np.prod(row_shape)) * dtype.itemsize
            for start in range(0, x_shape[0], block_jets):
                n_rows = min(block_jets, x_shape[0] - start)
                buffer = stream.read(n_rows * row_bytes)
                if len(buffer) != n_rows * row_bytes:
                    raise InvalidInputError(
                        f"{path}: X ends after {start + len(buffer) // row_bytes} of "
                        f"{x_shape[0]} jets; the file is truncated, download or write it again"
                    )
                yield np.frombuffer(buffer, dtype=dtype).reshape(n_rows, *row_shape)
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as error:
        raise InvalidInputError(
            f"{path} is corrupt ({error}); download or write it again"
        ) from error


def _check_values(path: Path, padded: np.ndarray, first_jet: int) -> None:
    if not np.isfinite(padded).all():
        jet = first_jet + int(np.argwhere(~np.isfinite(padded))[0, 0])
        raise InvalidInputError(f"{path}: X contains NaN or inf (first in jet {jet})")
    negative = padded[:, :, 0] < 0
    if negative.any():
        jet = first_jet + int(np.argwhere(negative)[0, 0])
        raise InvalidInputError(f"{path}: X contains negative pt (first in jet {jet})")


class NpzJets(JetArrays):
    """An energyflow-format ``.npz`` file read into memory without its padding.

    Offers the JetStore reading interface. The whole file is one evaluation sample: split('all')
    and split('test') return every jet; 'train' and 'val' raise, because such files carry no split.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        particle_blocks, count_blocks, label_blocks = [], [], []
        for particles, counts, labels in iter_npz_blocks(self.path):
            particle_blocks.append(particles)
            count_blocks.append(counts)
            label_blocks.append(labels)
        self._particles = np.concatenate(particle_blocks)
        self.multiplicity = np.concatenate(count_blocks)
        self.labels = np.concatenate(label_blocks)
        self._offsets = np.concatenate([[0], np.cumsum(self.multiplicity)]).astype(np.int64)
        self.jet_metadata = jet_kinematics(self._particles, self._offsets)
        self.provenance = {"source": "energyflow-format npz", "file": str(self.path)}
        self._splits = {"test": np.arange(len(self.labels), dtype=np.int64)}

    def split(self, name: str) -> np.ndarray:
        if name in ("train", "val"):
            raise InvalidInputError(
                f"{self.path} is a plain .npz file without a {name!r} split; convert it with "
                f"'jetgnn data import {self.path} --out STORE' to get seeded splits"
            )
        return super().split(name)
