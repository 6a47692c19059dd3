"""Training runs on real Pythia jets: files, determinism, configuration checks, early stopping."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from jetgnn.data import open_jets
from jetgnn.errors import InvalidInputError
from jetgnn.training.checkpoint import (
    checkpoint_path,
    is_finished,
    load_model,
    read_checkpoint,
    read_history,
    read_run_config,
)
from jetgnn.training.config import DEFAULT_LEARNING_RATES, TrainConfig
from jetgnn.training.trainer import train, training_indices

HISTORY_KEYS = {
    "epoch",
    "train_loss",
    "val_loss",
    "val_accuracy",
    "val_auc",
    "lr",
    "epoch_seconds",
    "train_jets_per_second",
}


def small_config(store, out: Path, **changes) -> TrainConfig:
    options = dict(model="pfn", epochs=1, batch_size=32, threads=1, device="cpu", seed=0)
    options.update(changes)
    return TrainConfig(data=str(store), out=str(out), **options)


def model_state(run_dir: Path, checkpoint_name: str = "last") -> dict[str, torch.Tensor]:
    return read_checkpoint(checkpoint_path(run_dir, checkpoint_name))["model_state"]


def test_run_writes_contract_files(small_store, tmp_path):
    run_dir = tmp_path / "run"
    result = train(small_config(small_store, run_dir, epochs=2), progress=False)
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["parameter_count"] == result.parameter_count
    assert "torch_version" in saved
    assert "jetgnn_version" in saved
    history = read_history(run_dir)
    assert [record["epoch"] for record in history] == [1, 2]
    assert HISTORY_KEYS <= set(history[0])
    assert is_finished(run_dir)
    assert result.epochs_run == 2


def test_run_config_round_trip(small_store, tmp_path):
    config = small_config(small_store, tmp_path / "run", lr=2e-3)
    train(config, progress=False)
    assert read_run_config(tmp_path / "run") == config


def test_default_lr_saved_resolved(small_store, tmp_path):
    train(small_config(small_store, tmp_path / "run"), progress=False)
    assert read_run_config(tmp_path / "run").lr == pytest.approx(DEFAULT_LEARNING_RATES["pfn"])


def test_same_seed_same_weights(small_store, tmp_path):
    train(small_config(small_store, tmp_path / "a"), progress=False)
    train(small_config(small_store, tmp_path / "b"), progress=False)
    first, second = model_state(tmp_path / "a"), model_state(tmp_path / "b")
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), name


def test_other_seed_other_weights(small_store, tmp_path):
    train(small_config(small_store, tmp_path / "a"), progress=False)
    train(small_config(small_store, tmp_path / "b", seed=1), progress=False)
    first, second = model_state(tmp_path / "a"), model_state(tmp_path / "b")
    assert not all(torch.equal(first[name], second[name]) for name in first)


def test_config_mismatch_names_keys(small_store, tmp_path):
    train(small_config(small_store, tmp_path / "run"), progress=False)
    changed = small_config(small_store, tmp_path / "run", lr=5e-3, batch_size=16)
    with pytest.raises(InvalidInputError) as error:
        train(changed, progress=False)
    assert "lr" in str(error.value)
    assert "batch_size" in str(error.value)
    assert "seed" not in str(error.value)


def test_thread_count_may_change_on_rerun(small_store, tmp_path):
    first = train(small_config(small_store, tmp_path / "run"), progress=False)
    again = train(small_config(small_store, tmp_path / "run", threads=None), progress=False)
    assert again == first


def test_finished_run_is_not_retrained(small_store, tmp_path):
    run_dir = tmp_path / "run"
    train(small_config(small_store, run_dir), progress=False)
    before = checkpoint_path(run_dir, "last").stat().st_mtime_ns
    train(small_config(small_store, run_dir), progress=False)
    assert checkpoint_path(run_dir, "last").stat().st_mtime_ns == before


def test_foreign_directory_rejected(small_store, tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("not a run")
    with pytest.raises(InvalidInputError):
        train(small_config(small_store, tmp_path / "run"), progress=False)


def test_load_model_matches_best(small_store, tmp_path):
    run_dir = tmp_path / "run"
    train(small_config(small_store, run_dir, epochs=2), progress=False)
    model = load_model(run_dir)
    assert not model.training
    best = model_state(run_dir, "best")
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, best[name]), name


def test_early_stopping_without_progress(small_store, tmp_path):
    # A learning rate far below float32 resolution leaves the weights, and so the validation
    # loss, unchanged, so no epoch after the first improves on it.
    config = small_config(small_store, tmp_path / "run", epochs=5, patience=2, lr=1e-30)
    result = train(config, progress=False)
    assert result.stopped_early
    assert result.epochs_run == 3
    assert result.best_epoch == 1
    assert len(read_history(tmp_path / "run")) == 3


def test_bf16_on_cpu(small_store, tmp_path):
    train(small_config(small_store, tmp_path / "run", bf16=True), progress=False)
    assert math.isfinite(read_history(tmp_path / "run")[0]["train_loss"])


def test_radam_lookahead_run(small_store, tmp_path):
    config = small_config(small_store, tmp_path / "run", optimizer="radam-lookahead", epochs=2)
    result = train(config, progress=False)
    assert math.isfinite(result.best_val_loss)
    assert (
        "slow_weights"
        in read_checkpoint(checkpoint_path(tmp_path / "run", "last"))["optimizer_state"]
    )


def test_particlenet_lite_run(small_store, tmp_path):
    result = train(small_config(small_store, tmp_path / "run", model="particlenet-lite"))
    assert math.isfinite(result.best_val_loss)


def test_max_train_jets_nested(small_store, tmp_path):
    store = open_jets(small_store)
    small = training_indices(store, small_config(small_store, tmp_path, max_train_jets=20))
    large = training_indices(store, small_config(small_store, tmp_path, max_train_jets=60))
    assert len(small) == 20
    assert np.isin(small, large).all()
    assert np.isin(large, store.split("train")).all()


def test_invalid_option_rejected(small_store, tmp_path):
    with pytest.raises(InvalidInputError):
        train(small_config(small_store, tmp_path / "run", warmup_fraction=0.8), progress=False)


def test_multiplicity_batching_run(small_store, tmp_path):
    result = train(small_config(small_store, tmp_path / "run", batching="multiplicity"))
    assert math.isfinite(result.best_val_loss)


def test_config_without_new_option_resumes(small_store, tmp_path):
    # A run written before the batching option existed used its default, random batches.
    run_dir = tmp_path / "run"
    first = train(small_config(small_store, run_dir), progress=False)
    saved = json.loads((run_dir / "config.json").read_text())
    del saved["batching"]
    (run_dir / "config.json").write_text(json.dumps(saved))
    assert train(small_config(small_store, run_dir), progress=False) == first


def test_leftover_temporary_file_accepted(small_store, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / ".config.json.abc.tmp").write_text("{")
    assert train(small_config(small_store, run_dir), progress=False).epochs_run == 1
