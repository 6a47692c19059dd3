"""Aggregate the evaluated runs of a comparison into the contents of results.json.

Every run of every model is scored on the same test jets. Per model, each metric is given as the
mean and standard deviation over training seeds, the per-seed values, and a bootstrap interval
over test jets of the seed mean. Every pair of models is compared with a paired bootstrap of the
difference of their seed means on the same resamples, and with DeLong's test on the AUC when each
model has one run.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from jetgnn.evaluation.bootstrap import percentile_interval
from jetgnn.evaluation.paired import delong_test, paired_difference
from jetgnn.evaluation.resampling import METRIC_NAMES, resample_model_metrics


@dataclass
class RunRecord:
    """One trained and evaluated run: its seed, directory, metrics.json, history and scores."""

    model: str
    seed: int
    run_dir: str
    metrics: dict[str, Any]
    summary: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    p_quark: np.ndarray | None = None


def spread(values: list[float]) -> dict[str, Any]:
    """Return mean, sample standard deviation (None for one value) and the values themselves."""
    array = np.asarray(values, dtype=np.float64)
    finite = bool(np.isfinite(array).all())
    mean = float(array.mean()) if finite else math.inf
    std = float(array.std(ddof=1)) if array.size > 1 and finite else None
    return {"mean": mean, "std": std, "per_seed": [float(value) for value in array]}


def build_results(
    runs: dict[str, list[RunRecord]],
    labels: np.ndarray,
    n_resamples: int,
    confidence: float,
    seed: int = 0,
) -> dict[str, Any]:
    """Return the "models", "comparisons" and "delong" parts of results.json.

    Args:
        runs: model name -> its runs (one per training seed), each with p_quark (N,) on the
            same test jets in the same order.
        labels: (N,) int64 labels of those jets.
        n_resamples, confidence, seed: bootstrap settings.
    """
    model_scores = {
        name: np.vstack([record.p_quark for record in records]) for name, records in runs.items()
    }
    samples = resample_model_metrics(labels, model_scores, n_resamples, seed)

    models: dict[str, Any] = {}
    for name, records in runs.items():
        metrics = {}
        for metric in METRIC_NAMES:
            entry = spread([record.metrics[metric] for record in records])
            entry["ci"] = list(percentile_interval(samples[name][metric], confidence))
            entry["per_seed_ci"] = [record.metrics[f"{metric}_ci"] for record in records]
            metrics[metric] = entry
        models[name] = {
            "parameter_count": int(records[0].metrics["parameter_count"]),
            "seeds": [record.seed for record in records],
            "run_dirs": [record.run_dir for record in records],
            "train_seconds": spread([record.summary["train_seconds"] for record in records]),
            "epochs_run": [int(record.summary["epochs_run"]) for record in records],
            "best_epoch": [int(record.summary["best_epoch"]) for record in records],
            "stopped_early": [bool(record.summary["stopped_early"]) for record in records],
            "inference_jets_per_second": spread(
                [record.metrics["inference_jets_per_second"] for record in records]
            ),
            "metrics": metrics,
        }

    comparisons = []
    for name_a, name_b in itertools.combinations(runs, 2):
        for metric in METRIC_NAMES:
            difference = paired_difference(
                metric,
                models[name_a]["metrics"][metric]["mean"],
                models[name_b]["metrics"][metric]["mean"],
                samples[name_a][metric],
                samples[name_b][metric],
                confidence,
            )
            comparisons.append(
                {
                    "model_a": name_a,
                    "model_b": name_b,
                    **asdict(difference),
                    "significant": difference.significant,
                }
            )

    delong = []
    if all(len(records) == 1 for records in runs.values()):
        for name_a, name_b in itertools.combinations(runs, 2):
            test = delong_test(labels, model_scores[name_a][0], model_scores[name_b][0], confidence)
            delong.append(
                {
                    "model_a": name_a,
                    "model_b": name_b,
                    **asdict(test),
                    "significant": test.significant,
                }
            )
    return {"models": models, "comparisons": comparisons, "delong": delong}
