"""Tests of evaluate_run and ``jetgnn evaluate`` on real Pythia jets, from a store and an .npz."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from jetgnn.cli.main import main
from jetgnn.data import open_jets
from jetgnn.evaluation.bootstrap import point_metrics
from jetgnn.evaluation.evaluate import EvaluationOptions, evaluate_run, find_reusable_metrics
from jetgnn.evaluation.files import read_predictions
from jetgnn.training.checkpoint import load_model
from jetgnn.training.config import TrainConfig
from jetgnn.training.trainer import train

METRIC_KEYS = ("accuracy", "auc", "rejection_at_30", "rejection_at_50")
FAST = EvaluationOptions(n_resamples=200, threads=1)


@pytest.fixture(scope="module")
def trained_run(small_store, tmp_path_factory) -> Path:
    """A PFN run trained for one epoch on the small store."""
    torch.set_num_threads(1)
    run_dir = tmp_path_factory.mktemp("evaluate") / "run"
    config = TrainConfig(
        model="pfn",
        data=str(small_store),
        out=str(run_dir),
        epochs=1,
        batch_size=32,
        threads=1,
        device="cpu",
    )
    train(config, progress=False)
    return run_dir


def write_npz(store_path: Path, path: Path) -> np.ndarray:
    """Write the store's test jets as an energyflow-format .npz and return their store indices."""
    store = open_jets(store_path)
    indices = store.split("test")
    particles, _, labels = store.batch(indices)
    np.savez(path, X=particles.astype(np.float64), y=labels.astype(np.float64))
    return indices


@pytest.mark.slow
def test_evaluate_store_writes_files(small_store, trained_run, tmp_path):
    metrics = evaluate_run(trained_run, small_store, FAST, out=tmp_path)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    for key in METRIC_KEYS:
        assert key in saved, key
        assert len(saved[f"{key}_ci"]) == 2, key
    assert saved["split"] == "test"
    assert saved["model"] == "pfn"
    assert saved["n_jets"] == metrics["n_jets"]
    assert saved["inference_jets_per_second"] > 0


@pytest.mark.slow
def test_predictions_aligned_with_store(small_store, trained_run, tmp_path):
    evaluate_run(trained_run, small_store, FAST, out=tmp_path)
    jet_index, label, p_quark = read_predictions(tmp_path / "predictions.csv")
    store = open_jets(small_store)
    np.testing.assert_array_equal(jet_index, store.split("test"))
    np.testing.assert_array_equal(label, store.labels[jet_index])
    assert ((p_quark >= 0) & (p_quark <= 1)).all()


@pytest.mark.slow
def test_predictions_reproduce_metrics(small_store, trained_run, tmp_path):
    metrics = evaluate_run(trained_run, small_store, FAST, out=tmp_path)
    _, label, p_quark = read_predictions(tmp_path / "predictions.csv")
    recomputed = point_metrics(label, p_quark)
    for key in METRIC_KEYS:
        assert recomputed[key] == metrics[key], key


@pytest.mark.slow
def test_predictions_match_model_scores(small_store, trained_run, tmp_path):
    evaluate_run(trained_run, small_store, FAST, out=tmp_path)
    jet_index, _, p_quark = read_predictions(tmp_path / "predictions.csv")
    store = open_jets(small_store)
    model = load_model(trained_run)
    particles, mask, _ = store.batch(jet_index[:5])
    with torch.no_grad():
        logits = model(torch.from_numpy(particles), torch.from_numpy(mask))
    expected = torch.softmax(logits.double(), dim=1)[:, 1].numpy()
    np.testing.assert_allclose(p_quark[:5], expected, rtol=1e-5, atol=1e-7)


@pytest.mark.slow
def test_evaluate_npz_all_jets(small_store, trained_run, tmp_path):
    npz_path = tmp_path / "test_jets.npz"
    store_indices = write_npz(small_store, npz_path)
    store_metrics = evaluate_run(trained_run, small_store, FAST, out=tmp_path / "store")
    npz_metrics = evaluate_run(trained_run, npz_path, FAST, out=tmp_path / "npz")
    assert npz_metrics["split"] == "all"
    assert npz_metrics["n_jets"] == store_indices.size
    assert npz_metrics["auc"] == pytest.approx(store_metrics["auc"], abs=1e-6)


@pytest.mark.slow
def test_reuse_requires_same_inputs(small_store, trained_run, tmp_path):
    evaluate_run(trained_run, small_store, FAST, out=tmp_path)
    assert find_reusable_metrics(trained_run, small_store, FAST, out=tmp_path) is not None
    other = EvaluationOptions(n_resamples=300, threads=1)
    assert find_reusable_metrics(trained_run, small_store, other, out=tmp_path) is None


@pytest.mark.slow
def test_evaluate_command(small_store, trained_run, tmp_path, capsys):
    status = main(
        [
            "evaluate",
            str(trained_run),
            "--data",
            str(small_store),
            "--out",
            str(tmp_path),
            "--threads",
            "1",
            "--bootstrap",
            "200",
        ]
    )
    assert status == 0
    assert "ROC AUC" in capsys.readouterr().out
    assert (tmp_path / "metrics.json").is_file()


def test_evaluate_missing_run_exits_2(tmp_path, capsys):
    status = main(["evaluate", str(tmp_path / "absent"), "--data", str(tmp_path)])
    assert status == 2
    assert "not found" in capsys.readouterr().err
