"""Quark/gluon jets: Pythia 8 generation, the jet store, importing energyflow-format files."""

from __future__ import annotations

import os
from pathlib import Path

from jetgnn.data.npz import NpzJets
from jetgnn.data.store import JetArrays, JetStore
from jetgnn.data.writer import StoreWriter, write_store
from jetgnn.errors import InvalidInputError, MissingInputError

__all__ = ["JetArrays", "JetStore", "NpzJets", "StoreWriter", "open_jets", "write_store"]


def open_jets(path: str | os.PathLike) -> JetArrays:
    """Open a jet store directory (memory-mapped) or an energyflow-format ``.npz`` (in memory)."""
    path = Path(path)
    if path.is_dir():
        return JetStore.open(path)
    if not path.exists():
        raise MissingInputError(
            f"{path} does not exist; give a jet store directory or an energyflow-format .npz file"
        )
    if path.suffix != ".npz":
        raise InvalidInputError(
            f"{path} is neither a jet store directory nor an .npz file; give one of those"
        )
    return NpzJets(path)
