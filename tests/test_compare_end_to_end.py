"""End-to-end test of ``jetgnn compare`` on real Pythia jets, and its option checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from jetgnn.cli.main import main

MODELS = ("pfn", "particlenet-lite")
LABELS = ("PFN", "ParticleNet-Lite")


@pytest.fixture(scope="module")
def compare_out(small_store, tmp_path_factory) -> Path:
    """Output directory of one small compare run (1 epoch, 1 thread, 200 resamples)."""
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("compare") / "out"
    status = main(
        [
            "compare",
            "--models",
            ",".join(MODELS),
            "--data",
            str(small_store),
            "--out",
            str(out),
            "--epochs",
            "1",
            "--max-train-jets",
            "120",
            "--threads",
            "1",
            "--batch-size",
            "32",
            "--device",
            "cpu",
            "--bootstrap",
            "200",
        ]
    )
    assert status == 0
    return out


@pytest.mark.slow
def test_results_json_lists_every_model(compare_out):
    results = json.loads((compare_out / "results.json").read_text())
    assert sorted(results["models"]) == sorted(MODELS)
    for name in MODELS:
        metrics = results["models"][name]["metrics"]
        assert set(metrics) == {"accuracy", "auc", "rejection_at_30", "rejection_at_50"}
        assert results["models"][name]["parameter_count"] > 0
    assert len(results["comparisons"]) == 4
    assert results["dataset"]["splits"]["test"]["jets"] == results["test_jets"]


@pytest.mark.slow
def test_reports_mention_every_model(compare_out):
    markdown = (compare_out / "report.md").read_text()
    page = (compare_out / "report.html").read_text()
    for label in LABELS:
        assert label in markdown, label
        assert label in page, label
    assert "data:image/png;base64," in page
    assert "1.6M jets" in markdown


@pytest.mark.slow
def test_figures_written(compare_out):
    for name in ("roc.png", "scores.png", "training.png", "graph-pfn.png"):
        assert (compare_out / "figures" / name).stat().st_size > 0, name


@pytest.mark.slow
def test_rerun_reuses_runs(compare_out, small_store):
    checkpoint = compare_out / "runs" / "pfn-seed0" / "checkpoints" / "best.pt"
    metrics_file = compare_out / "runs" / "pfn-seed0" / "metrics.json"
    before = (checkpoint.stat().st_mtime_ns, metrics_file.stat().st_mtime_ns)
    first = json.loads((compare_out / "results.json").read_text())
    status = main(
        [
            "compare",
            "--models",
            ",".join(MODELS),
            "--data",
            str(small_store),
            "--out",
            str(compare_out),
            "--epochs",
            "1",
            "--max-train-jets",
            "120",
            "--threads",
            "1",
            "--batch-size",
            "32",
            "--device",
            "cpu",
            "--bootstrap",
            "200",
        ]
    )
    assert status == 0
    assert (checkpoint.stat().st_mtime_ns, metrics_file.stat().st_mtime_ns) == before
    second = json.loads((compare_out / "results.json").read_text())
    assert second["models"] == first["models"]


def test_unknown_model_exits_2(tmp_path, capsys):
    status = main(
        ["compare", "--models", "pfn,nonsense", "--data", str(tmp_path), "--out", str(tmp_path)]
    )
    assert status == 2
    assert "nonsense" in capsys.readouterr().err


def test_npz_data_rejected(tmp_path, capsys):
    npz = tmp_path / "jets.npz"
    npz.write_bytes(b"")
    status = main(["compare", "--models", "pfn", "--data", str(npz), "--out", str(tmp_path / "o")])
    assert status == 2
    assert "jet store directory" in capsys.readouterr().err
