"""Distributed data parallel training with two CPU processes started by torchrun."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import jetgnn
from jetgnn.training.checkpoint import (
    checkpoint_path,
    is_finished,
    load_model,
    read_checkpoint,
    read_history,
)


def environment() -> dict[str, str]:
    # The processes import the same jetgnn as this test, installed or not.
    source_root = str(Path(jetgnn.__file__).resolve().parents[1])
    paths = [source_root, os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}


@pytest.mark.slow
def test_two_process_run_loads_plainly(small_store, tmp_path):
    run_dir = tmp_path / "run"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
        "-m", "jetgnn.cli.main", "train", "--model", "pfn", "--data", str(small_store),
        "--out", str(run_dir), "--epochs", "1", "--batch-size", "16", "--threads", "1",
        "--device", "cpu", "--no-progress",
    ]  # fmt: skip
    completed = subprocess.run(
        command, env=environment(), capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr
    assert is_finished(run_dir)
    assert len(read_history(run_dir)) == 1

    state = read_checkpoint(checkpoint_path(run_dir, "last"))["model_state"]
    assert not any(name.startswith("module.") for name in state)
    model = load_model(run_dir, "last")
    assert not model.training
