"""Shared fixtures: small real Pythia jet stores, generated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from jetgnn.data.generation.runner import GenerationRequest, generate_store

SMALL_STORE_JETS = 200
SMALL_STORE_SEED = 424242


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a jet store of 200 real Pythia jets (100 quark, 100 gluon), default selection.

    One chunk per class, generated in this process: about 20 s of CPU, once per session.
    """
    path = tmp_path_factory.mktemp("small_store") / "store"
    request = GenerationRequest(n_jets=SMALL_STORE_JETS, seed=SMALL_STORE_SEED, chunk_jets=100)
    generate_store(
        path, request, workers=1, command="tests/conftest.py small_store", show_progress=False
    )
    return path
