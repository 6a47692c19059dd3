"""Evaluate a trained run on a jet store or an energyflow-format .npz file.

Writes metrics.json (accuracy, AUC, 1/eps_B at eps_S = 30% and 50%, each with a bootstrap
interval, and the inference speed) and predictions.csv (jet_index, label, p_quark per jet).
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from jetgnn import __version__
from jetgnn.data import JetStore, open_jets
from jetgnn.errors import InvalidInputError, MissingInputError
from jetgnn.evaluation.bootstrap import DEFAULT_CONFIDENCE, DEFAULT_N_RESAMPLES, bootstrap_metrics
from jetgnn.evaluation.files import (
    METRICS_FILE,
    PREDICTIONS_FILE,
    read_json_file,
    write_json_file,
    write_predictions,
)
from jetgnn.evaluation.resampling import METRIC_NAMES
from jetgnn.models.registry import count_parameters
from jetgnn.models.scoring import predict
from jetgnn.training.checkpoint import checkpoint_path, load_model, read_saved_config

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 1024


@dataclass(frozen=True)
class EvaluationOptions:
    """Options of one evaluation. Split None means 'test' for a store and 'all' for an .npz file."""

    split: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    threads: int | None = None
    device: str = "cpu"
    checkpoint: str = "best"
    n_resamples: int = DEFAULT_N_RESAMPLES
    confidence: float = DEFAULT_CONFIDENCE
    seed: int = 0


def default_split(data: str | os.PathLike) -> str:
    """Return 'test' for a jet store directory and 'all' for an .npz file."""
    return "test" if Path(data).is_dir() else "all"


def file_sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def evaluation_key(run_dir: Path, data: str | os.PathLike, options: EvaluationOptions) -> dict:
    """Return the values that decide whether an existing metrics.json can be reused."""
    return {
        "data": str(Path(data).resolve()),
        "split": options.split or default_split(data),
        "checkpoint": options.checkpoint,
        "checkpoint_sha256": file_sha256(checkpoint_path(run_dir, options.checkpoint)),
        "bootstrap_resamples": options.n_resamples,
        "confidence": options.confidence,
        "bootstrap_seed": options.seed,
    }


def find_reusable_metrics(
    run_dir: str | os.PathLike,
    data: str | os.PathLike,
    options: EvaluationOptions,
    out: str | os.PathLike | None = None,
) -> dict[str, Any] | None:
    """Return the metrics.json in out (default run_dir) if it was made with the same inputs.

    Same inputs means the same data path, split, checkpoint file contents and bootstrap settings,
    and a predictions file next to it. Otherwise returns None.
    """
    run_dir = Path(run_dir)
    out_dir = Path(out) if out is not None else run_dir
    metrics_path = out_dir / METRICS_FILE
    if not metrics_path.is_file() or not (out_dir / PREDICTIONS_FILE).is_file():
        return None
    try:
        saved = read_json_file(metrics_path)
    except InvalidInputError:
        return None
    key = evaluation_key(run_dir, data, options)
    if any(saved.get(name) != value for name, value in key.items()):
        return None
    return saved


def evaluate_run(
    run_dir: str | os.PathLike,
    data: str | os.PathLike,
    options: EvaluationOptions | None = None,
    out: str | os.PathLike | None = None,
) -> dict[str, Any]:
    """Score the jets of data with the run's model and write metrics.json and predictions.csv.

    Args:
        run_dir: a training run directory with checkpoints/best.pt (or last.pt).
        data: a jet store directory or an energyflow-format .npz file.
        options: split, batch size, threads, device, checkpoint and bootstrap settings.
        out: directory for the two output files, or None for the run directory.

    Returns:
        The contents of metrics.json, with inf where 1/eps_B is unbounded (null in the file).
    """
    options = options or EvaluationOptions()
    run_dir = Path(run_dir)
    out_dir = Path(out) if out is not None else run_dir
    if not run_dir.is_dir():
        raise MissingInputError(f"run directory {run_dir} not found. Train a model into it first.")
    if options.batch_size < 1:
        raise InvalidInputError(f"batch size {options.batch_size} must be at least 1")
    if options.threads is not None:
        if options.threads < 1:
            raise InvalidInputError(f"thread count {options.threads} must be at least 1")
        torch.set_num_threads(options.threads)

    split = options.split or default_split(data)
    source = open_jets(data)
    indices = source.split(split)
    if indices.size == 0:
        raise InvalidInputError(f"split {split!r} of {data} has no jets. Choose another split.")
    labels = np.asarray(source.labels[indices], dtype=np.int64)

    model = load_model(run_dir, which=options.checkpoint, device=options.device)
    model_name = read_saved_config(run_dir).get("model", type(model).__name__)
    logger.info("scoring %d jets of %s (split %s) with %s", indices.size, data, split, run_dir)
    start = time.perf_counter()
    p_quark = predict(model, source, indices, batch_size=options.batch_size, device=options.device)
    inference_seconds = time.perf_counter() - start

    estimates = bootstrap_metrics(
        labels,
        p_quark,
        n_resamples=options.n_resamples,
        confidence=options.confidence,
        seed=options.seed,
    )
    metrics: dict[str, Any] = {
        "model": model_name,
        "run_dir": str(run_dir.resolve()),
        **evaluation_key(run_dir, data, options),
        "data_kind": "jet store" if isinstance(source, JetStore) else "npz",
        "n_jets": int(indices.size),
        "n_quark": int(labels.sum()),
        "n_gluon": int(indices.size - labels.sum()),
    }
    for name in METRIC_NAMES:
        metrics[name] = estimates[name].value
        metrics[f"{name}_ci"] = [estimates[name].ci_low, estimates[name].ci_high]
    metrics.update(
        {
            "parameter_count": count_parameters(model),
            "inference_seconds": inference_seconds,
            "inference_jets_per_second": indices.size / inference_seconds,
            "inference_batch_size": options.batch_size,
            "inference_threads": torch.get_num_threads(),
            "inference_device": options.device,
            "predictions_file": PREDICTIONS_FILE,
            "jetgnn_version": __version__,
        }
    )
    unbounded = [name for name in METRIC_NAMES if np.isinf(metrics[name])]
    if unbounded:
        metrics["note"] = (
            f"{', '.join(unbounded)} is null because no gluon jet passes the cut at that quark "
            "efficiency (eps_B = 0). Evaluate on more jets to measure it."
        )

    out_dir.mkdir(parents=True, exist_ok=True)
    write_predictions(out_dir / PREDICTIONS_FILE, indices, labels, p_quark)
    write_json_file(out_dir / METRICS_FILE, metrics)
    logger.info(
        "%s: AUC %.4f, accuracy %.4f, %d jets at %.0f jets/s",
        model_name,
        metrics["auc"],
        metrics["accuracy"],
        indices.size,
        metrics["inference_jets_per_second"],
    )
    return metrics
