"""Resuming a `jetgnn train` process killed with SIGKILL in the middle of an epoch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import jetgnn
from jetgnn.training.checkpoint import (
    checkpoint_path,
    is_finished,
    read_checkpoint,
    read_history,
)
from jetgnn.training.config import TrainConfig
from jetgnn.training.trainer import train

EPOCHS = 3
# Small batches make an epoch last long enough (many steps) to kill the process inside it.
OPTIONS = dict(model="particlenet-lite", epochs=EPOCHS, batch_size=8, threads=1, device="cpu")


def train_command(store: Path, run_dir: Path) -> list[str]:
    return [
        sys.executable, "-m", "jetgnn.cli.main", "train",
        "--model", OPTIONS["model"], "--data", str(store), "--out", str(run_dir),
        "--epochs", str(EPOCHS), "--batch-size", str(OPTIONS["batch_size"]),
        "--threads", "1", "--device", "cpu", "--no-progress",
    ]  # fmt: skip


def environment() -> dict[str, str]:
    # The subprocess imports the same jetgnn as this test, installed or not.
    source_root = str(Path(jetgnn.__file__).resolve().parents[1])
    paths = [source_root, os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}


def kill_during_second_epoch(store: Path, run_dir: Path) -> None:
    process = subprocess.Popen(
        train_command(store, run_dir),
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while len(read_history(run_dir)) < 1:
            assert process.poll() is None, "training exited before finishing epoch 1"
            assert time.monotonic() < deadline, "epoch 1 did not finish within 300 s"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()


@pytest.mark.slow
def test_resume_after_sigkill(small_store, tmp_path):
    run_dir = tmp_path / "killed"
    kill_during_second_epoch(small_store, run_dir)
    assert not is_finished(run_dir)
    assert read_checkpoint(checkpoint_path(run_dir, "last"))["epoch"] == 1

    completed = subprocess.run(
        train_command(small_store, run_dir), env=environment(), capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    assert is_finished(run_dir)
    history = read_history(run_dir)
    assert [record["epoch"] for record in history] == [1, 2, 3]

    reference_dir = tmp_path / "uninterrupted"
    config = TrainConfig(data=str(small_store), out=str(reference_dir), **OPTIONS)
    train(config, progress=False)
    reference_history = read_history(reference_dir)
    assert [record["lr"] for record in history] == [record["lr"] for record in reference_history]
    assert history[-1]["val_loss"] == reference_history[-1]["val_loss"]

    resumed = read_checkpoint(checkpoint_path(run_dir, "last"))["model_state"]
    uninterrupted = read_checkpoint(checkpoint_path(reference_dir, "last"))["model_state"]
    for name in uninterrupted:
        assert torch.equal(resumed[name], uninterrupted[name]), name


@pytest.mark.slow
def test_rerun_with_other_epochs_fails(small_store, tmp_path):
    run_dir = tmp_path / "run"
    config = TrainConfig(data=str(small_store), out=str(run_dir), **{**OPTIONS, "epochs": 1})
    train(config, progress=False)
    command = train_command(small_store, run_dir)
    completed = subprocess.run(command, env=environment(), capture_output=True, text=True)
    assert completed.returncode == 2
    assert "epochs" in completed.stderr
