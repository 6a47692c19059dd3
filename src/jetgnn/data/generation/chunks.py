"""Chunks of generation work: the plan, per-chunk seeds, and atomic chunk files.

A run of N jets is cut into chunks of at most ``chunk_jets`` jets of one kind (quark or gluon).
Each chunk's Pythia seed derives from the run seed, the kind and the chunk index only, so the same
command yields the same jets whatever the number of workers or shards.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from jetgnn.data.generation.settings import GLUON, JET_KINDS, MAX_PYTHIA_SEED, QUARK
from jetgnn.errors import InvalidInputError

logger = logging.getLogger(__name__)

CHUNK_DIRECTORY = ".chunks"


@dataclass(frozen=True)
class ChunkSpec:
    """One unit of work: ``n_jets`` selected jets of ``kind`` generated with ``pythia_seed``."""

    kind: str
    index: int
    n_jets: int
    pythia_seed: int

    @property
    def file_name(self) -> str:
        return f"{self.kind}-{self.index:05d}.npz"


def chunk_seed(run_seed: int, kind: str, index: int) -> int:
    """Derive the Pythia seed (1..900,000,000) of chunk ``index`` of ``kind`` from the run seed."""
    sequence = np.random.SeedSequence(entropy=run_seed, spawn_key=(JET_KINDS.index(kind), index))
    return int(sequence.generate_state(1, dtype=np.uint64)[0] % MAX_PYTHIA_SEED) + 1


def plan_chunks(n_jets: int, run_seed: int, chunk_jets: int) -> list[ChunkSpec]:
    """Cut ``n_jets`` (half quark, rounded up, and half gluon) into chunks, quark and gluon alternating."""
    if n_jets < 2:
        raise InvalidInputError(f"--jets {n_jets} is too small; ask for at least 2 jets")
    if chunk_jets < 1:
        raise InvalidInputError(f"chunk size {chunk_jets} must be at least 1 jet")
    if run_seed < 0:
        raise InvalidInputError(f"--seed {run_seed} must be a non-negative integer")
    per_kind = {QUARK: n_jets - n_jets // 2, GLUON: n_jets // 2}
    specs_by_kind = {}
    for kind, count in per_kind.items():
        sizes = [chunk_jets] * (count // chunk_jets) + (
            [count % chunk_jets] if count % chunk_jets else []
        )
        specs_by_kind[kind] = [
            ChunkSpec(kind, index, size, chunk_seed(run_seed, kind, index))
            for index, size in enumerate(sizes)
        ]
    plan = []
    for position in range(max(len(specs) for specs in specs_by_kind.values())):
        for kind in JET_KINDS:
            if position < len(specs_by_kind[kind]):
                plan.append(specs_by_kind[kind][position])
    return plan


def chunk_identity(spec: ChunkSpec, run_config: dict) -> dict:
    """Return what a finished chunk file must record to be reused: the spec and the run settings."""
    return {"chunk": asdict(spec), "run": run_config}


def write_chunk(
    directory: Path, spec: ChunkSpec, identity: dict, jets: list[np.ndarray], n_events: int
) -> Path:
    """Write one finished chunk atomically (temporary file, then rename) and return its path."""
    counts = np.array([len(jet) for jet in jets], dtype=np.int64)
    particles = np.concatenate(jets).astype(np.float32)
    handle, temporary = tempfile.mkstemp(prefix=f".{spec.file_name}.", suffix=".tmp", dir=directory)
    with os.fdopen(handle, "wb") as stream:
        np.savez(
            stream,
            particles=particles,
            counts=counts,
            n_events=np.int64(n_events),
            identity=np.array(json.dumps(identity, sort_keys=True)),
        )
        stream.flush()
        os.fsync(stream.fileno())
    path = directory / spec.file_name
    os.chmod(temporary, 0o644)  # mkstemp creates the file readable by its owner only
    os.replace(temporary, path)
    return path


def read_chunk(path: Path) -> dict:
    """Load a chunk file: 'particles' (n, 4), 'counts' (k,), 'n_events' and 'identity' (dict)."""
    with np.load(path, allow_pickle=False) as archive:
        return {
            "particles": archive["particles"],
            "counts": archive["counts"],
            "n_events": int(archive["n_events"]),
            "identity": json.loads(str(archive["identity"])),
        }


def is_chunk_done(directory: Path, spec: ChunkSpec, identity: dict) -> bool:
    """Return True if the chunk file exists and records ``identity``.

    Raises InvalidInputError when the file comes from a run with other settings, because reusing it
    would mix two samples.
    """
    path = directory / spec.file_name
    if not path.is_file():
        return False
    try:
        with np.load(path, allow_pickle=False) as archive:
            recorded = json.loads(str(archive["identity"]))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        logger.warning("chunk %s is unreadable (%s); generating it again", path, error)
        return False
    if recorded != identity:
        raise InvalidInputError(
            f"{path} was generated with other settings ({recorded['run']}); use a new --out "
            f"directory or delete {directory} to start over"
        )
    return True
